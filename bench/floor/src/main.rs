//! The benchmark's floor: the least work that answers `GET /api/{user_id}/tasks` as Leptodo
//! does — parse the Bearer token, verify its HS256 signature and expiry, check `sub` against
//! the path, run the same indexed statement for one page, write the rows as JSON. Nothing
//! else: no middleware, no logging, no limits. `bench/run` serves the same database with it
//! and Leptodo, one after the other, and prints Leptodo ÷ floor for every list row.
//!
//! SQLite: a rusqlite connection per worker thread, statements run on the calling thread
//! (cached prepared statements). Postgres: a sqlx pool (the driver Leptodo uses there).
//!
//! Usage: `leptodo-floor --database-url URL [--addr 127.0.0.1:0]`, with `BETTER_AUTH_SECRET`
//! set; it prints `listening on http://ADDR` and answers `/healthz`.
//! Understood parameters: `completed`, `q` (words, each a prefix), `sort` (`created`,
//! `due_date`), `order`, `limit`, `offset` — what the benchmark's rows send.

use std::{cell::RefCell, net::SocketAddr, path::PathBuf, sync::Arc};

use axum::{
    Router,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

const COLUMNS: &str = "id, user_id, title, description, completed, priority, tags, due_date, \
                       recurrence, created_at, updated_at";

struct Floor {
    key: DecodingKey,
    validation: Validation,
    store: Store,
}

enum Store {
    Sqlite(PathBuf),
    Postgres(sqlx::PgPool),
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

#[derive(Serialize)]
struct Task {
    id: i64,
    user_id: String,
    title: String,
    description: Option<String>,
    completed: bool,
    priority: &'static str,
    tags: Vec<String>,
    due_date: Option<String>,
    recurrence: Option<String>,
    created_at: String,
    updated_at: String,
}

/// One page's statement: `$n` placeholders (both engines read them) and their values.
struct Page {
    sql: String,
    args: Vec<Value>,
}

enum Value {
    Text(String),
    Int(i64),
    Bool(bool),
}

fn page(owner: &str, raw: &str) -> Result<Page, StatusCode> {
    let mut args = vec![Value::Text(owner.to_owned())];
    let mut sql = format!("SELECT {COLUMNS} FROM tasks WHERE user_id = $1");
    let (mut sort, mut desc, mut limit, mut offset) = ("created", true, 50i64, 0i64);
    let mut explicit_order = None;
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "completed" => {
                args.push(Value::Bool(value == "true"));
                sql += &format!(" AND completed = ${}", args.len());
            }
            "q" => {
                for word in value.split_whitespace() {
                    let word = word.to_lowercase();
                    let high = format!("{word}\u{10FFFF}");
                    args.push(Value::Text(word));
                    args.push(Value::Text(high));
                    let (low, high) = (args.len() - 1, args.len());
                    sql += &format!(
                        " AND id IN (SELECT task_id FROM task_words WHERE user_id = $1 \
                         AND word >= ${low} AND word < ${high})"
                    );
                }
            }
            "sort" if value == "created" || value == "due_date" => {
                sort = if value == "created" { "created" } else { "due" }
            }
            "order" => explicit_order = Some(value == "desc"),
            "limit" => {
                limit = value
                    .parse()
                    .map_err(|_| StatusCode::UNPROCESSABLE_ENTITY)?
            }
            "offset" => {
                offset = value
                    .parse()
                    .map_err(|_| StatusCode::UNPROCESSABLE_ENTITY)?
            }
            _ => return Err(StatusCode::UNPROCESSABLE_ENTITY),
        }
    }
    if let Some(order) = explicit_order {
        desc = order;
    } else if sort == "due" {
        desc = false;
    }
    sql += match (sort, desc) {
        ("created", true) => " ORDER BY id DESC",
        ("created", false) => " ORDER BY id ASC",
        (_, false) => " ORDER BY COALESCE(due_date, '9999-12-31') ASC, id DESC",
        (_, true) => " ORDER BY COALESCE(due_date, '0001-01-01') DESC, id DESC",
    };
    args.push(Value::Int(limit));
    args.push(Value::Int(offset));
    sql += &format!(" LIMIT ${} OFFSET ${}", args.len() - 1, args.len());
    Ok(Page { sql, args })
}

fn priority(rank: i64) -> &'static str {
    match rank {
        1 => "high",
        3 => "low",
        _ => "medium",
    }
}

fn tags(stored: String) -> Vec<String> {
    if stored.is_empty() {
        Vec::new()
    } else {
        stored.split(',').map(str::to_owned).collect()
    }
}

thread_local! {
    static SQLITE: RefCell<Option<rusqlite::Connection>> = const { RefCell::new(None) };
}

fn sqlite_page(path: &PathBuf, page: &Page) -> rusqlite::Result<Vec<Task>> {
    SQLITE.with_borrow_mut(|slot| {
        if slot.is_none() {
            let conn = rusqlite::Connection::open(path)?;
            conn.execute_batch("PRAGMA mmap_size = 268435456; PRAGMA query_only = 1;")?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            *slot = Some(conn);
        }
        let conn = slot.as_ref().expect("opened above");
        let mut stmt = conn.prepare_cached(&page.sql)?;
        for (i, arg) in page.args.iter().enumerate() {
            let Some(index) = stmt.parameter_index(&format!("${}", i + 1))? else {
                continue;
            };
            match arg {
                Value::Text(v) => stmt.raw_bind_parameter(index, v)?,
                Value::Int(v) => stmt.raw_bind_parameter(index, v)?,
                Value::Bool(v) => stmt.raw_bind_parameter(index, v)?,
            }
        }
        let mut rows = stmt.raw_query();
        let mut tasks = Vec::new();
        while let Some(row) = rows.next()? {
            tasks.push(Task {
                id: row.get(0)?,
                user_id: row.get(1)?,
                title: row.get(2)?,
                description: row.get(3)?,
                completed: row.get(4)?,
                priority: priority(row.get(5)?),
                tags: tags(row.get(6)?),
                due_date: row.get(7)?,
                recurrence: row.get(8)?,
                created_at: row.get(9)?,
                updated_at: row.get(10)?,
            });
        }
        Ok(tasks)
    })
}

type PgRow = (
    i64,
    String,
    String,
    Option<String>,
    bool,
    i32,
    String,
    Option<time::Date>,
    Option<String>,
    time::OffsetDateTime,
    time::OffsetDateTime,
);

async fn postgres_page(pool: &sqlx::PgPool, page: Page) -> sqlx::Result<Vec<Task>> {
    let mut query = sqlx::query_as::<_, PgRow>(&page.sql);
    for arg in page.args {
        query = match arg {
            Value::Text(v) => query.bind(v),
            Value::Int(v) => query.bind(v),
            Value::Bool(v) => query.bind(v),
        };
    }
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let text = |at: time::OffsetDateTime| at.format(rfc3339).unwrap_or_default();
    Ok(query
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| Task {
            id: r.0,
            user_id: r.1,
            title: r.2,
            description: r.3,
            completed: r.4,
            priority: priority(r.5.into()),
            tags: tags(r.6),
            due_date: r.7.map(|d| d.to_string()),
            recurrence: r.8,
            created_at: text(r.9),
            updated_at: text(r.10),
        })
        .collect())
}

async fn list(
    State(floor): State<Arc<Floor>>,
    Path(user_id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let claims = match jsonwebtoken::decode::<Claims>(token, &floor.key, &floor.validation) {
        Ok(data) => data.claims,
        Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
    };
    if claims.sub != user_id {
        return StatusCode::FORBIDDEN.into_response();
    }
    let page = match page(&user_id, raw.as_deref().unwrap_or_default()) {
        Ok(page) => page,
        Err(status) => return status.into_response(),
    };
    let tasks = match &floor.store {
        Store::Sqlite(path) => sqlite_page(path, &page).map_err(|e| e.to_string()),
        Store::Postgres(pool) => postgres_page(pool, page).await.map_err(|e| e.to_string()),
    };
    match tasks.and_then(|tasks| serde_json::to_vec(&tasks).map_err(|e| e.to_string())) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err).into_response(),
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (mut url, mut addr) = (None, "127.0.0.1:0".to_string());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--database-url" => url = args.next(),
            "--addr" => addr = args.next().expect("--addr ADDR"),
            other => panic!("unknown argument {other}: --database-url URL [--addr ADDR]"),
        }
    }
    let url = url.expect("--database-url URL");
    let secret = std::env::var("BETTER_AUTH_SECRET").expect("BETTER_AUTH_SECRET");
    let store = match url.strip_prefix("sqlite://") {
        Some(path) => Store::Sqlite(PathBuf::from(path)),
        None => Store::Postgres(
            sqlx::postgres::PgPoolOptions::new()
                .max_connections(10)
                .connect(&url)
                .await
                .expect("connect to Postgres"),
        ),
    };
    let floor = Arc::new(Floor {
        key: DecodingKey::from_secret(secret.as_bytes()),
        validation: Validation::new(Algorithm::HS256),
        store,
    });
    let app = Router::new()
        .route("/api/{user_id}/tasks", get(list))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(floor);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    let local: SocketAddr = listener.local_addr().expect("local address");
    println!("listening on http://{local}");
    axum::serve(listener, app).await.expect("serve");
}

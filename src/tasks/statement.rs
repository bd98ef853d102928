//! SQL text built at run time (a list's filters, a task's search rows) with its arguments, so
//! one function writes a statement and both backends bind it the same way.

use time::Date;

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    OptBool(Option<bool>),
    Date(Date),
    OptDate(Option<Date>),
    Time(time::OffsetDateTime),
}

/// A statement with `$n` placeholders and the values for them, in order.
#[derive(Debug, Clone, Default)]
pub(super) struct Statement {
    pub sql: String,
    pub args: Vec<Arg>,
}

impl Statement {
    /// Adds `value` and returns its placeholder (`$n`).
    pub fn arg(&mut self, value: Arg) -> String {
        self.args.push(value);
        format!("${}", self.args.len())
    }
}

/// Binds `$args` (a `Vec<Arg>`) onto a sqlx query, query_as or query_scalar, in order. A macro
/// rather than a function: each backend's query type is different, and the bodies of
/// `with_pool!` / `with_write_tx!` are compiled once per backend.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::tasks::statement::Arg::Text(v) => query.bind(v),
                $crate::tasks::statement::Arg::OptText(v) => query.bind(v),
                $crate::tasks::statement::Arg::Int(v) => query.bind(v),
                $crate::tasks::statement::Arg::Bool(v) => query.bind(v),
                $crate::tasks::statement::Arg::OptBool(v) => query.bind(v),
                $crate::tasks::statement::Arg::OptInt(v) => query.bind(v),
                $crate::tasks::statement::Arg::Date(v) => query.bind(v),
                $crate::tasks::statement::Arg::OptDate(v) => query.bind(v),
                $crate::tasks::statement::Arg::Time(v) => query.bind(v),
            };
        }
        query
    }};
}
pub(super) use bind_args;

/// Binds `args` onto a rusqlite statement (the direct SQLite readers) as sqlx encodes them for
/// SQLite — booleans as 0/1, dates as `YYYY-MM-DD`, timestamps as RFC 3339 — so one
/// statement's text and arguments read the same rows through either driver. Placeholders
/// are found by name (`$n`), so one may repeat or come out of order.
pub(super) fn bind_direct(
    stmt: &mut rusqlite::Statement<'_>,
    args: &[Arg],
) -> rusqlite::Result<()> {
    use rusqlite::types::Value;
    let text_date =
        |d: &Date| Value::Text(d.format(super::fields::DATE_FORMAT).unwrap_or_default());
    for (n, arg) in args.iter().enumerate() {
        let Some(index) = stmt.parameter_index(&format!("${}", n + 1))? else {
            continue;
        };
        let value = match arg {
            Arg::Text(v) => Value::Text(v.clone()),
            Arg::OptText(v) => v.clone().map_or(Value::Null, Value::Text),
            Arg::Int(v) => Value::Integer(*v),
            Arg::OptInt(v) => v.map_or(Value::Null, Value::Integer),
            Arg::Bool(v) => Value::Integer(i64::from(*v)),
            Arg::OptBool(v) => v.map_or(Value::Null, |v| Value::Integer(i64::from(v))),
            Arg::Date(v) => text_date(v),
            Arg::OptDate(v) => v.as_ref().map_or(Value::Null, text_date),
            Arg::Time(v) => Value::Text(
                v.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            ),
        };
        stmt.raw_bind_parameter(index, value)?;
    }
    Ok(())
}

/// Runs `st` through the direct SQLite readers, on this thread, mapping each row with `row`:
/// `None` when `db` has none (Postgres, or an in-memory SQLite database), so the caller goes
/// through its sqlx pool instead. The statement is prepared once per connection.
pub(super) fn read_direct<T>(
    db: &crate::db::Database,
    st: &Statement,
    row: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Option<Result<Vec<T>, crate::DatabaseError>> {
    let crate::db::Database::Sqlite(sqlite) = db else {
        return None;
    };
    let readers = sqlite.readers()?;
    Some(readers.read(|conn| {
        let mut stmt = conn.prepare_cached(&st.sql)?;
        bind_direct(&mut stmt, &st.args)?;
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(found) = rows.next()? {
            out.push(row(found)?);
        }
        Ok(out)
    }))
}

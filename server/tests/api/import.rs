//! Moving in from the old stack: a real Better Auth (npm `better-auth` with its own Kysely
//! adapter over better-sqlite3, or over pg) signs people up, a FastAPI-shaped task table is
//! filled for them (tests/interop/better-auth/seed.mjs), and the shipped binary's
//! `import better-auth` and `import tasks` bring them into a fresh Leptodo database: the SQLite
//! file of the first stage, or Postgres in scripts/test's Postgres stage. Then every person
//! signs in to the real server with the password they chose in Better Auth.

use std::{path::Path, process::Command};

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::{
    helpers::{POSTGRES_ENV, TEST_SECRET, create_postgres_database, fresh_database_url},
    process::{interop_script, leptodo, serve},
};

/// Runs the old stack on `source` (a SQLite file or a Postgres URL); what it made.
fn seed_old_stack(source: &str) -> Value {
    let dir = interop_script("better-auth");
    assert!(
        dir.join("node_modules/better-sqlite3").exists() && dir.join("node_modules/pg").exists(),
        "the import tests need Better Auth's npm packages: run `scripts/bootstrap test` \
         (it runs `npm ci` in tests/interop/better-auth)"
    );
    let out = Command::new("node")
        .arg("seed.mjs")
        .arg(source)
        .current_dir(&dir)
        .env("BETTER_AUTH_SECRET", TEST_SECRET)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "seed.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("seed.mjs prints JSON")
}

/// `leptodo-server import <args>` into `target`: its standard output, which must succeed.
fn import(dir: &Path, target: &str, args: &[&str]) -> String {
    let out = leptodo(dir)
        .arg("import")
        .args(args)
        .env("DATABASE_URL", target)
        .env("BETTER_AUTH_SECRET", TEST_SECRET)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "import {args:?} failed:\n{stdout}\n{stderr}"
    );
    // Never a password hash or a session token: no long run of hex or token characters.
    for word in stdout.split(|c: char| !c.is_ascii_alphanumeric()) {
        assert!(
            word.len() < 40,
            "import printed something secret-looking: {word}"
        );
    }
    stdout
}

async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(format!("{base}/api/auth/sign-in/email"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn stored_hash(target: &str, user_id: &str) -> String {
    let db = leptodo::Database::connect(target, 1).await.unwrap();
    let (hash,): (String,) = leptodo::db::with_pool!(&db, pool => sqlx::query_as(
        "SELECT password_hash FROM credentials WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await)
    .unwrap();
    db.close().await;
    hash
}

async fn moving_in_from(source: &str) {
    let old = seed_old_stack(source.trim_start_matches("sqlite:"));
    let people = old["people"].as_array().unwrap();
    let social = &old["social"];
    let stranger_task = old["stranger"]["tasks"][0].as_i64().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = fresh_database_url(&dir).await;

    // A dry run reports the move and writes nothing: the real run still finds everything to do.
    let dry = import(
        dir.path(),
        &target,
        &["better-auth", "--from", source, "--sessions", "--dry-run"],
    );
    assert!(
        dry.contains("users: 4 to import, 0 already here, 0 skipped"),
        "{dry}"
    );
    assert!(dry.contains("sessions: 6 to import"), "{dry}");
    assert!(dry.contains("Dry run: nothing was written."), "{dry}");
    let users = import(
        dir.path(),
        &target,
        &["better-auth", "--from", source, "--sessions"],
    );
    assert!(
        users.contains("users: 4 imported, 0 already here, 0 skipped"),
        "{users}"
    );
    assert!(
        users.contains("passwords: 3 imported, 0 already here, 0 skipped"),
        "{users}"
    );
    assert!(
        users.contains("sessions: 6 imported, 0 already here, 0 skipped"),
        "{users}"
    );
    // The GitHub-only user is imported without a password, and listed.
    let social_line = format!(
        "{} <{}> (github)",
        social["id"].as_str().unwrap(),
        social["email"].as_str().unwrap()
    );
    assert!(users.contains(&social_line), "{users}");

    let dry = import(
        dir.path(),
        &target,
        &["tasks", "--from", source, "--dry-run"],
    );
    assert!(
        dry.contains("tasks: 7 to import, 0 already here, 1 skipped"),
        "{dry}"
    );
    let tasks = import(dir.path(), &target, &["tasks", "--from", source]);
    assert!(
        tasks.contains("tasks: 7 imported, 0 already here, 1 skipped"),
        "{tasks}"
    );
    // The task of a user Better Auth never had is reported, not dropped silently.
    assert!(
        tasks.contains(&format!(
            "task {stranger_task} of user no-such-user-in-better-auth"
        )),
        "{tasks}"
    );

    // Both again: nothing changes, and the report says so.
    let again = import(
        dir.path(),
        &target,
        &["better-auth", "--from", source, "--sessions"],
    );
    assert!(
        again.contains("users: 0 imported, 4 already here"),
        "{again}"
    );
    assert!(
        again.contains("sessions: 0 imported, 6 already here"),
        "{again}"
    );
    assert!(again.contains("Nothing to change"), "{again}");
    let again = import(dir.path(), &target, &["tasks", "--from", source]);
    assert!(
        again.contains("tasks: 0 imported, 7 already here, 1 skipped"),
        "{again}"
    );
    assert!(again.contains("Nothing to change"), "{again}");

    let (_server, base) = serve(dir.path(), &target);
    let client = reqwest::Client::new();
    for person in people {
        let (id, email) = (
            person["id"].as_str().unwrap(),
            person["email"].as_str().unwrap(),
        );
        let password = person["password"].as_str().unwrap();
        assert_eq!(id.len(), 32, "Better Auth's ids are 32 characters");

        // Still signed in: the session cookie Better Auth set works here.
        let session = client
            .get(format!("{base}/api/auth/get-session"))
            .header(header::COOKIE, person["cookie"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(session.status(), StatusCode::OK);
        let session: Value = session.json().await.unwrap();
        assert_eq!(session["user"]["id"], id, "{session}");

        // A wrong password fails against the imported hash, and changes nothing.
        let wrong = sign_in(&client, &base, email, &format!("{password}?")).await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert!(
            !stored_hash(&target, id).await.starts_with('$'),
            "still Better Auth's hash"
        );

        // The password they chose in Better Auth signs them in, with the same id...
        let signed = sign_in(&client, &base, &email.to_uppercase(), password).await;
        assert_eq!(signed.status(), StatusCode::OK, "{email}");
        let body: Value = signed.json().await.unwrap();
        assert_eq!(body["user"]["id"], id);
        assert_eq!(body["user"]["email"], email);
        assert_eq!(body["user"]["name"], person["name"]);
        // ...and the scrypt hash is now argon2id: the next sign-in checks that one.
        let rehashed = stored_hash(&target, id).await;
        assert!(
            rehashed.starts_with("$argon2id$"),
            "rehashed at first sign-in"
        );
        let signed = sign_in(&client, &base, email, password).await;
        assert_eq!(signed.status(), StatusCode::OK);
        assert_eq!(stored_hash(&target, id).await, rehashed);
        let token = signed.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let wrong = sign_in(&client, &base, email, &format!("{password}?")).await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

        // Exactly their tasks, newest first, as the old stack stored them.
        let listed: Value = client
            .get(format!("{base}/api/{id}/tasks"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<i64> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect();
        let mut expected: Vec<i64> = person["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_i64().unwrap())
            .collect();
        expected.reverse();
        assert_eq!(ids, expected, "{email}: {listed}");
        for task in listed.as_array().unwrap() {
            let row = old["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == task["id"])
                .unwrap();
            assert_eq!(task["title"], row["title"]);
            assert_eq!(task["description"], row["description"]);
            assert_eq!(task["completed"], row["completed"]);
            assert!(
                task["created_at"]
                    .as_str()
                    .unwrap()
                    .starts_with("2026-01-01T10:"),
                "{task}"
            );
        }
        // A new task is numbered after the imported ones.
        let created: Value = client
            .post(format!("{base}/api/{id}/tasks"))
            .bearer_auth(&token)
            .json(&json!({"title": "after the move"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            created["id"].as_i64().unwrap() > old["rows"].as_array().unwrap().len() as i64,
            "{created}"
        );
    }

    // No password here for the GitHub-only user: any password fails, as for a stranger.
    let social_email = social["email"].as_str().unwrap();
    let refused = sign_in(&client, &base, social_email, "whatever they try").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_better_auth_on_sqlite_and_its_tasks_move_in() {
    let dir = tempfile::tempdir().unwrap();
    let source = format!("sqlite:{}", dir.path().join("old-stack.db").display());
    moving_in_from(&source).await;
}

#[tokio::test]
#[ignore = "needs Postgres: scripts/test runs it in its Postgres stage"]
async fn a_better_auth_on_postgres_and_its_tasks_move_in() {
    let admin = std::env::var(POSTGRES_ENV).expect("scripts/test sets LEPTODO_TEST_DATABASE_URL");
    let source = create_postgres_database(&admin).await;
    moving_in_from(&source).await;
}

#[test]
fn a_bad_source_is_a_clear_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = format!("sqlite://{}", dir.path().join("leptodo.db").display());
    let missing = dir.path().join("no-such.db");
    let not_better_auth = dir.path().join("empty.db");
    std::fs::write(&not_better_auth, b"").unwrap();
    for (args, expected) in [
        (
            vec!["better-auth", "--from", missing.to_str().unwrap()],
            "cannot read the old database",
        ),
        (
            vec!["better-auth", "--from", not_better_auth.to_str().unwrap()],
            "no Better Auth \"user\" table",
        ),
        (
            vec!["tasks", "--from", not_better_auth.to_str().unwrap()],
            "no readable \"task\" table",
        ),
        (
            vec![
                "tasks",
                "--from",
                not_better_auth.to_str().unwrap(),
                "--table",
                "task; DROP",
            ],
            "a table name is letters",
        ),
    ] {
        let out = leptodo(dir.path())
            .arg("import")
            .args(&args)
            .env("DATABASE_URL", &target)
            .env("BETTER_AUTH_SECRET", TEST_SECRET)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert!(!missing.exists(), "the source is never created");
}

/// How long one failed sign-in takes.
async fn failed_sign_in(client: &reqwest::Client, base: &str, email: &str) -> std::time::Duration {
    let start = std::time::Instant::now();
    let refused = sign_in(client, base, email, "not the password at all").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    start.elapsed()
}

#[tokio::test]
async fn a_failed_sign_in_takes_as_long_whichever_kind_of_hash_the_account_has() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("old-stack.db");
    let old = seed_old_stack(source.to_str().unwrap());
    let target = format!("sqlite://{}", dir.path().join("leptodo.db").display());
    // Émile already has a Leptodo account of his own (another id, another password).
    let emile = &old["people"][2];
    let db = leptodo::Database::connect(&target, 1).await.unwrap();
    db.migrate().await.unwrap();
    let account = leptodo::users::NewAccount::parse(leptodo::users::SignUpInput {
        name: "Émile".into(),
        email: emile["email"].as_str().unwrap().to_uppercase(),
        password: "his own Leptodo password".into(),
    })
    .unwrap();
    let hash = leptodo::password::PasswordHasher::new(1)
        .unwrap()
        .hash(&account.password)
        .await
        .unwrap();
    let existing = leptodo::users::create(&db, &account, &hash).await.unwrap();
    db.close().await;
    let report = import(
        dir.path(),
        &target,
        &["better-auth", "--from", source.to_str().unwrap()],
    );
    assert!(
        report.contains("users: 3 imported, 0 already here, 1 skipped"),
        "{report}"
    );
    let clash = format!(
        "{} <{}> (the Leptodo account is {})",
        emile["id"].as_str().unwrap(),
        emile["email"].as_str().unwrap(),
        existing.id
    );
    assert!(
        report.contains("the email belongs to another Leptodo account (not merged): 1"),
        "{report}"
    );
    assert!(report.contains(&clash), "{report}");
    let (_server, base) = serve(dir.path(), &target);
    let client = reqwest::Client::new();
    // Not merged: his Better Auth password does not open the Leptodo account.
    let email = emile["email"].as_str().unwrap();
    let refused = sign_in(&client, &base, email, emile["password"].as_str().unwrap()).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    // Ada signs in once: her hash is now argon2id. Grace's stays Better Auth's scrypt.
    let (ada, grace) = (&old["people"][0], &old["people"][1]);
    let ada_email = ada["email"].as_str().unwrap();
    let signed = sign_in(&client, &base, ada_email, ada["password"].as_str().unwrap()).await;
    assert_eq!(signed.status(), StatusCode::OK);
    let grace_email = grace["email"].as_str().unwrap();

    // Triples taken back to back, in rotating order, so a busy moment of the machine slows
    // all three alike; the medians of the ratios shrug off the odd outlier.
    const ROUNDS: usize = 31;
    let emails = [ada_email, grace_email, "nobody@example.com"];
    let (mut scrypt, mut unknown) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let mut took = [std::time::Duration::ZERO; 3];
        for k in 0..3 {
            let which = (round + k) % 3;
            took[which] = failed_sign_in(&client, &base, emails[which]).await;
        }
        scrypt.push(took[1].as_secs_f64() / took[0].as_secs_f64());
        unknown.push(took[2].as_secs_f64() / took[0].as_secs_f64());
    }
    for (what, mut ratios) in [("scrypt account", scrypt), ("unknown email", unknown)] {
        ratios.sort_by(f64::total_cmp);
        let ratio = ratios[ratios.len() / 2];
        // Without the double work an scrypt check costs about twice an argon2id one, and an
        // unknown email half of what the scrypt account does.
        assert!(
            (0.8..1.25).contains(&ratio),
            "{what} ÷ argon2id account: median {ratio:.2} (all: {ratios:.2?})"
        );
    }
}

/// A source that asks too much is not believed: a session "valid" for 30 years expires with
/// this server's session lifetime, a session token shorter than Better Auth's 32 characters is
/// skipped, and a hash that would have every sign-in allocate 1 GiB comes in as no password;
/// each is reported.
#[tokio::test]
async fn the_importer_does_not_trust_its_source() {
    use sqlx::{ConnectOptions, Executor};
    let dir = tempfile::tempdir().unwrap();
    let source = format!("sqlite:{}", dir.path().join("old.db").display());
    let mut old = source
        .parse::<sqlx::sqlite::SqliteConnectOptions>()
        .unwrap()
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    let at = "2026-12-01T10:00:00.000Z";
    let costly = "$argon2id$v=19$m=1048576,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    old.execute(
        format!(
            r#"CREATE TABLE "user" (id TEXT PRIMARY KEY, email TEXT, name TEXT, "emailVerified" INTEGER,
                 image TEXT, "createdAt" TEXT, "updatedAt" TEXT);
               CREATE TABLE account (id TEXT, "userId" TEXT, "providerId" TEXT, password TEXT, "createdAt" TEXT);
               CREATE TABLE "session" (id TEXT PRIMARY KEY, token TEXT, "userId" TEXT, "expiresAt" TEXT,
                 "createdAt" TEXT, "updatedAt" TEXT, "userAgent" TEXT, "ipAddress" TEXT);
               INSERT INTO "user" VALUES ('u1', 'ada@example.com', 'Ada', 1, NULL, '{at}', '{at}');
               INSERT INTO account VALUES ('a1', 'u1', 'credential', '{costly}', '{at}');
               INSERT INTO "session" VALUES
                 ('s1', 'abcdefghijklmnopqrstuvwxyzABCDEF', 'u1', '2056-01-01T00:00:00.000Z', '{at}', '{at}', NULL, NULL),
                 ('s2', 'short', 'u1', '2056-01-01T00:00:00.000Z', '{at}', '{at}', NULL, NULL);"#
        )
        .as_str(),
    )
    .await
    .unwrap();
    drop(old);
    let target = fresh_database_url(&dir).await;
    let report = import(
        dir.path(),
        &target,
        &["better-auth", "--from", &source, "--sessions"],
    );
    assert!(
        report.contains("users: 1 imported") && report.contains("sessions: 1 imported"),
        "{report}"
    );
    assert!(
        report.contains("token shorter than Better Auth's 32 characters"),
        "{report}"
    );
    assert!(
        report.contains("asks for more memory or time than this server computes"),
        "{report}"
    );
    let db = leptodo::Database::connect(&target, 1).await.unwrap();
    let (hashes,): (i64,) = leptodo::db::with_pool!(&db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM credentials",
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(hashes, 0, "the costly hash was not kept");
    let (expires,): (time::OffsetDateTime,) = leptodo::db::with_pool!(&db, pool => sqlx::query_as(
        "SELECT expires_at FROM sessions",
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    db.close().await;
    let lifetime = leptodo::sessions::SessionPolicy::default().lifetime;
    assert!(
        expires <= time::OffsetDateTime::now_utc() + lifetime,
        "{expires} is past now + {lifetime:?}"
    );
}

//! Schema fuzzing: schemathesis (tests/interop/requirements.txt) generates valid and invalid
//! requests for every operation in the served OpenAPI document, with a real user's token, and
//! fails on any 5xx or any answer the document does not allow (tests/interop/schemathesis.toml).

use crate::{
    helpers::fresh_database_url,
    process::{interop_script, python, serve},
    reliability::client::Api,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_answer_outside_the_spec() {
    let _turn = super::one_at_a_time().await;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir).await;
    let (_server, base) = serve(dir.path(), &url);
    let user = Api::new(base.clone()).sign_up("fuzz@example.com").await;

    let mut fuzz = python();
    fuzz.args(["-m", "schemathesis.cli", "--config-file"])
        .arg(interop_script("schemathesis.toml"))
        .args(["run", &format!("{base}/api/openapi.json"), "--no-color"])
        .env("LEPTODO_FUZZ_TOKEN", &user.token)
        .env("LEPTODO_FUZZ_USER_ID", &user.id)
        .current_dir(dir.path());
    if let Ok(n) = std::env::var("LEPTODO_FUZZ_EXAMPLES") {
        fuzz.args(["--max-examples", &n]);
    }
    // A fixed seed in CI, so a landing is judged on the same requests every time; a fresh one
    // elsewhere, to explore (the seed is printed either way). LEPTODO_FUZZ_SEED overrides.
    let seed = std::env::var("LEPTODO_FUZZ_SEED")
        .ok()
        .or_else(|| std::env::var_os("CI").map(|_| "20261123".to_string()));
    if let Some(seed) = &seed {
        fuzz.args(["--seed", seed]);
    }
    let out = tokio::task::spawn_blocking(move || fuzz.output())
        .await
        .unwrap()
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "Test cases:" is followed by "  N generated, …"; the seed reproduces the run.
    let lines: Vec<&str> = stdout.lines().collect();
    let cases = lines
        .iter()
        .position(|l| l.trim() == "Test cases:")
        .and_then(|i| lines.get(i + 1))
        .map_or("?", |l| l.trim());
    let seed = lines
        .iter()
        .find(|l| l.starts_with("Seed:"))
        .map_or("", |l| l.trim());
    eprintln!("schemathesis: {cases}; {seed}");
}

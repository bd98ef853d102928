//! `kill -9` during a stream of creates: after a restart every create that got a 201 is there,
//! and the database passes its own integrity check.

use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{
    helpers::fresh_database_url,
    process::serve,
    reliability::client::{Api, assert_acknowledged_writes_kept, assert_database_intact},
};

const WRITERS: usize = 16;
/// Kill once this many creates were acknowledged.
const KILL_AFTER: usize = 500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_stream_of_creates_loses_no_acknowledged_write() {
    let _turn = super::one_at_a_time().await;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir).await;
    let (mut server, base) = serve(dir.path(), &url);
    let api = Api::new(base);
    let user = api.sign_up("crash@example.com").await;

    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (api, user) = (api.clone(), user.clone());
            let (acknowledged, count) = (acknowledged.clone(), count.clone());
            tokio::spawn(async move {
                for n in 0.. {
                    match api.create(&user, &format!("writer {w} #{n}")).send().await {
                        Ok(response) if response.status() == 201 => {
                            // The id is read in full before it counts as acknowledged.
                            let Ok(task) = response.json::<serde_json::Value>().await else {
                                return Ok(());
                            };
                            acknowledged
                                .lock()
                                .unwrap()
                                .insert(task["id"].as_i64().unwrap());
                            count.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(response) => {
                            return Err(format!(
                                "unexpected {} before the kill",
                                response.status()
                            ));
                        }
                        // The server is gone.
                        Err(_) => return Ok(()),
                    }
                }
                Ok(())
            })
        })
        .collect();

    let waited = Instant::now();
    while count.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "only {} creates in a minute",
            count.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.0.kill().unwrap(); // SIGKILL
    server.0.wait().unwrap();
    for writer in writers {
        writer.await.unwrap().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let (_server, base) = serve(dir.path(), &url);
    let stored = Api::new(base).task_ids(&user).await;
    let extra = assert_acknowledged_writes_kept(&acknowledged, &stored, WRITERS);
    assert_database_intact(&url).await;
    eprintln!(
        "kill -9 ({}): {} acknowledged creates, all present after restart; {extra} committed \
         but unacknowledged; integrity check passed",
        url.split(':').next().unwrap(),
        acknowledged.len(),
    );
}

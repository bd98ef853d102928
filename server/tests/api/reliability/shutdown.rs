//! SIGTERM while requests are in flight: each of them gets its full answer, then the process
//! exits 0 and stops accepting connections.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{
    helpers::fresh_database_url,
    process::{serve, sigterm, wait_with_timeout},
    reliability::client::Api,
};

/// Half sign-ins (slow: a password hash each, two at a time), half creates (fast).
const REQUESTS: usize = 48;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_finishes_in_flight_requests_then_exits_0() {
    let _turn = super::one_at_a_time().await;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir).await;
    let (mut server, base) = serve(dir.path(), &url);
    let api = Api::new(base.clone());
    let user = api.sign_up("shutdown@example.com").await;

    let answered = Arc::new(AtomicUsize::new(0));
    let requests: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let (api, user, answered) = (api.clone(), user.clone(), answered.clone());
            tokio::spawn(async move {
                let (request, expected) = if i % 2 == 0 {
                    (api.sign_in(&user), 200)
                } else {
                    (api.create(&user, &format!("in flight {i}")), 201)
                };
                let outcome = match request.send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        match response.bytes().await {
                            Ok(_) if status == expected => Ok(()),
                            Ok(body) => {
                                Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
                            }
                            Err(err) => Err(format!("{status}, then the body broke off: {err}")),
                        }
                    }
                    Err(err) => Err(err.to_string()),
                };
                answered.fetch_add(1, Ordering::SeqCst);
                outcome
            })
        })
        .collect();

    // Once the fast half has its answers, every connection has long been accepted and the
    // sign-ins queue for the password hasher.
    let waited = Instant::now();
    while answered.load(Ordering::SeqCst) < REQUESTS / 2 {
        assert!(waited.elapsed() < Duration::from_secs(30), "no answers");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let in_flight = REQUESTS - answered.load(Ordering::SeqCst);
    sigterm(&server);

    let mut failures = Vec::new();
    for request in requests {
        if let Err(err) = request.await.unwrap() {
            failures.push(err);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {REQUESTS} requests failed across SIGTERM: {failures:#?}",
        failures.len()
    );
    assert!(
        in_flight >= 8,
        "only {in_flight} requests were still running at SIGTERM: the test proves too little"
    );
    let exit = wait_with_timeout(&mut server.0, Duration::from_secs(30));
    assert!(exit.success(), "exit status after SIGTERM: {exit:?}");
    assert!(
        reqwest::get(format!("{base}/healthz")).await.is_err(),
        "still accepting connections after exit"
    );
    eprintln!("SIGTERM with {in_flight} requests in flight: all answered, exit 0");
}

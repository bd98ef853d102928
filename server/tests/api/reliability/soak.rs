//! A minute of mixed traffic (sign-in, list, create, update, toggle, delete) from several users
//! over 64 connections: no errors at all, and every user ends with exactly the tasks that were
//! acknowledged as created and not acknowledged as deleted.

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use serde_json::json;

use crate::{
    helpers::fresh_database_url,
    process::serve,
    reliability::client::{Api, User, created_id},
};

const USERS: usize = 8;
const CONNECTIONS: usize = 64;

/// 60 s unless `LEPTODO_SOAK_SECONDS` says otherwise.
fn soak_duration() -> Duration {
    let seconds = std::env::var("LEPTODO_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(seconds)
}

/// xorshift64*: a reproducible mix per worker without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as usize % n
    }
}

#[derive(Default)]
struct Tally {
    requests: usize,
    sign_ins: usize,
    creates: usize,
    deletes: usize,
    failures: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_of_mixed_traffic_has_no_errors_and_loses_nothing() {
    let _turn = super::one_at_a_time().await;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(&dir).await;
    let (_server, base) = serve(dir.path(), &url);
    let api = Api::new(base);
    let mut users = Vec::new();
    for i in 0..USERS {
        users.push(api.sign_up(&format!("soak{i}@example.com")).await);
    }

    let started = Instant::now();
    let deadline = started + soak_duration();
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|w| {
            let (api, user) = (api.clone(), users[w % USERS].clone());
            tokio::spawn(worker(api, user, w as u64 + 1, deadline))
        })
        .collect();
    let mut expected = vec![HashSet::new(); USERS];
    let mut total = Tally::default();
    for (w, handle) in workers.into_iter().enumerate() {
        let (tally, live) = handle.await.unwrap();
        expected[w % USERS].extend(live);
        total.requests += tally.requests;
        total.sign_ins += tally.sign_ins;
        total.creates += tally.creates;
        total.deletes += tally.deletes;
        total.failures.extend(tally.failures);
    }
    let elapsed = started.elapsed();

    assert!(
        total.failures.is_empty(),
        "{} of {} requests failed; the first: {:#?}",
        total.failures.len(),
        total.requests,
        &total.failures[..total.failures.len().min(10)]
    );
    assert!(total.creates > 0 && total.deletes > 0 && total.sign_ins > 0);
    for (user, expected) in users.iter().zip(&expected) {
        let stored = api.task_ids(user).await;
        assert_eq!(
            (stored.len(), &stored),
            (expected.len(), expected),
            "{}: stored tasks differ from acknowledged creates minus deletes",
            user.email
        );
    }
    eprintln!(
        "soak: {} requests in {:.1} s ({:.0}/s) over {CONNECTIONS} connections, {USERS} users: \
         {} sign-ins, {} creates, {} deletes, 0 errors; every user's tasks as acknowledged",
        total.requests,
        elapsed.as_secs_f64(),
        total.requests as f64 / elapsed.as_secs_f64(),
        total.sign_ins,
        total.creates,
        total.deletes,
    );
}

/// One connection's worth of traffic for `user` until `deadline`. Returns its tally and the ids
/// it created and did not delete.
async fn worker(api: Api, user: User, seed: u64, deadline: Instant) -> (Tally, HashSet<i64>) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut tally = Tally::default();
    let mut mine: Vec<i64> = Vec::new();
    let tasks = api.tasks(&user);
    while Instant::now() < deadline {
        tally.requests += 1;
        let roll = rng.below(100);
        let pick = if mine.is_empty() {
            0
        } else {
            rng.below(mine.len())
        };
        enum Op {
            SignIn,
            List,
            Create,
            Update,
            Toggle,
            Delete,
        }
        let op = match roll {
            _ if roll < 3 => Op::SignIn,
            _ if roll < 45 => Op::List,
            _ if roll < 70 || mine.is_empty() => Op::Create,
            _ if roll < 80 => Op::Update,
            _ if roll < 90 => Op::Toggle,
            _ => Op::Delete,
        };
        let (what, request, expected) = match op {
            Op::SignIn => ("sign-in", api.sign_in(&user), 200),
            Op::List => (
                "list",
                api.client
                    .get(format!("{tasks}?limit=50"))
                    .bearer_auth(&user.token),
                200,
            ),
            Op::Create => (
                "create",
                api.create(&user, &format!("soak task {}", tally.requests)),
                201,
            ),
            Op::Update => (
                "update",
                api.client
                    .put(format!("{tasks}/{}", mine[pick]))
                    .bearer_auth(&user.token)
                    .json(&json!({"title": "renamed", "description": "changed under load"})),
                200,
            ),
            Op::Toggle => (
                "toggle",
                api.client
                    .patch(format!("{tasks}/{}/complete", mine[pick]))
                    .bearer_auth(&user.token),
                200,
            ),
            Op::Delete => (
                "delete",
                api.client
                    .delete(format!("{tasks}/{}", mine[pick]))
                    .bearer_auth(&user.token),
                200,
            ),
        };
        match request.send().await {
            Ok(response) if response.status() == expected => match op {
                Op::Create => {
                    mine.push(created_id(response).await);
                    tally.creates += 1;
                }
                Op::Delete => {
                    mine.swap_remove(pick);
                    tally.deletes += 1;
                }
                Op::SignIn => tally.sign_ins += 1,
                _ => {
                    response.bytes().await.unwrap();
                }
            },
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                tally
                    .failures
                    .push(format!("{what}: {status} (wanted {expected}): {body}"));
            }
            Err(err) => tally.failures.push(format!("{what}: {err}")),
        }
    }
    (tally, mine.into_iter().collect())
}

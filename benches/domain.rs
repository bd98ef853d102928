//! Micro-benchmarks: token issue and verify (shared secret and asymmetric keys), password
//! hashing, task validation.
//! Run with `cargo bench -p leptodo --bench domain`; figures are in the README.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use leptodo::{
    Database,
    password::{Password, PasswordHasher},
    tasks::{CreateTask, NewTask},
    tokens::{KeyAlgorithm, SharedSecretAlgorithm, TokenKeys, TokenSettings},
};

fn keys(algorithm: SharedSecretAlgorithm) -> TokenKeys {
    TokenKeys::new(TokenSettings::shared(
        algorithm,
        b"bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMN".to_vec(),
    ))
    .unwrap()
}

fn tokens(c: &mut Criterion) {
    let hs256 = keys(SharedSecretAlgorithm::HS256);
    let token = hs256
        .issue("b1GQ8Yb0PqQnQ6yq3bH0u9xZ", "ada@example.com")
        .unwrap();
    c.bench_function("token/issue HS256", |b| {
        b.iter(|| {
            hs256.issue(
                black_box("b1GQ8Yb0PqQnQ6yq3bH0u9xZ"),
                black_box("ada@example.com"),
            )
        })
    });
    c.bench_function("token/verify HS256", |b| {
        b.iter(|| hs256.verify_now(black_box(&token)).unwrap())
    });
    let bearer = format!("Bearer {token}");
    c.bench_function("token/bearer header + verify HS256", |b| {
        b.iter(|| {
            let t = leptodo::tokens::bearer_token(black_box(&bearer)).unwrap();
            hs256.verify_now(t).unwrap()
        })
    });
    let hs512 = keys(SharedSecretAlgorithm::HS512);
    let token512 = hs512
        .issue("b1GQ8Yb0PqQnQ6yq3bH0u9xZ", "ada@example.com")
        .unwrap();
    c.bench_function("token/verify HS512", |b| {
        b.iter(|| hs512.verify_now(black_box(&token512)).unwrap())
    });
}

/// EdDSA / ES256 / RS256 with keys from the key ring (an in-memory SQLite holds the table).
fn asymmetric_tokens(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for algorithm in [
        KeyAlgorithm::EdDSA,
        KeyAlgorithm::ES256,
        KeyAlgorithm::RS256,
    ] {
        let keys = runtime.block_on(async {
            let db = Database::connect("sqlite::memory:", 1).await.unwrap();
            db.migrate().await.unwrap();
            let settings = TokenSettings {
                algorithm: algorithm.into(),
                ..TokenSettings::shared(SharedSecretAlgorithm::HS256, Vec::new())
            };
            TokenKeys::open(settings, &db).await.unwrap()
        });
        let token = keys
            .issue("b1GQ8Yb0PqQnQ6yq3bH0u9xZ", "ada@example.com")
            .unwrap();
        c.bench_function(&format!("token/issue {algorithm}"), |b| {
            b.iter(|| {
                keys.issue(
                    black_box("b1GQ8Yb0PqQnQ6yq3bH0u9xZ"),
                    black_box("ada@example.com"),
                )
            })
        });
        c.bench_function(&format!("token/verify {algorithm}"), |b| {
            b.iter(|| keys.verify_now(black_box(&token)).unwrap())
        });
    }
}

fn passwords(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let hasher = PasswordHasher::new(1).unwrap();
    let password = Password::parse("correct horse battery staple".into()).unwrap();
    let hash = runtime.block_on(hasher.hash(&password)).unwrap();
    let mut group = c.benchmark_group("password");
    group.sample_size(20);
    group.bench_function("hash argon2id (19 MiB, t=2)", |b| {
        b.iter(|| runtime.block_on(hasher.hash(&password)).unwrap())
    });
    group.bench_function("verify argon2id", |b| {
        b.iter(|| {
            runtime
                .block_on(hasher.verify(&password, Some(hash.clone())))
                .unwrap()
        })
    });
    group.finish();
}

fn validation(c: &mut Criterion) {
    let input = CreateTask {
        priority: Some("high".into()),
        tags: Some(vec!["groceries".into(), "Home".into()]),
        due_date: Some("2026-12-24".into()),
        recurrence: Some("weekly".into()),
        ..CreateTask::plain(
            "  Buy milk and bread for the week  ",
            Some("Two litres of oat milk, one sourdough loaf.".into()),
        )
    };
    c.bench_function("task/validate create", |b| {
        b.iter(|| NewTask::parse(black_box(&input)).unwrap())
    });
}

criterion_group!(benches, tokens, asymmetric_tokens, passwords, validation);
criterion_main!(benches);

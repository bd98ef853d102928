//! Leptodo's own asymmetric signing keys, kept in the database (table `signing_keys`) so that
//! every instance signs with the same key and publishes the same key set.
//!
//! The newest unretired key of the configured algorithm signs (or the key in
//! `JWT_PRIVATE_KEY`, when set). Rotating adds a new key and retires the others; a retired key
//! stays published, and keeps verifying, until the tokens it signed have expired (retirement
//! time + token lifetime + clock leeway). Instances reread the table now and then, and at once
//! (rate-limited) when a token names a key they do not know, so a rotation made by one
//! instance or by `leptodo-server rotate-key` reaches the others without a restart.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use jsonwebtoken::jwk::Jwk;
use time::OffsetDateTime;

use super::keys::{KeyAlgorithm, KeyError, SigningKey, VerifyingKey};
use crate::db::{Database, now, with_pool, with_write_tx};

/// How often the key table is reread (see [`reload_periodically`]).
pub const RELOAD_EVERY: Duration = Duration::from_secs(60);
/// The shortest gap between two rereads prompted by unknown `kid`s.
pub const RELOAD_AT_MOST_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error("JWT_PRIVATE_KEY: {0}")]
    PrivateKey(KeyError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("cannot read or store the signing keys: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the stored signing key {kid} is unusable: {reason}")]
    Corrupt { kid: String, reason: String },
    #[error(
        "the current signing key is {current}, not {requested}: run rotate-key with \
         JWT_ALGORITHM={current}, or switch algorithm by setting JWT_ALGORITHM={requested} on \
         every instance and restarting them"
    )]
    OtherAlgorithm {
        current: String,
        requested: KeyAlgorithm,
    },
    #[error(
        "JWT_PRIVATE_KEY is set, so that key signs: to rotate, put the new key in \
         JWT_PRIVATE_KEY and restart (the old one stays published until its tokens expire)"
    )]
    Pinned,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    algorithm: String,
    public_jwk: String,
    private_key: Option<String>,
    retired_at: Option<OffsetDateTime>,
}

/// What the ring holds at one moment.
struct RingState {
    current: Arc<SigningKey>,
    verifying: HashMap<String, Arc<VerifyingKey>>,
    published: Arc<Vec<Jwk>>,
}

/// The keys this server signs with and verifies its own tokens with. Cheap to read: lookups
/// take a read lock and clone an `Arc`.
pub struct KeyRing {
    db: Database,
    algorithm: KeyAlgorithm,
    /// The key from `JWT_PRIVATE_KEY`, which signs whatever the table says.
    pinned: Option<Arc<SigningKey>>,
    /// How long a retired key stays published.
    retention: Duration,
    state: RwLock<Arc<RingState>>,
    /// When the table was last reread; held while rereading, so one reread runs at a time.
    reloaded: tokio::sync::Mutex<Option<Instant>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("algorithm", &self.algorithm)
            .field("current", &self.current().kid())
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Loads the ring, first storing the `JWT_PRIVATE_KEY` key, or generating a key when the
    /// table has none for `algorithm`.
    pub async fn open(
        db: Database,
        algorithm: KeyAlgorithm,
        private_key_pem: Option<&str>,
        retention: Duration,
    ) -> Result<Self, KeyRingError> {
        let pinned = match private_key_pem {
            Some(pem) => {
                let key = SigningKey::from_pem(algorithm, pem).map_err(KeyRingError::PrivateKey)?;
                store(&db, &key, None).await?;
                Some(Arc::new(key))
            }
            None => None,
        };
        let mut rows = load(&db, retention).await?;
        if pinned.is_none() && pick_current(&rows, algorithm).is_none() {
            generate_and_store(&db, algorithm).await?;
            // Reread rather than take our key: another instance may have stored one meanwhile,
            // and all must settle on the newest.
            rows = load(&db, retention).await?;
        }
        let state = build(&rows, algorithm, pinned.as_ref(), None)?;
        tracing::info!(
            algorithm = %algorithm,
            kid = state.current.kid(),
            published = state.published.len(),
            "API tokens are signed with an asymmetric key (public keys at /api/auth/jwks)"
        );
        Ok(Self {
            db,
            algorithm,
            pinned,
            retention,
            state: RwLock::new(Arc::new(state)),
            reloaded: tokio::sync::Mutex::new(None),
        })
    }

    /// Makes a fresh key the signing key and retires the others (they stay published until
    /// their tokens expire). Returns the new key's `kid`.
    /// Refused when the current key is of another algorithm: instances configured for it could
    /// not sign with the new key (change `JWT_ALGORITHM` and restart them instead).
    pub async fn rotate(db: &Database, algorithm: KeyAlgorithm) -> Result<String, KeyRingError> {
        let rows = load(db, Duration::ZERO).await?;
        if let Some(other) = rows.iter().find(|row| {
            row.retired_at.is_none() && row.algorithm.parse::<KeyAlgorithm>() != Ok(algorithm)
        }) {
            return Err(KeyRingError::OtherAlgorithm {
                current: other.algorithm.clone(),
                requested: algorithm,
            });
        }
        generate_and_store(db, algorithm).await
    }

    fn snapshot(&self) -> Arc<RingState> {
        self.state.read().expect("key ring lock").clone()
    }

    /// The key new tokens are signed with.
    pub fn current(&self) -> Arc<SigningKey> {
        self.snapshot().current.clone()
    }

    /// The key named `kid`, if it is one of ours and still published.
    pub fn verifying(&self, kid: &str) -> Option<Arc<VerifyingKey>> {
        self.snapshot().verifying.get(kid).cloned()
    }

    /// The public keys to publish, newest first.
    pub fn published(&self) -> Arc<Vec<Jwk>> {
        self.snapshot().published.clone()
    }

    /// Rereads the table unless it was read less than `at_most_every` ago (or is being
    /// read). A failure keeps the keys in hand and is logged.
    pub async fn reload(&self, at_most_every: Duration) {
        let Ok(mut last) = self.reloaded.try_lock() else {
            // Another task is rereading: wait for it, then use what it found.
            let _ = self.reloaded.lock().await;
            return;
        };
        if last.is_some_and(|at| at.elapsed() < at_most_every) {
            return;
        }
        *last = Some(Instant::now());
        let previous = self.snapshot();
        let result = match load(&self.db, self.retention).await {
            Ok(rows) => build(&rows, self.algorithm, self.pinned.as_ref(), Some(&previous)),
            Err(err) => Err(err.into()),
        };
        match result {
            Ok(state) => {
                if state.current.kid() != previous.current.kid() {
                    tracing::info!(kid = state.current.kid(), "signing with a rotated key");
                }
                *self.state.write().expect("key ring lock") = Arc::new(state);
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot reread the signing keys; keeping the ones in hand")
            }
        }
    }
}

/// Rereads the table every [`RELOAD_EVERY`] for as long as `ring` is in use, so an idle
/// instance also switches to a rotated key (and drops expired ones) on time.
pub fn reload_periodically(ring: &Arc<KeyRing>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let ring = Arc::downgrade(ring);
    runtime.spawn(async move {
        loop {
            tokio::time::sleep(RELOAD_EVERY).await;
            let Some(ring) = ring.upgrade() else { break };
            ring.reload(RELOAD_AT_MOST_EVERY).await;
        }
    });
}

/// Generates a key and stores it as the signing key (in a blocking thread: an RSA key takes
/// a while).
async fn generate_and_store(
    db: &Database,
    algorithm: KeyAlgorithm,
) -> Result<String, KeyRingError> {
    let (key, pem) = tokio::task::spawn_blocking(move || SigningKey::generate(algorithm))
        .await
        .map_err(|e| KeyError::Generate(algorithm, e.to_string()))??;
    store(db, &key, Some(&pem)).await?;
    tracing::info!(algorithm = %algorithm, kid = key.kid(), "generated a new signing key");
    Ok(key.kid().to_string())
}

/// Stores `key` (with its private part, unless it came from `JWT_PRIVATE_KEY`) as the signing
/// key and retires every other key, in one transaction.
async fn store(
    db: &Database,
    key: &SigningKey,
    private_pem: Option<&str>,
) -> Result<(), sqlx::Error> {
    let at = now();
    let public = serde_json::to_string(key.public_jwk()).expect("a JWK serialises");
    let (kid, algorithm, private_pem) = (
        key.kid().to_owned(),
        key.algorithm().name(),
        private_pem.map(str::to_owned),
    );
    with_write_tx!(db, conn => {
        sqlx::query(
            "INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (kid) DO UPDATE SET retired_at = NULL",
        )
        .bind(&kid)
        .bind(algorithm)
        .bind(&public)
        .bind(&private_pem)
        .bind(at)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE signing_keys SET retired_at = $2 WHERE retired_at IS NULL AND kid <> $1",
        )
        .bind(&kid)
        .bind(at)
        .execute(&mut *conn)
        .await?;
        Ok(())
    })
}

/// Every key still published, newest first.
async fn load(db: &Database, retention: Duration) -> Result<Vec<KeyRow>, sqlx::Error> {
    let since = now() - retention;
    with_pool!(db, pool => sqlx::query_as(
        "SELECT kid, algorithm, public_jwk, private_key, retired_at FROM signing_keys \
         WHERE retired_at IS NULL OR retired_at > $1 \
         ORDER BY created_at DESC, kid DESC",
    )
    .bind(since)
    .fetch_all(pool)
    .await)
}

/// The newest unretired key of `algorithm` that has its private part here.
fn pick_current(rows: &[KeyRow], algorithm: KeyAlgorithm) -> Option<&KeyRow> {
    rows.iter().find(|row| {
        row.retired_at.is_none()
            && row.private_key.is_some()
            && row.algorithm.parse() == Ok(algorithm)
    })
}

fn build(
    rows: &[KeyRow],
    algorithm: KeyAlgorithm,
    pinned: Option<&Arc<SigningKey>>,
    previous: Option<&RingState>,
) -> Result<RingState, KeyRingError> {
    let mut verifying = HashMap::new();
    let mut published = Vec::new();
    for row in rows {
        let corrupt = |reason: String| KeyRingError::Corrupt {
            kid: row.kid.clone(),
            reason,
        };
        let jwk: Jwk = serde_json::from_str(&row.public_jwk).map_err(|e| corrupt(e.to_string()))?;
        let key = VerifyingKey::from_jwk(&jwk)
            .ok_or_else(|| corrupt("its public JWK is not a signing key".into()))?;
        verifying.insert(row.kid.clone(), Arc::new(key));
        published.push(jwk);
    }
    let current = match (pinned, pick_current(rows, algorithm)) {
        (Some(key), _) => key.clone(),
        (None, Some(row)) => match previous {
            Some(state) if state.current.kid() == row.kid => state.current.clone(),
            _ => {
                let pem = row.private_key.as_deref().unwrap_or_default();
                let key =
                    SigningKey::from_pem(algorithm, pem).map_err(|e| KeyRingError::Corrupt {
                        kid: row.kid.clone(),
                        reason: e.to_string(),
                    })?;
                Arc::new(key)
            }
        },
        // Someone retired every key of our algorithm (another instance switched algorithm):
        // keep signing with the key in hand, published until retention runs out.
        (None, None) => match previous {
            Some(state) => {
                tracing::warn!(
                    algorithm = %algorithm,
                    kid = state.current.kid(),
                    "the signing key was retired and no {algorithm} key replaces it: is another \
                     instance running with another JWT_ALGORITHM? Restart with a consistent one"
                );
                state.current.clone()
            }
            None => {
                return Err(KeyRingError::Corrupt {
                    kid: "-".into(),
                    reason: format!("no usable {algorithm} key in the table"),
                });
            }
        },
    };
    // The key that signs always verifies, even if the table lost it.
    verifying
        .entry(current.kid().to_string())
        .or_insert_with(|| current.verifying());
    if !published
        .iter()
        .any(|jwk| jwk.common.key_id.as_deref() == Some(current.kid()))
    {
        published.insert(0, current.public_jwk().clone());
    }
    Ok(RingState {
        current,
        verifying,
        published: Arc::new(published),
    })
}

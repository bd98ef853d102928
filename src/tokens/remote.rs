//! Keys of an external issuer (`JWT_JWKS_URL`), such as a running Better Auth: fetched, cached,
//! refetched when a token names an unknown `kid` (at most once per
//! [`RemoteSettings::refetch_at_most_every`]) and in the background when the cache is older
//! than [`RemoteSettings::cache_ttl`]. When the issuer cannot be reached, the cached keys keep
//! serving; a successful fetch replaces the whole set, so a key the issuer dropped stops
//! verifying.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use jsonwebtoken::jwk::Jwk;

use super::keys::VerifyingKey;

/// A key set larger than this is refused (real ones are a few hundred bytes).
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Where and how often to fetch the issuer's keys.
#[derive(Debug, Clone)]
pub struct RemoteSettings {
    /// The key set's URL, e.g. `https://auth.example.com/api/auth/jwks`.
    pub url: String,
    /// How long a fetched set is used before it is refreshed in the background.
    pub cache_ttl: Duration,
    /// The shortest gap between two fetches prompted by unknown `kid`s.
    pub refetch_at_most_every: Duration,
    /// How long one fetch may take.
    pub timeout: Duration,
}

impl RemoteSettings {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            cache_ttl: Duration::from_secs(300),
            refetch_at_most_every: Duration::from_secs(10),
            timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Default)]
struct Cached {
    keys: HashMap<String, Arc<VerifyingKey>>,
    /// When the set was last fetched successfully; `None` until the first success.
    fetched_at: Option<Instant>,
}

/// The cached key set of an external issuer. Cheap to clone.
#[derive(Clone)]
pub struct RemoteJwks {
    inner: Arc<Inner>,
}

struct Inner {
    settings: RemoteSettings,
    client: reqwest::Client,
    cache: RwLock<Arc<Cached>>,
    /// When a fetch was last attempted; held during a fetch, so one runs at a time.
    attempted: tokio::sync::Mutex<Option<Instant>>,
}

/// What a lookup found.
pub enum Lookup {
    Found(Arc<VerifyingKey>),
    /// The issuer's current set has no such key.
    Unknown,
    /// No key set has ever been fetched: the issuer has not answered yet.
    Unavailable,
}

impl RemoteJwks {
    pub fn new(settings: RemoteSettings) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("leptodo/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                client,
                cache: RwLock::default(),
                attempted: tokio::sync::Mutex::new(None),
            }),
        })
    }

    pub fn url(&self) -> &str {
        &self.inner.settings.url
    }

    fn cached(&self) -> Arc<Cached> {
        self.inner.cache.read().expect("jwks cache lock").clone()
    }

    /// The cached key named `kid`, without waiting for the network. Starts a background
    /// refresh when the cache is due for one.
    pub fn cached_key(&self, kid: &str) -> Option<Arc<VerifyingKey>> {
        let cached = self.cached();
        let every = self.inner.settings.refetch_at_most_every;
        if cached
            .fetched_at
            .is_some_and(|at| at.elapsed() >= self.inner.settings.cache_ttl)
            // Not while a fetch runs, nor more often than the refetch interval (so an issuer
            // that keeps failing is asked once per interval, not once per request).
            && self
                .inner
                .attempted
                .try_lock()
                .is_ok_and(|last| last.is_none_or(|at| at.elapsed() >= every))
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let this = self.clone();
            runtime.spawn(async move { this.refetch(every).await });
        }
        cached.keys.get(kid).cloned()
    }

    /// The key named `kid`, fetching the set again first if it is not cached (rate-limited).
    pub async fn key(&self, kid: &str) -> Lookup {
        if let Some(key) = self.cached().keys.get(kid) {
            return Lookup::Found(key.clone());
        }
        self.refetch(self.inner.settings.refetch_at_most_every)
            .await;
        let cached = self.cached();
        match cached.keys.get(kid) {
            Some(key) => Lookup::Found(key.clone()),
            None if cached.fetched_at.is_none() => Lookup::Unavailable,
            None => Lookup::Unknown,
        }
    }

    /// Fetches the set unless a fetch was attempted less than `at_most_every` ago; waits for
    /// a fetch already running instead of starting another.
    pub async fn refetch(&self, at_most_every: Duration) {
        let mut attempted = self.inner.attempted.lock().await;
        if attempted.is_some_and(|at| at.elapsed() < at_most_every.max(Duration::from_millis(100)))
        {
            return;
        }
        *attempted = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                tracing::debug!(url = %self.url(), keys = keys.len(), "fetched the issuer's key set");
                *self.inner.cache.write().expect("jwks cache lock") = Arc::new(Cached {
                    keys,
                    fetched_at: Some(Instant::now()),
                });
            }
            Err(reason) => {
                let cached = self.cached().keys.len();
                tracing::warn!(
                    url = %self.url(),
                    %reason,
                    cached,
                    "cannot fetch the token issuer's key set; keeping the cached keys"
                );
            }
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<VerifyingKey>>, String> {
        let mut response = self
            .inner
            .client
            .get(self.url())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("the issuer answered {}", response.status()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_JWKS_BYTES as u64)
        {
            return Err(format!("the key set is larger than {MAX_JWKS_BYTES} bytes"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_JWKS_BYTES {
                return Err(format!("the key set is larger than {MAX_JWKS_BYTES} bytes"));
            }
        }
        parse_key_set(&body)
    }
}

/// The usable keys of a JWKS document, by `kid`. Keys without a `kid`, of a kind this server
/// does not verify with, or symmetric, are skipped (and logged); a document that is not a key
/// set at all is an error.
pub fn parse_key_set(body: &[u8]) -> Result<HashMap<String, Arc<VerifyingKey>>, String> {
    #[derive(serde::Deserialize)]
    struct Document {
        keys: Vec<serde_json::Value>,
    }
    let document: Document =
        serde_json::from_slice(body).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = HashMap::new();
    for value in document.keys {
        let key = serde_json::from_value::<Jwk>(value)
            .ok()
            .and_then(|jwk| Some((jwk.common.key_id.clone()?, VerifyingKey::from_jwk(&jwk)?)));
        match key {
            Some((kid, key)) => {
                keys.insert(kid, Arc::new(key));
            }
            None => tracing::debug!(
                "skipped a key the issuer publishes: no kid, or not a signing key we use"
            ),
        }
    }
    Ok(keys)
}

//! Accounts in use: sign-up, sign-in, sign-out, sessions and API tokens. The REST API
//! (`/api/auth/*`) and the Leptos server functions both go through [`Auth`], so the rules —
//! validation, throttling, timing-safe failures, audit events — exist once.
//!
//! Audit events are `tracing` events with target `leptodo::audit` and an `event` field; they
//! never carry passwords or tokens.

use std::{net::SocketAddr, sync::Arc};

use crate::{
    db::Database,
    error::{Error, Result},
    mail::{MailSettings, MailSetupError, Mailer},
    password::{Password, PasswordHasher},
    session_cookie::SessionCookie,
    sessions::{self, ActiveSession, ClientInfo, Session, SessionPolicy},
    throttle::{AuthAction, AuthThrottle, Gate, ThrottleSettings, Throttled},
    tokens::{
        Signer, TokenError, TokenKeys, TokenSettings, TokenSetupError, bearer_token,
        cutoffs::Cutoffs,
    },
    users::{self, NewAccount, SignInInput, SignUpInput, User},
};

pub(crate) const AUDIT: &str = "leptodo::audit";

/// Everything [`Auth`] is configured with.
pub struct AuthSettings {
    pub tokens: TokenSettings,
    pub sessions: SessionPolicy,
    pub throttle: ThrottleSettings,
    /// How many password hashes may run at once.
    pub hash_concurrency: usize,
    pub cookie: SessionCookie,
    /// Whether the client IP may be taken from `X-Forwarded-For`.
    pub trust_proxy_headers: bool,
    /// How mail (resets, verification) is sent, and the public origin links point to.
    pub mail: MailSettings,
    /// Origins besides the app's own that a `callbackURL` or `redirectTo` may point to.
    pub trusted_origins: Vec<String>,
    /// Send a verification mail at sign-up (Better Auth's `sendOnSignUp`).
    pub verify_email_on_sign_up: bool,
}

/// A successful sign-up or sign-in: the user, their new browser session (and its cookie
/// token), and an API token (JWT).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    pub session_token: String,
    pub token: String,
}

/// The verified caller of an API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: String,
    pub email: Option<String>,
}

impl From<&User> for Identity {
    fn from(user: &User) -> Self {
        Self {
            user_id: user.id.clone(),
            email: Some(user.email.clone()),
        }
    }
}

/// The account service. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Auth {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Database,
    tokens: TokenKeys,
    hasher: PasswordHasher,
    throttle: AuthThrottle,
    sessions: SessionPolicy,
    cookie: SessionCookie,
    trust_proxy_headers: bool,
    mailer: Mailer,
    cutoffs: Cutoffs,
    trusted_origins: Vec<String>,
    verify_email_on_sign_up: bool,
    /// External users known to be recorded (see [`users::ensure_external`]).
    external_seen: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// How often expired sessions, links and token cut-offs are swept from the database.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);
/// How often the database is asked whether imported password hashes remain (see
/// [`PasswordHasher`]: while they do, every sign-in check does both kinds' work).
const IMPORTED_HASHES_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// How many external user ids are remembered before the memory starts over.
const EXTERNAL_SEEN_CAPACITY: usize = 100_000;

impl Auth {
    /// The account service. Loads (or creates) the token signing keys, and fetches an
    /// external issuer's key set when one is configured.
    pub async fn new(db: Database, settings: AuthSettings) -> Result<Self, AuthSetupError> {
        let tokens = TokenKeys::open(settings.tokens, &db).await?;
        let throttle = AuthThrottle::new(settings.throttle, &db);
        let hasher = PasswordHasher::new(settings.hash_concurrency)
            .map_err(|e| AuthSetupError::Hasher(e.to_string()))?;
        // Unknown (the database is down): assume there are, which only costs time.
        let imported = users::has_imported_password_hashes(&db)
            .await
            .unwrap_or(true);
        hasher.note_imported_hashes(imported);
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                tokens,
                hasher,
                throttle,
                sessions: settings.sessions,
                cookie: settings.cookie,
                trust_proxy_headers: settings.trust_proxy_headers,
                mailer: Mailer::new(settings.mail)?,
                cutoffs: Cutoffs::default(),
                trusted_origins: settings.trusted_origins,
                verify_email_on_sign_up: settings.verify_email_on_sign_up,
                external_seen: Default::default(),
            }),
        })
    }

    pub fn database(&self) -> &Database {
        &self.inner.db
    }

    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    pub(crate) fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// Whether an API-token cut-off is in force for `user_id` (on this instance).
    pub fn has_cutoff(&self, user_id: &str) -> bool {
        self.inner.cutoffs.has(user_id)
    }

    pub(crate) fn throttle_state(&self) -> &AuthThrottle {
        &self.inner.throttle
    }

    pub(crate) fn cutoffs(&self) -> &Cutoffs {
        &self.inner.cutoffs
    }

    pub(crate) fn trusted_origins(&self) -> &[String] {
        &self.inner.trusted_origins
    }

    pub(crate) fn forget_external(&self, user_id: &str) {
        self.inner
            .external_seen
            .lock()
            .expect("lock")
            .remove(user_id);
    }

    /// The account service's background work, until the process ends: sending queued mail,
    /// rereading API-token cut-offs, and sweeping expired sessions, links and cut-offs.
    pub async fn run_background(self) {
        let mail = self.inner.mailer.clone().run(self.inner.db.clone());
        let cutoffs = async {
            let mut every = tokio::time::interval(crate::tokens::cutoffs::RELOAD_EVERY);
            loop {
                every.tick().await;
                if let Err(error) = self.inner.cutoffs.reload(&self.inner.db).await {
                    tracing::debug!(%error, "cannot reread the API-token cut-offs; retrying");
                }
            }
        };
        // An import while this instance runs, or the last imported hash rehashed away.
        let imported = async {
            let mut every = tokio::time::interval(IMPORTED_HASHES_EVERY);
            loop {
                every.tick().await;
                if let Ok(present) = users::has_imported_password_hashes(&self.inner.db).await {
                    self.inner.hasher.note_imported_hashes(present);
                }
            }
        };
        let sweep = async {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            loop {
                every.tick().await;
                self.sweep().await;
            }
        };
        tokio::join!(mail, cutoffs, imported, sweep);
    }

    /// Deletes expired sessions, links and cut-offs; failures are logged and retried later.
    async fn sweep(&self) {
        let db = &self.inner.db;
        match sessions::delete_expired(db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "swept expired sessions"),
            Err(err) => tracing::warn!(error = %err, "cannot sweep expired sessions"),
        }
        if let Err(err) = crate::recovery::delete_expired(db).await {
            tracing::warn!(error = %err, "cannot sweep expired links");
        }
        if let Err(err) = Cutoffs::sweep(db).await {
            tracing::warn!(error = %err, "cannot sweep expired token cut-offs");
        }
        if let Err(err) = self.inner.throttle.sweep(db).await {
            tracing::warn!(error = %err, "cannot sweep old throttling state");
        }
    }

    pub fn session_policy(&self) -> &SessionPolicy {
        &self.inner.sessions
    }

    pub fn tokens(&self) -> &TokenKeys {
        &self.inner.tokens
    }

    pub fn session_cookie(&self) -> SessionCookie {
        self.inner.cookie
    }

    /// Who sent a request (IP and user agent), honouring the proxy setting.
    pub fn client_info(&self, headers: &http::HeaderMap, peer: Option<SocketAddr>) -> ClientInfo {
        ClientInfo::from_request(headers, peer, self.inner.trust_proxy_headers)
    }

    /// Counts an attempt of `action` against the client's per-IP allowance.
    pub(crate) async fn throttle(&self, action: AuthAction, client: &ClientInfo) -> Result<()> {
        self.inner
            .throttle
            .check(action, client.ip)
            .await?
            .map_err(|throttled| self.throttled(action, client, throttled))
    }

    fn throttled(&self, action: AuthAction, client: &ClientInfo, throttled: Throttled) -> Error {
        if action == AuthAction::SignIn {
            metrics::counter!("leptodo_sign_ins_total", "outcome" => "throttled").increment(1);
        }
        if let Throttled::Account(_) = throttled {
            // Per-IP refusals are counted by their limiter.
            metrics::counter!("leptodo_throttled_total", "scope" => "account").increment(1);
        }
        tracing::warn!(
            target: AUDIT,
            event = "throttled",
            action = ?action,
            scope = throttled.scope(),
            ip = ?client.ip,
            retry_after_ms = throttled.retry_after().as_millis() as u64,
        );
        Error::RateLimited {
            retry_after: throttled.retry_after(),
        }
    }

    /// Creates an account and signs it in.
    pub async fn sign_up(&self, input: SignUpInput, client: &ClientInfo) -> Result<SignedIn> {
        self.throttle(AuthAction::SignUp, client).await?;
        let account = NewAccount::parse(input)?;
        let hash = self.inner.hasher.hash(&account.password).await?;
        let user = match users::create(&self.inner.db, &account, &hash).await {
            Err(Error::EmailTaken) => {
                tracing::info!(target: AUDIT, event = "sign_up", outcome = "email_taken", ip = ?client.ip);
                return Err(Error::EmailTaken);
            }
            other => other?,
        };
        tracing::info!(target: AUDIT, event = "sign_up", outcome = "success", user_id = %user.id, ip = ?client.ip);
        if self.inner.verify_email_on_sign_up && self.inner.mailer.enabled() {
            // The account exists either way: a mail that cannot be queued is logged, and the
            // user can ask for another from the account page.
            if let Err(error) = self.queue_verification(&user, None, client).await {
                tracing::warn!(%error, user_id = %user.id, "cannot queue the sign-up verification mail");
            }
        }
        self.start_session(user, client).await
    }

    /// Checks an email and password. An unknown email and a wrong password give the same
    /// error after the same work (a dummy hash is verified), so neither reveals the other.
    ///
    /// Failed passwords are counted per account and client ([`Gate`]): once an account has had
    /// its budget of failures, a client that failed on it is refused unchecked, and a client
    /// with no failure of its own is still checked — the owner's right password gets in, a
    /// wrong one is answered as throttled. When strangers have failed many times over, only a
    /// client the account has signed in from before is still checked.
    pub async fn sign_in(&self, input: SignInInput, client: &ClientInfo) -> Result<SignedIn> {
        let email = input.email.trim().to_lowercase();
        self.throttle(AuthAction::SignIn, client).await?;
        let throttle = &self.inner.throttle;
        let gate = throttle.gate(&email, client.ip).await?;
        let refuse = |wait: std::time::Duration| {
            self.throttled(AuthAction::SignIn, client, Throttled::Account(wait))
        };
        if let Gate::Closed(wait) = gate {
            return Err(refuse(wait));
        }
        let found = users::find_with_password_hash(&self.inner.db, &email).await?;
        if let Gate::Strangers(wait) = gate {
            let known = match (&found, client.ip) {
                (Some((user, _)), Some(ip)) => {
                    sessions::seen_from(&self.inner.db, &user.id, ip).await?
                }
                _ => false,
            };
            if !known {
                return Err(refuse(wait));
            }
        }
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), Some(hash)),
            None => (None, None),
        };
        let checked_hash = hash.clone();
        let password = Password::attempt(input.password);
        let matches = self.inner.hasher.verify(&password, hash).await?;
        match user {
            Some(user) if matches => {
                throttle.succeed(&email, client.ip).await?;
                let signed = self.start_session(user, client).await?;
                // A reset (or change) that committed while the hash was being checked deleted
                // every session: this one, started after, must not outlive the old password.
                let current = users::find_with_password_hash(&self.inner.db, &email).await?;
                if current.map(|(_, hash)| hash) != checked_hash {
                    sessions::delete(&self.inner.db, &signed.session_token).await?;
                    tracing::warn!(target: AUDIT, event = "sign_in", outcome = "password_changed_meanwhile", user_id = %signed.user.id, ip = ?client.ip);
                    return Err(Error::InvalidCredentials);
                }
                if let Some(old) = checked_hash.filter(|h| PasswordHasher::needs_rehash(h)) {
                    self.rehash(&signed.user.id, &password, &old).await;
                }
                tracing::info!(target: AUDIT, event = "sign_in", outcome = "success", user_id = %signed.user.id, ip = ?client.ip);
                metrics::counter!("leptodo_sign_ins_total", "outcome" => "success").increment(1);
                Ok(signed)
            }
            user => {
                throttle.fail(&email, client.ip).await?;
                metrics::counter!("leptodo_sign_ins_total", "outcome" => "failure").increment(1);
                tracing::warn!(
                    target: AUDIT,
                    event = "sign_in",
                    outcome = "failure",
                    reason = if user.is_some() { "wrong_password" } else { "unknown_email" },
                    user_id = user.as_ref().map(|u| u.id.as_str()),
                    ip = ?client.ip,
                );
                match gate {
                    Gate::Guarded(wait) => Err(refuse(wait)),
                    _ => Err(Error::InvalidCredentials),
                }
            }
        }
    }

    /// Replaces an imported (Better Auth) hash by our argon2id one after a sign-in proved the
    /// password. A failure is logged, not fatal: the old hash keeps working and the next
    /// sign-in tries again.
    async fn rehash(&self, user_id: &str, password: &Password, old: &str) {
        let result = match self.inner.hasher.hash(password).await {
            Ok(new) => users::replace_password_hash(&self.inner.db, user_id, old, &new).await,
            Err(err) => Err(err),
        };
        match result {
            Ok(true) => {
                tracing::info!(target: AUDIT, event = "password_rehashed", user_id, from = "better-auth-scrypt");
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, user_id, "cannot rehash an imported password"),
        }
    }

    async fn start_session(&self, user: User, client: &ClientInfo) -> Result<SignedIn> {
        let (session_token, session) =
            sessions::create(&self.inner.db, &user.id, client, &self.inner.sessions).await?;
        let token = self.issue_token(&user).await?;
        Ok(SignedIn {
            user,
            session,
            session_token,
            token,
        })
    }

    /// Ends the browser session with this cookie token, at once, on every instance.
    pub async fn sign_out(&self, session_token: &str, client: &ClientInfo) -> Result<bool> {
        let ended = sessions::delete(&self.inner.db, session_token).await?;
        if ended {
            tracing::info!(target: AUDIT, event = "sign_out", ip = ?client.ip);
        }
        Ok(ended)
    }

    /// The live session behind a cookie token, slid forward when due.
    pub async fn session(&self, session_token: &str) -> Result<Option<ActiveSession>> {
        sessions::find_active(&self.inner.db, session_token, &self.inner.sessions).await
    }

    /// A fresh API token (JWT) for `user` (after the second of a cut-off just recorded for
    /// them, so it is not cut off itself).
    pub async fn issue_token(&self, user: &User) -> Result<String> {
        self.inner.cutoffs.wait_out(&user.id).await;
        self.inner
            .tokens
            .issue(&user.id, &user.email)
            .map_err(|e| Error::Internal(e.to_string()))
    }

    fn external_seen(&self, user_id: &str) -> bool {
        self.inner
            .external_seen
            .lock()
            .expect("lock")
            .contains(user_id)
    }

    /// The caller named by an `Authorization: Bearer <jwt>` header value. A token of the
    /// external issuer (`JWT_JWKS_URL`) names a user this database may not know yet: one is
    /// recorded for it on first sight, so its tasks have an owner.
    pub async fn authenticate_bearer(&self, authorization: &str) -> Result<Identity> {
        let token = bearer_token(authorization).ok_or(Error::Unauthenticated(
            "the Authorization header must be `Bearer <token>`",
        ))?;
        let verified = match self.inner.tokens.verify(token).await {
            Ok(verified) => verified,
            Err(TokenError::KeysUnavailable) => {
                tracing::warn!(
                    "a token of the external issuer arrived, but its key set cannot be fetched"
                );
                return Err(Error::IssuerUnavailable);
            }
            Err(reason) => {
                tracing::debug!(%reason, "bearer token refused");
                return Err(Error::Unauthenticated(
                    "the token is invalid or has expired",
                ));
            }
        };
        if verified.signer == Signer::External && !self.external_seen(&verified.sub) {
            // Only an address the issuer verified is recorded: an unverified one could block
            // its real owner from signing up here.
            let email = verified
                .email
                .as_deref()
                .filter(|_| verified.email_verified == Some(true));
            users::ensure_external(
                &self.inner.db,
                &verified.sub,
                email,
                verified.name.as_deref(),
            )
            .await?;
            let mut seen = self.inner.external_seen.lock().expect("lock");
            if seen.len() >= EXTERNAL_SEEN_CAPACITY {
                seen.clear();
            }
            seen.insert(verified.sub.clone());
        }
        if self.inner.cutoffs.cuts(&verified.sub, verified.iat) {
            return Err(Error::Unauthenticated(
                "the token was issued before a password change or sign-out everywhere: get a new one",
            ));
        }
        Ok(Identity {
            user_id: verified.claims.sub,
            email: verified.claims.email,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    #[error(transparent)]
    Tokens(#[from] TokenSetupError),
    #[error("cannot prepare password hashing: {0}")]
    Hasher(String),
    #[error(transparent)]
    Mail(#[from] MailSetupError),
}

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

/// Seconds since the Unix epoch, as a token's `iat` counts them.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

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
    /// `JWT_PROVISION_UNKNOWN_SUBJECTS`: a well-signed token whose subject has no account gets
    /// a first-seen record instead of a 401 `USER_NOT_FOUND`.
    pub provision_unknown_subjects: bool,
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
    /// Token subjects known to have an account row (see [`Auth::authenticate_bearer`]).
    known_users: std::sync::RwLock<std::collections::HashSet<String>>,
    /// Give a well-signed token's unknown subject a first-seen account record
    /// (`JWT_PROVISION_UNKNOWN_SUBJECTS`), as an external issuer's users get.
    provision_unknown_subjects: bool,
}

/// How often expired sessions, links and token cut-offs are swept from the database.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);
/// How often the database is asked whether imported password hashes remain (see
/// [`PasswordHasher`]: while they do, every sign-in check does both kinds' work).
const IMPORTED_HASHES_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// How many token subjects are remembered as known before the memory starts over (ids are
/// at most 255 characters: ~30 MB at most).
const KNOWN_USERS_CAPACITY: usize = 100_000;

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
                known_users: Default::default(),
                provision_unknown_subjects: settings.provision_unknown_subjects,
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

    pub(crate) fn trusted_origins(&self) -> &[String] {
        &self.inner.trusted_origins
    }

    /// Forgets that `user_id` has an account (it was just deleted).
    pub(crate) fn forget_known_user(&self, user_id: &str) {
        self.inner
            .known_users
            .write()
            .unwrap_or_else(|e| e.into_inner())
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
        // Checked before anything is counted or kept: bad input costs no state.
        let account = NewAccount::parse(input)?;
        self.throttle(AuthAction::SignUp, client).await?;
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
        // An email that cannot be an address is refused before any throttling state, lookup
        // or hash (Better Auth's 400 `INVALID_EMAIL`): what the failure map keys on is bounded.
        let email = users::Email::parse(&input.email)
            .map_err(Error::invalid)?
            .as_str()
            .to_owned();
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
        // The token's moment is taken before the session exists: a "sign out everywhere"
        // that commits after that deletes the session and cuts the token too.
        let iat = self.token_moment(&user.id).await;
        let (session_token, session) =
            sessions::create(&self.inner.db, &user.id, client, &self.inner.sessions).await?;
        // The account exists: its tokens need no lookup to be known (see `ensure_known`).
        self.note_known(&user.id);
        let token = self.sign_token(&user, iat)?;
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

    /// A fresh API token (JWT) for `user`, whose right to one was settled before this call
    /// and cannot be undone meanwhile (a password just changed, say). It is issued after the
    /// second of a cut-off just recorded for them, so it is not cut off itself.
    pub async fn issue_token(&self, user: &User) -> Result<String> {
        let iat = self.token_moment(&user.id).await;
        self.sign_token(user, iat)
    }

    /// A fresh API token for the user of a live session, read at `read_at` (seconds since
    /// the Unix epoch, taken *before* the session was read: see [`unix_now`]); `None` when
    /// the session ended meanwhile.
    ///
    /// The token's `iat` is that moment. A "sign out everywhere" deletes the session when it
    /// commits and records its cut-off after the commit, so if it committed after the read,
    /// the cut-off is at or after `read_at` and cuts this token; if before, the read did not
    /// find the session. Only when the user has a cut-off in or after `read_at`'s second
    /// (one just recorded) is the session checked again after that second, for a token
    /// that outlives it.
    pub async fn session_api_token(
        &self,
        active: &ActiveSession,
        read_at: u64,
    ) -> Result<Option<String>> {
        let user = &active.user;
        self.note_known(&user.id);
        if !self.inner.cutoffs.cuts(&user.id, Some(read_at)) {
            return self.sign_token(user, read_at).map(Some);
        }
        let iat = self.token_moment(&user.id).await;
        if !sessions::find_session_by_id(&self.inner.db, &active.session.id).await? {
            return Ok(None);
        }
        self.sign_token(user, iat).map(Some)
    }

    /// Now, for a token's `iat`, once any cut-off just recorded for `user_id` is a second old.
    async fn token_moment(&self, user_id: &str) -> u64 {
        self.inner.cutoffs.wait_out(user_id).await;
        unix_now()
    }

    fn sign_token(&self, user: &User, iat: u64) -> Result<String> {
        self.inner
            .tokens
            .issue_at(&user.id, &user.email, iat)
            .map_err(|e| Error::Internal(e.to_string()))
    }

    /// Cuts `user_id`'s API tokens issued up to now, after a write that ended their sessions
    /// (with [`crate::tokens::cutoffs::end_sessions_and_tokens`]) has committed: at once on
    /// this instance, and in the table for the others. The cut-off is taken *after* the
    /// commit so that a token minted from a session read while the write was committing
    /// (see [`Auth::session_api_token`]) is cut as well.
    pub(crate) async fn cut_off_tokens(&self, user_id: &str) {
        let at = crate::db::now();
        self.inner.cutoffs.apply(user_id, at);
        let expires = at + self.inner.tokens.lifetime();
        if let Err(error) = Cutoffs::advance(&self.inner.db, user_id, at, expires).await {
            // The row written with the change still cuts every token issued before it; only
            // a token minted during the commit may outlive it on another instance.
            tracing::warn!(%error, user_id, "cannot advance the token cut-off after its commit");
        }
    }

    fn known_user(&self, user_id: &str) -> bool {
        self.inner
            .known_users
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(user_id)
    }

    /// Makes sure a verified token's subject has an account row, once per subject: an
    /// external issuer's user (`JWT_JWKS_URL`) or, with `JWT_PROVISION_UNKNOWN_SUBJECTS`, any
    /// unknown subject gets a first-seen record, so its tasks have an owner; otherwise an
    /// unknown subject is a 401 `USER_NOT_FOUND` on every route, and nothing is written.
    async fn ensure_known(&self, verified: &crate::tokens::Verified) -> Result<()> {
        if self.known_user(&verified.sub) {
            return Ok(());
        }
        if verified.signer == Signer::External || self.inner.provision_unknown_subjects {
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
        } else if users::get(&self.inner.db, &verified.sub).await?.is_none() {
            tracing::debug!(user_id = %verified.sub, "a token for a subject with no account");
            return Err(Error::UnknownUser);
        }
        self.note_known(&verified.sub);
        Ok(())
    }

    /// Remembers that `user_id` has an account row.
    fn note_known(&self, user_id: &str) {
        if self.known_user(user_id) {
            return;
        }
        let mut known = self
            .inner
            .known_users
            .write()
            .unwrap_or_else(|e| e.into_inner());
        if known.len() >= KNOWN_USERS_CAPACITY {
            known.clear();
        }
        known.insert(user_id.to_owned());
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
        if self.inner.cutoffs.cuts(&verified.sub, verified.iat) {
            return Err(Error::Unauthenticated(
                "the token was issued before a password change or sign-out everywhere: get a new one",
            ));
        }
        self.ensure_known(&verified).await?;
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

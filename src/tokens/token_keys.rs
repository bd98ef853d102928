//! [`TokenKeys`]: the secrets and key sets that sign and verify API tokens.

use std::{fmt, sync::Arc, time::Duration};

use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};

use super::{
    Claims, Jwk, JwtAlgorithm, LEEWAY_SECONDS, MAX_TOKEN_BYTES, Signer, TokenConfigError,
    TokenError, TokenSettings, TokenSetupError, Verified, VerifyingKey,
    claims::accept,
    keyring::{self, KeyRing},
    remote::{Lookup, RemoteJwks},
};
use crate::db::Database;

/// The shared secret and the previous ones, as verification keys.
struct SharedSecrets {
    algorithm: Algorithm,
    encoding: EncodingKey,
    current: DecodingKey,
    previous: Vec<DecodingKey>,
}

/// Signs and verifies API tokens. Never prints a secret or a private key.
pub struct TokenKeys {
    shared: Option<SharedSecrets>,
    ring: Option<Arc<KeyRing>>,
    remote: Option<RemoteJwks>,
    /// One validation per algorithm a token may verify with.
    validations: Vec<Validation>,
    issuer: Option<String>,
    audience: Option<String>,
    lifetime: Duration,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("shared", &self.shared.as_ref().map(|s| s.algorithm))
            .field("secret", &"<redacted>")
            .field("ring", &self.ring)
            .field("remote", &self.remote.as_ref().map(RemoteJwks::url))
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// Every algorithm a token may be verified with: ours, and those an external issuer may use.
const VERIFIABLE: [Algorithm; 12] = [
    Algorithm::HS256,
    Algorithm::HS384,
    Algorithm::HS512,
    Algorithm::EdDSA,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

fn validations(issuer: Option<&str>, audience: Option<&str>) -> Vec<Validation> {
    VERIFIABLE
        .iter()
        .map(|&algorithm| {
            let mut validation = Validation::new(algorithm);
            validation.leeway = LEEWAY_SECONDS;
            validation.validate_exp = true;
            validation.validate_nbf = true;
            let mut required_claims = vec!["exp", "sub"];
            match issuer {
                Some(iss) => {
                    validation.set_issuer(&[iss]);
                    required_claims.push("iss");
                }
                None => validation.iss = None,
            }
            match audience {
                Some(aud) => {
                    validation.set_audience(&[aud]);
                    required_claims.push("aud");
                }
                // No audience configured: a token may carry any (Better Auth always sets one)
                // — accepted, not required.
                None => validation.validate_aud = false,
            }
            validation.set_required_spec_claims(&required_claims);
            validation
        })
        .collect()
}

impl TokenKeys {
    /// Shared-secret keys (HS256/384/512), with no external issuer: no database needed.
    pub fn new(settings: TokenSettings) -> Result<Self, TokenConfigError> {
        if let JwtAlgorithm::Key(algorithm) = settings.algorithm {
            return Err(TokenConfigError::NeedsDatabase(algorithm));
        }
        settings.check()?;
        Ok(Self::assemble(settings, None, None))
    }

    /// The keys `settings` describe: asymmetric keys are loaded from (or generated into)
    /// `db`, and an external issuer's key set is fetched once now (a failure is logged, and
    /// retried when a token needs it).
    pub async fn open(settings: TokenSettings, db: &Database) -> Result<Self, TokenSetupError> {
        settings.check()?;
        let ring = match settings.algorithm {
            JwtAlgorithm::Key(algorithm) => {
                let ring = Arc::new(
                    KeyRing::open(
                        db.clone(),
                        algorithm,
                        settings.private_key_pem.as_deref(),
                        settings.retention(),
                    )
                    .await?,
                );
                keyring::reload_periodically(&ring);
                Some(ring)
            }
            JwtAlgorithm::Shared(_) => None,
        };
        let remote = match &settings.remote {
            Some(remote) => {
                let jwks = RemoteJwks::new(remote.clone())
                    .map_err(|e| TokenSetupError::Client(e.to_string()))?;
                jwks.refetch(Duration::ZERO).await;
                Some(jwks)
            }
            None => None,
        };
        Ok(Self::assemble(settings, ring, remote))
    }

    fn assemble(
        settings: TokenSettings,
        ring: Option<Arc<KeyRing>>,
        remote: Option<RemoteJwks>,
    ) -> Self {
        let shared = match settings.algorithm {
            JwtAlgorithm::Shared(algorithm) => Some(SharedSecrets {
                algorithm: algorithm.jwt(),
                encoding: EncodingKey::from_secret(&settings.secret),
                current: DecodingKey::from_secret(&settings.secret),
                previous: settings
                    .previous_secrets
                    .iter()
                    .map(|s| DecodingKey::from_secret(s))
                    .collect(),
            }),
            JwtAlgorithm::Key(_) => None,
        };
        Self {
            shared,
            ring,
            remote,
            validations: validations(settings.issuer.as_deref(), settings.audience.as_deref()),
            issuer: settings.issuer,
            audience: settings.audience,
            lifetime: settings.lifetime,
        }
    }

    /// The public keys to publish at `/api/auth/jwks`: `None` when signing with a shared
    /// secret (there is nothing public to verify with).
    pub fn published_keys(&self) -> Option<Arc<Vec<Jwk>>> {
        Some(self.ring.as_ref()?.published())
    }

    /// How long the tokens it issues are valid (`JWT_EXPIRES_IN`).
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A token for `user_id`, valid from now for the configured lifetime.
    pub fn issue(&self, user_id: &str, email: &str) -> Result<String, TokenError> {
        self.issue_at(user_id, email, jsonwebtoken::get_current_timestamp())
    }

    /// A token as if issued at `now` (seconds since the Unix epoch).
    pub fn issue_at(&self, user_id: &str, email: &str, now: u64) -> Result<String, TokenError> {
        let claims = Claims {
            sub: user_id.to_string(),
            email: Some(email.to_string()),
            name: None,
            email_verified: None,
            iat: Some(now),
            exp: now + self.lifetime.as_secs(),
            nbf: None,
            iss: self.issuer.clone(),
            aud: self.audience.clone().map(serde_json::Value::String),
        };
        let signed = match (&self.shared, &self.ring) {
            (Some(shared), _) => encode(&Header::new(shared.algorithm), &claims, &shared.encoding),
            (None, Some(ring)) => {
                let key = ring.current();
                encode(&key.header(), &claims, key.encoding())
            }
            (None, None) => unreachable!("TokenKeys always has a secret or a key ring"),
        };
        signed.map_err(|err| TokenError::Signing(err.to_string()))
    }

    fn validation(&self, algorithm: Algorithm) -> &Validation {
        let index = VERIFIABLE
            .iter()
            .position(|a| *a == algorithm)
            .expect("only VERIFIABLE algorithms reach a validation");
        &self.validations[index]
    }

    /// Checks `token` against one key; the header's `alg` must be the key's.
    fn check(
        &self,
        token: &str,
        key: &VerifyingKey,
        signer: Signer,
    ) -> Result<Verified, TokenError> {
        let claims = decode::<Claims>(token, &key.key, self.validation(key.algorithm))?.claims;
        accept(claims, signer)
    }

    /// Checks an HMAC token against the secret, then the previous secrets.
    fn check_shared(&self, token: &str) -> Result<Verified, TokenError> {
        let Some(shared) = &self.shared else {
            return Err(TokenError::Invalid(
                "HMAC tokens are not accepted: this server signs with a private key".into(),
            ));
        };
        let validation = self.validation(shared.algorithm);
        let err = match decode::<Claims>(token, &shared.current, validation) {
            Ok(data) => return accept(data.claims, Signer::Local),
            Err(err) => TokenError::from(err),
        };
        if err != TokenError::BadSignature {
            return Err(err);
        }
        for previous in &shared.previous {
            match decode::<Claims>(token, previous, validation) {
                Ok(data) => return accept(data.claims, Signer::Local),
                Err(err) => match TokenError::from(err) {
                    TokenError::BadSignature => continue,
                    // Signed with this secret, but e.g. expired: that is the reason to give.
                    other => return Err(other),
                },
            }
        }
        Err(TokenError::BadSignature)
    }

    /// Verifies with the keys in memory, never waiting: a token naming a key not in hand
    /// is [`TokenError::UnknownKey`]. [`TokenKeys::verify`] then looks further.
    pub fn verify_now(&self, token: &str) -> Result<Verified, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong);
        }
        if self.ring.is_none() && self.remote.is_none() {
            // Shared secret only: jsonwebtoken checks the header's `alg` itself.
            return self.check_shared(token);
        }
        let header = decode_header(token)?;
        if matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return self.check_shared(token);
        }
        let kid = header
            .kid
            .ok_or_else(|| TokenError::Invalid("the token names no key (`kid`)".into()))?;
        if let Some(ring) = &self.ring
            && let Some(key) = ring.verifying(&kid)
        {
            return self.check(token, &key, Signer::Local);
        }
        if let Some(remote) = &self.remote
            && let Some(key) = remote.cached_key(&kid)
        {
            return self.check(token, &key, Signer::External);
        }
        Err(TokenError::UnknownKey(kid))
    }

    /// The claims of a token this configuration accepts. A token naming an unknown key
    /// makes the server reread its key table and refetch the external issuer's key set
    /// (each at most once a second or so), then try again.
    pub async fn verify(&self, token: &str) -> Result<Verified, TokenError> {
        let kid = match self.verify_now(token) {
            Err(TokenError::UnknownKey(kid)) => kid,
            other => return other,
        };
        if let Some(ring) = &self.ring {
            ring.reload(keyring::RELOAD_AT_MOST_EVERY).await;
            if let Some(key) = ring.verifying(&kid) {
                return self.check(token, &key, Signer::Local);
            }
        }
        if let Some(remote) = &self.remote {
            match remote.key(&kid).await {
                Lookup::Found(key) => return self.check(token, &key, Signer::External),
                Lookup::Unavailable => return Err(TokenError::KeysUnavailable),
                Lookup::Unknown => {}
            }
        }
        Err(TokenError::UnknownKey(kid))
    }
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
    use serde_json::json;

    use super::*;
    use crate::tokens::{KeyAlgorithm, SharedSecretAlgorithm, SigningKey, keyring::KeyRingError};

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test-secret";

    fn keys_with(
        algorithm: SharedSecretAlgorithm,
        issuer: Option<&str>,
        audience: Option<&str>,
    ) -> TokenKeys {
        TokenKeys::new(TokenSettings {
            issuer: issuer.map(Into::into),
            audience: audience.map(Into::into),
            ..TokenSettings::shared(algorithm, SECRET.repeat(2))
        })
        .unwrap()
    }

    fn keys() -> TokenKeys {
        keys_with(SharedSecretAlgorithm::HS256, None, None)
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    /// A token with any header and claims, signed with `secret` under HS256.
    fn forge(header: serde_json::Value, claims: serde_json::Value, secret: &[u8]) -> String {
        use hmac::{Hmac, Mac};
        let signing_input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
        mac.update(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            B64.encode(mac.finalize().into_bytes())
        )
    }

    fn hs256() -> serde_json::Value {
        json!({"alg": "HS256", "typ": "JWT"})
    }

    #[test]
    fn issued_tokens_carry_the_seed_claims_and_verify() {
        let keys = keys();
        let t = now();
        let token = keys.issue_at("user-1", "a@example.com", t).unwrap();
        let claims = keys.verify_now(&token).unwrap();
        assert_eq!(claims.sub, "user-1");
        assert_eq!(claims.email.as_deref(), Some("a@example.com"));
        assert_eq!(claims.iat, Some(t));
        assert_eq!(claims.exp, t + 7 * 24 * 3600);
        assert_eq!(claims.iss, None);
        assert_eq!(claims.aud, None);
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::HS256);
    }

    #[test]
    fn a_token_minted_elsewhere_with_the_secret_is_accepted() {
        let secret = SECRET.repeat(2);
        let token = forge(
            hs256(),
            json!({"sub": "u-9", "email": "x@y.z", "iat": now(), "exp": now() + 60}),
            &secret,
        );
        assert_eq!(keys().verify_now(&token).unwrap().sub, "u-9");
    }

    #[test]
    fn hostile_tokens_are_refused() {
        let keys = keys();
        let secret = SECRET.repeat(2);
        let t = now();
        let good = json!({"sub": "u", "iat": t, "exp": t + 600});
        let cases: Vec<(&str, String)> = vec![
            (
                "wrong secret",
                forge(hs256(), good.clone(), b"another-secret-another-secret-xx"),
            ),
            (
                "expired",
                forge(hs256(), json!({"sub": "u", "exp": t - 120}), &secret),
            ),
            (
                "nbf in the future",
                forge(
                    hs256(),
                    json!({"sub": "u", "exp": t + 600, "nbf": t + 300}),
                    &secret,
                ),
            ),
            (
                "no exp",
                forge(hs256(), json!({"sub": "u", "iat": t}), &secret),
            ),
            ("no sub", forge(hs256(), json!({"exp": t + 600}), &secret)),
            (
                "empty sub",
                forge(hs256(), json!({"sub": " ", "exp": t + 600}), &secret),
            ),
            (
                "alg none",
                format!(
                    "{}.{}.",
                    B64.encode(json!({"alg": "none"}).to_string()),
                    B64.encode(good.to_string())
                ),
            ),
            (
                "another HS algorithm",
                keys_with(SharedSecretAlgorithm::HS512, None, None)
                    .issue("u", "e@x.y")
                    .unwrap(),
            ),
            (
                "oversized",
                forge(
                    hs256(),
                    json!({"sub": "u", "exp": t + 600, "pad": "x".repeat(64 * 1024)}),
                    &secret,
                ),
            ),
            ("garbage", "not.a.jwt".to_string()),
        ];
        for (name, token) in &cases {
            assert!(keys.verify_now(token).is_err(), "{name} was accepted");
        }

        // A payload swapped under an old signature.
        let token = keys.issue("user-1", "a@example.com").unwrap();
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        parts[1] = B64.encode(json!({"sub": "user-2", "exp": t + 600}).to_string());
        assert_eq!(
            keys.verify_now(&parts.join(".")),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_little_clock_skew_is_tolerated() {
        let secret = SECRET.repeat(2);
        let t = now();
        let just_expired = forge(hs256(), json!({"sub": "u", "exp": t - 5}), &secret);
        assert!(keys().verify_now(&just_expired).is_ok());
    }

    #[test]
    fn issuer_and_audience_are_set_and_required_when_configured() {
        let keys = keys_with(
            SharedSecretAlgorithm::HS256,
            Some("https://a"),
            Some("https://api"),
        );
        let token = keys.issue("u", "e@x.y").unwrap();
        let claims = keys.verify_now(&token).unwrap();
        assert_eq!(claims.iss.as_deref(), Some("https://a"));
        assert_eq!(claims.aud, Some(json!("https://api")));

        let secret = SECRET.repeat(2);
        let t = now();
        for (name, claims) in [
            ("no iss/aud", json!({"sub": "u", "exp": t + 600})),
            (
                "wrong iss",
                json!({"sub": "u", "exp": t + 600, "iss": "https://b", "aud": "https://api"}),
            ),
            (
                "wrong aud",
                json!({"sub": "u", "exp": t + 600, "iss": "https://a", "aud": "https://other"}),
            ),
        ] {
            assert!(
                keys.verify_now(&forge(hs256(), claims, &secret)).is_err(),
                "{name} was accepted"
            );
        }
        // An audience list that contains ours is fine (Better Auth may send one).
        let listed =
            json!({"sub": "u", "exp": t + 600, "iss": "https://a", "aud": ["x", "https://api"]});
        assert!(keys.verify_now(&forge(hs256(), listed, &secret)).is_ok());
    }

    #[test]
    fn the_secret_never_prints() {
        let printed = format!("{:?}", keys());
        assert!(!printed.contains("test-secret"), "{printed}");
    }

    #[test]
    fn rotating_the_secret_keeps_old_tokens_and_signs_with_the_new_one() {
        let old_secret = SECRET.repeat(2);
        let new_secret = b"a-brand-new-secret-0123456789-abcdefghijklmnopqrstuv".to_vec();
        let before = keys();
        let old_token = before.issue("u-1", "a@example.com").unwrap();
        let rotated = TokenKeys::new(TokenSettings {
            previous_secrets: vec![old_secret.clone()],
            ..TokenSettings::shared(SharedSecretAlgorithm::HS256, new_secret.clone())
        })
        .unwrap();
        // Old tokens still verify...
        assert_eq!(rotated.verify_now(&old_token).unwrap().sub, "u-1");
        // ...new ones are signed with the new secret only (the old keys cannot verify them)...
        let new_token = rotated.issue("u-2", "b@example.com").unwrap();
        assert_eq!(before.verify_now(&new_token), Err(TokenError::BadSignature));
        let only_new = TokenKeys::new(TokenSettings::shared(
            SharedSecretAlgorithm::HS256,
            new_secret,
        ))
        .unwrap();
        assert_eq!(only_new.verify_now(&new_token).unwrap().sub, "u-2");
        // ...and once the old secret is dropped from the list, its tokens are refused.
        assert_eq!(
            only_new.verify_now(&old_token),
            Err(TokenError::BadSignature)
        );
        // An expired token signed with a previous secret says so.
        let t = now();
        let expired = forge(hs256(), json!({"sub": "u", "exp": t - 600}), &old_secret);
        assert_eq!(rotated.verify_now(&expired), Err(TokenError::Expired));
        // Previous secrets must be as long as current ones.
        let short = TokenSettings {
            previous_secrets: vec![b"short".to_vec()],
            ..TokenSettings::shared(SharedSecretAlgorithm::HS256, SECRET.repeat(2))
        };
        assert!(matches!(
            TokenKeys::new(short),
            Err(TokenConfigError::PreviousSecretTooShort { index: 1, .. })
        ));
    }

    async fn database() -> Database {
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        db
    }

    fn key_settings(algorithm: KeyAlgorithm) -> TokenSettings {
        TokenSettings {
            algorithm: algorithm.into(),
            lifetime: Duration::from_secs(3600),
            ..TokenSettings::shared(SharedSecretAlgorithm::HS256, Vec::new())
        }
    }

    fn kid_of(token: &str) -> String {
        decode_header(token).unwrap().kid.unwrap()
    }

    #[tokio::test]
    async fn asymmetric_tokens_name_their_key_and_verify() {
        for algorithm in [
            KeyAlgorithm::EdDSA,
            KeyAlgorithm::ES256,
            KeyAlgorithm::RS256,
        ] {
            let db = database().await;
            let keys = TokenKeys::open(key_settings(algorithm), &db).await.unwrap();
            let token = keys.issue("u-1", "a@example.com").unwrap();
            let header = decode_header(&token).unwrap();
            assert_eq!(header.alg, algorithm.jwt());
            let published = keys.published_keys().unwrap();
            assert_eq!(published.len(), 1);
            assert_eq!(published[0].common.key_id, header.kid);
            let verified = keys.verify(&token).await.unwrap();
            assert_eq!(
                (verified.sub.as_str(), verified.signer),
                ("u-1", Signer::Local)
            );
            // A second instance on the same database signs with the same key.
            let other = TokenKeys::open(key_settings(algorithm), &db).await.unwrap();
            assert_eq!(kid_of(&other.issue("u", "e@x.y").unwrap()), kid_of(&token));
        }
    }

    #[tokio::test]
    async fn a_retired_key_verifies_until_its_tokens_expire() {
        let db = database().await;
        let first = TokenKeys::open(key_settings(KeyAlgorithm::EdDSA), &db)
            .await
            .unwrap();
        let old_token = first.issue("u-1", "a@example.com").unwrap();
        let old_kid = kid_of(&old_token);

        let new_kid = KeyRing::rotate(&db, KeyAlgorithm::EdDSA).await.unwrap();
        assert_ne!(new_kid, old_kid);
        // Rotating into another algorithm would strand the running instances: refused.
        assert!(matches!(
            KeyRing::rotate(&db, KeyAlgorithm::ES256).await,
            Err(KeyRingError::OtherAlgorithm { .. })
        ));
        // An instance started after the rotation signs with the new key and still accepts
        // (and publishes) the retired one.
        let second = TokenKeys::open(key_settings(KeyAlgorithm::EdDSA), &db)
            .await
            .unwrap();
        let new_token = second.issue("u-2", "b@example.com").unwrap();
        assert_eq!(kid_of(&new_token), new_kid);
        assert_eq!(second.verify(&old_token).await.unwrap().sub, "u-1");
        let kids: Vec<_> = second
            .published_keys()
            .unwrap()
            .iter()
            .map(|k| k.common.key_id.clone().unwrap())
            .collect();
        assert_eq!(kids, [new_kid.clone(), old_kid.clone()]);
        // The instance that was running learns the new key from the table on first sight.
        assert_eq!(first.verify(&new_token).await.unwrap().sub, "u-2");

        // Once the retired key's tokens have all expired, it is gone.
        let long_ago = crate::db::now()
            - Duration::from_secs(3600 + LEEWAY_SECONDS + 1)
            - 2 * keyring::RELOAD_EVERY;
        crate::with_pool!(&db, pool => sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE kid = $2")
            .bind(long_ago)
            .bind(&old_kid)
            .execute(pool)
            .await
            .map(|_| ()))
        .unwrap();
        let third = TokenKeys::open(key_settings(KeyAlgorithm::EdDSA), &db)
            .await
            .unwrap();
        assert_eq!(third.published_keys().unwrap().len(), 1);
        assert_eq!(
            third.verify(&old_token).await,
            Err(TokenError::UnknownKey(old_kid))
        );
    }

    #[tokio::test]
    async fn forged_kids_and_algorithm_swaps_are_refused() {
        let db = database().await;
        let keys = TokenKeys::open(key_settings(KeyAlgorithm::EdDSA), &db)
            .await
            .unwrap();
        let ours = kid_of(&keys.issue("u", "e@x.y").unwrap());
        let (stranger, _) = SigningKey::generate(KeyAlgorithm::EdDSA).unwrap();
        let t = now();
        let claims = json!({"sub": "u", "iat": t, "exp": t + 600});
        // Another key claiming to be ours: the signature does not verify.
        let mut header = stranger.header();
        header.kid = Some(ours.clone());
        let forged = encode(&header, &claims, stranger.encoding()).unwrap();
        assert_eq!(keys.verify(&forged).await, Err(TokenError::BadSignature));
        // A key nobody published.
        let unknown = encode(&stranger.header(), &claims, stranger.encoding()).unwrap();
        assert!(matches!(
            keys.verify(&unknown).await,
            Err(TokenError::UnknownKey(_))
        ));
        // No kid at all.
        let no_kid = encode(&Header::new(Algorithm::EdDSA), &claims, stranger.encoding()).unwrap();
        assert!(matches!(
            keys.verify(&no_kid).await,
            Err(TokenError::Invalid(_))
        ));
        // HMAC keyed with the public key (the classic algorithm confusion), and HMAC at all.
        let public_x = keys.published_keys().unwrap()[0].clone();
        let x = serde_json::to_value(&public_x).unwrap()["x"]
            .as_str()
            .unwrap()
            .to_string();
        let mut confused = Header::new(Algorithm::HS256);
        confused.kid = Some(ours);
        let confused = encode(&confused, &claims, &EncodingKey::from_secret(x.as_bytes())).unwrap();
        assert!(keys.verify(&confused).await.is_err());
        assert!(
            keys.verify(&forge(hs256(), claims, &SECRET.repeat(2)))
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_pinned_private_key_signs_and_the_previous_key_stays_published() {
        let db = database().await;
        let generated = TokenKeys::open(key_settings(KeyAlgorithm::ES256), &db)
            .await
            .unwrap();
        let old_token = generated.issue("u-1", "a@example.com").unwrap();
        let (pinned, pem) = SigningKey::generate(KeyAlgorithm::ES256).unwrap();
        let keys = TokenKeys::open(
            TokenSettings {
                private_key_pem: Some(pem.clone()),
                ..key_settings(KeyAlgorithm::ES256)
            },
            &db,
        )
        .await
        .unwrap();
        assert_eq!(kid_of(&keys.issue("u", "e@x.y").unwrap()), pinned.kid());
        assert_eq!(keys.verify(&old_token).await.unwrap().sub, "u-1");
        assert_eq!(keys.published_keys().unwrap().len(), 2);
        // The pinned key's private part is never stored.
        let stored: Option<String> = crate::with_pool!(&db, pool => sqlx::query_scalar(
            "SELECT private_key FROM signing_keys WHERE kid = $1")
            .bind(pinned.kid())
            .fetch_one(pool)
            .await)
        .unwrap();
        assert_eq!(stored, None);
        // A PEM of the wrong type is refused at start, with the variable's name.
        let err = TokenKeys::open(
            TokenSettings {
                private_key_pem: Some(pem),
                ..key_settings(KeyAlgorithm::EdDSA)
            },
            &db,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("JWT_PRIVATE_KEY"), "{err}");
    }
}

//! API tokens: shared-secret JWTs that any HS256/384/512 library verifies, wire-compatible with
//! the Better Auth + FastAPI/PyJWT stack (claims `sub`, `email`, `iat`, `exp`, and `iss`/`aud`
//! when configured).
//!
//! Verification pins the configured algorithm (so `alg: none` and algorithm swaps fail),
//! requires `exp` and `sub`, honours `nbf`, allows [`LEEWAY_SECONDS`] of clock skew, and
//! refuses tokens longer than [`MAX_TOKEN_BYTES`] before parsing them.

use std::{fmt, str::FromStr, time::Duration};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: u64 = 30;
/// Longer tokens are refused unparsed: ours are a few hundred bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Default token lifetime: seven days, as in the seed stack.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The HMAC algorithms a shared secret can sign with (`JWT_ALGORITHM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SharedSecretAlgorithm {
    #[default]
    HS256,
    HS384,
    HS512,
}

impl SharedSecretAlgorithm {
    /// The shortest secret, in bytes, that gives the algorithm its full strength.
    pub fn min_secret_bytes(self) -> usize {
        match self {
            Self::HS256 => 32,
            Self::HS384 => 48,
            Self::HS512 => 64,
        }
    }

    fn jwt(self) -> Algorithm {
        match self {
            Self::HS256 => Algorithm::HS256,
            Self::HS384 => Algorithm::HS384,
            Self::HS512 => Algorithm::HS512,
        }
    }
}

impl FromStr for SharedSecretAlgorithm {
    type Err = TokenConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "HS256" => Ok(Self::HS256),
            "HS384" => Ok(Self::HS384),
            "HS512" => Ok(Self::HS512),
            _ => Err(TokenConfigError::UnsupportedAlgorithm(s.to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenConfigError {
    #[error("JWT_ALGORITHM {0:?} is not supported with a shared secret: use HS256, HS384 or HS512")]
    UnsupportedAlgorithm(String),
    #[error(
        "the secret is {actual} bytes; {algorithm:?} needs at least {required} \
         (generate one with `openssl rand -base64 {required}`)"
    )]
    SecretTooShort {
        algorithm: SharedSecretAlgorithm,
        actual: usize,
        required: usize,
    },
}

/// Why a token was refused. Every variant is a 401 to the client; the distinction is for logs.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is longer than {MAX_TOKEN_BYTES} bytes")]
    TooLong,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token is not valid: {0}")]
    Invalid(String),
    #[error("cannot sign a token: {0}")]
    Signing(String),
}

impl From<jsonwebtoken::errors::Error> for TokenError {
    fn from(err: jsonwebtoken::errors::Error) -> Self {
        use jsonwebtoken::errors::ErrorKind;
        match err.kind() {
            ErrorKind::ExpiredSignature => Self::Expired,
            ErrorKind::ImmatureSignature => Self::NotYetValid,
            ErrorKind::InvalidSignature => Self::BadSignature,
            _ => Self::Invalid(err.to_string()),
        }
    }
}

/// The claims Leptodo issues and reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// A string or a list of strings, as RFC 7519 allows; checked by the verifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<serde_json::Value>,
}

/// What configures [`TokenKeys`].
pub struct TokenSettings {
    pub algorithm: SharedSecretAlgorithm,
    pub secret: Vec<u8>,
    /// `JWT_ISSUER`: set on issued tokens and required on incoming ones.
    pub issuer: Option<String>,
    /// `JWT_AUDIENCE`: set on issued tokens and required on incoming ones.
    pub audience: Option<String>,
    pub lifetime: Duration,
}

impl TokenSettings {
    /// Whether these settings can sign: the secret must be long enough for the algorithm.
    pub fn check(&self) -> Result<(), TokenConfigError> {
        let required = self.algorithm.min_secret_bytes();
        if self.secret.len() < required {
            return Err(TokenConfigError::SecretTooShort {
                algorithm: self.algorithm,
                actual: self.secret.len(),
                required,
            });
        }
        Ok(())
    }
}

/// Signs and verifies API tokens with the shared secret. Never prints the secret.
pub struct TokenKeys {
    algorithm: SharedSecretAlgorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
    lifetime: Duration,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("algorithm", &self.algorithm)
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

impl TokenKeys {
    pub fn new(settings: TokenSettings) -> Result<Self, TokenConfigError> {
        settings.check()?;
        let TokenSettings {
            algorithm,
            secret,
            issuer,
            audience,
            lifetime,
        } = settings;

        let mut validation = Validation::new(algorithm.jwt());
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let mut required_claims = vec!["exp", "sub"];
        match &issuer {
            Some(iss) => {
                validation.set_issuer(&[iss]);
                required_claims.push("iss");
            }
            None => validation.iss = None,
        }
        match &audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required_claims.push("aud");
            }
            // No audience configured: a token may carry any (as PyJWT without `audience=`
            // would not allow, but Better Auth always sets one) — we accept, not require.
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required_claims);

        Ok(Self {
            algorithm,
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            validation,
            issuer,
            audience,
            lifetime,
        })
    }

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
            iat: Some(now),
            exp: now + self.lifetime.as_secs(),
            nbf: None,
            iss: self.issuer.clone(),
            aud: self.audience.clone().map(serde_json::Value::String),
        };
        encode(&Header::new(self.algorithm.jwt()), &claims, &self.encoding)
            .map_err(|err| TokenError::Signing(err.to_string()))
    }

    /// The claims of a token this configuration accepts.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong);
        }
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)?.claims;
        if claims.sub.trim().is_empty() {
            return Err(TokenError::Invalid("the token has an empty `sub`".into()));
        }
        Ok(claims)
    }
}

/// The token in an `Authorization` header value, if it uses the Bearer scheme (matched
/// case-insensitively, as RFC 7235 requires).
pub fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
    use serde_json::json;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test-secret";

    fn keys_with(
        algorithm: SharedSecretAlgorithm,
        issuer: Option<&str>,
        audience: Option<&str>,
    ) -> TokenKeys {
        TokenKeys::new(TokenSettings {
            algorithm,
            secret: SECRET.repeat(2),
            issuer: issuer.map(Into::into),
            audience: audience.map(Into::into),
            lifetime: DEFAULT_LIFETIME,
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
        let claims = keys.verify(&token).unwrap();
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
        assert_eq!(keys().verify(&token).unwrap().sub, "u-9");
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
            assert!(keys.verify(token).is_err(), "{name} was accepted");
        }

        // A payload swapped under an old signature.
        let token = keys.issue("user-1", "a@example.com").unwrap();
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        parts[1] = B64.encode(json!({"sub": "user-2", "exp": t + 600}).to_string());
        assert_eq!(keys.verify(&parts.join(".")), Err(TokenError::BadSignature));
    }

    #[test]
    fn a_little_clock_skew_is_tolerated() {
        let secret = SECRET.repeat(2);
        let t = now();
        let just_expired = forge(hs256(), json!({"sub": "u", "exp": t - 5}), &secret);
        assert!(keys().verify(&just_expired).is_ok());
    }

    #[test]
    fn issuer_and_audience_are_set_and_required_when_configured() {
        let keys = keys_with(
            SharedSecretAlgorithm::HS256,
            Some("https://a"),
            Some("https://api"),
        );
        let token = keys.issue("u", "e@x.y").unwrap();
        let claims = keys.verify(&token).unwrap();
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
                keys.verify(&forge(hs256(), claims, &secret)).is_err(),
                "{name} was accepted"
            );
        }
        // An audience list that contains ours is fine (Better Auth may send one).
        let listed =
            json!({"sub": "u", "exp": t + 600, "iss": "https://a", "aud": ["x", "https://api"]});
        assert!(keys.verify(&forge(hs256(), listed, &secret)).is_ok());
    }

    #[test]
    fn short_secrets_are_refused_per_algorithm() {
        for (algorithm, required) in [
            (SharedSecretAlgorithm::HS256, 32),
            (SharedSecretAlgorithm::HS384, 48),
            (SharedSecretAlgorithm::HS512, 64),
        ] {
            let settings = |len| TokenSettings {
                algorithm,
                secret: vec![7; len],
                issuer: None,
                audience: None,
                lifetime: DEFAULT_LIFETIME,
            };
            assert_eq!(
                TokenKeys::new(settings(required - 1)).unwrap_err(),
                TokenConfigError::SecretTooShort {
                    algorithm,
                    actual: required - 1,
                    required
                }
            );
            assert!(TokenKeys::new(settings(required)).is_ok());
        }
    }

    #[test]
    fn algorithm_names_parse() {
        assert_eq!("hs384".parse(), Ok(SharedSecretAlgorithm::HS384));
        assert!("RS256".parse::<SharedSecretAlgorithm>().is_err());
        assert!("none".parse::<SharedSecretAlgorithm>().is_err());
    }

    #[test]
    fn the_secret_never_prints() {
        let printed = format!("{:?}", keys());
        assert!(!printed.contains("test-secret"), "{printed}");
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }
}

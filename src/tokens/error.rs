//! Why token configuration, key setup or a token itself was refused.

use super::{KeyAlgorithm, MAX_TOKEN_BYTES, SharedSecretAlgorithm, keyring::KeyRingError, keys};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenConfigError {
    #[error(
        "JWT_ALGORITHM {0:?} is not supported: use HS256, HS384 or HS512 (shared secret), \
         or EdDSA, ES256 or RS256 (asymmetric keys)"
    )]
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
    #[error("previous secret #{index} is {actual} bytes; {algorithm:?} needs at least {required}")]
    PreviousSecretTooShort {
        algorithm: SharedSecretAlgorithm,
        index: usize,
        actual: usize,
        required: usize,
    },
    #[error(
        "JWT_PRIVATE_KEY is set, but JWT_ALGORITHM is {0:?}: set JWT_ALGORITHM to EdDSA, ES256 or RS256"
    )]
    PrivateKeyWithSharedSecret(SharedSecretAlgorithm),
    #[error("JWT_PRIVATE_KEY: {0}")]
    PrivateKey(keys::KeyError),
    #[error("JWT_ALGORITHM {0} signs with keys kept in the database: use TokenKeys::open")]
    NeedsDatabase(KeyAlgorithm),
}

/// Why the token keys could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TokenSetupError {
    #[error(transparent)]
    Config(#[from] TokenConfigError),
    #[error(transparent)]
    KeyRing(#[from] KeyRingError),
    #[error("cannot prepare the client for JWT_JWKS_URL: {0}")]
    Client(String),
}

/// Why a token was refused. Every variant but [`TokenError::KeysUnavailable`] is a 401 to the
/// client; the distinction is for logs.
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
    #[error("the token names a key (kid {0:?}) that is not published")]
    UnknownKey(String),
    /// The token names a key of the external issuer, whose key set has never been fetched.
    #[error("the token issuer's keys cannot be fetched")]
    KeysUnavailable,
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

//! [`TokenSettings`]: what configures the token keys, and the check that they can sign.

use std::time::Duration;

use super::{
    DEFAULT_LIFETIME, JwtAlgorithm, LEEWAY_SECONDS, SharedSecretAlgorithm, SigningKey,
    TokenConfigError, keyring, remote::RemoteSettings,
};

/// What configures [`TokenKeys`](super::TokenKeys).
pub struct TokenSettings {
    pub algorithm: JwtAlgorithm,
    /// The shared secret (HS algorithms).
    pub secret: Vec<u8>,
    /// Earlier shared secrets, accepted for verification only (rotation).
    pub previous_secrets: Vec<Vec<u8>>,
    /// `JWT_PRIVATE_KEY`: a PKCS#8 PEM to sign with instead of a generated, stored key.
    pub private_key_pem: Option<String>,
    /// `JWT_ISSUER`: set on issued tokens and required on incoming ones.
    pub issuer: Option<String>,
    /// `JWT_AUDIENCE`: set on issued tokens and required on incoming ones.
    pub audience: Option<String>,
    pub lifetime: Duration,
    /// `JWT_JWKS_URL`: an external issuer whose tokens are accepted too.
    pub remote: Option<RemoteSettings>,
}

impl TokenSettings {
    /// Shared-secret settings with nothing else configured.
    pub fn shared(algorithm: SharedSecretAlgorithm, secret: Vec<u8>) -> Self {
        Self {
            algorithm: algorithm.into(),
            secret,
            previous_secrets: Vec::new(),
            private_key_pem: None,
            issuer: None,
            audience: None,
            lifetime: DEFAULT_LIFETIME,
            remote: None,
        }
    }

    /// Whether these settings can sign: with a shared secret, every secret must be long
    /// enough for the algorithm; a private key must be readable and of the algorithm's type.
    pub fn check(&self) -> Result<(), TokenConfigError> {
        let algorithm = match self.algorithm {
            JwtAlgorithm::Shared(algorithm) => algorithm,
            JwtAlgorithm::Key(algorithm) => {
                if let Some(pem) = &self.private_key_pem {
                    SigningKey::from_pem(algorithm, pem).map_err(TokenConfigError::PrivateKey)?;
                }
                return Ok(());
            }
        };
        if self.private_key_pem.is_some() {
            return Err(TokenConfigError::PrivateKeyWithSharedSecret(algorithm));
        }
        let required = algorithm.min_secret_bytes();
        if self.secret.len() < required {
            return Err(TokenConfigError::SecretTooShort {
                algorithm,
                actual: self.secret.len(),
                required,
            });
        }
        for (i, previous) in self.previous_secrets.iter().enumerate() {
            if previous.len() < required {
                return Err(TokenConfigError::PreviousSecretTooShort {
                    algorithm,
                    index: i + 1,
                    actual: previous.len(),
                    required,
                });
            }
        }
        Ok(())
    }

    /// How long a retired key stays published: until the last token it signed has expired,
    /// counting the time an instance may go on signing with it before it rereads the key
    /// table (two reload periods).
    pub(super) fn retention(&self) -> Duration {
        self.lifetime + Duration::from_secs(LEEWAY_SECONDS) + 2 * keyring::RELOAD_EVERY
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::TokenKeys;

    #[test]
    fn short_secrets_are_refused_per_algorithm() {
        for (algorithm, required) in [
            (SharedSecretAlgorithm::HS256, 32),
            (SharedSecretAlgorithm::HS384, 48),
            (SharedSecretAlgorithm::HS512, 64),
        ] {
            let settings = |len| TokenSettings::shared(algorithm, vec![7; len]);
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
}

//! The algorithms tokens are signed with: [`SharedSecretAlgorithm`] and [`JwtAlgorithm`].

use std::{fmt, str::FromStr};

use jsonwebtoken::Algorithm;

use super::{KeyAlgorithm, TokenConfigError};

/// The HMAC algorithms a shared secret can sign with.
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

    pub(super) fn jwt(self) -> Algorithm {
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

/// `JWT_ALGORITHM`: how Leptodo signs the tokens it issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    Shared(SharedSecretAlgorithm),
    Key(KeyAlgorithm),
}

impl Default for JwtAlgorithm {
    fn default() -> Self {
        Self::Shared(SharedSecretAlgorithm::HS256)
    }
}

impl From<SharedSecretAlgorithm> for JwtAlgorithm {
    fn from(algorithm: SharedSecretAlgorithm) -> Self {
        Self::Shared(algorithm)
    }
}

impl From<KeyAlgorithm> for JwtAlgorithm {
    fn from(algorithm: KeyAlgorithm) -> Self {
        Self::Key(algorithm)
    }
}

impl FromStr for JwtAlgorithm {
    type Err = TokenConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<SharedSecretAlgorithm>()
            .map(Self::Shared)
            .or_else(|_| s.parse::<KeyAlgorithm>().map(Self::Key))
            .map_err(|()| TokenConfigError::UnsupportedAlgorithm(s.to_string()))
    }
}

impl fmt::Display for JwtAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shared(algorithm) => write!(f, "{algorithm:?}"),
            Self::Key(algorithm) => write!(f, "{algorithm}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_names_parse() {
        assert_eq!("hs384".parse(), Ok(SharedSecretAlgorithm::HS384));
        assert!("RS256".parse::<SharedSecretAlgorithm>().is_err());
        assert!("none".parse::<SharedSecretAlgorithm>().is_err());
        assert_eq!("eddsa".parse(), Ok(JwtAlgorithm::Key(KeyAlgorithm::EdDSA)));
        assert_eq!(
            "HS512".parse(),
            Ok(JwtAlgorithm::Shared(SharedSecretAlgorithm::HS512))
        );
        assert!("none".parse::<JwtAlgorithm>().is_err());
        assert!("HS1024".parse::<JwtAlgorithm>().is_err());
    }
}

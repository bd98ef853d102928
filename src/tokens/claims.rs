//! What a token says ([`Claims`]), who signed it, and where a request carries it.

use std::ops::Deref;

use serde::{Deserialize, Serialize};

use super::TokenError;

/// The claims Leptodo issues and reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The user's name, which Better Auth's tokens carry (Leptodo's do not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the issuer verified `email` (Better Auth's `emailVerified`; Leptodo's tokens do
    /// not carry it).
    #[serde(
        default,
        rename = "emailVerified",
        skip_serializing_if = "Option::is_none"
    )]
    pub email_verified: Option<bool>,
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

/// Who signed a verified token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// This server (its secret, a previous secret, or one of its keys).
    Local,
    /// The external issuer of `JWT_JWKS_URL`.
    External,
}

/// A token that verified: its claims and who signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub claims: Claims,
    pub signer: Signer,
}

impl Deref for Verified {
    type Target = Claims;

    fn deref(&self) -> &Claims {
        &self.claims
    }
}

pub(super) fn accept(claims: Claims, signer: Signer) -> Result<Verified, TokenError> {
    if claims.sub.trim().is_empty() {
        return Err(TokenError::Invalid("the token has an empty `sub`".into()));
    }
    Ok(Verified { claims, signer })
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
    use super::*;

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

//! Unguessable values from the operating system's random source: ids, session tokens and
//! generated secrets. (A dozen lines over `getrandom`: no need for a full RNG crate.)

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // Failing to read the OS random source leaves nothing safe to do: there is no fallback.
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    bytes
}

/// An opaque id (144 random bits, 24 URL-safe characters), for users and sessions.
pub fn random_id() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<18>())
}

/// A bearer secret (256 random bits, 43 URL-safe characters), for session cookies.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// What is stored for a bearer secret (a session or link token): its SHA-256, URL-safe
/// base64, so a leaked table opens nothing.
pub fn digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// A shared secret for `BETTER_AUTH_SECRET`: 64 URL-safe characters (384 random bits), long
/// enough for HS256, HS384 and HS512 alike.
pub fn generate_secret() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<48>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_have_the_promised_shape_and_differ() {
        let (a, b) = (random_id(), random_id());
        assert_eq!(a.len(), 24);
        assert_ne!(a, b);
        assert_eq!(random_token().len(), 43);
        let secret = generate_secret();
        assert_eq!(secret.len(), 64);
        assert!(
            secret
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
}

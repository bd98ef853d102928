//! Better Auth's password hashes, kept by `import better-auth` so that nobody has to choose a
//! new password after the move. Each one is verified here until its owner's next successful
//! sign-in rehashes it to argon2id (see [`super::PasswordHasher::needs_rehash`]).
//!
//! The format, from Better Auth's `packages/better-auth/src/crypto/password.ts`: the salt is
//! 16 random bytes written as 32 hex digits, and *that text* is scrypt's salt; the key is
//! `scrypt(password.normalize("NFKC"), salt, N = 16384, r = 16, p = 1, dkLen = 64)`; the stored
//! value is `"{salt}:{hex(key)}"`.

use unicode_normalization::UnicodeNormalization;

const SALT_HEX: usize = 32;
const KEY_BYTES: usize = 64;

/// A stored value in Better Auth's format, split into its parts.
pub(super) struct Hash<'a> {
    salt: &'a str,
    key: [u8; KEY_BYTES],
}

impl<'a> Hash<'a> {
    /// `None` unless `stored` is exactly 32 lower-case hex digits, `:`, 128 hex digits.
    pub(super) fn parse(stored: &'a str) -> Option<Self> {
        let (salt, key_hex) = stored.split_once(':')?;
        let hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if salt.len() != SALT_HEX || key_hex.len() != KEY_BYTES * 2 || !hex(salt) || !hex(key_hex) {
            return None;
        }
        let mut key = [0u8; KEY_BYTES];
        for (byte, pair) in key.iter_mut().zip(key_hex.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(Self { salt, key })
    }

    /// Whether `password` is the one this hash was made from, compared in constant time.
    pub(super) fn verify(&self, password: &str) -> bool {
        let key = derive(password, self.salt);
        // Constant time, as Better Auth's own `constantTimeEqual`.
        key.iter()
            .zip(self.key)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// The same work as verifying a real hash, for an attempt whose account has none of this kind
/// (see [`super::PasswordHasher`]: every attempt costs the same once such hashes exist).
pub(super) fn dummy_verify(password: &str) {
    std::hint::black_box(derive(password, "00000000000000000000000000000000"));
}

fn derive(password: &str, salt: &str) -> [u8; KEY_BYTES] {
    let params = scrypt::Params::new(14, 16, 1, KEY_BYTES)
        .expect("Better Auth's scrypt parameters are valid");
    let normalized: String = password.nfkc().collect();
    let mut key = [0u8; KEY_BYTES];
    scrypt::scrypt(normalized.as_bytes(), salt.as_bytes(), &params, &mut key)
        .expect("a 64-byte key is a valid scrypt output length");
    key
}

/// A hash in Better Auth's format, made as Better Auth makes it: for tests.
#[cfg(test)]
pub(super) fn hash_for_tests(password: &str, salt: [u8; 16]) -> String {
    let salt: String = salt.iter().map(|b| format!("{b:02x}")).collect();
    let key: String = derive(password, &salt)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{salt}:{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by Better Auth 1.7.25's own `hashPassword` (node, `better-auth/crypto`).
    const FROM_BETTER_AUTH: &str = include_str!("better_auth_vector.txt");

    #[test]
    fn verifies_a_hash_better_auth_made() {
        let (password, stored) = FROM_BETTER_AUTH.trim().split_once('\n').unwrap();
        let hash = Hash::parse(stored).expect("Better Auth's format");
        assert!(hash.verify(password));
        assert!(!hash.verify(&format!("{password}!")));
        // NFKC, on both sides: the ligature "ﬁ" and the letters "fi" are one password.
        assert!(password.contains('ﬁ'));
        assert!(hash.verify(&password.replace('ﬁ', "fi")));
    }

    #[test]
    fn our_hashes_have_better_auths_shape_and_verify() {
        let stored = hash_for_tests("correct horse battery", [7; 16]);
        assert_eq!(stored.len(), 32 + 1 + 128);
        let hash = Hash::parse(&stored).unwrap();
        assert!(hash.verify("correct horse battery"));
        assert!(!hash.verify("correct horse batterY"));
    }

    #[test]
    fn other_formats_are_not_taken_for_better_auths() {
        let good = hash_for_tests("x", [1; 16]);
        for bad in [
            "",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            &good[..good.len() - 1],
            &good.replace(':', ";"),
            &good.to_uppercase(),
            &format!("{good}0"),
        ] {
            assert!(Hash::parse(bad).is_none(), "{bad}");
        }
    }
}

//! Asymmetric signing keys (`JWT_ALGORITHM` EdDSA, ES256 or RS256): generated here or read
//! from a PKCS#8 PEM, published as public JWKs, and named (`kid`) by their RFC 7638 SHA-256
//! thumbprint, so every instance that holds the same key gives it the same name.

use std::{fmt, str::FromStr, sync::Arc};

use base64::{Engine, engine::general_purpose::STANDARD};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation,
    jwk::{AlgorithmParameters, Jwk, PublicKeyUse, ThumbprintHash},
};

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// An algorithm that signs with a private key and verifies with a public one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// Ed25519 signatures: Better Auth's default, small and fast.
    EdDSA,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (2048-bit keys when generated here).
    RS256,
}

impl KeyAlgorithm {
    pub fn jwt(self) -> Algorithm {
        match self {
            Self::EdDSA => Algorithm::EdDSA,
            Self::ES256 => Algorithm::ES256,
            Self::RS256 => Algorithm::RS256,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::EdDSA => "EdDSA",
            Self::ES256 => "ES256",
            Self::RS256 => "RS256",
        }
    }

    fn key_type(self) -> &'static str {
        match self {
            Self::EdDSA => "an Ed25519",
            Self::ES256 => "a P-256 EC",
            Self::RS256 => "an RSA",
        }
    }
}

impl FromStr for KeyAlgorithm {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().to_ascii_uppercase().as_str() {
            "EDDSA" | "ED25519" => Ok(Self::EdDSA),
            "ES256" => Ok(Self::ES256),
            "RS256" => Ok(Self::RS256),
            _ => Err(()),
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error(
        "the private key is not {kind} private key in PKCS#8 PEM form for {algorithm}: {reason}"
    )]
    Unreadable {
        kind: &'static str,
        algorithm: KeyAlgorithm,
        reason: String,
    },
    #[error("the RSA key has {0} bits; at least {MIN_RSA_BITS} are required")]
    WeakRsa(usize),
    #[error("cannot generate a {0} key: {1}")]
    Generate(KeyAlgorithm, String),
}

/// A public key that verifies signatures of one algorithm.
pub struct VerifyingKey {
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

impl VerifyingKey {
    /// The key in a published JWK, if it is an asymmetric signing key this server can use.
    /// Symmetric (`oct`) keys and encryption keys are never accepted from a key set.
    pub fn from_jwk(jwk: &Jwk) -> Option<Self> {
        if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
            return None;
        }
        let algorithm = match (jwk.common.key_algorithm, &jwk.algorithm) {
            (Some(alg), _) => alg.to_string().parse::<Algorithm>().ok()?,
            // No `alg`: the one algorithm the key type implies.
            (None, AlgorithmParameters::OctetKeyPair(_)) => Algorithm::EdDSA,
            (None, AlgorithmParameters::RSA(_)) => Algorithm::RS256,
            (None, AlgorithmParameters::EllipticCurve(ec)) => match ec.curve {
                jsonwebtoken::jwk::EllipticCurve::P256 => Algorithm::ES256,
                jsonwebtoken::jwk::EllipticCurve::P384 => Algorithm::ES384,
                _ => return None,
            },
            (None, _) => return None,
        };
        let asymmetric = !matches!(
            algorithm,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        );
        let key_fits = matches!(
            (&jwk.algorithm, algorithm),
            (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA)
                | (
                    AlgorithmParameters::RSA(_),
                    Algorithm::RS256
                        | Algorithm::RS384
                        | Algorithm::RS512
                        | Algorithm::PS256
                        | Algorithm::PS384
                        | Algorithm::PS512
                )
                | (
                    AlgorithmParameters::EllipticCurve(_),
                    Algorithm::ES256 | Algorithm::ES384
                )
        );
        if !asymmetric || !key_fits {
            return None;
        }
        let key = DecodingKey::from_jwk(jwk).ok()?;
        Some(Self { algorithm, key })
    }
}

/// A private key this server signs with, and its public half.
pub struct SigningKey {
    kid: String,
    algorithm: KeyAlgorithm,
    encoding: EncodingKey,
    /// The public JWK, with `kid`, `alg` and `use: "sig"`; never a private part.
    public: Jwk,
    verifying: Arc<VerifyingKey>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    /// A fresh key and its PKCS#8 PEM (for storage).
    pub fn generate(algorithm: KeyAlgorithm) -> Result<(Self, String), KeyError> {
        let fail = |e: &dyn fmt::Display| KeyError::Generate(algorithm, e.to_string());
        let der = match algorithm {
            KeyAlgorithm::EdDSA => {
                use ed25519_dalek::pkcs8::{EncodePrivateKey, KeypairBytes};
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).map_err(|e| fail(&e))?;
                // PKCS#8 v1 (the seed only), as `openssl genpkey -algorithm ed25519` writes.
                KeypairBytes {
                    secret_key: seed,
                    public_key: None,
                }
                .to_pkcs8_der()
                .map_err(|e| fail(&e))?
            }
            KeyAlgorithm::ES256 => {
                use p256::pkcs8::EncodePrivateKey;
                // A random 32-byte string is a valid scalar but for a ~2^-32 chance: retry then.
                let secret = loop {
                    let mut bytes = [0u8; 32];
                    getrandom::fill(&mut bytes).map_err(|e| fail(&e))?;
                    if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
                        break secret;
                    }
                };
                secret.to_pkcs8_der().map_err(|e| fail(&e))?
            }
            KeyAlgorithm::RS256 => {
                use rsa::pkcs8::EncodePrivateKey;
                rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, MIN_RSA_BITS)
                    .map_err(|e| fail(&e))?
                    .to_pkcs8_der()
                    .map_err(|e| fail(&e))?
            }
        };
        let pem = pkcs8_pem(der.as_bytes());
        let key = Self::from_pem(algorithm, &pem).map_err(|e| fail(&e))?;
        Ok((key, pem))
    }

    /// The key in a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), checked: it must be of the
    /// algorithm's type, and a signature made with it must verify with its public half.
    pub fn from_pem(algorithm: KeyAlgorithm, pem: &str) -> Result<Self, KeyError> {
        let unreadable = |reason: String| KeyError::Unreadable {
            kind: algorithm.key_type(),
            algorithm,
            reason,
        };
        let pem = pem.trim().as_bytes();
        let encoding = match algorithm {
            KeyAlgorithm::EdDSA => EncodingKey::from_ed_pem(pem),
            KeyAlgorithm::ES256 => EncodingKey::from_ec_pem(pem),
            KeyAlgorithm::RS256 => EncodingKey::from_rsa_pem(pem),
        }
        .map_err(|e| unreadable(e.to_string()))?;
        let mut public = Jwk::from_encoding_key(&encoding, algorithm.jwt())
            .map_err(|e| unreadable(e.to_string()))?;
        if let AlgorithmParameters::RSA(rsa) = &public.algorithm {
            let modulus = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&rsa.n)
                .map_err(|e| unreadable(e.to_string()))?;
            let bits = modulus.iter().skip_while(|b| **b == 0).count() * 8;
            if bits < MIN_RSA_BITS {
                return Err(KeyError::WeakRsa(bits));
            }
        }
        let kid = public
            .thumbprint(ThumbprintHash::SHA256)
            .map_err(|e| unreadable(e.to_string()))?;
        public.common.key_id = Some(kid.clone());
        public.common.public_key_use = Some(PublicKeyUse::Signature);
        let verifying = VerifyingKey {
            algorithm: algorithm.jwt(),
            key: DecodingKey::from_jwk(&public).map_err(|e| unreadable(e.to_string()))?,
        };
        // A key whose public half does not verify its own signature is no key at all.
        let probe = jsonwebtoken::encode(
            &Header::new(algorithm.jwt()),
            &serde_json::json!({"sub": "probe", "exp": u64::MAX / 2}),
            &encoding,
        )
        .map_err(|e| unreadable(e.to_string()))?;
        jsonwebtoken::decode::<serde_json::Value>(
            &probe,
            &verifying.key,
            &Validation::new(algorithm.jwt()),
        )
        .map_err(|e| unreadable(format!("its public half does not verify it: {e}")))?;
        Ok(Self {
            kid,
            algorithm,
            encoding,
            public,
            verifying: Arc::new(verifying),
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    pub fn verifying(&self) -> Arc<VerifyingKey> {
        self.verifying.clone()
    }

    /// A JWT header naming this key.
    pub fn header(&self) -> Header {
        let mut header = Header::new(self.algorithm.jwt());
        header.kid = Some(self.kid.clone());
        header
    }

    pub fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }
}

/// DER bytes as a PKCS#8 PEM document.
fn pkcs8_pem(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_round_trip_through_pem_with_a_stable_kid() {
        for algorithm in [
            KeyAlgorithm::EdDSA,
            KeyAlgorithm::ES256,
            KeyAlgorithm::RS256,
        ] {
            let (key, pem) = SigningKey::generate(algorithm).unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
            let again = SigningKey::from_pem(algorithm, &pem).unwrap();
            assert_eq!(key.kid(), again.kid(), "{algorithm}");
            assert_eq!(key.kid().len(), 43, "a base64url SHA-256 thumbprint");
            let (other, _) = SigningKey::generate(algorithm).unwrap();
            assert_ne!(key.kid(), other.kid());
        }
    }

    #[test]
    fn the_public_jwk_holds_no_private_part() {
        for algorithm in [
            KeyAlgorithm::EdDSA,
            KeyAlgorithm::ES256,
            KeyAlgorithm::RS256,
        ] {
            let (key, _) = SigningKey::generate(algorithm).unwrap();
            let jwk = serde_json::to_value(key.public_jwk()).unwrap();
            let object = jwk.as_object().unwrap();
            for private in ["d", "p", "q", "dp", "dq", "qi", "k", "oth"] {
                assert!(!object.contains_key(private), "{algorithm}: {jwk}");
            }
            assert_eq!(jwk["kid"], key.kid());
            assert_eq!(jwk["alg"], algorithm.name());
            assert_eq!(jwk["use"], "sig");
            assert!(VerifyingKey::from_jwk(key.public_jwk()).is_some());
        }
    }

    #[test]
    fn a_key_of_another_type_is_refused_with_a_message() {
        let (_, ed_pem) = SigningKey::generate(KeyAlgorithm::EdDSA).unwrap();
        let err = SigningKey::from_pem(KeyAlgorithm::ES256, &ed_pem).unwrap_err();
        assert!(err.to_string().contains("P-256"), "{err}");
        let err = SigningKey::from_pem(KeyAlgorithm::EdDSA, "not a pem").unwrap_err();
        assert!(err.to_string().contains("PKCS#8"), "{err}");
    }

    #[test]
    fn key_sets_never_yield_symmetric_or_encryption_keys() {
        let oct: Jwk = serde_json::from_value(serde_json::json!({
            "kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA", "alg": "HS256", "kid": "x"
        }))
        .unwrap();
        assert!(VerifyingKey::from_jwk(&oct).is_none());
        let (key, _) = SigningKey::generate(KeyAlgorithm::EdDSA).unwrap();
        let mut enc = key.public_jwk().clone();
        enc.common.public_key_use = Some(PublicKeyUse::Encryption);
        assert!(VerifyingKey::from_jwk(&enc).is_none());
        // An Ed25519 key claiming to be an RSA one is refused.
        let mut lying = key.public_jwk().clone();
        lying.common.key_algorithm = Some(jsonwebtoken::jwk::KeyAlgorithm::RS256);
        assert!(VerifyingKey::from_jwk(&lying).is_none());
        // Without `alg`, the key type decides (Better Auth's keys carry one, others may not).
        let mut bare = key.public_jwk().clone();
        bare.common.key_algorithm = None;
        assert_eq!(
            VerifyingKey::from_jwk(&bare).unwrap().algorithm,
            Algorithm::EdDSA
        );
    }
}

//! API tokens (JWTs), wire-compatible with the Better Auth + FastAPI/PyJWT stack (claims `sub`,
//! `email`, `iat`, `exp`, and `iss`/`aud` when configured). Two ways to sign, as the seed's
//! two patterns:
//!
//! - **Shared secret** (HS256/384/512, the default): any peer holding `BETTER_AUTH_SECRET`
//!   verifies. Previous secrets can be listed for verification only, so rotating the secret
//!   signs nobody out.
//! - **Asymmetric keys** (EdDSA, ES256, RS256): Leptodo signs with a private key ([`keyring`])
//!   and publishes the public keys at `/api/auth/jwks`; tokens name their key with `kid`.
//!
//! Independently, tokens of an external issuer such as Better Auth are accepted when its key
//! set is configured ([`remote`]).
//!
//! Verification pins the algorithm to the key (so `alg: none`, algorithm swaps and HMAC with a
//! public key fail), requires `exp` and `sub`, honours `nbf`, allows [`LEEWAY_SECONDS`] of
//! clock skew, and refuses tokens longer than [`MAX_TOKEN_BYTES`] before parsing them.

mod algorithm;
mod claims;
pub mod cutoffs;
mod error;
pub mod keyring;
pub mod keys;
pub mod remote;
mod settings;
mod token_keys;

use std::time::Duration;

pub use algorithm::{JwtAlgorithm, SharedSecretAlgorithm};
pub use claims::{Claims, Signer, Verified, bearer_token};
pub use error::{TokenConfigError, TokenError, TokenSetupError};
pub use jsonwebtoken::jwk::Jwk;
pub use keys::{KeyAlgorithm, SigningKey, VerifyingKey};
pub use settings::TokenSettings;
pub use token_keys::TokenKeys;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: u64 = 30;
/// Longer tokens are refused unparsed: ours are a few hundred bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Default token lifetime: seven days, as in the seed stack.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

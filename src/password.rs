//! Passwords: the length rule and argon2id hashing.
//!
//! Hashing is deliberately slow (OWASP's argon2id parameters: 19 MiB, 2 passes, 1 lane), so it
//! runs on Tokio's blocking threads, never on the async workers, and a semaphore caps how many
//! hashes run at once: a flood of sign-ins queues instead of eating every core and 19 MiB per
//! attempt.
//!
//! Each running hash reuses one of at most that many 19 MiB work areas, kept for the process's
//! life: a flood of sign-ins costs a fixed amount of memory (permits × 19 MiB), rather than a
//! fresh allocation per attempt that the allocator keeps in per-thread arenas (`bench/run`'s
//! peak resident memory: 557 MiB without the reuse, 153 MiB with it).
//!
//! Hashes imported from Better Auth (scrypt, [`better_auth`]) verify too, until a successful
//! sign-in replaces them ([`PasswordHasher::needs_rehash`]). While any exist, every check does
//! the work of both kinds, so a failed sign-in takes the same time whichever kind the account
//! has, or whether it exists at all.

mod better_auth;

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, AtomicU64, Ordering},
};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{Output, ParamsString, PasswordHash, SaltString},
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::error::{Error, FieldError, Result};

pub use crate::rules::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};

/// A password that meets the length rule. Never printed.
#[derive(Clone)]
pub struct Password(SecretString);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    /// Checks a new password: the length rule ([`crate::rules::password_length`]).
    pub fn parse(raw: String) -> Result<Self, FieldError> {
        crate::rules::password_length(&raw)?;
        Ok(Self(raw.into()))
    }

    /// A password as typed at sign-in: not length-checked, except that absurd lengths are cut
    /// off before hashing (they could not have been set, so they fail to verify anyway).
    pub fn attempt(raw: String) -> Self {
        let cut = raw
            .char_indices()
            .nth(MAX_PASSWORD_CHARS + 1)
            .map_or(raw.len(), |(i, _)| i);
        let mut raw = raw;
        raw.truncate(cut);
        Self(raw.into())
    }
}

/// Hashes and verifies passwords off the async workers, a bounded number at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    areas: Arc<WorkAreas>,
    /// A hash of a random password, verified when the email is unknown so that an unknown
    /// email costs the same time as a wrong password.
    dummy_hash: Arc<str>,
    /// Whether the database may hold Better Auth hashes: then every check also does the other
    /// kind's work. Set from the database ([`PasswordHasher::note_imported_hashes`]) and as
    /// soon as a check meets one.
    imported: Arc<AtomicBool>,
    /// How many argon2 and scrypt computations checks have run (for the timing tests).
    work: Arc<[AtomicU64; 2]>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("available_permits", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

/// Indexes into [`PasswordHasher`]'s work counts.
const ARGON2: usize = 0;
const SCRYPT: usize = 1;

/// OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2 parameters are valid")
}

/// Argon2's work areas, reused: one per hash running at once.
#[derive(Default)]
struct WorkAreas(Mutex<Vec<Vec<Block>>>);

impl WorkAreas {
    /// Runs `f` with a work area of at least `blocks` blocks, then keeps it for the next hash.
    fn with<T>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
        let spare = self.0.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut area = spare.unwrap_or_default();
        if area.len() < blocks {
            area.resize(blocks, Block::default());
        }
        let result = f(&mut area[..blocks]);
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(area);
        result
    }
}

fn internal(what: &str) -> impl FnOnce(argon2::password_hash::Error) -> Error + '_ {
    move |e| Error::Internal(format!("{what}: {e}"))
}

fn hash_blocking(areas: &WorkAreas, password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    let salt_string = SaltString::encode_b64(&salt).map_err(internal("cannot encode a salt"))?;
    let params = params();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    areas
        .with(params.block_count(), |area| {
            argon2.hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, area)
        })
        .map_err(|e| Error::Internal(format!("cannot hash a password: {e}")))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(internal("cannot encode parameters"))?,
        salt: Some(salt_string.as_salt()),
        hash: Some(Output::new(&out).map_err(internal("cannot encode a hash"))?),
    };
    Ok(phc.to_string())
}

/// The most an argon2 hash may ask for, well above what this server makes (19 MiB, t = 2,
/// p = 1): a stored hash beyond it is never computed, since every sign-in of its email would
/// allocate and spend that much (an imported hash is the only way one gets here).
const MAX_ARGON2_MEMORY_KIB: u32 = 256 * 1024;
const MAX_ARGON2_PASSES: u32 = 16;
const MAX_ARGON2_LANES: u32 = 16;

/// An argon2 PHC string this server can and will check: `Err` says why not.
fn usable_argon2(stored: &str) -> std::result::Result<(), &'static str> {
    let parsed = PasswordHash::new(stored).map_err(|_| "not a PHC string")?;
    Algorithm::try_from(parsed.algorithm).map_err(|_| "not argon2")?;
    let params = Params::try_from(&parsed).map_err(|_| "unreadable argon2 parameters")?;
    if parsed.hash.is_none() || parsed.salt.is_none() {
        return Err("no hash or salt");
    }
    if params.m_cost() > MAX_ARGON2_MEMORY_KIB
        || params.t_cost() > MAX_ARGON2_PASSES
        || params.p_cost() > MAX_ARGON2_LANES
    {
        return Err("too costly");
    }
    Ok(())
}

fn verify_blocking(areas: &WorkAreas, password: &str, hash: &str) -> Result<bool> {
    let bad = |what: &str| Error::Internal(format!("bad stored hash: {what}"));
    if usable_argon2(hash) == Err("too costly") {
        tracing::warn!("a stored password hash asks for more than this server computes: refused");
        return Ok(false);
    }
    let parsed = PasswordHash::new(hash).map_err(internal("bad stored hash"))?;
    // Verification uses the algorithm and parameters stored in the hash, so hashes made with
    // other settings keep working.
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(internal("bad stored hash"))?;
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .map_err(|e| bad(&e.to_string()))?;
    let params = Params::try_from(&parsed).map_err(internal("bad stored hash"))?;
    let expected = parsed.hash.ok_or_else(|| bad("no hash"))?;
    let mut salt = [0u8; 64];
    let salt = parsed
        .salt
        .ok_or_else(|| bad("no salt"))?
        .decode_b64(&mut salt)
        .map_err(internal("bad stored hash"))?;
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    areas
        .with(params.block_count(), |area| {
            argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, area)
        })
        .map_err(|e| Error::Internal(format!("cannot verify a password: {e}")))?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out).map_err(internal("bad stored hash"))? == expected)
}

impl PasswordHasher {
    /// `max_concurrent` hashes run at once (at least one). Computes the dummy hash, which takes
    /// one hash's time.
    pub fn new(max_concurrent: usize) -> Result<Self> {
        let areas = Arc::new(WorkAreas::default());
        let dummy = hash_blocking(&areas, &crate::random::random_token())?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            areas,
            dummy_hash: dummy.into(),
            imported: Arc::new(AtomicBool::new(false)),
            work: Arc::default(),
        })
    }

    /// Whether a stored hash is one this hasher would not make (an imported Better Auth hash):
    /// after a successful check it should be replaced by [`PasswordHasher::hash`]'s.
    pub fn needs_rehash(stored: &str) -> bool {
        better_auth::Hash::parse(stored).is_some()
    }

    /// Whether `stored` is a hash this hasher can check: ours (argon2 PHC) or Better Auth's.
    pub fn is_known_format(stored: &str) -> bool {
        Self::needs_rehash(stored) || usable_argon2(stored).is_ok()
    }

    /// Whether `stored` is an argon2 hash whose parameters exceed what this server would ever
    /// compute (memory over 256 MiB, more than 16 passes or lanes). Better Auth's scrypt hashes
    /// have fixed parameters (N = 2^14), so they never do.
    pub fn is_too_costly(stored: &str) -> bool {
        usable_argon2(stored) == Err("too costly")
    }

    /// Tells the hasher whether the database holds imported hashes (see the module's text).
    pub fn note_imported_hashes(&self, present: bool) {
        self.imported.store(present, Ordering::Relaxed);
    }

    /// Whether checks currently do both kinds' work.
    pub fn checks_both_kinds(&self) -> bool {
        self.imported.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&WorkAreas) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::Internal("the password hasher is closed".into()))?;
        let areas = self.areas.clone();
        tokio::task::spawn_blocking(move || job(&areas))
            .await
            .map_err(|e| Error::Internal(format!("a password hashing task failed: {e}")))?
    }

    /// An argon2id PHC string for a new password.
    pub async fn hash(&self, password: &Password) -> Result<String> {
        let password = password.0.clone();
        self.run(move |areas| hash_blocking(areas, password.expose_secret()))
            .await
    }

    /// Whether `password` matches `hash`. With no hash (unknown email) a dummy hash is verified
    /// instead and the answer is `false`, in the same time.
    pub async fn verify(&self, password: &Password, hash: Option<String>) -> Result<bool> {
        let password = password.0.clone();
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let (imported, dummy) = (self.imported.clone(), self.dummy_hash.clone());
        let work = self.work.clone();
        let counted = move |kind: usize| work[kind].fetch_add(1, Ordering::Relaxed);
        let matches = self
            .run(move |areas| {
                let password = password.expose_secret();
                if let Some(theirs) = better_auth::Hash::parse(&hash) {
                    imported.store(true, Ordering::Relaxed);
                    let matches = theirs.verify(password);
                    // The argon2 work a hash of ours would have cost.
                    verify_blocking(areas, password, &dummy)?;
                    counted(ARGON2);
                    counted(SCRYPT);
                    return Ok(matches);
                }
                let matches = verify_blocking(areas, password, &hash)?;
                counted(ARGON2);
                if imported.load(Ordering::Relaxed) {
                    better_auth::dummy_verify(password);
                    counted(SCRYPT);
                }
                Ok(matches)
            })
            .await?;
        Ok(known && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rule_counts_characters_not_bytes() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse("12345678".into()).is_ok());
        // 8 characters, 16 bytes.
        assert!(Password::parse("éééééééé".into()).is_ok());
        assert!(Password::parse("x".repeat(128)).is_ok());
        let err = Password::parse("x".repeat(129)).unwrap_err();
        assert_eq!(err.code, "PASSWORD_TOO_LONG");
        assert_eq!(
            Password::parse("1234567".into()).unwrap_err().code,
            "PASSWORD_TOO_SHORT"
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let p = Password::parse("correct horse battery".into()).unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let hasher = PasswordHasher::new(2).unwrap();
        let p = Password::parse("correct horse battery".into()).unwrap();
        let a = hasher.hash(&p).await.unwrap();
        let b = hasher.hash(&p).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(hasher.verify(&p, Some(a.clone())).await.unwrap());
        let wrong = Password::attempt("correct horse battery!".into());
        assert!(!hasher.verify(&wrong, Some(a)).await.unwrap());
        // Unknown email: the dummy hash is checked, and the answer is always no — even for
        // the dummy's own password, which nobody knows anyway.
        assert!(!hasher.verify(&p, None).await.unwrap());
    }

    #[tokio::test]
    async fn better_auth_hashes_verify_and_every_check_then_costs_the_same() {
        let hasher = PasswordHasher::new(1).unwrap();
        let work = |h: &PasswordHasher| h.work.each_ref().map(|n| n.load(Ordering::Relaxed));
        let password = Password::attempt("correct horse battery".into());
        let wrong = Password::attempt("correct horse batterY".into());
        let ours = hasher.hash(&password).await.unwrap();
        let theirs = better_auth::hash_for_tests("correct horse battery", [9; 16]);
        assert!(PasswordHasher::needs_rehash(&theirs));
        assert!(!PasswordHasher::needs_rehash(&ours));
        assert!(PasswordHasher::is_known_format(&theirs) && PasswordHasher::is_known_format(&ours));
        assert!(!PasswordHasher::is_known_format("plain text"));
        // A hash that would have every sign-in allocate 1 GiB, and one of another algorithm.
        let costly = "$argon2id$v=19$m=1048576,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        assert!(PasswordHasher::is_too_costly(costly));
        assert!(!PasswordHasher::is_known_format(costly));
        assert!(!PasswordHasher::is_too_costly(&ours) && !PasswordHasher::is_too_costly(&theirs));
        assert!(!PasswordHasher::is_known_format(
            "$scrypt$ln=20,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
        ));

        // No imported hashes known: a check is one argon2 computation.
        assert!(!hasher.verify(&wrong, Some(ours.clone())).await.unwrap());
        assert!(!hasher.verify(&wrong, None).await.unwrap());
        assert_eq!(work(&hasher), [2, 0]);

        // Meeting a Better Auth hash turns on the double work, for every kind of attempt.
        assert!(
            hasher
                .verify(&password, Some(theirs.clone()))
                .await
                .unwrap()
        );
        assert!(hasher.checks_both_kinds());
        assert_eq!(work(&hasher), [3, 1]);
        for hash in [Some(theirs.clone()), Some(ours.clone()), None] {
            let before = work(&hasher);
            assert!(!hasher.verify(&wrong, hash).await.unwrap());
            let after = work(&hasher);
            assert_eq!([after[0] - before[0], after[1] - before[1]], [1, 1]);
        }
        assert!(hasher.verify(&password, Some(ours)).await.unwrap());

        // A database known to hold none: back to argon2 only.
        hasher.note_imported_hashes(false);
        let before = work(&hasher);
        assert!(!hasher.verify(&wrong, None).await.unwrap());
        assert_eq!(work(&hasher)[1], before[1]);
    }

    #[test]
    fn hashes_match_the_reference_implementation_both_ways() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let areas = WorkAreas::default();
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let ours = hash_blocking(&areas, "correct horse battery").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            reference
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(
            reference
                .verify_password(b"correct horse batterY", &parsed)
                .is_err()
        );

        // Theirs (also with other parameters and another variant) verifies here, and the
        // work area grows to the size a stored hash asks for.
        let salt = SaltString::encode_b64(b"sixteen byte salt").unwrap();
        let bigger = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(32 * 1024, 1, 1, Some(48)).unwrap(),
        );
        for argon2 in [&reference, &bigger] {
            let theirs = argon2
                .hash_password(b"correct horse battery", &salt)
                .unwrap()
                .to_string();
            assert!(verify_blocking(&areas, "correct horse battery", &theirs).unwrap());
            assert!(!verify_blocking(&areas, "correct horse batterY", &theirs).unwrap());
        }
        // One area, reused by every hash above (they ran one at a time).
        assert_eq!(areas.0.lock().unwrap().len(), 1);
        assert!(verify_blocking(&areas, "x", "not a hash").is_err());
    }
}

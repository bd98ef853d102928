//! Which secret signs the API tokens: `BETTER_AUTH_SECRET`, or `JWT_SECRET_KEY` (the FastAPI
//! side's name for the same value). In development, with neither set, one is generated once
//! and kept in the data folder, readable by its owner only; production refuses to start.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

use secrecy::{ExposeSecret, SecretString};

use crate::config::{Mode, Settings};

/// The file in the data folder that holds a generated development secret.
pub const DEV_SECRET_FILE: &str = "auth-secret";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "BETTER_AUTH_SECRET and JWT_SECRET_KEY are both set but differ: they name the same \
         shared secret, so set one of them, or make them equal"
    )]
    Mismatch,
    #[error(
        "no token secret: set BETTER_AUTH_SECRET (at least 32 characters; \
         `leptodo-server secret` prints a fresh one). Only development mode \
         (LEPTOS_ENV=dev) generates one by itself"
    )]
    Missing,
    #[error("cannot keep the development secret in {path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn non_empty(secret: &Option<SecretString>) -> Option<&SecretString> {
    secret
        .as_ref()
        .filter(|s| !s.expose_secret().trim().is_empty())
}

/// The secret to sign with, following the rules in the module comment.
pub fn resolve(settings: &Settings) -> Result<SecretString, SecretError> {
    let auth = &settings.auth;
    match (non_empty(&auth.secret), non_empty(&auth.jwt_secret_key)) {
        (Some(a), Some(b)) if a.expose_secret() != b.expose_secret() => Err(SecretError::Mismatch),
        (Some(s), _) | (None, Some(s)) => Ok(s.clone()),
        (None, None) if settings.mode == Mode::Dev => dev_secret(&settings.data_dir),
        (None, None) => Err(SecretError::Missing),
    }
}

/// Reads the generated development secret, creating it (mode 0600) on first use.
fn dev_secret(data_dir: &Path) -> Result<SecretString, SecretError> {
    let path = data_dir.join(DEV_SECRET_FILE);
    let fail = |source| SecretError::File {
        path: path.clone(),
        source,
    };
    match fs::read_to_string(&path) {
        Ok(existing) if !existing.trim().is_empty() => {
            tracing::info!(path = %path.display(), "using the development token secret");
            return Ok(SecretString::from(existing.trim().to_string()));
        }
        Ok(_) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(fail(err)),
    }
    fs::create_dir_all(data_dir).map_err(fail)?;
    let secret = leptodo::random::generate_secret();
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(fail)?;
    file.write_all(format!("{secret}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(fail)?;
    tracing::warn!(
        path = %path.display(),
        "no BETTER_AUTH_SECRET set: generated a development token secret and stored it there \
         (owner-only); set BETTER_AUTH_SECRET for production"
    );
    Ok(SecretString::from(secret))
}

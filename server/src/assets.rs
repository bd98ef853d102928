//! The site's bundle under `/pkg` (the WASM, its JS glue and the stylesheet): fingerprinted
//! URLs, precompressed files and cache headers.
//!
//! In production the server hashes the bundle's files when it starts, and pages ask for
//! `/pkg/leptodo.<version>.js` (and `.wasm`, `.css`). Such a URL always means the same bytes,
//! so it is served with `Cache-Control: public, max-age=31536000, immutable`: a returning
//! visitor loads nothing, and a new build has a new version that browsers fetch once. The plain
//! names (`/pkg/leptodo.js`) are still served, revalidated on every use (`no-cache`, with
//! `Last-Modified`); a version other than the current one is a 404, never stale bytes under a
//! name that promises otherwise. In development (`LEPTOS_ENV=DEV`, `cargo leptos watch`) the
//! bundle changes under a running server, so pages use the plain names.
//!
//! `cargo leptos build --release --precompress` (the scripts build so) writes `.br` and `.gz`
//! next to each file; a client that accepts them gets them with the matching
//! `Content-Encoding` (and `Vary: Accept-Encoding`), without compressing per request.

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// For a fingerprinted URL: its bytes never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For a plain name: the bytes change with each build, so check before each use.
pub const REVALIDATE: &str = "no-cache";
/// Hex digits of the content hash in a fingerprinted name (64 bits).
const VERSION_LEN: usize = 16;

/// The bundle folder and, in production, the version its files are served under.
#[derive(Debug, Clone)]
pub struct Bundle(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    /// The stem the build gives the bundle's files (`leptodo`: `leptodo.js`, `leptodo.wasm`...).
    name: String,
    version: Option<String>,
}

impl Bundle {
    /// The bundle in `dir`, whose files are named `name.*`. With `fingerprint`, their content
    /// hash becomes the version in the URLs; without it, or when there are no such files (a
    /// server started without a built site), pages use the plain names.
    pub fn load(dir: PathBuf, name: &str, fingerprint: bool) -> Self {
        let version = if fingerprint {
            version_of(&dir, name)
        } else {
            None
        };
        Self(Arc::new(Inner {
            dir,
            name: name.to_string(),
            version,
        }))
    }

    /// The content hash the URLs carry, if any.
    pub fn version(&self) -> Option<&str> {
        self.0.version.as_deref()
    }

    /// The file stem pages ask for: `leptodo.<version>`, or `leptodo` without fingerprints.
    pub fn public_name(&self) -> String {
        match &self.0.version {
            Some(version) => format!("{}.{version}", self.0.name),
            None => self.0.name.clone(),
        }
    }

    /// The file under the bundle folder that a request for `path` means, and its caching; `None`
    /// for a fingerprint that is not the current one.
    fn resolve(&self, path: &str) -> Option<(String, &'static str)> {
        let name = &self.0.name;
        let Some(rest) = path
            .strip_prefix(name.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
        else {
            return Some((path.to_string(), REVALIDATE));
        };
        let candidate = rest.get(..VERSION_LEN).filter(|v| is_version(v));
        match (candidate, &self.0.version) {
            (Some(asked), Some(current)) if asked == current => {
                Some((format!("{name}{}", &rest[VERSION_LEN..]), IMMUTABLE))
            }
            (Some(_), _) => None,
            (None, _) => Some((path.to_string(), REVALIDATE)),
        }
    }
}

fn is_version(text: &str) -> bool {
    text.len() == VERSION_LEN && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A hash of every `name.*` file in `dir` (names and contents, in name order), or `None` when
/// there is none or one cannot be read (then pages use the plain names, and the server says
/// why).
fn version_of(dir: &Path, name: &str) -> Option<String> {
    let prefix = format!("{name}.");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .collect();
    if files.is_empty() {
        return None;
    }
    files.sort();
    let mut hasher = Sha256::new();
    for file in &files {
        let bytes = match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(err) => {
                tracing::warn!(path = %file.display(), error = %err,
                    "cannot read the bundle: serving it without fingerprints");
                return None;
            }
        };
        hasher.update(file.file_name().unwrap_or_default().as_encoded_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    let digest = hasher.finalize();
    let mut version = String::with_capacity(VERSION_LEN);
    for byte in &digest[..VERSION_LEN / 2] {
        let _ = write!(version, "{byte:02x}");
    }
    Some(version)
}

/// `GET /pkg/*`: the bundle's files, precompressed when the client accepts it.
pub async fn serve(State(bundle): State<Bundle>, request: Request) -> Response {
    let path = request.uri().path().trim_start_matches('/').to_string();
    let Some((file, caching)) = bundle.resolve(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (mut parts, body) = request.into_parts();
    parts.uri = match Uri::try_from(format!("/{file}")) {
        Ok(uri) => uri,
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let files = ServeDir::new(&bundle.0.dir)
        .precompressed_br()
        .precompressed_gzip();
    let Ok(response) = files.oneshot(Request::from_parts(parts, body)).await;
    let mut response = response.map(Body::new);
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(caching));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// A file of the built site root (`public/`: `navigate.js`, `idiomorph.min.js`, the icon),
/// precompressed when the client accepts it. Those names stay the same across builds, so a
/// browser checks each before use (`no-cache`, answered with a 304 from `Last-Modified`): a
/// new build's pages never run an old build's script. `None` when `request` names no such
/// file, for the pages (and their 404) to answer. (leptos_axum's own file handler drops the
/// request's headers, so it can neither revalidate nor choose an encoding.)
pub fn site_file(
    root: PathBuf,
    request: &Request,
) -> impl Future<Output = Option<Response>> + Send + use<> {
    // The request's head, copied so no borrow of it (its body is not `Sync`) is held across
    // the file read.
    let probe = matches!(*request.method(), Method::GET | Method::HEAD).then(|| {
        let mut probe = Request::new(Body::empty());
        *probe.method_mut() = request.method().clone();
        *probe.uri_mut() = request.uri().clone();
        *probe.headers_mut() = request.headers().clone();
        probe
    });
    async move { serve_site_file(&root, probe?).await }
}

async fn serve_site_file(root: &Path, probe: Request) -> Option<Response> {
    let files = ServeDir::new(root)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip();
    let Ok(response) = files.oneshot(probe).await;
    if !(response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED) {
        return None;
    }
    let mut response = response.map(Body::new);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(version: Option<&str>) -> Bundle {
        Bundle(Arc::new(Inner {
            dir: PathBuf::from("unused"),
            name: "leptodo".into(),
            version: version.map(str::to_string),
        }))
    }

    #[test]
    fn fingerprinted_names_map_to_the_files_and_are_immutable() {
        let b = bundle(Some("0123456789abcdef"));
        assert_eq!(b.public_name(), "leptodo.0123456789abcdef");
        assert_eq!(
            b.resolve("leptodo.0123456789abcdef.wasm"),
            Some(("leptodo.wasm".into(), IMMUTABLE))
        );
        assert_eq!(
            b.resolve("leptodo.0123456789abcdef_bg.wasm"),
            Some(("leptodo_bg.wasm".into(), IMMUTABLE))
        );
        assert_eq!(
            b.resolve("leptodo.js"),
            Some(("leptodo.js".into(), REVALIDATE))
        );
        assert_eq!(
            b.resolve("snippets/x/inline0.js"),
            Some(("snippets/x/inline0.js".into(), REVALIDATE))
        );
        // Another build's fingerprint is gone, not served with the current bytes.
        assert_eq!(b.resolve("leptodo.fedcba9876543210.js"), None);
    }

    #[test]
    fn without_fingerprints_every_name_is_plain() {
        let b = bundle(None);
        assert_eq!(b.public_name(), "leptodo");
        assert_eq!(
            b.resolve("leptodo.css"),
            Some(("leptodo.css".into(), REVALIDATE))
        );
        assert_eq!(b.resolve("leptodo.0123456789abcdef.css"), None);
    }

    #[test]
    fn the_version_follows_the_content() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(version_of(dir.path(), "leptodo"), None);
        std::fs::write(dir.path().join("leptodo.js"), b"one").unwrap();
        std::fs::write(dir.path().join("other.js"), b"not ours").unwrap();
        let first = version_of(dir.path(), "leptodo").unwrap();
        assert!(is_version(&first), "{first}");
        assert_eq!(version_of(dir.path(), "leptodo").as_ref(), Some(&first));
        std::fs::write(dir.path().join("other.js"), b"still not ours").unwrap();
        assert_eq!(version_of(dir.path(), "leptodo").as_ref(), Some(&first));
        std::fs::write(dir.path().join("leptodo.js"), b"two").unwrap();
        assert_ne!(version_of(dir.path(), "leptodo").as_ref(), Some(&first));
    }
}

//! Configuration: one typed struct, read once at start from flags, the environment and an
//! optional `.env` file (environment wins over `.env`; flags win over both).

mod limits;
mod mail;
mod serving;
pub use limits::LimitOptions;
pub use mail::MailOptions;
pub use serving::{LogFormat, ServingOptions};

use std::{convert::Infallible, net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};
use leptodo::{throttle::LimitSetting, tokens::JwtAlgorithm};
use leptos::config::{Env, LeptosOptions};
use secrecy::SecretString;

/// Leptodo: a full-stack Rust todo app with accounts.
///
/// Every option can also be set with the environment variable shown next to it, or in a
/// `.env` file in the working directory (see `.env.example`).
#[derive(Debug, Parser)]
#[command(name = "leptodo-server", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the app (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print a freshly generated secret for BETTER_AUTH_SECRET and exit.
    Secret,
    /// Make a fresh signing key current (JWT_ALGORITHM EdDSA, ES256 or RS256) and exit. The
    /// old keys stay published, and keep verifying, until the tokens they signed expire;
    /// running instances pick the new key up within a minute.
    RotateKey,
    /// Bring accounts and tasks from the stack Leptodo replaces (Better Auth + FastAPI) into
    /// the database DATABASE_URL names, then exit. Safe to re-run; `--dry-run` writes nothing.
    #[command(subcommand)]
    Import(Import),
}

/// What `import` brings in (README: "Moving from Next.js + Better Auth + FastAPI").
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Import {
    /// Users (ids kept), their passwords (Better Auth's hashes, rehashed at first sign-in)
    /// and, with --sessions, their live sessions, from a Better Auth database.
    BetterAuth {
        /// The Better Auth database: a SQLite file (path or sqlite: URL) or a Postgres URL.
        #[arg(long, value_name = "DATABASE_URL")]
        from: String,
        /// Also bring live sessions, so nobody is signed out by the move.
        #[arg(long)]
        sessions: bool,
        /// Report what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Task rows (ids kept) from the FastAPI back end's database, for users already imported.
    Tasks {
        /// The FastAPI database: a SQLite file (path or sqlite: URL) or a Postgres URL.
        #[arg(long, value_name = "DATABASE_URL")]
        from: String,
        /// The task table's name there.
        #[arg(long, default_value = "task")]
        table: String,
        /// Report what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: `sqlite://PATH` (created when missing) or `postgres://USER:PASS@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/leptodo.db",
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,

    /// Largest number of pooled database connections [default: SQLite 2 × cores for reads
    /// (writes have one connection of their own), Postgres 10].
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", global = true)]
    pub database_max_connections: Option<u32>,

    /// Address and port to listen on.
    #[arg(
        long = "addr",
        env = "LEPTOS_SITE_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub site_addr: SocketAddr,

    /// Folder holding the built site (the `pkg/` bundle and the public assets).
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: PathBuf,

    /// Sub-folder of the site root holding the WASM, JS and CSS bundle.
    #[arg(
        long,
        env = "LEPTOS_SITE_PKG_DIR",
        default_value = "pkg",
        global = true
    )]
    pub site_pkg_dir: String,

    /// Base name of the bundle files (`<name>.js`, `<name>.wasm`, `<name>.css`).
    #[arg(
        long,
        env = "LEPTOS_OUTPUT_NAME",
        default_value = "leptodo",
        global = true
    )]
    pub output_name: String,

    /// `prod`, or `dev` for development: live reload allowed by the page's security policy,
    /// the bundle under its plain names (it changes under a running server), a generated
    /// secret. Default: `dev` under `cargo leptos watch` (it sets `LEPTOS_WATCH`), else `prod`.
    #[arg(
        long = "env",
        env = "LEPTOS_ENV",
        default_value_t = Mode::default_for_process(),
        value_enum,
        ignore_case = true,
        global = true
    )]
    pub mode: Mode,

    /// Port of cargo-leptos's live-reload socket (development only).
    #[arg(
        long,
        env = "LEPTOS_RELOAD_PORT",
        default_value_t = 3001,
        global = true,
        hide = true
    )]
    pub reload_port: u32,

    /// Folder for files the server keeps besides the database (the development secret).
    #[arg(long, env = "LEPTODO_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    #[command(flatten)]
    pub auth: AuthOptions,

    #[command(flatten)]
    pub mail: MailOptions,

    #[command(flatten)]
    pub limits: LimitOptions,

    #[command(flatten)]
    pub serving: ServingOptions,
}

impl Settings {
    /// The public origin links in mail point to: `BETTER_AUTH_URL`, else the address served.
    pub fn public_url(&self) -> String {
        self.auth
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.site_addr))
    }
}

/// Accounts, tokens and the browser session. Names match the Better Auth + FastAPI stack.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Accounts and tokens")]
pub struct AuthOptions {
    /// Shared secret that signs API tokens (JWT) and that any peer verifying them must share.
    /// At least 32/48/64 bytes for HS256/384/512; `leptodo-server secret` prints one.
    #[arg(long, env = "BETTER_AUTH_SECRET", value_parser = secret, hide_env_values = true, global = true)]
    pub secret: Option<SecretString>,

    /// The FastAPI side's name for the same secret; if both are set they must be equal.
    #[arg(long, env = "JWT_SECRET_KEY", value_parser = secret, hide_env_values = true, global = true)]
    pub jwt_secret_key: Option<SecretString>,

    /// Earlier values of BETTER_AUTH_SECRET, comma-separated: tokens they signed still
    /// verify (until they expire), new tokens use the current secret. For rotating the secret
    /// without signing anyone out.
    #[arg(long, env = "BETTER_AUTH_PREVIOUS_SECRETS", value_delimiter = ',', value_parser = secret, hide_env_values = true, global = true)]
    pub previous_secrets: Vec<SecretString>,

    /// Token signing algorithm: HS256, HS384 or HS512 with the shared secret; EdDSA, ES256 or
    /// RS256 with a private key (public keys at /api/auth/jwks).
    #[arg(long, env = "JWT_ALGORITHM", default_value = "HS256", global = true)]
    pub jwt_algorithm: JwtAlgorithm,

    /// `false` stops `get-session` from sending an API token in its `set-auth-jwt` header
    /// (Better Auth's jwt plugin sends one; a front end that never reads it may turn it off).
    #[arg(long, env = "JWT_SESSION_HEADER", default_value = "true", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set, global = true)]
    pub jwt_session_header: bool,

    /// `true`: a well-signed token whose subject has no account here gets a first-seen account
    /// record (as an external issuer's users do) instead of a 401 `USER_NOT_FOUND` — for an old
    /// front end that keeps minting tokens during a move.
    #[arg(long, env = "JWT_PROVISION_UNKNOWN_SUBJECTS", default_value = "false", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set, global = true)]
    pub jwt_provision_unknown_subjects: bool,

    /// The private key to sign with (EdDSA, ES256, RS256): a PKCS#8 PEM, or the path of a file
    /// holding one. Unset: a key is generated and kept in the database.
    #[arg(long, env = "JWT_PRIVATE_KEY", value_parser = secret, hide_env_values = true, global = true)]
    pub jwt_private_key: Option<SecretString>,

    /// Also accept tokens of the issuer whose public keys (JWKS) are at this URL, e.g. a
    /// Better Auth at https://app.example.com/api/auth/jwks. The seed's name AUTH_JWKS_URL
    /// works too.
    #[arg(long, env = "JWT_JWKS_URL", global = true)]
    pub jwt_jwks_url: Option<String>,

    /// The seed stack's name for JWT_JWKS_URL.
    #[arg(long, env = "AUTH_JWKS_URL", global = true, hide = true)]
    pub auth_jwks_url: Option<String>,

    /// How long fetched JWKS keys are used before they are refreshed (in the background).
    #[arg(long, env = "JWT_JWKS_CACHE_TTL", default_value = "5m", value_parser = duration, global = true)]
    pub jwt_jwks_cache_ttl: Duration,

    /// The shortest gap between two JWKS fetches prompted by tokens naming unknown keys.
    #[arg(long, env = "JWT_JWKS_REFETCH_INTERVAL", default_value = "10s", value_parser = duration, global = true)]
    pub jwt_jwks_refetch_interval: Duration,

    /// `iss` put on issued tokens and required on incoming ones.
    #[arg(long, env = "JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,

    /// `aud` put on issued tokens and required on incoming ones.
    #[arg(long, env = "JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,

    /// Lifetime of issued API tokens: seconds, or a number with s, m, h or d (e.g. 7d, 12h).
    #[arg(long, env = "JWT_EXPIRES_IN", default_value = "7d", value_parser = duration, global = true)]
    pub jwt_expires_in: Duration,

    /// The app's public URL, e.g. https://todo.example.com. Its origin is trusted for
    /// cookie-authenticated requests and CORS; https makes the session cookie Secure.
    #[arg(long, env = "BETTER_AUTH_URL", value_parser = origin, global = true)]
    pub base_url: Option<String>,

    /// More origins allowed to call the API with cookies or from browsers (comma-separated).
    #[arg(long, env = "BETTER_AUTH_TRUSTED_ORIGINS", value_delimiter = ',', value_parser = origin, global = true)]
    pub trusted_origins: Vec<String>,

    /// Sign-in attempts and sign-ups allowed per client IP: COUNT/PERIOD (10/60s, 5/15m) or off.
    #[arg(
        long,
        env = "AUTH_RATE_LIMIT_IP",
        default_value = "10/60s",
        global = true
    )]
    pub rate_limit_ip: LimitSetting,

    /// Sign-in attempts allowed per account email: COUNT/PERIOD or off.
    #[arg(
        long,
        env = "AUTH_RATE_LIMIT_ACCOUNT",
        default_value = "5/5m",
        global = true
    )]
    pub rate_limit_account: LimitSetting,

    /// `true` or `false`: whether the session cookie is `Secure` (with the `__Secure-` name),
    /// overriding the choice made from BETTER_AUTH_URL (https → Secure) — e.g. `true` behind
    /// a proxy that terminates TLS for an http:// BETTER_AUTH_URL. Better Auth's
    /// `advanced.useSecureCookies`.
    #[arg(long, env = "BETTER_AUTH_SECURE", value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub secure: Option<bool>,

    /// Take the client IP from the last X-Forwarded-For entry (only behind a proxy that sets it).
    #[arg(
        long,
        env = "TRUST_PROXY_HEADERS",
        default_value_t = false,
        global = true
    )]
    pub trust_proxy_headers: bool,

    /// Password hashes computed at once (each takes ~19 MiB and a core); 0 = number of cores.
    #[arg(
        long,
        env = "PASSWORD_HASH_CONCURRENCY",
        default_value_t = 0,
        global = true
    )]
    pub password_hash_concurrency: usize,
}

impl AuthOptions {
    /// Whether the session cookie must be `Secure` (the app is served over https).
    pub fn secure_cookies(&self) -> bool {
        self.secure.unwrap_or_else(|| {
            self.base_url
                .as_deref()
                .is_some_and(|url| url.starts_with("https://"))
        })
    }

    /// The external issuer's key set URL (JWT_JWKS_URL, else AUTH_JWKS_URL), if any.
    pub fn jwks_url(&self) -> Option<&str> {
        [&self.jwt_jwks_url, &self.auth_jwks_url]
            .into_iter()
            .flatten()
            .map(|url| url.trim())
            .find(|url| !url.is_empty())
    }

    pub fn hash_concurrency(&self) -> usize {
        match self.password_hash_concurrency {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

fn secret(value: &str) -> Result<SecretString, Infallible> {
    Ok(SecretString::from(value.to_string()))
}

/// The longest duration a setting accepts: 100 years. Longer ones are surely a typo, and the
/// instants they lead to (a token's `exp`) would not fit the dates they are written as.
pub const MAX_DURATION_SECS: u64 = 36_500 * 86_400;

/// `7d`, `12h`, `30m`, `90s` or `3600` (seconds), up to [`MAX_DURATION_SECS`].
pub fn duration(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    let usage =
        || format!("{value:?} is not a duration: use seconds or a number with s, m, h or d");
    let (number, unit) = match value.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => value.split_at(i),
        None => (value, "s"),
    };
    let number: u64 = number.parse().map_err(|err: std::num::ParseIntError| {
        if *err.kind() == std::num::IntErrorKind::PosOverflow {
            format!("{value:?} is too long: at most 36500d (100 years)")
        } else {
            usage()
        }
    })?;
    let unit_secs: u64 = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(usage()),
    };
    let seconds = number
        .checked_mul(unit_secs)
        .filter(|&seconds| seconds <= MAX_DURATION_SECS)
        .ok_or_else(|| format!("{value:?} is too long: at most 36500d (100 years)"))?;
    if seconds == 0 {
        return Err("the duration must be longer than 0".into());
    }
    Ok(Duration::from_secs(seconds))
}

/// The origin (`scheme://host[:port]`) of a URL, lower-cased and without a trailing path.
pub fn origin(value: &str) -> Result<String, String> {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .map(|r| ("https", r))
        .or_else(|| lower.strip_prefix("http://").map(|r| ("http", r)));
    let Some((scheme, rest)) = rest else {
        return Err(format!("{value:?} is not an http:// or https:// URL"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains('@') {
        return Err(format!("{value:?} has no host"));
    }
    Ok(format!("{scheme}://{host}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    #[value(alias = "development")]
    Dev,
    #[value(alias = "production")]
    Prod,
}

impl Mode {
    /// Development when cargo-leptos's watch mode started this process (it sets
    /// `LEPTOS_WATCH=true`, which also makes Leptos emit its live-reload script), production
    /// otherwise — any other value, or none, keeps production's defaults.
    pub fn default_for_process() -> Self {
        Self::default_when(
            std::env::var("LEPTOS_WATCH").is_ok_and(|value| value.eq_ignore_ascii_case("true")),
        )
    }

    pub fn default_when(watching: bool) -> Self {
        if watching { Self::Dev } else { Self::Prod }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Dev => "dev",
            Self::Prod => "prod",
        })
    }
}

impl Settings {
    /// The settings `leptodo-server FLAGS…` runs with, from its defaults and `flags` alone:
    /// neither the environment nor a `.env` file is read. So every setting has the default the
    /// command line documents, including settings added later.
    pub fn from_flags<I, T>(flags: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory, FromArgMatches};
        // No environment: neither variables nor `LEPTOS_WATCH`'s say in the mode's default.
        let command = Cli::command().mut_args(|arg| {
            let arg = arg.env(None);
            if arg.get_id() == "mode" {
                arg.default_value("prod")
            } else {
                arg
            }
        });
        let args = std::iter::once(std::ffi::OsString::from("leptodo-server"))
            .chain(flags.into_iter().map(Into::into));
        let matches = command.try_get_matches_from(args)?;
        Ok(Cli::from_arg_matches(&matches)?.settings)
    }

    /// Settings for a test server: production mode with `secret`, the database at
    /// `database_url`, a free port, the site and data folders in `dir`, a pool of 5, and no
    /// sign-in throttling (tests sign in far more often than a person would; the throttling
    /// tests set their own limits). Everything else as `leptodo-server` defaults it.
    pub fn for_tests(dir: &std::path::Path, database_url: &str, secret: &str) -> Self {
        let mut settings = Self::from_flags([
            "--env",
            "prod",
            "--addr",
            "127.0.0.1:0",
            "--database-max-connections",
            "5",
        ])
        .expect("the test flags parse");
        settings.database_url = database_url.to_string();
        // The pages render without a built bundle; only hydration needs it.
        settings.site_root = dir.join("site");
        settings.data_dir = dir.join("data");
        settings.auth.secret = Some(secret.to_string().into());
        settings.auth.rate_limit_ip = LimitSetting(None);
        settings.auth.rate_limit_account = LimitSetting(None);
        settings.limits.rate_limit_password_check = LimitSetting(None);
        settings.limits.rate_limit_mail = LimitSetting(None);
        // Tests write far faster than a person; the quota tests set their own.
        settings.limits.task_write_rate_limit = LimitSetting(None);
        settings
    }

    /// `DATABASE_MAX_CONNECTIONS`, or the default for the backend: SQLite reads are CPU-bound
    /// (more connections than 2 × cores add threads and page caches, not throughput); a
    /// Postgres connection mostly waits on the network.
    pub fn database_max_connections(&self) -> u32 {
        self.database_max_connections.unwrap_or_else(|| {
            match leptodo::db::Backend::from_url(&self.database_url) {
                Ok(leptodo::db::Backend::Postgres) => 10,
                _ => std::thread::available_parallelism().map_or(4, |n| 2 * n.get() as u32),
            }
        })
    }

    /// The options Leptos renders with, taken from these settings rather than from variables
    /// baked in at compile time, so the binary runs the same with or without cargo-leptos.
    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(self.output_name.as_str())
            .site_root(self.site_root.to_string_lossy().as_ref())
            .site_pkg_dir(self.site_pkg_dir.as_str())
            .site_addr(self.site_addr)
            .env(match self.mode {
                Mode::Dev => Env::DEV,
                Mode::Prod => Env::PROD,
            })
            .reload_port(self.reload_port)
            .build()
    }

    /// The WASM bundle the pages will ask for; its absence means the site was not built.
    pub fn wasm_bundle_path(&self) -> PathBuf {
        self.site_root
            .join(&self.site_pkg_dir)
            .join(format!("{}.wasm", self.output_name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_and_subcommands_parse() {
        let cli = Cli::try_parse_from([
            "leptodo-server",
            "migrate",
            "--database-url",
            "sqlite::memory:",
            "--env",
            "PROD",
        ])
        .unwrap();
        assert_eq!(cli.command, Some(Command::Migrate));
        assert_eq!(cli.settings.database_url, "sqlite::memory:");
        assert_eq!(cli.settings.mode, Mode::Prod);
        assert_eq!(cli.settings.leptos_options().env, Env::PROD);

        let cli = Cli::try_parse_from([
            "leptodo-server",
            "import",
            "tasks",
            "--from",
            "old/tasks.db",
            "--dry-run",
        ])
        .unwrap();
        let expected = Import::Tasks {
            from: "old/tasks.db".into(),
            table: "task".into(),
            dry_run: true,
        };
        assert_eq!(cli.command, Some(Command::Import(expected)));
    }

    #[test]
    fn durations_and_origins_parse() {
        assert_eq!(duration("7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(duration("3600").unwrap(), Duration::from_secs(3600));
        assert_eq!(duration("15m").unwrap(), Duration::from_secs(900));
        assert!(duration("0").is_err());
        assert!(duration("7 weeks").is_err());
        // Too long to mean anything: refused, never wrapped around or a panic.
        assert_eq!(duration("36500d").unwrap().as_secs(), MAX_DURATION_SECS);
        for huge in [
            "36501d",
            "300000000000000d",
            "18446744073709551615",
            "99999999999999999999h",
        ] {
            let err = duration(huge).unwrap_err();
            assert!(err.contains("too long"), "{huge}: {err}");
        }
        assert_eq!(
            origin("https://Todo.Example.com/app?x=1").unwrap(),
            "https://todo.example.com"
        );
        assert_eq!(
            origin("http://localhost:3000/").unwrap(),
            "http://localhost:3000"
        );
        assert!(origin("todo.example.com").is_err());
        assert!(origin("https://").is_err());
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let cli = Cli::try_parse_from([
            "leptodo-server",
            "--secret",
            "a-very-long-secret-value-that-must-not-leak-0123456789",
        ])
        .unwrap();
        assert!(!format!("{cli:?}").contains("must-not-leak"));
    }

    #[test]
    fn better_auth_secure_overrides_the_scheme() {
        let secure = |flags: &[&str]| Settings::from_flags(flags).unwrap().auth.secure_cookies();
        assert!(!secure(&[]));
        assert!(secure(&["--base-url", "https://todo.example.com"]));
        // Behind a proxy that terminates TLS: http inside, Secure cookies outside.
        assert!(secure(&[
            "--base-url",
            "http://todo.internal",
            "--secure",
            "true"
        ]));
        assert!(!secure(&[
            "--base-url",
            "https://todo.example.com",
            "--secure",
            "false"
        ]));
        assert!(secure(&["--secure", "1"]));
        assert!(Settings::from_flags(["--secure", "maybe"]).is_err());
    }

    #[test]
    fn a_bad_address_is_refused_with_a_message() {
        let err = Cli::try_parse_from(["leptodo-server", "--addr", "nowhere"]).unwrap_err();
        assert!(err.to_string().contains("--addr"), "{err}");
    }
}

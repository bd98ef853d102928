//! Configuration: one typed struct, read once at start from flags, the environment and an
//! optional `.env` file (environment wins over `.env`; flags win over both).

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use leptos::config::{Env, LeptosOptions};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the app (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
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

    /// Largest number of pooled database connections.
    #[arg(
        long,
        env = "DATABASE_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub database_max_connections: u32,

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

    /// `prod`, or `dev` for cargo-leptos's live-reload hooks (`cargo leptos watch` sets it).
    #[arg(
        long = "env",
        env = "LEPTOS_ENV",
        default_value = "prod",
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    #[value(alias = "development")]
    Dev,
    #[value(alias = "production")]
    Prod,
}

impl Settings {
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
    }

    #[test]
    fn a_bad_address_is_refused_with_a_message() {
        let err = Cli::try_parse_from(["leptodo-server", "--addr", "nowhere"]).unwrap_err();
        assert!(err.to_string().contains("--addr"), "{err}");
    }
}

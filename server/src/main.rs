use std::process::ExitCode;

use clap::Parser;
use leptodo_server::{Application, Cli, Command, shutdown, telemetry};

/// mimalloc rather than the system allocator: a task list allocates a few hundred small
/// strings and frees them on whichever worker thread ends the request, and glibc's malloc
/// (arena locks, consolidation) was a tenth of the list's CPU. See the README's
/// "Leptodo ÷ floor" for the measurement.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // `.env` fills in what the environment does not set; a missing file is fine.
    let dotenv = dotenvy::dotenv();
    let cli = Cli::parse();
    telemetry::init(cli.settings.serving.log_format);
    if let Err(err) = &dotenv
        && !err.not_found()
    {
        tracing::error!(error = %err, "cannot read .env");
        return ExitCode::FAILURE;
    }

    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Secret => {
            println!("{}", leptodo::random::generate_secret());
            Ok(())
        }
        Command::Migrate => {
            let db = leptodo::Database::connect(
                &settings.database_url,
                settings.database_max_connections(),
            )
            .await?;
            db.migrate().await?;
            let indexed = leptodo::tasks::reindex(&db).await?;
            tracing::info!(
                backend = db.backend().name(),
                indexed_tasks = indexed,
                "migrations applied"
            );
            db.close().await;
            Ok(())
        }
        Command::RotateKey => {
            let leptodo::tokens::JwtAlgorithm::Key(algorithm) = settings.auth.jwt_algorithm else {
                anyhow::bail!(
                    "JWT_ALGORITHM is {}: a shared secret has no key to rotate. To rotate \
                     BETTER_AUTH_SECRET, move its value to BETTER_AUTH_PREVIOUS_SECRETS and set \
                     a new one (README: \"Rotating the shared secret\")",
                    settings.auth.jwt_algorithm
                );
            };
            if settings.auth.jwt_private_key.is_some() {
                anyhow::bail!(leptodo::tokens::keyring::KeyRingError::Pinned);
            }
            let db = leptodo::Database::connect(
                &settings.database_url,
                settings.database_max_connections(),
            )
            .await?;
            db.migrate().await?;
            let kid = leptodo::tokens::keyring::KeyRing::rotate(&db, algorithm).await?;
            println!("{kid}");
            tracing::info!(
                kid,
                "new signing key; running instances switch to it within a minute, and the \
                 retired keys stay published until their tokens expire"
            );
            db.close().await;
            Ok(())
        }
        Command::Import(what) => leptodo_server::import::run(&settings, what).await,
        Command::Serve => {
            let app = Application::build(&settings).await?;
            tracing::info!(
                backend = app.database().backend().name(),
                "Leptodo listening on http://{}",
                app.local_addr()
            );
            if let Some(addr) = app.metrics_addr() {
                tracing::info!("metrics at http://{addr}/metrics");
            }
            app.run_until(shutdown::signal()).await?;
            tracing::info!("stopped");
            Ok(())
        }
    }
}

//! `leptodo-server import …`: runs an import into the database DATABASE_URL names, with a
//! progress line on a terminal and the report on standard output.

use std::io::{IsTerminal, Write};

use leptodo::import::{self, BetterAuthOptions, Progress, TasksOptions};

use crate::{Import, Settings};

pub async fn run(settings: &Settings, what: Import) -> anyhow::Result<()> {
    let db =
        leptodo::Database::connect(&settings.database_url, settings.database_max_connections())
            .await?;
    db.migrate().await?;
    let terminal = std::io::stderr().is_terminal();
    let mut shown = false;
    let mut progress = |p: Progress| {
        if terminal {
            // Back to the line's start and clear it, so a shorter line leaves nothing behind.
            eprint!("\r\x1b[2K{}: {} of {} read", p.what, p.done, p.total);
            let _ = std::io::stderr().flush();
            shown = true;
        }
    };
    let result = match what {
        Import::BetterAuth {
            from,
            sessions,
            dry_run,
        } => {
            let from = file_url(from);
            let options = BetterAuthOptions {
                from,
                sessions,
                dry_run,
            };
            import::import_better_auth(&db, &options, &mut progress).await
        }
        Import::Tasks {
            from,
            table,
            dry_run,
        } => {
            let options = TasksOptions {
                from: file_url(from),
                table,
                dry_run,
            };
            import::import_tasks(&db, &options, &mut progress).await
        }
    };
    if shown {
        eprintln!();
    }
    db.close().await;
    let report = result?;
    // A reader that stopped early (`| head`) is not an error of the import's.
    match write!(std::io::stdout().lock(), "{report}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// A plain path means a SQLite file.
fn file_url(from: String) -> String {
    if from.contains("://") || from.starts_with("sqlite:") {
        from
    } else {
        format!("sqlite:{from}")
    }
}

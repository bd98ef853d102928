use std::path::PathBuf;

use leptodo::Database;
use leptodo_server::{Application, Settings, config::Mode};
use tempfile::TempDir;

/// A running server, its database and the folder both live in (removed on drop).
pub struct TestApp {
    pub address: String,
    pub db: Database,
    pub client: reqwest::Client,
    pub dir: TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

pub fn test_settings(dir: &TempDir) -> Settings {
    Settings {
        database_url: format!("sqlite://{}", dir.path().join("leptodo.db").display()),
        database_max_connections: 5,
        site_addr: "127.0.0.1:0".parse().unwrap(),
        // The pages render without a built bundle; only hydration needs it.
        site_root: dir.path().join("site"),
        site_pkg_dir: "pkg".into(),
        output_name: "leptodo".into(),
        mode: Mode::Prod,
        reload_port: 3001,
    }
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let settings = test_settings(&dir);
    let app = Application::build(&settings).await.expect("the app builds");
    let address = format!("http://{}", app.local_addr());
    let db = app.database().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        db,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        dir,
    }
}

/// The server binary cargo built for these tests.
pub fn server_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_leptodo-server"))
}

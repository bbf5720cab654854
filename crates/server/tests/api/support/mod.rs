//! Starting an isolated Folio for one test, and talking to it like a client does.

mod cli;
mod client;
mod database;
pub mod event_stream;
mod metrics_text;
mod private_redis;
pub mod redis_keys;
mod socket;
pub mod stored_ids;
pub mod uploads;

pub use cli::run_folio;
pub use client::{Response, TestApp, forget_redis_keys};
pub use metrics_text::metric;
pub use private_redis::PrivateRedis;
pub use socket::TestSocket;

use folio_server::Config;

/// Starts Folio on a random port with its own database and Redis key prefix.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Like [`spawn_app`], with extra environment-style settings layered on top.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let test_id = uuid::Uuid::new_v4().simple().to_string();
    let database = database::TestDatabase::create(&test_id).await;
    let prefix = format!("folio-test:{test_id}:");
    let storage = StorageDir::new(&test_id);
    let redis_prefix = prefix.clone();
    let mut settings: Vec<(String, String)> = vec![
        ("DATABASE_URL".into(), database.url.clone()),
        ("REDIS_URL".into(), redis_url()),
        ("FOLIO_REDIS_PREFIX".into(), prefix),
        ("FOLIO_BIND".into(), "127.0.0.1:0".into()),
        (
            "FOLIO_STORAGE_DIR".into(),
            storage.path().display().to_string(),
        ),
        ("FOLIO_WORKERS".into(), "2".into()),
        ("FOLIO_EXPOSE_QUERY_COUNT".into(), "true".into()),
        // Every test comes from one address; the tests of limits turn them on.
        ("FOLIO_RATE_LIMITS".into(), "off".into()),
        (
            "FOLIO_LOG".into(),
            std::env::var("FOLIO_TEST_LOG").unwrap_or_else(|_| "off".into()),
        ),
    ];
    for (name, value) in overrides {
        settings.retain(|(existing, _)| existing != name);
        settings.push(((*name).to_owned(), (*value).to_owned()));
    }
    let config = Config::from_lookup(|name| {
        settings
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    })
    .expect("test configuration is valid");
    folio_server::telemetry::init(&config.log_filter, config.log_format);
    let running = folio_server::start(config).await.expect("Folio starts");
    let stop = running.handle();
    let audit_tally = running.audit_tally();
    let (address, metrics_address) = (running.address, running.metrics_address);
    tokio::spawn(running.serve());
    TestApp::new(address, database, redis_prefix, stop, audit_tally)
        .with_metrics_address(metrics_address)
        .with_storage(storage)
}

/// The test's own directory of uploaded files, removed when dropped.
pub struct StorageDir(std::path::PathBuf);

impl StorageDir {
    fn new(test_id: &str) -> Self {
        Self(std::env::temp_dir().join(format!("folio-test-files-{test_id}")))
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for StorageDir {
    fn drop(&mut self) {
        // Absent when the test stored nothing.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn admin_database_url() -> String {
    std::env::var("FOLIO_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub fn redis_url() -> String {
    std::env::var("FOLIO_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A username no other test uses (some assertions look across databases).
pub fn unique_username(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{}", &id[..20])
}

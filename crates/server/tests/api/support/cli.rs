//! Running the `folio` binary against a test's database and files, as an operator
//! would.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use super::{TestApp, redis_url};

/// Runs `folio <args>` against `app`'s database (and its files, when it keeps
/// any). The deadline only keeps a hung process from hanging the suite.
pub async fn run_folio(app: &TestApp, args: &[&str]) -> Output {
    let url = app.database_url().to_owned();
    let storage = app.storage_dir().map(std::path::Path::to_owned);
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    let run = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
        command
            .args(&args)
            .env_clear()
            .env("DATABASE_URL", &url)
            .env("REDIS_URL", redis_url())
            .env("FOLIO_LOG", "off")
            .stdin(Stdio::null());
        if let Some(storage) = storage {
            command.env("FOLIO_STORAGE_DIR", storage);
        }
        command.output().expect("run the folio binary")
    });
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("folio exits")
        .expect("the runner does not panic")
}

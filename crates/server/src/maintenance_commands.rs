//! `folio maintenance ...`: upkeep an operator runs by hand, through the same
//! application code as the recurring jobs.

use chrono::SecondsFormat;
use folio_application::jobs::upload_cleanup::{CleanUpUploads, CleanupReport};
use folio_postgres::{Database, PgUploadRepository};

use crate::blob_storage::ConfiguredBlobStorage;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::startup::{StartupError, migrate, operator_error};

/// Removes uploads never attached within the orphan TTL and files no upload
/// names; with `dry_run`, only finds them.
pub async fn cleanup_uploads(
    config: &Config,
    dry_run: bool,
) -> Result<CleanupReport, StartupError> {
    migrate(config).await?;
    let database = Database::connect(&config.database).await?;
    let blobs = ConfiguredBlobStorage::connect(&config.uploads).await?;
    CleanUpUploads::new(
        PgUploadRepository::new(database),
        blobs,
        SystemClock,
        config.jobs.upload_cleanup,
    )
    .pass(dry_run)
    .await
    .map_err(|error| operator_error(error.into(), String::new))
}

/// One tab-separated line per upload (`upload`, id, owner, created, storage key)
/// and per file (`file`, name), then a summary.
pub fn report_lines(report: &CleanupReport, dry_run: bool) -> Vec<String> {
    let uploads = report.orphans.iter().map(|upload| {
        format!(
            "upload\t{}\t{}\t{}\t{}",
            upload.id,
            upload.owner,
            upload.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            upload.key.original()
        )
    });
    let files = report
        .stray_files
        .iter()
        .map(|name| format!("file\t{name}"));
    let verb = if dry_run {
        "would be removed"
    } else {
        "removed"
    };
    let summary = format!(
        "{} upload(s) and {} file(s) {verb}",
        report.orphans.len(),
        report.stray_files.len()
    );
    uploads
        .chain(files)
        .chain(std::iter::once(summary))
        .collect()
}

//! `uploads.clean_up`: removes what uploads leave behind. An upload never attached
//! within the orphan TTL is deleted (its row marked, its files removed), and a file
//! that no live upload names and that is older than the TTL goes too: the files of
//! a deletion whose removal failed, the variants a job wrote for an upload deleted
//! meanwhile, a blob whose upload never committed. Idempotent: everything is
//! decided by condition, again at each step. `folio maintenance cleanup-uploads`
//! runs the same pass, or only reports it (`--dry-run`).

use std::collections::HashSet;
use std::time::Duration;

use folio_domain::{StorageKey, Upload, Variant};
use tracing::{info, warn};

use super::{JobError, JobHandler, RecurringJob};
use crate::ports::{BlobStorage, Clock, Job, NewJob, PortError, UploadRetention};

pub const KIND: &str = "uploads.clean_up";

/// Orphans removed per statement, so that no statement runs long.
const BATCH: u32 = 500;
/// At most this many batches of orphans per run; the next run goes on.
const MAX_BATCHES: u32 = 20;
/// Files listed per page of the blob store.
const PAGE: usize = 1000;
/// At most this many pages per run (a million files).
const MAX_PAGES: usize = 1000;

#[derive(Debug, Clone, Copy)]
pub struct UploadCleanupSettings {
    /// An upload never attached for this long is removed, and so is a file no live
    /// upload names once it is this old.
    pub orphan_ttl: chrono::Duration,
    /// How often the cleanup is enqueued.
    pub every: Duration,
}

impl Default for UploadCleanupSettings {
    fn default() -> Self {
        Self {
            orphan_ttl: chrono::Duration::hours(24),
            every: Duration::from_secs(3600),
        }
    }
}

impl UploadCleanupSettings {
    pub fn recurring(&self) -> RecurringJob {
        RecurringJob {
            job: NewJob::new(KIND),
            every: self.every,
        }
    }
}

/// What a pass removed, or would remove (a dry run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupReport {
    /// Uploads never attached within the TTL.
    pub orphans: Vec<Upload>,
    /// Files no live upload names, older than the TTL.
    pub stray_files: Vec<String>,
}

pub struct CleanUpUploads<R, B, C> {
    uploads: R,
    blobs: B,
    clock: C,
    orphan_ttl: chrono::Duration,
}

impl<R, B, C> CleanUpUploads<R, B, C>
where
    R: UploadRetention,
    B: BlobStorage,
    C: Clock,
{
    pub fn new(uploads: R, blobs: B, clock: C, settings: UploadCleanupSettings) -> Self {
        Self {
            uploads,
            blobs,
            clock,
            orphan_ttl: settings.orphan_ttl,
        }
    }

    /// One pass: removes orphans, then stray files; with `dry_run`, only finds them.
    pub async fn pass(&self, dry_run: bool) -> Result<CleanupReport, PortError> {
        let now = self.clock.now();
        let before = now - self.orphan_ttl;
        let orphans = if dry_run {
            self.uploads
                .orphans(before, BATCH.saturating_mul(MAX_BATCHES))
                .await?
        } else {
            self.remove_orphans(before, now).await?
        };
        let stray_files = self.stray_files(before, dry_run).await?;
        Ok(CleanupReport {
            orphans,
            stray_files,
        })
    }

    async fn remove_orphans(
        &self,
        before: folio_domain::Timestamp,
        now: folio_domain::Timestamp,
    ) -> Result<Vec<Upload>, PortError> {
        let mut removed = Vec::new();
        for _ in 0..MAX_BATCHES {
            let found = self.uploads.orphans(before, BATCH).await?;
            let ids: Vec<_> = found.iter().map(|upload| upload.id).collect();
            // Attached (or deleted) since it was found: the statement checks again.
            let batch = self.uploads.remove_orphans(&ids, before, now).await?;
            for upload in &batch {
                self.delete_files(&upload.key).await;
            }
            removed.extend(batch);
            if found.len() < usize::try_from(BATCH).unwrap_or(usize::MAX) {
                break;
            }
        }
        Ok(removed)
    }

    /// A file left behind here is found again as a stray file.
    async fn delete_files(&self, key: &StorageKey) {
        let names = std::iter::once(key.original())
            .chain(Variant::ALL.into_iter().map(|variant| key.variant(variant)));
        for name in names {
            if let Err(error) = self.blobs.delete(&name).await {
                warn!(%error, name, "could not remove an orphan upload's file");
            }
        }
    }

    /// Files of Folio's form that no live upload names, last changed before
    /// `before` (younger ones may belong to an upload being stored right now).
    /// Files of any other name are not Folio's and are left alone.
    async fn stray_files(
        &self,
        before: folio_domain::Timestamp,
        dry_run: bool,
    ) -> Result<Vec<String>, PortError> {
        let mut strays = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self.blobs.list(after.as_deref(), PAGE).await?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.name.clone());
            let old: Vec<(String, String)> = page
                .iter()
                .filter(|blob| blob.modified < before)
                .filter_map(|blob| {
                    StorageKey::parse_file(&blob.name).map(|(stem, _)| (blob.name.clone(), stem))
                })
                .collect();
            let stems: Vec<String> = old
                .iter()
                .map(|(_, stem)| stem.clone())
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            let live = if stems.is_empty() {
                HashSet::new()
            } else {
                self.uploads.live_stems(&stems).await?
            };
            for (name, stem) in old {
                if live.contains(&stem) {
                    continue;
                }
                if !dry_run {
                    self.blobs.delete(&name).await?;
                }
                strays.push(name);
            }
            if page.len() < PAGE {
                break;
            }
        }
        Ok(strays)
    }
}

impl<R, B, C> JobHandler for CleanUpUploads<R, B, C>
where
    R: UploadRetention,
    B: BlobStorage + 'static,
    C: Clock,
{
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let report = self.pass(false).await?;
        info!(
            orphans = report.orphans.len(),
            stray_files = report.stray_files.len(),
            "cleaned up uploads"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use folio_domain::{
        ContentHash, ImageType, OriginalName, StorageKey, Timestamp, Upload, UploadId,
        UploadStatus, UserId,
    };

    use super::*;
    use crate::ports::{MockClock, UploadRepository};
    use crate::test_support::{MemoryBlobs, MemoryUploads, now, running_job};

    fn clock() -> MockClock {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        clock
    }

    fn cleanup(
        uploads: &MemoryUploads,
        blobs: &MemoryBlobs,
    ) -> CleanUpUploads<MemoryUploads, MemoryBlobs, MockClock> {
        CleanUpUploads::new(
            uploads.clone(),
            blobs.clone(),
            clock(),
            UploadCleanupSettings::default(),
        )
    }

    fn hours_ago(hours: i64) -> Timestamp {
        now() - chrono::Duration::hours(hours)
    }

    /// An upload created at `created_at`, with its original and variants stored.
    async fn stored(
        uploads: &MemoryUploads,
        blobs: &MemoryBlobs,
        created_at: Timestamp,
        attached: bool,
    ) -> Upload {
        let owner = UserId::generate();
        let sha256 = ContentHash::of(owner.to_string().as_bytes());
        let id = UploadId::generate();
        let key = StorageKey::for_upload(id, owner, &sha256, ImageType::Png);
        let upload = Upload {
            id,
            owner,
            purpose: None,
            sha256,
            size: 1,
            image_type: ImageType::Png,
            width: 1,
            height: 1,
            status: UploadStatus::Ready,
            key: key.clone(),
            original_name: OriginalName::sanitize("a.png"),
            created_at,
            attached_at: attached.then_some(created_at),
        };
        uploads.insert(&upload).await.unwrap();
        for name in [
            key.original(),
            key.variant(Variant::Thumb),
            key.variant(Variant::Medium),
        ] {
            blobs.put(&name, b"x".to_vec()).await.unwrap();
            blobs.set_modified(&name, created_at);
        }
        upload
    }

    #[tokio::test]
    async fn old_unattached_uploads_go_with_their_files_and_the_rest_stays() {
        let (uploads, blobs) = (MemoryUploads::default(), MemoryBlobs::default());
        let orphan = stored(&uploads, &blobs, hours_ago(25), false).await;
        let attached = stored(&uploads, &blobs, hours_ago(48), true).await;
        let young = stored(&uploads, &blobs, hours_ago(23), false).await;

        let report = cleanup(&uploads, &blobs).pass(false).await.unwrap();

        assert_eq!(report.orphans, std::slice::from_ref(&orphan));
        assert!(report.stray_files.is_empty(), "{:?}", report.stray_files);
        assert!(!uploads.is_live(orphan.id));
        assert!(uploads.is_live(attached.id) && uploads.is_live(young.id));
        let names = blobs.names();
        assert!(!names.iter().any(|name| name.starts_with(orphan.key.stem())));
        assert_eq!(names.len(), 6, "the others' files stay: {names:?}");
    }

    #[tokio::test]
    async fn old_files_no_live_upload_names_go_and_young_or_foreign_ones_stay() {
        let (uploads, blobs) = (MemoryUploads::default(), MemoryBlobs::default());
        let kept = stored(&uploads, &blobs, hours_ago(48), true).await;
        let stem = "f".repeat(64);
        for (name, written) in [
            (format!("{stem}.png"), hours_ago(30)),
            (format!("{stem}-thumb.png"), hours_ago(30)),
            (format!("{}.png", "e".repeat(64)), hours_ago(1)),
            ("notes.txt".to_owned(), hours_ago(30)),
        ] {
            blobs.put(&name, b"x".to_vec()).await.unwrap();
            blobs.set_modified(&name, written);
        }

        let dry = cleanup(&uploads, &blobs).pass(true).await.unwrap();
        let listed_before = blobs.names().len();
        let report = cleanup(&uploads, &blobs).pass(false).await.unwrap();

        let strays = [format!("{stem}-thumb.png"), format!("{stem}.png")];
        assert_eq!(dry.stray_files, strays);
        assert_eq!(listed_before, 7, "a dry run removes nothing");
        assert_eq!(report.stray_files, strays);
        let names = blobs.names();
        assert_eq!(names.len(), 5, "{names:?}");
        assert!(names.contains(&kept.key.original()));
        assert!(names.contains(&"notes.txt".to_owned()));
    }

    #[tokio::test]
    async fn a_dry_run_reports_orphans_and_removes_nothing() {
        let (uploads, blobs) = (MemoryUploads::default(), MemoryBlobs::default());
        let orphan = stored(&uploads, &blobs, hours_ago(25), false).await;

        let report = cleanup(&uploads, &blobs).pass(true).await.unwrap();

        assert_eq!(report.orphans, std::slice::from_ref(&orphan));
        assert!(uploads.is_live(orphan.id));
        assert_eq!(blobs.names().len(), 3);
    }

    #[tokio::test]
    async fn the_job_runs_a_pass_and_recurs_with_its_period() {
        let (uploads, blobs) = (MemoryUploads::default(), MemoryBlobs::default());
        let orphan = stored(&uploads, &blobs, hours_ago(25), false).await;
        let job = running_job(NewJob::new(KIND));

        JobHandler::run(&cleanup(&uploads, &blobs), &job)
            .await
            .unwrap();

        assert!(!uploads.is_live(orphan.id));
        let recurring = UploadCleanupSettings::default().recurring();
        assert_eq!(
            (recurring.job.kind, recurring.every),
            (KIND, Duration::from_secs(3600))
        );
    }
}

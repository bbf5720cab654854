//! In-memory stand-ins for the upload ports: rows, blobs, and an image codec that
//! answers what the test tells it to.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use folio_domain::{
    ContentHash, DomainEvent, ImageType, Timestamp, Upload, UploadId, UploadLimits, UploadStatus,
    UserId, Variant,
};

use crate::ports::{
    BlobContent, BlobStorage, ByteRange, Conflict, ImageCodec, ImageRejection, PortError,
    PreparedImage, StoredBlob, UploadRepository, UploadRetention, UploadSettlement, Variants,
};

/// An upload and when it was deleted.
type Row = (Upload, Option<Timestamp>);

/// Upload rows, with the deleted ones kept and hidden, as the database does.
/// Clones share the rows.
#[derive(Default, Clone)]
pub struct MemoryUploads {
    rows: Arc<Mutex<Vec<Row>>>,
    /// Events settled uploads raised.
    settled: Arc<Mutex<Vec<DomainEvent>>>,
}

impl MemoryUploads {
    pub fn settled(&self) -> Vec<DomainEvent> {
        self.settled.lock().unwrap().clone()
    }

    pub fn mark_deleted_now(&self, id: UploadId) {
        for (upload, deleted) in self.rows.lock().unwrap().iter_mut() {
            if upload.id == id {
                *deleted = Some(crate::test_support::now());
            }
        }
    }

    fn live(&self, matches: impl Fn(&Upload) -> bool) -> Option<Upload> {
        self.rows
            .lock()
            .unwrap()
            .iter()
            .find(|(upload, deleted)| deleted.is_none() && matches(upload))
            .map(|(upload, _)| upload.clone())
    }

    /// Whether the upload is still live (not deleted).
    pub fn is_live(&self, id: UploadId) -> bool {
        self.live(|upload| upload.id == id).is_some()
    }

    pub fn status_of(&self, id: UploadId) -> Option<UploadStatus> {
        self.live(|upload| upload.id == id)
            .map(|upload| upload.status)
    }
}

impl UploadRepository for MemoryUploads {
    async fn insert(&self, upload: &Upload) -> Result<(), PortError> {
        if self
            .live(|row| row.owner == upload.owner && row.sha256 == upload.sha256)
            .is_some()
        {
            return Err(PortError::Conflict(Conflict::Upload));
        }
        self.rows.lock().unwrap().push((upload.clone(), None));
        Ok(())
    }

    async fn find(&self, id: UploadId) -> Result<Option<Upload>, PortError> {
        Ok(self.live(|upload| upload.id == id))
    }

    async fn find_by_content(
        &self,
        owner: UserId,
        sha256: ContentHash,
    ) -> Result<Option<Upload>, PortError> {
        Ok(self.live(|upload| upload.owner == owner && upload.sha256 == sha256))
    }

    async fn find_by_stem(&self, stem: &str) -> Result<Option<Upload>, PortError> {
        Ok(self.live(|upload| upload.key.stem() == stem))
    }

    async fn bytes_used(&self, owner: UserId) -> Result<u64, PortError> {
        Ok(self
            .rows
            .lock()
            .unwrap()
            .iter()
            .filter(|(upload, deleted)| deleted.is_none() && upload.owner == owner)
            .map(|(upload, _)| upload.size)
            .sum())
    }

    async fn mark_deleted(&self, id: UploadId, at: Timestamp) -> Result<bool, PortError> {
        let mut rows = self.rows.lock().unwrap();
        let row = rows
            .iter_mut()
            .find(|(upload, deleted)| upload.id == id && deleted.is_none());
        Ok(row.map(|(_, deleted)| *deleted = Some(at)).is_some())
    }

    async fn attach(&self, id: UploadId, owner: UserId, at: Timestamp) -> Result<bool, PortError> {
        let mut rows = self.rows.lock().unwrap();
        let row = rows.iter_mut().find(|(upload, deleted)| {
            upload.id == id && upload.owner == owner && deleted.is_none()
        });
        Ok(row
            .map(|(upload, _)| upload.attached_at = upload.attached_at.or(Some(at)))
            .is_some())
    }

    async fn attach_stems(
        &self,
        owner: UserId,
        stems: &[String],
        at: Timestamp,
    ) -> Result<u64, PortError> {
        let mut attached = 0;
        for (upload, deleted) in self.rows.lock().unwrap().iter_mut() {
            let named = stems.iter().any(|stem| stem == upload.key.stem());
            if named && upload.owner == owner && deleted.is_none() {
                upload.attached_at = upload.attached_at.or(Some(at));
                attached += 1;
            }
        }
        Ok(attached)
    }
}

impl UploadRetention for MemoryUploads {
    async fn orphans(
        &self,
        created_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<Upload>, PortError> {
        let mut found: Vec<Upload> = self
            .rows
            .lock()
            .unwrap()
            .iter()
            .filter(|(upload, deleted)| {
                deleted.is_none()
                    && upload.attached_at.is_none()
                    && upload.created_at < created_before
            })
            .map(|(upload, _)| upload.clone())
            .collect();
        found.sort_by_key(|upload| upload.created_at);
        found.truncate(usize::try_from(limit).unwrap());
        Ok(found)
    }

    async fn remove_orphans(
        &self,
        ids: &[UploadId],
        created_before: Timestamp,
        at: Timestamp,
    ) -> Result<Vec<Upload>, PortError> {
        let mut removed = Vec::new();
        for (upload, deleted) in self.rows.lock().unwrap().iter_mut() {
            if ids.contains(&upload.id)
                && deleted.is_none()
                && upload.attached_at.is_none()
                && upload.created_at < created_before
            {
                *deleted = Some(at);
                removed.push(upload.clone());
            }
        }
        Ok(removed)
    }

    async fn live_stems(&self, stems: &[String]) -> Result<HashSet<String>, PortError> {
        Ok(stems
            .iter()
            .filter(|stem| {
                self.live(|upload| upload.key.stem() == stem.as_str())
                    .is_some()
            })
            .cloned()
            .collect())
    }
}

impl UploadSettlement for MemoryUploads {
    async fn settle(
        &self,
        id: UploadId,
        status: UploadStatus,
        event: DomainEvent,
    ) -> Result<bool, PortError> {
        let mut rows = self.rows.lock().unwrap();
        let row = rows.iter_mut().find(|(upload, deleted)| {
            upload.id == id && deleted.is_none() && upload.status == UploadStatus::Processing
        });
        let Some((upload, _)) = row else {
            return Ok(false);
        };
        upload.status = status;
        self.settled.lock().unwrap().push(event);
        Ok(true)
    }
}

/// Blobs by name, written `now()` unless a test says otherwise; clones share them.
#[derive(Default, Clone)]
pub struct MemoryBlobs {
    blobs: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    modified: Arc<Mutex<HashMap<String, Timestamp>>>,
}

impl MemoryBlobs {
    /// Makes the blob look last written at `at`.
    pub fn set_modified(&self, name: &str, at: Timestamp) {
        self.modified.lock().unwrap().insert(name.to_owned(), at);
    }

    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.blobs.lock().unwrap().keys().cloned().collect();
        names.sort();
        names
    }
}

impl BlobStorage for MemoryBlobs {
    async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), PortError> {
        self.blobs.lock().unwrap().insert(name.to_owned(), bytes);
        Ok(())
    }

    async fn read(&self, name: &str) -> Result<Option<Vec<u8>>, PortError> {
        Ok(self.blobs.lock().unwrap().get(name).cloned())
    }

    async fn size(&self, name: &str) -> Result<Option<u64>, PortError> {
        Ok(self
            .blobs
            .lock()
            .unwrap()
            .get(name)
            .map(|bytes| u64::try_from(bytes.len()).unwrap()))
    }

    async fn open(&self, name: &str, range: ByteRange) -> Result<Option<BlobContent>, PortError> {
        let blobs = self.blobs.lock().unwrap();
        let Some(bytes) = blobs.get(name) else {
            return Ok(None);
        };
        let start = usize::try_from(range.start).unwrap();
        let end = start + usize::try_from(range.len).unwrap();
        let part = bytes[start..end].to_vec();
        Ok(Some(Box::pin(std::io::Cursor::new(part))))
    }

    async fn delete(&self, name: &str) -> Result<(), PortError> {
        self.blobs.lock().unwrap().remove(name);
        Ok(())
    }

    async fn list(&self, after: Option<&str>, limit: usize) -> Result<Vec<StoredBlob>, PortError> {
        let modified = self.modified.lock().unwrap().clone();
        let mut names: Vec<String> = self
            .names()
            .into_iter()
            .filter(|name| after.is_none_or(|after| name.as_str() > after))
            .collect();
        names.truncate(limit);
        Ok(names
            .into_iter()
            .map(|name| StoredBlob {
                modified: modified
                    .get(&name)
                    .copied()
                    .unwrap_or_else(crate::test_support::now),
                name,
            })
            .collect())
    }
}

/// An image codec that answers what it is told.
pub struct ScriptedImages {
    pub prepared: Result<PreparedImage, ImageRejection>,
    pub variants: Result<Variants, ImageRejection>,
}

impl Default for ScriptedImages {
    fn default() -> Self {
        Self {
            prepared: Ok(png(b"pixels")),
            variants: Ok(vec![
                (Variant::Thumb, b"small".to_vec()),
                (Variant::Medium, b"medium".to_vec()),
            ]),
        }
    }
}

/// A prepared 40×30 PNG received as `received`, cleaned to `clean-` + `received`.
pub fn png(received: &[u8]) -> PreparedImage {
    PreparedImage {
        image_type: ImageType::Png,
        width: 40,
        height: 30,
        received: ContentHash::of(received),
        received_size: u64::try_from(received.len()).unwrap(),
        clean: [b"clean-".as_slice(), received].concat(),
    }
}

impl ImageCodec for ScriptedImages {
    async fn prepare(
        &self,
        _path: &Path,
        _limits: UploadLimits,
    ) -> Result<Result<PreparedImage, ImageRejection>, PortError> {
        Ok(self.prepared.clone())
    }

    async fn variants(
        &self,
        _original: Vec<u8>,
        _image_type: ImageType,
        _limits: UploadLimits,
    ) -> Result<Result<Variants, ImageRejection>, PortError> {
        Ok(self.variants.clone())
    }
}

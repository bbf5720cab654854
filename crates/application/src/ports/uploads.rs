//! Uploads: their metadata (a repository), their bytes (a blob store) and what is
//! done to images (detection, decoding with limits, metadata stripping, resizing).
//!
//! These methods promise `Send` futures: the variants are made by a durable job,
//! which runs on a task of its own.

use std::collections::HashSet;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use folio_domain::{
    ContentHash, DomainEvent, ImageType, Timestamp, Upload, UploadId, UploadLimits, UploadStatus,
    UserId, Variant,
};

use super::PortError;

/// Upload rows. Deleted uploads are invisible to every lookup.
pub trait UploadRepository: Send + Sync {
    /// Stores a new upload; `Conflict(Upload)` when its owner already has one of
    /// the same content that is not deleted.
    fn insert(&self, upload: &Upload) -> impl Future<Output = Result<(), PortError>> + Send;

    fn find(&self, id: UploadId) -> impl Future<Output = Result<Option<Upload>, PortError>> + Send;

    /// The owner's upload of this content, if not deleted.
    fn find_by_content(
        &self,
        owner: UserId,
        sha256: ContentHash,
    ) -> impl Future<Output = Result<Option<Upload>, PortError>> + Send;

    /// The upload whose storage key has this stem, whatever its extension.
    fn find_by_stem(
        &self,
        stem: &str,
    ) -> impl Future<Output = Result<Option<Upload>, PortError>> + Send;

    /// Bytes of the owner's uploads that are not deleted.
    fn bytes_used(&self, owner: UserId) -> impl Future<Output = Result<u64, PortError>> + Send;

    /// Marks the upload deleted; `false` when it already was (or never existed).
    fn mark_deleted(
        &self,
        id: UploadId,
        at: Timestamp,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Marks `owner`'s upload attached (used somewhere), keeping the first time it
    /// was; `false` when it is not `owner`'s or is deleted. Attached uploads are
    /// never removed as orphans.
    fn attach(
        &self,
        id: UploadId,
        owner: UserId,
        at: Timestamp,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;

    /// Marks attached every upload of `owner` whose storage key has one of these
    /// stems; the others are left alone. How many are attached now.
    fn attach_stems(
        &self,
        owner: UserId,
        stems: &[String],
        at: Timestamp,
    ) -> impl Future<Output = Result<u64, PortError>> + Send;
}

/// The end of an upload's processing, written with its event in one transaction.
pub trait UploadSettlement: Send + Sync {
    /// Moves a processing upload to `status` and records `event` with the change;
    /// `false` (and no event) when it was not processing any more: deleted, or
    /// settled by an earlier attempt.
    fn settle(
        &self,
        id: UploadId,
        status: UploadStatus,
        event: DomainEvent,
    ) -> impl Future<Output = Result<bool, PortError>> + Send;
}

/// Finding what uploads leave behind (see `crate::jobs::upload_cleanup`).
pub trait UploadRetention: Send + Sync + 'static {
    /// Up to `limit` live uploads never attached and created before
    /// `created_before`, oldest first.
    fn orphans(
        &self,
        created_before: Timestamp,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Upload>, PortError>> + Send;

    /// Marks deleted those of `ids` that are still live, unattached and created
    /// before `created_before`; the uploads it marked.
    fn remove_orphans(
        &self,
        ids: &[UploadId],
        created_before: Timestamp,
        at: Timestamp,
    ) -> impl Future<Output = Result<Vec<Upload>, PortError>> + Send;

    /// Which of `stems` a live upload's storage key has.
    fn live_stems(
        &self,
        stems: &[String],
    ) -> impl Future<Output = Result<HashSet<String>, PortError>> + Send;
}

/// A blob as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub name: String,
    /// When it was last written.
    pub modified: Timestamp,
}

/// A part of a blob: `len` bytes from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub len: u64,
}

/// Bytes being read from a blob store.
pub type BlobContent = Pin<Box<dyn tokio::io::AsyncRead + Send>>;

/// Where the bytes of uploads live. Names are Folio's own (`StorageKey` file
/// names), never a client's.
pub trait BlobStorage: Send + Sync {
    /// Stores `bytes` under `name` atomically: readers see all of it or nothing.
    /// Storing the same name again replaces it.
    fn put(&self, name: &str, bytes: Vec<u8>)
    -> impl Future<Output = Result<(), PortError>> + Send;

    /// The whole blob (for blobs known to be bounded: uploads are).
    fn read(&self, name: &str) -> impl Future<Output = Result<Option<Vec<u8>>, PortError>> + Send;

    /// The blob's size in bytes, `None` when it does not exist.
    fn size(&self, name: &str) -> impl Future<Output = Result<Option<u64>, PortError>> + Send;

    /// Streams `range` of the blob; `None` when it does not exist.
    fn open(
        &self,
        name: &str,
        range: ByteRange,
    ) -> impl Future<Output = Result<Option<BlobContent>, PortError>> + Send;

    /// Removes the blob; removing one that does not exist is not an error.
    fn delete(&self, name: &str) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Up to `limit` blobs in ascending byte order of their names, starting after
    /// `after` (from the first when `None`): pages that stay correct while blobs
    /// are added or removed. Only blobs, never the store's own temporary files.
    fn list(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredBlob>, PortError>> + Send;

    /// A URL from which a client may fetch the blob itself, for a short while, when
    /// the store can serve clients directly (an S3 presigned URL); `None` when its
    /// bytes must go through Folio. `download_name` is the file name the client is
    /// offered (already sanitized). Says nothing about whether the blob exists.
    fn direct_link(
        &self,
        name: &str,
        download_name: &str,
    ) -> impl Future<Output = Result<Option<DirectLink>, PortError>> + Send {
        let _ = (name, download_name);
        async { Ok(None) }
    }
}

/// Where a client can fetch a blob from the store itself, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectLink {
    pub url: String,
    pub valid_for: Duration,
}

/// An image as received, checked and cleaned for serving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedImage {
    /// Detected from the content.
    pub image_type: ImageType,
    pub width: u32,
    pub height: u32,
    /// Hash and size of the bytes received.
    pub received: ContentHash,
    pub received_size: u64,
    /// What is stored and served: the image re-encoded, without its metadata (EXIF,
    /// GPS, comments).
    pub clean: Vec<u8>,
}

/// Why an image is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRejection {
    /// Not one of the accepted types; `detected` names what the content is, when
    /// it is recognisable at all.
    Unsupported { detected: Option<String> },
    /// Dimensions over the limits, found before any pixel is decoded.
    TooLarge { width: u32, height: u32 },
    /// It claims to be an accepted type but does not decode (truncated, corrupt, or
    /// it would need more memory than allowed).
    Undecodable { reason: String },
}

/// Each variant's encoded bytes.
pub type Variants = Vec<(Variant, Vec<u8>)>;

/// What Folio does to images.
pub trait ImageCodec: Send + Sync {
    /// Detects the type of the file at `path` from its content, decodes it within
    /// `limits` and re-encodes it without metadata.
    fn prepare(
        &self,
        path: &Path,
        limits: UploadLimits,
    ) -> impl Future<Output = Result<Result<PreparedImage, ImageRejection>, PortError>> + Send;

    /// The resized copies of a stored original, in `image_type.variant_type()`.
    fn variants(
        &self,
        original: Vec<u8>,
        image_type: ImageType,
        limits: UploadLimits,
    ) -> impl Future<Output = Result<Result<Variants, ImageRejection>, PortError>> + Send;
}

//! Uploading images, reading their metadata, deleting them and serving their files.
//! The bytes decide everything: the type is detected from the content, the storage
//! name is made from the owner and the content's hash, the client's file name is
//! only kept (sanitized) to be shown.

use std::path::Path;

use folio_domain::{
    Actor, ImageType, OriginalName, Permission, StorageKey, Upload, UploadId, UploadPurpose,
    UploadStatus, Variant,
};

use crate::Folio;
use crate::error::{AppError, FieldErrors, Resource};
use crate::jobs::upload_variants;
use crate::ports::{
    BlobContent, BlobStorage, ByteRange, Clock, Conflict, ImageCodec, PortError, Ports, UnitOfWork,
    UploadRepository, Work,
};

/// A file received from a client, staged where the image codec can read it.
#[derive(Debug, Clone, Copy)]
pub struct StagedUpload<'a> {
    pub path: &'a Path,
    /// The name the client gave; untrusted.
    pub file_name: &'a str,
    /// `avatar` or `article_image`, when given.
    pub purpose: Option<&'a str>,
}

/// A stored file about to be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The file's name in the blob store (its URL's last segment).
    pub name: String,
    pub image_type: ImageType,
    /// The owner's name for it, sanitized.
    pub download_name: String,
    pub size: u64,
}

impl<P: Ports> Folio<P> {
    /// Checks, cleans and stores an uploaded image; its variants are made by a job
    /// enqueued with it. The same content uploaded again by the same user answers
    /// the upload already stored.
    pub async fn store_upload(
        &self,
        actor: Actor,
        staged: StagedUpload<'_>,
    ) -> Result<Upload, AppError> {
        let purpose = staged
            .purpose
            .map(UploadPurpose::parse)
            .transpose()
            .map_err(|invalid| {
                AppError::Invalid(FieldErrors::single("purpose", invalid.message()))
            })?;
        let limits = self.upload_limits;
        let prepared = self
            .ports
            .images()
            .prepare(staged.path, limits)
            .await?
            .map_err(AppError::ImageRejected)?;
        if prepared.received_size > limits.max_bytes {
            return Err(AppError::PayloadTooLarge {
                limit: limits.max_bytes,
            });
        }
        let uploads = self.ports.uploads();
        if let Some(existing) = uploads
            .find_by_content(actor.user_id, prepared.received)
            .await?
        {
            return Ok(existing);
        }
        let size = u64::try_from(prepared.clean.len()).unwrap_or(u64::MAX);
        let used = uploads.bytes_used(actor.user_id).await?;
        if used.saturating_add(size) > limits.quota_bytes {
            return Err(AppError::QuotaExceeded {
                quota: limits.quota_bytes,
            });
        }
        let id = UploadId::generate();
        let key =
            StorageKey::for_upload(id, actor.user_id, &prepared.received, prepared.image_type);
        let upload = Upload {
            id,
            owner: actor.user_id,
            purpose,
            sha256: prepared.received,
            size,
            image_type: prepared.image_type,
            width: prepared.width,
            height: prepared.height,
            status: UploadStatus::Processing,
            key: key.clone(),
            original_name: OriginalName::sanitize(staged.file_name),
            created_at: self.ports.clock().now(),
            attached_at: None,
        };
        self.ports
            .blobs()
            .put(&key.original(), prepared.clean)
            .await?;
        let recorded = self.record_upload(&upload).await;
        if recorded.is_err() {
            // No row names this blob (each upload has a name of its own), so a
            // failed upload, or one that lost the race below, leaves nothing behind.
            if let Err(cleanup) = self.ports.blobs().delete(&key.original()).await {
                tracing::warn!(error = %cleanup, "could not remove the blob of a failed upload");
            }
        }
        match recorded {
            Ok(()) => Ok(upload),
            // The same content, uploaded at the same moment, was recorded first.
            Err(PortError::Conflict(Conflict::Upload)) => uploads
                .find_by_content(actor.user_id, prepared.received)
                .await?
                .ok_or(AppError::NotFound(Resource::Upload)),
            Err(error) => Err(error.into()),
        }
    }

    async fn record_upload(&self, upload: &Upload) -> Result<(), PortError> {
        let mut work = self.ports.unit_of_work().begin().await?;
        work.uploads().insert(upload).await?;
        work.enqueue(upload_variants::job(upload.id));
        work.commit().await?;
        Ok(())
    }

    /// An upload's metadata: its owner's, and anyone's once it is attached.
    /// Others are told it does not exist.
    pub async fn upload(&self, viewer: Option<Actor>, id: UploadId) -> Result<Upload, AppError> {
        let upload = self
            .ports
            .uploads()
            .find(id)
            .await?
            .ok_or(AppError::NotFound(Resource::Upload))?;
        let permission = Permission::ViewUpload {
            owner: upload.owner,
            attached: upload.attached_at.is_some(),
        };
        let allowed = match viewer {
            Some(actor) => actor.may(permission),
            None => upload.attached_at.is_some(),
        };
        if allowed {
            Ok(upload)
        } else {
            Err(AppError::NotFound(Resource::Upload))
        }
    }

    /// Deletes an upload (its owner or a moderator) and its files.
    pub async fn delete_upload(&self, actor: Actor, id: UploadId) -> Result<(), AppError> {
        let uploads = self.ports.uploads();
        let upload = uploads
            .find(id)
            .await?
            .ok_or(AppError::NotFound(Resource::Upload))?;
        if !actor.may(Permission::DeleteUpload {
            owner: upload.owner,
        }) {
            return Err(AppError::Forbidden);
        }
        if !uploads.mark_deleted(id, self.ports.clock().now()).await? {
            return Err(AppError::NotFound(Resource::Upload));
        }
        let names = std::iter::once(upload.key.original()).chain(
            Variant::ALL
                .into_iter()
                .map(|variant| upload.key.variant(variant)),
        );
        for name in names {
            // The row is gone, so nothing serves the file any more; one left behind by
            // a failure here costs space only.
            if let Err(error) = self.ports.blobs().delete(&name).await {
                tracing::warn!(%error, "could not remove a deleted upload's file");
            }
        }
        Ok(())
    }

    /// The stored file of this name: an upload's original or one of its variants.
    /// Any name Folio did not make is not found, before any lookup.
    pub async fn file(&self, name: &str) -> Result<StoredFile, AppError> {
        let not_found = || AppError::NotFound(Resource::File);
        let (stem, variant) = StorageKey::parse_file(name).ok_or_else(not_found)?;
        let upload = self
            .ports
            .uploads()
            .find_by_stem(&stem)
            .await?
            .ok_or_else(not_found)?;
        if upload.key.file(variant) != name
            || (variant.is_some() && upload.status != UploadStatus::Ready)
        {
            return Err(not_found());
        }
        let size = self.ports.blobs().size(name).await?.ok_or_else(not_found)?;
        let image_type = match variant {
            None => upload.image_type,
            Some(_) => upload.image_type.variant_type(),
        };
        let download_name = match variant {
            None => upload.original_name.as_str().to_owned(),
            Some(variant) => format!("{}-{}", variant.as_str(), upload.original_name.as_str()),
        };
        Ok(StoredFile {
            name: name.to_owned(),
            image_type,
            download_name,
            size,
        })
    }

    /// `range` of a file `file` found.
    pub async fn file_content(
        &self,
        file: &StoredFile,
        range: ByteRange,
    ) -> Result<BlobContent, AppError> {
        self.ports
            .blobs()
            .open(&file.name, range)
            .await?
            .ok_or(AppError::NotFound(Resource::File))
    }
}

//! `uploads.make_variants`: makes an upload's resized copies (`thumb`, `medium`)
//! after the upload committed, then settles it `ready` (`upload.ready`) or, when
//! the image cannot be resized, `failed` (`upload.failed`). Idempotent: variants
//! are written under fixed names (a rerun replaces them with the same bytes), and
//! only a processing upload is settled.

use folio_domain::{DomainEvent, UploadId, UploadLimits, UploadStatus};
use uuid::Uuid;

use super::{JobError, JobHandler};
use crate::ports::{BlobStorage, ImageCodec, Job, NewJob, UploadRepository, UploadSettlement};

pub const KIND: &str = "uploads.make_variants";

/// The job that makes `upload`'s variants.
pub fn job(upload: UploadId) -> NewJob {
    NewJob::new(KIND).field("upload", upload)
}

pub struct MakeUploadVariants<U, B, I, S> {
    uploads: U,
    blobs: B,
    images: I,
    settlement: S,
    limits: UploadLimits,
}

impl<U, B, I, S> MakeUploadVariants<U, B, I, S>
where
    U: UploadRepository + 'static,
    B: BlobStorage + 'static,
    I: ImageCodec + 'static,
    S: UploadSettlement + 'static,
{
    pub fn new(uploads: U, blobs: B, images: I, settlement: S, limits: UploadLimits) -> Self {
        Self {
            uploads,
            blobs,
            images,
            settlement,
            limits,
        }
    }

    async fn settle(
        &self,
        id: UploadId,
        status: UploadStatus,
        event: DomainEvent,
    ) -> Result<(), JobError> {
        self.settlement.settle(id, status, event).await?;
        Ok(())
    }
}

impl<U, B, I, S> JobHandler for MakeUploadVariants<U, B, I, S>
where
    U: UploadRepository + 'static,
    B: BlobStorage + 'static,
    I: ImageCodec + 'static,
    S: UploadSettlement + 'static,
{
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let id = job
            .field("upload")
            .and_then(|text| Uuid::parse_str(text).ok())
            .map(UploadId::from_uuid)
            .ok_or_else(|| JobError::permanent("the job names no upload"))?;
        let Some(upload) = self.uploads.find(id).await? else {
            return Ok(()); // deleted since
        };
        if upload.status != UploadStatus::Processing {
            return Ok(()); // settled by an earlier attempt
        }
        let failed = DomainEvent::UploadFailed {
            upload: id,
            owner: upload.owner,
        };
        let Some(original) = self.blobs.read(&upload.key.original()).await? else {
            tracing::warn!(upload = %id, "the original of an upload is missing");
            return self.settle(id, UploadStatus::Failed, failed).await;
        };
        let variants = match self
            .images
            .variants(original, upload.image_type, self.limits)
            .await?
        {
            Ok(variants) => variants,
            Err(rejection) => {
                tracing::warn!(upload = %id, ?rejection, "could not make an upload's variants");
                return self.settle(id, UploadStatus::Failed, failed).await;
            }
        };
        for (variant, bytes) in variants {
            self.blobs.put(&upload.key.variant(variant), bytes).await?;
        }
        let ready = DomainEvent::UploadReady {
            upload: id,
            owner: upload.owner,
        };
        self.settle(id, UploadStatus::Ready, ready).await
    }
}

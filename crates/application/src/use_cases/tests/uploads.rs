//! Uploads: storing, deduplication, limits, permissions, files, and the job that
//! makes the variants.

use std::path::Path;

use folio_domain::{
    Actor, DomainEvent, Role, UploadId, UploadLimits, UploadStatus, UserId, Variant,
};

use crate::error::{AppError, Resource};
use crate::jobs::JobHandler;
use crate::jobs::upload_variants::{self, MakeUploadVariants};
use crate::ports::{ByteRange, ImageRejection, Job};
use crate::test_support::{
    MemoryBlobs, MemoryUploads, MockPorts, ScriptedImages, folio, now, running_job,
};
use crate::use_cases::uploads::StagedUpload;

fn member() -> Actor {
    Actor::new(UserId::generate(), Role::Member)
}

fn ports() -> MockPorts {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
}

fn staged(name: &str) -> StagedUpload<'_> {
    StagedUpload {
        path: Path::new("/nonexistent"),
        file_name: name,
        purpose: Some("avatar"),
    }
}

#[tokio::test]
async fn an_upload_is_stored_processing_with_its_variants_job() {
    let folio = folio(ports());
    let owner = member();

    let upload = folio
        .store_upload(owner, staged("../../holiday photo.jpg"))
        .await
        .unwrap();

    assert_eq!(upload.status, UploadStatus::Processing);
    assert_eq!(upload.owner, owner.user_id);
    assert_eq!(upload.original_name.as_str(), "holiday photo.jpg");
    assert_eq!(upload.size, 12, "the cleaned bytes are what is stored");
    let ports = folio.ports();
    assert_eq!(ports.blobs.names(), [upload.key.original()]);
    assert_eq!(ports.transactions.jobs(), [upload_variants::job(upload.id)]);
}

#[tokio::test]
async fn the_same_content_from_the_same_user_is_stored_once() {
    let folio = folio(ports());
    let owner = member();

    let first = folio.store_upload(owner, staged("a.png")).await.unwrap();
    let second = folio.store_upload(owner, staged("b.png")).await.unwrap();
    let other = folio.store_upload(member(), staged("a.png")).await.unwrap();

    assert_eq!(second.id, first.id);
    assert_ne!(other.id, first.id);
    assert_ne!(other.key, first.key, "another user's copy is their own");
    assert_eq!(folio.ports().transactions.jobs().len(), 2);
}

#[tokio::test]
async fn an_unsupported_type_is_refused_naming_what_it_is() {
    let mut ports = ports();
    ports.images.prepared = Err(ImageRejection::Unsupported {
        detected: Some("text/html".to_owned()),
    });
    let folio = folio(ports);

    let error = folio
        .store_upload(member(), staged("x.png"))
        .await
        .unwrap_err();

    assert!(
        matches!(&error, AppError::ImageRejected(ImageRejection::Unsupported { detected: Some(d) }) if d == "text/html"),
        "{error:?}"
    );
    assert!(folio.ports().blobs.names().is_empty());
}

#[tokio::test]
async fn an_upload_over_the_quota_is_refused() {
    // The stored (cleaned) upload is 12 bytes.
    let folio = folio(ports()).with_upload_limits(UploadLimits {
        quota_bytes: 11,
        ..UploadLimits::default()
    });

    let error = folio
        .store_upload(member(), staged("a.png"))
        .await
        .unwrap_err();

    assert!(
        matches!(error, AppError::QuotaExceeded { quota: 11 }),
        "{error:?}"
    );
    assert!(folio.ports().blobs.names().is_empty());
}

#[tokio::test]
async fn a_bad_purpose_is_invalid() {
    let folio = folio(ports());
    let error = folio
        .store_upload(
            member(),
            StagedUpload {
                purpose: Some("banner"),
                ..staged("a.png")
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, AppError::Invalid(_)), "{error:?}");
}

#[tokio::test]
async fn a_failed_record_leaves_no_blob_behind() {
    let mut ports = ports();
    ports.transactions.fail_commits = true;
    let folio = folio(ports);

    let error = folio
        .store_upload(member(), staged("a.png"))
        .await
        .unwrap_err();

    assert!(matches!(error, AppError::Unavailable(_)), "{error:?}");
    assert!(folio.ports().blobs.names().is_empty());
}

#[tokio::test]
async fn only_the_owner_and_moderators_delete_and_files_go_with_the_upload() {
    let folio = folio(ports());
    let owner = member();
    let upload = folio.store_upload(owner, staged("a.png")).await.unwrap();

    let refused = folio.delete_upload(member(), upload.id).await.unwrap_err();
    assert!(matches!(refused, AppError::Forbidden), "{refused:?}");

    let moderator = Actor::new(UserId::generate(), Role::Moderator);
    folio.delete_upload(moderator, upload.id).await.unwrap();
    assert!(folio.ports().blobs.names().is_empty());
    let gone = folio.upload(Some(owner), upload.id).await.unwrap_err();
    assert!(
        matches!(gone, AppError::NotFound(Resource::Upload)),
        "{gone:?}"
    );
}

#[tokio::test]
async fn unattached_uploads_are_their_owners_only() {
    let folio = folio(ports());
    let owner = member();
    let upload = folio.store_upload(owner, staged("a.png")).await.unwrap();

    assert_eq!(
        folio.upload(Some(owner), upload.id).await.unwrap().id,
        upload.id
    );
    for viewer in [Some(member()), None] {
        let error = folio.upload(viewer, upload.id).await.unwrap_err();
        assert!(
            matches!(error, AppError::NotFound(Resource::Upload)),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn files_are_found_by_the_names_folio_made_only() {
    let folio = folio(ports());
    let upload = folio.store_upload(member(), staged("a.png")).await.unwrap();

    let file = folio.file(&upload.key.original()).await.unwrap();
    assert_eq!((file.size, file.download_name.as_str()), (12, "a.png"));
    let mut content = folio
        .file_content(&file, ByteRange { start: 6, len: 6 })
        .await
        .unwrap();
    let mut read = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut content, &mut read)
        .await
        .unwrap();
    assert_eq!(read, b"pixels");

    for name in [
        "../secret".to_owned(),
        upload.key.original().replace(".png", ".jpg"),
        // Not ready yet: variants do not exist.
        upload.key.variant(Variant::Thumb),
    ] {
        let error = folio.file(&name).await.unwrap_err();
        assert!(
            matches!(error, AppError::NotFound(Resource::File)),
            "{name}: {error:?}"
        );
    }
}

fn variants_job(upload: UploadId) -> Job {
    running_job(upload_variants::job(upload))
}

type VariantsJob = MakeUploadVariants<MemoryUploads, MemoryBlobs, ScriptedImages, MemoryUploads>;

/// An upload stored through the use case, and the job over the same rows and blobs.
async fn stored_upload(
    images: ScriptedImages,
) -> (
    folio_domain::Upload,
    MemoryUploads,
    MemoryBlobs,
    VariantsJob,
) {
    let folio = folio(ports());
    let upload = folio.store_upload(member(), staged("a.png")).await.unwrap();
    let (uploads, blobs) = (folio.ports().uploads.clone(), folio.ports().blobs.clone());
    let job = MakeUploadVariants::new(
        uploads.clone(),
        blobs.clone(),
        images,
        uploads.clone(),
        UploadLimits::default(),
    );
    (upload, uploads, blobs, job)
}

#[tokio::test]
async fn the_job_writes_both_variants_and_settles_the_upload_ready() {
    let (upload, uploads, blobs, job) = stored_upload(ScriptedImages::default()).await;

    job.run(&variants_job(upload.id)).await.unwrap();

    assert_eq!(uploads.status_of(upload.id), Some(UploadStatus::Ready));
    let mut expected = vec![
        upload.key.original(),
        upload.key.variant(Variant::Thumb),
        upload.key.variant(Variant::Medium),
    ];
    expected.sort();
    assert_eq!(blobs.names(), expected);
    assert_eq!(
        uploads.settled(),
        [DomainEvent::UploadReady {
            upload: upload.id,
            owner: upload.owner
        }]
    );

    // A second run (at-least-once delivery) changes nothing.
    job.run(&variants_job(upload.id)).await.unwrap();
    assert_eq!(uploads.settled().len(), 1);
}

#[tokio::test]
async fn an_image_that_cannot_be_resized_settles_failed() {
    let images = ScriptedImages {
        variants: Err(ImageRejection::Undecodable {
            reason: "truncated".to_owned(),
        }),
        ..ScriptedImages::default()
    };
    let (upload, uploads, blobs, job) = stored_upload(images).await;

    job.run(&variants_job(upload.id)).await.unwrap();

    assert_eq!(uploads.status_of(upload.id), Some(UploadStatus::Failed));
    assert_eq!(blobs.names(), [upload.key.original()]);
    assert_eq!(
        uploads.settled(),
        [DomainEvent::UploadFailed {
            upload: upload.id,
            owner: upload.owner
        }]
    );
}

#[tokio::test]
async fn a_deleted_upload_needs_no_variants_and_a_bad_payload_is_permanent() {
    let (upload, uploads, blobs, job) = stored_upload(ScriptedImages::default()).await;
    uploads.mark_deleted_now(upload.id);

    job.run(&variants_job(upload.id)).await.unwrap();
    assert_eq!(blobs.names(), [upload.key.original()]);

    let mut broken = variants_job(upload.id);
    broken.payload = vec![("upload".to_owned(), "nope".to_owned())];
    assert!(job.run(&broken).await.unwrap_err().is_permanent());
}

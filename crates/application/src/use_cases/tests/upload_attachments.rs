//! Using uploads as pictures: a user's `image`, an article's `image` and the files
//! an article's body links to are attached in the change's transaction; only the
//! caller's own live uploads qualify.

use folio_domain::{
    ContentHash, ImageType, OriginalName, StorageKey, Upload, UploadId, UploadStatus, User, UserId,
    Variant, file_url,
};

use super::articles::{draft, inserts_after_conflicts};
use crate::error::AppError;
use crate::ports::{UploadRepository, UserChanges};
use crate::test_support::{
    MemoryUploads, MockPorts, actor_for, authenticated, captured, folio, now, profile, taken, user,
};
use crate::use_cases::accounts::SettingsUpdate;
use crate::use_cases::articles::ArticleDraft;

/// A ready upload of `owner`, stored in `uploads`.
async fn stored_upload(uploads: &MemoryUploads, owner: UserId, content: &[u8]) -> Upload {
    let sha256 = ContentHash::of(content);
    let id = UploadId::generate();
    let upload = Upload {
        id,
        owner,
        purpose: None,
        sha256,
        size: 10,
        image_type: ImageType::Png,
        width: 40,
        height: 30,
        status: UploadStatus::Ready,
        key: StorageKey::for_upload(id, owner, &sha256, ImageType::Png),
        original_name: OriginalName::sanitize("a.png"),
        created_at: now(),
        attached_at: None,
    };
    uploads.insert(&upload).await.unwrap();
    upload
}

async fn attached_at(uploads: &MemoryUploads, id: UploadId) -> Option<folio_domain::Timestamp> {
    uploads.find(id).await.unwrap().and_then(|u| u.attached_at)
}

/// `jake` sets his image to `image` (uploads in `uploads`); the changes the
/// repository got, if any.
async fn set_image(
    uploads: &MemoryUploads,
    jake: &User,
    image: String,
) -> (Result<(), AppError>, Vec<UserChanges>) {
    let mut ports = MockPorts::new();
    ports.uploads = uploads.clone();
    ports.clock_at(now());
    let seen = captured();
    let seen_in_mock = seen.clone();
    let stored = jake.clone();
    ports.users.expect_update().returning(move |_, changes| {
        seen_in_mock.lock().unwrap().push(changes);
        Ok(stored.clone())
    });
    let folio = folio(ports);
    let result = folio
        .update_settings(
            &authenticated(jake),
            SettingsUpdate {
                image: Some(image),
                ..SettingsUpdate::default()
            },
            crate::ClientInfo::default(),
        )
        .await
        .map(drop);
    (result, taken(&seen))
}

/// The image URL the first change set, if it set one.
fn image_set(changes: &[UserChanges]) -> Option<String> {
    changes
        .first()?
        .image
        .clone()
        .flatten()
        .map(|url| url.into_inner())
}

#[tokio::test]
async fn an_upload_named_by_id_becomes_the_image_and_is_attached() {
    let jake = user("jake");
    let uploads = MemoryUploads::default();
    let upload = stored_upload(&uploads, jake.id, b"me").await;

    let (result, changes) = set_image(&uploads, &jake, upload.id.to_string()).await;

    result.unwrap();
    let expected = file_url(&upload.key.original());
    assert_eq!(image_set(&changes), Some(expected));
    assert_eq!(attached_at(&uploads, upload.id).await, Some(now()));
}

#[tokio::test]
async fn an_upload_named_by_a_variant_url_keeps_that_url() {
    let jake = user("jake");
    let uploads = MemoryUploads::default();
    let upload = stored_upload(&uploads, jake.id, b"me").await;
    let thumb = format!(
        "https://folio.example{}",
        file_url(&upload.key.variant(Variant::Thumb))
    );

    let (result, changes) = set_image(&uploads, &jake, thumb).await;

    result.unwrap();
    assert_eq!(
        image_set(&changes),
        Some(file_url(&upload.key.variant(Variant::Thumb)))
    );
    assert!(attached_at(&uploads, upload.id).await.is_some());
}

#[tokio::test]
async fn someone_elses_or_a_deleted_upload_cannot_be_used() {
    let jake = user("jake");
    let uploads = MemoryUploads::default();
    let theirs = stored_upload(&uploads, UserId::generate(), b"theirs").await;
    let deleted = stored_upload(&uploads, jake.id, b"gone").await;
    uploads.mark_deleted_now(deleted.id);

    for reference in [
        theirs.id.to_string(),
        file_url(&theirs.key.original()),
        deleted.id.to_string(),
        UploadId::generate().to_string(),
    ] {
        let (result, changes) = set_image(&uploads, &jake, reference).await;
        assert!(
            matches!(
                result,
                Err(AppError::UploadNotAttachable { field: "image" })
            ),
            "{result:?}"
        );
        assert!(changes.is_empty(), "nothing changed");
        assert_eq!(attached_at(&uploads, theirs.id).await, None);
    }
}

#[tokio::test]
async fn an_article_attaches_its_image_and_the_authors_files_its_body_shows() {
    let alice = profile("alice");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    let uploads = ports.uploads.clone();
    let cover = stored_upload(&uploads, alice.user_id, b"cover").await;
    let inline = stored_upload(&uploads, alice.user_id, b"inline").await;
    let unused = stored_upload(&uploads, alice.user_id, b"unused").await;
    let theirs = stored_upload(&uploads, UserId::generate(), b"theirs").await;
    let attempts = inserts_after_conflicts(&mut ports, &alice, 0);
    ports.no_viewer_facts(1);
    let folio = folio(ports);

    let view = folio
        .publish_article(
            actor_for(&alice),
            ArticleDraft {
                body: format!(
                    "![mine]({}) ![theirs]({})",
                    file_url(&inline.key.variant(Variant::Medium)),
                    file_url(&theirs.key.original())
                ),
                image: Some(cover.id.to_string()),
                ..draft("With pictures")
            },
        )
        .await
        .unwrap();

    let [new] = taken(&attempts).try_into().unwrap();
    let cover_url = file_url(&cover.key.original());
    assert_eq!(
        new.image.map(|url| url.into_inner()),
        Some(cover_url.clone())
    );
    assert_eq!(
        view.article.image.map(|url| url.into_inner()),
        Some(cover_url)
    );
    assert!(attached_at(&uploads, cover.id).await.is_some());
    assert!(attached_at(&uploads, inline.id).await.is_some());
    assert_eq!(attached_at(&uploads, unused.id).await, None);
    assert_eq!(attached_at(&uploads, theirs.id).await, None);
}

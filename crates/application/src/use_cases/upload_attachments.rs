//! Using uploads: a user's or an article's `image`, and the pictures an article's
//! body links to. Attaching marks the upload used, in the unit of work of the
//! change that uses it, so an upload is never removed as an orphan once something
//! committed a reference to it.

use folio_domain::{
    Actor, ArticleBody, ImageReference, ImageUrl, Permission, Timestamp, Upload, UserId, file_url,
    referenced_stems,
};

use crate::error::AppError;
use crate::ports::{UploadRepository, Work};

/// The URL to store for `reference`, attaching the upload it names. Only the
/// actor's own live uploads can be used; a URL elsewhere is stored as given and
/// never fetched.
pub(crate) async fn attach_image<W: Work>(
    work: &W,
    actor: Actor,
    field: &'static str,
    reference: ImageReference,
    at: Timestamp,
) -> Result<ImageUrl, AppError> {
    let not_attachable = || AppError::UploadNotAttachable { field };
    let uploads = work.uploads();
    let (upload, name): (Upload, String) = match reference {
        ImageReference::External(url) => return Ok(url),
        ImageReference::Upload(id) => {
            let upload = uploads.find(id).await?.ok_or_else(not_attachable)?;
            let name = upload.key.original();
            (upload, name)
        }
        ImageReference::File(file) => {
            let upload = uploads
                .find_by_stem(&file.stem)
                .await?
                .filter(|upload| upload.key.file(file.variant) == file.name)
                .ok_or_else(not_attachable)?;
            (upload, file.name)
        }
    };
    if !actor.may(Permission::AttachUpload {
        owner: upload.owner,
    }) {
        return Err(not_attachable());
    }
    // Deleted since it was read: the statement checks again.
    if !uploads.attach(upload.id, upload.owner, at).await? {
        return Err(not_attachable());
    }
    Ok(ImageUrl::from_trusted(file_url(&name)))
}

/// Attaches the author's uploads that `body` links to. Links to anyone else's
/// files are left as they are: a body may show any picture.
pub(crate) async fn attach_linked<W: Work>(
    work: &W,
    author: UserId,
    body: &ArticleBody,
    at: Timestamp,
) -> Result<(), AppError> {
    let stems: Vec<String> = referenced_stems(body.as_str()).into_iter().collect();
    if !stems.is_empty() {
        work.uploads().attach_stems(author, &stems, at).await?;
    }
    Ok(())
}

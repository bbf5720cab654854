use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use folio_application::use_cases::uploads::StagedUpload;
use folio_application::{AppError, Folio, Ports, Resource};
use folio_domain::UploadId;

use crate::auth::{Caller, Viewer};
use crate::dto::uploads::UploadResponse;
use crate::multipart_upload::receive;
use crate::problem::{ApiError, Problem};

/// Upload an image (`multipart/form-data`: a `file` part, an optional `purpose` of
/// `avatar` or `article_image`). The type is detected from the content; JPEG, PNG,
/// WebP and GIF are accepted. The image is stored without its metadata (EXIF, GPS);
/// its variants are made in the background (`status` goes from `processing` to
/// `ready` or `failed`). The same image uploaded again answers the stored upload.
#[utoipa::path(
    post, path = "/api/v1/uploads", tag = "uploads",
    request_body(content_type = "multipart/form-data", description = "`file` (the image) and optional `purpose`"),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "The stored upload", body = UploadResponse),
        (status = 400, description = "Not a well-formed multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over the size limit (`payload_too_large`) or the owner's quota (`quota_exceeded`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart, or the file is not an accepted image type (the detail names what it is)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No `file` part, a bad `purpose`, an image over the dimension limits (`image_too_large`) or one that does not decode (`invalid_image`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_upload<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    request: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let received = receive(request.headers(), form, app.upload_limits().max_bytes).await?;
    let upload = app
        .store_upload(
            caller.actor(),
            StagedUpload {
                path: &received.file,
                file_name: &received.file_name,
                purpose: received.purpose.as_deref(),
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(UploadResponse {
        upload: upload.into(),
    }))
}

fn upload_id(text: &str) -> Result<UploadId, ApiError> {
    uuid::Uuid::parse_str(text)
        .map(UploadId::from_uuid)
        .map_err(|_| AppError::NotFound(Resource::Upload).into())
}

/// An upload's metadata: its owner's, and anyone's once it is attached to a
/// profile or an article.
#[utoipa::path(
    get, path = "/api/v1/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, description = "The upload's id")),
    security((), ("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The upload", body = UploadResponse),
        (status = 401, description = "A token was sent but is invalid, expired or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such upload, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_upload<P: Ports>(
    app: web::Data<Folio<P>>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let upload = app.upload(viewer.0, upload_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(UploadResponse {
        upload: upload.into(),
    }))
}

/// Delete your upload (moderators may delete any), with its files.
#[utoipa::path(
    delete, path = "/api/v1/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, description = "The upload's id")),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not yours", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such upload", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_upload<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    app.delete_upload(caller.actor(), upload_id(&id)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

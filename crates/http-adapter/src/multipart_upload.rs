//! Receiving a `multipart/form-data` upload: the `file` part is streamed to a
//! temporary file and cut off at the size limit, so no body is ever held in memory
//! whole; the small `purpose` part is read into a string.

use actix_multipart::{Field, Multipart};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use futures_util::StreamExt as _;
use tempfile::TempPath;
use tokio::io::AsyncWriteExt as _;

use crate::problem::ApiError;

/// Bytes of form fields other than the file, and of the multipart framing around
/// the file, accepted beyond the size limit.
const FRAMING_ALLOWANCE: u64 = 64 * 1024;

/// Bytes read and thrown away after the limit was hit, so that a client still
/// sending its body reads the 413 instead of a reset connection; past this the
/// connection is simply closed.
const DRAIN_AT_MOST: u64 = 1024 * 1024;

/// What a client sent, staged.
pub struct ReceivedUpload {
    /// Removed when dropped.
    pub file: TempPath,
    /// The part's file name; untrusted.
    pub file_name: String,
    pub purpose: Option<String>,
}

pub fn payload_too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Payload too large",
        format!("the file is larger than the limit of {limit} bytes"),
    )
}

fn malformed(detail: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_multipart",
        "Malformed multipart body",
        detail,
    )
}

fn staging_failed(error: std::io::Error) -> ApiError {
    tracing::error!(%error, "could not stage an upload");
    ApiError::internal()
}

/// Refuses, before reading anything, a body that is not multipart or that says it
/// is larger than any acceptable one.
fn check_headers(headers: &HeaderMap, limit: u64) -> Result<(), ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "uploads are sent as multipart/form-data with a `file` part",
        ));
    }
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit.saturating_add(FRAMING_ALLOWANCE)) {
        return Err(payload_too_large(limit));
    }
    Ok(())
}

/// Reads the form: one `file` part (required) and an optional `purpose`.
pub async fn receive(
    headers: &HeaderMap,
    mut form: Multipart,
    limit: u64,
) -> Result<ReceivedUpload, ApiError> {
    if let Err(refused) = check_headers(headers, limit) {
        drain(&mut form).await;
        return Err(refused);
    }
    let mut staged: Option<(TempPath, String)> = None;
    let mut purpose = None;
    let mut other_bytes: u64 = 0;
    while let Some(field) = form.next().await {
        let field = field.map_err(|error| malformed(error.to_string()))?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" if staged.is_none() => {
                let file_name = field
                    .content_disposition()
                    .and_then(|disposition| disposition.get_filename())
                    .unwrap_or_default()
                    .to_owned();
                match stage(field, limit).await? {
                    Staged::Complete(path) => staged = Some((path, file_name)),
                    Staged::TooLarge => {
                        drain(&mut form).await;
                        return Err(payload_too_large(limit));
                    }
                }
            }
            "purpose" => {
                let text = small_text(field, &mut other_bytes).await?;
                purpose = Some(text);
            }
            _ => {
                small_text(field, &mut other_bytes).await?;
            }
        }
    }
    let (file, file_name) = staged.ok_or_else(|| {
        ApiError::validation(&folio_application::FieldErrors::single(
            "file",
            "can't be blank",
        ))
    })?;
    Ok(ReceivedUpload {
        file,
        file_name,
        purpose,
    })
}

enum Staged {
    Complete(TempPath),
    TooLarge,
}

/// Streams the part to a temporary file, stopping as soon as it passes `limit`.
async fn stage(mut field: Field, limit: u64) -> Result<Staged, ApiError> {
    let (file, path) = tempfile::NamedTempFile::new()
        .map_err(staging_failed)?
        .into_parts();
    let mut file = tokio::fs::File::from_std(file);
    let mut written: u64 = 0;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|error| malformed(error.to_string()))?;
        written = written.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        if written > limit {
            drain_field(&mut field, DRAIN_AT_MOST).await;
            return Ok(Staged::TooLarge);
        }
        file.write_all(&chunk).await.map_err(staging_failed)?;
    }
    file.flush().await.map_err(staging_failed)?;
    Ok(Staged::Complete(path))
}

/// A form field that is not the file: text, bounded in total.
async fn small_text(mut field: Field, budget_used: &mut u64) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|error| malformed(error.to_string()))?;
        *budget_used = budget_used.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        if *budget_used > FRAMING_ALLOWANCE {
            return Err(malformed("form fields besides the file are too large"));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| malformed("a form field is not UTF-8 text"))
}

/// Reads and discards up to `at_most` more bytes of the part.
async fn drain_field(field: &mut Field, at_most: u64) -> u64 {
    let mut drained: u64 = 0;
    while drained < at_most {
        match field.next().await {
            Some(Ok(chunk)) => {
                drained = drained.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
            }
            _ => break,
        }
    }
    drained
}

/// Reads and discards what follows in the form, up to [`DRAIN_AT_MOST`].
async fn drain(form: &mut Multipart) {
    let mut drained: u64 = 0;
    while drained < DRAIN_AT_MOST {
        match form.next().await {
            Some(Ok(mut field)) => {
                drained += drain_field(&mut field, DRAIN_AT_MOST - drained).await
            }
            _ => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(content_type: &str, length: Option<u64>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        if let Some(length) = length {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        }
        headers
    }

    #[test]
    fn only_multipart_bodies_within_the_limit_are_read() {
        let multipart = "multipart/form-data; boundary=x";
        assert!(check_headers(&headers(multipart, Some(1000)), 1000).is_ok());
        assert!(check_headers(&headers(multipart, None), 1000).is_ok());
        let too_long = check_headers(
            &headers(multipart, Some(1000 + FRAMING_ALLOWANCE + 1)),
            1000,
        );
        assert_eq!(too_long.unwrap_err().to_problem().status, 413);
        let json = check_headers(&headers("application/json", Some(10)), 1000);
        assert_eq!(
            json.unwrap_err().to_problem().code,
            "unsupported_media_type"
        );
    }
}

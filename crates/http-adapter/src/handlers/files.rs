//! Serving stored files. Their names are made from their content, so a name always
//! means the same bytes: the name is a strong entity tag and caches may keep the
//! answer for a year. Single byte ranges are served (`206`); a request for several
//! ranges gets the whole file, as RFC 9110 allows.
//!
//! When the blob store serves clients itself (S3), a `GET` is answered with a
//! redirect to a presigned URL, after the same checks; conditional requests and
//! ranges outside the file are still answered here, and `HEAD` too (a presigned
//! URL is signed for `GET` only).

use std::str::FromStr as _;

use actix_web::body::SizedStream;
use actix_web::http::header::{
    self, ByteRangeSpec, ContentDisposition, DispositionParam, DispositionType, HeaderValue, Range,
};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use folio_application::ports::{ByteRange, DirectLink};
use folio_application::{Folio, Ports};
use futures_util::{StreamExt as _, stream};
use tokio_util::io::ReaderStream;

use crate::problem::{ApiError, Problem};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A stored image: an upload's original (metadata stripped) or one of its variants.
#[utoipa::path(
    get, path = "/api/v1/files/{name}", tag = "uploads",
    params(("name" = String, Path, description = "The file's name, from an upload's `url` or `variants`")),
    responses(
        (status = 200, description = "The image; strong `ETag`, cached for a year", content_type = "image/*"),
        (status = 206, description = "The requested byte range", content_type = "image/*"),
        (status = 307, description = "With S3 storage, for `GET`: the file's presigned URL is in `Location` (repeat `Range` there)"),
        (status = 304, description = "`If-None-Match` matched"),
        (status = 404, description = "No such file", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range is outside the file", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_file<P: Ports>(
    app: web::Data<Folio<P>>,
    name: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let file = app.file(&name).await?;
    let tag = format!("\"{}\"", file.name);
    if header_text(&request, &header::IF_NONE_MATCH).is_some_and(|header| matches_tag(header, &tag))
    {
        let mut response = HttpResponse::NotModified();
        response
            .insert_header((header::ETAG, tag))
            .insert_header((header::CACHE_CONTROL, IMMUTABLE));
        return Ok(response.finish());
    }
    let range = match wanted_range(&request, &tag, file.size) {
        Ok(range) => range,
        Err(()) => return Ok(unsatisfiable(file.size)),
    };
    if request.method() == Method::GET
        && let Some(link) = app.file_link(&file).await?
    {
        return Ok(redirect(&link));
    }
    let (status, part) = match range {
        Some(range) => (StatusCode::PARTIAL_CONTENT, range),
        None => (
            StatusCode::OK,
            ByteRange {
                start: 0,
                len: file.size,
            },
        ),
    };
    let body = if request.method() == Method::HEAD {
        // Headers only: the bytes are not even fetched from the store.
        stream::empty().right_stream()
    } else {
        ReaderStream::new(app.file_content(&file, part).await?).left_stream()
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, file.image_type.mime()))
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Inline,
            parameters: vec![DispositionParam::Filename(file.download_name.clone())],
        });
    if status == StatusCode::PARTIAL_CONTENT {
        let last = part.start + part.len.saturating_sub(1);
        response.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {}-{last}/{}", part.start, file.size),
        ));
    }
    Ok(response.body(SizedStream::new(part.len, body)))
}

/// Sends the client to the blob store for the bytes. The redirect may be reused for
/// half the link's life, so a browser that follows it again still finds it valid.
fn redirect(link: &DirectLink) -> HttpResponse {
    let reusable_for = link.valid_for.as_secs() / 2;
    HttpResponse::TemporaryRedirect()
        .insert_header((header::LOCATION, link.url.as_str()))
        .insert_header((
            header::CACHE_CONTROL,
            format!("private, max-age={reusable_for}"),
        ))
        .finish()
}

fn header_text<'a>(request: &'a HttpRequest, name: &header::HeaderName) -> Option<&'a str> {
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// `If-None-Match` by the weak comparison (RFC 9110 §13.1.2).
fn matches_tag(if_none_match: &str, tag: &str) -> bool {
    if_none_match.trim() == "*"
        || if_none_match
            .split(',')
            .map(|candidate| candidate.trim().trim_start_matches("W/"))
            .any(|candidate| candidate == tag)
}

/// The one range to serve: `Ok(None)` for the whole file (no `Range`, several
/// ranges, an `If-Range` that does not match, a header that does not parse),
/// `Err` when the range lies outside the file.
fn wanted_range(request: &HttpRequest, tag: &str, size: u64) -> Result<Option<ByteRange>, ()> {
    let Some(header) = header_text(request, &header::RANGE) else {
        return Ok(None);
    };
    if header_text(request, &header::IF_RANGE).is_some_and(|if_range| if_range.trim() != tag) {
        return Ok(None);
    }
    let Ok(Range::Bytes(specs)) = Range::from_str(header) else {
        return Ok(None);
    };
    let [spec]: [ByteRangeSpec; 1] = match specs.try_into() {
        Ok(one) => one,
        Err(_) => return Ok(None),
    };
    let (start, end) = spec.to_satisfiable_range(size).ok_or(())?;
    Ok(Some(ByteRange {
        start,
        len: end - start + 1,
    }))
}

fn unsatisfiable(size: u64) -> HttpResponse {
    let mut response = actix_web::ResponseError::error_response(&ApiError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "range_not_satisfiable",
        "Range not satisfiable",
        format!("the file has {size} bytes"),
    ));
    if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
        response.headers_mut().insert(header::CONTENT_RANGE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn range(headers: &[(&str, &str)], size: u64) -> Result<Option<ByteRange>, ()> {
        let mut request = TestRequest::default();
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        wanted_range(&request.to_http_request(), "\"tag\"", size)
    }

    #[test]
    fn single_ranges_are_served_and_others_get_the_whole_file() {
        let part = |start, len| Ok(Some(ByteRange { start, len }));
        assert_eq!(range(&[("range", "bytes=0-9")], 100), part(0, 10));
        assert_eq!(range(&[("range", "bytes=90-")], 100), part(90, 10));
        assert_eq!(range(&[("range", "bytes=-5")], 100), part(95, 5));
        assert_eq!(range(&[("range", "bytes=50-500")], 100), part(50, 50));
        assert_eq!(range(&[], 100), Ok(None));
        assert_eq!(range(&[("range", "bytes=0-1,5-6")], 100), Ok(None));
        assert_eq!(range(&[("range", "lines=1-2")], 100), Ok(None));
        assert_eq!(
            range(&[("range", "bytes=0-9"), ("if-range", "\"other\"")], 100),
            Ok(None)
        );
        assert_eq!(range(&[("range", "bytes=200-300")], 100), Err(()));
    }

    #[test]
    fn if_none_match_uses_the_weak_comparison() {
        assert!(matches_tag("\"tag\"", "\"tag\""));
        assert!(matches_tag("\"x\", W/\"tag\"", "\"tag\""));
        assert!(matches_tag("*", "\"tag\""));
        assert!(!matches_tag("\"other\"", "\"tag\""));
    }
}

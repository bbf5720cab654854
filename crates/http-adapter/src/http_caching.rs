//! HTTP caching of API reads: a strong `ETag` on every successful GET, `304 Not
//! Modified` for a matching `If-None-Match`, and `Cache-Control`/`Vary` that say who
//! may reuse the answer. Anonymous answers are the same for everyone, so shared
//! caches may keep them briefly; answers to signed-in callers carry per-viewer
//! fields and must be revalidated by the client's own cache only. Answers that
//! carry credentials are never cached at all (`no_store`).

use actix_web::Error;
use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    AUTHORIZATION, CACHE_CONTROL, ETAG, HeaderMap, HeaderValue, IF_NONE_MATCH, VARY,
};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use xxhash_rust::xxh3::xxh3_128;

use crate::cookies::CookieSettings;
use crate::no_store::carries_credentials;

/// How long shared caches may serve an anonymous answer, and serve it stale while
/// they revalidate. Tags change rarely; content should look fresh.
fn public_cache_control(route: Option<&str>) -> &'static str {
    match route {
        Some(route) if route.ends_with("/tags") => "public, max-age=60, stale-while-revalidate=300",
        _ => "public, max-age=5, stale-while-revalidate=30",
    }
}

const PRIVATE: &str = "private, no-cache";
const VARY_ON: &str = "Authorization, Cookie, Accept-Encoding";

pub async fn http_caching(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Answers carrying credentials get `no-store` instead (see `no_store`): no
    // validator, so no 304 can ever hand one back.
    let cacheable = matches!(*request.method(), Method::GET | Method::HEAD)
        && !carries_credentials(request.match_pattern().as_deref());
    let anonymous = !request.headers().contains_key(AUTHORIZATION)
        && CookieSettings::of(request.request())
            .session_token(request.request())
            .is_none();
    let if_none_match = request
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let response = next.call(request).await?.map_into_boxed_body();
    if !cacheable || response.status() != StatusCode::OK {
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    let (mut head, body) = response.into_parts();
    let bytes = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        Err(body) => return Ok(ServiceResponse::new(request, head.set_body(body))),
    };
    let tag = entity_tag(&bytes);
    let cache_control = if anonymous {
        public_cache_control(request.match_pattern().as_deref())
    } else {
        PRIVATE
    };
    set_caching_headers(head.headers_mut(), &tag, cache_control);
    if if_none_match.is_some_and(|header| matches_any(&header, &tag)) {
        let mut not_modified = HttpResponse::NotModified().finish();
        for name in [ETAG, CACHE_CONTROL, VARY] {
            if let Some(value) = head.headers().get(&name) {
                not_modified.headers_mut().insert(name, value.clone());
            }
        }
        return Ok(ServiceResponse::new(request, not_modified));
    }
    Ok(ServiceResponse::new(
        request,
        head.set_body(BoxBody::new(bytes)),
    ))
}

/// A strong validator: a 128-bit hash of the exact bytes sent.
fn entity_tag(body: &[u8]) -> String {
    format!("\"{:032x}\"", xxh3_128(body))
}

fn set_caching_headers(headers: &mut HeaderMap, tag: &str, cache_control: &'static str) {
    if let Ok(value) = HeaderValue::from_str(tag) {
        headers.insert(ETAG, value);
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert(VARY, HeaderValue::from_static(VARY_ON));
}

/// `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored, and
/// so is the coding suffix a compressed representation's tag carries.
fn matches_any(if_none_match: &str, tag: &str) -> bool {
    let ours = opaque(tag);
    if_none_match.trim() == "*"
        || if_none_match
            .split(',')
            .map(|candidate| opaque(candidate.trim().trim_start_matches("W/")))
            .any(|theirs| theirs == ours)
}

fn opaque(tag: &str) -> &str {
    let inner = tag.trim_matches('"');
    inner
        .strip_suffix("-br")
        .or_else(|| inner.strip_suffix("-gzip"))
        .unwrap_or(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_is_strong_and_follows_the_bytes() {
        let tag = entity_tag(b"{\"tags\":[]}");
        assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() == 34);
        assert_eq!(tag, entity_tag(b"{\"tags\":[]}"));
        assert_ne!(tag, entity_tag(b"{\"tags\":[\"a\"]}"));
    }

    #[test]
    fn if_none_match_accepts_lists_weak_tags_coded_tags_and_the_wildcard() {
        let tag = entity_tag(b"body");
        let bare = tag.trim_matches('"');
        assert!(matches_any(&tag, &tag));
        assert!(matches_any(&format!("\"other\", W/{tag}"), &tag));
        assert!(matches_any(&format!("\"{bare}-br\""), &tag));
        assert!(matches_any(&format!("\"{bare}-gzip\""), &tag));
        assert!(matches_any("*", &tag));
        assert!(!matches_any("\"other\"", &tag));
        assert!(!matches_any("", &tag));
    }
}

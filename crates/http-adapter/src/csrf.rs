//! Cross-site request forgery defence for cookie sessions: a double-submit token
//! derived from the session, plus an Origin (or Referer) check. Requests that
//! authenticate with the Authorization header need neither: a foreign page cannot
//! make the browser attach that header.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderName};

pub const CSRF_HEADER: HeaderName = HeaderName::from_static("x-csrf-token");

/// Why a request failed the check (recorded in the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrfFailure {
    MissingToken,
    WrongToken,
    MissingOrigin,
    ForeignOrigin,
}

impl CsrfFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::WrongToken => "wrong_token",
            Self::MissingOrigin => "missing_origin",
            Self::ForeignOrigin => "foreign_origin",
        }
    }
}

/// Passes when `X-CSRF-Token` equals `expected` and the request comes from this
/// server's own origin or one of `allowed_origins`.
pub fn check(
    request: &HttpRequest,
    expected: &str,
    allowed_origins: &[String],
) -> Result<(), CsrfFailure> {
    let presented = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .ok_or(CsrfFailure::MissingToken)?;
    if !constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
        return Err(CsrfFailure::WrongToken);
    }
    let origin = request_origin(request).ok_or(CsrfFailure::MissingOrigin)?;
    origin_allowed(request, &origin, allowed_origins)
}

/// Signing in has no session to derive a token from. A browser always sends
/// `Origin` on a cross-site POST, so a foreign one is refused (login CSRF: signing
/// the victim into the attacker's account); clients that send none are not browsers.
pub fn check_sign_in(request: &HttpRequest, allowed_origins: &[String]) -> Result<(), CsrfFailure> {
    match request_origin(request) {
        Some(origin) => origin_allowed(request, &origin, allowed_origins),
        None => Ok(()),
    }
}

fn origin_allowed(
    request: &HttpRequest,
    origin: &str,
    allowed_origins: &[String],
) -> Result<(), CsrfFailure> {
    let own_host = request.connection_info().host().to_ascii_lowercase();
    let same_origin = authority_of(origin).is_some_and(|authority| authority == own_host);
    let listed = allowed_origins
        .iter()
        .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin));
    if same_origin || listed {
        Ok(())
    } else {
        Err(CsrfFailure::ForeignOrigin)
    }
}

/// `Origin`, or the origin part of `Referer` when a browser left Origin out.
fn request_origin(request: &HttpRequest) -> Option<String> {
    let headers = request.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().ok()?.trim().to_ascii_lowercase();
        return (origin != "null" && !origin.is_empty()).then_some(origin);
    }
    let referer = headers.get(header::REFERER)?.to_str().ok()?.trim();
    let (scheme, rest) = referer.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}").to_ascii_lowercase())
}

/// `host[:port]` of `scheme://host[:port]`.
fn authority_of(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, authority)| authority)
}

/// Compares without an early exit, so timing does not reveal a matching prefix.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(headers: &[(&str, &str)]) -> HttpRequest {
        headers
            .iter()
            .fold(
                TestRequest::post().insert_header((header::HOST, "folio.example:8080")),
                |request, (name, value)| request.insert_header((*name, *value)),
            )
            .to_http_request()
    }

    const ALLOWED: &[String] = &[];

    #[test]
    fn the_right_token_from_the_same_origin_passes() {
        let request = request(&[
            ("x-csrf-token", "abc"),
            ("origin", "https://folio.example:8080"),
        ]);
        assert_eq!(check(&request, "abc", ALLOWED), Ok(()));
    }

    #[test]
    fn a_missing_or_wrong_token_fails() {
        let origin = ("origin", "https://folio.example:8080");
        assert_eq!(
            check(&request(&[origin]), "abc", ALLOWED),
            Err(CsrfFailure::MissingToken)
        );
        assert_eq!(
            check(&request(&[origin, ("x-csrf-token", "abd")]), "abc", ALLOWED),
            Err(CsrfFailure::WrongToken)
        );
        assert_eq!(
            check(&request(&[origin, ("x-csrf-token", "ab")]), "abc", ALLOWED),
            Err(CsrfFailure::WrongToken)
        );
    }

    #[test]
    fn a_foreign_or_absent_origin_fails_even_with_the_token() {
        let token = ("x-csrf-token", "abc");
        assert_eq!(
            check(
                &request(&[token, ("origin", "https://evil.example")]),
                "abc",
                ALLOWED
            ),
            Err(CsrfFailure::ForeignOrigin)
        );
        assert_eq!(
            check(&request(&[token, ("origin", "null")]), "abc", ALLOWED),
            Err(CsrfFailure::MissingOrigin)
        );
        assert_eq!(
            check(&request(&[token]), "abc", ALLOWED),
            Err(CsrfFailure::MissingOrigin)
        );
    }

    #[test]
    fn signing_in_refuses_only_a_foreign_origin() {
        assert_eq!(check_sign_in(&request(&[]), ALLOWED), Ok(()));
        assert_eq!(
            check_sign_in(
                &request(&[("origin", "http://folio.example:8080")]),
                ALLOWED
            ),
            Ok(())
        );
        assert_eq!(
            check_sign_in(&request(&[("origin", "https://evil.example")]), ALLOWED),
            Err(CsrfFailure::ForeignOrigin)
        );
    }

    #[test]
    fn listed_origins_and_the_referer_fallback_pass() {
        let allowed = ["https://app.example".to_owned()];
        let token = ("x-csrf-token", "abc");
        assert_eq!(
            check(
                &request(&[token, ("origin", "https://APP.example")]),
                "abc",
                &allowed
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &request(&[token, ("referer", "https://app.example/editor?x=1")]),
                "abc",
                &allowed
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &request(&[token, ("referer", "https://app.example.evil.example/")]),
                "abc",
                &allowed
            ),
            Err(CsrfFailure::ForeignOrigin)
        );
    }
}

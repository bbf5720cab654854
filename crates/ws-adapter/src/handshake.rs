//! Opening a socket: who the caller is, before the upgrade. The Authorization
//! header (`Token <t>` or `Bearer <t>`, as the HTTP API takes it), else the session
//! cookie, which only pages of an allowed origin may use (browsers attach cookies
//! to sockets opened by any site: cross-site WebSocket hijacking). Tokens are never
//! read from the URL.

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, ORIGIN, USER_AGENT};
use actix_web::{HttpRequest, HttpResponse, web};
use folio_application::views::Authenticated;
use folio_application::{AppError, ClientInfo};
use serde_json::json;

use crate::WsState;
use crate::socket::Socket;

/// Frames larger than this end the socket (close 1009); messages over the
/// settings' limit but under this get an error and the socket stays open.
const MAX_FRAME_BYTES: usize = 64 * 1024;

/// A refusal before the upgrade, as RFC 9457 problem details.
fn problem(status: StatusCode, code: &str, detail: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .json(json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "code": code,
            "detail": detail,
        }))
}

enum Credential {
    Header(String),
    Cookie(String),
}

/// Why the upgrade is refused before it happens.
struct Refusal(StatusCode, &'static str, &'static str);

impl Refusal {
    fn response(&self) -> HttpResponse {
        problem(self.0, self.1, self.2)
    }
}

fn credential(request: &HttpRequest, state: &WsState) -> Result<Option<Credential>, Refusal> {
    if let Some(value) = request.headers().get(AUTHORIZATION) {
        let malformed = || {
            Refusal(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "malformed Authorization header",
            )
        };
        let value = value.to_str().map_err(|_| malformed())?;
        let (scheme, token) = value.trim().split_once(' ').ok_or_else(malformed)?;
        let token = token.trim();
        let known = scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer");
        if !known || token.is_empty() {
            return Err(malformed());
        }
        return Ok(Some(Credential::Header(token.to_owned())));
    }
    let Some(cookie) = request
        .cookie(&state.settings.session_cookie)
        .filter(|cookie| !cookie.value().is_empty())
    else {
        return Ok(None);
    };
    if !origin_allowed(request, state.settings.allowed_origins.as_deref()) {
        return Err(Refusal(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "sockets opened by pages of this origin may not use the session cookie",
        ));
    }
    Ok(Some(Credential::Cookie(cookie.value().to_owned())))
}

/// The page's origin is the server's own or a listed one. No Origin, no cookie:
/// browsers always send one with a socket.
fn origin_allowed(request: &HttpRequest, allowed: Option<&[String]>) -> bool {
    let Some(origin) = request.headers().get(ORIGIN).and_then(|o| o.to_str().ok()) else {
        return false;
    };
    let origin = origin.trim_end_matches('/');
    let own_host = request.connection_info().host().to_ascii_lowercase();
    let own = origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(&own_host));
    own || allowed
        .unwrap_or_default()
        .iter()
        .any(|listed| listed.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

pub(crate) fn client_of(request: &HttpRequest) -> ClientInfo {
    ClientInfo {
        user_agent: request
            .headers()
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
        ip: request
            .peer_addr()
            .map(|addr| addr.ip().to_canonical().to_string()),
        request_id: None,
    }
}

fn refused(error: &AppError) -> HttpResponse {
    match error {
        AppError::Unauthenticated => problem(StatusCode::UNAUTHORIZED, "unauthorized", "unknown or revoked token"),
        AppError::SessionExpired => problem(StatusCode::UNAUTHORIZED, "session_expired", "the session has expired"),
        AppError::RateLimited { retry_after } => HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", retry_after.as_secs().max(1).to_string()))
            .content_type("application/problem+json")
            .json(json!({"type": "about:blank", "title": "Too Many Requests", "status": 429, "code": "rate_limited"})),
        AppError::Unavailable(_) => problem(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", "try again shortly"),
        _ => problem(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "an error occurred"),
    }
}

/// `GET /api/v1/ws`.
pub(crate) async fn open(
    request: HttpRequest,
    body: web::Payload,
    state: web::Data<WsState>,
) -> Result<HttpResponse, actix_web::Error> {
    let client = client_of(&request);
    let signed_in: Option<(Authenticated, String)> = match credential(&request, &state) {
        Err(refusal) => return Ok(refusal.response()),
        Ok(None) => None,
        Ok(Some(Credential::Header(token))) => {
            match state.backend.authenticate(&token, &client).await {
                Ok(session) => Some((session, token)),
                Err(error) => return Ok(refused(&error)),
            }
        }
        // As on the HTTP API, a dead cookie leaves the browser anonymous rather
        // than locked out.
        Ok(Some(Credential::Cookie(token))) => {
            match state.backend.authenticate(&token, &client).await {
                Ok(session) => Some((session, token)),
                Err(AppError::Unauthenticated | AppError::SessionExpired) => None,
                Err(error) => return Ok(refused(&error)),
            }
        }
    };
    let (response, session, stream) = actix_ws::handle(&request, body)?;
    let stream = stream
        .max_frame_size(MAX_FRAME_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME_BYTES);
    let connection = uuid::Uuid::new_v4().to_string();
    let mut socket = Socket::new(
        session,
        state.get_ref().clone(),
        signed_in,
        client,
        connection,
    );
    if !socket.has_seat().await {
        return Ok(problem(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_sockets",
            "this account has as many sockets open as it may",
        ));
    }
    actix_web::rt::spawn(socket.run(stream));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn with_origin(origin: &str) -> HttpRequest {
        TestRequest::default()
            .insert_header(("Host", "folio.example"))
            .insert_header((ORIGIN, origin))
            .to_http_request()
    }

    #[test]
    fn the_own_origin_and_listed_ones_may_use_the_cookie() {
        let listed = ["https://app.example".to_owned()];
        assert!(origin_allowed(&with_origin("https://folio.example"), None));
        assert!(origin_allowed(
            &with_origin("https://app.example/"),
            Some(&listed)
        ));
        assert!(!origin_allowed(
            &with_origin("https://evil.example"),
            Some(&listed)
        ));
        assert!(!origin_allowed(&with_origin("https://app.example"), None));
        assert!(!origin_allowed(
            &TestRequest::default().to_http_request(),
            Some(&listed)
        ));
    }
}

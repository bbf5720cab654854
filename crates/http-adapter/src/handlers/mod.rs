//! One file per resource. Handlers parse, call one use case, and shape the answer.

pub mod articles;
pub mod comments;
pub mod health;
pub mod profiles;
pub mod tags;
pub mod users;

use actix_web::HttpRequest;
use actix_web::http::header::USER_AGENT;
use folio_application::use_cases::accounts::ClientInfo;

/// Where a request came from, recorded with the session it opens. The address is
/// the socket peer: forwarded headers are not trusted here.
pub(crate) fn client_info(request: &HttpRequest) -> ClientInfo {
    ClientInfo {
        user_agent: request
            .headers()
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
        ip: request.peer_addr().map(|addr| addr.ip().to_string()),
    }
}

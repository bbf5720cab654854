use actix_web::{HttpRequest, HttpResponse, web};
use folio_application::{Folio, Ports};
use folio_domain::SessionId;

use crate::auth::{Caller, CsrfOrigins, MaybeCaller};
use crate::client::client_info;
use crate::cookies::CookieSettings;
use crate::csrf;
use crate::dto::sessions::{RevokedResponse, SessionBody, SessionsResponse};
use crate::dto::users::{LoginRequest, UserResponse};
use crate::extract::validate;
use crate::problem::{ApiError, Problem};

/// Sign in a browser: sets the HttpOnly `__Host-folio_session` cookie and the readable
/// `__Host-folio_csrf` cookie (without the prefix on plain-http development setups);
/// the token never appears in the body.
#[utoipa::path(
    post, path = "/api/v1/sessions", tag = "sessions",
    request_body = LoginRequest,
    responses(
        (status = 201, description = "Signed in; session and CSRF cookies set", body = UserResponse),
        (status = 401, description = "Unknown email or wrong password (one answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Correct password, suspended account; or a foreign Origin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_session<P: Ports>(
    app: web::Data<Folio<P>>,
    cookies: web::Data<CookieSettings>,
    origins: web::Data<CsrfOrigins>,
    request: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    csrf::check_sign_in(&request, &origins.0).map_err(|_| ApiError::csrf_failed())?;
    let credentials = body.into_inner().user;
    validate(&credentials)?;
    let signed_in = app.login(credentials.into(), client_info(&request)).await?;
    let csrf = app.csrf_token_for(&signed_in.token);
    let lifetime = app.session_policy().absolute_lifetime.num_seconds();
    let mut response = HttpResponse::Created();
    for cookie in cookies.session(&signed_in.token, &csrf, lifetime) {
        response.cookie(cookie);
    }
    Ok(response.json(UserResponse::new(signed_in.user, None)))
}

/// The caller's active sessions, newest first.
#[utoipa::path(
    get, path = "/api/v1/sessions", tag = "sessions",
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Active sessions", body = SessionsResponse),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_sessions<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let sessions = app.sessions_of(&caller.session).await?;
    Ok(HttpResponse::Ok().json(SessionsResponse {
        sessions: sessions.into_iter().map(SessionBody::from).collect(),
    }))
}

/// Sign out: revokes the session making the request, if it is still alive, and
/// always clears the cookies.
#[utoipa::path(
    delete, path = "/api/v1/sessions/current", tag = "sessions",
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Signed out (also when the cookie's session had already ended)"),
        (status = 401, description = "An Authorization header with an invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Cookie session without a valid CSRF token or origin", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_current_session<P: Ports>(
    app: web::Data<Folio<P>>,
    cookies: web::Data<CookieSettings>,
    request: HttpRequest,
    caller: MaybeCaller,
) -> Result<HttpResponse, ApiError> {
    if let Some(caller) = caller.0 {
        app.logout(&caller.session, &client_info(&request)).await?;
    }
    let mut response = HttpResponse::NoContent();
    for cookie in cookies.cleared() {
        response.cookie(cookie);
    }
    Ok(response.finish())
}

/// Revoke one of your own sessions (another user's is a 404).
#[utoipa::path(
    delete, path = "/api/v1/sessions/{id}", tag = "sessions",
    params(("id" = String, Path, description = "The session's id")),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session of yours", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_session<P: Ports>(
    app: web::Data<Folio<P>>,
    request: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = uuid::Uuid::parse_str(&id)
        .map(SessionId::from_uuid)
        .map_err(|_| ApiError::not_found("session not found"))?;
    app.revoke_session(&caller.session, id, &client_info(&request))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sign out everywhere else: revokes every session but the current one.
#[utoipa::path(
    delete, path = "/api/v1/sessions", tag = "sessions",
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Other sessions revoked", body = RevokedResponse),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_other_sessions<P: Ports>(
    app: web::Data<Folio<P>>,
    request: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let revoked = app
        .revoke_other_sessions(&caller.session, &client_info(&request))
        .await?;
    Ok(HttpResponse::Ok().json(RevokedResponse { revoked }))
}

use actix_web::{HttpResponse, web};
use folio_application::{Folio, Ports};

use crate::auth::{Caller, Viewer};
use crate::dto::profiles::ProfileResponse;
use crate::problem::{ApiError, Problem};

/// A user's public profile.
#[utoipa::path(
    get, path = "/api/v1/profiles/{username}", tag = "profiles",
    params(("username" = String, Path, description = "The user's handle")),
    security((), ("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The profile", body = ProfileResponse),
        (status = 401, description = "A token was sent but is invalid, expired or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_profile<P: Ports>(
    app: web::Data<Folio<P>>,
    viewer: Viewer,
    username: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = app.profile(viewer.0, &username).await?;
    Ok(HttpResponse::Ok().json(ProfileResponse::from(view)))
}

/// Follow a user (idempotent).
#[utoipa::path(
    post, path = "/api/v1/profiles/{username}/follow", tag = "profiles",
    params(("username" = String, Path, description = "The user to follow")),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Now following", body = ProfileResponse),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Following yourself", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn follow<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    username: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = app.follow(caller.actor(), &username).await?;
    Ok(HttpResponse::Ok().json(ProfileResponse::from(view)))
}

/// Stop following a user (idempotent).
#[utoipa::path(
    delete, path = "/api/v1/profiles/{username}/follow", tag = "profiles",
    params(("username" = String, Path, description = "The user to unfollow")),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "No longer following", body = ProfileResponse),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn unfollow<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    username: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = app.unfollow(caller.actor(), &username).await?;
    Ok(HttpResponse::Ok().json(ProfileResponse::from(view)))
}

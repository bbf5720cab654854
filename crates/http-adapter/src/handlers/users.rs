use actix_web::{HttpRequest, HttpResponse, web};
use folio_application::use_cases::accounts::Registration;
use folio_application::{Folio, Ports};

use crate::auth::Caller;
use crate::client::client_info;
use crate::dto::users::{LoginRequest, RegisterRequest, UpdateUserRequest, UserResponse};
use crate::extract::{validate, validate_with};
use crate::problem::{ApiError, Problem};

/// Register a new account and sign it in.
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and signed in", body = UserResponse),
        (status = 422, description = "Invalid or taken username/email", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this address", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register<P: Ports>(
    app: web::Data<Folio<P>>,
    request: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = body.into_inner().user;
    let registration = Registration::from(user.clone());
    validate_with(&user, || {
        app.validate_registration(&registration)
            .err()
            .unwrap_or_default()
    })?;
    let signed_in = app.register(registration, client_info(&request)).await?;
    Ok(HttpResponse::Created().json(UserResponse::new(signed_in.user, Some(signed_in.token))))
}

/// Sign in with email and password.
#[utoipa::path(
    post, path = "/api/v1/users/login", tag = "users",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = UserResponse),
        (status = 401, description = "Unknown email or wrong password (one answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login<P: Ports>(
    app: web::Data<Folio<P>>,
    request: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let credentials = body.into_inner().user;
    validate(&credentials)?;
    let signed_in = app.login(credentials.into(), client_info(&request)).await?;
    Ok(HttpResponse::Ok().json(UserResponse::new(signed_in.user, Some(signed_in.token))))
}

/// The signed-in user.
#[utoipa::path(
    get, path = "/api/v1/user", tag = "users",
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The current user", body = UserResponse),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn current_user(caller: Caller) -> HttpResponse {
    let token = caller.echoed_token();
    HttpResponse::Ok().json(UserResponse::new(caller.session.user, token))
}

/// Change account settings; absent fields stay as they are.
#[utoipa::path(
    put, path = "/api/v1/user", tag = "users",
    security(("token" = []), ("cookie" = [])),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The updated user; a new password signs out every other session", body = UserResponse),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or taken values", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_user<P: Ports>(
    app: web::Data<Folio<P>>,
    request: HttpRequest,
    caller: Caller,
    body: web::Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let update = body.into_inner().user.into();
    let user = app
        .update_settings(&caller.session, update, client_info(&request))
        .await?;
    Ok(HttpResponse::Ok().json(UserResponse::new(user, caller.echoed_token())))
}

use actix_web::{HttpRequest, HttpResponse, web};
use folio_application::{Folio, Ports};

use crate::auth::Caller;
use crate::client::client_info;
use crate::dto::admin::{AccountResponse, AuditEventsQuery, AuditEventsResponse, RoleRequest};
use crate::extract::validate;
use crate::problem::{ApiError, Problem};

/// Give an account a role (admins only; takes effect on its next request).
#[utoipa::path(
    put, path = "/api/v1/admin/users/{username}/role", tag = "admin",
    params(("username" = String, Path, description = "The account's username")),
    request_body = RoleRequest,
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The account with its new role", body = AccountResponse),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown role, or your own account", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_role<P: Ports>(
    app: web::Data<Folio<P>>,
    request: HttpRequest,
    caller: Caller,
    username: web::Path<String>,
    body: web::Json<RoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    validate(&body)?;
    let role = body.role.unwrap_or_default();
    let user = app
        .change_role(&caller.session, &username, &role, &client_info(&request))
        .await?;
    Ok(HttpResponse::Ok().json(AccountResponse::from(user)))
}

/// Suspend an account: its sessions end at once and it cannot sign in.
#[utoipa::path(
    post, path = "/api/v1/admin/users/{username}/suspension", tag = "admin",
    params(("username" = String, Path, description = "The account's username")),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The suspended account", body = AccountResponse),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Your own account", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn suspend<P: Ports>(
    app: web::Data<Folio<P>>,
    request: HttpRequest,
    caller: Caller,
    username: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = app
        .suspend(&caller.session, &username, &client_info(&request))
        .await?;
    Ok(HttpResponse::Ok().json(AccountResponse::from(user)))
}

/// Lift a suspension.
#[utoipa::path(
    delete, path = "/api/v1/admin/users/{username}/suspension", tag = "admin",
    params(("username" = String, Path, description = "The account's username")),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The account, no longer suspended", body = AccountResponse),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn unsuspend<P: Ports>(
    app: web::Data<Folio<P>>,
    request: HttpRequest,
    caller: Caller,
    username: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = app
        .unsuspend(&caller.session, &username, &client_info(&request))
        .await?;
    Ok(HttpResponse::Ok().json(AccountResponse::from(user)))
}

/// The audit log, newest first, paged with the `before` cursor (admins only).
#[utoipa::path(
    get, path = "/api/v1/admin/audit-events", tag = "admin",
    params(AuditEventsQuery),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of audit events", body = AuditEventsResponse),
        (status = 400, description = "Unparseable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown type, bad cursor or limit", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn audit_events<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    query: web::Query<AuditEventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = app
        .audit_events(&caller.session, query.into_inner().into())
        .await?;
    Ok(HttpResponse::Ok().json(AuditEventsResponse::from(page)))
}

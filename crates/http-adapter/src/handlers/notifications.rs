use actix_web::{HttpResponse, web};
use folio_application::{Folio, Ports};

use crate::auth::Caller;
use crate::dto::notifications::{
    MarkReadRequest, NotificationsQuery, NotificationsResponse, UnreadCountResponse,
};
use crate::problem::{ApiError, Problem};

/// Your notifications, newest first, a page at a time: follow `nextCursor` for more.
#[utoipa::path(
    get, path = "/api/v1/notifications", tag = "notifications",
    params(NotificationsQuery),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of notifications, and `nextCursor` when more follow", body = NotificationsResponse),
        (status = 400, description = "Unparseable query string", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit < 1, or a cursor this server did not issue", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_notifications<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    query: web::Query<NotificationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = app
        .notifications(&caller.session, query.into_inner().into())
        .await?;
    Ok(HttpResponse::Ok().json(NotificationsResponse::from(page)))
}

/// How many of your notifications are unread.
#[utoipa::path(
    get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The unread count", body = UnreadCountResponse),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn unread_count<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let unread_count = app.unread_notifications(&caller.session).await?;
    Ok(HttpResponse::Ok().json(UnreadCountResponse { unread_count }))
}

/// Mark some of your notifications read (`{"ids": [...]}`), or all of them
/// (`{"all": true}`). Ids that are not yours change nothing.
#[utoipa::path(
    post, path = "/api/v1/notifications/read", tag = "notifications",
    request_body = MarkReadRequest,
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Marked; the unread count after it", body = UnreadCountResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Cookie session without a valid CSRF token or origin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of ids and all, an empty or oversized list, all not true, or unknown fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn mark_read<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    body: web::Json<MarkReadRequest>,
) -> Result<HttpResponse, ApiError> {
    let unread_count = app
        .mark_notifications_read(&caller.session, body.into_inner().into())
        .await?;
    Ok(HttpResponse::Ok().json(UnreadCountResponse { unread_count }))
}

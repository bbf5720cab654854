use actix_web::{HttpRequest, HttpResponse, web};
use folio_application::{Folio, Ports};

use crate::auth::{Caller, Viewer};
use crate::client::client_info;
use crate::dto::comments::{CommentResponse, CommentsQuery, CommentsResponse, NewCommentRequest};
use crate::extract::validate;
use crate::problem::{ApiError, Problem};

/// Comment on an article.
#[utoipa::path(
    post, path = "/api/v1/articles/{slug}/comments", tag = "comments",
    params(("slug" = String, Path, description = "The article's slug")),
    request_body = NewCommentRequest,
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The new comment", body = CommentResponse),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Blank body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_comment<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    slug: web::Path<String>,
    body: web::Json<NewCommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let comment = body.into_inner().comment;
    validate(&comment)?;
    let text = comment.body.unwrap_or_default();
    let view = app.add_comment(caller.actor(), &slug, &text).await?;
    Ok(HttpResponse::Ok().json(CommentResponse {
        comment: view.into(),
    }))
}

/// The comments of an article, newest first, a page at a time: follow `nextCursor`
/// for more.
#[utoipa::path(
    get, path = "/api/v1/articles/{slug}/comments", tag = "comments",
    params(("slug" = String, Path, description = "The article's slug"), CommentsQuery),
    security((), ("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of comments, and `nextCursor` when more follow", body = CommentsResponse),
        (status = 400, description = "Unparseable query string", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is invalid, expired or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit < 1, or a cursor this server did not issue", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_comments<P: Ports>(
    app: web::Data<Folio<P>>,
    viewer: Viewer,
    slug: web::Path<String>,
    query: web::Query<CommentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = app
        .comments(viewer.0, &slug, query.into_inner().into())
        .await?;
    Ok(HttpResponse::Ok().json(CommentsResponse::from(page)))
}

/// Delete your comment (moderators may delete any).
#[utoipa::path(
    delete, path = "/api/v1/articles/{slug}/comments/{id}", tag = "comments",
    params(
        ("slug" = String, Path, description = "The article's slug"),
        ("id" = i64, Path, description = "The comment's id"),
    ),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article or comment", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_comment<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    path: web::Path<(String, i64)>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    app.delete_comment(caller.actor(), &slug, id, &client_info(&request))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

use folio_application::use_cases::comments::CommentPageRequest;
use folio_application::views::{CommentPageView, CommentView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::profiles::ProfileBody;
use crate::time::rfc3339_millis;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCommentRequest {
    pub comment: NewComment,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewComment {
    #[validate(required(message = "can't be blank"))]
    pub body: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentResponse {
    pub comment: CommentBody,
}

/// Pagination of `GET /articles/{slug}/comments`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommentsQuery {
    /// Page size, default 100, at most 100 (larger values are capped).
    pub limit: Option<i64>,
    /// The `nextCursor` of the previous page, as it was received; absent for the
    /// first page.
    pub cursor: Option<String>,
}

impl From<CommentsQuery> for CommentPageRequest {
    fn from(query: CommentsQuery) -> Self {
        CommentPageRequest {
            limit: query.limit,
            cursor: query.cursor,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentsResponse {
    /// Newest first.
    pub comments: Vec<CommentBody>,
    /// Present when more comments follow: pass it as `cursor` for the next page.
    /// Opaque; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl From<CommentPageView> for CommentsResponse {
    fn from(page: CommentPageView) -> Self {
        Self {
            comments: page.comments.into_iter().map(CommentBody::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentBody {
    pub id: i64,
    #[schema(example = "2026-02-18T03:22:56.637Z")]
    pub created_at: String,
    #[schema(example = "2026-02-18T03:22:56.637Z")]
    pub updated_at: String,
    pub body: String,
    pub author: ProfileBody,
}

impl From<CommentView> for CommentBody {
    fn from(view: CommentView) -> Self {
        let comment = view.comment;
        Self {
            id: comment.id.get(),
            created_at: rfc3339_millis(&comment.created_at),
            updated_at: rfc3339_millis(&comment.updated_at),
            body: comment.body.into_inner(),
            author: ProfileBody::new(comment.author, view.following_author),
        }
    }
}

use folio_application::views::CommentView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
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

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentsResponse {
    pub comments: Vec<CommentBody>,
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

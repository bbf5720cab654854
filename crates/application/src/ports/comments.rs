use folio_domain::{ArticleId, Comment, CommentBody, CommentId, Slug, Timestamp, UserId};

use super::PortError;

#[derive(Debug, Clone)]
pub struct NewComment {
    /// The article, by its current slug: the insert finds it, in the same
    /// statement; `PortError::NotFound` when no article has it.
    pub article: Slug,
    pub author_id: UserId,
    pub body: CommentBody,
    pub created_at: Timestamp,
}

/// A comment's place in list order (newest first, ties by id, highest first): a
/// page that starts after it lists the comments that come next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentPosition {
    pub created_at: Timestamp,
    pub id: CommentId,
}

#[cfg_attr(test, mockall::automock)]
pub trait CommentRepository: Send + Sync + 'static {
    async fn insert(&self, comment: NewComment) -> Result<Comment, PortError>;

    /// At most `limit` comments of an article with their authors, newest first (ties
    /// by id, highest first), starting just past `after` when given, in one query
    /// whose work grows with `limit`, not with how deep `after` is.
    async fn list_for_article(
        &self,
        article_id: ArticleId,
        after: Option<CommentPosition>,
        limit: u32,
    ) -> Result<Vec<Comment>, PortError>;

    async fn find(
        &self,
        article_id: ArticleId,
        comment_id: CommentId,
    ) -> Result<Option<Comment>, PortError>;

    async fn delete(&self, comment_id: CommentId) -> Result<(), PortError>;
}

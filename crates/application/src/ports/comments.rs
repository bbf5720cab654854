use folio_domain::{ArticleId, Comment, CommentBody, CommentId, Timestamp, UserId};

use super::PortError;

#[derive(Debug, Clone)]
pub struct NewComment {
    pub article_id: ArticleId,
    pub author_id: UserId,
    pub body: CommentBody,
    pub created_at: Timestamp,
}

#[cfg_attr(test, mockall::automock)]
pub trait CommentRepository: Send + Sync + 'static {
    async fn insert(&self, comment: NewComment) -> Result<Comment, PortError>;

    /// All comments of an article with their authors, newest first, in one query.
    async fn list_for_article(&self, article_id: ArticleId) -> Result<Vec<Comment>, PortError>;

    async fn find(
        &self,
        article_id: ArticleId,
        comment_id: CommentId,
    ) -> Result<Option<Comment>, PortError>;

    async fn delete(&self, comment_id: CommentId) -> Result<(), PortError>;
}

use std::collections::HashMap;

use folio_domain::{
    ArticleId, CommentId, NotificationId, NotificationKind, Slug, Timestamp, UploadId, UserId,
    Username,
};

use super::PortError;

/// A notification to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// The place in the global order of the event that called for it: a recipient
    /// gets at most one notification per event, however often it is handled.
    pub source: u64,
    pub recipient: UserId,
    pub kind: NotificationKind,
    pub actor: Option<UserId>,
    pub article: Option<ArticleId>,
    pub comment: Option<CommentId>,
    pub upload: Option<UploadId>,
    pub created_at: Timestamp,
}

/// A notification just stored, and the name its recipient goes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedNotification {
    pub id: NotificationId,
    pub recipient_name: Username,
}

/// Who did what a notification tells of, as they are named now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationActor {
    pub username: Username,
    pub image: Option<String>,
}

/// The article a notification is about, while it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationArticle {
    pub slug: Slug,
    pub title: String,
}

/// A stored notification, as its recipient reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: NotificationId,
    pub kind: NotificationKind,
    pub created_at: Timestamp,
    pub read: bool,
    /// `None` when nobody did it (an upload's processing).
    pub actor: Option<NotificationActor>,
    /// `None` when it is about no article, or the article was deleted since.
    pub article: Option<NotificationArticle>,
    pub comment: Option<CommentId>,
    pub upload: Option<UploadId>,
}

/// Which of a user's notifications to mark read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadSelection {
    All,
    /// These, where they are the user's; others' ids change nothing.
    Ids(Vec<NotificationId>),
}

#[cfg_attr(test, mockall::automock)]
pub trait NotificationRepository: Send + Sync + 'static {
    /// Who wrote each of `articles`, in one query; an article deleted since is
    /// missing from the map.
    async fn article_authors(
        &self,
        articles: &[ArticleId],
    ) -> Result<HashMap<ArticleId, UserId>, PortError>;

    /// Stores `notification`; `None` when its recipient already has the one its
    /// source event called for (the event was handled before), or no longer exists.
    async fn insert(
        &self,
        notification: NewNotification,
    ) -> Result<Option<CreatedNotification>, PortError>;

    /// `recipient`'s notifications older than `before` (all when `None`), newest
    /// first, at most `limit`.
    async fn list(
        &self,
        recipient: UserId,
        before: Option<NotificationId>,
        limit: u32,
    ) -> Result<Vec<Notification>, PortError>;

    async fn unread_count(&self, recipient: UserId) -> Result<u64, PortError>;

    /// Marks `recipient`'s selected unread notifications read at `at`; how many.
    async fn mark_read(
        &self,
        recipient: UserId,
        selection: ReadSelection,
        at: Timestamp,
    ) -> Result<u64, PortError>;
}

/// The retention of notifications, for the purge job (whose futures are sent to the
/// worker's tasks).
pub trait NotificationRetention: Send + Sync + 'static {
    /// Deletes up to `limit` notifications made before `before`, read or not; how
    /// many it deleted.
    fn remove_before(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> impl std::future::Future<Output = Result<u64, PortError>> + Send;
}

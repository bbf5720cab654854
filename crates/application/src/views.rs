//! What use cases return: domain data plus the facts that depend on who is asking.

use folio_domain::{Article, Comment, Profile, SessionId, User};

/// A profile as seen by one viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileView {
    pub profile: Profile,
    pub following: bool,
}

/// An article as seen by one viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleView {
    pub article: Article,
    pub favorited: bool,
    pub following_author: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleListView {
    pub articles: Vec<ArticleView>,
    pub total: u64,
    /// For an anonymous page read through the content cache: the cache version it
    /// was read at. Answers to the same request at the same revision are
    /// interchangeable, so an adapter may reuse what it rendered for one of them.
    pub revision: Option<u64>,
}

/// A comment as seen by one viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentView {
    pub comment: Comment,
    pub following_author: bool,
}

/// One page of an article's comments, and the cursor of the next page when there
/// are more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentPageView {
    pub comments: Vec<CommentView>,
    pub next_cursor: Option<String>,
}

/// A user who just proved who they are, with the bearer token for the new session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub token: String,
    pub session_id: SessionId,
}

/// The caller of a request, resolved from a presented token.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub session_id: SessionId,
}

impl Authenticated {
    pub fn actor(&self) -> folio_domain::Actor {
        folio_domain::Actor::new(self.user.id, self.user.role)
    }
}

/// One of the caller's sessions, as they see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    pub record: crate::ports::SessionRecord,
    /// When it ends unless used again (idle window or absolute expiry, the earlier).
    pub expires_at: folio_domain::Timestamp,
    /// Whether this is the session the request was made with.
    pub current: bool,
}

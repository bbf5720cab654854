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
    /// When the session ends unless it is used again (its idle window or absolute
    /// lifetime, the earlier).
    pub expires_at: folio_domain::Timestamp,
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

/// One search result as seen by one viewer.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHitView {
    pub article: ArticleView,
    /// With a search text: the title and a snippet of the body, matches marked.
    pub highlights: Option<(crate::ports::Highlighted, crate::ports::Highlighted)>,
}

/// A page of search results with everything a client needs to refine the search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchView {
    pub hits: Vec<SearchHitView>,
    pub total: u64,
    pub next_cursor: Option<String>,
    pub facets: crate::ports::Facets,
    /// The search as understood: normalized text, filters, sort and page size.
    pub query: crate::ports::SearchQuery,
    /// "Did you mean": the text with its likely typos corrected.
    pub suggestion: Option<String>,
}

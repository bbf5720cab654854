use std::collections::HashSet;

use folio_domain::{
    Article, ArticleBody, ArticleDescription, ArticleId, ArticleTitle, ImageUrl, Slug, TagList,
    TagName, Timestamp, UserId,
};

use super::PortError;

/// Filters of the public article list; they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleFilter {
    pub tag: Option<String>,
    pub author: Option<String>,
    pub favorited_by: Option<String>,
}

/// One page of articles, newest first (ties broken by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleQuery {
    pub filter: ArticleFilter,
    /// Restricts the list to authors this user follows (the feed).
    pub followed_by: Option<UserId>,
    pub limit: u32,
    pub offset: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticlePage {
    /// Listed articles carry an empty body: list responses never show it, and leaving it
    /// out keeps list queries and cached pages small.
    pub articles: Vec<Article>,
    /// Matches ignoring limit and offset.
    pub total: u64,
}

#[derive(Debug, Clone)]
pub struct NewArticle {
    pub id: ArticleId,
    pub slug: Slug,
    pub author_id: UserId,
    pub title: ArticleTitle,
    pub description: ArticleDescription,
    pub body: ArticleBody,
    pub tags: TagList,
    pub image: Option<ImageUrl>,
    pub created_at: Timestamp,
}

/// Fields an edit changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ArticleChanges {
    pub slug: Option<Slug>,
    pub title: Option<ArticleTitle>,
    pub description: Option<ArticleDescription>,
    pub body: Option<ArticleBody>,
    pub tags: Option<TagList>,
    /// `Some(None)` removes the image.
    pub image: Option<Option<ImageUrl>>,
    pub updated_at: Option<Timestamp>,
}

/// What one viewer's relationship is to a set of articles and authors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewerFacts {
    pub favorited: HashSet<ArticleId>,
    pub following: HashSet<UserId>,
}

#[cfg_attr(test, mockall::automock)]
pub trait ArticleRepository: Send + Sync + 'static {
    /// A page and the total count, in a constant number of queries whatever the limit.
    async fn list(&self, query: ArticleQuery) -> Result<ArticlePage, PortError>;

    async fn find_by_slug(&self, slug: &Slug) -> Result<Option<Article>, PortError>;

    /// Fails with `Conflict(Slug)` when the slug is taken.
    async fn insert(&self, article: NewArticle) -> Result<Article, PortError>;

    /// Fails with `Conflict(Slug)` when a new slug is taken, `NotFound` when the
    /// article is gone.
    async fn update(&self, id: ArticleId, changes: ArticleChanges) -> Result<Article, PortError>;

    /// Removes the article with its comments, tags links and favorites.
    async fn delete(&self, id: ArticleId) -> Result<(), PortError>;

    /// Idempotent; keeps the article's favorites count exact. Returns the new count
    /// when this call changed it, `None` when the user had favorited it already.
    async fn favorite(&self, user: UserId, article: ArticleId) -> Result<Option<u64>, PortError>;

    /// Idempotent; keeps the article's favorites count exact. Returns the new count
    /// when this call changed it, `None` when the user had not favorited it.
    async fn unfavorite(&self, user: UserId, article: ArticleId) -> Result<Option<u64>, PortError>;

    /// Which of `articles` the viewer favorited and which of `authors` they follow,
    /// in one round trip.
    async fn viewer_facts(
        &self,
        viewer: UserId,
        articles: &[ArticleId],
        authors: &[UserId],
    ) -> Result<ViewerFacts, PortError>;

    /// The slugs of every article by `author` (to refresh copies that embed them).
    async fn slugs_by_author(&self, author: UserId) -> Result<Vec<Slug>, PortError>;

    /// Tags in use, most used first (ties alphabetical), at most `limit`.
    async fn popular_tags(&self, limit: u32) -> Result<Vec<TagName>, PortError>;
}

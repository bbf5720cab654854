use folio_domain::{Article, Profile, Slug, TagName, UserId, Username};

use super::{ArticlePage, PortError};

/// A cached value and the version of its key when it was read. A value is stored
/// under the version its load started from, so a change that bumps the version in
/// the meantime makes the late store invisible instead of stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup<T> {
    pub version: u64,
    pub value: Option<T>,
}

/// The shareable part of a first page of the public article list, or of one
/// reader's feed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListKey {
    pub tag: Option<String>,
    /// The author's `UsernameKey`: spellings of one name share a page.
    pub author: Option<String>,
    /// The reader whose feed this is; `None` for the public list.
    pub feed_of: Option<UserId>,
    pub limit: u32,
}

/// Short-lived copies (Redis) of what many readers ask for: single articles,
/// profiles and the tag list (public parts only, never per-viewer fields), and first
/// pages of the public list. Invalidation bumps versions, never scans keys.
#[cfg_attr(test, mockall::automock)]
pub trait ContentCache: Send + Sync + 'static {
    async fn article(&self, slug: &Slug) -> Result<Lookup<Article>, PortError>;
    async fn store_article(&self, version: u64, article: &Article) -> Result<(), PortError>;
    async fn invalidate_articles(&self, slugs: &[Slug]) -> Result<(), PortError>;

    async fn profile(&self, username: &Username) -> Result<Lookup<Profile>, PortError>;
    async fn store_profile(&self, version: u64, profile: &Profile) -> Result<(), PortError>;
    async fn invalidate_profiles(&self, usernames: &[Username]) -> Result<(), PortError>;

    async fn tags(&self) -> Result<Lookup<Vec<TagName>>, PortError>;
    async fn store_tags(&self, version: u64, tags: &[TagName]) -> Result<(), PortError>;
    async fn invalidate_tags(&self) -> Result<(), PortError>;

    /// Every public list page shares one version, and every feed page another: any
    /// change to articles bumps both, a change of follows only the second.
    async fn list_page(&self, key: &ListKey) -> Result<Lookup<ArticlePage>, PortError>;
    async fn store_list_page(
        &self,
        key: &ListKey,
        version: u64,
        page: &ArticlePage,
    ) -> Result<(), PortError>;
    /// The current version of the pages `key` belongs to (a page read now would be
    /// read at it).
    async fn list_version(&self, key: &ListKey) -> Result<u64, PortError>;
    /// After any change to articles: every list page and every feed page.
    async fn invalidate_lists(&self) -> Result<(), PortError>;
    /// After a change of follows: every feed page.
    async fn invalidate_feeds(&self) -> Result<(), PortError>;
}

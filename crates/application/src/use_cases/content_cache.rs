//! Reads through the content cache and the invalidations that keep it exact. The
//! cache is an optimisation only: when it fails, PostgreSQL answers and the failure
//! is logged.

use folio_domain::{Article, Profile, Slug, TagName, Username, UsernameKey};
use tracing::debug;

use crate::ports::{
    ArticlePage, ArticleQuery, ArticleRepository, ContentCache, ListKey, PortError,
    ProfileRepository,
};
use crate::{AppError, Folio, Ports};

/// What a failed cache call costs: a log line, never the request.
fn logged<T>(what: &str, result: Result<T, PortError>) -> Option<T> {
    result
        .map_err(|error| debug!(error = %error, what, "content cache unavailable"))
        .ok()
}

/// The key a page is shared under: first pages without a `favorited` filter (they
/// are the ones readers ask for again and again); `None` for every other page.
fn shared_list_key(query: &ArticleQuery) -> Option<ListKey> {
    let shareable = query.offset == 0 && query.filter.favorited_by.is_none();
    shareable.then(|| ListKey {
        tag: query.filter.tag.clone(),
        author: query
            .filter
            .author
            .as_deref()
            .map(|author| UsernameKey::of(author).into_inner()),
        feed_of: query.followed_by,
        limit: query.limit,
    })
}

impl<P: Ports> Folio<P> {
    pub(crate) fn content_caching(&self) -> bool {
        self.content_cache.enabled
    }

    /// The article with this slug, from the cache when it is there.
    pub(crate) async fn read_article(&self, slug: &Slug) -> Result<Option<Article>, AppError> {
        let cache = self.ports.content_cache();
        let lookup = if self.content_caching() {
            logged("article", cache.article(slug).await)
        } else {
            None
        };
        let Some(lookup) = lookup else {
            return Ok(self.ports.articles().find_by_slug(slug).await?);
        };
        if let Some(article) = lookup.value {
            return Ok(Some(article));
        }
        let load = || async {
            let article = self.ports.articles().find_by_slug(slug).await?;
            if let Some(article) = &article {
                logged(
                    "store article",
                    cache.store_article(lookup.version, article).await,
                );
            }
            Ok::<_, PortError>(article)
        };
        Ok(self
            .flights
            .articles
            .run((slug.clone(), lookup.version), load)
            .await?)
    }

    pub(crate) async fn read_profile(
        &self,
        username: &Username,
    ) -> Result<Option<Profile>, AppError> {
        let cache = self.ports.content_cache();
        let lookup = if self.content_caching() {
            logged("profile", cache.profile(username).await)
        } else {
            None
        };
        let Some(lookup) = lookup else {
            return Ok(self.ports.profiles().find_by_username(username).await?);
        };
        if let Some(profile) = lookup.value {
            return Ok(Some(profile));
        }
        let load = || async {
            let profile = self.ports.profiles().find_by_username(username).await?;
            if let Some(profile) = &profile {
                logged(
                    "store profile",
                    cache.store_profile(lookup.version, profile).await,
                );
            }
            Ok::<_, PortError>(profile)
        };
        let key = username.key();
        Ok(self
            .flights
            .profiles
            .run((key, lookup.version), load)
            .await?)
    }

    pub(crate) async fn read_tags(&self, limit: u32) -> Result<Vec<TagName>, AppError> {
        let cache = self.ports.content_cache();
        let lookup = if self.content_caching() {
            logged("tags", cache.tags().await)
        } else {
            None
        };
        let Some(lookup) = lookup else {
            return Ok(self.ports.articles().popular_tags(limit).await?);
        };
        if let Some(tags) = lookup.value {
            return Ok(tags);
        }
        let load = || async {
            let tags = self.ports.articles().popular_tags(limit).await?;
            logged("store tags", cache.store_tags(lookup.version, &tags).await);
            Ok::<_, PortError>(tags)
        };
        Ok(self.flights.tags.run(lookup.version, load).await?)
    }

    /// A page of the public list or of a feed, and the cache version it was read
    /// at when it went through the cache (see [`shared_list_key`]).
    pub(crate) async fn read_page(
        &self,
        query: ArticleQuery,
    ) -> Result<(ArticlePage, Option<u64>), AppError> {
        let key = shared_list_key(&query);
        let cache = self.ports.content_cache();
        let lookup = match &key {
            Some(key) if self.content_caching() => logged("list", cache.list_page(key).await),
            _ => None,
        };
        let (Some(key), Some(lookup)) = (key, lookup) else {
            return Ok((self.ports.articles().list(query).await?, None));
        };
        if let Some(page) = lookup.value {
            return Ok((page, Some(lookup.version)));
        }
        let load = || async {
            let page = self.ports.articles().list(query.clone()).await?;
            logged(
                "store list",
                cache.store_list_page(&key, lookup.version, &page).await,
            );
            Ok::<_, PortError>(page)
        };
        let page = self
            .flights
            .lists
            .run((key.clone(), lookup.version), load)
            .await?;
        Ok((page, Some(lookup.version)))
    }

    /// The version a read of this page would be served at now, when such pages go
    /// through the cache.
    pub(crate) async fn list_revision(&self, query: &ArticleQuery) -> Option<u64> {
        if !self.content_caching() {
            return None;
        }
        let key = shared_list_key(query)?;
        logged(
            "list version",
            self.ports.content_cache().list_version(&key).await,
        )
    }
}

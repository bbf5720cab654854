//! The content cache port, on top of [`RedisContentCache`]'s reads, stores and bumps.

use std::time::Instant;

use folio_application::ports::{ArticlePage, ContentCache, ListKey, Lookup, PortError};
use folio_domain::{Article, Profile, Slug, TagName, Username};

use super::{
    ENTRY_VERSION_TTL_SECONDS, Kind, RedisContentCache, SHARED_VERSIONS_NEVER_EXPIRE, version_key,
};
use crate::cached_content::{CachedArticle, CachedPage, CachedProfile, decode};

impl ContentCache for RedisContentCache {
    async fn article(&self, slug: &Slug) -> Result<Lookup<Article>, PortError> {
        let entry = self.article_key(slug);
        self.read(
            Kind::Articles,
            &self.near.articles,
            version_key(&entry),
            entry,
            |json| decode::<CachedArticle>(json)?.into_article(),
        )
        .await
    }

    async fn store_article(&self, version: u64, article: &Article) -> Result<(), PortError> {
        let entry = self.article_key(&article.slug);
        self.store_entry(&entry, version, &CachedArticle::from_article(article))
            .await
    }

    async fn invalidate_articles(&self, slugs: &[Slug]) -> Result<(), PortError> {
        let keys = slugs
            .iter()
            .map(|slug| version_key(&self.article_key(slug)))
            .collect();
        self.bump(keys, ENTRY_VERSION_TTL_SECONDS).await
    }

    async fn profile(&self, username: &Username) -> Result<Lookup<Profile>, PortError> {
        let entry = self.profile_key(username);
        self.read(
            Kind::Profiles,
            &self.near.profiles,
            version_key(&entry),
            entry,
            |json| decode::<CachedProfile>(json)?.into_profile(),
        )
        .await
    }

    async fn store_profile(&self, version: u64, profile: &Profile) -> Result<(), PortError> {
        let entry = self.profile_key(&profile.username);
        self.store_entry(&entry, version, &CachedProfile::from_profile(profile))
            .await
    }

    async fn invalidate_profiles(&self, usernames: &[Username]) -> Result<(), PortError> {
        let keys = usernames
            .iter()
            .map(|name| version_key(&self.profile_key(name)))
            .collect();
        self.bump(keys, ENTRY_VERSION_TTL_SECONDS).await
    }

    async fn tags(&self) -> Result<Lookup<Vec<TagName>>, PortError> {
        let entry = self.tags_key();
        self.read(
            Kind::Tags,
            &self.near.tags,
            version_key(&entry),
            entry,
            |json| {
                let names = decode::<Vec<String>>(json)?;
                Ok(names.into_iter().map(TagName::from_trusted).collect())
            },
        )
        .await
    }

    async fn store_tags(&self, version: u64, tags: &[TagName]) -> Result<(), PortError> {
        let names: Vec<&str> = tags.iter().map(TagName::as_str).collect();
        self.store_entry(&self.tags_key(), version, &names).await
    }

    async fn invalidate_tags(&self) -> Result<(), PortError> {
        self.bump(
            vec![version_key(&self.tags_key())],
            SHARED_VERSIONS_NEVER_EXPIRE,
        )
        .await
    }

    async fn list_page(&self, key: &ListKey) -> Result<Lookup<ArticlePage>, PortError> {
        let entry = self.list_key(key);
        let (kind, version_key) = self.list_kind(key);
        self.read(kind, &self.near.lists, version_key, entry, |json| {
            decode::<CachedPage>(json)?.into_page()
        })
        .await
    }

    async fn store_list_page(
        &self,
        key: &ListKey,
        version: u64,
        page: &ArticlePage,
    ) -> Result<(), PortError> {
        let entry = self.list_key(key);
        self.store_entry(&entry, version, &CachedPage::from_page(page))
            .await
    }

    async fn list_version(&self, key: &ListKey) -> Result<u64, PortError> {
        let (_, version_key) = self.list_kind(key);
        if let Some(version) = self.board.latest(&version_key) {
            return Ok(version);
        }
        let epoch = self.board.listening_epoch();
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = redis::cmd("GET")
            .arg(&version_key)
            .query_async::<Option<u64>>(&mut connection)
            .await;
        let version = self.store.outcome(started, result)?.unwrap_or(0);
        if let Some(epoch) = epoch {
            self.board.observe(epoch, &version_key, version);
        }
        Ok(version)
    }

    async fn invalidate_lists(&self) -> Result<(), PortError> {
        let keys = vec![self.lists_version_key(), self.feeds_version_key()];
        self.bump(keys, SHARED_VERSIONS_NEVER_EXPIRE).await
    }

    async fn invalidate_feeds(&self) -> Result<(), PortError> {
        self.bump(vec![self.feeds_version_key()], SHARED_VERSIONS_NEVER_EXPIRE)
            .await
    }
}

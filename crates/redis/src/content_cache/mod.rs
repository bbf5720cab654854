//! Cached content in Redis under versioned keys, with local copies in front.

use std::sync::Arc;
use std::time::Instant;

use folio_application::ports::{ArticlePage, ListKey, Lookup, PortError};
use folio_domain::{Article, Profile, Slug, TagName, Username};
use serde::Serialize;

use super::RedisStore;
use super::cached_content::encode;
use super::invalidations;
use super::near_cache::{Footprint, NearCache};
use super::version_board::VersionBoard;

mod adapter;
mod scripts;

use scripts::{
    BUMP, ENTRY_VERSION_TTL_SECONDS, LOOKUP, SHARED_VERSIONS_NEVER_EXPIRE, jittered_ttl_ms,
};

/// Content entries in Redis under versioned keys: `<entry>:v<n>`, with `n` read from
/// `<entry>:version` in the same script call. Invalidating increments the version;
/// stale entries are never read again and expire on their own.
///
/// In front of Redis, each process keeps the entries it read last ([`NearCache`]) and
/// serves them without a round trip while their version is the newest it knows of.
/// Every bump is published; each process follows the channel and, while it cannot,
/// serves nothing locally.
#[derive(Clone)]
pub struct RedisContentCache {
    store: RedisStore,
    board: Arc<VersionBoard>,
    near: Arc<NearCopies>,
}

const MIB: u64 = 1024 * 1024;

/// One local cache per kind of entry, sized for the hot set of each (at most
/// 53 MiB in all, however large the articles).
struct NearCopies {
    articles: NearCache<Article>,
    profiles: NearCache<Profile>,
    tags: NearCache<Vec<TagName>>,
    lists: NearCache<ArticlePage>,
}

impl NearCopies {
    fn new() -> Self {
        Self {
            articles: NearCache::new(32 * MIB, 2_000),
            profiles: NearCache::new(4 * MIB, 5_000),
            tags: NearCache::new(MIB, 1),
            lists: NearCache::new(16 * MIB, 1_000),
        }
    }
}

/// Which cache an entry belongs to, for the hit/miss metrics.
#[derive(Clone, Copy)]
enum Kind {
    Articles,
    Profiles,
    Tags,
    Lists,
    Feeds,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Articles => "articles",
            Kind::Profiles => "profiles",
            Kind::Tags => "tags",
            Kind::Lists => "lists",
            Kind::Feeds => "feeds",
        }
    }
}

impl RedisContentCache {
    pub fn new(store: RedisStore) -> Self {
        Self {
            store,
            board: Arc::new(VersionBoard::default()),
            near: Arc::new(NearCopies::new()),
        }
    }

    /// Starts following the invalidations other processes publish; until this runs
    /// (and whenever the subscription is down) every read goes to Redis.
    pub fn follow_invalidations(&self) {
        invalidations::follow(
            self.store.clone(),
            self.invalidations_channel(),
            Arc::clone(&self.board),
        );
    }

    fn invalidations_channel(&self) -> String {
        self.store.key("content:invalidations")
    }

    fn article_key(&self, slug: &Slug) -> String {
        self.store
            .key(&format!("content:article:{}", slug.as_str()))
    }

    fn profile_key(&self, username: &Username) -> String {
        let key = username.key();
        self.store.key(&format!("content:profile:{key}"))
    }

    fn tags_key(&self) -> String {
        self.store.key("content:tags")
    }

    /// All public list pages share the version of `content:lists`.
    fn lists_version_key(&self) -> String {
        self.store.key("content:lists:version")
    }

    /// All feed pages share the version of `content:feeds`.
    fn feeds_version_key(&self) -> String {
        self.store.key("content:feeds:version")
    }

    /// Feeds and public lists are versioned apart: follows change only feeds.
    fn list_kind(&self, key: &ListKey) -> (Kind, String) {
        match key.feed_of {
            Some(_) => (Kind::Feeds, self.feeds_version_key()),
            None => (Kind::Lists, self.lists_version_key()),
        }
    }

    fn list_key(&self, key: &ListKey) -> String {
        let subject = format!(
            "tag={:?}|author={:?}|feed={:?}|limit={}",
            key.tag, key.author, key.feed_of, key.limit
        );
        self.store.hashed_key("content:list", &subject)
    }

    async fn lookup(
        &self,
        kind: Kind,
        version_key: String,
        entry: &str,
    ) -> Result<(u64, Option<String>), PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = LOOKUP
            .key(version_key)
            .arg(entry)
            .invoke_async::<(u64, Option<String>)>(&mut connection)
            .await;
        let found = self.store.outcome(started, result);
        let outcome = match &found {
            Ok((_, Some(_))) => "hit",
            Ok((_, None)) => "miss",
            Err(_) => "error",
        };
        metrics::counter!("cache_requests_total", "cache" => kind.name(), "outcome" => outcome)
            .increment(1);
        found
    }

    /// Reads `entry` from the local copy when it is at the newest known version,
    /// else from Redis, keeping what Redis returned locally when that is the newest.
    async fn read<T: Clone + Footprint>(
        &self,
        kind: Kind,
        near: &NearCache<T>,
        version_key: String,
        entry: String,
        decode: impl FnOnce(&str) -> Result<T, PortError>,
    ) -> Result<Lookup<T>, PortError> {
        if let Some(version) = self.board.latest(&version_key)
            && let Some(value) = near.get(&entry, version)
        {
            metrics::counter!("cache_requests_total", "cache" => kind.name(), "outcome" => "hit")
                .increment(1);
            metrics::counter!("cache_local_hits_total", "cache" => kind.name()).increment(1);
            return Ok(Lookup {
                version,
                value: Some(value),
            });
        }
        let epoch = self.board.listening_epoch();
        let (version, json) = self.lookup(kind, version_key.clone(), &entry).await?;
        let value = json.map(|json| decode(&json)).transpose()?;
        if let (Some(epoch), Some(value)) = (epoch, &value)
            && self.board.observe(epoch, &version_key, version)
        {
            near.put(entry, version, value.clone());
        }
        Ok(Lookup { version, value })
    }

    async fn store_entry(
        &self,
        entry: &str,
        version: u64,
        value: &impl Serialize,
    ) -> Result<(), PortError> {
        let json = encode(value)?;
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = redis::cmd("SET")
            .arg(format!("{entry}:v{version}"))
            .arg(json)
            .arg("PX")
            .arg(jittered_ttl_ms())
            .query_async::<()>(&mut connection)
            .await;
        self.store.outcome(started, result)
    }

    /// Bumps `version_keys` (expiring after `ttl_seconds`, or never when 0) and
    /// announces the new versions.
    async fn bump(&self, version_keys: Vec<String>, ttl_seconds: u64) -> Result<(), PortError> {
        if version_keys.is_empty() {
            return Ok(());
        }
        let epoch = self.board.listening_epoch();
        let mut invocation = BUMP.prepare_invoke();
        for key in &version_keys {
            invocation.key(key);
        }
        invocation
            .arg(ttl_seconds)
            .arg(self.invalidations_channel());
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = invocation.invoke_async::<Vec<u64>>(&mut connection).await;
        let versions = self.store.outcome(started, result);
        // This process must not wait for its own announcement: a read that follows
        // the write here has to see it. When the new versions cannot be recorded (the
        // script's answer was lost, or the board started a new epoch meanwhile), the
        // board forgets everything instead, so no copy read before the bump is served.
        match (epoch, &versions) {
            (Some(epoch), Ok(versions)) if self.board.listening_epoch() == Some(epoch) => {
                for (key, version) in version_keys.iter().zip(versions) {
                    self.board.observe(epoch, key, *version);
                }
            }
            _ => self.board.forget_all(),
        }
        versions.map(|_| ())
    }
}

fn version_key(entry: &str) -> String {
    format!("{entry}:version")
}

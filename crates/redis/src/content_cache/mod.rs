//! Cached content in Redis under versioned keys, with local copies in front.

use std::sync::Arc;
use std::time::Instant;

use folio_application::content_cache::{EntryVersion, PerKind, SharedVersion};
use folio_application::ports::{Lookup, PortError};

use super::RedisStore;
use super::cached_content::{decode, encode};
use super::invalidations;
use super::near_cache::NearCache;
use super::version_board::VersionBoard;

mod adapter;
mod kinds;
mod scripts;

pub(crate) use kinds::StoredKind;
use scripts::{
    BUMP, ENTRY_VERSION_TTL_SECONDS, LOOKUP, SHARED_VERSIONS_NEVER_EXPIRE, jittered_ttl_ms,
};

/// Content entries in Redis under versioned keys: `<entry>:v<n>`, with `n` read from
/// the entry's version key in the same script call (its own, `<entry>:version`, or
/// one it shares with other entries, `content:<name>:version`). Invalidating
/// increments the version; stale entries are never read again and expire on their
/// own.
///
/// In front of Redis, each process keeps the entries it read last ([`NearCache`],
/// one per kind, sized by the kind's declaration) and serves them without a round
/// trip while their version is the newest it knows of. Every bump is published;
/// each process follows the channel and, while it cannot, serves nothing locally.
#[derive(Clone)]
pub struct RedisContentCache {
    store: RedisStore,
    board: Arc<VersionBoard>,
    /// One [`NearCache`] per kind, made on the kind's first read.
    near: Arc<PerKind>,
}

/// The Redis key holding the version an entry is read at.
struct VersionKey {
    key: String,
    /// What the entry's reads count as in the metrics: its kind, or the name of
    /// the version it shares.
    label: &'static str,
    /// Seconds the key lives after its last bump; 0 for never.
    expiry_seconds: u64,
}

impl RedisContentCache {
    pub fn new(store: RedisStore) -> Self {
        Self {
            store,
            board: Arc::new(VersionBoard::default()),
            near: Arc::new(PerKind::default()),
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

    fn entry<K: StoredKind>(&self, key: &K::Key) -> String {
        self.store.key(&K::entry(key))
    }

    fn version_key<K: StoredKind>(&self, key: &K::Key) -> VersionKey {
        match K::version(key) {
            EntryVersion::Own => VersionKey {
                key: format!("{}:version", self.entry::<K>(key)),
                label: K::NAME,
                expiry_seconds: ENTRY_VERSION_TTL_SECONDS,
            },
            EntryVersion::Shared(shared) => self.shared_version_key(shared),
        }
    }

    fn shared_version_key(&self, shared: SharedVersion) -> VersionKey {
        VersionKey {
            key: self
                .store
                .key(&format!("content:{}:version", shared.name())),
            label: shared.name(),
            expiry_seconds: SHARED_VERSIONS_NEVER_EXPIRE,
        }
    }

    fn near<K: StoredKind>(&self) -> Arc<NearCache<K::Value>> {
        let budget = K::LOCAL_COPIES;
        self.near
            .get_or_make::<K, _>(|| NearCache::new(budget.bytes, budget.expected_entries))
    }

    async fn lookup(
        &self,
        version: &VersionKey,
        entry: &str,
    ) -> Result<(u64, Option<String>), PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = LOOKUP
            .key(&version.key)
            .arg(entry)
            .invoke_async::<(u64, Option<String>)>(&mut connection)
            .await;
        let found = self.store.outcome(started, result);
        let outcome = match &found {
            Ok((_, Some(_))) => "hit",
            Ok((_, None)) => "miss",
            Err(_) => "error",
        };
        metrics::counter!("cache_requests_total", "cache" => version.label, "outcome" => outcome)
            .increment(1);
        found
    }

    /// Reads the entry under `key` from the local copy when it is at the newest
    /// known version, else from Redis, keeping what Redis returned locally when that
    /// is the newest.
    async fn read<K: StoredKind>(&self, key: &K::Key) -> Result<Lookup<K::Value>, PortError> {
        let entry = self.entry::<K>(key);
        let version_key = self.version_key::<K>(key);
        let near = self.near::<K>();
        if let Some(version) = self.board.latest(&version_key.key)
            && let Some(value) = near.get(&entry, version)
        {
            let label = version_key.label;
            metrics::counter!("cache_requests_total", "cache" => label, "outcome" => "hit")
                .increment(1);
            metrics::counter!("cache_local_hits_total", "cache" => label).increment(1);
            return Ok(Lookup {
                version,
                value: Some(value),
            });
        }
        let epoch = self.board.listening_epoch();
        let (version, json) = self.lookup(&version_key, &entry).await?;
        let value = json.map(|json| K::restore(decode(&json)?)).transpose()?;
        if let (Some(epoch), Some(value)) = (epoch, &value)
            && self.board.observe(epoch, &version_key.key, version)
        {
            near.put(entry, version, value.clone());
        }
        Ok(Lookup { version, value })
    }

    async fn store_entry<K: StoredKind>(
        &self,
        key: &K::Key,
        version: u64,
        value: &K::Value,
    ) -> Result<(), PortError> {
        let json = encode(&K::mirror(value))?;
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = redis::cmd("SET")
            .arg(format!("{}:v{version}", self.entry::<K>(key)))
            .arg(json)
            .arg("PX")
            .arg(jittered_ttl_ms(K::TTL))
            .query_async::<()>(&mut connection)
            .await;
        self.store.outcome(started, result)
    }

    /// The version `version_key` is at now: from the board when it is known there,
    /// else from Redis.
    async fn current_version(&self, version_key: &VersionKey) -> Result<u64, PortError> {
        if let Some(version) = self.board.latest(&version_key.key) {
            return Ok(version);
        }
        let epoch = self.board.listening_epoch();
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = redis::cmd("GET")
            .arg(&version_key.key)
            .query_async::<Option<u64>>(&mut connection)
            .await;
        let version = self.store.outcome(started, result)?.unwrap_or(0);
        if let Some(epoch) = epoch {
            self.board.observe(epoch, &version_key.key, version);
        }
        Ok(version)
    }

    /// Bumps `versions` (each renewing its expiry) and announces the new versions.
    async fn bump(&self, mut versions: Vec<VersionKey>) -> Result<(), PortError> {
        // One bump per key, however many of the entries share it.
        versions.sort_by(|a, b| a.key.cmp(&b.key));
        versions.dedup_by(|a, b| a.key == b.key);
        if versions.is_empty() {
            return Ok(());
        }
        let epoch = self.board.listening_epoch();
        let mut invocation = BUMP.prepare_invoke();
        invocation.arg(self.invalidations_channel());
        for version in &versions {
            invocation.key(&version.key).arg(version.expiry_seconds);
        }
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = invocation.invoke_async::<Vec<u64>>(&mut connection).await;
        let bumped = self.store.outcome(started, result);
        // This process must not wait for its own announcement: a read that follows
        // the write here has to see it. When the new versions cannot be recorded (the
        // script's answer was lost, or the board started a new epoch meanwhile), the
        // board forgets everything instead, so no copy read before the bump is served.
        match (epoch, &bumped) {
            (Some(epoch), Ok(numbers)) if self.board.listening_epoch() == Some(epoch) => {
                for (version, number) in versions.iter().zip(numbers) {
                    self.board.observe(epoch, &version.key, *number);
                }
            }
            _ => self.board.forget_all(),
        }
        bumped.map(|_| ())
    }
}

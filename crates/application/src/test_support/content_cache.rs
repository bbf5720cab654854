//! The content cache as maps in memory, for any kind, recording every call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::content_cache::{CachedKind, EntryVersion, PerKind, SharedVersion};
use crate::ports::{CacheOf, ContentCache, Lookup, PortError, SharedVersions};

use super::unavailable;

/// Versions and entries as the real cache keeps them (an entry is found only at
/// the current version of what it is read at), with every call in a log
/// (`"get articles"`, `"bump shared lists feeds"`, ...) and the arguments of each
/// kept per kind, so tests can say exactly what was asked and nothing else.
#[derive(Default)]
pub struct MemoryContentCache {
    kinds: PerKind,
    shared: Mutex<HashMap<SharedVersion, u64>>,
    shared_bumps: Mutex<Vec<Vec<SharedVersion>>>,
    log: Mutex<Vec<String>>,
    /// Every call fails, as with Redis down (and is still recorded).
    pub down: bool,
}

/// What the cache holds and was asked about one kind.
struct KindState<K: CachedKind> {
    own: HashMap<K::Key, u64>,
    entries: HashMap<(K::Key, u64), K::Value>,
    gets: Vec<K::Key>,
    stores: Vec<(K::Key, u64, K::Value)>,
    versions: Vec<K::Key>,
    bumps: Vec<Vec<K::Key>>,
}

impl<K: CachedKind> Default for KindState<K> {
    fn default() -> Self {
        Self {
            own: HashMap::new(),
            entries: HashMap::new(),
            gets: Vec::new(),
            stores: Vec::new(),
            versions: Vec::new(),
            bumps: Vec::new(),
        }
    }
}

impl MemoryContentCache {
    fn kind<K: CachedKind>(&self) -> Arc<Mutex<KindState<K>>> {
        self.kinds
            .get_or_make::<K, _>(Mutex::<KindState<K>>::default)
    }

    fn record(&self, call: String) -> Result<(), PortError> {
        self.log.lock().unwrap().push(call);
        if self.down {
            Err(unavailable())
        } else {
            Ok(())
        }
    }

    fn version_of<K: CachedKind>(&self, state: &KindState<K>, key: &K::Key) -> u64 {
        match K::version(key) {
            EntryVersion::Own => state.own.get(key).copied().unwrap_or(0),
            EntryVersion::Shared(shared) => self
                .shared
                .lock()
                .unwrap()
                .get(&shared)
                .copied()
                .unwrap_or(0),
        }
    }

    /// What `key` is read at is now `version` (and nothing is stored at it).
    pub fn at_version<K: CachedKind>(&self, key: &K::Key, version: u64) {
        let kind = self.kind::<K>();
        let mut state = kind.lock().unwrap();
        match K::version(key) {
            EntryVersion::Own => {
                state.own.insert(key.clone(), version);
            }
            EntryVersion::Shared(shared) => {
                self.shared.lock().unwrap().insert(shared, version);
            }
        }
    }

    /// `value` is cached under `key`, at `version`, which is current.
    pub fn holds<K: CachedKind>(&self, key: &K::Key, version: u64, value: K::Value) {
        self.at_version::<K>(key, version);
        let kind = self.kind::<K>();
        kind.lock()
            .unwrap()
            .entries
            .insert((key.clone(), version), value);
    }

    pub fn gets<K: CachedKind>(&self) -> Vec<K::Key> {
        self.kind::<K>().lock().unwrap().gets.clone()
    }

    pub fn stores<K: CachedKind>(&self) -> Vec<(K::Key, u64, K::Value)> {
        self.kind::<K>().lock().unwrap().stores.clone()
    }

    pub fn versions_asked<K: CachedKind>(&self) -> Vec<K::Key> {
        self.kind::<K>().lock().unwrap().versions.clone()
    }

    pub fn bumps<K: CachedKind>(&self) -> Vec<Vec<K::Key>> {
        self.kind::<K>().lock().unwrap().bumps.clone()
    }

    pub fn shared_bumps(&self) -> Vec<Vec<SharedVersion>> {
        self.shared_bumps.lock().unwrap().clone()
    }

    /// Every call so far, in order.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl<K: CachedKind> CacheOf<K> for MemoryContentCache {
    async fn get(&self, key: &K::Key) -> Result<Lookup<K::Value>, PortError> {
        let kind = self.kind::<K>();
        let mut state = kind.lock().unwrap();
        state.gets.push(key.clone());
        self.record(format!("get {}", K::NAME))?;
        let version = self.version_of(&state, key);
        Ok(Lookup {
            version,
            value: state.entries.get(&(key.clone(), version)).cloned(),
        })
    }

    async fn store(&self, key: &K::Key, version: u64, value: &K::Value) -> Result<(), PortError> {
        let kind = self.kind::<K>();
        let mut state = kind.lock().unwrap();
        state.stores.push((key.clone(), version, value.clone()));
        self.record(format!("store {}", K::NAME))?;
        state.entries.insert((key.clone(), version), value.clone());
        Ok(())
    }

    async fn version(&self, key: &K::Key) -> Result<u64, PortError> {
        let kind = self.kind::<K>();
        let mut state = kind.lock().unwrap();
        state.versions.push(key.clone());
        self.record(format!("version {}", K::NAME))?;
        Ok(self.version_of(&state, key))
    }

    async fn bump_entries(&self, keys: &[K::Key]) -> Result<(), PortError> {
        let kind = self.kind::<K>();
        let mut state = kind.lock().unwrap();
        state.bumps.push(keys.to_vec());
        self.record(format!("bump {}", K::NAME))?;
        for key in keys {
            match K::version(key) {
                EntryVersion::Own => *state.own.entry(key.clone()).or_default() += 1,
                EntryVersion::Shared(shared) => {
                    *self.shared.lock().unwrap().entry(shared).or_default() += 1;
                }
            }
        }
        Ok(())
    }
}

impl SharedVersions for MemoryContentCache {
    async fn bump_shared(&self, versions: &[SharedVersion]) -> Result<(), PortError> {
        self.shared_bumps.lock().unwrap().push(versions.to_vec());
        let names: Vec<_> = versions.iter().map(|version| version.name()).collect();
        self.record(format!("bump shared {}", names.join(" ")))?;
        let mut shared = self.shared.lock().unwrap();
        for version in versions {
            *shared.entry(*version).or_default() += 1;
        }
        Ok(())
    }
}

impl ContentCache for MemoryContentCache {}

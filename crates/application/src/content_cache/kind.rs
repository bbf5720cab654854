//! What a kind of cached content declares: everything the generic read path, the
//! cache adapter and its local copies need to know about it.

use std::hash::Hash;
use std::time::Duration;

use crate::Ports;
use crate::ports::PortError;

/// One kind of cached content (single articles, profiles, list pages, ...). The
/// declaration is the whole of it: `Folio::read_through` reads any kind, and the
/// cache adapter stores any kind it has a codec for.
pub trait CachedKind: 'static {
    /// Names the kind in logs and metrics.
    const NAME: &'static str;
    /// How much of it each process may keep in memory (see [`LocalBudget`]).
    const LOCAL_COPIES: LocalBudget;
    /// How long an entry lives in the cache before it is loaded again, whether or
    /// not anything changed; writes end it sooner.
    const TTL: Duration;

    /// What a reader asks for: the load reads it from the repositories.
    type Query;
    /// What an entry is shared under. Spellings of one request share one key.
    type Key: Clone + Eq + Hash + Send + Sync + 'static;
    /// What is cached: public parts only, never what depends on the viewer.
    type Value: Clone + Send + Sync + 'static;

    /// The key `query` is shared under, or `None` when such reads are not cached
    /// (they go to the repositories every time).
    fn key(query: &Self::Query) -> Option<Self::Key>;

    /// The version the entry under `key` is read and stored at.
    fn version(key: &Self::Key) -> EntryVersion;

    /// The value as stored now; `None` when there is none (nothing is cached then).
    async fn load<P: Ports>(
        ports: &P,
        query: &Self::Query,
    ) -> Result<Option<Self::Value>, PortError>;
}

/// Which version an entry is read at. Bumping a version makes every entry read at
/// it stale at once, without finding or deleting any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryVersion {
    /// A version of its own (one article, one profile): changes to other entries
    /// of the kind leave it alone.
    Own,
    /// A version shared with other entries (every public list page): one bump ends
    /// them all.
    Shared(SharedVersion),
}

/// A version many entries are read at, named once (`SharedVersion::LISTS`, ...).
/// The name is part of the cache's keys and of its metrics: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SharedVersion(&'static str);

impl SharedVersion {
    pub const fn named(name: &'static str) -> Self {
        Self(name)
    }

    pub fn name(self) -> &'static str {
        self.0
    }
}

/// The memory each process may spend on local copies of one kind: bounded in
/// bytes (values vary in size: article bodies may be large), with the number of
/// entries expected to fill it as a sizing hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalBudget {
    pub bytes: u64,
    pub expected_entries: usize,
}

pub const MIB: u64 = 1024 * 1024;

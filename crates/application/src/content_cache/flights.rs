//! Concurrent misses for one entry share one load, whatever the kind.

use std::sync::Arc;

use super::{CachedKind, PerKind};
use crate::single_flight::SingleFlight;

/// The loads in flight, by kind, key and cache version. The version is part of
/// the key: a reader that saw a newer version must not wait for (and receive) a
/// load that started before the change behind it.
#[derive(Default)]
pub(crate) struct Flights {
    tables: PerKind,
}

/// The loads of one kind, by key and version; `None` is a load that found nothing.
type FlightsOf<K> = SingleFlight<(<K as CachedKind>::Key, u64), Option<<K as CachedKind>::Value>>;

impl Flights {
    pub fn of<K: CachedKind>(&self) -> Arc<FlightsOf<K>> {
        self.tables.get_or_make::<K, _>(FlightsOf::<K>::default)
    }
}

//! Failures a client can repeat at will (rejected tokens, refused CSRF checks, rate
//! limits hit) are counted here, in memory, and written to the audit log as one row
//! per (event, address, account, limit) and window, with the count, instead of one
//! row per request: an anonymous client must not be able to grow an append-only
//! table at its own pace.
//!
//! A client with many addresses (one IPv6 /48 holds 65,536 /64s) could still
//! open one row per address, so past [`CLIENT_TALLIES`] open keys new ones are summed
//! by wider network, and past [`NETWORK_TALLIES`] of those into one row per event
//! type: at most `CLIENT_TALLIES + NETWORK_TALLIES` plus one per event type are open
//! at once per instance, so that many rows per window, whatever the request rate.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

use folio_domain::{AuditEventType, Timestamp, UserId};

use crate::ClientInfo;
use crate::ports::AuditRecord;

mod wider_network;
use wider_network::wider_network;

/// Open tallies of one client each (event, address, account, limit) kept at most.
const CLIENT_TALLIES: usize = 1_000;

/// Open tallies of one event type and wider network (an IPv4 /24, an IPv6 /48) kept
/// at most, once the client tallies are full. Past it, new keys are summed into one
/// tally per event type under the network `*`, so nothing goes uncounted.
const NETWORK_TALLIES: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    event_type: AuditEventType,
    network: String,
    subject: Option<UserId>,
    /// The limit that was hit, for `rate_limited`.
    limit: Option<String>,
}

#[derive(Debug)]
struct Tally {
    /// The window's first event, as it would have been written on its own.
    first: AuditRecord,
    counts: Counts,
}

#[derive(Debug)]
struct Counts {
    events: u64,
    last_at: Timestamp,
    /// How many events gave each `reason`.
    reasons: BTreeMap<String, u64>,
    /// How many events hit each `limit`.
    limits: BTreeMap<String, u64>,
}

#[derive(Default)]
struct OpenTallies {
    clients: HashMap<ClientKey, Tally>,
    networks: HashMap<(AuditEventType, String), Tally>,
    anywhere: HashMap<AuditEventType, Tally>,
}

pub(crate) struct AuditTally {
    window: chrono::Duration,
    open: Mutex<OpenTallies>,
}

impl AuditTally {
    pub(crate) fn new(window: std::time::Duration) -> Self {
        Self {
            window: chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX),
            open: Mutex::new(OpenTallies::default()),
        }
    }

    pub(crate) fn window(&self) -> chrono::Duration {
        self.window
    }

    /// Counts `record`, which happened from `network`.
    pub(crate) fn add(&self, record: AuditRecord, network: String) {
        let mut guard = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let open = &mut *guard;
        let key = ClientKey {
            event_type: record.event_type,
            network,
            subject: record.subject,
            limit: record.details.get("limit").cloned(),
        };
        if open.clients.len() < CLIENT_TALLIES || open.clients.contains_key(&key) {
            return count_into(&mut open.clients, key, record);
        }
        let wider = (record.event_type, wider_network(&key.network));
        if open.networks.len() < NETWORK_TALLIES || open.networks.contains_key(&wider) {
            return count_into(&mut open.networks, wider, record);
        }
        count_into(&mut open.anywhere, record.event_type, record);
    }

    /// The rows of every tally whose window has ended by `now` (of every tally when
    /// `everything`, at shutdown), removed from the tally.
    pub(crate) fn take_due(&self, now: Timestamp, everything: bool) -> Vec<AuditRecord> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let due = |tally: &Tally| everything || now - tally.first.occurred_at >= self.window;
        let mut rows: Vec<AuditRecord> = open
            .clients
            .extract_if(|_, tally| due(tally))
            .map(|(_, tally)| self.row(tally, None))
            .collect();
        rows.extend(
            open.networks
                .extract_if(|_, tally| due(tally))
                .map(|((_, network), tally)| self.row(tally, Some(network))),
        );
        rows.extend(
            open.anywhere
                .extract_if(|_, tally| due(tally))
                .map(|(_, tally)| self.row(tally, Some("*".to_owned()))),
        );
        rows
    }

    /// The tally's row: its first event with the counts, or, for a tally of many
    /// clients (`summed_over` their network), only what happened and how often.
    fn row(&self, tally: Tally, summed_over: Option<String>) -> AuditRecord {
        let mut row = match summed_over {
            Some(network) => summary(&tally.first, network),
            None => tally.first,
        };
        let counts = tally.counts;
        row = row
            .detail("count", counts.events.to_string())
            .detail("window_seconds", self.window.num_seconds().to_string());
        if counts.events > 1 {
            row = row.detail("last_at", counts.last_at.to_rfc3339());
        }
        row = with_counts(row, "reason", counts.reasons);
        with_counts(row, "limit", counts.limits)
    }
}

fn count_into<K: Eq + Hash>(tallies: &mut HashMap<K, Tally>, key: K, record: AuditRecord) {
    match tallies.entry(key) {
        Entry::Occupied(mut tally) => tally.get_mut().counts.add(&record),
        Entry::Vacant(slot) => {
            let mut counts = Counts {
                events: 0,
                last_at: record.occurred_at,
                reasons: BTreeMap::new(),
                limits: BTreeMap::new(),
            };
            counts.add(&record);
            slot.insert(Tally {
                first: record,
                counts,
            });
        }
    }
}

impl Counts {
    fn add(&mut self, record: &AuditRecord) {
        self.events += 1;
        self.last_at = self.last_at.max(record.occurred_at);
        if let Some(reason) = record.details.get("reason") {
            *self.reasons.entry(reason.clone()).or_default() += 1;
        }
        if let Some(limit) = record.details.get("limit") {
            *self.limits.entry(limit.clone()).or_default() += 1;
        }
    }
}

/// A row for the events of many clients: no account, session, address, user agent,
/// request id or email of whichever client came first.
fn summary(first: &AuditRecord, network: String) -> AuditRecord {
    AuditRecord {
        occurred_at: first.occurred_at,
        event_type: first.event_type,
        outcome: first.outcome,
        actor: None,
        subject: None,
        session: None,
        client: ClientInfo::default(),
        details: BTreeMap::new(),
    }
    .detail("network", network)
}

/// One value stays `name`; several are counted one by one as `name.<value>`.
fn with_counts(mut row: AuditRecord, name: &str, counts: BTreeMap<String, u64>) -> AuditRecord {
    row.details.remove(name);
    if counts.len() == 1 {
        let value = counts.into_keys().next().unwrap_or_default();
        return row.detail(name, value);
    }
    for (value, count) in counts {
        row = row.detail(&format!("{name}.{value}"), count.to_string());
    }
    row
}

#[cfg(test)]
mod tests;

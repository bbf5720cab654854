use folio_domain::Timestamp;

use super::PortError;

/// An event in the outbox once the relay has given it its place in the one global
/// order: `sequence` grows by one per event, in the order commits became visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    pub sequence: u64,
    /// `DomainEvent::name`.
    pub name: String,
    /// The event's fields, as `crate::events::encode` gave them.
    pub fields: Vec<(String, String)>,
    pub occurred_at: Timestamp,
}

/// How far the relay is behind the writers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxLag {
    /// Committed events not yet published.
    pub events: u64,
    /// Age of the oldest of them, in milliseconds (0 when none).
    pub oldest_ms: u64,
}

/// The relay's side of the outbox table.
pub trait OutboxStore: Send + Sync + 'static {
    type Lease: OutboxLease;

    /// The right to number and publish events, held by one relay at a time until
    /// released. `None` when another relay holds it.
    async fn lease(&self) -> Result<Option<Self::Lease>, PortError>;

    /// Deletes published events that occurred before `before`; returns how many.
    async fn remove_published_before(&self, before: Timestamp) -> Result<u64, PortError>;

    /// The sequence of the first event that occurred at or after `since`.
    async fn first_sequence_since(&self, since: Timestamp) -> Result<Option<u64>, PortError>;

    async fn lag(&self, now: Timestamp) -> Result<OutboxLag, PortError>;
}

/// Held while numbering and publishing: no other relay does either until it is
/// released, and what it did commits at release.
pub trait OutboxLease: Send {
    /// Up to `limit` sequenced, unpublished events, in sequence order.
    async fn pending(&mut self, limit: u32) -> Result<Vec<OutboxEvent>, PortError>;

    /// Marks every event up to `sequence` published.
    async fn mark_published(&mut self, sequence: u64) -> Result<(), PortError>;

    /// Gives up to `limit` committed events that have none their sequence numbers,
    /// in the order their commits became visible; they are pending once the lease
    /// is released. Returns how many were numbered.
    async fn sequence(&mut self, limit: u32) -> Result<u32, PortError>;

    /// Commits what was marked and lets other relays in.
    async fn release(self) -> Result<(), PortError>;
}

/// Where published events go: an append-only log consumers read in order.
pub trait EventStream: Send + Sync + 'static {
    /// Appends `events`, in order, each under its sequence number, in one round
    /// trip. Returns how many were new: an entry whose number (or a later one) is
    /// already there was appended before, by a relay that stopped before marking it
    /// published. On failure some of the first events may be in already; appending
    /// them again is harmless.
    async fn append(&self, events: &[OutboxEvent]) -> Result<usize, PortError>;

    /// Drops entries beyond the newest `max_len`, and those before `min_sequence`.
    async fn trim(&self, max_len: u64, min_sequence: Option<u64>) -> Result<(), PortError>;
}

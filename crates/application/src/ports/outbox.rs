use folio_domain::Timestamp;

use super::PortError;

/// An event in the outbox, handed to the relay in the one global order: `sequence`
/// grows by one per event, and an event keeps its number however often it is
/// handed out again (after a relay stopped before marking it published).
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

    /// The right to publish events, held by one relay at a time until released.
    /// `None` when another relay holds it.
    async fn lease(&self) -> Result<Option<Self::Lease>, PortError>;

    /// Deletes published events that occurred before `before`; returns how many.
    async fn remove_published_before(&self, before: Timestamp) -> Result<u64, PortError>;

    async fn lag(&self, now: Timestamp) -> Result<OutboxLag, PortError>;
}

/// What is left in the outbox when a lease is released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backlog {
    /// Nothing committed was left unpublished when the lease began.
    #[default]
    Clear,
    /// Events are ready to publish: worth another lease at once.
    Ready,
    /// Events may be committing, and the ones after them wait for those
    /// transactions to end to have their place in the order: worth another lease
    /// shortly.
    Settling,
}

/// Held while publishing: no other relay publishes until it is released, and what
/// it marked commits at release.
pub trait OutboxLease: Send {
    /// Up to `limit` committed, unpublished events, in the one global order.
    async fn pending(&mut self, limit: u32) -> Result<Vec<OutboxEvent>, PortError>;

    /// Marks every event up to `sequence`, one `pending` handed out, published.
    async fn mark_published(&mut self, sequence: u64) -> Result<(), PortError>;

    /// Commits what was marked, lets other relays in, and says what is left.
    async fn release(self) -> Result<Backlog, PortError>;
}

/// Where published events go: an append-only log consumers read in order.
pub trait EventStream: Send + Sync + 'static {
    /// Appends `events`, in order, each under its sequence number, in one round
    /// trip. Returns how many were new: an entry whose number (or a later one) is
    /// already there was appended before, by a relay that stopped before marking it
    /// published. On failure some of the first events may be in already; appending
    /// them again is harmless.
    async fn append(&self, events: &[OutboxEvent]) -> Result<usize, PortError>;

    /// Drops entries beyond the newest `max_len`, and those of events that occurred
    /// before `occurred_before`.
    async fn trim(&self, max_len: u64, occurred_before: Timestamp) -> Result<(), PortError>;
}

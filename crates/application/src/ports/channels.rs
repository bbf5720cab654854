use folio_domain::{Timestamp, UserId};

use super::{OutboxEvent, PortError};
use crate::realtime::{ChannelEvent, EventData, EventId, Seat};

/// One event for one channel, as the realtime feeder appends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelAppend {
    /// The channel's name (`article:<slug>`, `user:<name>`).
    pub channel: String,
    /// The event's place in the global order (its outbox sequence).
    pub sequence: u64,
    /// What clients see as the event's `type` (`comment.created`, ...).
    pub kind: &'static str,
    pub occurred_at: Timestamp,
    pub data: EventData,
}

/// What a channel holds after an event id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// Every retained event after the id, oldest first, and the channel's last id
    /// (`0-0` for a channel that never had one).
    Events {
        events: Vec<ChannelEvent>,
        last: EventId,
    },
    /// Events after the id were trimmed away: the client must load afresh.
    Gap,
}

/// The realtime side of the event stream: per-channel streams fed, in the global
/// order, from the published events, with a notice to every instance for each event
/// appended.
pub trait ChannelStream: Send + Sync + 'static {
    /// Published events after the last one the channels were fed, oldest first, at
    /// most `count`.
    async fn unfed(&self, count: u32) -> Result<Vec<OutboxEvent>, PortError>;

    /// Appends `appends` to their channels and notifies every instance, then records
    /// that every event up to `through` was fed, all at once. Appends of events
    /// already fed (a batch handled twice, or by two instances) are skipped, so a
    /// channel never holds an event twice nor out of order. Returns how many were
    /// appended.
    async fn feed(&self, appends: &[ChannelAppend], through: u64) -> Result<usize, PortError>;

    /// The events of `channel` after `after`, at most `limit`; with no `after`, none,
    /// and the channel's last id.
    async fn replay(
        &self,
        channel: &str,
        after: Option<EventId>,
        limit: u32,
    ) -> Result<Replay, PortError>;
}

/// The sockets each user has open across the deployment, to cap them.
pub trait SocketSeats: Send + Sync + 'static {
    /// Takes (or keeps) a seat for `socket` among `user`'s at most `max`, held for
    /// `hold` unless taken again; `false` when all are taken by other sockets.
    async fn take(
        &self,
        user: UserId,
        socket: &str,
        max: u32,
        hold: std::time::Duration,
    ) -> Result<bool, PortError>;

    async fn release(&self, user: UserId, socket: &str) -> Result<(), PortError>;

    /// Releases many seats in one round trip (an instance's at shutdown).
    async fn release_all(&self, seats: &[Seat]) -> Result<(), PortError>;
}

//! An event as a channel carries it to clients.

use folio_domain::Timestamp;

use super::EventId;

/// A value of an event's data: text or a whole number (ids, counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataValue {
    Text(String),
    Integer(i64),
}

/// An event's data as named values, in the order clients see them.
pub type EventData = Vec<(String, DataValue)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelEvent {
    /// The channel's canonical name.
    pub channel: String,
    /// The event's id in its channel: what clients resume after.
    pub id: EventId,
    /// `comment.created`, `article.favorited`, ...
    pub kind: String,
    pub occurred_at: Timestamp,
    pub data: EventData,
}

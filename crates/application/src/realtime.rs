//! Live updates: which channels each published event belongs to, who may follow a
//! channel, the feeder that appends published events to the channels' streams, and
//! the hub that hands each instance's live events to its local sockets. The socket
//! protocol itself is the WebSocket adapter's.

mod channel;
mod event;
mod event_id;
mod feed;
mod feeder;
mod hub;
mod routing;

pub use channel::{Channel, FEED, InvalidChannel, SubscribeRefusal};
pub use event::{ChannelEvent, DataValue, EventData};
pub use event_id::EventId;
pub use feed::FeedFilter;
pub use feeder::{ChannelFeeder, FeederSettings};
pub use hub::{Hub, HubSocket, Incoming, Seat};
pub use routing::{
    AUTHOR_FIELD, Delivery, FOLLOWING_ADDED, FOLLOWING_REMOVED, SESSION_REVOKED, deliveries,
};

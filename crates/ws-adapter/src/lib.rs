//! Folio's realtime adapter. This crate owns the websocket envelope protocol: the
//! messages clients and server exchange on `/api/v1/ws`. The endpoint, socket
//! authentication, subscriptions and fan-out build on these types.

mod envelope;

pub use envelope::{ClientMessage, ProtocolError, ServerMessage, parse_client_message};

//! What sockets need from the application, behind one object-safe trait so the
//! endpoint is not generic over the ports.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use folio_application::ports::{ChannelStream, PortError, Replay, SocketSeats};
use folio_application::realtime::{EventId, FeedFilter};
use folio_application::views::Authenticated;
use folio_application::{AppError, ClientInfo, Folio, Ports};
use folio_domain::UserId;

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

pub trait RealtimeBackend: Send + Sync + 'static {
    fn authenticate<'a>(
        &'a self,
        token: &'a str,
        client: &'a ClientInfo,
    ) -> Boxed<'a, Result<Authenticated, AppError>>;

    fn replay<'a>(
        &'a self,
        channel: &'a str,
        after: Option<EventId>,
        limit: u32,
    ) -> Boxed<'a, Result<Replay, PortError>>;

    fn feed_filter<'a>(
        &'a self,
        user: &'a Authenticated,
    ) -> Boxed<'a, Result<FeedFilter, AppError>>;

    fn take_seat<'a>(
        &'a self,
        user: UserId,
        socket: &'a str,
        max: u32,
        hold: Duration,
    ) -> Boxed<'a, Result<bool, PortError>>;

    fn release_seat<'a>(
        &'a self,
        user: UserId,
        socket: &'a str,
    ) -> Boxed<'a, Result<(), PortError>>;
}

/// The application and the channel streams, as sockets use them.
pub struct Backend<P: Ports, S, R> {
    pub folio: Arc<Folio<P>>,
    pub channels: S,
    pub seats: R,
}

impl<P: Ports, S: ChannelStream, R: SocketSeats> RealtimeBackend for Backend<P, S, R> {
    fn authenticate<'a>(
        &'a self,
        token: &'a str,
        client: &'a ClientInfo,
    ) -> Boxed<'a, Result<Authenticated, AppError>> {
        Box::pin(self.folio.authenticate(token, client))
    }

    fn replay<'a>(
        &'a self,
        channel: &'a str,
        after: Option<EventId>,
        limit: u32,
    ) -> Boxed<'a, Result<Replay, PortError>> {
        Box::pin(self.channels.replay(channel, after, limit))
    }

    fn feed_filter<'a>(
        &'a self,
        user: &'a Authenticated,
    ) -> Boxed<'a, Result<FeedFilter, AppError>> {
        Box::pin(self.folio.feed_filter(user))
    }

    fn take_seat<'a>(
        &'a self,
        user: UserId,
        socket: &'a str,
        max: u32,
        hold: Duration,
    ) -> Boxed<'a, Result<bool, PortError>> {
        Box::pin(self.seats.take(user, socket, max, hold))
    }

    fn release_seat<'a>(
        &'a self,
        user: UserId,
        socket: &'a str,
    ) -> Boxed<'a, Result<(), PortError>> {
        Box::pin(self.seats.release(user, socket))
    }
}

//! What sockets need from the application, behind one object-safe trait so the
//! endpoint is not generic over the ports.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use folio_application::ports::{ChannelStream, PortError, Replay};
use folio_application::realtime::EventId;
use folio_application::views::Authenticated;
use folio_application::{AppError, ClientInfo, Folio, Ports};

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
}

/// The application and the channel streams, as sockets use them.
pub struct Backend<P: Ports, S> {
    pub folio: Arc<Folio<P>>,
    pub channels: S,
}

impl<P: Ports, S: ChannelStream> RealtimeBackend for Backend<P, S> {
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
}

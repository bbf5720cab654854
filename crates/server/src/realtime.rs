//! Live updates: the feeder that appends published events to the realtime
//! channels, the instance's one subscription to their notices (fanned out by the
//! hub to local sockets), and the state the WebSocket endpoint is mounted with.

use std::sync::Arc;

use folio_application::Folio;
use folio_application::doorbell::Doorbell;
use folio_application::ports::SocketSeats;
use folio_application::realtime::{ChannelFeeder, FeederSettings, Hub};
use folio_redis::{
    RedisChannelStream, RedisRealtimeNotices, RedisSocketSeats, RedisStore, Retention,
};
use folio_ws::{Backend, WsSettings, WsState};

use crate::adapters::Adapters;
use crate::background::{Supervised, TaskBoard};

pub struct RealtimeTasks {
    feeder: Supervised,
    notices: Supervised,
    closer: SocketCloser,
}

/// Closes the instance's sockets (1001: clients resume on another instance) and
/// releases all their seats in one round trip.
#[derive(Clone)]
pub struct SocketCloser {
    hub: Arc<Hub>,
    seats: RedisSocketSeats,
}

impl SocketCloser {
    pub async fn close_all(&self) {
        let seats = self.hub.close_all();
        if seats.is_empty() {
            return;
        }
        if let Err(error) = self.seats.release_all(&seats).await {
            tracing::warn!(%error, seats = seats.len(), "could not release the sockets' seats; they free themselves when their hold ends");
        }
    }
}

impl RealtimeTasks {
    /// Starts the feeder (woken when this instance publishes) and the subscription
    /// on `redis` (the background tasks' connection).
    pub fn start(
        redis: &RedisStore,
        retention: Retention,
        published: Doorbell,
        board: &TaskBoard,
    ) -> Self {
        let hub = Arc::new(Hub::default());
        let channels = RedisChannelStream::new(redis.clone(), retention);
        let feeder =
            ChannelFeeder::new(channels.clone(), FeederSettings::default()).woken_by(published);
        let feeder = Arc::new(feeder);
        let feeder = Supervised::spawn("realtime feeder", board, move |stop| {
            let feeder = feeder.clone();
            async move { feeder.run(stop.stopped()).await }
        });
        let notices = RedisRealtimeNotices::new(redis.clone(), channels);
        let followed = hub.clone();
        let notices = Supervised::spawn("realtime notices", board, move |stop| {
            let (notices, hub) = (notices.clone(), followed.clone());
            async move { notices.follow(hub, stop.stopped()).await }
        });
        Self {
            feeder,
            notices,
            closer: SocketCloser {
                hub,
                seats: RedisSocketSeats::new(redis.clone()),
            },
        }
    }

    /// What the endpoint needs; replays read through `redis` (the requests'
    /// connection).
    pub fn endpoint(
        &self,
        folio: Arc<Folio<Adapters>>,
        redis: &RedisStore,
        retention: Retention,
        settings: WsSettings,
    ) -> WsState {
        WsState {
            backend: Arc::new(Backend {
                folio,
                channels: RedisChannelStream::new(redis.clone(), retention),
                seats: RedisSocketSeats::new(redis.clone()),
            }),
            hub: self.closer.hub.clone(),
            settings: Arc::new(settings),
        }
    }

    pub fn closer(&self) -> SocketCloser {
        self.closer.clone()
    }

    pub async fn stop(self) {
        self.closer.close_all().await;
        self.feeder.stop().await;
        self.notices.stop().await;
    }
}

/// Closes the sockets as soon as the process is asked to stop, so that the API's
/// drain does not wait for them (actix handles the same signals to drain).
pub fn close_sockets_on_signal(realtime: &RealtimeTasks) {
    let closer = realtime.closer();
    tokio::spawn(async move {
        stop_requested().await;
        closer.close_all().await;
    });
}

#[cfg(unix)]
async fn stop_requested() {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut terminate) = signal(SignalKind::terminate()) else {
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

#[cfg(not(unix))]
async fn stop_requested() {
    let _ = tokio::signal::ctrl_c().await;
}

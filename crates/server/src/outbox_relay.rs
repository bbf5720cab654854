//! Runs the outbox relay in the background: publishing (see
//! `folio_application::outbox_relay`), a retention pass every minute, and the lag
//! gauges every second. Stopped after the API server, so the events of the last
//! requests are published before the process exits.

use std::sync::Arc;
use std::time::Duration;

use folio_application::doorbell::Doorbell;
use folio_application::outbox_relay::{OutboxRelay, RelaySettings};
use folio_postgres::{Database, PgOutboxStore};
use folio_redis::{RedisEventStream, RedisStore};

use crate::background::{StopSignal, Supervised, TaskBoard};
use crate::clock::SystemClock;

type Relay = OutboxRelay<PgOutboxStore, RedisEventStream, SystemClock>;

const CLEAN_UP_EVERY: Duration = Duration::from_secs(60);
const REPORT_LAG_EVERY: Duration = Duration::from_secs(1);

/// The running relay; [`RelayTask::stop`] makes it publish a last round and end.
pub struct RelayTask {
    relay: Supervised,
    upkeep: Supervised,
}

impl RelayTask {
    pub fn start(
        database: Database,
        redis: RedisStore,
        settings: RelaySettings,
        (commits, published): (Doorbell, Doorbell),
        board: &TaskBoard,
    ) -> Self {
        let relay = Relay::new(
            PgOutboxStore::new(database),
            RedisEventStream::new(redis),
            SystemClock,
            settings,
        )
        .woken_by(commits)
        .ringing(published);
        let relay = Arc::new(relay);
        let upkeep = Supervised::spawn("outbox upkeep", board, {
            let relay = relay.clone();
            move |stop| upkeep(relay.clone(), stop)
        });
        let relay = Supervised::spawn("outbox relay", board, move |stop| {
            let relay = relay.clone();
            async move { relay.run(stop.stopped()).await }
        });
        Self { relay, upkeep }
    }

    /// Publishes what is committed and stops.
    pub async fn stop(self) {
        self.upkeep.stop().await;
        self.relay.stop().await;
    }
}

async fn upkeep(relay: Arc<Relay>, stop: StopSignal) {
    let mut lag = tokio::time::interval(REPORT_LAG_EVERY);
    let mut clean_up = tokio::time::interval(CLEAN_UP_EVERY);
    let stopped = stop.stopped();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => return,
            _ = lag.tick() => match relay.lag().await {
                Ok(lag) => {
                    metrics::gauge!("outbox_lag_events").set(gauge(lag.events));
                    metrics::gauge!("outbox_lag_seconds").set(gauge(lag.oldest_ms) / 1000.0);
                }
                Err(error) => tracing::debug!(%error, "could not measure the outbox lag"),
            },
            _ = clean_up.tick() => {
                if let Err(error) = relay.clean_up().await {
                    tracing::warn!(%error, "outbox retention pass failed");
                }
            }
        }
    }
}

/// A gauge's value; counts past `u32::MAX` show as that (a gauge, not a ledger).
fn gauge(value: u64) -> f64 {
    f64::from(u32::try_from(value).unwrap_or(u32::MAX))
}

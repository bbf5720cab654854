//! The outbox relay: publishes committed events to the event stream in the one
//! global order, at least once into Redis and exactly once in the stream (an entry
//! id is its sequence, so Redis refuses a second copy). Every instance runs one; the
//! outbox's relay row lets one at a time work, the others wait their turn. While
//! Redis is down nothing is marked published, so everything goes out once it is back.

use std::future::Future;
use std::time::Duration;

use tracing::{debug, warn};

use crate::ports::{Clock, EventStream, OutboxLag, OutboxLease, OutboxStore, PortError};

#[derive(Debug, Clone, Copy)]
pub struct RelaySettings {
    /// Events sequenced and published per round.
    pub batch: u32,
    /// How long to wait for new events when a round found none.
    pub idle_poll: Duration,
    /// The longest wait after a failure (the wait doubles from `idle_poll`).
    pub max_backoff: Duration,
    /// Stream entries kept at most (approximately).
    pub stream_max_len: u64,
    /// Stream entries older than this are trimmed.
    pub stream_max_age: Duration,
    /// Published outbox rows older than this are deleted.
    pub retention: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            batch: 500,
            idle_poll: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            stream_max_len: 100_000,
            stream_max_age: Duration::from_secs(24 * 3600),
            retention: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

pub struct OutboxRelay<O, S, C> {
    outbox: O,
    stream: S,
    clock: C,
    settings: RelaySettings,
}

impl<O: OutboxStore, S: EventStream, C: Clock> OutboxRelay<O, S, C> {
    pub fn new(outbox: O, stream: S, clock: C, settings: RelaySettings) -> Self {
        Self {
            outbox,
            stream,
            clock,
            settings,
        }
    }

    /// One round: numbers what committed since the last round, then publishes what
    /// is numbered and not yet published. Returns how many events it published
    /// (0 when another relay had the turn).
    pub async fn relay_once(&self) -> Result<usize, PortError> {
        self.outbox.sequence(self.settings.batch).await?;
        let Some(mut lease) = self.outbox.lease().await? else {
            return Ok(0);
        };
        let events = lease.pending(self.settings.batch).await?;
        let mut published = None;
        let mut failure = None;
        for event in &events {
            match self.stream.append(event).await {
                Ok(appended) => {
                    if !appended {
                        debug!(sequence = event.sequence, "event was already in the stream");
                    }
                    published = Some(event.sequence);
                }
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        if let Some(sequence) = published {
            lease.mark_published(sequence, self.clock.now()).await?;
        }
        lease.release().await?;
        let count = match published {
            Some(last) => events.iter().take_while(|e| e.sequence <= last).count(),
            None => 0,
        };
        metrics::counter!("outbox_published_total")
            .increment(u64::try_from(count).unwrap_or(u64::MAX));
        match failure {
            Some(error) => Err(error),
            None => Ok(count),
        }
    }

    /// Relays until `stop` completes, then makes one last round so that what was
    /// committed before the stop is published too.
    pub async fn run(&self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        let mut backoff = self.settings.idle_poll;
        loop {
            let wait = match self.relay_once().await {
                Ok(published) if published > 0 => {
                    backoff = self.settings.idle_poll;
                    Duration::ZERO
                }
                Ok(_) => self.settings.idle_poll,
                Err(error) => {
                    warn!(%error, retry_in_ms = backoff.as_millis(), "outbox relay failed; retrying");
                    let wait = backoff;
                    backoff = (backoff * 2).min(self.settings.max_backoff);
                    wait
                }
            };
            tokio::select! {
                () = &mut stop => break,
                () = tokio::time::sleep(wait) => {}
            }
        }
        if let Err(error) = self.relay_once().await {
            warn!(%error, "outbox relay could not publish its last round");
        }
    }

    /// Retention: trims the stream by length and age, and deletes published rows
    /// past their retention.
    pub async fn clean_up(&self) -> Result<u64, PortError> {
        let now = self.clock.now();
        let age = chrono::Duration::from_std(self.settings.stream_max_age)
            .unwrap_or(chrono::Duration::MAX);
        let first_kept = self.outbox.first_sequence_since(now - age).await?;
        self.stream
            .trim(self.settings.stream_max_len, first_kept)
            .await?;
        let retention =
            chrono::Duration::from_std(self.settings.retention).unwrap_or(chrono::Duration::MAX);
        self.outbox.remove_published_before(now - retention).await
    }

    /// How far behind the writers the relay is.
    pub async fn lag(&self) -> Result<OutboxLag, PortError> {
        self.outbox.lag(self.clock.now()).await
    }
}

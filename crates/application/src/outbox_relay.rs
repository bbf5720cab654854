//! The outbox relay: publishes committed events to the event stream in the one
//! global order, at least once into Redis and exactly once in the stream (an entry
//! id is its sequence, so Redis refuses a second copy). Every instance runs one; a
//! lease lets one at a time work, the others wait their turn. While Redis is down
//! nothing is marked published, so everything goes out once it is back.

use std::future::Future;
use std::time::Duration;

use tracing::{debug, warn};

use crate::doorbell::Doorbell;
use crate::ports::{Backlog, Clock, EventStream, OutboxLag, OutboxLease, OutboxStore, PortError};

#[derive(Debug, Clone, Copy)]
pub struct RelaySettings {
    /// Events published per round at most.
    pub batch: u32,
    /// How long to wait for new events when a round found none.
    pub idle_poll: Duration,
    /// How long to wait after a round that found work but less than a batch: events
    /// gather meanwhile, so under load a round carries many instead of a few (each
    /// round costs a transaction and a Redis call whatever it carries).
    pub busy_poll: Duration,
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
            busy_poll: Duration::from_millis(10),
            max_backoff: Duration::from_secs(1),
            stream_max_len: 100_000,
            stream_max_age: Duration::from_secs(24 * 3600),
            retention: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Rounds at most in the flush before a stop.
const FLUSH_ROUNDS: usize = 10;

/// What one round of the relay did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Events appended to the stream (or found there already).
    pub published: usize,
    /// What the round left for the next ones.
    pub backlog: Backlog,
}

pub struct OutboxRelay<O, S, C> {
    outbox: O,
    stream: S,
    clock: C,
    settings: RelaySettings,
    /// Rung by this instance's commits with events: an idle relay starts at once.
    commits: Doorbell,
    /// Rung after a round that published events.
    published: Doorbell,
}

impl<O: OutboxStore, S: EventStream, C: Clock> OutboxRelay<O, S, C> {
    pub fn new(outbox: O, stream: S, clock: C, settings: RelaySettings) -> Self {
        Self {
            outbox,
            stream,
            clock,
            settings,
            commits: Doorbell::default(),
            published: Doorbell::default(),
        }
    }

    /// Wakes when `commits` rings instead of only at the next poll.
    #[must_use]
    pub fn woken_by(mut self, commits: Doorbell) -> Self {
        self.commits = commits;
        self
    }

    /// Rings `published` after each round that published events.
    #[must_use]
    pub fn ringing(mut self, published: Doorbell) -> Self {
        self.published = published;
        self
    }

    /// One round, under one lease: publishes the next committed events in order,
    /// then marks them published. A relay that stops after appending them leaves
    /// them unmarked, and the next round hands out the same events under the same
    /// numbers, which the stream refuses as repeats. Returns how many events it
    /// published (0 when another relay had the turn) and what is left.
    pub async fn relay_once(&self) -> Result<Round, PortError> {
        let Some(mut lease) = self.outbox.lease().await? else {
            return Ok(Round::default());
        };
        let events = lease.pending(self.settings.batch).await?;
        if let Some(last) = events.last().map(|event| event.sequence) {
            let appended = self.stream.append(&events).await?;
            if appended < events.len() {
                debug!(
                    already_there = events.len() - appended,
                    "events were already in the stream"
                );
            }
            lease.mark_published(last).await?;
        }
        let backlog = lease.release().await?;
        if !events.is_empty() {
            self.published.ring();
        }
        metrics::counter!("outbox_published_total")
            .increment(u64::try_from(events.len()).unwrap_or(u64::MAX));
        Ok(Round {
            published: events.len(),
            backlog,
        })
    }

    /// Relays until `stop` completes, then flushes, so that what was
    /// committed before the stop is published too.
    pub async fn run(&self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        let mut backoff = self.settings.idle_poll;
        loop {
            let (wait, idle) = match self.relay_once().await {
                Ok(round) => {
                    backoff = self.settings.idle_poll;
                    wait_after(&self.settings, round)
                }
                Err(error) => {
                    warn!(%error, retry_in_ms = backoff.as_millis(), "outbox relay failed; retrying");
                    let wait = backoff;
                    backoff = (backoff * 2).min(self.settings.max_backoff);
                    (wait, false)
                }
            };
            // Only an idle relay answers the doorbell: a busy one lets events gather
            // for its next round, and a failing one keeps its back-off.
            tokio::select! {
                () = &mut stop => break,
                () = tokio::time::sleep(wait) => {}
                () = self.commits.rung(), if idle => {}
            }
        }
        self.flush().await;
    }

    /// The last rounds before a stop: until nothing committed is left unpublished,
    /// within a bound, since writers elsewhere may keep committing.
    async fn flush(&self) {
        for _ in 0..FLUSH_ROUNDS {
            match self.relay_once().await {
                Ok(round) if round.backlog == Backlog::Clear => return,
                Ok(round) => {
                    if round.backlog == Backlog::Settling {
                        tokio::time::sleep(self.settings.busy_poll).await;
                    }
                }
                Err(error) => {
                    warn!(%error, "outbox relay could not publish its last round");
                    return;
                }
            }
        }
    }

    /// Retention: trims the stream by length and age, and deletes published rows
    /// past their retention.
    pub async fn clean_up(&self) -> Result<u64, PortError> {
        let now = self.clock.now();
        let age = chrono::Duration::from_std(self.settings.stream_max_age)
            .unwrap_or(chrono::Duration::MAX);
        self.stream
            .trim(self.settings.stream_max_len, now - age)
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

/// How long to wait after `round`, and whether the wait is idle (ended early by the
/// doorbell).
fn wait_after(settings: &RelaySettings, round: Round) -> (Duration, bool) {
    let full = round.published >= usize::try_from(settings.batch).unwrap_or(usize::MAX);
    if full || round.backlog == Backlog::Ready {
        return (Duration::ZERO, false);
    }
    // Under load, events gather for the next round meanwhile.
    if round.published > 0 || round.backlog == Backlog::Settling {
        return (settings.busy_poll, false);
    }
    (settings.idle_poll, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(published: usize, backlog: Backlog) -> (Duration, bool) {
        let settings = RelaySettings {
            batch: 10,
            ..RelaySettings::default()
        };
        wait_after(&settings, Round { published, backlog })
    }

    #[test]
    fn a_full_batch_or_events_ready_go_on_at_once() {
        assert_eq!(after(10, Backlog::Clear), (Duration::ZERO, false));
        assert_eq!(after(0, Backlog::Ready), (Duration::ZERO, false));
        assert_eq!(after(3, Backlog::Ready), (Duration::ZERO, false));
    }

    #[test]
    fn events_still_committing_or_a_partial_batch_wait_the_busy_poll() {
        let busy = RelaySettings::default().busy_poll;
        assert_eq!(after(0, Backlog::Settling), (busy, false));
        assert_eq!(after(3, Backlog::Clear), (busy, false));
        assert_eq!(after(3, Backlog::Settling), (busy, false));
    }

    #[test]
    fn only_a_round_with_nothing_left_waits_idle_for_the_doorbell() {
        let idle = RelaySettings::default().idle_poll;
        assert_eq!(after(0, Backlog::Clear), (idle, true));
    }
}

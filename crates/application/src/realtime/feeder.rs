//! The realtime feeder: follows the published events from where the channels were
//! last fed and appends each to the streams of its channels (see `routing`). Every
//! instance runs one; the stream's append is atomic and skips what was fed already,
//! so feeders racing each other append each event once, in the global order, and a
//! batch that failed half-way is simply read again.

use std::future::Future;
use std::time::Duration;

use tracing::warn;

use super::deliveries;
use crate::doorbell::Doorbell;
use crate::events;
use crate::jobs::Backoff;
use crate::ports::{ChannelAppend, ChannelStream, PortError};

#[derive(Debug, Clone, Copy)]
pub struct FeederSettings {
    /// Events read per round.
    pub batch: u32,
    /// The wait after a round that found nothing new: events this instance
    /// publishes ring the feeder at once, so the poll only picks up what another
    /// instance published and did not feed itself.
    pub poll: Duration,
    /// The longest wait after a failure (the wait doubles from `poll`).
    pub max_backoff: Duration,
}

impl Default for FeederSettings {
    fn default() -> Self {
        Self {
            batch: 200,
            poll: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        }
    }
}

pub struct ChannelFeeder<S> {
    stream: S,
    settings: FeederSettings,
    /// Rung when this instance published events: a waiting feeder starts at once.
    published: Doorbell,
}

impl<S: ChannelStream> ChannelFeeder<S> {
    pub fn new(stream: S, settings: FeederSettings) -> Self {
        Self {
            stream,
            settings,
            published: Doorbell::default(),
        }
    }

    /// Wakes when `published` rings instead of only at the next poll.
    #[must_use]
    pub fn woken_by(mut self, published: Doorbell) -> Self {
        self.published = published;
        self
    }

    /// One round: reads the next unfed events and feeds them to their channels.
    /// Returns how many events it read.
    pub async fn feed_round(&self) -> Result<usize, PortError> {
        let published = self.stream.unfed(self.settings.batch).await?;
        let Some(through) = published.last().map(|event| event.sequence) else {
            return Ok(0);
        };
        // Events this version cannot read (a newer version's) go to no channel.
        let appends: Vec<ChannelAppend> = published
            .iter()
            .filter_map(|event| Some((event, events::decode(&event.name, &event.fields)?)))
            .flat_map(|(event, decoded)| {
                deliveries(&decoded)
                    .into_iter()
                    .map(|delivery| ChannelAppend {
                        channel: delivery.channel.name(),
                        sequence: event.sequence,
                        kind: delivery.kind,
                        occurred_at: event.occurred_at,
                        data: delivery.data,
                    })
            })
            .collect();
        self.stream.feed(&appends, through).await?;
        Ok(published.len())
    }

    /// Feeds until `stop` completes: at once while there is more, every `poll` when
    /// there is not, backing off on failures (Redis unreachable: nothing is lost,
    /// the events wait in the event stream).
    pub async fn run(&self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        let backoff = Backoff {
            base: self.settings.poll,
            cap: self.settings.max_backoff,
        };
        let mut failures = 0;
        loop {
            let (wait, waiting) = match self.feed_round().await {
                Ok(read) => {
                    failures = 0;
                    let full = u32::try_from(read).unwrap_or(u32::MAX) >= self.settings.batch;
                    if full {
                        (Duration::ZERO, false)
                    } else {
                        (self.settings.poll, true)
                    }
                }
                Err(error) => {
                    failures += 1;
                    let wait = backoff.after(failures);
                    warn!(%error, retry_in_ms = wait.as_millis(), "feeding realtime channels failed; retrying");
                    (wait, false)
                }
            };
            tokio::select! {
                () = &mut stop => break,
                () = tokio::time::sleep(wait) => {}
                () = self.published.rung(), if waiting => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::ports::{OutboxEvent, Replay};
    use crate::realtime::EventId;

    /// A stream holding published events and recording what was fed.
    #[derive(Default)]
    struct FakeStream {
        published: Vec<OutboxEvent>,
        fed_through: Mutex<u64>,
        appended: Mutex<Vec<ChannelAppend>>,
    }

    impl ChannelStream for FakeStream {
        async fn unfed(&self, count: u32) -> Result<Vec<OutboxEvent>, PortError> {
            let through = *self.fed_through.lock().unwrap_or_else(|e| e.into_inner());
            Ok(self
                .published
                .iter()
                .filter(|event| event.sequence > through)
                .take(usize::try_from(count).unwrap_or(usize::MAX))
                .cloned()
                .collect())
        }

        async fn feed(&self, appends: &[ChannelAppend], through: u64) -> Result<usize, PortError> {
            let mut fed = self.fed_through.lock().unwrap_or_else(|e| e.into_inner());
            let new: Vec<_> = appends
                .iter()
                .filter(|append| append.sequence > *fed)
                .cloned()
                .collect();
            *fed = through.max(*fed);
            let count = new.len();
            self.appended
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(new);
            Ok(count)
        }

        async fn replay(&self, _: &str, _: Option<EventId>, _: u32) -> Result<Replay, PortError> {
            Ok(Replay::Gap)
        }
    }

    fn published(sequence: u64, name: &str, fields: &[(&str, &str)]) -> OutboxEvent {
        OutboxEvent {
            sequence,
            name: name.to_owned(),
            fields: fields
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            occurred_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn comment(sequence: u64, slug: &str, id: &str) -> OutboxEvent {
        let uuid = "0190a0a0-0000-7000-8000-000000000001";
        published(
            sequence,
            "comment.added",
            &[
                ("article", uuid),
                ("slug", slug),
                ("comment", id),
                ("author", uuid),
            ],
        )
    }

    #[tokio::test]
    async fn events_are_fed_to_their_channels_in_order_and_once() {
        let stream = FakeStream {
            published: vec![
                comment(1, "a", "10"),
                published(
                    2,
                    "account.suspended",
                    &[("user", "0190a0a0-0000-7000-8000-000000000001")],
                ),
                published(3, "from.the.future", &[]),
                comment(4, "b", "11"),
            ],
            ..FakeStream::default()
        };
        let feeder = ChannelFeeder::new(
            stream,
            FeederSettings {
                batch: 2,
                ..FeederSettings::default()
            },
        );

        assert_eq!(feeder.feed_round().await.ok(), Some(2));
        assert_eq!(feeder.feed_round().await.ok(), Some(2));
        assert_eq!(feeder.feed_round().await.ok(), Some(0));

        let appended = feeder
            .stream
            .appended
            .lock()
            .map(|a| a.clone())
            .unwrap_or_default();
        let routes: Vec<_> = appended
            .iter()
            .map(|append| (append.channel.as_str(), append.sequence, append.kind))
            .collect();
        assert_eq!(
            routes,
            [
                ("article:a", 1, "comment.created"),
                ("article:b", 4, "comment.created")
            ]
        );
        assert_eq!(
            feeder
                .stream
                .fed_through
                .lock()
                .map(|f| *f)
                .unwrap_or_default(),
            4
        );
    }
}

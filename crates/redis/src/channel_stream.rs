//! The realtime channels: one Redis stream per channel (`realtime:channel:<name>`),
//! fed from the event stream past a shared mark (`realtime:fed`, the last sequence
//! fed), and one pub/sub channel (`realtime:notices`) announcing each appended
//! event to every instance. Appending, announcing and moving the mark happen in
//! one script, so a batch is fed once whoever feeds it and however often.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use chrono::DateTime;
use folio_application::ports::{ChannelAppend, ChannelStream, OutboxEvent, PortError, Replay};
use folio_application::realtime::{ChannelEvent, EventId};
use redis::Script;

use super::RedisStore;
use super::realtime_codec;

/// How much each channel keeps for clients to resume from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Events per channel, approximately.
    pub max_events: u64,
    /// Events older than this are trimmed, and a channel idle this long goes.
    pub max_age: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            max_events: 10_000,
            max_age: Duration::from_secs(24 * 3600),
        }
    }
}

#[derive(Clone)]
pub struct RedisChannelStream {
    store: RedisStore,
    retention: Retention,
    fed_key: String,
    events_key: String,
    notices: String,
}

/// The published events after the mark. KEYS: the mark, the event stream.
static UNFED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local fed = redis.call('GET', KEYS[1]) or '0'
        return redis.call('XRANGE', KEYS[2], '(' .. fed .. '-0', '+', 'COUNT', ARGV[1])
        ",
    )
});

/// Appends the events past the mark and moves it. KEYS: the mark, then one channel
/// stream per append. ARGV: the last sequence of the batch, the events kept per
/// channel, the age kept (ms), the notice channel, then per append its sequence,
/// channel name and body. Each channel of the batch is trimmed by age and given its
/// expiry once, however many of the batch's events it got.
static FEED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local fed = tonumber(redis.call('GET', KEYS[1]) or '0')
        if tonumber(ARGV[1]) <= fed then return 0 end
        local now = redis.call('TIME')
        local cutoff = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[3])
        local appended = 0
        local seen, touched = {}, {}
        for i = 2, #KEYS do
            local at = 5 + (i - 2) * 3
            if tonumber(ARGV[at]) > fed then
                local id = redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[2], '*',
                    'seq', ARGV[at], 'body', ARGV[at + 2])
                redis.call('PUBLISH', ARGV[4], id .. '\n' .. ARGV[at + 1] .. '\n' .. ARGV[at + 2])
                if not seen[KEYS[i]] then
                    seen[KEYS[i]] = true
                    touched[#touched + 1] = KEYS[i]
                end
                appended = appended + 1
            end
        end
        for _, key in ipairs(touched) do
            if cutoff > 0 then redis.call('XTRIM', key, 'MINID', '~', cutoff) end
            redis.call('PEXPIRE', key, ARGV[3])
        end
        redis.call('SET', KEYS[1], ARGV[1])
        return appended
        ",
    )
});

/// A channel's trim mark, last id and the entries after ARGV[1] (none when empty).
/// KEYS: the channel stream. Returns {exists, max deleted id, last id, entries}.
static REPLAY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('EXISTS', KEYS[1]) == 0 then return {0, '0-0', '0-0', {}} end
        local info = redis.call('XINFO', 'STREAM', KEYS[1])
        local deleted, last = '0-0', '0-0'
        for i = 1, #info, 2 do
            if info[i] == 'max-deleted-entry-id' then deleted = info[i + 1] end
            if info[i] == 'last-generated-id' then last = info[i + 1] end
        end
        if ARGV[1] == '' then return {1, deleted, last, {}} end
        return {1, deleted, last, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])}
        ",
    )
});

type Entries = Vec<(String, Vec<(String, String)>)>;

impl RedisChannelStream {
    pub fn new(store: RedisStore, retention: Retention) -> Self {
        Self {
            fed_key: store.key("realtime:fed"),
            events_key: store.key("events"),
            notices: notices_channel(&store),
            retention,
            store,
        }
    }

    fn channel_key(&self, channel: &str) -> String {
        self.store.key(&format!("realtime:channel:{channel}"))
    }
}

/// The one pub/sub channel of a deployment's realtime notices.
pub(crate) fn notices_channel(store: &RedisStore) -> String {
    store.key("realtime:notices")
}

fn published(entries: Entries) -> Vec<OutboxEvent> {
    entries
        .into_iter()
        .filter_map(|(id, fields)| {
            let sequence = id.strip_suffix("-0")?.parse().ok()?;
            let mut name = None;
            let mut occurred_at = None;
            let mut own = Vec::with_capacity(fields.len());
            for (field, value) in fields {
                match field.as_str() {
                    "event" => name = Some(value),
                    "occurred_at" => {
                        occurred_at = value.parse().ok().and_then(DateTime::from_timestamp_millis);
                    }
                    _ => own.push((field, value)),
                }
            }
            Some(OutboxEvent {
                sequence,
                name: name?,
                fields: own,
                occurred_at: occurred_at?,
            })
        })
        .collect()
}

fn parse_id(text: &str) -> Result<EventId, PortError> {
    text.parse()
        .map_err(|_| PortError::Other(format!("unexpected stream id {text:?}").into()))
}

impl ChannelStream for RedisChannelStream {
    async fn unfed(&self, count: u32) -> Result<Vec<OutboxEvent>, PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = UNFED
            .key(&self.fed_key)
            .key(&self.events_key)
            .arg(count)
            .invoke_async::<Entries>(&mut connection)
            .await;
        self.store.outcome(started, result).map(published)
    }

    async fn feed(&self, appends: &[ChannelAppend], through: u64) -> Result<usize, PortError> {
        let mut invocation = FEED.key(&self.fed_key);
        invocation
            .arg(through)
            .arg(self.retention.max_events)
            .arg(u64::try_from(self.retention.max_age.as_millis()).unwrap_or(u64::MAX))
            .arg(&self.notices);
        for append in appends {
            invocation
                .key(self.channel_key(&append.channel))
                .arg(append.sequence)
                .arg(&append.channel)
                .arg(realtime_codec::body(append));
        }
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = invocation.invoke_async::<usize>(&mut connection).await;
        self.store.outcome(started, result)
    }

    async fn replay(
        &self,
        channel: &str,
        after: Option<EventId>,
        limit: u32,
    ) -> Result<Replay, PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = REPLAY
            .key(self.channel_key(channel))
            .arg(after.map(|id| id.to_string()).unwrap_or_default())
            .arg(limit)
            .invoke_async::<(u8, String, String, Entries)>(&mut connection)
            .await;
        let (exists, deleted, last, entries) = self.store.outcome(started, result)?;
        let (deleted, last) = (parse_id(&deleted)?, parse_id(&last)?);
        let Some(after) = after else {
            return Ok(Replay::Events {
                events: vec![],
                last,
            });
        };
        // Gone or trimmed past `after` (a channel idle past the retention goes as a
        // whole), or an id this channel never gave.
        let missing = exists == 0 && after > EventId::ZERO;
        if missing || deleted > after || after > last {
            return Ok(Replay::Gap);
        }
        let events = entries
            .into_iter()
            .filter_map(|(id, fields)| {
                let body = fields.into_iter().find(|(name, _)| name == "body")?.1;
                realtime_codec::event(channel, &id, &body)
            })
            .collect::<Vec<ChannelEvent>>();
        Ok(Replay::Events { events, last })
    }
}

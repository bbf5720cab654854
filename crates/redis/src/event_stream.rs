//! The event stream: one Redis stream that the outbox relay appends every published
//! event to, under an entry id made of its sequence (`<sequence>-0`), so an event
//! appended twice is refused by Redis itself and consumers resume by sequence. An
//! entry's fields are `event` (its name), `occurred_at` (ms since the epoch) and the
//! event's own fields.

use std::sync::LazyLock;
use std::time::Instant;

use folio_application::ports::{EventStream, OutboxEvent, PortError};
use folio_domain::Timestamp;
use redis::Script;

use super::RedisStore;

#[derive(Clone)]
pub struct RedisEventStream {
    store: RedisStore,
    key: String,
}

impl RedisEventStream {
    pub fn new(store: RedisStore) -> Self {
        let key = store.key("events");
        Self { store, key }
    }
}

/// Appends entries in order; ARGV is, per entry, its id, its number of field
/// values, then those values. An entry whose id is not above the stream's last was
/// appended before and is skipped; any other error stops the script. Returns how
/// many entries were new.
static APPEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local appended, i = 0, 1
        while i <= #ARGV do
            local id, count = ARGV[i], tonumber(ARGV[i + 1])
            local entry = {'XADD', KEYS[1], id}
            for j = i + 2, i + 1 + count do entry[#entry + 1] = ARGV[j] end
            local reply = redis.pcall(unpack(entry))
            if type(reply) == 'table' and reply.err then
                if not string.find(reply.err, 'equal or smaller', 1, true) then
                    return redis.error_reply(reply.err)
                end
            else
                appended = appended + 1
            end
            i = i + 2 + count
        end
        return appended
        ",
    )
});

/// Trims the stream to about ARGV[1] entries, then drops the entries of events
/// that occurred before ARGV[2] (ms since the epoch). Entries are in sequence order,
/// which follows their events' time closely but not exactly, so the first entry to
/// keep is found by a binary search over sequence numbers (a few XRANGE calls)
/// and everything before it goes. Exactly, unlike the trim by length: it runs once
/// a minute, not on every append.
static TRIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[1])
        local cutoff = tonumber(ARGV[2])
        local function number(entry) return tonumber(string.match(entry[1], '^%d+')) end
        local function occurred(entry)
            local fields = entry[2]
            for i = 1, #fields, 2 do
                if fields[i] == 'occurred_at' then return tonumber(fields[i + 1]) end
            end
            return cutoff
        end
        local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
        if not first or occurred(first) >= cutoff then return 0 end
        local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
        -- The entry numbered low occurred before the cutoff; the first entry from
        -- high on did not (or there is none).
        local low, high = number(first), number(last) + 1
        while high - low > 1 do
            local middle = math.floor((low + high) / 2)
            local entry = redis.call('XRANGE', KEYS[1], middle .. '-0', '+', 'COUNT', 1)[1]
            if occurred(entry) < cutoff then
                low = number(entry)
                if low >= high then break end
            else
                high = middle
            end
        end
        redis.call('XTRIM', KEYS[1], 'MINID', high .. '-0')
        return 0
        ",
    )
});

impl EventStream for RedisEventStream {
    async fn append(&self, events: &[OutboxEvent]) -> Result<usize, PortError> {
        if events.is_empty() {
            return Ok(0);
        }
        let mut invocation = APPEND.key(&self.key);
        for event in events {
            invocation
                .arg(format!("{}-0", event.sequence))
                .arg(4 + 2 * event.fields.len())
                .arg("event")
                .arg(&event.name)
                .arg("occurred_at")
                .arg(event.occurred_at.timestamp_millis());
            for (name, value) in &event.fields {
                invocation.arg(name).arg(value);
            }
        }
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = invocation.invoke_async::<usize>(&mut connection).await;
        self.store.outcome(started, result)
    }

    async fn trim(&self, max_len: u64, occurred_before: Timestamp) -> Result<(), PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let result = TRIM
            .key(&self.key)
            .arg(max_len)
            .arg(occurred_before.timestamp_millis())
            .invoke_async::<()>(&mut connection)
            .await;
        self.store.outcome(started, result)
    }
}

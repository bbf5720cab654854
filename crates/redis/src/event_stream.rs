//! The event stream: one Redis stream that the outbox relay appends every published
//! event to, under an entry id made of its sequence (`<sequence>-0`), so an event
//! appended twice is refused by Redis itself and consumers resume by sequence. An
//! entry's fields are `event` (its name), `occurred_at` (ms since the epoch) and the
//! event's own fields.

use std::sync::LazyLock;
use std::time::Instant;

use folio_application::ports::{EventStream, OutboxEvent, PortError};
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

    async fn trim(&self, max_len: u64, min_sequence: Option<u64>) -> Result<(), PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let mut pipeline = redis::pipe();
        pipeline
            .cmd("XTRIM")
            .arg(&self.key)
            .arg("MAXLEN")
            .arg("~")
            .arg(max_len)
            .ignore();
        if let Some(sequence) = min_sequence {
            pipeline
                .cmd("XTRIM")
                .arg(&self.key)
                .arg("MINID")
                .arg("~")
                .arg(format!("{sequence}-0"))
                .ignore();
        }
        let result = pipeline.query_async::<()>(&mut connection).await;
        self.store.outcome(started, result)
    }
}

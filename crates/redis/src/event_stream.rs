//! The event stream: one Redis stream that the outbox relay appends every published
//! event to, under an entry id made of its sequence (`<sequence>-0`), so an event
//! appended twice is refused by Redis itself and consumers resume by sequence. An
//! entry's fields are `event` (its name), `occurred_at` (ms since the epoch) and the
//! event's own fields.

use std::time::Instant;

use folio_application::ports::{EventStream, OutboxEvent, PortError};

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

/// Redis's answer to an entry id not above the stream's last.
fn is_already_there(error: &redis::RedisError) -> bool {
    error
        .detail()
        .is_some_and(|detail| detail.contains("equal or smaller than the target stream top item"))
}

impl EventStream for RedisEventStream {
    async fn append(&self, event: &OutboxEvent) -> Result<bool, PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let mut command = redis::cmd("XADD");
        command
            .arg(&self.key)
            .arg(format!("{}-0", event.sequence))
            .arg("event")
            .arg(&event.name)
            .arg("occurred_at")
            .arg(event.occurred_at.timestamp_millis());
        for (name, value) in &event.fields {
            command.arg(name).arg(value);
        }
        let result = command.query_async::<String>(&mut connection).await;
        match result {
            Err(error) if is_already_there(&error) => Ok(false),
            other => self.store.outcome(started, other).map(|_| true),
        }
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

//! A consumer group on the event stream (`XREADGROUP`, `XAUTOCLAIM`, `XACK`). Never a
//! blocking read: the connection is shared by the whole process, and a blocked
//! command would hold up every other one behind it.

use std::time::{Duration, Instant};

use folio_application::ports::{DeliveredEvent, EventFeed, PortError};

use super::RedisStore;

/// Entries as `XREADGROUP` and `XAUTOCLAIM` return them; the fields of an entry
/// trimmed meanwhile are nil.
type Entries = Vec<(String, Option<Vec<(String, String)>>)>;

#[derive(Clone)]
pub struct RedisEventFeed {
    store: RedisStore,
    key: String,
    group: String,
    consumer: String,
    /// Entries another member has held unacknowledged this long are taken over.
    abandoned_after: Duration,
}

impl RedisEventFeed {
    /// The share of `consumer` (unique per process) in the consumer group `group`.
    pub fn new(
        store: RedisStore,
        group: &str,
        consumer: String,
        abandoned_after: Duration,
    ) -> Self {
        let key = store.key("events");
        Self {
            store,
            key,
            group: group.to_owned(),
            consumer,
            abandoned_after,
        }
    }

    async fn query<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, PortError> {
        let mut connection = self.store.connection()?;
        let started = Instant::now();
        let mut result = command.query_async::<T>(&mut connection).await;
        if let Err(error) = &result
            && error.code() == Some("NOGROUP")
        {
            // The group starts at the beginning of the stream, so nothing published
            // before the first consumer started is missed.
            let created = redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(&self.key)
                .arg(&self.group)
                .arg("0")
                .arg("MKSTREAM")
                .query_async::<()>(&mut connection)
                .await;
            match created {
                Err(error) if error.code() != Some("BUSYGROUP") => {
                    return self.store.outcome(started, Err(error));
                }
                _ => result = command.query_async::<T>(&mut connection).await,
            }
        }
        self.store.outcome(started, result)
    }

    fn read_group(&self, count: u32, from: &str) -> redis::Cmd {
        let mut command = redis::cmd("XREADGROUP");
        command
            .arg("GROUP")
            .arg(&self.group)
            .arg(&self.consumer)
            .arg("COUNT")
            .arg(count)
            .arg("STREAMS")
            .arg(&self.key)
            .arg(from);
        command
    }
}

fn delivered(entries: Entries) -> Vec<DeliveredEvent> {
    entries
        .into_iter()
        .map(|(id, fields)| {
            let mut fields = fields.unwrap_or_default();
            let name = fields
                .iter()
                .position(|(field, _)| field == "event")
                .map(|at| fields.swap_remove(at).1)
                .unwrap_or_default();
            fields.retain(|(field, _)| field != "occurred_at");
            // Entries are appended under `<sequence>-0`.
            let sequence = id
                .split_once('-')
                .and_then(|(sequence, _)| sequence.parse().ok())
                .unwrap_or_default();
            DeliveredEvent {
                id,
                sequence,
                name,
                fields,
            }
        })
        .collect()
}

/// The entries of the one stream an `XREADGROUP` reply holds.
fn of_stream(reply: Option<Vec<(String, Entries)>>) -> Entries {
    reply
        .into_iter()
        .flatten()
        .flat_map(|(_, entries)| entries)
        .collect()
}

impl EventFeed for RedisEventFeed {
    async fn next_batch(&self, count: u32) -> Result<Vec<DeliveredEvent>, PortError> {
        let pending = of_stream(self.query(&self.read_group(count, "0")).await?);
        if !pending.is_empty() {
            return Ok(delivered(pending));
        }
        let mut claim = redis::cmd("XAUTOCLAIM");
        claim
            .arg(&self.key)
            .arg(&self.group)
            .arg(&self.consumer)
            .arg(u64::try_from(self.abandoned_after.as_millis()).unwrap_or(u64::MAX))
            .arg("0-0")
            .arg("COUNT")
            .arg(count);
        let (_, abandoned, _): (String, Entries, Vec<String>) = self.query(&claim).await?;
        if !abandoned.is_empty() {
            return Ok(delivered(abandoned));
        }
        let fresh = of_stream(self.query(&self.read_group(count, ">")).await?);
        Ok(delivered(fresh))
    }

    async fn forget_departed(&self, idle: Duration) -> Result<usize, PortError> {
        let mut list = redis::cmd("XINFO");
        list.arg("CONSUMERS").arg(&self.key).arg(&self.group);
        let members: Vec<std::collections::HashMap<String, redis::Value>> =
            self.query(&list).await?;
        let idle_ms = i64::try_from(idle.as_millis()).unwrap_or(i64::MAX);
        let number = |member: &std::collections::HashMap<String, redis::Value>, field: &str| {
            member
                .get(field)
                .and_then(|value| redis::from_redis_value::<i64>(value.clone()).ok())
        };
        let mut forgotten = 0;
        for member in &members {
            let name = member
                .get("name")
                .and_then(|value| redis::from_redis_value::<String>(value.clone()).ok());
            let departed = number(member, "pending") == Some(0)
                && number(member, "idle").is_some_and(|ms| ms >= idle_ms);
            if let Some(name) = name.filter(|name| departed && *name != self.consumer) {
                let mut delete = redis::cmd("XGROUP");
                delete
                    .arg("DELCONSUMER")
                    .arg(&self.key)
                    .arg(&self.group)
                    .arg(name);
                self.query::<u64>(&delete).await?;
                forgotten += 1;
            }
        }
        Ok(forgotten)
    }

    async fn acknowledge(&self, ids: &[String]) -> Result<(), PortError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut command = redis::cmd("XACK");
        command.arg(&self.key).arg(&self.group).arg(ids);
        self.query::<u64>(&command).await.map(|_| ())
    }
}

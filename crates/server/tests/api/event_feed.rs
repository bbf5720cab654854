//! A consumer group on the event stream, against a real Redis: delivery until
//! acknowledged, take-over of what a member left behind, and removal of members
//! whose process stopped.

use std::time::Duration;

use folio_application::ports::EventFeed;
use folio_redis::{RedisEventFeed, RedisSettings, RedisStore};

use crate::support::{forget_redis_keys, redis_keys, redis_url};

struct Group {
    prefix: String,
    store: RedisStore,
}

impl Group {
    fn new() -> Self {
        let prefix = format!("folio-test:{}:", uuid::Uuid::new_v4().simple());
        let store = RedisStore::connect_lazily(&RedisSettings {
            url: redis_url(),
            key_prefix: prefix.clone(),
            timeout: Duration::from_secs(2),
        })
        .expect("a valid URL");
        Self { prefix, store }
    }

    fn member(&self, name: &str, abandoned_after: Duration) -> RedisEventFeed {
        RedisEventFeed::new(self.store.clone(), "test", name.to_owned(), abandoned_after)
    }

    async fn publish(&self, sequence: u64) {
        let mut connection = redis_keys::connect().await.expect("connect");
        redis::cmd("XADD")
            .arg(format!("{}events", self.prefix))
            .arg(format!("{sequence}-0"))
            .arg("event")
            .arg("account.suspended")
            .arg("user")
            .arg("x")
            .query_async::<String>(&mut connection)
            .await
            .expect("append");
    }

    async fn members(&self) -> usize {
        let mut connection = redis_keys::connect().await.expect("connect");
        let members: Vec<redis::Value> = redis::cmd("XINFO")
            .arg("CONSUMERS")
            .arg(format!("{}events", self.prefix))
            .arg("test")
            .query_async(&mut connection)
            .await
            .expect("list members");
        members.len()
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        forget_redis_keys(&self.prefix);
    }
}

fn ids(batch: &[folio_application::ports::DeliveredEvent]) -> Vec<String> {
    batch.iter().map(|event| event.id.clone()).collect()
}

#[tokio::test]
async fn an_entry_comes_back_until_acknowledged_and_then_never() {
    let group = Group::new();
    group.publish(1).await;
    let member = group.member("one", Duration::from_secs(30));

    let first = member.next_batch(10).await.expect("Redis answers");
    assert_eq!(ids(&first), ["1-0"]);
    assert_eq!(
        first.first().map(|event| event.name.as_str()),
        Some("account.suspended")
    );
    assert_eq!(
        first.first().map(|event| event.fields.clone()),
        Some(vec![("user".to_owned(), "x".to_owned())])
    );
    assert_eq!(
        ids(&member.next_batch(10).await.expect("Redis answers")),
        ["1-0"]
    );
    member
        .acknowledge(&ids(&first))
        .await
        .expect("Redis answers");
    assert!(
        member
            .next_batch(10)
            .await
            .expect("Redis answers")
            .is_empty()
    );
}

#[tokio::test]
async fn what_a_silent_member_left_is_taken_over_and_the_member_removed() {
    let group = Group::new();
    group.publish(1).await;
    let gone = group.member("gone", Duration::from_millis(100));
    let taken = gone.next_batch(10).await.expect("Redis answers");
    assert_eq!(ids(&taken), ["1-0"]);
    let other = group.member("other", Duration::from_millis(100));
    // Not yet abandoned, and nothing new: nothing for the other member.
    assert!(
        other
            .next_batch(10)
            .await
            .expect("Redis answers")
            .is_empty()
    );

    tokio::time::sleep(Duration::from_millis(150)).await;
    let claimed = other.next_batch(10).await.expect("Redis answers");
    assert_eq!(ids(&claimed), ["1-0"]);
    other
        .acknowledge(&ids(&claimed))
        .await
        .expect("Redis answers");

    assert_eq!(group.members().await, 2);
    let removed = other
        .forget_departed(Duration::from_millis(100))
        .await
        .expect("Redis answers");
    assert_eq!(removed, 1, "the member that holds nothing and stays silent");
    assert_eq!(group.members().await, 1);
}

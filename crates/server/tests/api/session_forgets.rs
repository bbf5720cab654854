//! Forgetting cached sessions while Redis does not answer: the removal is kept and
//! made as soon as Redis answers again, so a revoked session cannot be served from
//! the cache for the rest of its TTL. Runs against a Redis of its own, which it
//! pauses, so the shared one other tests use is never disturbed.

use std::time::Duration;

use folio_application::ports::{Fence, SessionCache, StoredSession, TokenHash};
use folio_domain::{Email, Role, SessionId, User, UserId, Username};
use folio_redis::{RedisSessionCache, RedisSettings, RedisStore};

use crate::support::PrivateRedis;

fn session() -> StoredSession {
    let now = chrono::Utc::now();
    StoredSession {
        id: SessionId::generate(),
        user: User {
            id: UserId::generate(),
            username: Username::parse("jake").expect("a valid name"),
            email: Email::parse("jake@example.com").expect("a valid email"),
            bio: None,
            image: None,
            role: Role::Member,
            suspended_at: None,
            created_at: now,
            updated_at: now,
        },
        created_at: now,
        last_seen_at: now,
        expires_at: now + chrono::Duration::days(1),
        revoked_at: None,
    }
}

#[tokio::test]
async fn a_removal_redis_missed_is_made_once_it_answers_again() {
    let redis = PrivateRedis::start().await;
    let store = RedisStore::connect_lazily(&RedisSettings {
        url: redis.url.clone(),
        key_prefix: "folio-test:".to_owned(),
        timeout: Duration::from_millis(200),
    })
    .expect("a valid URL");
    let cache = RedisSessionCache::new(store);
    cache.retry_pending_forgets();
    let hash = TokenHash(b"a-token-hash".to_vec());
    let before = cache.get(&hash).await.expect("Redis answers");
    let stored = cache
        .put(&hash, &session(), before.fence, Duration::from_secs(60))
        .await
        .expect("Redis answers");
    assert!(stored);

    // Redis stops answering while the session is revoked.
    let mut admin = redis.connection().await;
    redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(1500)
        .arg("ALL")
        .query_async::<()>(&mut admin)
        .await
        .expect("pause Redis");
    assert!(cache.forget(std::slice::from_ref(&hash)).await.is_err());

    // Shortly after it answers again, the entry is gone and its fence has moved.
    let entry = "folio-test:session:612d746f6b656e2d68617368";
    let mut checker = redis.connection().await;
    let mut gone = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        // While paused, Redis does not answer this connection either.
        let exists: redis::RedisResult<bool> = redis::cmd("EXISTS")
            .arg(entry)
            .query_async(&mut checker)
            .await;
        if exists == Ok(false) {
            gone = true;
            break;
        }
    }
    assert!(gone, "the entry was removed after the pause");
    let fence: Option<u64> = redis::cmd("GET")
        .arg("folio-test:session-fence:612d746f6b656e2d68617368")
        .query_async(&mut checker)
        .await
        .expect("ask Redis");
    assert_eq!(fence, Some(1));
    // A lookup that read the old fence can no longer write its copy back.
    tokio::time::sleep(Duration::from_secs(5)).await; // the breaker's cooldown
    let late = cache
        .put(&hash, &session(), Fence(0), Duration::from_secs(60))
        .await
        .expect("Redis answers");
    assert!(!late);
}

/// Revoking every session of a user with hundreds of them removes each entry and
/// moves each fence, however the removal is split into scripts.
#[tokio::test]
async fn forgetting_hundreds_of_sessions_at_once_removes_every_one() {
    let redis = PrivateRedis::start().await;
    let store = RedisStore::connect_lazily(&RedisSettings {
        url: redis.url.clone(),
        key_prefix: "folio-test:".to_owned(),
        timeout: Duration::from_secs(2),
    })
    .expect("a valid URL");
    let cache = RedisSessionCache::new(store);
    let hashes: Vec<TokenHash> = (0..600)
        .map(|n| TokenHash(format!("token-{n:03}").into_bytes()))
        .collect();
    for hash in &hashes {
        let before = cache.get(hash).await.expect("Redis answers");
        let stored = cache
            .put(hash, &session(), before.fence, Duration::from_secs(60))
            .await
            .expect("Redis answers");
        assert!(stored);
    }

    cache.forget(&hashes).await.expect("Redis answers");

    let mut checker = redis.connection().await;
    let entries: Vec<String> = redis::cmd("KEYS")
        .arg("folio-test:session:*")
        .query_async(&mut checker)
        .await
        .expect("ask Redis");
    assert!(entries.is_empty(), "{} entries left", entries.len());
    for hash in &hashes {
        let after = cache.get(hash).await.expect("Redis answers");
        assert!(after.session.is_none());
        let late = cache
            .put(hash, &session(), Fence(0), Duration::from_secs(60))
            .await
            .expect("Redis answers");
        assert!(!late, "a copy read before the removal stays out");
    }
}

//! Session lookups through the cache, and invalidation on every change.

use chrono::Duration;
use folio_domain::{Role, SessionId};

use crate::ClientInfo;
use crate::ports::TokenHash;
use crate::test_support::{
    MockPorts, active_session, authenticated, folio_caching_sessions, hashes, now, revoked_session,
    revoked_sessions, taken, user, user_with_role,
};

fn digest() -> TokenHash {
    TokenHash(b"digest".to_vec())
}

fn hashing_to_digest(ports: &mut MockPorts) {
    ports.clock_at(now());
    ports.tokens.expect_hash().return_const(digest());
}

#[tokio::test]
async fn a_cached_session_authenticates_without_reading_postgres() {
    let jake = user("jake");
    let session = active_session(&jake, now() - Duration::seconds(10));
    let mut ports = MockPorts::new();
    hashing_to_digest(&mut ports);
    ports
        .session_cache
        .entries
        .lock()
        .unwrap()
        .insert(digest().0, session.clone());
    ports.sessions.expect_find_by_token().never();
    let folio = folio_caching_sessions(ports);

    let caller = folio
        .authenticate("token", &ClientInfo::default())
        .await
        .unwrap();

    assert_eq!(caller.session_id, session.id);
}

#[tokio::test]
async fn a_miss_reads_postgres_once_and_fills_the_cache() {
    let jake = user("jake");
    let session = active_session(&jake, now() - Duration::seconds(10));
    let stored = session.clone();
    let mut ports = MockPorts::new();
    hashing_to_digest(&mut ports);
    ports
        .sessions
        .expect_find_by_token()
        .times(1)
        .returning(move |_| Ok(Some(stored.clone())));
    let folio = folio_caching_sessions(ports);

    folio
        .authenticate("token", &ClientInfo::default())
        .await
        .unwrap();
    folio
        .authenticate("token", &ClientInfo::default())
        .await
        .unwrap();

    let entries = folio.ports().session_cache.entries.lock().unwrap();
    assert_eq!(entries.get(&digest().0).map(|s| s.id), Some(session.id));
}

#[tokio::test]
async fn a_broken_cache_falls_through_to_postgres() {
    let jake = user("jake");
    let session = active_session(&jake, now() - Duration::seconds(10));
    let mut ports = MockPorts::new();
    hashing_to_digest(&mut ports);
    ports.session_cache.down = true;
    ports
        .sessions
        .expect_find_by_token()
        .times(1)
        .returning(move |_| Ok(Some(session.clone())));
    let folio = folio_caching_sessions(ports);

    let caller = folio.authenticate("token", &ClientInfo::default()).await;

    assert!(caller.is_ok(), "{caller:?}");
}

#[tokio::test]
async fn recording_activity_refreshes_the_cached_copy() {
    let jake = user("jake");
    let session = active_session(&jake, now() - Duration::minutes(5));
    let mut ports = MockPorts::new();
    hashing_to_digest(&mut ports);
    ports
        .session_cache
        .entries
        .lock()
        .unwrap()
        .insert(digest().0, session);
    ports
        .sessions
        .expect_touch()
        .times(1)
        .returning(|_, _| Ok(true));
    let folio = folio_caching_sessions(ports);

    folio
        .authenticate("token", &ClientInfo::default())
        .await
        .unwrap();
    // Seen just now according to the cache: no second write.
    folio
        .authenticate("token", &ClientInfo::default())
        .await
        .unwrap();

    let entries = folio.ports().session_cache.entries.lock().unwrap();
    assert_eq!(entries[&digest().0].last_seen_at, now());
}

#[tokio::test]
async fn logout_and_revocations_drop_the_revoked_entries() {
    let jake = user("jake");
    let caller = authenticated(&jake);
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .sessions
        .expect_revoke()
        .returning(|_, _, _| Ok(Some(revoked_session(SessionId::generate(), b"current"))));
    ports
        .sessions
        .expect_revoke_all()
        .returning(|_, _, _| Ok(revoked_sessions(2)));
    let folio = folio_caching_sessions(ports);

    folio.logout(&caller, &ClientInfo::default()).await.unwrap();
    folio
        .revoke_other_sessions(&caller, &ClientInfo::default())
        .await
        .unwrap();

    let forgotten = taken(&folio.ports().session_cache.forgotten);
    let mut expected = vec![TokenHash(b"current".to_vec())];
    expected.extend(hashes(2));
    assert_eq!(forgotten, expected);
}

#[tokio::test]
async fn a_role_change_drops_every_cached_session_of_that_user() {
    let admin = user_with_role("root", Role::Admin);
    let jake = user("jake");
    let jake_id = jake.id;
    let found = jake.clone();
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .users
        .expect_find_by_username()
        .returning(move |_| Ok(Some(found.clone())));
    let mut promoted = jake.clone();
    promoted.role = Role::Moderator;
    ports
        .users
        .expect_set_role()
        .returning(move |_, _| Ok(promoted.clone()));
    ports
        .sessions
        .expect_unrevoked_token_hashes()
        .withf(move |user| *user == jake_id)
        .times(1)
        .returning(|_| Ok(hashes(3)));
    let folio = folio_caching_sessions(ports);

    folio
        .change_role(
            &authenticated(&admin),
            "jake",
            "moderator",
            &ClientInfo::default(),
        )
        .await
        .unwrap();

    assert_eq!(taken(&folio.ports().session_cache.forgotten), hashes(3));
}

#[tokio::test]
async fn a_copy_read_before_a_revocation_is_not_cached_after_it() {
    let jake = user("jake");
    let before = active_session(&jake, now() - Duration::seconds(10));
    let mut ports = MockPorts::new();
    hashing_to_digest(&mut ports);
    let fences = ports.session_cache.fences.clone();
    // The revocation commits and forgets the entry while this lookup is in
    // PostgreSQL: the lookup still holds the copy from before.
    ports
        .sessions
        .expect_find_by_token()
        .times(2)
        .returning(move |_| {
            *fences.lock().unwrap().entry(digest().0).or_default() += 1;
            Ok(Some(before.clone()))
        });
    let folio = folio_caching_sessions(ports);

    folio
        .authenticate("token", &ClientInfo::default())
        .await
        .unwrap();

    assert!(
        folio
            .ports()
            .session_cache
            .entries
            .lock()
            .unwrap()
            .is_empty()
    );
    // The next request reads PostgreSQL again instead of a stale entry.
    folio
        .authenticate("token", &ClientInfo::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_session_revoked_between_lookup_and_touch_is_refused() {
    let jake = user("jake");
    let session = active_session(&jake, now() - Duration::hours(1));
    let mut ports = MockPorts::new();
    hashing_to_digest(&mut ports);
    ports
        .sessions
        .expect_find_by_token()
        .returning(move |_| Ok(Some(session.clone())));
    ports
        .sessions
        .expect_touch()
        .times(1)
        .returning(|_, _| Ok(false));
    let folio = folio_caching_sessions(ports);

    let result = folio.authenticate("token", &ClientInfo::default()).await;

    assert!(
        matches!(result, Err(crate::AppError::Unauthenticated)),
        "{result:?}"
    );
}

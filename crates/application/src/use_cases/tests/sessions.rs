//! Token authentication and the user's own sessions.

use chrono::Duration;
use folio_domain::{AuditEventType, DomainEvent, SessionId};

use crate::error::AppError;
use crate::ports::{SessionRecord, StoredSession, TokenHash};
use crate::test_support::{
    MockPorts, active_session, assert_nothing_committed, authenticated, folio,
    folio_caching_sessions, folio_with, now, revoked_session, revoked_sessions, session_ids,
    unavailable, user,
};
use crate::{ClientInfo, Resource, SessionPolicy};

fn client() -> ClientInfo {
    ClientInfo {
        user_agent: Some("test-agent/1.0".to_owned()),
        ip: Some("198.51.100.4".to_owned()),
        request_id: Some("req-9".to_owned()),
    }
}

fn policy() -> SessionPolicy {
    SessionPolicy {
        idle_timeout: Duration::days(3),
        absolute_lifetime: Duration::days(7),
        touch_interval: Duration::minutes(5),
        cache_ttl: std::time::Duration::ZERO,
    }
}

/// Ports where `good-token` hashes to `good-digest` and finds `session`.
fn ports_finding(session: Option<StoredSession>) -> MockPorts {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .tokens
        .expect_hash()
        .withf(|presented: &str| presented == "good-token")
        .times(1)
        .return_const(TokenHash(b"good-digest".to_vec()));
    ports
        .sessions
        .expect_find_by_token()
        .withf(|hash| *hash == TokenHash(b"good-digest".to_vec()))
        .times(1)
        .returning(move |_| Ok(session.clone()));
    ports
}

#[tokio::test]
async fn an_unknown_token_is_unauthenticated_and_audited() {
    let mut ports = ports_finding(None);
    ports.sessions.expect_touch().never();
    let folio = folio(ports);

    let result = folio.authenticate("good-token", &client()).await;

    assert!(
        matches!(result, Err(AppError::Unauthenticated)),
        "{result:?}"
    );
    // Tallied: nothing is written until the window's one row is.
    assert!(folio.ports().audit.recorded().is_empty());
    assert_eq!(folio.flush_audit_tally(true).await, 1);
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::TokenRejected);
    assert_eq!(event.details["reason"], "unknown");
    assert_eq!(event.details["count"], "1");
    assert_eq!(event.client, client());
}

#[tokio::test]
async fn a_revoked_session_is_unauthenticated() {
    let jake = user("jake");
    let mut session = active_session(&jake, now() - Duration::minutes(1));
    session.revoked_at = Some(now() - Duration::seconds(1));
    let folio = folio_with(ports_finding(Some(session)), policy());

    let result = folio.authenticate("good-token", &client()).await;

    assert!(
        matches!(result, Err(AppError::Unauthenticated)),
        "{result:?}"
    );
    folio.flush_audit_tally(true).await;
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.details["reason"], "revoked");
    assert_eq!(event.subject, Some(jake.id));
}

#[tokio::test]
async fn a_session_idle_for_longer_than_the_timeout_has_expired() {
    let jake = user("jake");
    let session = active_session(&jake, now() - Duration::days(3));
    let folio = folio_with(ports_finding(Some(session)), policy());

    let result = folio.authenticate("good-token", &client()).await;

    assert!(
        matches!(result, Err(AppError::SessionExpired)),
        "{result:?}"
    );
    folio.flush_audit_tally(true).await;
    assert_eq!(
        folio.ports().audit.recorded()[0].details["reason"],
        "expired"
    );
}

#[tokio::test]
async fn a_session_past_its_absolute_lifetime_has_expired_however_active() {
    let jake = user("jake");
    let mut session = active_session(&jake, now() - Duration::minutes(1));
    session.expires_at = now();
    let folio = folio_with(ports_finding(Some(session)), policy());

    let result = folio.authenticate("good-token", &client()).await;

    assert!(
        matches!(result, Err(AppError::SessionExpired)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_suspended_user_cannot_use_a_session_that_survived() {
    let mut jake = user("jake");
    jake.suspended_at = Some(now() - Duration::minutes(1));
    let session = active_session(&jake, now() - Duration::minutes(1));
    let folio = folio_with(ports_finding(Some(session)), policy());

    let result = folio.authenticate("good-token", &client()).await;

    assert!(
        matches!(result, Err(AppError::Unauthenticated)),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_active_session_seen_recently_authenticates_without_a_write() {
    let jake = user("jake");
    let session = active_session(&jake, now() - Duration::minutes(4));
    let session_id = session.id;
    let mut ports = ports_finding(Some(session));
    ports.sessions.expect_touch().never();
    let folio = folio_with(ports, policy());

    let authenticated = folio.authenticate("good-token", &client()).await.unwrap();

    assert_eq!(authenticated.user, jake);
    assert_eq!(authenticated.session_id, session_id);
    assert!(folio.ports().audit.recorded().is_empty());
}

#[tokio::test]
async fn a_session_not_seen_for_a_touch_interval_is_touched() {
    let jake = user("jake");
    let session = active_session(&jake, now() - Duration::minutes(6));
    let session_id = session.id;
    let mut ports = ports_finding(Some(session));
    ports
        .sessions
        .expect_touch()
        .withf(move |id, at| *id == session_id && *at == now())
        .times(1)
        .returning(|_, _| Ok(true));
    let folio = folio_with(ports, policy());

    folio.authenticate("good-token", &client()).await.unwrap();
}

#[tokio::test]
async fn authentication_succeeds_when_recording_activity_fails() {
    let jake = user("jake");
    let session = active_session(&jake, now() - Duration::hours(1));
    let mut ports = ports_finding(Some(session));
    ports
        .sessions
        .expect_touch()
        .times(1)
        .returning(|_, _| Err(unavailable()));
    let folio = folio_with(ports, policy());

    let authenticated = folio.authenticate("good-token", &client()).await.unwrap();

    assert_eq!(authenticated.user, jake);
}

#[tokio::test]
async fn a_session_store_outage_is_unavailable_not_unauthenticated() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .tokens
        .expect_hash()
        .return_const(TokenHash(b"x".to_vec()));
    ports
        .sessions
        .expect_find_by_token()
        .returning(|_| Err(unavailable()));
    let folio = folio(ports);

    let result = folio.authenticate("good-token", &client()).await;

    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
    assert!(folio.ports().audit.recorded().is_empty());
}

fn record(id: SessionId, last_seen_at: chrono::DateTime<chrono::Utc>) -> SessionRecord {
    SessionRecord {
        id,
        created_at: last_seen_at - Duration::hours(2),
        last_seen_at,
        expires_at: now() + Duration::days(6),
        user_agent: Some("browser".to_owned()),
        ip: Some("192.0.2.1".to_owned()),
    }
}

#[tokio::test]
async fn the_session_list_marks_the_current_one_and_shows_when_each_ends() {
    let jake = user("jake");
    let caller = authenticated(&jake);
    let other = SessionId::generate();
    let records = vec![
        record(caller.session_id, now()),
        record(other, now() - Duration::days(1)),
    ];
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .sessions
        .expect_list_active()
        .withf(move |user, at, idle_since| {
            *user == jake.id && *at == now() && *idle_since == now() - Duration::days(3)
        })
        .times(1)
        .returning(move |_, _, _| Ok(records.clone()));
    let folio = folio_with(ports, policy());

    let sessions = folio.sessions_of(&caller).await.unwrap();

    assert_eq!(sessions.len(), 2);
    assert!(sessions[0].current && !sessions[1].current);
    // The idle window ends before the absolute expiry for both.
    assert_eq!(sessions[0].expires_at, now() + Duration::days(3));
    assert_eq!(sessions[1].expires_at, now() + Duration::days(2));
}

#[tokio::test]
async fn logout_revokes_the_current_session_and_is_audited() {
    let jake = user("jake");
    let caller = authenticated(&jake);
    let current = caller.session_id;
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .sessions
        .expect_revoke()
        .withf(move |user, session, at| *user == jake.id && *session == current && *at == now())
        .times(1)
        .returning(move |_, _, _| Ok(Some(revoked_session(current, b"current"))));
    let folio = folio(ports);

    folio.logout(&caller, &client()).await.unwrap();

    assert_eq!(folio.ports().audit.event_types(), [AuditEventType::Logout]);
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::SessionsRevoked {
            user: jake.id,
            sessions: vec![current],
        }]
    );
}

#[tokio::test]
async fn revoking_a_session_that_is_not_yours_is_not_found() {
    let jake = user("jake");
    let caller = authenticated(&jake);
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .sessions
        .expect_revoke()
        .times(1)
        .returning(|_, _, _| Ok(None));
    let folio = folio(ports);

    let result = folio
        .revoke_session(&caller, SessionId::generate(), &client())
        .await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Session))),
        "{result:?}"
    );
    assert!(folio.ports().audit.recorded().is_empty());
    assert_eq!(folio.ports().transactions.commits(), 0);
}

#[tokio::test]
async fn a_revocation_whose_audit_row_fails_commits_nothing() {
    let caller = authenticated(&user("jake"));
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .sessions
        .expect_revoke()
        .times(2)
        .returning(|_, session, _| Ok(Some(revoked_session(session, b"revoked"))));
    ports.audit.failing = true;
    let folio = folio_caching_sessions(ports);

    let logout = folio.logout(&caller, &client()).await;
    assert_nothing_committed(&folio, logout);
    let revocation = folio
        .revoke_session(&caller, SessionId::generate(), &client())
        .await;
    assert_nothing_committed(&folio, revocation);
}

#[tokio::test]
async fn revoking_one_of_your_sessions_is_audited() {
    let jake = user("jake");
    let caller = authenticated(&jake);
    let target = SessionId::generate();
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .sessions
        .expect_revoke()
        .withf(move |_, session, _| *session == target)
        .returning(move |_, _, _| Ok(Some(revoked_session(target, b"other"))));
    let folio = folio(ports);

    folio
        .revoke_session(&caller, target, &client())
        .await
        .unwrap();

    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::SessionRevoked);
    assert_eq!(event.session, Some(target));
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::SessionsRevoked {
            user: jake.id,
            sessions: vec![target],
        }]
    );
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_the_current_session() {
    let jake = user("jake");
    let caller = authenticated(&jake);
    let current = caller.session_id;
    let revoked = revoked_sessions(4);
    let returned = revoked.clone();
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .sessions
        .expect_revoke_all()
        .withf(move |_, keep, _| *keep == Some(current))
        .times(1)
        .returning(move |_, _, _| Ok(returned.clone()));
    let folio = folio(ports);

    let count = folio
        .revoke_other_sessions(&caller, &client())
        .await
        .unwrap();

    assert_eq!(count, 4);
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::SessionsRevokedAll);
    assert_eq!(event.details["revoked"], "4");
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::SessionsRevoked {
            user: jake.id,
            sessions: session_ids(&revoked),
        }]
    );
}

#[tokio::test]
async fn signing_out_everywhere_else_alone_is_audited_and_raises_nothing() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .sessions
        .expect_revoke_all()
        .times(1)
        .returning(|_, _, _| Ok(Vec::new()));
    let folio = folio(ports);

    let count = folio
        .revoke_other_sessions(&authenticated(&jake), &client())
        .await
        .unwrap();

    assert_eq!(count, 0);
    assert_eq!(
        folio.ports().audit.event_types(),
        [AuditEventType::SessionsRevokedAll]
    );
    assert_eq!(folio.ports().transactions.commits(), 1);
    assert!(folio.ports().transactions.events().is_empty());
}

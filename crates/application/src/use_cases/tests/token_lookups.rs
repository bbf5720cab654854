//! What presenting a token the session cache does not know costs its address.

use std::time::Duration;

use folio_domain::AuditEventType;

use super::rate_limits::{client, limited, usage};
use crate::error::AppError;
use crate::ports::TokenHash;
use crate::test_support::{MockPorts, active_session, now, unavailable, user};

fn hashing(ports: &mut MockPorts) {
    ports.clock_at(now());
    ports
        .tokens
        .expect_hash()
        .return_const(TokenHash(b"digest".to_vec()));
}

#[tokio::test]
async fn a_lookup_is_counted_before_it_is_made_and_refused_past_the_budget() {
    let mut ports = MockPorts::new();
    hashing(&mut ports);
    ports
        .limiter
        .expect_record()
        .withf(|key, _| key.scope == "token-rejections" && key.subject == "203.0.113.5")
        .times(1)
        .returning(|_, _| Ok(usage(false)));
    ports.sessions.expect_find_by_token().never();
    ports.limiter.expect_credit().never();
    let folio = limited(ports);

    let result = folio.authenticate("guess", &client()).await;

    match result {
        Err(AppError::RateLimited { retry_after }) => {
            assert_eq!(retry_after, Duration::from_secs(42));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(folio.flush_audit_tally(true).await, 1);
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::RateLimited);
    assert_eq!(event.details["limit"], "token-rejections");
}

#[tokio::test]
async fn an_unknown_token_is_counted_once_not_twice() {
    let mut ports = MockPorts::new();
    hashing(&mut ports);
    ports
        .limiter
        .expect_record()
        .times(1)
        .returning(|_, _| Ok(usage(true)));
    ports
        .sessions
        .expect_find_by_token()
        .times(1)
        .returning(|_| Ok(None));
    ports.limiter.expect_credit().never();
    let folio = limited(ports);

    let result = folio.authenticate("guess", &client()).await;

    assert!(
        matches!(result, Err(AppError::Unauthenticated)),
        "{result:?}"
    );
    assert_eq!(folio.flush_audit_tally(true).await, 1);
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::TokenRejected);
    assert_eq!(event.details["reason"], "unknown");
}

#[tokio::test]
async fn a_token_that_authenticates_gets_its_lookup_back() {
    let jake = user("jake");
    let session = active_session(&jake, now() - chrono::Duration::seconds(5));
    let mut ports = MockPorts::new();
    hashing(&mut ports);
    let mut order = mockall::Sequence::new();
    ports
        .limiter
        .expect_record()
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _| Ok(usage(true)));
    ports
        .sessions
        .expect_find_by_token()
        .times(1)
        .in_sequence(&mut order)
        .returning(move |_| Ok(Some(session.clone())));
    ports
        .limiter
        .expect_credit()
        .withf(|key| key.scope == "token-rejections")
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));
    let folio = limited(ports);

    let caller = folio.authenticate("token", &client()).await.unwrap();

    assert_eq!(caller.user.id, jake.id);
    assert!(folio.ports().audit.recorded().is_empty());
}

#[tokio::test]
async fn a_lookup_the_database_could_not_answer_is_given_back() {
    let mut ports = MockPorts::new();
    hashing(&mut ports);
    ports
        .limiter
        .expect_record()
        .times(1)
        .returning(|_, _| Ok(usage(true)));
    ports
        .sessions
        .expect_find_by_token()
        .times(1)
        .returning(|_| Err(unavailable()));
    ports.limiter.expect_credit().times(1).returning(|_| Ok(()));
    let folio = limited(ports);

    let result = folio.authenticate("token", &client()).await;

    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
}

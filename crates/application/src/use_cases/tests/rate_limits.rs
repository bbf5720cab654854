//! Login, registration and request limits, and failing open when the counters are down.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use folio_domain::{AuditEventType, Email, UserId};

use crate::error::AppError;
use crate::ports::{RateKey, Usage};
use crate::test_support::{MockPorts, now, password_hash, unavailable, user};
use crate::use_cases::accounts::{Credentials, Registration};
use crate::use_cases::rate_limits::RequestSubject;
use crate::{ClientInfo, Folio, RateLimits, SessionPolicy};

fn limited(ports: MockPorts) -> Folio<MockPorts> {
    Folio::new(ports, SessionPolicy::default()).with_rate_limits(RateLimits::default())
}

fn client() -> ClientInfo {
    ClientInfo {
        ip: Some("203.0.113.5".to_owned()),
        ..ClientInfo::default()
    }
}

fn usage(allowed: bool) -> Usage {
    Usage {
        allowed,
        limit: 5,
        remaining: if allowed { 1 } else { 0 },
        resets_in: Duration::from_secs(600),
        retry_in: (!allowed).then_some(Duration::from_secs(42)),
    }
}

fn credentials(password: &str) -> Credentials {
    Credentials {
        email: "Jake@Example.com".to_owned(),
        password: password.to_owned(),
    }
}

#[tokio::test]
async fn a_locked_out_client_is_refused_before_any_password_work() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .limiter
        .expect_peek()
        .withf(|key, _| key.scope == "login-account")
        .times(1)
        .returning(|_, _| Ok(usage(false)));
    ports.hasher.expect_verify().never();
    ports.users.expect_find_with_password_by_email().never();
    let folio = limited(ports);

    let result = folio.login(credentials("whatever"), client()).await;

    match result {
        Err(AppError::RateLimited { retry_after }) => {
            assert_eq!(retry_after, Duration::from_secs(42));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::RateLimited);
    assert_eq!(event.details["limit"], "login-account");
    assert_eq!(event.details["email"], "jake@example.com");
}

#[tokio::test]
async fn a_failed_login_counts_against_the_account_and_the_address() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .limiter
        .expect_peek()
        .times(2)
        .returning(|_, _| Ok(usage(true)));
    let recorded = crate::test_support::captured::<RateKey>();
    let seen = recorded.clone();
    ports
        .limiter
        .expect_record()
        .times(2)
        .returning(move |key, _| {
            seen.lock().unwrap().push(key.clone());
            Ok(usage(true))
        });
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(|_| Ok(None));
    ports.hasher.expect_verify().returning(|_, _| Ok(false));
    let folio = limited(ports);

    let result = folio.login(credentials("wrong"), client()).await;

    assert!(
        matches!(result, Err(AppError::InvalidCredentials)),
        "{result:?}"
    );
    let keys = crate::test_support::taken(&recorded);
    assert_eq!(
        keys,
        [
            RateKey::new("login-account", "203.0.113.5\njake@example.com"),
            RateKey::new("login-address", "203.0.113.5"),
        ]
    );
}

#[tokio::test]
async fn a_successful_login_clears_the_account_counter_only() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .limiter
        .expect_peek()
        .times(2)
        .returning(|_, _| Ok(usage(true)));
    ports
        .limiter
        .expect_clear()
        .withf(|key| key.scope == "login-account")
        .times(1)
        .returning(|_| Ok(()));
    ports
        .users
        .expect_find_with_password_by_email()
        .withf(|email: &Email| email.as_str() == "Jake@Example.com")
        .returning(move |_| Ok(Some((jake.clone(), password_hash("$stored")))));
    ports.hasher.expect_verify().returning(|_, _| Ok(true));
    ports.issues_token("token", b"digest");
    ports.sessions.expect_create().returning(|_| Ok(()));
    let folio = limited(ports);

    folio.login(credentials("right"), client()).await.unwrap();
}

#[tokio::test]
async fn unreachable_counters_let_logins_through() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .limiter
        .expect_peek()
        .returning(|_, _| Err(unavailable()));
    ports
        .limiter
        .expect_clear()
        .returning(|_| Err(unavailable()));
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(move |_| Ok(Some((jake.clone(), password_hash("$stored")))));
    ports.hasher.expect_verify().returning(|_, _| Ok(true));
    ports.issues_token("token", b"digest");
    ports.sessions.expect_create().returning(|_| Ok(()));
    let folio = limited(ports);

    let signed_in = folio.login(credentials("right"), client()).await.unwrap();

    assert_eq!(signed_in.token, "token");
}

#[tokio::test]
async fn registrations_beyond_the_hourly_limit_are_refused_before_any_work() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .limiter
        .expect_record()
        .withf(|key, window| key.scope == "registrations" && window.max == 10)
        .times(1)
        .returning(|_, _| Ok(usage(false)));
    ports.hasher.expect_hash().never();
    ports.users.expect_insert().never();
    let folio = limited(ports);

    let result = folio
        .register(
            Registration {
                username: "jake".to_owned(),
                email: "jake@example.com".to_owned(),
                password: "correct horse battery".to_owned(),
            },
            client(),
        )
        .await;

    assert!(
        matches!(result, Err(AppError::RateLimited { .. })),
        "{result:?}"
    );
    assert_eq!(
        folio.ports().audit.event_types(),
        [AuditEventType::RateLimited]
    );
}

#[tokio::test]
async fn requests_spend_the_users_budget_or_the_addresss() {
    let user_id = UserId::generate();
    let mut ports = MockPorts::new();
    let expected_user = user_id.to_string();
    ports
        .limiter
        .expect_take()
        .withf(move |key, bucket| {
            key.scope == "requests-user" && key.subject == expected_user && bucket.capacity == 300
        })
        .times(1)
        .returning(|_, _| Ok(usage(true)));
    ports
        .limiter
        .expect_take()
        .withf(|key, _| key.scope == "requests-address" && key.subject == "198.51.100.2")
        .times(1)
        .returning(|_, _| Ok(usage(false)));
    let folio = limited(ports);

    let by_user = folio.admit_request(&RequestSubject::User(user_id)).await;
    let by_address = folio
        .admit_request(&RequestSubject::Address("198.51.100.2".to_owned()))
        .await;

    assert!(by_user.is_some_and(|u| u.allowed));
    assert!(by_address.is_some_and(|u| !u.allowed));
}

#[tokio::test]
async fn requests_are_admitted_when_limits_are_off_or_unreachable() {
    let mut ports = MockPorts::new();
    ports
        .limiter
        .expect_take()
        .times(1)
        .returning(|_, _| Err(unavailable()));
    let limited = limited(ports);
    let unlimited = crate::test_support::folio(MockPorts::new());
    let subject = RequestSubject::Address("198.51.100.2".to_owned());

    assert_eq!(limited.admit_request(&subject).await, None);
    assert_eq!(unlimited.admit_request(&subject).await, None);
}

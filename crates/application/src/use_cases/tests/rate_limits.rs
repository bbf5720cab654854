//! Login, registration and request limits, and failing open when the counters are down.

use std::time::Duration;

use folio_domain::{AuditEventType, Email, UserId};

use crate::error::AppError;
use crate::ports::{RateKey, Usage};
use crate::test_support::{MockPorts, now, password_hash, unavailable, user};
use crate::use_cases::accounts::{Credentials, Registration};
use crate::use_cases::rate_limits::RequestSubject;
use crate::{ClientInfo, Folio, RateLimits, SessionPolicy};

pub(super) fn limited(ports: MockPorts) -> Folio<MockPorts> {
    Folio::new(ports, SessionPolicy::default()).with_rate_limits(RateLimits::default())
}

pub(super) fn client() -> ClientInfo {
    ClientInfo {
        ip: Some("203.0.113.5".to_owned()),
        ..ClientInfo::default()
    }
}

pub(super) fn usage(allowed: bool) -> Usage {
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
        .expect_record()
        .withf(|key, _| key.scope == "login-address")
        .times(1)
        .returning(|_, _| Ok(usage(true)));
    ports
        .limiter
        .expect_record()
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
    // Refusals are tallied, not written one by one.
    assert!(folio.ports().audit.recorded().is_empty());
    assert_eq!(folio.flush_audit_tally(true).await, 1);
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::RateLimited);
    assert_eq!(event.details["limit"], "login-account");
    assert_eq!(event.details["email"], "jake@example.com");
    assert_eq!(event.details["count"], "1");
}

#[tokio::test]
async fn every_attempt_is_counted_before_its_password_is_checked() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    let mut order = mockall::Sequence::new();
    let recorded = crate::test_support::captured::<RateKey>();
    let seen = recorded.clone();
    ports
        .limiter
        .expect_record()
        .times(2)
        .in_sequence(&mut order)
        .returning(move |key, _| {
            seen.lock().unwrap().push(key.clone());
            Ok(usage(true))
        });
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(|_| Ok(None));
    ports
        .hasher
        .expect_verify()
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _| Ok(false));
    ports.limiter.expect_credit().never();
    ports.limiter.expect_clear().never();
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
            RateKey::new("login-address", "203.0.113.5"),
            RateKey::new("login-account", "203.0.113.5\njake@example.com"),
        ]
    );
}

#[tokio::test]
async fn ipv6_clients_are_counted_by_their_network() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    let recorded = crate::test_support::captured::<RateKey>();
    let seen = recorded.clone();
    ports.limiter.expect_record().returning(move |key, _| {
        seen.lock().unwrap().push(key.clone());
        Ok(usage(true))
    });
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(|_| Ok(None));
    ports.hasher.expect_verify().returning(|_, _| Ok(false));
    let folio = limited(ports);
    let from = |ip: &str| ClientInfo {
        ip: Some(ip.to_owned()),
        ..ClientInfo::default()
    };

    for ip in ["2001:db8:1:2::1", "2001:db8:1:2:dead:beef:0:7"] {
        let _ = folio.login(credentials("wrong"), from(ip)).await;
    }

    let keys = crate::test_support::taken(&recorded);
    let subjects: Vec<&str> = keys.iter().map(|key| key.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "2001:db8:1:2::/64",
            "2001:db8:1:2::/64\njake@example.com",
            "2001:db8:1:2::/64",
            "2001:db8:1:2::/64\njake@example.com",
        ]
    );
}

#[tokio::test]
async fn a_successful_login_clears_the_account_and_credits_the_address() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .limiter
        .expect_record()
        .times(2)
        .returning(|_, _| Ok(usage(true)));
    ports
        .limiter
        .expect_clear()
        .withf(|key| key.scope == "login-account")
        .times(1)
        .returning(|_| Ok(()));
    ports
        .limiter
        .expect_credit()
        .withf(|key| key.scope == "login-address")
        .times(1)
        .returning(|_| Ok(()));
    ports
        .users
        .expect_find_with_password_by_email()
        .withf(|email: &Email| email.as_str() == "Jake@Example.com")
        .returning(move |_| Ok(Some((jake.clone(), password_hash("$stored")))));
    ports.hasher.expect_verify().returning(|_, _| Ok(true));
    ports.issues_token("token", b"digest");
    ports.sessions.expect_create().returning(|_, _| Ok(true));
    let folio = limited(ports);

    folio.login(credentials("right"), client()).await.unwrap();
}

#[tokio::test]
async fn a_login_whose_password_changed_meanwhile_opens_no_session() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .limiter
        .expect_record()
        .returning(|_, _| Ok(usage(true)));
    ports.limiter.expect_clear().never();
    ports.limiter.expect_credit().never();
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(move |_| Ok(Some((jake.clone(), password_hash("$old")))));
    ports.hasher.expect_verify().returning(|_, _| Ok(true));
    ports.issues_token("token", b"digest");
    ports
        .sessions
        .expect_create()
        .withf(|_, verified| *verified == password_hash("$old"))
        .times(1)
        .returning(|_, _| Ok(false));
    let folio = limited(ports);

    let result = folio.login(credentials("old"), client()).await;

    assert!(
        matches!(result, Err(AppError::InvalidCredentials)),
        "{result:?}"
    );
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::LoginFailed);
    assert_eq!(event.details["reason"], "password_changed");
}

#[tokio::test]
async fn with_the_counters_unreachable_logins_are_counted_in_process() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .limiter
        .expect_record()
        .returning(|_, _| Err(unavailable()));
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(|_| Ok(None));
    ports
        .hasher
        .expect_verify()
        .times(5)
        .returning(|_, _| Ok(false));
    let folio = limited(ports);

    for _ in 0..5 {
        let result = folio.login(credentials("wrong"), client()).await;
        assert!(
            matches!(result, Err(AppError::InvalidCredentials)),
            "{result:?}"
        );
    }
    let sixth = folio.login(credentials("wrong"), client()).await;

    assert!(
        matches!(sixth, Err(AppError::RateLimited { .. })),
        "{sixth:?}"
    );
}

#[tokio::test]
async fn an_oversized_email_or_password_is_refused_before_any_work() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports.limiter.expect_record().never();
    ports.users.expect_find_with_password_by_email().never();
    ports.hasher.expect_verify().never();
    let folio = limited(ports);
    let huge = format!("{}@example.com", "a".repeat(1 << 20));

    let result = folio
        .login(
            Credentials {
                email: huge,
                password: "x".repeat(129),
            },
            client(),
        )
        .await;

    match result {
        Err(AppError::Invalid(errors)) => {
            assert!(
                errors.fields()["email"][0].contains("too long"),
                "{errors:?}"
            );
            assert!(
                errors.fields()["password"][0].contains("too long"),
                "{errors:?}"
            );
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(folio.ports().audit.recorded().is_empty());
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
    folio.flush_audit_tally(true).await;
    assert_eq!(
        folio.ports().audit.event_types(),
        [AuditEventType::RateLimited]
    );
}

#[tokio::test]
async fn with_the_counters_unreachable_registrations_are_counted_in_process() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .limiter
        .expect_record()
        .returning(|_, _| Err(unavailable()));
    let folio = limited(ports);
    let registration = Registration {
        username: "x".to_owned(),
        email: "not an email".to_owned(),
        password: "correct horse battery".to_owned(),
    };

    for _ in 0..10 {
        let result = folio.register(registration.clone(), client()).await;
        assert!(matches!(result, Err(AppError::Invalid(_))), "{result:?}");
    }
    let eleventh = folio.register(registration, client()).await;

    assert!(
        matches!(eleventh, Err(AppError::RateLimited { .. })),
        "{eleventh:?}"
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

fn email_change(email: &str) -> crate::use_cases::accounts::SettingsUpdate {
    crate::use_cases::accounts::SettingsUpdate {
        email: Some(email.to_owned()),
        ..Default::default()
    }
}

#[tokio::test]
async fn email_changes_spend_the_registration_budget() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .limiter
        .expect_record()
        .withf(|key, window| {
            key.scope == "registrations" && key.subject == "203.0.113.5" && window.max == 10
        })
        .times(1)
        .returning(|_, _| Ok(usage(false)));
    ports.users.expect_update().never();
    let folio = limited(ports);

    let result = folio
        .update_settings(
            &crate::test_support::authenticated(&jake),
            email_change("taken@example.com"),
            client(),
        )
        .await;

    assert!(
        matches!(result, Err(AppError::RateLimited { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn sending_the_current_email_back_spends_nothing() {
    let jake = user("jake");
    let stored = jake.clone();
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports.limiter.expect_record().never();
    ports
        .users
        .expect_update()
        .times(1)
        .returning(move |_, _| Ok(stored.clone()));
    ports
        .sessions
        .expect_unrevoked_token_hashes()
        .returning(|_| Ok(Vec::new()));
    let folio = limited(ports);

    folio
        .update_settings(
            &crate::test_support::authenticated(&jake),
            email_change(" JAKE@example.com "),
            client(),
        )
        .await
        .unwrap();
}

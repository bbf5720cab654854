//! Registration, login, token authentication and account settings.

use chrono::Duration;
use folio_domain::{
    AuditEventType, AuditOutcome, Bio, DomainEvent, Email, ImageUrl, Password, PasswordHash,
    Username,
};

use crate::error::AppError;
use crate::ports::{Conflict, NewSession, PortError, RevokedSession, TokenHash, UserChanges};
use crate::test_support::{
    MockPorts, assert_nothing_committed, authenticated, broken, captured, field_names, folio,
    folio_caching_sessions, folio_with, invalid_fields, now, password_hash, revoked_sessions,
    session_ids, taken, unavailable, user,
};
use crate::use_cases::accounts::{Credentials, Registration, SettingsUpdate};
use crate::views::Authenticated;
use crate::{ClientInfo, FieldErrors, SessionPolicy};

const TAKEN: &str = "has already been taken";

fn registration(username: &str, email: &str, password: &str) -> Registration {
    Registration {
        username: username.to_owned(),
        email: email.to_owned(),
        password: password.to_owned(),
    }
}

fn credentials(email: &str, password: &str) -> Credentials {
    Credentials {
        email: email.to_owned(),
        password: password.to_owned(),
    }
}

fn client() -> ClientInfo {
    ClientInfo {
        user_agent: Some("test-agent/1.0".to_owned()),
        ip: Some("203.0.113.7".to_owned()),
        request_id: Some("req-1".to_owned()),
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

// ---------------------------------------------------------------- register

#[tokio::test]
async fn register_lists_every_invalid_field_and_calls_no_port() {
    // No expectation is set on any mock: any port call would panic.
    let folio = folio(MockPorts::new());

    let result = folio
        .register(registration("jake doe", "not-an-email", "short"), client())
        .await;

    let errors = invalid_fields(result);
    assert_eq!(field_names(&errors), ["email", "password", "username"]);
    assert_eq!(errors["email"], ["is invalid"]);
    assert_eq!(
        errors["password"],
        ["is too short (minimum is 8 characters)"]
    );
    assert_eq!(
        errors["username"],
        ["may only contain letters, digits, '_', '-' and '.'"]
    );
}

#[tokio::test]
async fn register_reports_blank_fields_as_blank() {
    let folio = folio(MockPorts::new());

    let errors = invalid_fields(folio.register(registration(" ", "", ""), client()).await);

    assert_eq!(field_names(&errors), ["email", "password", "username"]);
    for messages in errors.values() {
        assert_eq!(messages, &["can't be blank"]);
    }
}

#[tokio::test]
async fn register_reports_only_the_field_that_is_wrong() {
    let mut ports = MockPorts::new();
    ports.hasher.expect_hash().never();
    ports.users.expect_insert().never();
    let folio = folio(ports);

    let errors = invalid_fields(
        folio
            .register(
                registration("jake", "jake@example.com", &"x".repeat(129)),
                client(),
            )
            .await,
    );

    assert_eq!(field_names(&errors), ["password"]);
    assert_eq!(
        errors["password"],
        ["is too long (maximum is 128 characters)"]
    );
}

async fn register_against_conflict(conflict: Conflict) -> Result<crate::views::SignedIn, AppError> {
    let mut ports = MockPorts::new();
    ports
        .hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok(password_hash("$argon2id$fake")));
    ports.clock_at(now());
    ports.issues_token("t", b"h");
    ports
        .users
        .expect_insert()
        .times(1)
        .returning(move |_, _| Err(PortError::Conflict(conflict)));
    ports.sessions.expect_create().never();
    folio(ports)
        .register(
            registration("jake", "jake@example.com", "correct horse"),
            client(),
        )
        .await
}

#[tokio::test]
async fn register_with_taken_username_is_invalid_under_username() {
    let errors = invalid_fields(register_against_conflict(Conflict::Username).await);

    assert_eq!(field_names(&errors), ["username"]);
    assert_eq!(errors["username"], [TAKEN]);
}

#[tokio::test]
async fn register_with_taken_email_is_invalid_under_email() {
    let errors = invalid_fields(register_against_conflict(Conflict::Email).await);

    assert_eq!(field_names(&errors), ["email"]);
    assert_eq!(errors["email"], [TAKEN]);
}

#[tokio::test]
async fn register_hashes_the_password_and_opens_a_session_storing_only_the_token_hash() {
    let jake = user("jake");
    let stored = jake.clone();
    let new_users = captured();
    let new_sessions = captured::<NewSession>();

    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .hasher
        .expect_hash()
        .withf(|password: &Password| password.expose() == "correct horse battery")
        .times(1)
        .returning(|_| Ok(password_hash("$argon2id$hash-of-correct-horse")));
    ports.issues_token("the-secret-token", b"digest-of-token");
    let seen_users = new_users.clone();
    let seen_sessions = new_sessions.clone();
    // The first session is stored with the account, in the same call.
    ports
        .users
        .expect_insert()
        .times(1)
        .returning(move |new, session| {
            seen_users.lock().unwrap().push(new);
            seen_sessions.lock().unwrap().push(session);
            Ok(stored.clone())
        });
    ports.sessions.expect_create().never();
    let folio = folio_with(ports, policy());

    let signed_in = folio
        .register(
            // Username and email are trimmed; the password is taken as typed.
            registration(" jake ", " jake@example.com ", "correct horse battery"),
            client(),
        )
        .await
        .unwrap();

    assert_eq!(signed_in.user, jake);
    assert_eq!(signed_in.token, "the-secret-token");

    let [new_user] = taken(&new_users).try_into().unwrap();
    assert_eq!(new_user.username.as_str(), "jake");
    assert_eq!(new_user.email.as_str(), "jake@example.com");
    assert_eq!(
        new_user.password_hash,
        password_hash("$argon2id$hash-of-correct-horse")
    );

    let [session] = taken(&new_sessions).try_into().unwrap();
    assert_eq!(session.id, signed_in.session_id);
    assert_eq!(session.user_id, new_user.id);
    assert_eq!(session.token_hash, TokenHash(b"digest-of-token".to_vec()));
    assert_ne!(session.token_hash.0, signed_in.token.as_bytes());
    assert_eq!(session.created_at, now());
    assert_eq!(session.expires_at, now() + Duration::days(7));
    assert_eq!(session.user_agent.as_deref(), Some("test-agent/1.0"));
    assert_eq!(session.ip.as_deref(), Some("203.0.113.7"));
}

#[tokio::test]
async fn register_does_not_store_a_user_when_hashing_fails() {
    let mut ports = MockPorts::new();
    ports
        .hasher
        .expect_hash()
        .times(1)
        .returning(|_| Err(unavailable()));
    ports.users.expect_insert().never();
    let folio = folio(ports);

    let result = folio
        .register(
            registration("jake", "jake@example.com", "correct horse"),
            client(),
        )
        .await;

    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn register_maps_other_storage_failures_to_internal_not_invalid() {
    let mut ports = MockPorts::new();
    ports
        .hasher
        .expect_hash()
        .returning(|_| Ok(password_hash("h")));
    ports.clock_at(now());
    ports.issues_token("t", b"h");
    ports.users.expect_insert().returning(|_, _| Err(broken()));
    ports.sessions.expect_create().never();
    let folio = folio(ports);

    let result = folio
        .register(
            registration("jake", "jake@example.com", "correct horse"),
            client(),
        )
        .await;

    assert!(matches!(result, Err(AppError::Internal(_))), "{result:?}");
}

#[tokio::test]
async fn register_is_unavailable_when_the_store_is_and_opens_no_separate_session() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .hasher
        .expect_hash()
        .returning(|_| Ok(password_hash("h")));
    ports.issues_token("t", b"h");
    ports
        .users
        .expect_insert()
        .times(1)
        .returning(|_, _| Err(unavailable()));
    ports.sessions.expect_create().never();
    let folio = folio(ports);

    let result = folio
        .register(
            registration("jake", "jake@example.com", "correct horse"),
            client(),
        )
        .await;

    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
}

// ------------------------------------------------------------------- login

#[tokio::test]
async fn login_with_blank_fields_is_invalid_without_any_port_call() {
    let folio = folio(MockPorts::new());

    let errors = invalid_fields(folio.login(credentials("   ", ""), client()).await);

    assert_eq!(field_names(&errors), ["email", "password"]);
    assert_eq!(errors["email"], ["can't be blank"]);
    assert_eq!(errors["password"], ["can't be blank"]);
}

#[tokio::test]
async fn login_with_unknown_email_still_verifies_a_password_with_no_hash() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .users
        .expect_find_with_password_by_email()
        .withf(|email: &Email| email.as_str() == "nobody@example.com")
        .times(1)
        .returning(|_| Ok(None));
    ports
        .hasher
        .expect_verify()
        .withf(|password: &Password, hash: &Option<&PasswordHash>| {
            password.expose() == "some password" && hash.is_none()
        })
        .times(1)
        .returning(|_, _| Ok(false));
    ports.tokens.expect_issue().never();
    ports.sessions.expect_create().never();
    let folio = folio(ports);

    let result = folio
        .login(credentials("nobody@example.com", "some password"), client())
        .await;

    assert!(
        matches!(result, Err(AppError::InvalidCredentials)),
        "{result:?}"
    );
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::LoginFailed);
    assert_eq!(event.outcome, AuditOutcome::Failure);
    assert_eq!(event.subject, None);
    assert_eq!(event.details["reason"], "unknown_email");
    assert_eq!(event.details["email"], "nobody@example.com");
    assert_eq!(event.client, client());
}

#[tokio::test]
async fn login_with_unknown_email_fails_even_if_the_hasher_says_yes() {
    // Defence in depth: a hasher that answered `true` for `hash = None` must not
    // let anyone in, since there is no account to sign in to.
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(|_| Ok(None));
    ports
        .hasher
        .expect_verify()
        .times(1)
        .returning(|_, _| Ok(true));
    ports.sessions.expect_create().never();
    let folio = folio(ports);

    let result = folio
        .login(credentials("nobody@example.com", "some password"), client())
        .await;

    assert!(
        matches!(result, Err(AppError::InvalidCredentials)),
        "{result:?}"
    );
    assert_eq!(
        folio.ports().audit.event_types(),
        [AuditEventType::LoginFailed]
    );
}

#[tokio::test]
async fn login_with_wrong_password_gives_the_same_invalid_credentials() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .users
        .expect_find_with_password_by_email()
        .times(1)
        .returning(move |_| Ok(Some((jake.clone(), password_hash("$stored")))));
    ports
        .hasher
        .expect_verify()
        .withf(|password: &Password, hash: &Option<&PasswordHash>| {
            password.expose() == "wrong password" && *hash == Some(&password_hash("$stored"))
        })
        .times(1)
        .returning(|_, _| Ok(false));
    ports.tokens.expect_issue().never();
    ports.sessions.expect_create().never();
    let folio = folio(ports);

    let result = folio
        .login(credentials("jake@example.com", "wrong password"), client())
        .await;

    assert!(
        matches!(result, Err(AppError::InvalidCredentials)),
        "{result:?}"
    );
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::LoginFailed);
    assert_eq!(event.details["reason"], "wrong_password");
    assert!(event.subject.is_some(), "the targeted account is named");
    assert_eq!(event.actor, None);
}

#[tokio::test]
async fn login_with_malformed_email_goes_through_verify_and_fails_the_same_way() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    // A malformed email cannot name an account: no lookup...
    ports.users.expect_find_with_password_by_email().never();
    // ...but the same password work as for an unknown account.
    ports
        .hasher
        .expect_verify()
        .withf(|_: &Password, hash: &Option<&PasswordHash>| hash.is_none())
        .times(1)
        .returning(|_, _| Ok(false));
    ports.sessions.expect_create().never();
    let folio = folio(ports);

    let result = folio
        .login(credentials("not-an-email", "some password"), client())
        .await;

    assert!(
        matches!(result, Err(AppError::InvalidCredentials)),
        "{result:?}"
    );
    assert_eq!(
        folio.ports().audit.event_types(),
        [AuditEventType::LoginFailed]
    );
}

#[tokio::test]
async fn login_with_the_right_password_opens_a_session() {
    let jake = user("jake");
    let found = jake.clone();
    let new_sessions = captured::<NewSession>();

    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .users
        .expect_find_with_password_by_email()
        .withf(|email: &Email| email.as_str() == "Jake@Example.com")
        .times(1)
        .returning(move |_| Ok(Some((found.clone(), password_hash("$stored")))));
    ports
        .hasher
        .expect_verify()
        .withf(|password: &Password, hash: &Option<&PasswordHash>| {
            password.expose() == "correct horse" && *hash == Some(&password_hash("$stored"))
        })
        .times(1)
        .returning(|_, _| Ok(true));
    ports.issues_token("fresh-token", b"fresh-digest");
    let seen = new_sessions.clone();
    ports
        .sessions
        .expect_create()
        .withf(|_, verified| *verified == password_hash("$stored"))
        .times(1)
        .returning(move |s, _| {
            seen.lock().unwrap().push(s);
            Ok(true)
        });
    let folio = folio_with(ports, policy());

    let signed_in = folio
        .login(credentials(" Jake@Example.com ", "correct horse"), client())
        .await
        .unwrap();

    assert_eq!(signed_in.user, jake);
    assert_eq!(signed_in.token, "fresh-token");
    let [session] = taken(&new_sessions).try_into().unwrap();
    assert_eq!(session.id, signed_in.session_id);
    assert_eq!(session.user_id, jake.id);
    assert_eq!(session.token_hash, TokenHash(b"fresh-digest".to_vec()));
    assert_eq!(session.expires_at, now() + Duration::days(7));
    assert_eq!(session.ip.as_deref(), Some("203.0.113.7"));
}

#[tokio::test]
async fn login_accepts_a_short_password_set_under_older_rules() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(move |_| Ok(Some((jake.clone(), password_hash("$old")))));
    ports
        .hasher
        .expect_verify()
        // Passed on verbatim: not length-checked, not trimmed.
        .withf(|password: &Password, _: &Option<&PasswordHash>| password.expose() == " abc ")
        .times(1)
        .returning(|_, _| Ok(true));
    ports.issues_token("t", b"h");
    ports
        .sessions
        .expect_create()
        .times(1)
        .returning(|_, _| Ok(true));
    let folio = folio(ports);

    let result = folio
        .login(credentials("jake@example.com", " abc "), client())
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn login_lookup_failure_is_unavailable_not_invalid_credentials() {
    let mut ports = MockPorts::new();
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(|_| Err(unavailable()));
    ports.hasher.expect_verify().never();
    let folio = folio(ports);

    let result = folio
        .login(credentials("jake@example.com", "whatever"), client())
        .await;

    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn login_hasher_failure_is_internal_and_opens_no_session() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(move |_| Ok(Some((jake.clone(), password_hash("$stored")))));
    ports.hasher.expect_verify().returning(|_, _| Err(broken()));
    ports.sessions.expect_create().never();
    let folio = folio(ports);

    let result = folio
        .login(credentials("jake@example.com", "whatever"), client())
        .await;

    assert!(matches!(result, Err(AppError::Internal(_))), "{result:?}");
}

// --------------------------------------------------------- update_settings

/// Runs `update_settings` for jake, expecting exactly one `UserRepository::update`,
/// and returns the changes it was given.
pub(super) async fn changes_for(mut ports: MockPorts, update: SettingsUpdate) -> UserChanges {
    let jake = user("jake");
    let caller = authenticated(&jake);
    let jake_id = jake.id;
    let seen = captured();
    let seen_in_mock = seen.clone();
    ports
        .users
        .expect_update()
        .withf(move |id, _| *id == jake_id)
        .times(1)
        .returning(move |_, changes| {
            seen_in_mock.lock().unwrap().push(changes);
            Ok(jake.clone())
        });
    let folio = folio(ports);

    folio
        .update_settings(&caller, update, client())
        .await
        .unwrap();

    let [changes] = taken(&seen).try_into().unwrap();
    changes
}

#[tokio::test]
async fn update_settings_changes_only_the_given_fields() {
    let mut ports = MockPorts::new();
    ports.hasher.expect_hash().never();

    let changes = changes_for(
        ports,
        SettingsUpdate {
            bio: Some("I like to skateboard".to_owned()),
            ..SettingsUpdate::default()
        },
    )
    .await;

    assert_eq!(
        changes.bio,
        Some(Some(
            Bio::parse_optional("I like to skateboard")
                .unwrap()
                .unwrap()
        ))
    );
    assert!(changes.username.is_none());
    assert!(changes.email.is_none());
    assert!(changes.password_hash.is_none());
    assert!(changes.image.is_none());
}

#[tokio::test]
async fn update_settings_parses_username_email_and_image() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    let changes = changes_for(
        ports,
        SettingsUpdate {
            username: Some(" jacob ".to_owned()),
            email: Some("jacob@example.org".to_owned()),
            image: Some("https://cdn.example/jacob.png".to_owned()),
            ..SettingsUpdate::default()
        },
    )
    .await;

    assert_eq!(changes.username, Some(Username::parse("jacob").unwrap()));
    assert_eq!(
        changes.email,
        Some(Email::parse("jacob@example.org").unwrap())
    );
    assert_eq!(
        changes.image,
        Some(ImageUrl::parse_optional("https://cdn.example/jacob.png").unwrap())
    );
    assert!(changes.bio.is_none());
    assert!(changes.password_hash.is_none());
}

#[tokio::test]
async fn update_settings_hashes_a_new_password() {
    let mut ports = MockPorts::new();
    ports
        .hasher
        .expect_hash()
        .withf(|password: &Password| password.expose() == "new secret phrase")
        .times(1)
        .returning(|_| Ok(password_hash("$argon2id$new")));
    ports.clock_at(now());
    ports
        .sessions
        .expect_revoke_all()
        .withf(|_, keep, at| keep.is_some() && *at == now())
        .times(1)
        .returning(|_, _, _| Ok(revoked_sessions(2)));

    let changes = changes_for(
        ports,
        SettingsUpdate {
            password: Some("new secret phrase".to_owned()),
            ..SettingsUpdate::default()
        },
    )
    .await;

    assert_eq!(changes.password_hash, Some(password_hash("$argon2id$new")));
    assert!(changes.username.is_none() && changes.bio.is_none());
}

#[tokio::test]
async fn update_settings_empty_bio_and_image_clear_them() {
    let changes = changes_for(
        MockPorts::new(),
        SettingsUpdate {
            bio: Some(String::new()),
            image: Some("   ".to_owned()),
            ..SettingsUpdate::default()
        },
    )
    .await;

    assert_eq!(changes.bio, Some(None));
    assert_eq!(changes.image, Some(None));
}

async fn update_against_conflict(conflict: Conflict) -> Result<folio_domain::User, AppError> {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports
        .users
        .expect_update()
        .times(1)
        .returning(move |_, _| Err(PortError::Conflict(conflict)));
    folio(ports)
        .update_settings(
            &authenticated(&jake),
            SettingsUpdate {
                username: Some("taken_name".to_owned()),
                email: Some("taken@example.com".to_owned()),
                ..SettingsUpdate::default()
            },
            client(),
        )
        .await
}

#[tokio::test]
async fn update_settings_taken_username_is_invalid_under_username() {
    let errors = invalid_fields(update_against_conflict(Conflict::Username).await);

    assert_eq!(field_names(&errors), ["username"]);
    assert_eq!(errors["username"], [TAKEN]);
}

#[tokio::test]
async fn update_settings_taken_email_is_invalid_under_email() {
    let errors = invalid_fields(update_against_conflict(Conflict::Email).await);

    assert_eq!(field_names(&errors), ["email"]);
    assert_eq!(errors["email"], [TAKEN]);
}

#[tokio::test]
async fn update_settings_invalid_image_is_invalid_and_nothing_is_written() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports.users.expect_update().never();
    let folio = folio(ports);

    let errors = invalid_fields(
        folio
            .update_settings(
                &authenticated(&jake),
                SettingsUpdate {
                    image: Some("javascript:alert(1)".to_owned()),
                    bio: Some("fine".to_owned()),
                    ..SettingsUpdate::default()
                },
                client(),
            )
            .await,
    );

    assert_eq!(field_names(&errors), ["image"]);
    assert_eq!(errors["image"], [folio_domain::ImageUrl::NOT_HTTPS]);
}

#[tokio::test]
async fn update_settings_lists_every_invalid_field_and_does_not_hash() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports.hasher.expect_hash().never();
    ports.users.expect_update().never();
    let folio = folio(ports);

    let errors = invalid_fields(
        folio
            .update_settings(
                &authenticated(&jake),
                SettingsUpdate {
                    username: Some("no spaces allowed".to_owned()),
                    email: Some("nope".to_owned()),
                    password: Some("short".to_owned()),
                    bio: Some("b".repeat(1001)),
                    image: Some("ftp://example.com/a.png".to_owned()),
                },
                client(),
            )
            .await,
    );

    assert_eq!(
        field_names(&errors),
        ["bio", "email", "image", "password", "username"]
    );
}

#[tokio::test]
async fn update_settings_of_a_deleted_account_is_unauthenticated() {
    let jake = user("jake");
    let mut ports = MockPorts::new();
    ports
        .users
        .expect_update()
        .returning(|_, _| Err(PortError::NotFound));
    let folio = folio(ports);

    let result = folio
        .update_settings(
            &authenticated(&jake),
            SettingsUpdate {
                bio: Some("x".to_owned()),
                ..SettingsUpdate::default()
            },
            client(),
        )
        .await;

    assert!(
        matches!(result, Err(AppError::Unauthenticated)),
        "{result:?}"
    );
}

#[tokio::test]
async fn update_settings_returns_the_stored_user() {
    let jake = user("jake");
    let mut renamed = jake.clone();
    renamed.username = Username::parse("jacob").unwrap();
    let returned = renamed.clone();
    let mut ports = MockPorts::new();
    ports
        .users
        .expect_update()
        .times(1)
        .returning(move |_, _| Ok(returned.clone()));
    let folio = folio(ports);

    let updated = folio
        .update_settings(
            &authenticated(&jake),
            SettingsUpdate {
                username: Some("jacob".to_owned()),
                ..SettingsUpdate::default()
            },
            client(),
        )
        .await
        .unwrap();

    assert_eq!(updated, renamed);
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::ProfileUpdated {
            user: jake.id,
            username: renamed.username.clone(),
            previous_username: Some(jake.username.clone()),
        }]
    );
}

// The `FieldErrors` helpers the use cases rely on for the 422 shape.
#[test]
fn field_errors_collect_messages_per_field() {
    let mut errors = FieldErrors::new();
    errors.add("email", "is invalid");
    errors.add("email", TAKEN);
    assert_eq!(errors.fields()["email"], ["is invalid", TAKEN]);
    assert!(matches!(errors.into_result(), Err(AppError::Invalid(e)) if e.len() == 1));
    assert!(FieldErrors::new().into_result().is_ok());
}

#[tokio::test]
async fn login_to_a_suspended_account_is_refused_only_after_the_right_password() {
    let mut jake = user("jake");
    jake.suspended_at = Some(now() - Duration::days(1));
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(move |_| Ok(Some((jake.clone(), password_hash("$stored")))));
    ports
        .hasher
        .expect_verify()
        .times(1)
        .returning(|_, _| Ok(true));
    ports.tokens.expect_issue().never();
    ports.sessions.expect_create().never();
    let folio = folio(ports);

    let result = folio
        .login(credentials("jake@example.com", "correct horse"), client())
        .await;

    assert!(
        matches!(result, Err(AppError::AccountSuspended)),
        "{result:?}"
    );
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::LoginFailed);
    assert_eq!(event.details["reason"], "suspended");
}

#[tokio::test]
async fn a_suspended_account_with_a_wrong_password_looks_like_any_wrong_password() {
    let mut jake = user("jake");
    jake.suspended_at = Some(now());
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(move |_| Ok(Some((jake.clone(), password_hash("$stored")))));
    ports
        .hasher
        .expect_verify()
        .times(1)
        .returning(|_, _| Ok(false));
    let folio = folio(ports);

    let result = folio
        .login(credentials("jake@example.com", "guess"), client())
        .await;

    assert!(
        matches!(result, Err(AppError::InvalidCredentials)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_successful_login_is_audited_with_its_session() {
    let jake = user("jake");
    let jake_id = jake.id;
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .users
        .expect_find_with_password_by_email()
        .returning(move |_| Ok(Some((jake.clone(), password_hash("$stored")))));
    ports.hasher.expect_verify().returning(|_, _| Ok(true));
    ports.issues_token("fresh-token", b"fresh-digest");
    ports.sessions.expect_create().returning(|_, _| Ok(true));
    let folio = folio(ports);

    let signed_in = folio
        .login(credentials("jake@example.com", "correct horse"), client())
        .await
        .unwrap();

    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::LoginSucceeded);
    assert_eq!(event.outcome, AuditOutcome::Success);
    assert_eq!(event.actor, Some(jake_id));
    assert_eq!(event.session, Some(signed_in.session_id));
    assert_eq!(event.client.request_id.as_deref(), Some("req-1"));
    assert!(
        !event.details.values().any(|v| v.contains("correct horse")),
        "no password in the audit log"
    );
}

#[tokio::test]
async fn registering_with_a_common_password_is_refused_before_any_work() {
    let folio = folio(MockPorts::new());

    let errors = invalid_fields(
        folio
            .register(
                registration("jake", "jake@example.com", "Password123"),
                client(),
            )
            .await,
    );

    assert_eq!(field_names(&errors), ["password"]);
    assert!(errors["password"][0].contains("too common"), "{errors:?}");
}

#[tokio::test]
async fn common_passwords_can_be_allowed_by_configuration() {
    let folio = folio(MockPorts::new()).with_password_rules(crate::PasswordRules {
        reject_common: false,
    });

    let parsed = folio.validate_registration(&registration("jake", "jake@example.com", "password"));

    assert!(parsed.is_ok());
}

#[tokio::test]
async fn changing_to_a_common_password_is_refused_and_nothing_is_written() {
    let jake = user("jake");
    let folio = folio(MockPorts::new());

    let errors = invalid_fields(
        folio
            .update_settings(
                &authenticated(&jake),
                SettingsUpdate {
                    password: Some("qwertyuiop".to_owned()),
                    ..SettingsUpdate::default()
                },
                client(),
            )
            .await,
    );

    assert_eq!(field_names(&errors), ["password"]);
}

/// Ports where `caller` changes their password, which revokes `revoked` (once).
fn changing_password(caller: &Authenticated, revoked: &[RevokedSession]) -> MockPorts {
    let (id, current) = (caller.user.id, caller.session_id);
    let stored = caller.user.clone();
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .hasher
        .expect_hash()
        .returning(|_| Ok(password_hash("$argon2id$new")));
    ports
        .users
        .expect_update()
        .returning(move |_, _| Ok(stored.clone()));
    let revoked = revoked.to_vec();
    ports
        .sessions
        .expect_revoke_all()
        .withf(move |user, keep, _| *user == id && *keep == Some(current))
        .times(1)
        .returning(move |_, _, _| Ok(revoked.clone()));
    ports
}

fn new_password() -> SettingsUpdate {
    SettingsUpdate {
        password: Some("a much better passphrase".to_owned()),
        ..SettingsUpdate::default()
    }
}

#[tokio::test]
async fn changing_the_password_revokes_the_other_sessions_and_is_audited() {
    let jake = user("jake");
    let caller = authenticated(&jake);
    let revoked = revoked_sessions(3);
    let folio = folio(changing_password(&caller, &revoked));

    folio
        .update_settings(&caller, new_password(), client())
        .await
        .unwrap();

    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::PasswordChanged);
    assert_eq!(event.details["other_sessions_revoked"], "3");
    // A password is not part of the public profile: no `ProfileUpdated`.
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::SessionsRevoked {
            user: jake.id,
            sessions: session_ids(&revoked),
        }]
    );
}

#[tokio::test]
async fn a_password_change_whose_audit_row_fails_commits_nothing() {
    let caller = authenticated(&user("jake"));
    let mut ports = changing_password(&caller, &revoked_sessions(2));
    ports.audit.failing = true;
    ports.sessions.expect_unrevoked_token_hashes().never();
    let folio = folio_caching_sessions(ports);

    let result = folio
        .update_settings(&caller, new_password(), client())
        .await;

    assert_nothing_committed(&folio, result);
}

#[tokio::test]
async fn settings_without_a_password_revoke_nothing() {
    let jake = user("jake");
    let stored = jake.clone();
    let mut ports = MockPorts::new();
    ports
        .users
        .expect_update()
        .returning(move |_, _| Ok(stored.clone()));
    ports.sessions.expect_revoke_all().never();
    let folio = folio(ports);

    folio
        .update_settings(
            &authenticated(&jake),
            SettingsUpdate {
                bio: Some("hello".to_owned()),
                ..SettingsUpdate::default()
            },
            client(),
        )
        .await
        .unwrap();

    assert!(folio.ports().audit.recorded().is_empty());
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::ProfileUpdated {
            user: jake.id,
            username: jake.username.clone(),
            previous_username: None,
        }]
    );
}

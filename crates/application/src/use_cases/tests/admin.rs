//! Roles, suspension and the audit log: admins only.

use folio_domain::{AuditEventType, AuditOutcome, DomainEvent, Role, User};

use crate::error::AppError;
use crate::ports::{AuditEntry, AuditQuery, RevokedSession};
use crate::test_support::{
    MockPorts, assert_nothing_committed, authenticated, field_names, folio, folio_caching_sessions,
    invalid_fields, now, revoked_sessions, session_ids, user, user_with_role,
};
use crate::use_cases::audit::AuditFilter;
use crate::{ClientInfo, Resource};

fn client() -> ClientInfo {
    ClientInfo {
        ip: Some("192.0.2.10".to_owned()),
        ..ClientInfo::default()
    }
}

/// Ports where `find_by_username` finds `target` under its own name only.
fn ports_knowing(target: &User) -> MockPorts {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    let found = target.clone();
    ports
        .users
        .expect_find_by_username()
        .returning(move |name| Ok((name == &found.username).then(|| found.clone())));
    ports
}

/// Ports where `target` is found and `set_role` makes them a moderator, once.
fn promoting(target: &User) -> MockPorts {
    let mut ports = ports_knowing(target);
    let mut promoted = target.clone();
    promoted.role = Role::Moderator;
    let id = target.id;
    ports
        .users
        .expect_set_role()
        .withf(move |asked, role| *asked == id && *role == Role::Moderator)
        .times(1)
        .returning(move |_, _| Ok(promoted.clone()));
    ports
}

#[tokio::test]
async fn an_admin_changes_a_role_and_the_change_is_audited() {
    let admin = user_with_role("root", Role::Admin);
    let folio = folio(promoting(&user("jake")));

    let user = folio
        .change_role(&authenticated(&admin), "jake", "moderator", &client())
        .await
        .unwrap();

    assert_eq!(user.role, Role::Moderator);
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::RoleChanged);
    assert_eq!(event.actor, Some(admin.id));
    assert_eq!(event.subject, Some(user.id));
    assert_eq!(event.details["from"], "member");
    assert_eq!(event.details["to"], "moderator");
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::RoleChanged {
            user: user.id,
            role: Role::Moderator,
        }]
    );
}

#[tokio::test]
async fn a_role_change_whose_audit_row_fails_commits_nothing() {
    let admin = user_with_role("root", Role::Admin);
    let mut ports = promoting(&user("jake"));
    ports.audit.failing = true;
    // The cached sessions hold the role that is still stored: they stay.
    ports.sessions.expect_unrevoked_token_hashes().never();
    let folio = folio_caching_sessions(ports);

    let result = folio
        .change_role(&authenticated(&admin), "jake", "moderator", &client())
        .await;

    assert_nothing_committed(&folio, result);
}

#[tokio::test]
async fn moderators_and_members_cannot_change_roles() {
    for role in [Role::Member, Role::Moderator] {
        let caller = user_with_role("someone", role);
        let folio = folio(MockPorts::new());

        let result = folio
            .change_role(&authenticated(&caller), "jake", "admin", &client())
            .await;

        assert!(matches!(result, Err(AppError::Forbidden)), "{result:?}");
        assert!(folio.ports().audit.recorded().is_empty());
    }
}

#[tokio::test]
async fn an_unknown_role_is_invalid_and_nothing_is_looked_up() {
    let admin = user_with_role("root", Role::Admin);
    let folio = folio(MockPorts::new());

    let errors = invalid_fields(
        folio
            .change_role(&authenticated(&admin), "jake", "superuser", &client())
            .await,
    );

    assert_eq!(field_names(&errors), ["role"]);
}

#[tokio::test]
async fn an_unknown_user_is_not_found() {
    let admin = user_with_role("root", Role::Admin);
    let folio = folio(ports_knowing(&user("jake")));

    let result = folio
        .change_role(&authenticated(&admin), "nobody", "member", &client())
        .await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::User))),
        "{result:?}"
    );
}

#[tokio::test]
async fn admins_cannot_demote_or_suspend_themselves() {
    let admin = user_with_role("root", Role::Admin);
    let caller = authenticated(&admin);
    let folio = folio(ports_knowing(&admin));

    let demoted = folio
        .change_role(&caller, "root", "member", &client())
        .await;
    let suspended = folio.suspend(&caller, "root", &client()).await;

    assert_eq!(field_names(&invalid_fields(demoted)), ["username"]);
    assert_eq!(field_names(&invalid_fields(suspended)), ["username"]);
}

/// Ports where `target` is found, and suspending them (once) revokes `revoked`.
fn suspending(target: &User, revoked: &[RevokedSession]) -> MockPorts {
    let id = target.id;
    let mut ports = ports_knowing(target);
    let mut suspended = target.clone();
    suspended.suspended_at = Some(now());
    ports
        .users
        .expect_set_suspended()
        .withf(move |asked, since| *asked == id && *since == Some(now()))
        .times(1)
        .returning(move |_, _| Ok(suspended.clone()));
    let revoked = revoked.to_vec();
    ports
        .sessions
        .expect_revoke_all()
        .withf(move |user, keep, _| *user == id && keep.is_none())
        .times(1)
        .returning(move |_, _, _| Ok(revoked.clone()));
    ports
}

#[tokio::test]
async fn suspending_revokes_every_session_of_the_account() {
    let admin = user_with_role("root", Role::Admin);
    let jake = user("jake");
    let jake_id = jake.id;
    let revoked = revoked_sessions(2);
    let folio = folio(suspending(&jake, &revoked));

    let user = folio
        .suspend(&authenticated(&admin), "jake", &client())
        .await
        .unwrap();

    assert!(user.is_suspended());
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.event_type, AuditEventType::UserSuspended);
    assert_eq!(event.details["sessions_revoked"], "2");
    assert_eq!(
        folio.ports().transactions.events(),
        [
            DomainEvent::AccountSuspended { user: jake_id },
            DomainEvent::SessionsRevoked {
                user: jake_id,
                sessions: session_ids(&revoked),
            },
        ]
    );
}

#[tokio::test]
async fn a_suspension_whose_audit_row_fails_commits_nothing() {
    let admin = user_with_role("root", Role::Admin);
    let mut ports = suspending(&user("jake"), &revoked_sessions(2));
    ports.audit.failing = true;
    let folio = folio_caching_sessions(ports);

    let result = folio
        .suspend(&authenticated(&admin), "jake", &client())
        .await;

    assert_nothing_committed(&folio, result);
}

#[tokio::test]
async fn lifting_a_suspension_is_audited() {
    let admin = user_with_role("root", Role::Admin);
    let mut jake = user("jake");
    jake.suspended_at = Some(now());
    let mut ports = ports_knowing(&jake);
    let mut restored = jake.clone();
    restored.suspended_at = None;
    ports
        .users
        .expect_set_suspended()
        .withf(|_, since| since.is_none())
        .times(1)
        .returning(move |_, _| Ok(restored.clone()));
    let folio = folio(ports);

    let user = folio
        .unsuspend(&authenticated(&admin), "jake", &client())
        .await
        .unwrap();

    assert!(!user.is_suspended());
    assert_eq!(
        folio.ports().audit.event_types(),
        [AuditEventType::UserUnsuspended]
    );
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::AccountUnsuspended { user: user.id }]
    );
}

#[tokio::test]
async fn a_moderator_cannot_suspend() {
    let moderator = user_with_role("mod", Role::Moderator);
    let folio = folio(MockPorts::new());

    let result = folio
        .suspend(&authenticated(&moderator), "jake", &client())
        .await;

    assert!(matches!(result, Err(AppError::Forbidden)), "{result:?}");
}

#[tokio::test]
async fn the_operator_grants_a_role_without_a_signed_in_admin() {
    let jake = user("jake");
    let mut ports = ports_knowing(&jake);
    let mut promoted = jake.clone();
    promoted.role = Role::Admin;
    ports
        .users
        .expect_set_role()
        .returning(move |_, _| Ok(promoted.clone()));
    let folio = folio(ports);

    let user = folio.grant_role_as_operator("jake", "admin").await.unwrap();

    assert_eq!(user.role, Role::Admin);
    let [event] = folio.ports().audit.recorded().try_into().unwrap();
    assert_eq!(event.actor, None);
    assert_eq!(event.details["by"], "operator");
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::RoleChanged {
            user: user.id,
            role: Role::Admin,
        }]
    );
}

fn entry(id: i64) -> AuditEntry {
    AuditEntry {
        id,
        record: crate::ports::AuditRecord {
            occurred_at: now(),
            event_type: AuditEventType::LoginFailed,
            outcome: AuditOutcome::Failure,
            actor: None,
            subject: None,
            session: None,
            client: ClientInfo::default(),
            details: Default::default(),
        },
    }
}

#[tokio::test]
async fn the_audit_log_pages_newest_first_with_a_cursor() {
    let admin = user_with_role("root", Role::Admin);
    let jake = user("jake");
    let mut ports = ports_knowing(&jake);
    // The adapter returns one more than asked when there is a further page.
    ports.audit.stored = vec![entry(9), entry(8), entry(7)];
    let folio = folio(ports);

    let page = folio
        .audit_events(
            &authenticated(&admin),
            AuditFilter {
                event_type: Some("login_failed".to_owned()),
                username: Some("jake".to_owned()),
                before: Some(10),
                limit: Some(2),
            },
        )
        .await
        .unwrap();

    assert_eq!(page.events.iter().map(|e| e.id).collect::<Vec<_>>(), [9, 8]);
    assert_eq!(page.next_before, Some(8));
    let queries = folio.ports().audit.queries.lock().unwrap().clone();
    assert_eq!(
        queries,
        [AuditQuery {
            event_type: Some(AuditEventType::LoginFailed),
            user: Some(jake.id),
            before: Some(10),
            limit: 3,
        }]
    );
}

#[tokio::test]
async fn the_last_audit_page_has_no_cursor() {
    let admin = user_with_role("root", Role::Admin);
    let mut ports = MockPorts::new();
    ports.audit.stored = vec![entry(2), entry(1)];
    let folio = folio(ports);

    let page = folio
        .audit_events(&authenticated(&admin), AuditFilter::default())
        .await
        .unwrap();

    assert_eq!(page.events.len(), 2);
    assert_eq!(page.next_before, None);
}

#[tokio::test]
async fn audit_filters_are_validated_together() {
    let admin = user_with_role("root", Role::Admin);
    let folio = folio(MockPorts::new());

    let errors = invalid_fields(
        folio
            .audit_events(
                &authenticated(&admin),
                AuditFilter {
                    event_type: Some("coffee_break".to_owned()),
                    username: None,
                    before: Some(0),
                    limit: Some(1000),
                },
            )
            .await,
    );

    assert_eq!(field_names(&errors), ["before", "limit", "type"]);
}

#[tokio::test]
async fn an_audit_filter_on_an_unknown_user_is_an_empty_page() {
    let admin = user_with_role("root", Role::Admin);
    let folio = folio(ports_knowing(&user("jake")));

    let page = folio
        .audit_events(
            &authenticated(&admin),
            AuditFilter {
                username: Some("ghost".to_owned()),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();

    assert!(page.events.is_empty());
    assert!(folio.ports().audit.queries.lock().unwrap().is_empty());
}

#[tokio::test]
async fn only_admins_read_the_audit_log() {
    let moderator = user_with_role("mod", Role::Moderator);
    let folio = folio(MockPorts::new());

    let result = folio
        .audit_events(&authenticated(&moderator), AuditFilter::default())
        .await;

    assert!(matches!(result, Err(AppError::Forbidden)), "{result:?}");
}

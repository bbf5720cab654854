//! The outbox for follows, profiles, sessions and administration: each change is
//! published once with the identities consumers need, and a change whose audit row
//! cannot be written is neither stored nor published.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::event_stream::{
    assert_in_sequence, events_key, names, outbox_rows, published, stream_of,
};
use crate::support::stored_ids::{session_id, user_id};
use crate::support::{Response, TestApp, redis_url, spawn_app_with};

/// Without the notifier, whose `notification.created` events would interleave with
/// the writes' own.
const WRITES_ONLY: &[(&str, &str)] = &[("FOLIO_NOTIFIER", "off")];

async fn role_of(app: &TestApp, username: &str) -> String {
    app.database()
        .await
        .query_one("SELECT role FROM users WHERE username = $1", &[&username])
        .await
        .expect("the user exists")
        .get(0)
}

#[track_caller]
fn assert_ok(response: &Response, status: StatusCode) {
    assert_eq!(response.status, status, "{}", response.text);
}

#[tokio::test]
async fn account_changes_are_published_in_order_with_what_consumers_need() {
    let app = spawn_app_with(WRITES_ONLY).await;
    let jake = app.register("jake").await;
    let ann = app.register("ann").await;
    let root = app.register("root").await;
    app.grant_role("root", "admin").await;
    let (jake_id, ann_id) = (user_id(&app, "jake").await, user_id(&app, "ann").await);

    for _ in 0..2 {
        // The second follow changes nothing and publishes nothing.
        let followed = app
            .post("/profiles/jake/follow", Some(&ann), json!({}))
            .await;
        assert_ok(&followed, StatusCode::OK);
    }
    assert_ok(
        &app.delete("/profiles/jake/follow", Some(&ann)).await,
        StatusCode::OK,
    );
    let renamed = app
        .put("/user", Some(&jake), json!({"user": {"username": "jacob"}}))
        .await;
    assert_ok(&renamed, StatusCode::OK);
    let jake_session = session_id(&app, &jake).await;
    assert_ok(
        &app.delete("/sessions/current", Some(&jake)).await,
        StatusCode::NO_CONTENT,
    );
    let promoted = app
        .put(
            "/admin/users/ann/role",
            Some(&root),
            json!({"role": "moderator"}),
        )
        .await;
    assert_ok(&promoted, StatusCode::OK);
    let ann_session = session_id(&app, &ann).await;
    let suspended = app
        .send(
            Method::POST,
            "/admin/users/ann/suspension",
            Some(&root),
            None,
        )
        .await;
    assert_ok(&suspended, StatusCode::OK);

    let entries = published(&redis_url(), &events_key(&app), 7).await;

    assert_in_sequence(&entries);
    assert_eq!(
        names(&entries),
        [
            "user.followed",
            "user.unfollowed",
            "profile.updated",
            "sessions.revoked",
            "role.changed",
            "account.suspended",
            "sessions.revoked"
        ]
    );
    for follow in &entries[..2] {
        assert_eq!(follow.payload["follower"], ann_id.as_str());
        assert_eq!(follow.payload["followee"], jake_id.as_str());
        assert_eq!(follow.payload["followeeName"], "jake");
    }
    assert_eq!(entries[2].payload["user"], jake_id.as_str());
    assert_eq!(entries[2].payload["username"], "jacob");
    assert_eq!(entries[2].payload["previousUsername"], "jake");
    assert_eq!(entries[3].payload["user"], jake_id.as_str());
    assert_eq!(entries[3].payload["sessions"], jake_session.as_str());
    assert_eq!(entries[4].payload["user"], ann_id.as_str());
    assert_eq!(entries[4].payload["role"], "moderator");
    assert_eq!(entries[5].payload["user"], ann_id.as_str());
    assert_eq!(entries[6].payload["user"], ann_id.as_str());
    assert_eq!(entries[6].payload["sessions"], ann_session.as_str());
}

#[tokio::test]
async fn a_role_change_whose_audit_row_fails_changes_nothing_and_publishes_nothing() {
    let app = spawn_app_with(WRITES_ONLY).await;
    app.register("jake").await;
    let root = app.register("root").await;
    app.grant_role("root", "admin").await;
    // A change that does publish, so that silence afterwards means something.
    assert_ok(
        &app.post("/profiles/jake/follow", Some(&root), json!({}))
            .await,
        StatusCode::OK,
    );
    assert_eq!(
        names(&published(&redis_url(), &events_key(&app), 1).await),
        ["user.followed"]
    );
    app.refuse_audit_rows("role_changed").await;

    let promotion = app
        .put(
            "/admin/users/jake/role",
            Some(&root),
            json!({"role": "moderator"}),
        )
        .await;

    promotion.assert_problem(500, "internal_error");
    assert_eq!(role_of(&app, "jake").await, "member");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        names(&stream_of(&redis_url(), &events_key(&app)).await),
        ["user.followed"]
    );
    assert_eq!(outbox_rows(&app).await, 1);
}

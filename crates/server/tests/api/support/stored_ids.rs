//! The ids the database gave accounts and sessions, as audit rows and events
//! carry them.

use super::TestApp;

/// The id of `username`'s account.
pub async fn user_id(app: &TestApp, username: &str) -> String {
    app.database()
        .await
        .query_one(
            "SELECT id::text FROM users WHERE username = $1",
            &[&username],
        )
        .await
        .expect("the user exists")
        .get(0)
}

/// The id of the session `token` belongs to.
pub async fn session_id(app: &TestApp, token: &str) -> String {
    app.database()
        .await
        .query_one(
            "SELECT id::text FROM sessions WHERE token_hash = sha256(convert_to($1, 'UTF8'))",
            &[&token],
        )
        .await
        .expect("the session exists")
        .get(0)
}

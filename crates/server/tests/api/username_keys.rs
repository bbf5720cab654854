//! The stored username key: computed by the application, backfilled by its migration,
//! and computed in SQL for rows written without it, always equal to the domain's.

use folio_domain::{Username, UsernameKey};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, spawn_app};

const MIGRATION: &str = "../../migrations/2026-12-03-000001_username_keys";

async fn run_script(app: &TestApp, script: &str) {
    let path = format!("{MIGRATION}/{script}");
    let sql = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {path}: {error}"));
    app.database()
        .await
        .batch_execute(&sql)
        .await
        .unwrap_or_else(|error| panic!("run {path}: {error}"));
}

/// Every stored name with its stored key.
async fn stored_keys(app: &TestApp) -> Vec<(String, String)> {
    let rows = app
        .database()
        .await
        .query(
            "SELECT username, username_key FROM users ORDER BY username",
            &[],
        )
        .await
        .expect("read the keys");
    rows.iter().map(|row| (row.get(0), row.get(1))).collect()
}

#[track_caller]
fn assert_keys_are_the_domains(stored: &[(String, String)]) {
    for (name, key) in stored {
        let parsed = Username::parse(name).expect("a stored name is valid");
        assert_eq!(parsed.as_str(), name, "{name:?} is stored in NFC");
        assert_eq!(key, parsed.key().as_str(), "key of {name:?}");
    }
}

async fn assert_profile_found(app: &TestApp, spelling: &str, name: &str) {
    let response = app.get(&format!("/profiles/{spelling}"), None).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{spelling}: {}",
        response.text
    );
    assert_eq!(response.body["profile"]["username"], name, "{spelling}");
}

/// Names the previous version could store (any letters, as Rust's
/// `is_alphanumeric` sees them, unnormalised) get the domain's key.
#[tokio::test]
async fn the_migration_backfills_the_domains_key_for_names_stored_before_it() {
    let app = spawn_app().await;
    for n in 0..6 {
        app.register(&format!("user{n}")).await;
    }
    run_script(&app, "down.sql").await;
    app.database()
        .await
        .batch_execute(
            "UPDATE users SET username = 'Straße' WHERE username = 'user0';
             UPDATE users SET username = 'ΑΣ' WHERE username = 'user1';
             UPDATE users SET username = 'İstanbul' WHERE username = 'user2';
             UPDATE users SET username = U&'\\03B1\\0345' WHERE username = 'user3';
             UPDATE users SET username = 'ꭰᏸ' WHERE username = 'user4';
             UPDATE users SET username = 'JAKE' WHERE username = 'user5';",
        )
        .await
        .expect("store names as the previous version could");
    run_script(&app, "up.sql").await;

    let stored = stored_keys(&app).await;
    assert_eq!(stored.len(), 6);
    assert_keys_are_the_domains(&stored);
    assert!(
        stored.contains(&("\u{1fb3}".to_owned(), "αι".to_owned())),
        "{stored:?}"
    );
    assert_profile_found(&app, "STRASSE", "Straße").await;
    assert_profile_found(&app, "ας", "ΑΣ").await;
    assert_profile_found(&app, "\u{1fbc}", "\u{1fb3}").await;
    assert_profile_found(&app, "jake", "JAKE").await;
}

/// An instance of the previous version (or an operator) writes names without keys.
#[tokio::test]
async fn names_written_without_a_key_get_the_domains_key() {
    let app = spawn_app().await;
    app.register("jake").await;
    app.database()
        .await
        .batch_execute(
            "INSERT INTO users (id, username, email, password_hash)
             VALUES (gen_random_uuid(), 'ΣΟΦΙΑΣ', 'sofia@example.com', 'x');
             UPDATE users SET username = 'Straße' WHERE username = 'jake';",
        )
        .await
        .expect("write names without keys");

    assert_keys_are_the_domains(&stored_keys(&app).await);
    assert_profile_found(&app, "σοφιας", "ΣΟΦΙΑΣ").await;
    assert_profile_found(&app, "STRASSE", "Straße").await;
    let response = app
        .post(
            "/users",
            None,
            json!({"user": {"username": "Σοφιας", "email": "other@example.com", "password": "correct-horse-42"}}),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        response.body["errors"],
        json!({"username": ["has already been taken"]})
    );
}

/// The previous version's lookups by `lower(username)`, made by its instances
/// during a rolling deploy, still find an index.
#[tokio::test]
async fn lookups_of_the_previous_version_still_use_an_index() {
    let app = spawn_app().await;
    app.register("jake").await;
    let database = app.database().await;
    database
        .batch_execute("SET enable_seqscan = off")
        .await
        .expect("prefer indexes");
    let plan: Vec<String> = database
        .query(
            "EXPLAIN SELECT id FROM users WHERE lower(username) = lower('JAKE')",
            &[],
        )
        .await
        .expect("explain the lookup")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(
        plan.iter()
            .any(|line| line.contains("users_username_lower_idx")),
        "{plan:#?}"
    );
}

/// SQL folds every letter Unicode folds exactly as the domain does.
#[tokio::test]
async fn the_sql_folding_agrees_with_the_domain_for_every_letter() {
    let app = spawn_app().await;
    let rows = app
        .database()
        .await
        .query(
            "SELECT letter, fold_username(letter) FROM username_case_folds",
            &[],
        )
        .await
        .expect("fold every letter in SQL");
    assert!(rows.len() > 1400, "{} letters", rows.len());
    let differing: Vec<(String, String)> = rows
        .iter()
        .map(|row| (row.get::<_, String>(0), row.get::<_, String>(1)))
        .filter(|(letter, folded)| UsernameKey::of(letter).as_str() != folded)
        .collect();
    assert!(differing.is_empty(), "{differing:?}");
}

//! Accounts: registration, login, the current user and account settings.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Response, TestApp, spawn_app};

const USER_KEYS: [&str; 6] = ["bio", "email", "image", "role", "token", "username"];

async fn register_with(app: &TestApp, user: Value) -> Response {
    app.post("/users", None, json!({ "user": user })).await
}

async fn login_with(app: &TestApp, email: &str, password: &str) -> Response {
    app.post(
        "/users/login",
        None,
        json!({"user": {"email": email, "password": password}}),
    )
    .await
}

async fn update(app: &TestApp, token: &str, user: Value) -> Response {
    app.put("/user", Some(token), json!({ "user": user })).await
}

/// Asserts a `{"user": {...}}` body with exactly the RealWorld keys (plus `role`).
#[track_caller]
fn assert_user_shape(response: &Response) -> &Value {
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{}",
        response.text
    );
    let object = response.body.as_object().expect("a JSON object");
    assert_eq!(
        object.keys().collect::<Vec<_>>(),
        ["user"],
        "{}",
        response.text
    );
    let user = &response.body["user"];
    let mut keys: Vec<&str> = user
        .as_object()
        .expect("user object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, USER_KEYS, "{}", response.text);
    assert!(
        user["token"].as_str().is_some_and(|t| t.len() == 43),
        "{}",
        response.text
    );
    assert!(user["email"].is_string() && user["username"].is_string());
    assert!(user["bio"].is_null() || user["bio"].is_string());
    assert!(user["image"].is_null() || user["image"].is_string());
    user
}

/// Asserts a 422 whose `errors` has exactly these fields, and returns `errors`.
#[track_caller]
fn assert_invalid<'a>(response: &'a Response, fields: &[&str]) -> &'a Value {
    let body = response.assert_problem(422, "validation_failed");
    let errors = body["errors"].as_object().expect("an errors object");
    let mut keys: Vec<&str> = errors.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = fields.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected, "{}", response.text);
    for (field, messages) in errors {
        let messages = messages.as_array().expect("a list of messages");
        assert!(
            !messages.is_empty(),
            "{field} has messages: {}",
            response.text
        );
        assert!(
            messages
                .iter()
                .all(|m| m.as_str().is_some_and(|m| !m.is_empty())),
            "{}",
            response.text
        );
    }
    &body["errors"]
}

#[track_caller]
fn assert_invalid_credentials(response: &Response) {
    response.assert_problem(401, "invalid_credentials");
    assert_eq!(
        response.body["errors"],
        json!({"email or password": ["is invalid"]}),
        "{}",
        response.text
    );
    assert!(response.body.get("user").is_none());
}

fn without_request_id(body: &Value) -> Value {
    let mut body = body.clone();
    body.as_object_mut()
        .expect("an object")
        .remove("request_id");
    body
}

// ---------------------------------------------------------------- registration

#[tokio::test]
async fn registration_returns_the_signed_in_user_with_every_key() {
    let app = spawn_app().await;
    let response = register_with(
        &app,
        json!({"username": "jake", "email": "jake@jake.jake", "password": "jakejake"}),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let user = assert_user_shape(&response);
    assert_eq!(user["username"], "jake");
    assert_eq!(user["email"], "jake@jake.jake");
    assert_eq!(user["bio"], Value::Null);
    assert_eq!(user["image"], Value::Null);
    assert_eq!(user["role"], "member");
    assert!(
        !response.text.contains("jakejake"),
        "the password is never echoed"
    );
    assert!(!response.text.contains("argon2"), "nor its hash");

    // The returned token is immediately usable.
    let token = user["token"].as_str().expect("token");
    let me = app.get("/user", Some(token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["user"]["username"], "jake");
}

#[tokio::test]
async fn registration_accepts_underscores_and_eight_character_passwords() {
    let app = spawn_app().await;
    let response = register_with(
        &app,
        json!({"username": "first_last", "email": "first_last@example.co.uk", "password": "k9#vQ2m!"}),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    assert_eq!(response.body["user"]["username"], "first_last");
    assert_eq!(response.body["user"]["email"], "first_last@example.co.uk");

    let login = login_with(&app, "first_last@example.co.uk", "k9#vQ2m!").await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
}

#[tokio::test]
async fn registration_accepts_dots_and_dashes_and_trims_the_username() {
    let app = spawn_app().await;
    let response = register_with(
        &app,
        json!({"username": "  j.a-ke  ", "email": " jake@example.com ", "password": "correct-horse-42"}),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    assert_eq!(response.body["user"]["username"], "j.a-ke");
    assert_eq!(response.body["user"]["email"], "jake@example.com");
    assert_eq!(
        app.get("/profiles/j.a-ke", None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_seven_character_password_is_too_short() {
    let app = spawn_app().await;
    let response = register_with(
        &app,
        json!({"username": "jake", "email": "jake@example.com", "password": "1234567"}),
    )
    .await;
    let errors = assert_invalid(&response, &["password"]);
    assert_eq!(
        errors["password"],
        json!(["is too short (minimum is 8 characters)"])
    );
    assert_eq!(response.body["detail"], "1 field is invalid");
    // Nothing was created: the username is still free.
    let retry = register_with(
        &app,
        json!({"username": "jake", "email": "jake@example.com", "password": "Tr0ub4dor"}),
    )
    .await;
    assert_eq!(retry.status, StatusCode::CREATED, "{}", retry.text);
}

#[tokio::test]
async fn passwords_may_be_128_characters_but_not_129() {
    let app = spawn_app().await;
    let ok = register_with(
        &app,
        json!({"username": "long", "email": "long@example.com", "password": "p".repeat(128)}),
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
    let too_long = register_with(
        &app,
        json!({"username": "longer", "email": "longer@example.com", "password": "p".repeat(129)}),
    )
    .await;
    let errors = assert_invalid(&too_long, &["password"]);
    assert_eq!(
        errors["password"],
        json!(["is too long (maximum is 128 characters)"])
    );
}

#[tokio::test]
async fn blank_or_missing_fields_are_refused_field_by_field() {
    let app = spawn_app().await;
    let valid =
        json!({"username": "jake", "email": "jake@example.com", "password": "correct-horse-42"});
    for field in ["username", "email", "password"] {
        for blank in [json!(""), json!("   "), Value::Null] {
            let mut user = valid.clone();
            if blank.is_null() {
                user.as_object_mut().expect("object").remove(field);
            } else {
                user[field] = blank.clone();
            }
            let response = register_with(&app, user).await;
            if field == "password" && blank == json!("   ") {
                // Spaces are characters; three of them are simply too short.
                let errors = assert_invalid(&response, &["password"]);
                assert_eq!(
                    errors["password"],
                    json!(["is too short (minimum is 8 characters)"])
                );
                continue;
            }
            assert_invalid(&response, &[field]);
        }
    }
    // None of those attempts created the account.
    let response = register_with(&app, valid).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
}

#[tokio::test]
async fn a_blank_username_or_password_says_it_cannot_be_blank() {
    let app = spawn_app().await;
    let response = register_with(
        &app,
        json!({"username": "", "email": "jake@example.com", "password": ""}),
    )
    .await;
    let errors = assert_invalid(&response, &["password", "username"]);
    assert_eq!(errors["username"], json!(["can't be blank"]));
    assert_eq!(errors["password"], json!(["can't be blank"]));
    assert_eq!(response.body["detail"], "2 fields are invalid");

    let response = register_with(&app, json!({"email": "jake@example.com"})).await;
    let errors = assert_invalid(&response, &["password", "username"]);
    assert_eq!(errors["username"], json!(["can't be blank"]));
    assert_eq!(errors["password"], json!(["can't be blank"]));
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = spawn_app().await;
    let response = register_with(&app, json!({"username": "", "email": "", "password": ""})).await;
    assert_invalid(&response, &["email", "password", "username"]);
    assert_eq!(response.body["detail"], "3 fields are invalid");

    let response = register_with(
        &app,
        json!({"username": "no spaces", "email": "not-an-email", "password": "short"}),
    )
    .await;
    assert_invalid(&response, &["email", "password", "username"]);
}

#[tokio::test]
async fn malformed_emails_are_refused() {
    let app = spawn_app().await;
    for email in [
        "plain",
        "@example.com",
        "jake@",
        "jake@localhost",
        "ja ke@example.com",
        "jake@.com",
        "jake@example.com.",
    ] {
        let response = register_with(
            &app,
            json!({"username": "jake", "email": email, "password": "correct-horse-42"}),
        )
        .await;
        assert_invalid(&response, &["email"]);
    }
    let long = format!("{}@example.com", "a".repeat(250));
    let response = register_with(
        &app,
        json!({"username": "jake", "email": long, "password": "correct-horse-42"}),
    )
    .await;
    assert_invalid(&response, &["email"]);
}

#[tokio::test]
async fn usernames_are_limited_to_40_url_safe_characters() {
    let app = spawn_app().await;
    for username in [
        "jake doe",
        "jake/doe",
        "jake?",
        "jake%20",
        "<jake>",
        "jake@home",
    ] {
        let response = register_with(
            &app,
            json!({"username": username, "email": "jake@example.com", "password": "correct-horse-42"}),
        )
        .await;
        let errors = assert_invalid(&response, &["username"]);
        assert_eq!(
            errors["username"],
            json!(["may only contain letters, digits, '_', '-' and '.'"])
        );
    }
    let response = register_with(
        &app,
        json!({"username": "a".repeat(41), "email": "jake@example.com", "password": "correct-horse-42"}),
    )
    .await;
    let errors = assert_invalid(&response, &["username"]);
    assert_eq!(
        errors["username"],
        json!(["is too long (maximum is 40 characters)"])
    );

    let response = register_with(
        &app,
        json!({"username": "a".repeat(40), "email": "jake@example.com", "password": "correct-horse-42"}),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
}

#[tokio::test]
async fn fields_of_the_wrong_type_are_422() {
    let app = spawn_app().await;
    let response = register_with(
        &app,
        json!({"username": 42, "email": "jake@example.com", "password": "correct-horse-42"}),
    )
    .await;
    response.assert_problem(422, "validation_failed");
    assert!(response.body["errors"].is_object(), "{}", response.text);
}

#[tokio::test]
async fn a_duplicate_username_is_taken_whatever_its_case() {
    let app = spawn_app().await;
    app.register("jake").await;
    for username in ["jake", "JAKE", "Jake"] {
        let response = register_with(
            &app,
            json!({"username": username, "email": "other@example.com", "password": "correct-horse-42"}),
        )
        .await;
        let errors = assert_invalid(&response, &["username"]);
        assert_eq!(errors["username"], json!(["has already been taken"]));
    }
    // The other email was not claimed by the failed attempts.
    let response = login_with(&app, "other@example.com", "correct-horse-42").await;
    assert_invalid_credentials(&response);
}

/// Names are one name when their Unicode case foldings are: Greek final sigma and
/// small sigma, and "ß" and "SS", whatever the database's locale makes of lower().
#[tokio::test]
async fn a_duplicate_username_is_taken_whatever_its_case_in_any_script() {
    let app = spawn_app().await;
    for (taken, spellings) in [
        ("ΑΣ", ["ας", "ασ", "Ας"]),
        ("Straße", ["STRASSE", "strasse", "STRAẞE"]),
    ] {
        let first = register_with(
            &app,
            json!({"username": taken, "email": "first@example.com", "password": "correct-horse-42"}),
        )
        .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        for username in spellings {
            let response = register_with(
                &app,
                json!({"username": username, "email": "other@example.com", "password": "correct-horse-42"}),
            )
            .await;
            let errors = assert_invalid(&response, &["username"]);
            assert_eq!(
                errors["username"],
                json!(["has already been taken"]),
                "{username}"
            );
        }
        app.database()
            .await
            .execute("DELETE FROM users WHERE email = 'first@example.com'", &[])
            .await
            .expect("remove the first account");
    }
}

/// A name sent with a combining accent is the name with the precomposed letter, and is
/// stored and shown precomposed (NFC).
#[tokio::test]
async fn a_username_sent_decomposed_is_stored_precomposed_and_taken_both_ways() {
    let app = spawn_app().await;
    let response = register_with(
        &app,
        json!({"username": "Rene\u{301}e", "email": "renee@example.com", "password": "correct-horse-42"}),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    assert_eq!(response.body["user"]["username"], "Ren\u{e9}e");
    let stored: String = app
        .database()
        .await
        .query_one(
            "SELECT username FROM users WHERE email = 'renee@example.com'",
            &[],
        )
        .await
        .expect("read the stored name")
        .get(0);
    assert_eq!(stored, "Ren\u{e9}e");
    for username in ["Ren\u{e9}e", "REN\u{c9}E", "Rene\u{301}e"] {
        let response = register_with(
            &app,
            json!({"username": username, "email": "other@example.com", "password": "correct-horse-42"}),
        )
        .await;
        let errors = assert_invalid(&response, &["username"]);
        assert_eq!(
            errors["username"],
            json!(["has already been taken"]),
            "{username}"
        );
    }
}

#[tokio::test]
async fn a_duplicate_email_is_taken_whatever_its_case() {
    let app = spawn_app().await;
    app.register("jake").await;
    for email in ["jake@example.com", "JAKE@EXAMPLE.COM", "Jake@Example.com"] {
        let response = register_with(
            &app,
            json!({"username": "other", "email": email, "password": "correct-horse-42"}),
        )
        .await;
        let errors = assert_invalid(&response, &["email"]);
        assert_eq!(errors["email"], json!(["has already been taken"]));
    }
    assert_eq!(
        app.get("/profiles/other", None).await.status,
        StatusCode::NOT_FOUND
    );
    // The original account is intact.
    let login = login_with(&app, "jake@example.com", "correct-horse-42").await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert_eq!(login.body["user"]["username"], "jake");
}

#[tokio::test]
async fn a_body_without_the_user_wrapper_is_422() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/users",
            None,
            json!({"username": "jake", "email": "jake@example.com", "password": "correct-horse-42"}),
        )
        .await;
    response.assert_problem(422, "validation_failed");
    assert!(response.body["errors"].is_object(), "{}", response.text);
    assert_eq!(
        app.get("/profiles/jake", None).await.status,
        StatusCode::NOT_FOUND
    );

    let response = app
        .post(
            "/users/login",
            None,
            json!({"email": "jake@example.com", "password": "correct-horse-42"}),
        )
        .await;
    response.assert_problem(422, "validation_failed");

    let token = app.register("jake").await;
    let response = app
        .put("/user", Some(&token), json!({"bio": "no wrapper"}))
        .await;
    response.assert_problem(422, "validation_failed");
    assert_eq!(
        app.get("/user", Some(&token)).await.body["user"]["bio"],
        Value::Null
    );
}

// ---------------------------------------------------------------------- login

#[tokio::test]
async fn login_returns_the_user_with_a_fresh_token() {
    let app = spawn_app().await;
    let registered = app.register("jake").await;
    let response = login_with(&app, "jake@example.com", "correct-horse-42").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let user = assert_user_shape(&response);
    assert_eq!(user["username"], "jake");
    assert_eq!(user["email"], "jake@example.com");
    assert_eq!(user["bio"], Value::Null);
    assert_eq!(user["image"], Value::Null);
    assert_eq!(user["role"], "member");
    assert_ne!(user["token"], registered.as_str());
    assert!(!response.text.contains("correct-horse-42"));
}

#[tokio::test]
async fn login_matches_the_email_case_insensitively() {
    let app = spawn_app().await;
    app.register("jake").await;
    let response = login_with(&app, "JAKE@Example.COM", "correct-horse-42").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["user"]["username"], "jake");
    assert_eq!(
        response.body["user"]["email"], "jake@example.com",
        "the stored email is returned"
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.register("jake").await;
    let wrong_password = login_with(&app, "jake@example.com", "password124").await;
    let unknown_email = login_with(&app, "nobody@example.com", "correct-horse-42").await;
    let malformed_email = login_with(&app, "not-an-email", "correct-horse-42").await;
    for response in [&wrong_password, &unknown_email, &malformed_email] {
        assert_invalid_credentials(response);
    }
    assert_eq!(
        without_request_id(&wrong_password.body),
        without_request_id(&unknown_email.body)
    );
    assert_eq!(
        without_request_id(&wrong_password.body),
        without_request_id(&malformed_email.body)
    );
    assert_ne!(
        wrong_password.body["request_id"],
        unknown_email.body["request_id"]
    );
    assert_eq!(
        wrong_password.header("content-type"),
        unknown_email.header("content-type")
    );
    assert_eq!(
        wrong_password.header("www-authenticate"),
        unknown_email.header("www-authenticate")
    );
}

#[tokio::test]
async fn passwords_are_compared_exactly() {
    let app = spawn_app().await;
    app.register("jake").await;
    for password in [
        "PASSWORD123",
        "correct-horse-42 ",
        " correct-horse-42",
        "password12",
        "correct-horse-424",
    ] {
        assert_invalid_credentials(&login_with(&app, "jake@example.com", password).await);
    }
    assert_eq!(
        login_with(&app, "jake@example.com", "correct-horse-42")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn login_with_blank_fields_is_422_not_401() {
    let app = spawn_app().await;
    app.register("jake").await;
    let response = login_with(&app, "", "correct-horse-42").await;
    let errors = assert_invalid(&response, &["email"]);
    assert_eq!(errors["email"], json!(["can't be blank"]));

    let response = login_with(&app, "   ", "correct-horse-42").await;
    assert_invalid(&response, &["email"]);

    let response = login_with(&app, "jake@example.com", "").await;
    let errors = assert_invalid(&response, &["password"]);
    assert_eq!(errors["password"], json!(["can't be blank"]));

    let response = login_with(&app, "", "").await;
    assert_invalid(&response, &["email", "password"]);

    let response = app.post("/users/login", None, json!({"user": {}})).await;
    let errors = assert_invalid(&response, &["email", "password"]);
    assert_eq!(errors["email"], json!(["can't be blank"]));
    assert_eq!(errors["password"], json!(["can't be blank"]));
}

// --------------------------------------------------------------- current user

#[tokio::test]
async fn the_current_user_echoes_the_presented_token() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let response = app.get("/user", Some(&token)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let user = assert_user_shape(&response);
    assert_eq!(user["token"], token.as_str());
    assert_eq!(user["username"], "jake");
    assert_eq!(user["email"], "jake@example.com");
    assert_eq!(user["bio"], Value::Null);
    assert_eq!(user["image"], Value::Null);
    assert_eq!(user["role"], "member");
}

#[tokio::test]
async fn the_current_user_requires_a_token() {
    let app = spawn_app().await;
    let response = app.get("/user", None).await;
    response.assert_problem(401, "unauthorized");
    assert_eq!(response.header("www-authenticate"), Some("Token"));
    let response = app.put("/user", None, json!({"user": {"bio": "hi"}})).await;
    response.assert_problem(401, "unauthorized");
    assert_eq!(response.header("www-authenticate"), Some("Token"));
}

// ------------------------------------------------------------ account settings

#[tokio::test]
async fn updating_only_the_bio_keeps_everything_else() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let response = update(&app, &token, json!({"bio": "I work at statefarm"})).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let user = assert_user_shape(&response);
    assert_eq!(user["bio"], "I work at statefarm");
    assert_eq!(user["email"], "jake@example.com");
    assert_eq!(user["username"], "jake");
    assert_eq!(user["image"], Value::Null);
    assert_eq!(
        user["token"],
        token.as_str(),
        "the response includes the token"
    );

    // It persisted, and shows on the public profile.
    let me = app.get("/user", Some(&token)).await;
    assert_eq!(me.body["user"]["bio"], "I work at statefarm");
    let profile = app.get("/profiles/jake", None).await;
    assert_eq!(profile.body["profile"]["bio"], "I work at statefarm");
    // The password did not change either.
    assert_eq!(
        login_with(&app, "jake@example.com", "correct-horse-42")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_empty_update_changes_nothing() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    update(
        &app,
        &token,
        json!({"bio": "bio", "image": "https://cdn.example.com/jake.png"}),
    )
    .await;
    let response = update(&app, &token, json!({})).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let user = assert_user_shape(&response);
    assert_eq!(user["bio"], "bio");
    assert_eq!(user["image"], "https://cdn.example.com/jake.png");
    assert_eq!(user["email"], "jake@example.com");
    assert_eq!(user["username"], "jake");
}

#[tokio::test]
async fn the_image_can_be_set_to_an_https_url() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    for image in [
        "https://cdn.example.com/jake.png",
        "https://example.com/a.jpg?size=2",
    ] {
        let response = update(&app, &token, json!({"image": image})).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        assert_eq!(response.body["user"]["image"], image);
        assert_eq!(response.body["user"]["bio"], Value::Null);
        assert_eq!(
            app.get("/profiles/jake", None).await.body["profile"]["image"],
            image
        );
    }
}

#[tokio::test]
async fn an_image_that_is_not_an_https_url_is_refused() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    update(
        &app,
        &token,
        json!({"image": "https://cdn.example.com/jake.png"}),
    )
    .await;
    for image in [
        "not a url",
        "javascript:alert(1)",
        "ftp://example.com/a.png",
        "http://example.com/a.jpg",
        "https://",
        "/relative.png",
        "https://a b.com/x.png",
    ] {
        let response = update(&app, &token, json!({"image": image})).await;
        let errors = assert_invalid(&response, &["image"]);
        assert_eq!(
            errors["image"],
            json!(["must be an https URL or the id or URL of one of your uploads"])
        );
    }
    let me = app.get("/user", Some(&token)).await;
    assert_eq!(
        me.body["user"]["image"], "https://cdn.example.com/jake.png",
        "unchanged"
    );
}

#[tokio::test]
async fn bio_and_image_are_cleared_by_null_or_empty_strings() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    for clear in [Value::Null, json!("")] {
        let set = update(
            &app,
            &token,
            json!({"bio": "bio", "image": "https://cdn.example.com/jake.png"}),
        )
        .await;
        assert_eq!(set.body["user"]["bio"], "bio", "{}", set.text);

        let response = update(&app, &token, json!({"bio": clear.clone()})).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        assert_user_shape(&response);
        assert_eq!(
            response.body["user"]["bio"],
            Value::Null,
            "bio cleared by {clear}"
        );
        assert_eq!(
            response.body["user"]["image"], "https://cdn.example.com/jake.png",
            "image untouched"
        );

        let response = update(&app, &token, json!({"image": clear.clone()})).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        assert_eq!(
            response.body["user"]["image"],
            Value::Null,
            "image cleared by {clear}"
        );

        let profile = app.get("/profiles/jake", None).await;
        assert_eq!(profile.body["profile"]["bio"], Value::Null);
        assert_eq!(profile.body["profile"]["image"], Value::Null);
        let me = app.get("/user", Some(&token)).await;
        assert_eq!(me.body["user"]["bio"], Value::Null);
        assert_eq!(me.body["user"]["image"], Value::Null);
    }
}

#[tokio::test]
async fn changing_the_email_moves_the_login() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let response = update(&app, &token, json!({"email": "jake@new.example.com"})).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["user"]["email"], "jake@new.example.com");
    assert_eq!(response.body["user"]["username"], "jake");

    let new = login_with(&app, "jake@new.example.com", "correct-horse-42").await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.text);
    assert_eq!(new.body["user"]["username"], "jake");
    assert_invalid_credentials(&login_with(&app, "jake@example.com", "correct-horse-42").await);
    // The session survives the change.
    assert_eq!(
        app.get("/user", Some(&token)).await.body["user"]["email"],
        "jake@new.example.com"
    );
    // The old email is free again.
    let reuse = register_with(
        &app,
        json!({"username": "other", "email": "jake@example.com", "password": "correct-horse-42"}),
    )
    .await;
    assert_eq!(reuse.status, StatusCode::CREATED, "{}", reuse.text);
}

#[tokio::test]
async fn changing_the_username_moves_the_profile() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let response = update(&app, &token, json!({"username": "jacob"})).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["user"]["username"], "jacob");
    assert_eq!(response.body["user"]["email"], "jake@example.com");

    assert_eq!(
        app.get("/profiles/jacob", None).await.status,
        StatusCode::OK
    );
    app.get("/profiles/jake", None)
        .await
        .assert_problem(404, "not_found");
    let login = login_with(&app, "jake@example.com", "correct-horse-42").await;
    assert_eq!(login.body["user"]["username"], "jacob");
    assert_eq!(
        app.get("/user", Some(&token)).await.body["user"]["username"],
        "jacob"
    );
}

#[tokio::test]
async fn a_taken_username_or_email_cannot_be_claimed_by_an_update() {
    let app = spawn_app().await;
    app.register("jane").await;
    let token = app.register("jake").await;
    for username in ["jane", "JANE"] {
        let response = update(&app, &token, json!({"username": username})).await;
        let errors = assert_invalid(&response, &["username"]);
        assert_eq!(errors["username"], json!(["has already been taken"]));
    }
    for email in ["jane@example.com", "Jane@Example.Com"] {
        let response = update(&app, &token, json!({"email": email})).await;
        let errors = assert_invalid(&response, &["email"]);
        assert_eq!(errors["email"], json!(["has already been taken"]));
    }
    let me = app.get("/user", Some(&token)).await;
    assert_eq!(me.body["user"]["username"], "jake");
    assert_eq!(me.body["user"]["email"], "jake@example.com");
    // jane is untouched.
    let jane = login_with(&app, "jane@example.com", "correct-horse-42").await;
    assert_eq!(jane.body["user"]["username"], "jane");
}

#[tokio::test]
async fn an_update_cannot_claim_another_spelling_of_a_taken_name_but_may_respell_its_own() {
    let app = spawn_app().await;
    app.register("ΑΣ").await;
    let token = app.register("jake").await;
    for username in ["ας", "ασ"] {
        let response = update(&app, &token, json!({"username": username})).await;
        let errors = assert_invalid(&response, &["username"]);
        assert_eq!(
            errors["username"],
            json!(["has already been taken"]),
            "{username}"
        );
    }

    let respelled = update(&app, &token, json!({"username": "JAKE"})).await;
    assert_eq!(respelled.status, StatusCode::OK, "{}", respelled.text);
    assert_eq!(respelled.body["user"]["username"], "JAKE");
    let profile = app.get("/profiles/jake", None).await;
    assert_eq!(
        profile.body["profile"]["username"], "JAKE",
        "{}",
        profile.text
    );
}

#[tokio::test]
async fn a_failed_update_changes_nothing_at_all() {
    let app = spawn_app().await;
    app.register("jane").await;
    let token = app.register("jake").await;
    // Valid bio with an invalid image: nothing is applied.
    let response = update(&app, &token, json!({"bio": "new bio", "image": "nope"})).await;
    assert_invalid(&response, &["image"]);
    // Valid bio with a taken username: nothing is applied either.
    let response = update(&app, &token, json!({"bio": "new bio", "username": "jane"})).await;
    assert_invalid(&response, &["username"]);
    // Several invalid fields are reported together.
    let response = update(
        &app,
        &token,
        json!({"email": "bad", "password": "short", "username": "a b"}),
    )
    .await;
    assert_invalid(&response, &["email", "password", "username"]);

    let me = app.get("/user", Some(&token)).await;
    assert_eq!(me.body["user"]["bio"], Value::Null);
    assert_eq!(me.body["user"]["username"], "jake");
    assert_eq!(me.body["user"]["email"], "jake@example.com");
    assert_eq!(
        login_with(&app, "jake@example.com", "correct-horse-42")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn setting_your_own_email_or_username_again_is_not_a_conflict() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let response = update(
        &app,
        &token,
        json!({"email": "jake@example.com", "username": "jake"}),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["user"]["email"], "jake@example.com");
    assert_eq!(response.body["user"]["username"], "jake");

    // A change of case only is also your own value.
    let response = update(
        &app,
        &token,
        json!({"email": "Jake@Example.com", "username": "Jake"}),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["user"]["email"], "Jake@Example.com");
    assert_eq!(response.body["user"]["username"], "Jake");
    assert_eq!(
        login_with(&app, "jake@example.com", "correct-horse-42")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn changing_the_password_changes_the_login() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let response = update(&app, &token, json!({"password": "new-password"})).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_user_shape(&response);
    assert!(!response.text.contains("new-password"));

    let new = login_with(&app, "jake@example.com", "new-password").await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.text);
    assert_invalid_credentials(&login_with(&app, "jake@example.com", "correct-horse-42").await);
}

#[tokio::test]
async fn an_invalid_new_password_is_refused_and_the_old_one_kept() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    for (password, message) in [
        ("", "can't be blank"),
        ("1234567", "is too short (minimum is 8 characters)"),
    ] {
        let response = update(&app, &token, json!({"password": password})).await;
        let errors = assert_invalid(&response, &["password"]);
        assert_eq!(errors["password"], json!([message]));
    }
    let response = update(&app, &token, json!({"password": "x".repeat(129)})).await;
    assert_invalid(&response, &["password"]);
    assert_eq!(
        login_with(&app, "jake@example.com", "correct-horse-42")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn invalid_emails_and_usernames_are_refused_by_updates() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    for email in ["", "plain", "jake@localhost"] {
        let response = update(&app, &token, json!({"email": email})).await;
        assert_invalid(&response, &["email"]);
    }
    for username in ["", "jake doe", "jake/doe"] {
        let response = update(&app, &token, json!({"username": username})).await;
        assert_invalid(&response, &["username"]);
    }
    let response = update(&app, &token, json!({"bio": "b".repeat(1001)})).await;
    let errors = assert_invalid(&response, &["bio"]);
    assert_eq!(
        errors["bio"],
        json!(["is too long (maximum is 1000 characters)"])
    );
    let me = app.get("/user", Some(&token)).await;
    assert_eq!(me.body["user"]["email"], "jake@example.com");
    assert_eq!(me.body["user"]["username"], "jake");
}

#[tokio::test]
async fn a_registration_whose_session_cannot_be_stored_leaves_no_account() {
    let app = spawn_app().await;
    // A fault in the database: this one client's sessions cannot be stored.
    app.database()
        .await
        .batch_execute(
            "CREATE FUNCTION refuse_session() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               IF NEW.user_agent = 'refused-agent' THEN RAISE EXCEPTION 'refused'; END IF; \
               RETURN NEW; \
             END $$; \
             CREATE TRIGGER refuse_session BEFORE INSERT ON sessions \
               FOR EACH ROW EXECUTE FUNCTION refuse_session();",
        )
        .await
        .expect("install the fault");
    let body = json!({"user": {
        "username": "jake", "email": "jake@example.com", "password": "correct horse"
    }});

    let refused = app
        .client
        .post(app.url("/api/v1/users"))
        .header("User-Agent", "refused-agent")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let accounts: i64 = app
        .database()
        .await
        .query_one("SELECT count(*) FROM users", &[])
        .await
        .expect("count accounts")
        .get(0);
    assert_eq!(accounts, 0, "no account without its session");
    let retried = register_with(&app, body["user"].clone()).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.text);
}

// -------------------------------------------------- oversized client input

#[tokio::test]
async fn a_megabyte_email_is_refused_before_any_work_and_never_stored() {
    let app = spawn_app().await;
    let huge = format!("{}@example.com", "a".repeat(1_000_000));

    let response = app
        .post(
            "/users/login",
            None,
            json!({"user": {"email": huge, "password": "whatever-it-is"}}),
        )
        .await;

    let body = response.assert_problem(422, "validation_failed");
    assert_eq!(
        body["errors"]["email"][0],
        "is too long (maximum is 254 characters)"
    );
    assert_eq!(response.query_count(), 0);
    app.flush_audit_tally().await;
    let stored: i64 = app
        .database()
        .await
        .query_one(
            "SELECT coalesce(max(octet_length(details::text)), 0)::bigint FROM audit_events",
            &[],
        )
        .await
        .expect("read the audit log")
        .get(0);
    assert_eq!(stored, 0, "no audit row");
}

#[tokio::test]
async fn client_supplied_values_reach_the_audit_log_cut_to_their_bounds() {
    let app = spawn_app().await;
    app.register("jake").await;
    let email = format!("{}@example.com", "j".repeat(240));
    let agent = "A".repeat(16 * 1024);

    let response = app
        .client
        .post(app.url("/api/v1/users/login"))
        .header("User-Agent", agent.as_str())
        .json(&json!({"user": {"email": email, "password": "wrong-password-1"}}))
        .send()
        .await
        .expect("request");
    let response = TestApp::read(response).await;

    response.assert_problem(401, "invalid_credentials");
    let row = app
        .database()
        .await
        .query_one(
            "SELECT char_length(details->>'email'), char_length(user_agent) \
             FROM audit_events WHERE event_type = 'login_failed'",
            &[],
        )
        .await
        .expect("one login_failed row");
    let (email_chars, agent_chars): (i32, i32) = (row.get(0), row.get(1));
    assert!(email_chars <= 256, "{email_chars}");
    assert!(agent_chars <= 512, "{agent_chars}");
}

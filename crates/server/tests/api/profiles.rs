//! Public profiles and following.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Response, TestApp, spawn_app};

#[track_caller]
fn assert_profile<'a>(response: &'a Response, username: &str, following: bool) -> &'a Value {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{}",
        response.text
    );
    let object = response.body.as_object().expect("a JSON object");
    assert_eq!(
        object.keys().collect::<Vec<_>>(),
        ["profile"],
        "{}",
        response.text
    );
    let profile = &response.body["profile"];
    let mut keys: Vec<&str> = profile
        .as_object()
        .expect("profile object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["bio", "following", "image", "username"],
        "{}",
        response.text
    );
    assert_eq!(profile["username"], username, "{}", response.text);
    assert_eq!(profile["following"], following, "{}", response.text);
    profile
}

async fn follow(app: &TestApp, token: &str, username: &str) -> Response {
    app.post(
        &format!("/profiles/{username}/follow"),
        Some(token),
        json!({}),
    )
    .await
}

async fn unfollow(app: &TestApp, token: &str, username: &str) -> Response {
    app.delete(&format!("/profiles/{username}/follow"), Some(token))
        .await
}

async fn following(app: &TestApp, viewer: Option<&str>, username: &str) -> Value {
    let response = app.get(&format!("/profiles/{username}"), viewer).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body["profile"]["following"].clone()
}

#[tokio::test]
async fn a_profile_has_every_key_even_when_null() {
    let app = spawn_app().await;
    app.register("jake").await;
    let response = app.get("/profiles/jake", None).await;
    let profile = assert_profile(&response, "jake", false);
    assert_eq!(profile["bio"], Value::Null);
    assert_eq!(profile["image"], Value::Null);
    assert!(
        !response.text.contains("jake@example.com"),
        "the email is private"
    );
    assert!(!response.text.contains("token"), "{}", response.text);
}

#[tokio::test]
async fn a_profile_shows_bio_and_image() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let updated = app
        .put(
            "/user",
            Some(&token),
            json!({"user": {"bio": "I work at statefarm", "image": "https://cdn.example.com/jake.png"}}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let response = app.get("/profiles/jake", None).await;
    let profile = assert_profile(&response, "jake", false);
    assert_eq!(profile["bio"], "I work at statefarm");
    assert_eq!(profile["image"], "https://cdn.example.com/jake.png");
}

#[tokio::test]
async fn an_unknown_profile_is_404() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    for path in [
        "/profiles/nobody",
        "/profiles/jak",
        "/profiles/jake_",
        "/profiles/no%20one",
        "/profiles/%3Cjake%3E",
    ] {
        let response = app.get(path, None).await;
        response.assert_problem(404, "not_found");
        let response = app.get(path, Some(&token)).await;
        response.assert_problem(404, "not_found");
    }
    let long = format!("/profiles/{}", "a".repeat(41));
    app.get(&long, None).await.assert_problem(404, "not_found");
}

#[tokio::test]
async fn profile_lookup_ignores_case() {
    let app = spawn_app().await;
    app.register("jake").await;
    for path in ["/profiles/JAKE", "/profiles/Jake", "/profiles/jake"] {
        let response = app.get(path, None).await;
        assert_profile(&response, "jake", false);
    }
}

/// Lookups fold case the Unicode way, in the database and in the cache alike: the
/// final sigma of "ας" is the sigma of "ΑΣ", asked first, before anything is cached.
#[tokio::test]
async fn profile_lookup_folds_case_in_any_script() {
    let app = spawn_app().await;
    app.register("ΑΣ").await;
    for _ in 0..2 {
        for name in ["ας", "ασ", "Ας", "ΑΣ"] {
            let response = app.get(&format!("/profiles/{name}"), None).await;
            assert_profile(&response, "ΑΣ", false);
        }
    }
    let token = app.register("jake").await;
    assert_profile(&follow(&app, &token, "ας").await, "ΑΣ", true);
}

/// A name registered with a combining accent is found by its precomposed spelling,
/// and a precomposed one by its decomposed spelling.
#[tokio::test]
async fn profiles_are_found_by_decomposed_and_precomposed_spellings() {
    let app = spawn_app().await;
    app.register("Rene\u{301}e").await;
    app.register("Zo\u{eb}").await;
    for (path, name) in [
        ("Ren\u{e9}e", "Ren\u{e9}e"),
        ("Rene\u{301}e", "Ren\u{e9}e"),
        ("Zoe\u{308}", "Zo\u{eb}"),
        ("ZOE\u{308}", "Zo\u{eb}"),
    ] {
        let response = app.get(&format!("/profiles/{path}"), None).await;
        assert_profile(&response, name, false);
    }
}

#[tokio::test]
async fn following_is_reported_to_the_follower_only() {
    let app = spawn_app().await;
    let celeb = app.register("celeb").await;
    let fan = app.register("fan").await;
    let other = app.register("other").await;

    let response = follow(&app, &fan, "celeb").await;
    let profile = assert_profile(&response, "celeb", true);
    assert_eq!(profile["bio"], Value::Null);
    assert_eq!(profile["image"], Value::Null);

    // It persisted, for the follower.
    assert_profile(&app.get("/profiles/celeb", Some(&fan)).await, "celeb", true);
    // Not for anybody else.
    assert_profile(&app.get("/profiles/celeb", None).await, "celeb", false);
    assert_profile(
        &app.get("/profiles/celeb", Some(&other)).await,
        "celeb",
        false,
    );
    assert_profile(
        &app.get("/profiles/celeb", Some(&celeb)).await,
        "celeb",
        false,
    );
    // Following is one-way.
    assert_profile(&app.get("/profiles/fan", Some(&celeb)).await, "fan", false);
}

#[tokio::test]
async fn follow_and_unfollow_are_idempotent() {
    let app = spawn_app().await;
    app.register("celeb").await;
    let fan = app.register("fan").await;

    assert_profile(&follow(&app, &fan, "celeb").await, "celeb", true);
    assert_profile(&follow(&app, &fan, "celeb").await, "celeb", true);
    assert_eq!(following(&app, Some(&fan), "celeb").await, true);

    assert_profile(&unfollow(&app, &fan, "celeb").await, "celeb", false);
    assert_eq!(following(&app, Some(&fan), "celeb").await, false);
    assert_profile(&unfollow(&app, &fan, "celeb").await, "celeb", false);
    assert_eq!(following(&app, Some(&fan), "celeb").await, false);

    // And it can be followed again afterwards.
    assert_profile(&follow(&app, &fan, "celeb").await, "celeb", true);
    assert_eq!(following(&app, Some(&fan), "celeb").await, true);
}

#[tokio::test]
async fn unfollowing_someone_never_followed_is_fine() {
    let app = spawn_app().await;
    app.register("celeb").await;
    let fan = app.register("fan").await;
    assert_profile(&unfollow(&app, &fan, "celeb").await, "celeb", false);
    assert_eq!(following(&app, Some(&fan), "celeb").await, false);
}

#[tokio::test]
async fn follow_names_the_user_case_insensitively() {
    let app = spawn_app().await;
    app.register("celeb").await;
    let fan = app.register("fan").await;
    assert_profile(&follow(&app, &fan, "CELEB").await, "celeb", true);
    assert_eq!(following(&app, Some(&fan), "celeb").await, true);
    assert_profile(&unfollow(&app, &fan, "Celeb").await, "celeb", false);
    assert_eq!(following(&app, Some(&fan), "celeb").await, false);
}

#[tokio::test]
async fn following_several_users_is_tracked_per_pair() {
    let app = spawn_app().await;
    app.register("a").await;
    app.register("b").await;
    let fan = app.register("fan").await;
    let fan2 = app.register("fan2").await;
    follow(&app, &fan, "a").await;
    follow(&app, &fan, "b").await;
    follow(&app, &fan2, "a").await;
    unfollow(&app, &fan, "a").await;
    assert_eq!(following(&app, Some(&fan), "a").await, false);
    assert_eq!(following(&app, Some(&fan), "b").await, true);
    assert_eq!(
        following(&app, Some(&fan2), "a").await,
        true,
        "fan's unfollow left fan2 alone"
    );
    assert_eq!(following(&app, Some(&fan2), "b").await, false);
}

#[tokio::test]
async fn following_yourself_is_422() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    for name in ["jake", "JAKE"] {
        let response = follow(&app, &jake, name).await;
        let body = response.assert_problem(422, "validation_failed");
        assert!(body["errors"].is_object(), "{}", response.text);
        let messages = body["errors"]
            .as_object()
            .expect("errors")
            .values()
            .flat_map(|m| m.as_array().cloned().unwrap_or_default());
        assert!(messages.count() > 0, "{}", response.text);
    }
    assert_profile(&app.get("/profiles/jake", Some(&jake)).await, "jake", false);
    // Unfollowing yourself is harmless and never leaves you "following".
    let response = unfollow(&app, &jake, "jake").await;
    assert!(
        response.status == StatusCode::OK || response.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        response.text
    );
    if response.status == StatusCode::OK {
        assert_profile(&response, "jake", false);
    }
}

#[tokio::test]
async fn following_an_unknown_user_is_404() {
    let app = spawn_app().await;
    let fan = app.register("fan").await;
    follow(&app, &fan, "nobody")
        .await
        .assert_problem(404, "not_found");
    unfollow(&app, &fan, "nobody")
        .await
        .assert_problem(404, "not_found");
    follow(&app, &fan, "no%20one")
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn following_requires_a_valid_token() {
    let app = spawn_app().await;
    app.register("celeb").await;
    let fan = app.register("fan").await;
    for token in [None, Some("not-a-real-token")] {
        let response = app.post("/profiles/celeb/follow", token, json!({})).await;
        response.assert_problem(401, "unauthorized");
        assert_eq!(response.header("www-authenticate"), Some("Token"));
        let response = app.delete("/profiles/celeb/follow", token).await;
        response.assert_problem(401, "unauthorized");
        assert_eq!(response.header("www-authenticate"), Some("Token"));
    }
    // Without auth nothing happened, and an unknown user is still a 401 first.
    assert_eq!(following(&app, Some(&fan), "celeb").await, false);
    app.post("/profiles/nobody/follow", None, json!({}))
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn follow_ignores_a_stray_body() {
    let app = spawn_app().await;
    app.register("celeb").await;
    let fan = app.register("fan").await;
    let response = app
        .post(
            "/profiles/celeb/follow",
            Some(&fan),
            json!({"user": {"email": "x"}}),
        )
        .await;
    assert_profile(&response, "celeb", true);
    assert_eq!(following(&app, Some(&fan), "celeb").await, true);

    // Nor does the stray body change the follower's account.
    let me = app.get("/user", Some(&fan)).await;
    assert_eq!(me.body["user"]["email"], "fan@example.com");

    // A body that is not JSON at all, or none, is ignored just the same.
    let response = app
        .client
        .delete(app.url("/api/v1/profiles/celeb/follow"))
        .header("Content-Type", "application/json")
        .header("Authorization", format!("Token {fan}"))
        .body("{not json")
        .send()
        .await
        .expect("request reaches the server");
    assert_profile(&TestApp::read(response).await, "celeb", false);
    let response = app
        .client
        .post(app.url("/api/v1/profiles/celeb/follow"))
        .header("Content-Type", "application/json")
        .header("Authorization", format!("Token {fan}"))
        .send()
        .await
        .expect("request reaches the server");
    assert_profile(&TestApp::read(response).await, "celeb", true);
}

#[tokio::test]
async fn a_follow_survives_the_followee_renaming_themselves() {
    let app = spawn_app().await;
    let celeb = app.register("celeb").await;
    let fan = app.register("fan").await;
    follow(&app, &fan, "celeb").await;
    let renamed = app
        .put("/user", Some(&celeb), json!({"user": {"username": "star"}}))
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_profile(&app.get("/profiles/star", Some(&fan)).await, "star", true);
    app.get("/profiles/celeb", Some(&fan))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_followed_author_appears_in_the_feed() {
    let app = spawn_app().await;
    let celeb = app.register("celeb").await;
    let fan = app.register("fan").await;
    app.publish(&celeb, "Famous words", &[]).await;

    let empty = app.get("/articles/feed", Some(&fan)).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.text);
    assert_eq!(empty.body["articlesCount"], 0);

    follow(&app, &fan, "celeb").await;
    let feed = app.get("/articles/feed", Some(&fan)).await;
    assert_eq!(feed.body["articlesCount"], 1, "{}", feed.text);
    assert_eq!(feed.body["articles"][0]["author"]["username"], "celeb");
    assert_eq!(feed.body["articles"][0]["author"]["following"], true);

    unfollow(&app, &fan, "celeb").await;
    let feed = app.get("/articles/feed", Some(&fan)).await;
    assert_eq!(feed.body["articlesCount"], 0, "{}", feed.text);
}

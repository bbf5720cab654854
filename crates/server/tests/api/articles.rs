//! Single articles: publishing, reading, slugs, editing, deleting and favorites.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Response, TestApp, spawn_app, unique_username};

const ARTICLE_KEYS: [&str; 11] = [
    "author",
    "body",
    "createdAt",
    "description",
    "favorited",
    "favoritesCount",
    "image",
    "slug",
    "tagList",
    "title",
    "updatedAt",
];

const PROFILE_KEYS: [&str; 4] = ["bio", "following", "image", "username"];

fn sorted_keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// Asserts RFC 3339 in UTC with exactly milliseconds and `Z`, and returns the instant.
#[track_caller]
pub(crate) fn assert_timestamp(value: &Value) -> DateTime<FixedOffset> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp string: {value}"));
    assert_eq!(text.len(), 24, "YYYY-MM-DDTHH:MM:SS.mmmZ: {text}");
    assert_eq!(&text[10..11], "T", "{text}");
    assert_eq!(&text[19..20], ".", "fractional seconds: {text}");
    assert!(
        text[20..23].bytes().all(|b| b.is_ascii_digit()),
        "milliseconds: {text}"
    );
    assert!(text.ends_with('Z'), "UTC as Z: {text}");
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Asserts an embedded author profile with exactly the profile keys.
#[track_caller]
pub(crate) fn assert_author(author: &Value, username: &str, following: bool) {
    assert_eq!(sorted_keys(author), PROFILE_KEYS, "{author}");
    assert_eq!(author["username"], username, "{author}");
    assert_eq!(author["following"], following, "{author}");
    assert!(author["bio"].is_null() || author["bio"].is_string());
    assert!(author["image"].is_null() || author["image"].is_string());
}

/// Asserts a `{"article": {...}}` body with every RealWorld key, and returns the article.
#[track_caller]
fn assert_article(response: &Response, status: StatusCode) -> &Value {
    assert_eq!(response.status, status, "{}", response.text);
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{}",
        response.text
    );
    assert_eq!(
        sorted_keys(&response.body),
        ["article"],
        "{}",
        response.text
    );
    let article = &response.body["article"];
    assert_eq!(sorted_keys(article), ARTICLE_KEYS, "{}", response.text);
    let slug = article["slug"].as_str().expect("slug");
    assert!(
        !slug.is_empty()
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "URL-safe slug: {slug}"
    );
    for key in ["title", "description", "body"] {
        assert!(article[key].is_string(), "{key}: {}", response.text);
    }
    let tags: Vec<&str> = article["tagList"]
        .as_array()
        .expect("tagList")
        .iter()
        .map(|t| t.as_str().expect("tags are strings"))
        .collect();
    assert!(
        tags.windows(2).all(|pair| pair[0] < pair[1]),
        "sorted and distinct: {tags:?}"
    );
    let created = assert_timestamp(&article["createdAt"]);
    let updated = assert_timestamp(&article["updatedAt"]);
    assert!(updated >= created, "{}", response.text);
    assert!(article["favorited"].is_boolean(), "{}", response.text);
    assert!(article["favoritesCount"].is_u64(), "{}", response.text);
    assert!(article["author"].is_object(), "{}", response.text);
    article
}

/// Asserts a 422 whose `errors` has exactly these fields, and returns `errors`.
#[track_caller]
fn assert_invalid<'a>(response: &'a Response, fields: &[&str]) -> &'a Value {
    let body = response.assert_problem(422, "validation_failed");
    let errors = &body["errors"];
    let mut expected = fields.to_vec();
    expected.sort_unstable();
    assert_eq!(sorted_keys(errors), expected, "{}", response.text);
    for field in fields {
        let messages = errors[field].as_array().expect("a list of messages");
        assert!(!messages.is_empty(), "{field}: {}", response.text);
        assert!(
            messages
                .iter()
                .all(|m| m.as_str().is_some_and(|m| !m.is_empty())),
            "{}",
            response.text
        );
    }
    errors
}

#[track_caller]
fn assert_unauthorized(response: &Response) {
    response.assert_problem(401, "unauthorized");
    assert_eq!(
        response.header("www-authenticate"),
        Some("Token"),
        "{}",
        response.text
    );
}

fn draft(title: &str) -> Value {
    json!({"title": title, "description": "Ever wonder how?", "body": "You have to believe", "tagList": ["dragons"]})
}

async fn create(app: &TestApp, token: Option<&str>, article: Value) -> Response {
    app.post("/articles", token, json!({ "article": article }))
        .await
}

async fn read(app: &TestApp, slug: &str, viewer: Option<&str>) -> Response {
    app.get(&format!("/articles/{slug}"), viewer).await
}

async fn edit(app: &TestApp, token: Option<&str>, slug: &str, article: Value) -> Response {
    app.put(
        &format!("/articles/{slug}"),
        token,
        json!({ "article": article }),
    )
    .await
}

async fn remove(app: &TestApp, token: Option<&str>, slug: &str) -> Response {
    app.delete(&format!("/articles/{slug}"), token).await
}

async fn favorite(app: &TestApp, token: Option<&str>, slug: &str) -> Response {
    app.post(&format!("/articles/{slug}/favorite"), token, json!({}))
        .await
}

async fn unfavorite(app: &TestApp, token: Option<&str>, slug: &str) -> Response {
    app.delete(&format!("/articles/{slug}/favorite"), token)
        .await
}

/// `(favorited, favoritesCount)` of the article as `viewer` sees it.
async fn favorite_state(app: &TestApp, slug: &str, viewer: Option<&str>) -> (Value, Value) {
    let response = read(app, slug, viewer).await;
    let article = assert_article(&response, StatusCode::OK);
    (
        article["favorited"].clone(),
        article["favoritesCount"].clone(),
    )
}

async fn article_count(app: &TestApp) -> Value {
    let response = app.get("/articles", None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body["articlesCount"].clone()
}

// ------------------------------------------------------------------ publishing

#[tokio::test]
async fn publishing_returns_the_article_with_every_key() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let response = create(
        &app,
        Some(&jake),
        json!({
            "title": "How to train your dragon",
            "description": "Ever wonder how?",
            "body": "You have to believe",
            "tagList": ["training", "dragons"]
        }),
    )
    .await;
    let article = assert_article(&response, StatusCode::CREATED);
    assert_eq!(article["slug"], "how-to-train-your-dragon");
    assert_eq!(article["title"], "How to train your dragon");
    assert_eq!(article["description"], "Ever wonder how?");
    assert_eq!(article["body"], "You have to believe");
    assert_eq!(article["tagList"], json!(["dragons", "training"]));
    assert_eq!(article["favorited"], false);
    assert_eq!(article["favoritesCount"], 0);
    assert_eq!(article["createdAt"], article["updatedAt"]);
    assert_author(&article["author"], "jake", false);
    assert_eq!(article["author"]["bio"], Value::Null);
    assert_eq!(article["author"]["image"], Value::Null);
}

#[tokio::test]
async fn a_published_article_reads_back_exactly_as_it_was_returned() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let created = create(&app, Some(&jake), draft("Read me back")).await;
    assert_article(&created, StatusCode::CREATED);
    let response = read(&app, "read-me-back", Some(&jake)).await;
    assert_article(&response, StatusCode::OK);
    assert_eq!(response.body, created.body);
}

#[tokio::test]
async fn the_tag_list_is_sorted_and_deduplicated() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let response = create(
        &app,
        Some(&jake),
        json!({"title": "Tags", "description": "d", "body": "b",
               "tagList": ["zebra", "dragons", "angular", " dragons ", "zebra"]}),
    )
    .await;
    let expected = json!(["angular", "dragons", "zebra"]);
    assert_eq!(
        assert_article(&response, StatusCode::CREATED)["tagList"],
        expected
    );
    let read_back = read(&app, "tags", None).await;
    assert_eq!(
        assert_article(&read_back, StatusCode::OK)["tagList"],
        expected
    );
}

#[tokio::test]
async fn the_tag_list_may_be_missing_null_or_empty() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    for (title, article) in [
        (
            "No tags",
            json!({"title": "No tags", "description": "d", "body": "b"}),
        ),
        (
            "Null tags",
            json!({"title": "Null tags", "description": "d", "body": "b", "tagList": null}),
        ),
        (
            "Empty tags",
            json!({"title": "Empty tags", "description": "d", "body": "b", "tagList": []}),
        ),
    ] {
        let response = create(&app, Some(&jake), article).await;
        let article = assert_article(&response, StatusCode::CREATED);
        assert_eq!(article["title"], title);
        assert_eq!(article["tagList"], json!([]), "{}", response.text);
    }
}

#[tokio::test]
async fn the_embedded_author_shows_bio_and_image() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let updated = app
        .put(
            "/user",
            Some(&jake),
            json!({"user": {"bio": "I like to skateboard", "image": "https://cdn.example.com/jake.png"}}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let response = create(&app, Some(&jake), draft("With a face")).await;
    let author = &assert_article(&response, StatusCode::CREATED)["author"];
    assert_author(author, "jake", false);
    assert_eq!(author["bio"], "I like to skateboard");
    assert_eq!(author["image"], "https://cdn.example.com/jake.png");
}

#[tokio::test]
async fn publishing_requires_a_valid_token() {
    let app = spawn_app().await;
    app.register("jake").await;
    for token in [None, Some("not-a-real-token")] {
        assert_unauthorized(&create(&app, token, draft("Anonymous")).await);
    }
    assert_eq!(article_count(&app).await, 0);
    read(&app, "anonymous", None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn missing_fields_are_each_reported_as_blank() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let response = create(&app, Some(&jake), json!({})).await;
    let errors = assert_invalid(&response, &["body", "description", "title"]);
    for field in ["body", "description", "title"] {
        assert_eq!(errors[field], json!(["can't be blank"]), "{field}");
    }
    assert_eq!(response.body["detail"], "3 fields are invalid");
    assert_eq!(article_count(&app).await, 0);
}

#[tokio::test]
async fn each_missing_field_is_reported_alone() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    for missing in ["title", "description", "body"] {
        let mut article = draft("Incomplete");
        article.as_object_mut().expect("object").remove(missing);
        let response = create(&app, Some(&jake), article).await;
        let errors = assert_invalid(&response, &[missing]);
        assert_eq!(errors[missing], json!(["can't be blank"]));
        assert_eq!(response.body["detail"], "1 field is invalid");
    }
    assert_eq!(article_count(&app).await, 0);
}

#[tokio::test]
async fn a_blank_title_or_body_is_refused() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let response = create(
        &app,
        Some(&jake),
        json!({"title": "   ", "description": "d", "body": "", "tagList": []}),
    )
    .await;
    let errors = assert_invalid(&response, &["body", "title"]);
    assert_eq!(errors["title"], json!(["can't be blank"]));
    assert_eq!(errors["body"], json!(["can't be blank"]));
    let response = create(
        &app,
        Some(&jake),
        json!({"title": "Fine", "description": "d", "body": " \n\t "}),
    )
    .await;
    assert_invalid(&response, &["body"]);
    assert_eq!(article_count(&app).await, 0);
}

#[tokio::test]
async fn a_blank_description_is_refused() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    for description in ["", "   "] {
        let response = create(
            &app,
            Some(&jake),
            json!({"title": "Fine", "description": description, "body": "b"}),
        )
        .await;
        let errors = assert_invalid(&response, &["description"]);
        assert_eq!(errors["description"], json!(["can't be blank"]));
    }
    assert_eq!(article_count(&app).await, 0);
}

#[tokio::test]
async fn blank_fields_and_missing_fields_are_reported_together() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let response = create(
        &app,
        Some(&jake),
        json!({"title": " ", "body": "b", "tagList": [""]}),
    )
    .await;
    let errors = assert_invalid(&response, &["description", "tagList", "title"]);
    assert_eq!(errors["description"], json!(["can't be blank"]));
    assert_eq!(errors["title"], json!(["can't be blank"]));
    assert_eq!(errors["tagList"], json!(["can't be blank"]));
}

#[tokio::test]
async fn over_long_fields_and_bad_tags_are_refused() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let long_title = "t".repeat(201);
    let response = create(
        &app,
        Some(&jake),
        json!({"title": long_title, "description": "d", "body": "b"}),
    )
    .await;
    let errors = assert_invalid(&response, &["title"]);
    assert_eq!(
        errors["title"],
        json!(["is too long (maximum is 200 characters)"])
    );

    let long_tag = "x".repeat(41);
    let response = create(
        &app,
        Some(&jake),
        json!({"title": "t", "description": "d", "body": "b", "tagList": [long_tag]}),
    )
    .await;
    let errors = assert_invalid(&response, &["tagList"]);
    assert_eq!(
        errors["tagList"],
        json!(["is too long (maximum is 40 characters)"])
    );

    let many: Vec<String> = (0..21).map(|i| format!("tag{i}")).collect();
    let response = create(
        &app,
        Some(&jake),
        json!({"title": "t", "description": "d", "body": "b", "tagList": many}),
    )
    .await;
    let errors = assert_invalid(&response, &["tagList"]);
    assert_eq!(
        errors["tagList"],
        json!(["has too many tags (maximum is 20)"])
    );
    assert_eq!(article_count(&app).await, 0);
}

#[tokio::test]
async fn a_title_of_200_characters_and_20_tags_are_accepted() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let title = "t".repeat(200);
    let tags: Vec<String> = (10..30).map(|i| format!("tag{i}")).collect();
    let response = create(
        &app,
        Some(&jake),
        json!({"title": title, "description": "d", "body": "b", "tagList": tags}),
    )
    .await;
    let article = assert_article(&response, StatusCode::CREATED);
    assert_eq!(article["title"], title);
    assert_eq!(article["tagList"], json!(tags));
}

#[tokio::test]
async fn a_body_without_the_article_wrapper_is_422() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let response = app
        .post(
            "/articles",
            Some(&jake),
            json!({"title": "t", "description": "d", "body": "b"}),
        )
        .await;
    let errors = assert_invalid(&response, &["body"]);
    assert!(
        errors["body"][0]
            .as_str()
            .is_some_and(|m| m.contains("article")),
        "{}",
        response.text
    );
    assert_eq!(article_count(&app).await, 0);
}

#[tokio::test]
async fn fields_of_the_wrong_type_are_422() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    for article in [
        json!({"title": 5, "description": "d", "body": "b"}),
        json!({"title": "t", "description": "d", "body": "b", "tagList": "dragons"}),
        json!({"title": "t", "description": "d", "body": "b", "tagList": [1, 2]}),
    ] {
        let response = create(&app, Some(&jake), article).await;
        assert_invalid(&response, &["body"]);
    }
    let response = app
        .post("/articles", Some(&jake), json!({"article": "a string"}))
        .await;
    assert_invalid(&response, &["body"]);
    assert_eq!(article_count(&app).await, 0);
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let response = app
        .client
        .post(app.url("/api/v1/articles"))
        .header("Content-Type", "application/json")
        .header("Authorization", format!("Token {jake}"))
        .body(r#"{"article": {"title": "t""#)
        .send()
        .await
        .expect("request reaches the server");
    TestApp::read(response)
        .await
        .assert_problem(400, "malformed_json");
    assert_eq!(article_count(&app).await, 0);
}

// --------------------------------------------------------------------- reading

#[tokio::test]
async fn an_article_reads_the_same_anonymously_and_signed_in_apart_from_the_viewer() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Open to all", &["b", "a"]).await;
    let anonymous = read(&app, &slug, None).await;
    let as_anna = read(&app, &slug, Some(&anna)).await;
    let as_jake = read(&app, &slug, Some(&jake)).await;
    for response in [&anonymous, &as_anna, &as_jake] {
        let article = assert_article(response, StatusCode::OK);
        assert_eq!(article["slug"], slug);
        assert_eq!(article["title"], "Open to all");
        assert_eq!(article["description"], "about it");
        assert_eq!(article["body"], "the body");
        assert_eq!(article["tagList"], json!(["a", "b"]));
        assert_eq!(article["favorited"], false);
        assert_eq!(article["favoritesCount"], 0);
        assert_author(&article["author"], "jake", false);
    }
    assert_eq!(anonymous.body, as_anna.body);
}

#[tokio::test]
async fn the_author_is_followed_only_for_the_follower() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let other = app.register("other").await;
    let slug = app.publish(&jake, "Followed", &[]).await;
    let followed = app
        .post("/profiles/jake/follow", Some(&fan), json!({}))
        .await;
    assert_eq!(followed.status, StatusCode::OK, "{}", followed.text);

    for (viewer, following) in [
        (Some(fan.as_str()), true),
        (Some(other.as_str()), false),
        (Some(jake.as_str()), false),
        (None, false),
    ] {
        let response = read(&app, &slug, viewer).await;
        let article = assert_article(&response, StatusCode::OK);
        assert_author(&article["author"], "jake", following);
    }
}

#[tokio::test]
async fn an_unknown_slug_is_404() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "Hello world", &[]).await;
    for slug in ["nothing-here", "hello-worl", "hello-world-2", "Hello-World"] {
        for viewer in [None, Some(jake.as_str())] {
            let response = read(&app, slug, viewer).await;
            let body = response.assert_problem(404, "not_found");
            assert!(body.get("errors").is_none(), "{}", response.text);
        }
    }
}

#[tokio::test]
async fn an_invalid_token_is_refused_even_where_signing_in_is_optional() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Hello world", &[]).await;
    assert_unauthorized(&read(&app, &slug, Some("not-a-real-token")).await);
}

// ----------------------------------------------------------------------- slugs

#[tokio::test]
async fn slugs_are_url_safe_forms_of_the_title() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    for (title, slug) in [
        ("How to Train Your Dragon!", "how-to-train-your-dragon"),
        ("Ça va? Über-cool", "ca-va-uber-cool"),
        ("  Spaces   everywhere  ", "spaces-everywhere"),
        ("?!", "article"),
    ] {
        assert_eq!(app.publish(&jake, title, &[]).await, slug);
        let response = read(&app, slug, None).await;
        assert_eq!(assert_article(&response, StatusCode::OK)["slug"], slug);
    }
}

#[tokio::test]
async fn long_titles_give_slugs_of_at_most_80_characters() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let title = "word ".repeat(40);
    let slug = app.publish(&jake, &title, &[]).await;
    assert!(slug.len() <= 80, "{slug}");
    assert!(
        slug.starts_with("word-word") && slug.ends_with("word"),
        "{slug}"
    );
    let response = read(&app, &slug, None).await;
    assert_eq!(
        assert_article(&response, StatusCode::OK)["title"],
        title.trim()
    );
}

#[tokio::test]
async fn an_article_titled_feed_can_be_read_updated_and_deleted() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Feed", &[]).await;
    let response = read(&app, &slug, None).await;
    assert_eq!(assert_article(&response, StatusCode::OK)["title"], "Feed");
    let response = edit(&app, Some(&jake), &slug, json!({"body": "edited"})).await;
    assert_eq!(assert_article(&response, StatusCode::OK)["body"], "edited");
    let response = remove(&app, Some(&jake), &slug).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    assert_eq!(article_count(&app).await, 0);
}

#[tokio::test]
async fn the_same_title_gets_a_unique_slug_each_time() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let first = app.publish(&jake, "Hello world", &["first"]).await;
    let second = app.publish(&jake, "Hello world", &["second"]).await;
    let third = app.publish(&anna, "Hello world", &["third"]).await;
    let fourth = app.publish(&anna, "Hello, World!", &["fourth"]).await;
    assert_eq!(first, "hello-world");
    let slugs = [&first, &second, &third, &fourth];
    for (i, slug) in slugs.iter().enumerate() {
        assert!(slug.starts_with("hello-world"), "{slug}");
        assert!(
            slugs[i + 1..].iter().all(|other| other != slug),
            "{slugs:?}"
        );
    }
    for (slug, tag, author) in [
        (&first, "first", "jake"),
        (&second, "second", "jake"),
        (&third, "third", "anna"),
        (&fourth, "fourth", "anna"),
    ] {
        let response = read(&app, slug, None).await;
        let article = assert_article(&response, StatusCode::OK);
        assert_eq!(article["tagList"], json!([tag]), "{slug}");
        assert_eq!(article["author"]["username"], author, "{slug}");
    }
    assert_eq!(article_count(&app).await, 4);
}

#[tokio::test]
async fn the_slug_follows_a_changed_title() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Old title", &[]).await;
    let response = edit(&app, Some(&jake), &slug, json!({"title": "New title"})).await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["slug"], "new-title");
    assert_eq!(article["title"], "New title");
    read(&app, "old-title", None)
        .await
        .assert_problem(404, "not_found");
    let response = read(&app, "new-title", None).await;
    assert_eq!(
        assert_article(&response, StatusCode::OK)["title"],
        "New title"
    );
}

#[tokio::test]
async fn the_slug_stays_when_only_the_body_description_or_tags_change() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Steady", &["a"]).await;
    for change in [
        json!({"body": "another body"}),
        json!({"description": "another description"}),
        json!({"tagList": ["b"]}),
        json!({"body": "third body", "description": "third description"}),
    ] {
        let response = edit(&app, Some(&jake), &slug, change).await;
        assert_eq!(assert_article(&response, StatusCode::OK)["slug"], slug);
    }
    let response = read(&app, &slug, None).await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["body"], "third body");
    assert_eq!(article["description"], "third description");
    assert_eq!(article["tagList"], json!(["b"]));
}

#[tokio::test]
async fn resending_the_same_title_keeps_the_slug() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let first = app.publish(&jake, "Hello world", &[]).await;
    let second = app.publish(&jake, "Hello world", &[]).await;
    for slug in [&first, &second] {
        let response = edit(&app, Some(&jake), slug, json!({"title": "Hello world"})).await;
        assert_eq!(
            assert_article(&response, StatusCode::OK)["slug"],
            slug.as_str()
        );
    }
}

#[tokio::test]
async fn a_title_change_that_slugifies_the_same_keeps_the_slug() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Hello world", &[]).await;
    let response = edit(&app, Some(&jake), &slug, json!({"title": "Hello, World!"})).await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["title"], "Hello, World!");
    assert_eq!(article["slug"], "hello-world");
}

#[tokio::test]
async fn retitling_to_a_title_in_use_gets_a_distinct_slug() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let taken = app.publish(&jake, "Popular", &["jake"]).await;
    let slug = app.publish(&anna, "Unique", &["anna"]).await;
    let response = edit(&app, Some(&anna), &slug, json!({"title": "Popular"})).await;
    let renamed = assert_article(&response, StatusCode::OK)["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    assert_ne!(renamed, taken);
    assert!(renamed.starts_with("popular-"), "{renamed}");
    let original = read(&app, &taken, None).await;
    assert_eq!(
        assert_article(&original, StatusCode::OK)["tagList"],
        json!(["jake"])
    );
    let moved = read(&app, &renamed, None).await;
    assert_eq!(
        assert_article(&moved, StatusCode::OK)["tagList"],
        json!(["anna"])
    );
    read(&app, "unique", None)
        .await
        .assert_problem(404, "not_found");
}

// -------------------------------------------------------------------- updating

#[tokio::test]
async fn the_author_can_change_every_field() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let created = create(&app, Some(&jake), draft("Before")).await;
    let created = assert_article(&created, StatusCode::CREATED).clone();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let response = edit(
        &app,
        Some(&jake),
        "before",
        json!({"title": "After", "description": "new description", "body": "new body",
               "tagList": ["zz", "aa", "zz"]}),
    )
    .await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["slug"], "after");
    assert_eq!(article["title"], "After");
    assert_eq!(article["description"], "new description");
    assert_eq!(article["body"], "new body");
    assert_eq!(article["tagList"], json!(["aa", "zz"]));
    assert_eq!(article["favorited"], false);
    assert_eq!(article["favoritesCount"], 0);
    assert_author(&article["author"], "jake", false);
    assert_eq!(article["createdAt"], created["createdAt"]);
    assert!(
        assert_timestamp(&article["updatedAt"]) > assert_timestamp(&created["updatedAt"]),
        "{}",
        response.text
    );
    let read_back = read(&app, "after", Some(&jake)).await;
    assert_article(&read_back, StatusCode::OK);
    assert_eq!(read_back.body, response.body);
}

#[tokio::test]
async fn a_partial_update_keeps_the_other_fields() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Partial", &["keep", "these"]).await;
    let response = edit(&app, Some(&jake), &slug, json!({"body": "only the body"})).await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["title"], "Partial");
    assert_eq!(article["description"], "about it");
    assert_eq!(article["body"], "only the body");
    assert_eq!(article["tagList"], json!(["keep", "these"]));

    let response = edit(
        &app,
        Some(&jake),
        &slug,
        json!({"description": "only the description"}),
    )
    .await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["description"], "only the description");
    assert_eq!(article["body"], "only the body");
    assert_eq!(article["tagList"], json!(["keep", "these"]));
}

#[tokio::test]
async fn an_empty_tag_list_clears_the_tags_and_an_absent_one_keeps_them() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Tagged", &["x", "y"]).await;
    let response = edit(&app, Some(&jake), &slug, json!({"title": "Tagged"})).await;
    assert_eq!(
        assert_article(&response, StatusCode::OK)["tagList"],
        json!(["x", "y"])
    );
    let response = edit(&app, Some(&jake), &slug, json!({"tagList": []})).await;
    assert_eq!(
        assert_article(&response, StatusCode::OK)["tagList"],
        json!([])
    );
    let response = read(&app, &slug, None).await;
    assert_eq!(
        assert_article(&response, StatusCode::OK)["tagList"],
        json!([])
    );
}

#[tokio::test]
async fn an_update_with_no_fields_changes_nothing_but_is_fine() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Untouched", &["t"]).await;
    let response = edit(&app, Some(&jake), &slug, json!({})).await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["slug"], slug);
    assert_eq!(article["title"], "Untouched");
    assert_eq!(article["description"], "about it");
    assert_eq!(article["body"], "the body");
    assert_eq!(article["tagList"], json!(["t"]));
}

#[tokio::test]
async fn a_non_author_cannot_update_the_article() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Mine", &["mine"]).await;
    let before = read(&app, &slug, None).await;
    let response = edit(
        &app,
        Some(&anna),
        &slug,
        json!({"title": "Stolen", "body": "defaced"}),
    )
    .await;
    let body = response.assert_problem(403, "forbidden");
    assert!(body.get("errors").is_none(), "{}", response.text);
    let after = read(&app, &slug, None).await;
    assert_eq!(after.body, before.body);
    read(&app, "stolen", None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_non_author_is_refused_before_their_fields_are_validated() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Mine", &[]).await;
    edit(&app, Some(&anna), &slug, json!({"title": ""}))
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn updating_requires_a_valid_token() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Guarded", &[]).await;
    for token in [None, Some("not-a-real-token")] {
        assert_unauthorized(&edit(&app, token, &slug, json!({"title": "Hacked"})).await);
    }
    let response = read(&app, &slug, None).await;
    assert_eq!(
        assert_article(&response, StatusCode::OK)["title"],
        "Guarded"
    );
}

#[tokio::test]
async fn updating_an_unknown_article_is_404() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    edit(&app, Some(&jake), "nothing-here", json!({"title": "x"}))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn blank_fields_in_an_update_are_422_and_change_nothing() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Stable", &["t"]).await;
    let before = read(&app, &slug, None).await;

    let response = edit(&app, Some(&jake), &slug, json!({"title": ""})).await;
    let errors = assert_invalid(&response, &["title"]);
    assert_eq!(errors["title"], json!(["can't be blank"]));

    let response = edit(
        &app,
        Some(&jake),
        &slug,
        json!({"title": "  ", "body": " ", "tagList": [" "], "description": "fine"}),
    )
    .await;
    let errors = assert_invalid(&response, &["body", "tagList", "title"]);
    assert_eq!(errors["body"], json!(["can't be blank"]));
    assert_eq!(response.body["detail"], "3 fields are invalid");

    let after = read(&app, &slug, None).await;
    assert_eq!(after.body, before.body);
}

#[tokio::test]
async fn an_update_without_the_article_wrapper_is_422() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Wrapped", &[]).await;
    let response = app
        .put(
            &format!("/articles/{slug}"),
            Some(&jake),
            json!({"title": "Unwrapped"}),
        )
        .await;
    assert_invalid(&response, &["body"]);
    let response = read(&app, &slug, None).await;
    assert_eq!(
        assert_article(&response, StatusCode::OK)["title"],
        "Wrapped"
    );
}

#[tokio::test]
async fn an_update_keeps_favorites() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Loved", &[]).await;
    assert_article(&favorite(&app, Some(&fan), &slug).await, StatusCode::OK);
    let response = edit(&app, Some(&jake), &slug, json!({"title": "Still loved"})).await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["favoritesCount"], 1);
    assert_eq!(
        article["favorited"], false,
        "the author did not favorite it"
    );
    assert_eq!(
        favorite_state(&app, "still-loved", Some(&fan)).await,
        (json!(true), json!(1))
    );
}

// -------------------------------------------------------------------- deleting

#[tokio::test]
async fn the_author_can_delete_the_article() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Short lived", &["gone"]).await;
    let response = remove(&app, Some(&jake), &slug).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    assert!(response.text.is_empty(), "{}", response.text);
    read(&app, &slug, None)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(article_count(&app).await, 0);
    remove(&app, Some(&jake), &slug)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn deleting_one_article_leaves_the_others() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let doomed = app.publish(&jake, "Doomed", &[]).await;
    let kept = app.publish(&jake, "Kept", &[]).await;
    assert_eq!(
        remove(&app, Some(&jake), &doomed).await.status,
        StatusCode::NO_CONTENT
    );
    assert_article(&read(&app, &kept, None).await, StatusCode::OK);
    assert_eq!(article_count(&app).await, 1);
}

#[tokio::test]
async fn a_non_author_cannot_delete_the_article() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Protected", &[]).await;
    remove(&app, Some(&anna), &slug)
        .await
        .assert_problem(403, "forbidden");
    assert_article(&read(&app, &slug, None).await, StatusCode::OK);
    assert_eq!(article_count(&app).await, 1);
}

#[tokio::test]
async fn deleting_requires_a_valid_token() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Protected", &[]).await;
    for token in [None, Some("not-a-real-token")] {
        assert_unauthorized(&remove(&app, token, &slug).await);
    }
    assert_article(&read(&app, &slug, None).await, StatusCode::OK);
}

#[tokio::test]
async fn deleting_an_unknown_article_is_404() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    remove(&app, Some(&jake), "nothing-here")
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_deleted_articles_slug_can_be_used_again() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Second life", &["old"]).await;
    assert_article(&favorite(&app, Some(&fan), &slug).await, StatusCode::OK);
    assert_eq!(
        remove(&app, Some(&jake), &slug).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.publish(&jake, "Second life", &["new"]).await, slug);
    let response = read(&app, &slug, Some(&fan)).await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["tagList"], json!(["new"]));
    assert_eq!(article["favorited"], false);
    assert_eq!(article["favoritesCount"], 0);
}

#[tokio::test]
async fn a_moderator_may_delete_but_not_edit_someone_elses_article() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let moderator_name = unique_username("mod");
    let moderator = app.register(&moderator_name).await;
    app.grant_role(&moderator_name, "moderator").await;
    let slug = app.publish(&jake, "Reported", &[]).await;
    edit(&app, Some(&moderator), &slug, json!({"body": "rewritten"}))
        .await
        .assert_problem(403, "forbidden");
    let response = remove(&app, Some(&moderator), &slug).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    read(&app, &slug, None)
        .await
        .assert_problem(404, "not_found");
}

// ------------------------------------------------------------------- favorites

#[tokio::test]
async fn favoriting_returns_the_article_favorited_by_the_caller() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Favorite me", &["t"]).await;
    let response = favorite(&app, Some(&fan), &slug).await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["slug"], slug);
    assert_eq!(article["body"], "the body");
    assert_eq!(article["favorited"], true);
    assert_eq!(article["favoritesCount"], 1);
    assert_author(&article["author"], "jake", false);
    assert_eq!(
        article["updatedAt"], article["createdAt"],
        "a favorite is not an edit"
    );
}

#[tokio::test]
async fn favorited_describes_each_viewer_while_the_count_is_shared() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let other = app.register("other").await;
    let slug = app.publish(&jake, "Favorite me", &[]).await;
    assert_article(&favorite(&app, Some(&fan), &slug).await, StatusCode::OK);
    assert_eq!(
        favorite_state(&app, &slug, Some(&fan)).await,
        (json!(true), json!(1))
    );
    for viewer in [None, Some(jake.as_str()), Some(other.as_str())] {
        assert_eq!(
            favorite_state(&app, &slug, viewer).await,
            (json!(false), json!(1))
        );
    }
}

#[tokio::test]
async fn favoriting_twice_counts_once() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Favorite me", &[]).await;
    for _ in 0..2 {
        let response = favorite(&app, Some(&fan), &slug).await;
        let article = assert_article(&response, StatusCode::OK);
        assert_eq!(article["favorited"], true);
        assert_eq!(article["favoritesCount"], 1);
    }
    assert_eq!(
        favorite_state(&app, &slug, None).await,
        (json!(false), json!(1))
    );
}

#[tokio::test]
async fn concurrent_favorites_and_unfavorites_by_one_user_count_once() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Hammered", &[]).await;
    let (a, b, c, d, e) = tokio::join!(
        favorite(&app, Some(&fan), &slug),
        favorite(&app, Some(&fan), &slug),
        favorite(&app, Some(&fan), &slug),
        favorite(&app, Some(&fan), &slug),
        favorite(&app, Some(&fan), &slug),
    );
    for response in [a, b, c, d, e] {
        assert_eq!(assert_article(&response, StatusCode::OK)["favorited"], true);
    }
    assert_eq!(
        favorite_state(&app, &slug, Some(&fan)).await,
        (json!(true), json!(1))
    );
    let (a, b, c, d, e) = tokio::join!(
        unfavorite(&app, Some(&fan), &slug),
        unfavorite(&app, Some(&fan), &slug),
        unfavorite(&app, Some(&fan), &slug),
        unfavorite(&app, Some(&fan), &slug),
        unfavorite(&app, Some(&fan), &slug),
    );
    for response in [a, b, c, d, e] {
        assert_eq!(
            assert_article(&response, StatusCode::OK)["favorited"],
            false
        );
    }
    assert_eq!(
        favorite_state(&app, &slug, Some(&fan)).await,
        (json!(false), json!(0))
    );
}

#[tokio::test]
async fn favorites_of_several_users_add_up() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let first = app.register("first").await;
    let second = app.register("second").await;
    let slug = app.publish(&jake, "Crowd pleaser", &[]).await;
    let (a, b, c) = tokio::join!(
        favorite(&app, Some(&first), &slug),
        favorite(&app, Some(&second), &slug),
        favorite(&app, Some(&jake), &slug),
    );
    for response in [a, b, c] {
        assert_article(&response, StatusCode::OK);
    }
    assert_eq!(
        favorite_state(&app, &slug, None).await,
        (json!(false), json!(3))
    );

    let response = unfavorite(&app, Some(&first), &slug).await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["favorited"], false);
    assert_eq!(article["favoritesCount"], 2);
    assert_eq!(
        favorite_state(&app, &slug, Some(&first)).await,
        (json!(false), json!(2))
    );
    assert_eq!(
        favorite_state(&app, &slug, Some(&second)).await,
        (json!(true), json!(2))
    );
    assert_eq!(
        favorite_state(&app, &slug, Some(&jake)).await,
        (json!(true), json!(2))
    );
}

#[tokio::test]
async fn unfavoriting_is_idempotent() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Fickle", &[]).await;
    assert_article(&favorite(&app, Some(&fan), &slug).await, StatusCode::OK);
    for _ in 0..2 {
        let response = unfavorite(&app, Some(&fan), &slug).await;
        let article = assert_article(&response, StatusCode::OK);
        assert_eq!(article["favorited"], false);
        assert_eq!(article["favoritesCount"], 0);
    }
    let response = favorite(&app, Some(&fan), &slug).await;
    assert_eq!(
        assert_article(&response, StatusCode::OK)["favoritesCount"],
        1
    );
}

#[tokio::test]
async fn unfavoriting_an_article_never_favorited_is_fine() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let other = app.register("other").await;
    let slug = app.publish(&jake, "Ignored", &[]).await;
    assert_article(&favorite(&app, Some(&other), &slug).await, StatusCode::OK);
    let response = unfavorite(&app, Some(&fan), &slug).await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["favorited"], false);
    assert_eq!(article["favoritesCount"], 1, "other's favorite is intact");
    assert_eq!(
        favorite_state(&app, &slug, Some(&other)).await,
        (json!(true), json!(1))
    );
}

#[tokio::test]
async fn favoriting_an_unknown_article_is_404() {
    let app = spawn_app().await;
    let fan = app.register("fan").await;
    favorite(&app, Some(&fan), "nothing-here")
        .await
        .assert_problem(404, "not_found");
    unfavorite(&app, Some(&fan), "nothing-here")
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn favoriting_requires_a_valid_token() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Guarded", &[]).await;
    for token in [None, Some("not-a-real-token")] {
        assert_unauthorized(&favorite(&app, token, &slug).await);
        assert_unauthorized(&unfavorite(&app, token, &slug).await);
    }
    assert_eq!(
        favorite_state(&app, &slug, None).await,
        (json!(false), json!(0))
    );
}

#[tokio::test]
async fn favoriting_ignores_a_stray_body() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Body proof", &[]).await;
    let response = app
        .post(
            &format!("/articles/{slug}/favorite"),
            Some(&jake),
            json!({"article": {"title": "Changed", "favoritesCount": 99}}),
        )
        .await;
    let article = assert_article(&response, StatusCode::OK);
    assert_eq!(article["title"], "Body proof");
    assert_eq!(article["favorited"], true);
    assert_eq!(article["favoritesCount"], 1);
}

#[tokio::test]
async fn deleting_a_favorited_article_removes_it_from_favorites() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Fleeting", &[]).await;
    assert_article(&favorite(&app, Some(&fan), &slug).await, StatusCode::OK);
    assert_eq!(
        remove(&app, Some(&jake), &slug).await.status,
        StatusCode::NO_CONTENT
    );
    let list = app.get("/articles?favorited=fan", None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["articlesCount"], 0, "{}", list.text);
    favorite(&app, Some(&fan), &slug)
        .await
        .assert_problem(404, "not_found");
}

// ------------------------------------------------------ base paths and schemes

#[tokio::test]
async fn the_api_alias_serves_the_same_article() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Two doors", &["x"]).await;
    let v1 = read(&app, &slug, Some(&jake)).await;
    let response = app
        .client
        .get(app.url(&format!("/api/articles/{slug}")))
        .header("Content-Type", "application/json")
        .header("Authorization", format!("Token {jake}"))
        .send()
        .await
        .expect("request reaches the server");
    let alias = TestApp::read(response).await;
    assert_article(&alias, StatusCode::OK);
    assert_eq!(alias.body, v1.body);
}

#[tokio::test]
async fn articles_can_be_written_through_the_api_alias() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let response = app
        .client
        .post(app.url("/api/articles"))
        .header("Content-Type", "application/json")
        .header("Authorization", format!("Token {jake}"))
        .body(json!({ "article": draft("Via the alias") }).to_string())
        .send()
        .await
        .expect("request reaches the server");
    let created = TestApp::read(response).await;
    assert_eq!(
        assert_article(&created, StatusCode::CREATED)["slug"],
        "via-the-alias"
    );
    let response = app
        .client
        .post(app.url("/api/articles/via-the-alias/favorite"))
        .header("Content-Type", "application/json")
        .header("Authorization", format!("Token {fan}"))
        .send()
        .await
        .expect("request reaches the server");
    assert_article(&TestApp::read(response).await, StatusCode::OK);
    assert_eq!(
        favorite_state(&app, "via-the-alias", Some(&fan)).await,
        (json!(true), json!(1))
    );
    let response = app
        .client
        .delete(app.url("/api/articles/via-the-alias"))
        .header("Content-Type", "application/json")
        .header("Authorization", format!("Token {jake}"))
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    read(&app, "via-the-alias", None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_bearer_token_works_for_every_article_action() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let bearer = format!("Bearer {jake}");
    let send = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut request = app
            .client
            .request(method, app.url(&format!("/api/v1{path}")))
            .header("Content-Type", "application/json")
            .header("Authorization", bearer.as_str());
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        async move { TestApp::read(request.send().await.expect("request reaches the server")).await }
    };
    let created = send(
        reqwest::Method::POST,
        "/articles",
        Some(json!({ "article": draft("Bearer") })),
    )
    .await;
    assert_author(
        &assert_article(&created, StatusCode::CREATED)["author"],
        "jake",
        false,
    );
    let updated = send(
        reqwest::Method::PUT,
        "/articles/bearer",
        Some(json!({"article": {"body": "edited"}})),
    )
    .await;
    assert_eq!(assert_article(&updated, StatusCode::OK)["body"], "edited");
    let favorited = send(reqwest::Method::POST, "/articles/bearer/favorite", None).await;
    assert_eq!(
        assert_article(&favorited, StatusCode::OK)["favorited"],
        true
    );
    let fetched = send(reqwest::Method::GET, "/articles/bearer", None).await;
    assert_eq!(assert_article(&fetched, StatusCode::OK)["favorited"], true);
    let deleted = send(reqwest::Method::DELETE, "/articles/bearer", None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
}

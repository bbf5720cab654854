//! The tags in use: distinct, most used first, gone when no article uses them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Response, TestApp, spawn_app};

async fn tags(app: &TestApp, token: Option<&str>) -> Response {
    app.get("/tags", token).await
}

/// Asserts a 200 `{"tags": [...]}` with exactly `expected`, in that order.
#[track_caller]
fn assert_tags(response: &Response, expected: &[&str]) {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{}",
        response.text
    );
    assert_eq!(
        response.body,
        json!({ "tags": expected }),
        "{}",
        response.text
    );
}

async fn retag(app: &TestApp, token: &str, slug: &str, tags: &[&str]) {
    let response = app
        .put(
            &format!("/articles/{slug}"),
            Some(token),
            json!({"article": {"tagList": tags}}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

async fn delete_article(app: &TestApp, token: &str, slug: &str) {
    let response = app.delete(&format!("/articles/{slug}"), Some(token)).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
}

#[tokio::test]
async fn there_are_no_tags_before_any_article() {
    let app = spawn_app().await;
    let response = tags(&app, None).await;
    assert_tags(&response, &[]);
    assert_eq!(response.text, r#"{"tags":[]}"#);
}

#[tokio::test]
async fn articles_without_tags_add_no_tags() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "Untagged", &[]).await;
    assert_tags(&tags(&app, None).await, &[]);
}

#[tokio::test]
async fn each_tag_is_listed_once() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    app.publish(&jake, "One", &["rust", "web"]).await;
    app.publish(&jane, "Two", &["web", "rust"]).await;
    app.publish(&jake, "Three", &["rust", "rust", " rust "])
        .await;
    assert_tags(&tags(&app, None).await, &["rust", "web"]);
}

#[tokio::test]
async fn tags_are_listed_most_used_first_then_by_name() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "A", &["zebra", "rust", "diesel"]).await;
    app.publish(&jake, "B", &["rust", "actix"]).await;
    app.publish(&jake, "C", &["rust", "diesel", "actix"]).await;
    app.publish(&jake, "D", &["alpha", "mango"]).await;
    assert_tags(
        &tags(&app, None).await,
        &["rust", "actix", "diesel", "alpha", "mango", "zebra"],
    );
}

#[tokio::test]
async fn a_tag_repeated_within_one_article_counts_once() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "Once", &["beta"]).await;
    app.publish(&jake, "Twice", &["beta"]).await;
    app.publish(&jake, "Repeats", &["alpha", "alpha", "alpha"])
        .await;
    assert_tags(&tags(&app, None).await, &["beta", "alpha"]);
}

#[tokio::test]
async fn tags_of_a_deleted_article_disappear() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let kept = app.publish(&jake, "Kept", &["shared"]).await;
    let gone = app.publish(&jake, "Gone", &["shared", "only-here"]).await;
    assert_tags(&tags(&app, None).await, &["shared", "only-here"]);

    delete_article(&app, &jake, &gone).await;
    assert_tags(&tags(&app, None).await, &["shared"]);
    delete_article(&app, &jake, &kept).await;
    assert_tags(&tags(&app, None).await, &[]);
}

#[tokio::test]
async fn deleting_an_article_reorders_tags_by_their_new_popularity() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "One", &["beta"]).await;
    let first = app.publish(&jake, "Two", &["alpha", "beta"]).await;
    app.publish(&jake, "Three", &["alpha"]).await;
    app.publish(&jake, "Four", &["alpha"]).await;
    assert_tags(&tags(&app, None).await, &["alpha", "beta"]);
    delete_article(&app, &jake, &first).await;
    app.publish(&jake, "Five", &["beta"]).await;
    app.publish(&jake, "Six", &["beta"]).await;
    assert_tags(&tags(&app, None).await, &["beta", "alpha"]);
}

#[tokio::test]
async fn tags_removed_by_an_edit_disappear() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Retagged", &["old", "kept"]).await;
    retag(&app, &jake, &slug, &["kept", "new"]).await;
    assert_tags(&tags(&app, None).await, &["kept", "new"]);
    retag(&app, &jake, &slug, &[]).await;
    assert_tags(&tags(&app, None).await, &[]);
}

#[tokio::test]
async fn tags_are_the_same_for_anonymous_and_signed_in_callers() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    app.publish(&jake, "One", &["dragons", "training"]).await;
    app.publish(&jane, "Two", &["training"]).await;
    let expected = ["training", "dragons"];
    assert_tags(&tags(&app, None).await, &expected);
    assert_tags(&tags(&app, Some(&jake)).await, &expected);
    assert_tags(&tags(&app, Some(&jane)).await, &expected);
}

#[tokio::test]
async fn tags_keep_their_spelling() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "One", &["machine learning", "c++", "Ünïcödé"])
        .await;
    app.publish(&jake, "Two", &["machine learning", "c++"])
        .await;
    app.publish(&jake, "Three", &["machine learning"]).await;
    assert_tags(
        &tags(&app, None).await,
        &["machine learning", "c++", "Ünïcödé"],
    );
}

#[tokio::test]
async fn head_on_tags_is_200_without_a_body() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "Tagged", &["rust"]).await;
    let response = app.send(Method::HEAD, "/tags", None, None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.text, "");
    assert_eq!(response.body, Value::Null);
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{:?}",
        response.headers
    );
}

#[tokio::test]
async fn the_api_prefix_lists_the_same_tags() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "Tagged", &["rust", "web"]).await;
    let response = app
        .client
        .get(app.url("/api/tags"))
        .send()
        .await
        .expect("request reaches the server");
    assert_tags(&TestApp::read(response).await, &["rust", "web"]);
}

#[tokio::test]
async fn tags_refuse_other_methods_with_405() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let response = app
        .post("/tags", Some(&jake), json!({"tags": ["sneaky"]}))
        .await;
    response.assert_problem(405, "method_not_allowed");
    let response = app.delete("/tags", Some(&jake)).await;
    response.assert_problem(405, "method_not_allowed");
    assert_tags(&tags(&app, None).await, &[]);
}

/// Tags whose stored count differs from their number of article links.
async fn miscounted_tags(app: &TestApp) -> Vec<String> {
    let rows = app
        .database()
        .await
        .query(
            "SELECT t.name FROM tags t \
             WHERE t.article_count <> (SELECT count(*) FROM article_tags l WHERE l.tag_id = t.id)",
            &[],
        )
        .await
        .expect("query the counts");
    rows.iter().map(|row| row.get(0)).collect()
}

#[tokio::test]
async fn stored_tag_counts_follow_publishing_editing_and_deleting() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let first = app.publish(&token, "First", &["a", "b"]).await;
    let second = app.publish(&token, "Second", &["b", "c"]).await;
    assert!(miscounted_tags(&app).await.is_empty());

    retag(&app, &token, &first, &["c", "d"]).await;
    assert!(miscounted_tags(&app).await.is_empty());
    assert_tags(&tags(&app, None).await, &["c", "b", "d"]);

    delete_article(&app, &token, &second).await;
    assert!(miscounted_tags(&app).await.is_empty());
    assert_tags(&tags(&app, None).await, &["c", "d"]);

    let unused: i64 = app
        .database()
        .await
        .query_one(
            "SELECT count(*) FROM tags WHERE article_count = 0 AND name IN ('a', 'b')",
            &[],
        )
        .await
        .expect("count unused tags")
        .get(0);
    assert_eq!(
        unused, 2,
        "tags without articles stay, uncounted and unlisted"
    );
}

#[tokio::test]
async fn concurrent_publishes_sharing_tags_all_count() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let publishes = (0..8).map(|n| {
        let tags: &[&str] = if n % 2 == 0 { &["x", "y"] } else { &["y", "x"] };
        app.post(
            "/articles",
            Some(&token),
            json!({"article": {"title": format!("Parallel {n}"), "description": "d", "body": "b", "tagList": tags}}),
        )
    });
    for response in futures_util::future::join_all(publishes).await {
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    }

    assert!(miscounted_tags(&app).await.is_empty());
    let counts = app
        .database()
        .await
        .query("SELECT article_count FROM tags ORDER BY name", &[])
        .await
        .expect("read the counts");
    let counts: Vec<i32> = counts.iter().map(|row| row.get(0)).collect();
    assert_eq!(counts, [8, 8]);
}

#[tokio::test]
async fn concurrent_edits_publishes_and_deletions_sharing_tags_all_succeed() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    for round in 0..3 {
        let edited = app
            .publish(&token, &format!("Edited {round}"), &["a"])
            .await;
        let deleted = app
            .publish(&token, &format!("Deleted {round}"), &["b", "c"])
            .await;
        let edit_path = format!("/articles/{edited}");
        let delete_path = format!("/articles/{deleted}");
        let edit = app.put(
            &edit_path,
            Some(&token),
            json!({"article": {"tagList": ["c", "b", "a"]}}),
        );
        let deletion = app.delete(&delete_path, Some(&token));
        let publishes = (0..4).map(|n| {
            let tags: &[&str] = if n % 2 == 0 { &["c", "a"] } else { &["a", "b", "c"] };
            app.post(
                "/articles",
                Some(&token),
                json!({"article": {"title": format!("Round {round} {n}"), "description": "d", "body": "b", "tagList": tags}}),
            )
        });
        let (edited, deleted, published) =
            tokio::join!(edit, deletion, futures_util::future::join_all(publishes));

        assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
        for response in published {
            assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        }
        assert!(miscounted_tags(&app).await.is_empty());
    }
}

//! The content cache: repeated reads skip PostgreSQL, and every write that changes
//! what a reader sees is visible on the very next read.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::event_stream::cache_consumers_caught_up;
use crate::support::{TestApp, redis_keys, spawn_app, spawn_app_with};

/// Reads `path` twice anonymously; returns the queries of the second read.
async fn second_read_queries(app: &TestApp, path: &str) -> u32 {
    let first = app.get(path, None).await;
    assert_eq!(first.status, StatusCode::OK, "{path}: {}", first.text);
    let second = app.get(path, None).await;
    assert_eq!(second.body, first.body, "{path}");
    second.query_count()
}

#[tokio::test]
async fn repeated_anonymous_reads_are_served_without_queries() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Cached", &["warm"]).await;
    // The event consumer bumps the versions again after the writer did; a cache
    // hit is only certain once it has.
    cache_consumers_caught_up(&app).await;

    for path in [
        format!("/articles/{slug}"),
        "/articles".to_owned(),
        "/articles?tag=warm".to_owned(),
        "/articles?author=JAKE".to_owned(),
        "/tags".to_owned(),
        "/profiles/jake".to_owned(),
    ] {
        assert_eq!(second_read_queries(&app, &path).await, 0, "{path}");
    }
}

#[tokio::test]
async fn later_pages_and_favorited_filters_are_not_cached() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    app.publish(&token, "One", &[]).await;

    assert!(second_read_queries(&app, "/articles?offset=1").await > 0);
    assert!(second_read_queries(&app, "/articles?favorited=jake").await > 0);
}

#[tokio::test]
async fn without_the_cache_every_read_queries_the_database() {
    let app = spawn_app_with(&[("FOLIO_CACHE", "off")]).await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Uncached", &[]).await;

    assert!(second_read_queries(&app, &format!("/articles/{slug}")).await > 0);
    assert!(second_read_queries(&app, "/tags").await > 0);
}

#[tokio::test]
async fn an_edit_shows_at_once_under_the_new_slug_and_the_old_one_is_gone() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Before", &["a"]).await;
    second_read_queries(&app, &format!("/articles/{slug}")).await;
    second_read_queries(&app, "/articles").await;
    second_read_queries(&app, "/tags").await;

    let edited = app
        .put(
            &format!("/articles/{slug}"),
            Some(&token),
            json!({"article": {"title": "After", "tagList": ["b"]}}),
        )
        .await;
    let new_slug = edited.body["article"]["slug"].as_str().expect("slug");

    app.get(&format!("/articles/{slug}"), None)
        .await
        .assert_problem(404, "not_found");
    let article = app.get(&format!("/articles/{new_slug}"), None).await;
    assert_eq!(article.body["article"]["title"], "After");
    let list = app.get("/articles", None).await;
    assert_eq!(list.body["articles"][0]["title"], "After");
    assert_eq!(list.body["articles"][0]["tagList"], json!(["b"]));
    assert_eq!(app.get("/tags", None).await.body, json!({"tags": ["b"]}));
}

#[tokio::test]
async fn a_body_edit_shows_at_once_under_the_same_slug() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Same title", &[]).await;
    second_read_queries(&app, &format!("/articles/{slug}")).await;

    app.put(
        &format!("/articles/{slug}"),
        Some(&token),
        json!({"article": {"body": "rewritten"}}),
    )
    .await;

    let article = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(article.body["article"]["body"], "rewritten");
}

#[tokio::test]
async fn a_deletion_shows_at_once_in_the_article_the_lists_and_the_tags() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let keep = app.publish(&token, "Keep", &["stays"]).await;
    let gone = app.publish(&token, "Gone", &["goes"]).await;
    second_read_queries(&app, &format!("/articles/{gone}")).await;
    second_read_queries(&app, "/articles").await;
    second_read_queries(&app, "/articles?tag=goes").await;
    second_read_queries(&app, "/tags").await;

    app.delete(&format!("/articles/{gone}"), Some(&token)).await;

    app.get(&format!("/articles/{gone}"), None)
        .await
        .assert_problem(404, "not_found");
    let list = app.get("/articles", None).await;
    assert_eq!(list.body["articlesCount"], 1);
    assert_eq!(list.body["articles"][0]["slug"], keep.as_str());
    assert_eq!(
        app.get("/articles?tag=goes", None).await.body["articlesCount"],
        0
    );
    assert_eq!(
        app.get("/tags", None).await.body,
        json!({"tags": ["stays"]})
    );
}

#[tokio::test]
async fn a_new_article_shows_at_once_in_the_lists_and_the_tags() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    app.publish(&token, "First", &["old"]).await;
    second_read_queries(&app, "/articles").await;
    second_read_queries(&app, "/tags").await;

    app.publish(&token, "Second", &["new"]).await;

    let list = app.get("/articles", None).await;
    assert_eq!(list.body["articlesCount"], 2);
    assert_eq!(list.body["articles"][0]["title"], "Second");
    assert_eq!(
        app.get("/tags", None).await.body,
        json!({"tags": ["new", "old"]})
    );
}

#[tokio::test]
async fn favorites_show_at_once_in_counts_and_per_viewer() {
    let app = spawn_app().await;
    let author = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&author, "Liked", &[]).await;
    second_read_queries(&app, &format!("/articles/{slug}")).await;
    second_read_queries(&app, "/articles").await;

    app.post(&format!("/articles/{slug}/favorite"), Some(&fan), json!({}))
        .await;

    let anonymous = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(anonymous.body["article"]["favoritesCount"], 1);
    assert_eq!(anonymous.body["article"]["favorited"], false);
    let list = app.get("/articles", None).await;
    assert_eq!(list.body["articles"][0]["favoritesCount"], 1);
    let as_fan = app.get("/articles", Some(&fan)).await;
    assert_eq!(as_fan.body["articles"][0]["favorited"], true);
    let as_author = app.get("/articles", Some(&author)).await;
    assert_eq!(as_author.body["articles"][0]["favorited"], false);

    app.delete(&format!("/articles/{slug}/favorite"), Some(&fan))
        .await;
    let after = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(after.body["article"]["favoritesCount"], 0);
}

#[tokio::test]
async fn a_profile_change_shows_at_once_in_the_profile_and_every_article() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "By jake", &[]).await;
    second_read_queries(&app, "/profiles/jake").await;
    second_read_queries(&app, &format!("/articles/{slug}")).await;
    second_read_queries(&app, "/articles").await;

    app.put(
        "/user",
        Some(&token),
        json!({"user": {"username": "jacob", "bio": "new bio"}}),
    )
    .await;

    app.get("/profiles/jake", None)
        .await
        .assert_problem(404, "not_found");
    let profile = app.get("/profiles/jacob", None).await;
    assert_eq!(profile.body["profile"]["bio"], "new bio");
    let article = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(article.body["article"]["author"]["username"], "jacob");
    assert_eq!(article.body["article"]["author"]["bio"], "new bio");
    let list = app.get("/articles", None).await;
    assert_eq!(list.body["articles"][0]["author"]["bio"], "new bio");
}

#[tokio::test]
async fn following_shows_at_once_for_the_follower_only() {
    let app = spawn_app().await;
    app.register("jake").await;
    let reader = app.register("reader").await;
    second_read_queries(&app, "/profiles/jake").await;

    app.post("/profiles/jake/follow", Some(&reader), json!({}))
        .await;

    let as_reader = app.get("/profiles/jake", Some(&reader)).await;
    assert_eq!(as_reader.body["profile"]["following"], true);
    let anonymous = app.get("/profiles/jake", None).await;
    assert_eq!(anonymous.body["profile"]["following"], false);
}

#[tokio::test]
async fn signed_in_readers_share_the_cached_page_and_add_only_their_own_facts() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    for n in 0..5 {
        app.publish(&token, &format!("Article {n}"), &[]).await;
    }
    cache_consumers_caught_up(&app).await;
    app.get("/user", Some(&token)).await;
    app.get("/articles", None).await;

    let signed_in = app.get("/articles", Some(&token)).await;

    assert_eq!(signed_in.body["articles"].as_array().map(Vec::len), Some(5));
    assert_eq!(signed_in.query_count(), 1, "one batched viewer-facts query");
}

#[tokio::test]
async fn a_reused_rendering_matches_the_request_it_answers() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Rendered", &["r"]).await;
    app.post(
        &format!("/articles/{slug}/favorite"),
        Some(&token),
        json!({}),
    )
    .await;
    for _ in 0..3 {
        app.get("/articles", None).await;
    }

    let trimmed = app.get("/articles?fields=slug", None).await;
    assert_eq!(
        trimmed.body,
        json!({"articles": [{"slug": slug}], "articlesCount": 1})
    );
    let other_limit = app.get("/articles?limit=1", None).await;
    assert_eq!(other_limit.body["articles"][0]["slug"], slug.as_str());
    let as_author = app.get("/articles", Some(&token)).await;
    assert_eq!(as_author.body["articles"][0]["favorited"], true);
    let anonymous = app.get("/articles", None).await;
    assert_eq!(anonymous.body["articles"][0]["favorited"], false);
    assert_eq!(anonymous.body["articles"][0]["favoritesCount"], 1);
    assert_eq!(
        anonymous.header("content-type"),
        Some("application/json"),
        "{:?}",
        anonymous.headers
    );
    let etag = anonymous.header("etag").expect("etag").to_owned();
    let again = app
        .client
        .get(app.url("/api/v1/articles"))
        .header("If-None-Match", etag.as_str())
        .send()
        .await
        .expect("revalidate");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

/// The feed's slugs as `reader` sees them, and the queries it took.
async fn feed_of(app: &TestApp, reader: &str) -> (Vec<String>, u32) {
    let feed = app.get("/articles/feed", Some(reader)).await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.text);
    let slugs = feed.body["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .map(|article| article["slug"].as_str().expect("slug").to_owned())
        .collect();
    (slugs, feed.query_count())
}

#[tokio::test]
async fn a_repeated_feed_read_adds_only_the_readers_own_facts() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let reader = app.register("reader").await;
    app.post("/profiles/jake/follow", Some(&reader), json!({}))
        .await;
    let slug = app.publish(&jake, "Followed", &[]).await;
    app.get("/user", Some(&reader)).await;
    // The event consumer bumps the feeds' version again after the writer did; a
    // cache hit is only certain once it has.
    cache_consumers_caught_up(&app).await;

    let (first, _) = feed_of(&app, &reader).await;
    let (second, queries) = feed_of(&app, &reader).await;

    assert_eq!(first, std::slice::from_ref(&slug));
    assert_eq!(second, [slug]);
    assert_eq!(queries, 1, "one batched viewer-facts query");
}

#[tokio::test]
async fn a_feed_shows_at_once_follows_unfollows_and_new_articles() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let reader = app.register("reader").await;
    let other_reader = app.register("other").await;
    let first = app.publish(&jake, "First", &[]).await;
    feed_of(&app, &reader).await;
    assert_eq!(feed_of(&app, &reader).await.0, Vec::<String>::new());

    app.post("/profiles/jake/follow", Some(&reader), json!({}))
        .await;
    assert_eq!(feed_of(&app, &reader).await.0, std::slice::from_ref(&first));
    assert_eq!(
        feed_of(&app, &other_reader).await.0,
        Vec::<String>::new(),
        "feeds are per reader"
    );

    let second = app.publish(&jake, "Second", &[]).await;
    assert_eq!(
        feed_of(&app, &reader).await.0,
        [second.clone(), first.clone()]
    );

    app.post(
        &format!("/articles/{first}/favorite"),
        Some(&other_reader),
        json!({}),
    )
    .await;
    let feed = app.get("/articles/feed", Some(&reader)).await;
    assert_eq!(feed.body["articles"][1]["favoritesCount"], 1);

    app.delete(&format!("/articles/{second}"), Some(&jake))
        .await;
    assert_eq!(feed_of(&app, &reader).await.0, [first]);

    app.delete("/profiles/jake/follow", Some(&reader)).await;
    assert_eq!(feed_of(&app, &reader).await.0, Vec::<String>::new());
}

#[tokio::test]
async fn with_redis_unreachable_reads_and_writes_still_work() {
    let app = spawn_app_with(&[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Offline cache", &["x"]).await;
    app.get(&format!("/articles/{slug}"), None).await;

    app.put(
        &format!("/articles/{slug}"),
        Some(&token),
        json!({"article": {"body": "still editable"}}),
    )
    .await;

    let article = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(article.status, StatusCode::OK, "{}", article.text);
    assert_eq!(article.body["article"]["body"], "still editable");
    assert_eq!(app.get("/tags", None).await.body, json!({"tags": ["x"]}));
}

/// The remaining time to live of a Redis key under this test's prefix.
async fn ttl_of(app: &TestApp, name: &str) -> i64 {
    let mut connection = redis_keys::connect().await.expect("connect to Redis");
    redis::cmd("TTL")
        .arg(format!("{}{name}", app.redis_prefix()))
        .query_async(&mut connection)
        .await
        .expect("read the TTL")
}

#[tokio::test]
async fn shared_versions_never_expire_and_entry_versions_do() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Versioned", &["v"]).await;
    app.put(
        &format!("/articles/{slug}"),
        Some(&token),
        json!({"article": {"body": "again"}}),
    )
    .await;

    // -1: the key exists without an expiry; a positive number: it expires.
    assert_eq!(ttl_of(&app, "content:lists:version").await, -1);
    assert_eq!(ttl_of(&app, "content:feeds:version").await, -1);
    assert_eq!(ttl_of(&app, "content:tags:version").await, -1);
    let article_version = ttl_of(&app, &format!("content:article:{slug}:version")).await;
    assert!(article_version > 0, "{article_version}");
}

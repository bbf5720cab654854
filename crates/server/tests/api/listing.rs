//! Article lists and the feed: order, pagination, filters, viewer facts, and the
//! number of SQL statements each list costs.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_postgres::NoTls;

use crate::support::{Response, TestApp, admin_database_url, spawn_app, spawn_app_with};

const LIST_ITEM_KEYS: [&str; 10] = [
    "author",
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

const AUTHOR_KEYS: [&str; 4] = ["bio", "following", "image", "username"];

/// A list endpoint may cost a few statements (session, count, page, tags, viewer
/// facts), never one per item.
const MAX_LIST_QUERIES: u32 = 8;

// ---------------------------------------------------------------- helpers

async fn list(app: &TestApp, query: &str, token: Option<&str>) -> Response {
    app.get(&format!("/articles{query}"), token).await
}

async fn feed(app: &TestApp, query: &str, token: Option<&str>) -> Response {
    app.get(&format!("/articles/feed{query}"), token).await
}

async fn follow(app: &TestApp, token: &str, username: &str) {
    let response = app
        .post(
            &format!("/profiles/{username}/follow"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

async fn unfollow(app: &TestApp, token: &str, username: &str) {
    let response = app
        .delete(&format!("/profiles/{username}/follow"), Some(token))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

async fn favorite(app: &TestApp, token: &str, slug: &str) {
    let response = app
        .post(
            &format!("/articles/{slug}/favorite"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

async fn delete_article(app: &TestApp, token: &str, slug: &str) {
    let response = app.delete(&format!("/articles/{slug}"), Some(token)).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
}

/// Publishes `count` articles titled `{prefix} {i}` (oldest first) and returns
/// their slugs newest first, the order lists show them in.
async fn publish_many(
    app: &TestApp,
    token: &str,
    prefix: &str,
    count: usize,
    tags: &[&str],
) -> Vec<String> {
    let mut slugs = Vec::with_capacity(count);
    for i in 0..count {
        slugs.push(app.publish(token, &format!("{prefix} {i}"), tags).await);
    }
    slugs.reverse();
    slugs
}

fn sorted_keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn is_rfc3339_millis_utc(value: &Value) -> bool {
    value.as_str().is_some_and(|text| {
        let bytes = text.as_bytes();
        text.len() == 24
            && text.ends_with('Z')
            && bytes[10] == b'T'
            && bytes[19] == b'.'
            && bytes[20..23].iter().all(u8::is_ascii_digit)
    })
}

#[track_caller]
fn assert_list_item(item: &Value, text: &str) {
    assert_eq!(sorted_keys(item), LIST_ITEM_KEYS, "{text}");
    assert_eq!(sorted_keys(&item["author"]), AUTHOR_KEYS, "{text}");
    assert!(item["favoritesCount"].is_u64(), "{text}");
    assert!(item["favorited"].is_boolean(), "{text}");
    assert!(item["author"]["following"].is_boolean(), "{text}");
    assert!(is_rfc3339_millis_utc(&item["createdAt"]), "{text}");
    assert!(is_rfc3339_millis_utc(&item["updatedAt"]), "{text}");
    let tags: Vec<&str> = item["tagList"]
        .as_array()
        .expect("a tag list")
        .iter()
        .map(|tag| tag.as_str().expect("a tag name"))
        .collect();
    let mut sorted = tags.clone();
    sorted.sort_unstable();
    assert_eq!(tags, sorted, "tags are sorted: {text}");
}

/// Asserts a well-formed 200 `{"articles", "articlesCount"}` and returns the items.
#[track_caller]
fn assert_page(response: &Response) -> &Vec<Value> {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{}",
        response.text
    );
    assert_eq!(
        sorted_keys(&response.body),
        ["articles", "articlesCount"],
        "{}",
        response.text
    );
    assert!(response.body["articlesCount"].is_u64(), "{}", response.text);
    let articles = response.body["articles"].as_array().expect("articles");
    for item in articles {
        assert_list_item(item, &response.text);
    }
    let created: Vec<&str> = articles
        .iter()
        .map(|a| a["createdAt"].as_str().expect("createdAt"))
        .collect();
    assert!(
        created.windows(2).all(|pair| pair[0] >= pair[1]),
        "newest first: {}",
        response.text
    );
    articles
}

/// The slugs of a page, after checking its shape and its total count.
#[track_caller]
fn page_slugs(response: &Response, total: u64) -> Vec<String> {
    let articles = assert_page(response);
    assert_eq!(response.body["articlesCount"], total, "{}", response.text);
    articles
        .iter()
        .map(|a| a["slug"].as_str().expect("slug").to_owned())
        .collect()
}

#[track_caller]
fn assert_empty_list(response: &Response) {
    assert_page(response);
    assert_eq!(
        response.body,
        json!({"articles": [], "articlesCount": 0}),
        "{}",
        response.text
    );
}

fn item<'a>(response: &'a Response, slug: &str) -> &'a Value {
    response.body["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .find(|a| a["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} is listed: {}", response.text))
}

#[track_caller]
fn assert_invalid_page(response: &Response, errors: Value) {
    let body = response.assert_problem(422, "validation_failed");
    assert_eq!(body["errors"], errors, "{}", response.text);
}

/// Walks a list `limit` at a time and returns every slug seen, in order.
async fn walk(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    limit: usize,
    total: u64,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let paged = format!(
            "{}&offset={offset}",
            with_limit(path, u32::try_from(limit).unwrap())
        );
        let response = app.get(&paged, token).await;
        let slugs = page_slugs(&response, total);
        assert!(slugs.len() <= limit, "{}", response.text);
        if slugs.is_empty() {
            return seen;
        }
        offset += slugs.len();
        seen.extend(slugs);
    }
}

// ---------------------------------------------------------------- order and shape

#[tokio::test]
async fn an_empty_site_lists_no_articles() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    assert_empty_list(&list(&app, "", None).await);
    assert_empty_list(&list(&app, "", Some(&token)).await);
    assert_empty_list(&list(&app, "?limit=5&offset=10", None).await);
}

#[tokio::test]
async fn articles_are_listed_newest_first_with_the_total_count() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let first = app.publish(&jake, "First", &[]).await;
    let second = app.publish(&jane, "Second", &[]).await;
    let third = app.publish(&jake, "Third", &[]).await;
    let response = list(&app, "", None).await;
    assert_eq!(
        page_slugs(&response, 3),
        [third.as_str(), second.as_str(), first.as_str()]
    );
}

#[tokio::test]
async fn list_items_have_every_key_but_the_body() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app
        .publish(&jake, "How to train your dragon", &["training", "dragons"])
        .await;
    let single = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(single.status, StatusCode::OK, "{}", single.text);

    let response = list(&app, "", None).await;
    assert_eq!(page_slugs(&response, 1), [slug.as_str()]);
    let listed = item(&response, &slug);
    assert!(listed.get("body").is_none(), "{}", response.text);
    assert!(!response.text.contains("the body"), "{}", response.text);
    let mut expected = single.body["article"].clone();
    expected.as_object_mut().expect("article").remove("body");
    assert_eq!(
        *listed, expected,
        "a list item is the article minus its body"
    );
    assert_eq!(listed["title"], "How to train your dragon");
    assert_eq!(listed["description"], "about it");
    assert_eq!(listed["tagList"], json!(["dragons", "training"]));
    assert_eq!(listed["favoritesCount"], 0);
    assert_eq!(
        listed["author"],
        json!({"username": "jake", "bio": null, "image": null, "following": false})
    );
}

#[tokio::test]
async fn the_api_prefix_lists_the_same_articles() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "Aliased", &["x"]).await;
    let canonical = list(&app, "?tag=x", None).await;
    let response = app
        .client
        .get(app.url("/api/articles?tag=x"))
        .header("Content-Type", "application/json")
        .send()
        .await
        .expect("request reaches the server");
    let alias = TestApp::read(response).await;
    page_slugs(&alias, 1);
    assert_eq!(alias.body, canonical.body);
}

// ---------------------------------------------------------------- pagination

#[tokio::test]
async fn limit_defaults_to_20_and_offset_to_0() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slugs = publish_many(&app, &jake, "Post", 23, &[]).await;
    let response = list(&app, "", None).await;
    assert_eq!(page_slugs(&response, 23), slugs[..20]);
    let response = list(&app, "?offset=20", None).await;
    assert_eq!(page_slugs(&response, 23), slugs[20..]);
    let response = list(&app, "?limit=5", None).await;
    assert_eq!(page_slugs(&response, 23), slugs[..5]);
}

#[tokio::test]
async fn limit_and_offset_select_a_window_while_the_count_stays_total() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slugs = publish_many(&app, &jake, "Post", 7, &[]).await;
    for (limit, offset) in [(1, 0), (2, 0), (3, 2), (2, 5), (5, 4), (7, 0), (1, 6)] {
        let response = list(&app, &format!("?limit={limit}&offset={offset}"), None).await;
        let end = (offset + limit).min(slugs.len());
        assert_eq!(
            page_slugs(&response, 7),
            slugs[offset..end],
            "limit={limit} offset={offset}"
        );
    }
}

#[tokio::test]
async fn an_offset_past_the_end_gives_an_empty_page_with_the_total_count() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "One", &[]).await;
    app.publish(&jake, "Two", &[]).await;
    for query in ["?offset=2", "?offset=3&limit=1", "?offset=10000"] {
        let response = list(&app, query, None).await;
        assert!(page_slugs(&response, 2).is_empty(), "{query}");
    }
}

#[tokio::test]
async fn limits_above_100_are_capped_at_100() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slugs = publish_many(&app, &jake, "Post", 102, &[]).await;
    for limit in ["100", "101", "1000", "9223372036854775807"] {
        let response = list(&app, &format!("?limit={limit}"), None).await;
        assert_eq!(page_slugs(&response, 102), slugs[..100], "limit={limit}");
    }
    let response = list(&app, "?limit=1000&offset=100", None).await;
    assert_eq!(page_slugs(&response, 102), slugs[100..]);
}

#[tokio::test]
async fn a_limit_below_1_is_422() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    for limit in ["0", "-1", "-100", "-9223372036854775808"] {
        for viewer in [None, Some(token.as_str())] {
            let response = list(&app, &format!("?limit={limit}"), viewer).await;
            assert_invalid_page(&response, json!({"limit": ["must be at least 1"]}));
        }
    }
}

#[tokio::test]
async fn a_negative_offset_is_422() {
    let app = spawn_app().await;
    for offset in ["-1", "-20", "-9223372036854775808"] {
        let response = list(&app, &format!("?offset={offset}"), None).await;
        assert_invalid_page(&response, json!({"offset": ["must be zero or more"]}));
    }
}

#[tokio::test]
async fn an_invalid_limit_and_offset_are_reported_together() {
    let app = spawn_app().await;
    let response = list(&app, "?limit=0&offset=-1", None).await;
    assert_invalid_page(
        &response,
        json!({"limit": ["must be at least 1"], "offset": ["must be zero or more"]}),
    );
    assert_eq!(
        response.body["detail"], "2 fields are invalid",
        "{}",
        response.text
    );
}

#[tokio::test]
async fn an_unparseable_limit_or_offset_is_400() {
    let app = spawn_app().await;
    for query in [
        "?limit=abc",
        "?offset=abc",
        "?limit=1.5",
        "?offset=2.0",
        "?limit=",
        "?limit=ten&offset=0",
        "?limit=99999999999999999999",
        "?offset=99999999999999999999",
        "?limit=0x10",
    ] {
        let response = list(&app, query, None).await;
        response.assert_problem(400, "invalid_query");
        assert!(response.body.get("articles").is_none(), "{query}");
    }
}

#[tokio::test]
async fn the_feed_validates_pagination_like_the_list() {
    let app = spawn_app().await;
    let token = app.register("fan").await;
    let response = feed(&app, "?limit=0", Some(&token)).await;
    assert_invalid_page(&response, json!({"limit": ["must be at least 1"]}));
    let response = feed(&app, "?offset=-1", Some(&token)).await;
    assert_invalid_page(&response, json!({"offset": ["must be zero or more"]}));
    for query in ["?limit=abc", "?offset=abc", "?limit=1.5"] {
        feed(&app, query, Some(&token))
            .await
            .assert_problem(400, "invalid_query");
    }
}

#[tokio::test]
async fn walking_pages_visits_every_article_exactly_once() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let mut slugs = publish_many(&app, &jake, "Jake", 6, &[]).await;
    slugs.splice(0..0, publish_many(&app, &jane, "Jane", 5, &[]).await);
    for limit in [1, 2, 3, 4, 10, 11, 20] {
        assert_eq!(
            walk(&app, "/articles", None, limit, 11).await,
            slugs,
            "limit={limit}"
        );
    }
}

#[tokio::test]
async fn articles_with_equal_timestamps_keep_a_stable_order_across_pages() {
    let database = ScratchDatabase::create().await;
    let app = spawn_app_with(&[("DATABASE_URL", database.url.as_str())]).await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let older = app.publish(&jake, "Older", &["all"]).await;
    let tied = publish_many(&app, &jake, "Tied", 6, &["all"]).await;
    let newer = app.publish(&jake, "Newer", &["all"]).await;
    database
        .execute(&format!(
            "UPDATE articles SET created_at = \
             (SELECT created_at FROM articles WHERE slug = '{}') \
             WHERE slug LIKE 'tied-%'",
            tied[5]
        ))
        .await;
    follow(&app, &fan, "jake").await;
    for slug in tied.iter().chain([&older, &newer]) {
        favorite(&app, &fan, slug).await;
    }

    let mut expected = vec![newer];
    expected.extend(tied.iter().cloned());
    expected.push(older);
    let full = list(&app, "", None).await;
    assert_eq!(
        page_slugs(&full, 8),
        expected,
        "ties: later published first"
    );
    let tied_times: Vec<&Value> = tied.iter().map(|s| &item(&full, s)["createdAt"]).collect();
    assert!(tied_times.windows(2).all(|p| p[0] == p[1]), "{}", full.text);
    for limit in [1, 2, 3, 4, 5] {
        assert_eq!(walk(&app, "/articles", None, limit, 8).await, expected);
        assert_eq!(
            walk(&app, "/articles?tag=all", None, limit, 8).await,
            expected
        );
        assert_eq!(
            walk(&app, "/articles?favorited=fan", None, limit, 8).await,
            expected
        );
        assert_eq!(
            walk(&app, "/articles/feed", Some(&fan), limit, 8).await,
            expected
        );
    }
}

// ---------------------------------------------------------------- filters

#[tokio::test]
async fn the_tag_filter_lists_only_articles_with_that_tag() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let rust_one = app.publish(&jake, "Rust one", &["rust", "web"]).await;
    app.publish(&jane, "Go one", &["go", "web"]).await;
    let rust_two = app.publish(&jane, "Rust two", &["rust"]).await;
    app.publish(&jake, "Untagged", &[]).await;

    let response = list(&app, "?tag=rust", None).await;
    assert_eq!(
        page_slugs(&response, 2),
        [rust_two.as_str(), rust_one.as_str()]
    );
    assert_eq!(
        item(&response, &rust_one)["tagList"],
        json!(["rust", "web"])
    );
    let response = list(&app, "?tag=web", None).await;
    assert_eq!(page_slugs(&response, 2).len(), 2);
    let response = list(&app, "?tag=rust&limit=1&offset=1", None).await;
    assert_eq!(page_slugs(&response, 2), [rust_one.as_str()]);
}

#[tokio::test]
async fn the_tag_filter_matches_the_whole_tag_exactly() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "Rustacean", &["rustacean"]).await;
    let spaced = app.publish(&jake, "Spaced", &["machine learning"]).await;
    let symbols = app.publish(&jake, "Symbols", &["c++", "a&b"]).await;
    assert_empty_list(&list(&app, "?tag=rust", None).await);
    assert_empty_list(&list(&app, "?tag=rust%25", None).await);
    assert_empty_list(&list(&app, "?tag=machine", None).await);
    let response = list(&app, "?tag=machine%20learning", None).await;
    assert_eq!(page_slugs(&response, 1), [spaced.as_str()]);
    let response = list(&app, "?tag=c%2B%2B", None).await;
    assert_eq!(page_slugs(&response, 1), [symbols.as_str()]);
    let response = list(&app, "?tag=a%26b", None).await;
    assert_eq!(page_slugs(&response, 1), [symbols.as_str()]);
}

#[tokio::test]
async fn the_tag_filter_follows_edited_tags() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Retagged", &["old"]).await;
    let edited = app
        .put(
            &format!("/articles/{slug}"),
            Some(&jake),
            json!({"article": {"tagList": ["new"]}}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    assert_empty_list(&list(&app, "?tag=old", None).await);
    let response = list(&app, "?tag=new", None).await;
    assert_eq!(page_slugs(&response, 1), [slug.as_str()]);
}

#[tokio::test]
async fn the_author_filter_lists_only_that_authors_articles() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let jakes = publish_many(&app, &jake, "Jake", 3, &[]).await;
    publish_many(&app, &jane, "Jane", 2, &[]).await;
    for name in ["jake", "JAKE", "Jake"] {
        let response = list(&app, &format!("?author={name}"), None).await;
        assert_eq!(page_slugs(&response, 3), jakes, "author={name}");
        let authors = response.body["articles"].as_array().expect("articles");
        assert!(authors.iter().all(|a| a["author"]["username"] == "jake"));
    }
    let response = list(&app, "?author=jake&limit=2&offset=1", None).await;
    assert_eq!(page_slugs(&response, 3), jakes[1..]);
    assert_empty_list(&list(&app, "?author=jak", None).await);
}

#[tokio::test]
async fn the_favorited_filter_lists_what_that_user_favorited() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let other = app.register("other").await;
    let slugs = publish_many(&app, &jake, "Post", 4, &[]).await;
    favorite(&app, &fan, &slugs[3]).await;
    favorite(&app, &fan, &slugs[1]).await;
    favorite(&app, &other, &slugs[0]).await;

    let response = list(&app, "?favorited=fan", None).await;
    assert_eq!(
        page_slugs(&response, 2),
        [slugs[1].as_str(), slugs[3].as_str()]
    );
    let response = list(&app, "?favorited=FAN", Some(&other)).await;
    assert_eq!(
        page_slugs(&response, 2),
        [slugs[1].as_str(), slugs[3].as_str()]
    );
    assert_eq!(item(&response, &slugs[1])["favorited"], false);
    assert_eq!(item(&response, &slugs[1])["favoritesCount"], 1);
    let response = list(&app, "?favorited=other", None).await;
    assert_eq!(page_slugs(&response, 1), [slugs[0].as_str()]);
    assert_empty_list(&list(&app, "?favorited=jake", None).await);
}

/// Filters name users the way lookups do: "ας" is the author "ΑΣ" (whose key is
/// "ασ"), and a decomposed accent is the precomposed letter.
#[tokio::test]
async fn author_and_favorited_filters_fold_case_in_any_script() {
    let app = spawn_app().await;
    let sigma = app.register("ΑΣ").await;
    let fan = app.register("Zo\u{eb}").await;
    let slugs = publish_many(&app, &sigma, "Greek", 2, &[]).await;
    favorite(&app, &fan, &slugs[0]).await;
    for _ in 0..2 {
        for name in ["ΑΣ", "ας", "ασ"] {
            let response = list(&app, &format!("?author={name}"), None).await;
            assert_eq!(page_slugs(&response, 2), slugs, "author={name}");
        }
        for name in ["Zo\u{eb}", "zoe\u{308}"] {
            let response = list(&app, &format!("?favorited={name}"), None).await;
            assert_eq!(
                page_slugs(&response, 1),
                [slugs[0].as_str()],
                "favorited={name}"
            );
        }
    }
}

#[tokio::test]
async fn an_unfavorited_article_leaves_the_favorited_filter() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Fleeting", &[]).await;
    favorite(&app, &fan, &slug).await;
    let response = app
        .delete(&format!("/articles/{slug}/favorite"), Some(&fan))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_empty_list(&list(&app, "?favorited=fan", None).await);
}

#[tokio::test]
async fn filters_combine_with_and() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let fan = app.register("fan").await;
    let jake_rust = app.publish(&jake, "Jake rust", &["rust"]).await;
    let jake_go = app.publish(&jake, "Jake go", &["go"]).await;
    let jane_rust = app.publish(&jane, "Jane rust", &["rust"]).await;
    for slug in [jake_rust.as_str(), jake_go.as_str(), jane_rust.as_str()] {
        favorite(&app, &fan, slug).await;
    }
    let jake_rust_unloved = app.publish(&jake, "Jake rust 2", &["rust"]).await;

    let cases = [
        (
            "?tag=rust&author=jake",
            vec![jake_rust_unloved.as_str(), jake_rust.as_str()],
        ),
        (
            "?author=jake&favorited=fan",
            vec![jake_go.as_str(), jake_rust.as_str()],
        ),
        (
            "?tag=rust&favorited=fan",
            vec![jane_rust.as_str(), jake_rust.as_str()],
        ),
        (
            "?tag=rust&author=jake&favorited=fan",
            vec![jake_rust.as_str()],
        ),
        ("?tag=go&author=jane", vec![]),
        ("?tag=rust&author=jane&favorited=jake", vec![]),
    ];
    for (query, expected) in cases {
        let response = list(&app, query, None).await;
        let total = u64::try_from(expected.len()).unwrap();
        assert_eq!(page_slugs(&response, total), expected, "{query}");
    }
}

#[tokio::test]
async fn unknown_authors_tags_and_users_give_an_empty_list() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "Something", &["rust"]).await;
    for query in [
        "?author=nobody",
        "?tag=nothing",
        "?favorited=nobody",
        "?author=nobody&tag=rust",
        "?tag=nothing&author=jake",
        "?favorited=nobody&limit=1&offset=0",
        "?author=",
        "?tag=",
        "?author=%3Cscript%3E",
    ] {
        assert_empty_list(&list(&app, query, None).await);
        assert_empty_list(&list(&app, query, Some(&jake)).await);
    }
}

#[tokio::test]
async fn deleted_articles_leave_every_list() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let kept = app.publish(&jake, "Kept", &["rust"]).await;
    let gone = app.publish(&jake, "Gone", &["rust"]).await;
    favorite(&app, &fan, &gone).await;
    follow(&app, &fan, "jake").await;
    delete_article(&app, &jake, &gone).await;

    assert_eq!(page_slugs(&list(&app, "", None).await, 1), [kept.as_str()]);
    assert_eq!(
        page_slugs(&list(&app, "?tag=rust", None).await, 1),
        [kept.as_str()]
    );
    assert_eq!(
        page_slugs(&list(&app, "?author=jake", None).await, 1),
        [kept.as_str()]
    );
    assert_empty_list(&list(&app, "?favorited=fan", None).await);
    assert_eq!(
        page_slugs(&feed(&app, "", Some(&fan)).await, 1),
        [kept.as_str()]
    );
}

// ---------------------------------------------------------------- viewer facts

#[tokio::test]
async fn favorited_and_following_describe_the_viewer() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let fan = app.register("fan").await;
    let by_jake = app.publish(&jake, "By jake", &[]).await;
    let by_jane = app.publish(&jane, "By jane", &[]).await;
    favorite(&app, &fan, &by_jane).await;
    favorite(&app, &jake, &by_jane).await;
    follow(&app, &fan, "jake").await;

    let response = list(&app, "", Some(&fan)).await;
    page_slugs(&response, 2);
    assert_facts(item(&response, &by_jake), false, 0, true);
    assert_facts(item(&response, &by_jane), true, 2, false);

    let response = list(&app, "", Some(&jake)).await;
    assert_facts(item(&response, &by_jake), false, 0, false);
    assert_facts(item(&response, &by_jane), true, 2, false);

    let response = list(&app, "", Some(&jane)).await;
    assert_facts(item(&response, &by_jake), false, 0, false);
    assert_facts(item(&response, &by_jane), false, 2, false);
}

#[track_caller]
fn assert_facts(article: &Value, favorited: bool, count: u64, following: bool) {
    assert_eq!(article["favorited"], favorited, "{article}");
    assert_eq!(article["favoritesCount"], count, "{article}");
    assert_eq!(article["author"]["following"], following, "{article}");
}

#[tokio::test]
async fn anonymous_viewers_see_nothing_favorited_or_followed() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Loved", &["x"]).await;
    favorite(&app, &fan, &slug).await;
    follow(&app, &fan, "jake").await;
    for query in ["", "?tag=x", "?author=jake", "?favorited=fan"] {
        let response = list(&app, query, None).await;
        page_slugs(&response, 1);
        assert_facts(item(&response, &slug), false, 1, false);
        let response = list(&app, query, Some(&fan)).await;
        assert_facts(item(&response, &slug), true, 1, true);
    }
}

#[tokio::test]
async fn a_bearer_token_identifies_the_viewer_too() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Loved", &[]).await;
    favorite(&app, &fan, &slug).await;
    follow(&app, &fan, "jake").await;
    for path in ["/api/v1/articles", "/api/v1/articles/feed"] {
        let response = app
            .client
            .get(app.url(path))
            .header("Authorization", format!("Bearer {fan}"))
            .send()
            .await
            .expect("request reaches the server");
        let response = TestApp::read(response).await;
        assert_eq!(page_slugs(&response, 1), [slug.as_str()]);
        assert_facts(item(&response, &slug), true, 1, true);
    }
}

#[tokio::test]
async fn list_items_show_the_authors_current_profile() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Renamed", &[]).await;
    favorite(&app, &fan, &slug).await;
    let profile = json!({"user": {"username": "jacob", "bio": "I write", "image": "https://cdn.example.com/j.png"}});
    let updated = app.put("/user", Some(&jake), profile).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let renamed = app
        .put(
            "/user",
            Some(&fan),
            json!({"user": {"username": "fanatic"}}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);

    let response = list(&app, "?author=jacob", None).await;
    assert_eq!(page_slugs(&response, 1), [slug.as_str()]);
    assert_eq!(
        item(&response, &slug)["author"],
        json!({"username": "jacob", "bio": "I write", "image": "https://cdn.example.com/j.png", "following": false})
    );
    assert_eq!(
        page_slugs(&list(&app, "?favorited=fanatic", None).await, 1),
        [slug.as_str()]
    );
    assert_empty_list(&list(&app, "?author=jake", None).await);
    assert_empty_list(&list(&app, "?favorited=fan", None).await);
}

#[tokio::test]
async fn an_invalid_token_on_the_list_is_401_not_anonymous() {
    let app = spawn_app().await;
    for header in ["Token not-a-real-token", "Token ", "Basic abc"] {
        let response = app
            .client
            .get(app.url("/api/v1/articles"))
            .header("Authorization", header)
            .send()
            .await
            .expect("request reaches the server");
        let response = TestApp::read(response).await;
        response.assert_problem(401, "unauthorized");
        assert!(response.body.get("articles").is_none());
    }
}

// ---------------------------------------------------------------- feed

#[tokio::test]
async fn the_feed_requires_a_valid_token() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.publish(&jake, "Private", &[]).await;
    for token in [None, Some("not-a-real-token")] {
        let response = feed(&app, "", token).await;
        response.assert_problem(401, "unauthorized");
        assert_eq!(response.header("www-authenticate"), Some("Token"));
        assert!(!response.text.contains("private"), "{}", response.text);
    }
}

#[tokio::test]
async fn the_feed_checks_the_token_before_the_page() {
    let app = spawn_app().await;
    for query in ["?limit=0", "?offset=-1", "?limit=abc"] {
        let response = feed(&app, query, None).await;
        response.assert_problem(401, "unauthorized");
        assert!(response.body.get("errors").is_none(), "{}", response.text);
    }
}

#[tokio::test]
async fn the_feed_is_empty_when_following_nobody() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    app.publish(&jake, "Unfollowed", &[]).await;
    app.publish(&fan, "Own article", &[]).await;
    assert_empty_list(&feed(&app, "", Some(&fan)).await);
    assert_empty_list(&feed(&app, "?limit=5&offset=0", Some(&fan)).await);
}

#[tokio::test]
async fn the_feed_has_only_followed_authors_newest_first() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let stranger = app.register("stranger").await;
    let fan = app.register("fan").await;
    let jake_old = app.publish(&jake, "Jake old", &[]).await;
    app.publish(&stranger, "Stranger", &[]).await;
    let jane_post = app.publish(&jane, "Jane", &["x"]).await;
    app.publish(&fan, "Fan's own", &[]).await;
    let jake_new = app.publish(&jake, "Jake new", &[]).await;
    follow(&app, &fan, "jake").await;
    follow(&app, &fan, "jane").await;
    favorite(&app, &fan, &jane_post).await;

    let response = feed(&app, "", Some(&fan)).await;
    assert_eq!(
        page_slugs(&response, 3),
        [jake_new.as_str(), jane_post.as_str(), jake_old.as_str()]
    );
    assert_facts(item(&response, &jake_new), false, 0, true);
    assert_facts(item(&response, &jane_post), true, 1, true);
    assert!(item(&response, &jane_post).get("body").is_none());
}

#[tokio::test]
async fn the_feed_is_the_followers_own() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let fan = app.register("fan").await;
    let other = app.register("other").await;
    let jakes = app.publish(&jake, "Jake", &[]).await;
    let janes = app.publish(&jane, "Jane", &[]).await;
    follow(&app, &fan, "jake").await;
    follow(&app, &other, "jane").await;
    assert_eq!(
        page_slugs(&feed(&app, "", Some(&fan)).await, 1),
        [jakes.as_str()]
    );
    assert_eq!(
        page_slugs(&feed(&app, "", Some(&other)).await, 1),
        [janes.as_str()]
    );
    assert_empty_list(&feed(&app, "", Some(&jake)).await);
}

#[tokio::test]
async fn the_feed_paginates_with_a_total_count() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let fan = app.register("fan").await;
    let mut slugs = publish_many(&app, &jake, "Jake", 4, &[]).await;
    slugs.splice(0..0, publish_many(&app, &jane, "Jane", 3, &[]).await);
    follow(&app, &fan, "jake").await;
    follow(&app, &fan, "jane").await;

    let response = feed(&app, "?limit=3", Some(&fan)).await;
    assert_eq!(page_slugs(&response, 7), slugs[..3]);
    let response = feed(&app, "?limit=3&offset=3", Some(&fan)).await;
    assert_eq!(page_slugs(&response, 7), slugs[3..6]);
    let response = feed(&app, "?limit=3&offset=6", Some(&fan)).await;
    assert_eq!(page_slugs(&response, 7), slugs[6..]);
    let response = feed(&app, "?offset=7", Some(&fan)).await;
    assert!(page_slugs(&response, 7).is_empty());
    for limit in [1, 2, 5] {
        assert_eq!(
            walk(&app, "/articles/feed", Some(&fan), limit, 7).await,
            slugs
        );
    }
}

/// A prolific and a quiet followed author, interleaved with one not followed: every
/// window of the feed holds the right articles however the page falls across them.
#[tokio::test]
async fn feed_pages_interleave_prolific_and_quiet_authors() {
    let app = spawn_app().await;
    let prolific = app.register("prolific").await;
    let quiet = app.register("quiet").await;
    let stranger = app.register("stranger").await;
    let fan = app.register("fan").await;
    follow(&app, &fan, "prolific").await;
    follow(&app, &fan, "quiet").await;
    let mut expected = Vec::new();
    for n in 0..9 {
        expected.push(app.publish(&prolific, &format!("Prolific {n}"), &[]).await);
        app.publish(&stranger, &format!("Stranger {n}"), &[]).await;
        if n % 4 == 1 {
            expected.push(app.publish(&quiet, &format!("Quiet {n}"), &[]).await);
        }
    }
    expected.reverse();

    for limit in [1, 2, 3, 4, 7, 12, 20] {
        assert_eq!(
            walk(&app, "/articles/feed", Some(&fan), limit, 11).await,
            expected,
            "limit={limit}"
        );
    }
}

#[tokio::test]
async fn unfollowing_removes_an_author_from_the_feed() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let fan = app.register("fan").await;
    app.publish(&jake, "Jake", &[]).await;
    let janes = app.publish(&jane, "Jane", &[]).await;
    follow(&app, &fan, "jake").await;
    follow(&app, &fan, "jane").await;
    assert_eq!(page_slugs(&feed(&app, "", Some(&fan)).await, 2).len(), 2);
    unfollow(&app, &fan, "jake").await;
    assert_eq!(
        page_slugs(&feed(&app, "", Some(&fan)).await, 1),
        [janes.as_str()]
    );
}

#[tokio::test]
async fn the_feed_includes_articles_published_after_following() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    follow(&app, &fan, "jake").await;
    assert_empty_list(&feed(&app, "", Some(&fan)).await);
    let slug = app.publish(&jake, "Fresh", &[]).await;
    assert_eq!(
        page_slugs(&feed(&app, "", Some(&fan)).await, 1),
        [slug.as_str()]
    );
}

// ---------------------------------------------------------------- query counts

struct BusySite {
    reader: String,
    busy_article: String,
    quiet_article: String,
}

/// 62 articles: 50 by `alice` (tagged `common` and a tag of their own), 6 by `bob`
/// (tagged `common`), 6 by `carol`. `reader` favorites the 56 by alice and bob and
/// follows both; one of bob's articles has 52 comments by four users, another one.
async fn seed_busy_site(app: &TestApp) -> BusySite {
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let reader = app.register("reader").await;
    let mut alices = Vec::new();
    for i in 0..50 {
        let own_tag = format!("topic{i:02}");
        let title = format!("Alice {i}");
        alices.push(app.publish(&alice, &title, &["common", &own_tag]).await);
    }
    let bobs = publish_many(app, &bob, "Bob", 6, &["common", "bob"]).await;
    publish_many(app, &carol, "Carol", 6, &["carol"]).await;
    for slug in alices.iter().chain(&bobs) {
        favorite(app, &reader, slug).await;
    }
    favorite(app, &bob, &alices[0]).await;
    follow(app, &reader, "alice").await;
    follow(app, &reader, "bob").await;
    follow(app, &carol, "alice").await;

    let writers = [
        alice.as_str(),
        bob.as_str(),
        carol.as_str(),
        reader.as_str(),
    ];
    for i in 0..52 {
        app.comment(
            writers[i % writers.len()],
            &bobs[0],
            &format!("Comment {i}"),
        )
        .await;
    }
    app.comment(&carol, &bobs[1], "Lonely comment").await;
    BusySite {
        reader,
        busy_article: bobs[0].clone(),
        quiet_article: bobs[1].clone(),
    }
}

fn viewer_name(token: Option<&str>) -> &'static str {
    if token.is_some() {
        "authenticated"
    } else {
        "anonymous"
    }
}

/// Sessions record activity at most once a minute; a request made just before
/// measuring keeps that bookkeeping out of the counts being compared.
async fn refresh_session(app: &TestApp, token: Option<&str>) {
    if token.is_some() {
        let response = app.get("/user", token).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    }
}

fn with_limit(path: &str, limit: u32) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}limit={limit}")
}

/// The statements a request ran, after checking it answered 200.
#[track_caller]
fn queries_of(response: &Response) -> u32 {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.query_count()
}

async fn assert_constant_list_queries(app: &TestApp, path: &str, token: Option<&str>) {
    let viewer = viewer_name(token);
    refresh_session(app, token).await;
    let one = app.get(&with_limit(path, 1), token).await;
    assert_eq!(assert_page(&one).len(), 1, "{path}: {}", one.text);
    let fifty = app.get(&with_limit(path, 50), token).await;
    assert_eq!(assert_page(&fifty).len(), 50, "{path}: {}", fifty.text);
    let (small, large) = (queries_of(&one), queries_of(&fifty));
    println!("query count GET {path} ({viewer}): limit=1 → {small}, limit=50 → {large}");
    assert_eq!(small, large, "{path} ({viewer}) runs a query per article");
    assert!(
        large <= MAX_LIST_QUERIES,
        "{path} ({viewer}) runs {large} queries"
    );
}

#[tokio::test]
async fn every_article_list_runs_as_many_queries_for_50_articles_as_for_1() {
    let app = spawn_app().await;
    let site = seed_busy_site(&app).await;
    for path in [
        "/articles",
        "/articles?tag=common",
        "/articles?author=alice",
        "/articles?favorited=reader",
        "/articles?tag=common&favorited=reader",
    ] {
        assert_constant_list_queries(&app, path, None).await;
        assert_constant_list_queries(&app, path, Some(&site.reader)).await;
    }
    assert_constant_list_queries(&app, "/articles/feed", Some(&site.reader)).await;
}

#[tokio::test]
async fn listing_comments_runs_as_many_queries_for_52_comments_as_for_1() {
    let app = spawn_app().await;
    let site = seed_busy_site(&app).await;
    for token in [None, Some(site.reader.as_str())] {
        let viewer = viewer_name(token);
        refresh_session(&app, token).await;
        let quiet = app
            .get(&format!("/articles/{}/comments", site.quiet_article), token)
            .await;
        assert_eq!(quiet.body["comments"].as_array().map(Vec::len), Some(1));
        let busy = app
            .get(&format!("/articles/{}/comments", site.busy_article), token)
            .await;
        assert_eq!(busy.body["comments"].as_array().map(Vec::len), Some(52));
        let (small, large) = (queries_of(&quiet), queries_of(&busy));
        println!(
            "query count GET /articles/{{slug}}/comments ({viewer}): 1 comment → {small}, 52 comments → {large}"
        );
        assert_eq!(small, large, "comments ({viewer}) run a query per comment");
        assert!(
            large <= MAX_LIST_QUERIES,
            "comments ({viewer}) run {large} queries"
        );
    }
}

#[tokio::test]
async fn listing_tags_runs_as_many_queries_for_many_tags_as_for_one() {
    let app = spawn_app().await;
    let author = app.register("author").await;
    app.publish(&author, "Lonely", &["only"]).await;
    let one = app.get("/tags", None).await;
    assert_eq!(one.body, json!({"tags": ["only"]}), "{}", one.text);
    seed_busy_site(&app).await;
    let many = app.get("/tags", None).await;
    let count = many.body["tags"].as_array().map_or(0, Vec::len);
    assert!(count >= 50, "{}", many.text);
    let (small, large) = (queries_of(&one), queries_of(&many));
    println!("query count GET /tags: 1 tag → {small}, {count} tags → {large}");
    assert_eq!(small, large, "tags run a query per tag");
    assert!(large <= MAX_LIST_QUERIES, "tags run {large} queries");
}

// ---------------------------------------------------------------- scratch database

/// A migrated database this file controls directly, for states the API cannot make
/// (such as two articles with the very same timestamp). Dropped with the value.
struct ScratchDatabase {
    name: String,
    url: String,
}

impl ScratchDatabase {
    async fn create() -> Self {
        let name = format!("folio_test_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_database_url();
        connect(&admin)
            .await
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create a scratch database");
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        folio_postgres::run_migrations(&url)
            .await
            .expect("migrate the scratch database");
        Self { name, url }
    }

    async fn execute(&self, sql: &str) {
        connect(&self.url)
            .await
            .batch_execute(sql)
            .await
            .expect("run SQL on the scratch database");
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let (client, connection) =
                    tokio_postgres::connect(&admin_database_url(), NoTls).await?;
                tokio::spawn(connection);
                client.batch_execute(&sql).await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop scratch database {}", self.name);
        }
    }
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("connect to PostgreSQL");
    tokio::spawn(connection);
    client
}

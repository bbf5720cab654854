//! Comments on articles: adding, listing, deleting.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::articles::{assert_author, assert_timestamp};
use crate::support::{Response, TestApp, spawn_app, unique_username};

const COMMENT_KEYS: [&str; 5] = ["author", "body", "createdAt", "id", "updatedAt"];

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

/// Asserts one comment object with exactly the RealWorld keys.
#[track_caller]
fn assert_comment(comment: &Value, body: &str, author: &str, following: bool) {
    assert_eq!(sorted_keys(comment), COMMENT_KEYS, "{comment}");
    assert!(
        comment["id"].as_i64().is_some_and(|id| id > 0),
        "integer id: {comment}"
    );
    assert_eq!(comment["body"], body, "{comment}");
    let created = assert_timestamp(&comment["createdAt"]);
    let updated = assert_timestamp(&comment["updatedAt"]);
    assert!(updated >= created, "{comment}");
    assert_author(&comment["author"], author, following);
}

/// Asserts a `{"comments": [...]}` body and returns the list.
#[track_caller]
fn assert_comment_list(response: &Response) -> &Vec<Value> {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{}",
        response.text
    );
    assert_eq!(
        sorted_keys(&response.body),
        ["comments"],
        "{}",
        response.text
    );
    response.body["comments"].as_array().expect("a list")
}

/// Asserts a 422 that names only `field`, with exactly these messages.
#[track_caller]
fn assert_invalid(response: &Response, field: &str, messages: Value) {
    let body = response.assert_problem(422, "validation_failed");
    assert_eq!(sorted_keys(&body["errors"]), [field], "{}", response.text);
    assert_eq!(body["errors"][field], messages, "{}", response.text);
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

async fn add(app: &TestApp, token: Option<&str>, slug: &str, comment: Value) -> Response {
    app.post(
        &format!("/articles/{slug}/comments"),
        token,
        json!({ "comment": comment }),
    )
    .await
}

/// Comments `text` on `slug` and returns the new comment's id.
async fn comment(app: &TestApp, token: &str, slug: &str, text: &str) -> i64 {
    let response = add(app, Some(token), slug, json!({ "body": text })).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body["comment"]["id"].as_i64().expect("id")
}

async fn list(app: &TestApp, slug: &str, viewer: Option<&str>) -> Response {
    app.get(&format!("/articles/{slug}/comments"), viewer).await
}

/// The ids of the comments on `slug`, in the order listed.
async fn listed_ids(app: &TestApp, slug: &str) -> Vec<i64> {
    let response = list(app, slug, None).await;
    assert_comment_list(&response)
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

async fn remove(app: &TestApp, token: Option<&str>, slug: &str, id: &str) -> Response {
    app.delete(&format!("/articles/{slug}/comments/{id}"), token)
        .await
}

/// A username no other test uses, so its database can be found by it.

// ---------------------------------------------------------------------- adding

#[tokio::test]
async fn adding_a_comment_returns_it_with_every_key() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let response = add(
        &app,
        Some(&anna),
        &slug,
        json!({"body": "Thank you so much!"}),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{}",
        response.text
    );
    assert_eq!(
        sorted_keys(&response.body),
        ["comment"],
        "{}",
        response.text
    );
    let comment = &response.body["comment"];
    assert_comment(comment, "Thank you so much!", "anna", false);
    assert_eq!(comment["createdAt"], comment["updatedAt"]);
    assert_eq!(comment["author"]["bio"], Value::Null);
    assert_eq!(comment["author"]["image"], Value::Null);
}

#[tokio::test]
async fn a_new_comment_is_listed_exactly_as_it_was_returned() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let added = add(&app, Some(&jake), &slug, json!({"body": "First!"})).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let response = list(&app, &slug, Some(&jake)).await;
    let comments = assert_comment_list(&response);
    assert_eq!(comments, &vec![added.body["comment"].clone()]);
}

#[tokio::test]
async fn the_comment_author_shows_bio_and_image() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let updated = app
        .put(
            "/user",
            Some(&jake),
            json!({"user": {"bio": "Commenter", "image": "https://cdn.example.com/j.png"}}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let response = add(&app, Some(&jake), &slug, json!({"body": "Hi"})).await;
    let author = &response.body["comment"]["author"];
    assert_author(author, "jake", false);
    assert_eq!(author["bio"], "Commenter");
    assert_eq!(author["image"], "https://cdn.example.com/j.png");
}

#[tokio::test]
async fn comment_ids_are_distinct_integers() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let first = app.publish(&jake, "First", &[]).await;
    let second = app.publish(&jake, "Second", &[]).await;
    let ids = [
        comment(&app, &jake, &first, "a").await,
        comment(&app, &jake, &second, "b").await,
        comment(&app, &jake, &first, "c").await,
    ];
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
        "{ids:?}"
    );
}

#[tokio::test]
async fn commenting_requires_a_valid_token() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    for token in [None, Some("not-a-real-token")] {
        assert_unauthorized(&add(&app, token, &slug, json!({"body": "anonymous"})).await);
    }
    assert!(listed_ids(&app, &slug).await.is_empty());
}

#[tokio::test]
async fn commenting_on_an_unknown_article_is_404() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    add(&app, Some(&jake), "nothing-here", json!({"body": "hello?"}))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn commenting_on_an_article_deleted_behind_a_cached_copy_is_404() {
    // Another instance deleted the article; this one still holds its cached copy,
    // so only the insert can tell.
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Short lived", &[]).await;
    comment(&app, &jake, &slug, "first").await;
    let database = app.database().await;
    database
        .execute("DELETE FROM comments", &[])
        .await
        .expect("delete the comments");
    database
        .execute("DELETE FROM articles WHERE slug = $1", &[&slug])
        .await
        .expect("delete the article behind the cache");

    add(&app, Some(&jake), &slug, json!({"body": "too late"}))
        .await
        .assert_problem(404, "not_found");
    let left: i64 = database
        .query_one("SELECT count(*) FROM comments", &[])
        .await
        .expect("count comments")
        .get(0);
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_blank_or_missing_comment_body_is_422() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    for comment in [
        json!({"body": ""}),
        json!({"body": "   \n\t "}),
        json!({"body": null}),
        json!({}),
    ] {
        let response = add(&app, Some(&jake), &slug, comment).await;
        assert_invalid(&response, "body", json!(["can't be blank"]));
        assert_eq!(response.body["detail"], "1 field is invalid");
    }
    assert!(listed_ids(&app, &slug).await.is_empty());
}

#[tokio::test]
async fn a_comment_over_10000_characters_is_422() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let response = add(
        &app,
        Some(&jake),
        &slug,
        json!({"body": "x".repeat(10_001)}),
    )
    .await;
    assert_invalid(
        &response,
        "body",
        json!(["is too long (maximum is 10000 characters)"]),
    );
    let longest = "x".repeat(10_000);
    let response = add(&app, Some(&jake), &slug, json!({ "body": longest })).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["comment"]["body"], longest);
    assert_eq!(listed_ids(&app, &slug).await.len(), 1);
}

#[tokio::test]
async fn a_comment_without_the_comment_wrapper_is_422() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let response = app
        .post(
            &format!("/articles/{slug}/comments"),
            Some(&jake),
            json!({"body": "unwrapped"}),
        )
        .await;
    let body = response.assert_problem(422, "validation_failed");
    assert!(
        body["errors"]["body"][0]
            .as_str()
            .is_some_and(|m| m.contains("comment")),
        "{}",
        response.text
    );
    let response = add(&app, Some(&jake), &slug, json!({"body": 42})).await;
    response.assert_problem(422, "validation_failed");
    assert!(listed_ids(&app, &slug).await.is_empty());
}

// --------------------------------------------------------------------- listing

#[tokio::test]
async fn an_article_without_comments_lists_none() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Quiet", &[]).await;
    for viewer in [None, Some(jake.as_str())] {
        let response = list(&app, &slug, viewer).await;
        assert_comment_list(&response);
        assert_eq!(response.body, json!({"comments": []}));
    }
}

#[tokio::test]
async fn comments_are_listed_newest_first() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let first = comment(&app, &anna, &slug, "first").await;
    let second = comment(&app, &jake, &slug, "second").await;
    let third = comment(&app, &anna, &slug, "third").await;
    let response = list(&app, &slug, None).await;
    let comments = assert_comment_list(&response);
    assert_eq!(comments.len(), 3, "{}", response.text);
    assert_comment(&comments[0], "third", "anna", false);
    assert_comment(&comments[1], "second", "jake", false);
    assert_comment(&comments[2], "first", "anna", false);
    let ids: Vec<i64> = comments
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, [third, second, first]);
    let times: Vec<_> = comments
        .iter()
        .map(|c| assert_timestamp(&c["createdAt"]))
        .collect();
    assert!(times.windows(2).all(|pair| pair[0] >= pair[1]), "{times:?}");
}

#[tokio::test]
async fn comments_list_the_same_for_everyone_apart_from_following() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    comment(&app, &anna, &slug, "from anna").await;
    comment(&app, &jake, &slug, "from jake").await;
    let anonymous = list(&app, &slug, None).await;
    let as_jake = list(&app, &slug, Some(&jake)).await;
    let as_anna = list(&app, &slug, Some(&anna)).await;
    for response in [&anonymous, &as_jake, &as_anna] {
        let comments = assert_comment_list(response);
        assert_eq!(comments.len(), 2, "{}", response.text);
        assert_comment(&comments[0], "from jake", "jake", false);
        assert_comment(&comments[1], "from anna", "anna", false);
    }
    assert_eq!(anonymous.body, as_jake.body);
    assert_eq!(anonymous.body, as_anna.body);
}

#[tokio::test]
async fn following_in_comment_authors_reflects_the_viewer() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let bob = app.register("bob").await;
    let fan = app.register("fan").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    comment(&app, &anna, &slug, "by anna").await;
    comment(&app, &bob, &slug, "by bob").await;
    comment(&app, &anna, &slug, "by anna again").await;
    let followed = app
        .post("/profiles/anna/follow", Some(&fan), json!({}))
        .await;
    assert_eq!(followed.status, StatusCode::OK, "{}", followed.text);

    let response = list(&app, &slug, Some(&fan)).await;
    let comments = assert_comment_list(&response);
    assert_comment(&comments[0], "by anna again", "anna", true);
    assert_comment(&comments[1], "by bob", "bob", false);
    assert_comment(&comments[2], "by anna", "anna", true);

    for viewer in [
        None,
        Some(anna.as_str()),
        Some(bob.as_str()),
        Some(jake.as_str()),
    ] {
        let response = list(&app, &slug, viewer).await;
        let comments = assert_comment_list(&response);
        assert!(
            comments.iter().all(|c| c["author"]["following"] == false),
            "{}",
            response.text
        );
    }
}

#[tokio::test]
async fn comments_belong_to_their_own_article() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let first = app.publish(&jake, "First", &[]).await;
    let second = app.publish(&jake, "Second", &[]).await;
    let on_first = comment(&app, &jake, &first, "on first").await;
    let on_second = comment(&app, &jake, &second, "on second").await;
    assert_eq!(listed_ids(&app, &first).await, [on_first]);
    assert_eq!(listed_ids(&app, &second).await, [on_second]);
}

#[tokio::test]
async fn listing_comments_of_an_unknown_article_is_404() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    for viewer in [None, Some(jake.as_str())] {
        list(&app, "nothing-here", viewer)
            .await
            .assert_problem(404, "not_found");
    }
}

#[tokio::test]
async fn an_invalid_token_is_refused_when_listing_comments() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    assert_unauthorized(&list(&app, &slug, Some("not-a-real-token")).await);
}

#[tokio::test]
async fn listing_comments_takes_as_many_queries_for_many_comments_as_for_one() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let bob = app.register("bob").await;
    let viewer = app.register("viewer").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    comment(&app, &jake, &slug, "one").await;
    // Signs the viewer's session in and reads the article once, so both
    // measurements find them cached.
    app.get("/user", Some(&viewer)).await;
    list(&app, &slug, Some(&viewer)).await;
    let one = list(&app, &slug, Some(&viewer)).await;
    assert_eq!(assert_comment_list(&one).len(), 1);
    for (token, text) in [
        (&anna, "two"),
        (&bob, "three"),
        (&anna, "four"),
        (&jake, "five"),
    ] {
        comment(&app, token, &slug, text).await;
    }
    let five = list(&app, &slug, Some(&viewer)).await;
    assert_eq!(assert_comment_list(&five).len(), 5);
    assert_eq!(five.query_count(), one.query_count());
}

// -------------------------------------------------------------------- deleting

#[tokio::test]
async fn the_comment_author_can_delete_it() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let id = comment(&app, &anna, &slug, "regrettable").await;
    let response = remove(&app, Some(&anna), &slug, &id.to_string()).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    assert!(response.text.is_empty(), "{}", response.text);
    assert!(listed_ids(&app, &slug).await.is_empty());
    remove(&app, Some(&anna), &slug, &id.to_string())
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn deleting_one_comment_leaves_the_others() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let first = comment(&app, &jake, &slug, "first").await;
    let second = comment(&app, &jake, &slug, "second").await;
    let third = comment(&app, &jake, &slug, "third").await;
    let response = remove(&app, Some(&jake), &slug, &second.to_string()).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    assert_eq!(listed_ids(&app, &slug).await, [third, first]);
}

#[tokio::test]
async fn a_non_author_cannot_delete_the_comment() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let bob = app.register("bob").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let id = comment(&app, &anna, &slug, "mine").await;
    remove(&app, Some(&bob), &slug, &id.to_string())
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(listed_ids(&app, &slug).await, [id]);
}

#[tokio::test]
async fn the_article_author_cannot_delete_someone_elses_comment() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let id = comment(&app, &anna, &slug, "critical").await;
    remove(&app, Some(&jake), &slug, &id.to_string())
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(listed_ids(&app, &slug).await, [id]);
}

#[tokio::test]
async fn deleting_a_comment_requires_a_valid_token() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let id = comment(&app, &jake, &slug, "keep").await;
    for token in [None, Some("not-a-real-token")] {
        assert_unauthorized(&remove(&app, token, &slug, &id.to_string()).await);
    }
    assert_eq!(listed_ids(&app, &slug).await, [id]);
}

#[tokio::test]
async fn deleting_an_unknown_comment_is_404() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let id = comment(&app, &jake, &slug, "exists").await;
    for missing in [id + 1000, 0, -1, i64::MAX] {
        remove(&app, Some(&jake), &slug, &missing.to_string())
            .await
            .assert_problem(404, "not_found");
    }
    remove(&app, Some(&jake), "nothing-here", &id.to_string())
        .await
        .assert_problem(404, "not_found");
    assert_eq!(listed_ids(&app, &slug).await, [id]);
}

#[tokio::test]
async fn a_comment_id_of_another_article_is_404() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let first = app.publish(&jake, "First", &[]).await;
    let second = app.publish(&jake, "Second", &[]).await;
    let id = comment(&app, &jake, &first, "on first").await;
    remove(&app, Some(&jake), &second, &id.to_string())
        .await
        .assert_problem(404, "not_found");
    assert_eq!(listed_ids(&app, &first).await, [id]);
}

#[tokio::test]
async fn a_non_numeric_comment_id_is_404() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let id = comment(&app, &jake, &slug, "exists").await;
    let trailing_letters = format!("{id}abc");
    for bad in [
        "abc",
        "1.5",
        "1e3",
        "0x1",
        "%20",
        "99999999999999999999",
        trailing_letters.as_str(),
    ] {
        let response = remove(&app, Some(&jake), &slug, bad).await;
        let body = response.assert_problem(404, "not_found");
        assert!(body.get("errors").is_none(), "{bad}: {}", response.text);
    }
    assert_eq!(listed_ids(&app, &slug).await, [id]);
}

#[tokio::test]
async fn a_moderator_may_delete_someone_elses_comment() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let moderator_name = unique_username("mod");
    let moderator = app.register(&moderator_name).await;
    app.grant_role(&moderator_name, "moderator").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let id = comment(&app, &jake, &slug, "spam").await;
    let response = remove(&app, Some(&moderator), &slug, &id.to_string()).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    assert!(listed_ids(&app, &slug).await.is_empty());
}

#[tokio::test]
async fn comments_go_with_their_deleted_article() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&jake, "Doomed", &[]).await;
    let id = comment(&app, &anna, &slug, "last words").await;
    let deleted = app.delete(&format!("/articles/{slug}"), Some(&jake)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);

    list(&app, &slug, None)
        .await
        .assert_problem(404, "not_found");
    add(&app, Some(&anna), &slug, json!({"body": "too late"}))
        .await
        .assert_problem(404, "not_found");
    remove(&app, Some(&anna), &slug, &id.to_string())
        .await
        .assert_problem(404, "not_found");

    assert_eq!(app.publish(&jake, "Doomed", &[]).await, slug);
    assert!(listed_ids(&app, &slug).await.is_empty());
    remove(&app, Some(&anna), &slug, &id.to_string())
        .await
        .assert_problem(404, "not_found");
}

// ------------------------------------------------------ base paths and schemes

#[tokio::test]
async fn comments_work_through_the_api_alias_with_a_bearer_token() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Discuss", &[]).await;
    let bearer = format!("Bearer {jake}");
    let url = app.url(&format!("/api/articles/{slug}/comments"));
    let response = app
        .client
        .post(&url)
        .header("Content-Type", "application/json")
        .header("Authorization", &bearer)
        .body(json!({"comment": {"body": "via the alias"}}).to_string())
        .send()
        .await
        .expect("request reaches the server");
    let added = TestApp::read(response).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    assert_comment(&added.body["comment"], "via the alias", "jake", false);
    let id = added.body["comment"]["id"].as_i64().expect("id");

    let response = app
        .client
        .get(&url)
        .header("Authorization", &bearer)
        .send()
        .await
        .expect("request reaches the server");
    let alias = TestApp::read(response).await;
    let v1 = list(&app, &slug, Some(&jake)).await;
    assert_comment_list(&alias);
    assert_eq!(alias.body, v1.body);

    let response = app
        .client
        .delete(format!("{url}/{id}"))
        .header("Content-Type", "application/json")
        .header("Authorization", &bearer)
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(listed_ids(&app, &slug).await.is_empty());
}

//! Comments come a page at a time: `limit` (default and maximum 100) and an opaque
//! `cursor` taken from the previous page's `nextCursor`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Response, TestApp, spawn_app};

/// Adds `count` comments by the article's author straight to the database, three
/// at each instant (so pages also end between comments of one instant), and
/// returns their ids in list order: newest first, ties by highest id.
async fn seed_thread(app: &TestApp, slug: &str, count: i32) -> Vec<i64> {
    let database = app.database().await;
    database
        .execute(
            "INSERT INTO comments (article_id, author_id, body, created_at, updated_at) \
             SELECT a.id, a.author_id, 'comment ' || n, \
                    date_trunc('second', now()) - (n / 3) * interval '1 second', \
                    date_trunc('second', now()) - (n / 3) * interval '1 second' \
             FROM articles a, generate_series(1, $2) n WHERE a.slug = $1",
            &[&slug, &count],
        )
        .await
        .expect("seed the comments");
    database
        .query(
            "SELECT c.id FROM comments c JOIN articles a ON a.id = c.article_id \
             WHERE a.slug = $1 ORDER BY c.created_at DESC, c.id DESC",
            &[&slug],
        )
        .await
        .expect("read the comments back")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

async fn page(app: &TestApp, slug: &str, query: &str) -> Response {
    app.get(&format!("/articles/{slug}/comments{query}"), None)
        .await
}

/// The ids of a page's comments and its `nextCursor`, after checking the shape.
#[track_caller]
fn read_page(response: &Response) -> (Vec<i64>, Option<String>) {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let ids = response.body["comments"]
        .as_array()
        .unwrap_or_else(|| panic!("a comments list: {}", response.text))
        .iter()
        .map(|c| c["id"].as_i64().expect("an integer id"))
        .collect();
    let cursor = match &response.body["nextCursor"] {
        Value::Null => {
            assert!(
                response.body.get("nextCursor").is_none(),
                "absent, not null, on the last page: {}",
                response.text
            );
            None
        }
        Value::String(cursor) => Some(cursor.clone()),
        other => panic!("nextCursor is a string: {other}"),
    };
    (ids, cursor)
}

/// Follows `nextCursor` from the first page to the last, `limit` at a time.
async fn walk(app: &TestApp, slug: &str, limit: Option<u32>) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = Vec::new();
        if let Some(limit) = limit {
            query.push(format!("limit={limit}"));
        }
        if let Some(cursor) = &cursor {
            query.push(format!("cursor={cursor}"));
        }
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        let (ids, next) = read_page(&page(app, slug, &query).await);
        pages.push(ids);
        assert!(pages.len() <= 300, "the walk never ends");
        match next {
            Some(next) => cursor = Some(next),
            None => return pages,
        }
    }
}

#[tokio::test]
async fn walking_a_thread_by_cursor_lists_each_comment_once_in_order() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Busy thread", &[]).await;
    let thread = seed_thread(&app, &slug, 250).await;

    for (limit, sizes) in [
        (Some(40), vec![40, 40, 40, 40, 40, 40, 10]),
        (Some(1), vec![1; 250]),
        (None, vec![100, 100, 50]),
        (Some(100), vec![100, 100, 50]),
        (Some(125), vec![100, 100, 50]),
        (Some(250), vec![100, 100, 50]),
    ] {
        let pages = walk(&app, &slug, limit).await;
        let listed: Vec<usize> = pages.iter().map(Vec::len).collect();
        assert_eq!(listed, sizes, "limit {limit:?}");
        assert_eq!(pages.concat(), thread, "limit {limit:?}");
    }
}

#[tokio::test]
async fn the_first_page_holds_the_newest_100_comments_by_default() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Busy thread", &[]).await;
    let thread = seed_thread(&app, &slug, 101).await;

    let response = page(&app, &slug, "").await;
    let (ids, cursor) = read_page(&response);
    assert_eq!(ids, thread[..100]);
    assert!(cursor.is_some(), "{}", response.text);
    let comment = &response.body["comments"][0];
    assert_eq!(comment["author"]["username"], "jake", "{}", response.text);
    assert!(
        comment["body"]
            .as_str()
            .is_some_and(|body| body.starts_with("comment ")),
        "{}",
        response.text
    );
}

#[tokio::test]
async fn a_thread_of_up_to_100_comments_comes_whole_without_a_cursor() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Lively thread", &[]).await;
    let thread = seed_thread(&app, &slug, 100).await;

    let response = page(&app, &slug, "").await;
    assert_eq!(read_page(&response), (thread, None));
    let mut keys: Vec<&String> = response
        .body
        .as_object()
        .expect("an object")
        .keys()
        .collect();
    keys.sort();
    assert_eq!(keys, ["comments"], "{}", response.text);
}

#[tokio::test]
async fn a_cursor_survives_its_comment_being_deleted_and_newer_comments() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Moving thread", &[]).await;
    let thread = seed_thread(&app, &slug, 6).await;

    let (first, cursor) = read_page(&page(&app, &slug, "?limit=2").await);
    assert_eq!(first, thread[..2]);
    let cursor = cursor.expect("more comments follow");
    let deleted = app
        .delete(
            &format!("/articles/{slug}/comments/{}", thread[1]),
            Some(&jake),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    let added = app
        .post(
            &format!("/articles/{slug}/comments"),
            Some(&jake),
            json!({"comment": {"body": "late"}}),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);

    let (next, _) = read_page(&page(&app, &slug, &format!("?limit=2&cursor={cursor}")).await);
    assert_eq!(next, thread[2..4]);
}

#[tokio::test]
async fn a_limit_below_1_is_422_and_an_unparseable_one_400() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Quiet", &[]).await;
    for limit in ["0", "-1", "-9223372036854775808"] {
        let response = page(&app, &slug, &format!("?limit={limit}")).await;
        let body = response.assert_problem(422, "validation_failed");
        assert_eq!(
            body["errors"],
            json!({"limit": ["must be at least 1"]}),
            "{}",
            response.text
        );
    }
    for limit in ["abc", "1.5", "", "99999999999999999999"] {
        page(&app, &slug, &format!("?limit={limit}"))
            .await
            .assert_problem(400, "invalid_query");
    }
}

#[tokio::test]
async fn a_cursor_this_server_did_not_issue_is_422_naming_cursor() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Busy thread", &[]).await;
    seed_thread(&app, &slug, 3).await;
    let (_, cursor) = read_page(&page(&app, &slug, "?limit=1").await);
    let cursor = cursor.expect("more comments follow");

    let mut tampered = cursor.clone().into_bytes();
    tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    for bad in [
        "",
        "abc",
        "not%20a%20cursor",
        tampered.as_str(),
        &format!("{cursor}x"),
        &cursor[..cursor.len() - 1],
        &"A".repeat(500),
        // "c1:12:0" and "c2:1:1" in base64: no checksum, not issued by the server.
        "YzE6MTI6MA",
        "YzI6MTox",
        // Forged with a valid checksum, at times no comment can have: the years
        // -251,000 (before PostgreSQL's earliest) and 255,000.
        "YzE6LTgwMDAwMDAwMDAwMDAwMDAwMDA6NzplYjI2ZmIwZg",
        "YzE6ODAwMDAwMDAwMDAwMDAwMDAwMDo3OjJlODE1MmRj",
    ] {
        let response = page(&app, &slug, &format!("?cursor={bad}")).await;
        let body = response.assert_problem(422, "validation_failed");
        assert_eq!(
            body["errors"],
            json!({"cursor": ["is not a cursor from a previous page"]}),
            "cursor {bad:?}: {}",
            response.text
        );
    }
}

#[tokio::test]
async fn a_later_page_takes_as_many_queries_as_the_first() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let viewer = app.register("viewer").await;
    let slug = app.publish(&jake, "Busy thread", &[]).await;
    seed_thread(&app, &slug, 150).await;
    // Signs the viewer's session in and reads the article once, so both
    // measurements find them cached.
    app.get("/user", Some(&viewer)).await;
    app.get(&format!("/articles/{slug}"), None).await;
    let path = format!("/articles/{slug}/comments");
    let first = app.get(&path, Some(&viewer)).await;
    let (ids, cursor) = read_page(&first);
    assert_eq!(ids.len(), 100);
    let cursor = cursor.expect("more comments follow");
    let second = app
        .get(&format!("{path}?cursor={cursor}"), Some(&viewer))
        .await;
    assert_eq!(read_page(&second).0.len(), 50);
    assert_eq!(second.query_count(), first.query_count());
}

#[tokio::test]
async fn the_openapi_document_describes_comment_pages() {
    let app = spawn_app().await;
    let response = app.get("/openapi.json", None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let operation = &response.body["paths"]["/api/v1/articles/{slug}/comments"]["get"];
    let parameters: Vec<&str> = operation["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("parameters: {operation}"))
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(parameters, ["slug", "limit", "cursor"], "{operation}");
    assert!(operation["responses"]["422"].is_object(), "{operation}");
    let schema = &response.body["components"]["schemas"]["CommentsResponse"];
    assert!(schema["properties"]["nextCursor"].is_object(), "{schema}");
    assert_eq!(schema["required"], json!(["comments"]), "{schema}");
}

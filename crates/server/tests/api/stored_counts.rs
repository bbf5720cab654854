//! The counts and copies stored so lists need not compute them (articles per author,
//! articles in all, articles per tag, each article's tag names, each link's and each
//! favorite's copy of its article's creation time) always equal what they summarise.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Response, TestApp, spawn_app};

/// Every stored count or copy that differs from the rows it summarises, described.
const DRIFT: &str = r#"
SELECT 'articles by ' || u.username FROM users u
WHERE u.article_count <> (SELECT count(*) FROM articles a WHERE a.author_id = u.id)
UNION ALL
SELECT 'total slot ' || s.slot FROM article_totals s
WHERE s.articles <> (SELECT count(*) FROM articles a WHERE article_total_slot(a.id) = s.slot)
UNION ALL
SELECT 'total slots' WHERE (SELECT count(*) FROM article_totals) <> 16
UNION ALL
SELECT 'articles tagged ' || t.name FROM tags t
WHERE t.article_count <> (SELECT count(*) FROM article_tags l WHERE l.tag_id = t.id)
UNION ALL
SELECT 'tag names of ' || a.slug FROM articles a
WHERE a.tag_names <> ARRAY(SELECT t.name FROM article_tags l JOIN tags t ON t.id = l.tag_id
                          WHERE l.article_id = a.id ORDER BY t.name COLLATE "C")
UNION ALL
SELECT 'creation time on the links of ' || a.slug FROM article_tags l
JOIN articles a ON a.id = l.article_id
WHERE l.article_created_at <> a.created_at
UNION ALL
SELECT 'creation time on the favorites of ' || a.slug FROM favorites f
JOIN articles a ON a.id = f.article_id
WHERE f.article_created_at <> a.created_at
"#;

async fn drift(app: &TestApp) -> Vec<String> {
    let rows = app
        .database()
        .await
        .query(DRIFT, &[])
        .await
        .expect("compare the stored counts");
    rows.iter().map(|row| row.get(0)).collect()
}

#[track_caller]
fn assert_no_drift(drifted: Vec<String>) {
    assert!(drifted.is_empty(), "stored counts drifted: {drifted:?}");
}

async fn articles_count(app: &TestApp, path: &str, token: Option<&str>) -> u64 {
    let response = app.get(path, token).await;
    assert_eq!(response.status, StatusCode::OK, "{path}: {}", response.text);
    response.body["articlesCount"]
        .as_u64()
        .unwrap_or_else(|| panic!("{path}: no count in {}", response.text))
}

/// The slugs of a 200 list page, in order.
#[track_caller]
fn listed_slugs(response: &Response) -> Vec<&str> {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body["articles"]
        .as_array()
        .unwrap_or_else(|| panic!("no articles in {}", response.text))
        .iter()
        .filter_map(|article| article["slug"].as_str())
        .collect()
}

async fn retag(app: &TestApp, token: &str, slug: &str, tags: &[&str]) -> Response {
    app.put(
        &format!("/articles/{slug}"),
        Some(token),
        json!({"article": {"tagList": tags}}),
    )
    .await
}

fn publish<'a>(
    app: &'a TestApp,
    token: &'a str,
    title: String,
    tags: &'a [&'a str],
) -> impl Future<Output = Response> + 'a {
    app.post(
        "/articles",
        Some(token),
        json!({"article": {"title": title, "description": "d", "body": "b", "tagList": tags}}),
    )
}

#[tokio::test]
async fn stored_counts_follow_publishing_editing_and_deleting() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let reader = app.register("reader").await;
    let follow = app
        .post("/profiles/jake/follow", Some(&reader), json!({}))
        .await;
    assert_eq!(follow.status, StatusCode::OK, "{}", follow.text);
    assert_no_drift(drift(&app).await);

    let first = app.publish(&jake, "First", &["rust", "web"]).await;
    let second = app.publish(&jake, "Second", &["rust"]).await;
    app.publish(&jane, "Third", &["web", "Zebra", "apple"])
        .await;
    assert_no_drift(drift(&app).await);
    assert_eq!(articles_count(&app, "/articles", None).await, 3);
    assert_eq!(articles_count(&app, "/articles?author=jake", None).await, 2);
    assert_eq!(articles_count(&app, "/articles?author=JANE", None).await, 1);
    assert_eq!(articles_count(&app, "/articles?tag=web", None).await, 2);
    assert_eq!(
        articles_count(&app, "/articles/feed", Some(&reader)).await,
        2
    );

    let edited = retag(&app, &jake, &first, &["web", "new-tag"]).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    let retitled = app
        .put(
            &format!("/articles/{second}"),
            Some(&jake),
            json!({"article": {"title": "Second, renamed"}}),
        )
        .await;
    assert_eq!(retitled.status, StatusCode::OK, "{}", retitled.text);
    assert_eq!(retitled.body["article"]["tagList"], json!(["rust"]));
    assert_no_drift(drift(&app).await);
    assert_eq!(articles_count(&app, "/articles?tag=rust", None).await, 1);
    assert_eq!(articles_count(&app, "/articles?tag=new-tag", None).await, 1);

    let renamed = retitled.body["article"]["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    for (token, slug) in [(&jake, &first), (&jake, &renamed)] {
        let deleted = app.delete(&format!("/articles/{slug}"), Some(token)).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    }
    assert_no_drift(drift(&app).await);
    assert_eq!(articles_count(&app, "/articles", None).await, 1);
    assert_eq!(articles_count(&app, "/articles?author=jake", None).await, 0);
    assert_eq!(articles_count(&app, "/articles?tag=web", None).await, 1);
    assert_eq!(
        articles_count(&app, "/articles/feed", Some(&reader)).await,
        0
    );
}

#[tokio::test]
async fn tag_names_are_stored_in_the_order_articles_show_them() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app
        .publish(
            &jake,
            "Ordered",
            &["beta", "Alpha", "alpha", "étude", "Zulu"],
        )
        .await;
    let expected = json!(["Alpha", "Zulu", "alpha", "beta", "étude"]);
    let single = app.get(&format!("/articles/{slug}"), None).await;
    assert_eq!(
        single.body["article"]["tagList"], expected,
        "{}",
        single.text
    );
    let listed = app.get("/articles", None).await;
    assert_eq!(
        listed.body["articles"][0]["tagList"], expected,
        "{}",
        listed.text
    );
    assert_no_drift(drift(&app).await);
}

/// One author publishing, retagging and deleting at once, with tags shared and tags
/// created by several requests together: every request succeeds (no deadlock, no
/// unique violation) and every count holds.
#[tokio::test]
async fn concurrent_writes_by_one_author_keep_every_count() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let mut doomed = Vec::new();
    let mut edited = Vec::new();
    for n in 0..4 {
        doomed.push(
            app.publish(&jake, &format!("Doomed {n}"), &["a", "b"])
                .await,
        );
        edited.push(app.publish(&jake, &format!("Edited {n}"), &["b"]).await);
    }
    let shapes: [&[&str]; 4] = [
        &["a", "b", "fresh-1"],
        &["fresh-2", "fresh-1", "b"],
        &["b", "a"],
        &["fresh-2"],
    ];
    let publishes = (0..8).map(|n| publish(&app, &jake, format!("Parallel {n}"), shapes[n % 4]));
    let deletion_paths: Vec<String> = doomed.iter().map(|s| format!("/articles/{s}")).collect();
    let deletions = deletion_paths
        .iter()
        .map(|path| app.delete(path, Some(&jake)));
    let edits = edited
        .iter()
        .enumerate()
        .map(|(n, slug)| retag(&app, &jake, slug, shapes[(n + 1) % 4]));
    let (published, deleted, retagged) = tokio::join!(
        futures_util::future::join_all(publishes),
        futures_util::future::join_all(deletions),
        futures_util::future::join_all(edits),
    );
    for response in &published {
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    }
    for response in &deleted {
        assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    }
    for response in &retagged {
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    }

    assert_no_drift(drift(&app).await);
    assert_eq!(articles_count(&app, "/articles", None).await, 12);
    assert_eq!(
        articles_count(&app, "/articles?author=jake", None).await,
        12
    );
    assert_eq!(articles_count(&app, "/articles?tag=fresh-2", None).await, 6);
}

/// Folio never changes a creation time; an operator correcting one by hand still
/// moves the article in by-tag and favorited-by lists, which sort by copies of it.
#[tokio::test]
async fn a_creation_time_corrected_in_the_database_reorders_every_list() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    let older = app.publish(&jake, "Older", &["t"]).await;
    let newer = app.publish(&jake, "Newer", &["t"]).await;
    for slug in [&older, &newer] {
        let path = format!("/articles/{slug}/favorite");
        let favorited = app.post(&path, Some(&fan), json!({})).await;
        assert_eq!(favorited.status, StatusCode::OK, "{}", favorited.text);
    }
    app.database()
        .await
        .execute(
            "UPDATE articles SET created_at = created_at + interval '1 day' WHERE slug = $1",
            &[&older],
        )
        .await
        .expect("correct the creation time");

    assert_no_drift(drift(&app).await);
    for path in ["/articles", "/articles?tag=t", "/articles?favorited=fan"] {
        let listed = app.get(path, None).await;
        let slugs = listed_slugs(&listed);
        assert_eq!(
            slugs,
            [older.as_str(), newer.as_str()],
            "{path}: {}",
            listed.text
        );
    }
}

/// Waits until `token`'s user has `count` unread notifications.
async fn notifications_settle(app: &TestApp, token: &str, count: u64) {
    for _ in 0..200 {
        let response = app.get("/notifications/unread-count", Some(token)).await;
        if response.body["unreadCount"] == count {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the notifier did not handle the events within 10 s");
}

/// The migrations that introduced the stored counts and copies compute them from
/// existing rows.
#[tokio::test]
async fn the_migrations_backfill_counts_and_copies_from_existing_rows() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let jane = app.register("jane").await;
    let mut jakes = Vec::new();
    for n in 0..5 {
        jakes.push(
            app.publish(&jake, &format!("Jake {n}"), &["shared", "jake-only"])
                .await,
        );
    }
    app.publish(&jane, "Jane", &["shared", "Beta", "alpha"])
        .await;
    app.publish(&jane, "Untagged", &[]).await;
    for slug in &jakes[1..4] {
        let path = format!("/articles/{slug}/favorite");
        let favorited = app.post(&path, Some(&jane), json!({})).await;
        assert_eq!(favorited.status, StatusCode::OK, "{}", favorited.text);
    }

    // The notifier handles the favorites in the background, reading articles; the
    // migrations below lock them, and would deadlock with it.
    notifications_settle(&app, &jake, 3).await;

    let database = app.database().await;
    // The search document is generated from the copies, so it goes first and comes back last.
    let migrations = [
        ("2026-12-05-000001_article_search", "down.sql"),
        ("2026-12-02-000002_favorite_list_order", "down.sql"),
        ("2026-12-02-000001_article_list_counts", "down.sql"),
        ("2026-12-02-000001_article_list_counts", "up.sql"),
        ("2026-12-02-000002_favorite_list_order", "up.sql"),
        ("2026-12-05-000001_article_search", "up.sql"),
    ];
    for (migration, script) in migrations {
        let path = format!("../../migrations/{migration}/{script}");
        let sql =
            std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {path}: {error}"));
        database
            .batch_execute(&sql)
            .await
            .unwrap_or_else(|error| panic!("run {path}: {error:?}"));
    }

    assert_no_drift(drift(&app).await);
    assert_eq!(articles_count(&app, "/articles", None).await, 7);
    assert_eq!(articles_count(&app, "/articles?author=jake", None).await, 5);
    assert_eq!(articles_count(&app, "/articles?tag=shared", None).await, 6);
    let listed = app.get("/articles?author=jane&tag=alpha", None).await;
    assert_eq!(
        listed.body["articles"][0]["tagList"],
        json!(["Beta", "alpha", "shared"]),
        "{}",
        listed.text
    );
    let favorited = app.get("/articles?favorited=jane", None).await;
    let slugs = listed_slugs(&favorited);
    assert_eq!(
        slugs,
        [&jakes[3], &jakes[2], &jakes[1]],
        "{}",
        favorited.text
    );
}

/// Links, tags and authors changed by hand, as an operator or an instance of the
/// previous version (which knows nothing of the copies) would change them.
#[tokio::test]
async fn links_tags_and_authors_changed_outside_folio_keep_every_copy() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.register("jane").await;
    let handled = app.publish(&jake, "Handled", &["kept", "dropped"]).await;
    let other = app.publish(&jake, "Other", &["added"]).await;
    let third = app.publish(&jake, "Third", &["moved"]).await;

    let database = app.database().await;
    database
        .batch_execute(&format!(
            "INSERT INTO article_tags (article_id, tag_id) \
               SELECT a.id, t.id FROM articles a, tags t \
               WHERE a.slug = '{handled}' AND t.name = 'added'; \
             DELETE FROM article_tags WHERE tag_id = (SELECT id FROM tags WHERE name = 'dropped'); \
             UPDATE articles SET author_id = (SELECT id FROM users WHERE username = 'jane') \
               WHERE slug = '{handled}'; \
             UPDATE tags SET name = 'renamed' WHERE name = 'kept'; \
             UPDATE article_tags SET article_id = (SELECT id FROM articles WHERE slug = '{other}') \
               WHERE article_id = (SELECT id FROM articles WHERE slug = '{third}');"
        ))
        .await
        .expect("change links, tags and authors by hand");

    assert_no_drift(drift(&app).await);
    for (slug, tags) in [
        (&handled, json!(["added", "renamed"])),
        (&other, json!(["added", "moved"])),
        (&third, json!([])),
    ] {
        let row = database
            .query_one("SELECT tag_names FROM articles WHERE slug = $1", &[slug])
            .await
            .expect("read the stored names");
        let stored: Vec<String> = row.get(0);
        assert_eq!(json!(stored), tags, "{slug}");
    }
    assert_eq!(articles_count(&app, "/articles?author=jane", None).await, 1);
    assert_eq!(articles_count(&app, "/articles?author=jake", None).await, 2);
    assert_eq!(articles_count(&app, "/articles?tag=added", None).await, 2);
    assert_eq!(articles_count(&app, "/articles?tag=moved", None).await, 1);
}

/// Deleting an article cascades to its favorites while they may be changing: every
/// request ends in an answer, never in a deadlock (a smoke test: the interleaving
/// that deadlocked is not forced).
#[tokio::test]
async fn deleting_articles_while_they_are_unfavorited_never_fails() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let fan = app.register("fan").await;
    for round in 0..6 {
        let slug = app.publish(&jake, &format!("Fleeting {round}"), &[]).await;
        let path = format!("/articles/{slug}");
        let favorite_path = format!("{path}/favorite");
        let favorited = app.post(&favorite_path, Some(&fan), json!({})).await;
        assert_eq!(favorited.status, StatusCode::OK, "{}", favorited.text);
        let (deleted, unfavorited) = tokio::join!(
            app.delete(&path, Some(&jake)),
            app.delete(&favorite_path, Some(&fan)),
        );
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
        assert!(
            [StatusCode::OK, StatusCode::NOT_FOUND].contains(&unfavorited.status),
            "{}",
            unfavorited.text
        );
    }
    assert_no_drift(drift(&app).await);
    assert_eq!(articles_count(&app, "/articles", None).await, 0);
}

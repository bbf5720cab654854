//! HTTP caching and compression: ETags and 304s, Cache-Control and Vary per kind of
//! caller, and negotiated brotli/gzip above a size threshold.

use std::io::Read as _;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::support::{Response, TestApp, spawn_app, spawn_app_with};

struct Raw {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// A GET with exactly these headers, keeping the body's bytes as sent.
async fn raw_get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Raw {
    let mut request = app.client.get(app.url(&format!("/api/v1{path}")));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request reaches the server");
    Raw {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.bytes().await.expect("read the body").to_vec(),
    }
}

/// A shared cache must key on who asks and what they accept (CORS adds `Origin`).
#[track_caller]
fn assert_varies_by_caller(response: &Response) {
    let vary: Vec<String> = response
        .header("vary")
        .unwrap_or_default()
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    for name in ["authorization", "cookie", "accept-encoding"] {
        assert!(
            vary.contains(&name.to_owned()),
            "Vary {vary:?} lacks {name}"
        );
    }
}

fn etag(response: &Response) -> String {
    response.header("etag").expect("an ETag").to_owned()
}

async fn app_with_articles(count: usize) -> (TestApp, String, String) {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let mut slug = String::new();
    for n in 0..count {
        slug = app
            .publish(&token, &format!("Article number {n}"), &["caching"])
            .await;
    }
    (app, token, slug)
}

// -------------------------------------------------------------- validators

#[tokio::test]
async fn an_anonymous_read_has_a_strong_etag_and_may_be_shared_briefly() {
    let (app, _, slug) = app_with_articles(1).await;

    let response = app.get(&format!("/articles/{slug}"), None).await;

    let tag = etag(&response);
    assert!(tag.starts_with('"') && !tag.starts_with("W/"), "{tag}");
    assert_eq!(
        response.header("cache-control"),
        Some("public, max-age=5, stale-while-revalidate=30")
    );
    assert_varies_by_caller(&response);
}

#[tokio::test]
async fn a_signed_in_read_is_private_and_must_be_revalidated() {
    let (app, token, slug) = app_with_articles(1).await;

    let response = app.get(&format!("/articles/{slug}"), Some(&token)).await;

    assert!(response.header("etag").is_some());
    assert_eq!(response.header("cache-control"), Some("private, no-cache"));
    assert_varies_by_caller(&response);
}

#[tokio::test]
async fn the_tag_list_may_be_shared_for_longer() {
    let (app, _, _) = app_with_articles(1).await;

    let response = app.get("/tags", None).await;

    assert_eq!(
        response.header("cache-control"),
        Some("public, max-age=60, stale-while-revalidate=300")
    );
}

#[tokio::test]
async fn a_matching_if_none_match_gets_304_with_no_body() {
    let (app, token, slug) = app_with_articles(2).await;
    for (path, viewer) in [
        (format!("/articles/{slug}"), None),
        ("/articles".to_owned(), None),
        ("/articles".to_owned(), Some(token.as_str())),
        ("/tags".to_owned(), None),
        ("/profiles/jake".to_owned(), None),
        (format!("/articles/{slug}/comments"), Some(token.as_str())),
    ] {
        let first = app.get(&path, viewer).await;
        let tag = etag(&first);
        let mut headers = vec![("If-None-Match", tag.as_str())];
        let authorization = viewer.map(|t| format!("Token {t}"));
        if let Some(authorization) = &authorization {
            headers.push(("Authorization", authorization));
        }

        let again = raw_get(&app, &path, &headers).await;

        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.body.is_empty(), "{path}");
        assert_eq!(again.header("etag"), Some(tag.as_str()), "{path}");
        assert!(again.header("cache-control").is_some(), "{path}");
    }
}

#[tokio::test]
async fn a_change_gives_a_new_etag_and_the_old_one_gets_the_new_body() {
    let (app, token, slug) = app_with_articles(1).await;
    let before = app.get(&format!("/articles/{slug}"), None).await;
    let old_tag = etag(&before);

    app.put(
        &format!("/articles/{slug}"),
        Some(&token),
        json!({"article": {"body": "edited"}}),
    )
    .await;
    let after = raw_get(
        &app,
        &format!("/articles/{slug}"),
        &[("If-None-Match", old_tag.as_str())],
    )
    .await;

    assert_eq!(after.status, StatusCode::OK);
    assert_ne!(after.header("etag"), Some(old_tag.as_str()));
    let body: Value = serde_json::from_slice(&after.body).expect("JSON");
    assert_eq!(body["article"]["body"], "edited");
}

#[tokio::test]
async fn the_same_article_has_different_tags_for_different_viewers() {
    let (app, _, slug) = app_with_articles(1).await;
    let fan = app.register("fan").await;
    app.post(&format!("/articles/{slug}/favorite"), Some(&fan), json!({}))
        .await;

    let anonymous = app.get(&format!("/articles/{slug}"), None).await;
    let favoriting = app.get(&format!("/articles/{slug}"), Some(&fan)).await;

    assert_ne!(etag(&anonymous), etag(&favoriting));
}

#[tokio::test]
async fn writes_and_errors_carry_no_validator() {
    let (app, token, _) = app_with_articles(0).await;

    let created = app
        .post(
            "/articles",
            Some(&token),
            json!({"article": {"title": "New", "description": "d", "body": "b"}}),
        )
        .await;
    let missing = app.get("/articles/no-such-article", None).await;

    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.header("etag"), None);
    assert_eq!(missing.header("etag"), None);
    assert_eq!(missing.header("cache-control"), None);
}

// ---------------------------------------------------- answers with credentials

#[track_caller]
fn assert_never_stored(response: &Response, what: &str) {
    assert_eq!(
        response.header("cache-control"),
        Some("no-store"),
        "{what}: {} {}",
        response.status,
        response.text
    );
    assert_eq!(response.header("etag"), None, "{what}");
}

/// Sends to `{prefix}{path}` (both API prefixes serve the same routes).
async fn send_under(
    app: &TestApp,
    prefix: &str,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Response {
    let mut request = app
        .client
        .request(method, app.url(&format!("{prefix}{path}")))
        .header("Content-Type", "application/json");
    if let Some(token) = token {
        request = request.header("Authorization", format!("Token {token}"));
    }
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    TestApp::read(request.send().await.expect("request reaches the server")).await
}

#[tokio::test]
async fn answers_that_carry_tokens_or_sessions_are_never_stored_nor_their_errors() {
    use reqwest::Method;
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let login = json!({"user": {"email": "jake@example.com", "password": "correct-horse-42"}});
    let wrong = json!({"user": {"email": "jake@example.com", "password": "not-the-password"}});
    let newcomer = |name: &str| json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": "correct-horse-42"}});

    for prefix in ["/api/v1", "/api"] {
        let cases = [
            (
                Method::POST,
                "/users",
                None,
                Some(newcomer(&format!("new{}", prefix.len()))),
                201,
            ),
            (Method::POST, "/users", None, Some(newcomer("jake")), 422),
            (Method::POST, "/users/login", None, Some(login.clone()), 200),
            (Method::POST, "/users/login", None, Some(wrong.clone()), 401),
            (Method::GET, "/user", Some(token.as_str()), None, 200),
            (Method::GET, "/user", None, None, 401),
            (
                Method::PUT,
                "/user",
                Some(token.as_str()),
                Some(json!({"user": {"bio": "hi"}})),
                200,
            ),
            (Method::PATCH, "/user", Some(token.as_str()), None, 405),
            (Method::POST, "/sessions", None, Some(login.clone()), 201),
            (Method::POST, "/sessions", None, Some(wrong.clone()), 401),
            (Method::GET, "/sessions", Some(token.as_str()), None, 200),
            (Method::GET, "/sessions", None, None, 401),
            (
                Method::DELETE,
                "/sessions/01J0000000000000000000000",
                Some(token.as_str()),
                None,
                404,
            ),
            (
                Method::GET,
                "/admin/audit-events",
                Some(token.as_str()),
                None,
                403,
            ),
            (
                Method::PUT,
                "/admin/users/jake/role",
                None,
                Some(json!({"role": "admin"})),
                401,
            ),
        ];
        for (method, path, token, body, status) in cases {
            let what = format!("{method} {prefix}{path}");
            let response = send_under(&app, prefix, method, path, token, body).await;
            assert_eq!(
                response.status.as_u16(),
                status,
                "{what}: {}",
                response.text
            );
            assert_never_stored(&response, &what);
        }
    }
    let root = app.register("root").await;
    app.grant_role("root", "admin").await;
    let audit = app.get("/admin/audit-events", Some(&root)).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    assert_never_stored(&audit, "the audit log");
    // Content keeps its validators.
    let profile = app.get("/profiles/jake", Some(&token)).await;
    assert_eq!(profile.header("cache-control"), Some("private, no-cache"));
    assert!(profile.header("etag").is_some());
}

#[tokio::test]
async fn the_current_user_is_never_answered_with_304() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let authorization = format!("Token {token}");

    let again = raw_get(
        &app,
        "/user",
        &[("Authorization", &authorization), ("If-None-Match", "*")],
    )
    .await;

    assert_eq!(again.status, StatusCode::OK);
    let body: Value = serde_json::from_slice(&again.body).expect("JSON");
    assert_eq!(body["user"]["token"], token.as_str());
    assert_eq!(again.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn a_refusal_by_the_request_budget_on_those_routes_is_not_stored_either() {
    let app = spawn_app_with(&[("FOLIO_RATE_LIMITS", "on"), ("FOLIO_REQUEST_BURST", "1")]).await;

    let first = app.get("/user", None).await;
    let refused = app.get("/user", None).await;

    assert_never_stored(&first, "the first");
    refused.assert_problem(429, "rate_limited");
    assert_never_stored(&refused, "the refusal");
}

// ------------------------------------------------------------- compression

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

#[tokio::test]
async fn large_answers_are_compressed_as_negotiated() {
    let (app, _, _) = app_with_articles(12).await;
    let plain = raw_get(&app, "/articles", &[]).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.body.len() > 1024, "{} bytes", plain.body.len());

    let brotli = raw_get(&app, "/articles", &[("Accept-Encoding", "gzip, br")]).await;
    let gzip = raw_get(&app, "/articles", &[("Accept-Encoding", "gzip")]).await;

    assert_eq!(brotli.header("content-encoding"), Some("br"));
    assert_eq!(unbrotli(&brotli.body), plain.body);
    assert!(brotli.body.len() * 3 < plain.body.len());
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&gzip.body), plain.body);
    assert!(
        brotli
            .header("vary")
            .is_some_and(|vary| vary.contains("Accept-Encoding"))
    );
}

#[tokio::test]
async fn small_answers_and_refused_codings_are_sent_as_they_are() {
    let (app, _, _) = app_with_articles(1).await;

    let small = raw_get(&app, "/tags", &[("Accept-Encoding", "br, gzip")]).await;
    let refused = raw_get(
        &app,
        "/articles",
        &[("Accept-Encoding", "br;q=0, identity")],
    )
    .await;

    assert_eq!(small.header("content-encoding"), None);
    assert_eq!(small.body, br#"{"tags":["caching"]}"#);
    assert_eq!(refused.header("content-encoding"), None);
}

#[tokio::test]
async fn a_compressed_answer_has_its_own_tag_which_revalidates() {
    let (app, _, _) = app_with_articles(12).await;
    let plain = raw_get(&app, "/articles", &[]).await;
    let brotli = raw_get(&app, "/articles", &[("Accept-Encoding", "br")]).await;
    let plain_tag = plain.header("etag").expect("tag").to_owned();
    let brotli_tag = brotli.header("etag").expect("tag").to_owned();
    assert_eq!(
        brotli_tag,
        format!("{}-br\"", plain_tag.trim_end_matches('"'))
    );

    let again = raw_get(
        &app,
        "/articles",
        &[("Accept-Encoding", "br"), ("If-None-Match", &brotli_tag)],
    )
    .await;

    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(brotli_tag.as_str()));
}

// ------------------------------------------------------- sparse fieldsets

#[tokio::test]
async fn fields_trim_lists_single_articles_and_the_feed() {
    let (app, token, slug) = app_with_articles(2).await;
    let reader = app.register("reader").await;
    app.post("/profiles/jake/follow", Some(&reader), json!({}))
        .await;

    let list = app
        .get("/articles?fields=slug,title,author.username", None)
        .await;
    let single = app
        .get(
            &format!("/articles/{slug}?fields=body,favoritesCount"),
            Some(&token),
        )
        .await;
    let feed = app
        .get("/articles/feed?fields=slug&limit=1", Some(&reader))
        .await;

    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["articlesCount"], 2);
    assert_eq!(
        list.body["articles"][0],
        json!({"slug": slug, "title": "Article number 1", "author": {"username": "jake"}})
    );
    assert_eq!(
        single.body,
        json!({"article": {"body": "the body", "favoritesCount": 0}})
    );
    assert_eq!(
        feed.body,
        json!({"articles": [{"slug": slug}], "articlesCount": 2})
    );
}

#[tokio::test]
async fn unknown_fields_are_refused_with_the_valid_names() {
    let (app, _, slug) = app_with_articles(1).await;

    for path in [
        "/articles?fields=slug,password".to_owned(),
        format!("/articles/{slug}?fields=author.email"),
        "/articles?fields=".to_owned(),
    ] {
        let response = app.get(&path, None).await;
        let body = response.assert_problem(422, "validation_failed");
        let message = body["errors"]["fields"][0].as_str().expect("message");
        assert!(message.contains("author.username"), "{path}: {message}");
    }
}

//! Serving uploaded files: cache headers, conditional requests and ranges.

use reqwest::StatusCode;

use crate::support::uploads::png;
use crate::support::{TestApp, spawn_app, unique_username};

/// An app with one uploaded PNG; its file's URL and bytes as served.
async fn app_with_file() -> (TestApp, String, Vec<u8>) {
    let app = spawn_app().await;
    let token = app.register(&unique_username("uploader")).await;
    let response = app
        .upload(Some(&token), "wall paper.png", &png(300, 200))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let url = response.body["upload"]["url"].as_str().unwrap().to_owned();
    let bytes = app.fetch(&url, &[]).await.bytes().await.unwrap().to_vec();
    assert_eq!(
        Some(u64::try_from(bytes.len()).unwrap()),
        response.body["upload"]["size"].as_u64()
    );
    (app, url, bytes)
}

#[tokio::test]
async fn files_are_immutable_with_a_strong_tag_their_type_and_a_safe_name() {
    let (app, url, _) = app_with_file().await;

    let response = app.fetch(&url, &[]).await;

    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    let name = url.rsplit('/').next().unwrap();
    assert_eq!(headers["etag"], format!("\"{name}\"").as_str());
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["accept-ranges"], "bytes");
    assert_eq!(
        headers["content-disposition"],
        "inline; filename=\"wall paper.png\""
    );
}

#[tokio::test]
async fn a_matching_if_none_match_is_304_without_a_body() {
    let (app, url, _) = app_with_file().await;
    let tag = app.fetch(&url, &[]).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();

    let response = app.fetch(&url, &[("If-None-Match", tag.as_str())]).await;

    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()["etag"], tag.as_str());
    assert!(response.bytes().await.unwrap().is_empty());
    let other = app
        .fetch(&url, &[("If-None-Match", "\"something-else\"")])
        .await;
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_range_is_206_with_exactly_those_bytes() {
    let (app, url, whole) = app_with_file().await;
    let total = whole.len();

    let response = app.fetch(&url, &[("Range", "bytes=10-19")]).await;

    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes 10-19/{total}").as_str()
    );
    assert_eq!(response.headers()["content-length"], "10");
    assert_eq!(
        response.bytes().await.unwrap().to_vec(),
        whole[10..20].to_vec()
    );

    let tail = app.fetch(&url, &[("Range", "bytes=-5")]).await;
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        tail.bytes().await.unwrap().to_vec(),
        whole[total - 5..].to_vec()
    );

    let outside = app
        .fetch(
            &url,
            &[("Range", format!("bytes={}-", total + 10).as_str())],
        )
        .await;
    assert_eq!(outside.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        outside.headers()["content-range"],
        format!("bytes */{total}").as_str()
    );
}

#[tokio::test]
async fn unknown_files_are_404() {
    let app = spawn_app().await;
    let unknown = format!("/api/v1/files/{}.png", "0".repeat(64));
    let response = TestApp::read(app.fetch(&unknown, &[]).await).await;
    response.assert_problem(404, "not_found");
}

#[tokio::test]
async fn head_answers_the_headers_without_the_bytes() {
    let (app, url, whole) = app_with_file().await;

    let response = app.client.head(app.url(&url)).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-length"],
        whole.len().to_string().as_str()
    );
    assert_eq!(response.headers()["content-type"], "image/png");
    assert!(response.bytes().await.unwrap().is_empty());
}

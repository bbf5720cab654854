//! Uploads kept in an S3 bucket (`FOLIO_STORAGE=s3`) on the local S3 server:
//! files are served by redirect to a presigned URL, after the same checks as on
//! the local disk.

use folio_s3::test_bucket::TestBucket;
use folio_server::Config;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

use crate::support::uploads::png;
use crate::support::{TestApp, redis_url, spawn_app_with, unique_username};

/// An app that keeps its files in `bucket`.
async fn app_on(bucket: &TestBucket) -> TestApp {
    let settings = bucket.settings();
    spawn_app_with(&[
        ("FOLIO_STORAGE", "s3"),
        ("FOLIO_S3_BUCKET", &settings.bucket),
        ("FOLIO_S3_ENDPOINT", settings.endpoint.as_deref().unwrap()),
        ("FOLIO_S3_ACCESS_KEY_ID", &settings.access_key_id),
        ("FOLIO_S3_SECRET_ACCESS_KEY", &settings.secret_access_key),
        ("FOLIO_S3_LINK_SECONDS", "120"),
    ])
    .await
}

/// A client that shows redirects instead of following them.
fn not_following() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// GET of a file URL, without following the redirect.
async fn get_file(app: &TestApp, url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = not_following().get(app.url(url));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_uploaded_png_is_stored_in_the_bucket_and_served_by_presigned_redirect() {
    let Some(bucket) = TestBucket::create().await else {
        return;
    };
    let app = app_on(&bucket).await;
    let token = app.register(&unique_username("s3_uploader")).await;

    let created = app
        .upload(Some(&token), "holiday.png", &png(1200, 600))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["upload"]["id"].as_str().unwrap();
    let upload = app.settled_upload(&token, id).await;
    assert_eq!(upload["status"], "ready", "{upload}");

    let url = upload["url"].as_str().unwrap();
    let name = url.rsplit('/').next().unwrap();
    let thumb = upload["variants"]["thumb"].as_str().unwrap();
    let medium = upload["variants"]["medium"].as_str().unwrap();
    let mut expected: Vec<String> = [url, thumb, medium]
        .iter()
        .map(|url| url.rsplit('/').next().unwrap().to_owned())
        .collect();
    expected.sort();
    assert_eq!(bucket.names().await, expected);

    let redirect = get_file(&app, url, &[]).await;
    assert_eq!(redirect.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(redirect.headers()["cache-control"], "private, max-age=60");
    let presigned = location(&redirect);
    let endpoint = bucket.settings().endpoint.clone().unwrap();
    assert!(
        presigned.starts_with(&format!("{endpoint}/{}/{name}?", bucket.settings().bucket)),
        "{presigned}"
    );
    assert!(presigned.contains("X-Amz-Signature="), "{presigned}");
    assert!(presigned.contains("X-Amz-Expires=120"), "{presigned}");

    let served = reqwest::get(&presigned).await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(
        served.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let bytes = served.bytes().await.unwrap();
    assert_eq!(
        Some(u64::try_from(bytes.len()).unwrap()),
        upload["size"].as_u64()
    );
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1200, 600));

    let thumb_redirect = get_file(&app, thumb, &[]).await;
    assert_eq!(thumb_redirect.status(), StatusCode::TEMPORARY_REDIRECT);
    let thumb_bytes = reqwest::get(location(&thumb_redirect))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let decoded = image::load_from_memory(&thumb_bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (160, 80));

    // An ordinary client follows the redirect by itself.
    let followed = app.fetch(url, &[]).await;
    assert_eq!(followed.status(), StatusCode::OK);
    assert_eq!(followed.bytes().await.unwrap(), bytes);
}

#[tokio::test]
async fn conditional_head_and_unsatisfiable_requests_are_answered_without_redirect() {
    let Some(bucket) = TestBucket::create().await else {
        return;
    };
    let app = app_on(&bucket).await;
    let token = app.register(&unique_username("s3_reader")).await;
    let created = app.upload(Some(&token), "wall.png", &png(300, 200)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let url = created.body["upload"]["url"].as_str().unwrap();
    let size = created.body["upload"]["size"].as_u64().unwrap();
    let tag = format!("\"{}\"", url.rsplit('/').next().unwrap());

    let unchanged = get_file(&app, url, &[("If-None-Match", &tag)]).await;
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.headers()["etag"], tag.as_str());

    let head = not_following().head(app.url(url)).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-length"], size.to_string().as_str());
    assert_eq!(head.headers()["content-type"], "image/png");
    assert_eq!(head.headers()["etag"], tag.as_str());
    assert!(head.headers().get("location").is_none());

    let outside = get_file(&app, url, &[("Range", &format!("bytes={}-", size + 10))]).await;
    assert_eq!(outside.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        outside.headers()["content-range"],
        format!("bytes */{size}").as_str()
    );
}

#[tokio::test]
async fn a_range_is_redirected_and_the_bucket_serves_it() {
    let Some(bucket) = TestBucket::create().await else {
        return;
    };
    let app = app_on(&bucket).await;
    let token = app.register(&unique_username("s3_ranger")).await;
    let created = app.upload(Some(&token), "wall.png", &png(300, 200)).await;
    let url = created.body["upload"]["url"].as_str().unwrap();
    let whole = app.fetch(url, &[]).await.bytes().await.unwrap();

    let redirect = get_file(&app, url, &[("Range", "bytes=10-19")]).await;
    assert_eq!(redirect.status(), StatusCode::TEMPORARY_REDIRECT);
    let part = reqwest::Client::new()
        .get(location(&redirect))
        .header("Range", "bytes=10-19")
        .send()
        .await
        .unwrap();

    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 10-19/{}", whole.len()).as_str()
    );
    assert_eq!(part.bytes().await.unwrap(), whole.slice(10..20));
}

#[tokio::test]
async fn names_folio_did_not_make_and_deleted_uploads_are_404_not_redirects() {
    let Some(bucket) = TestBucket::create().await else {
        return;
    };
    let app = app_on(&bucket).await;
    let owner = app.register(&unique_username("s3_owner")).await;
    let created = app.upload(Some(&owner), "gone.png", &png(64, 64)).await;
    let id = created.body["upload"]["id"].as_str().unwrap();
    let url = created.body["upload"]["url"].as_str().unwrap().to_owned();
    let _ = app.settled_upload(&owner, id).await;

    for unknown in [
        format!("/api/v1/files/{}.png", "0".repeat(64)),
        "/api/v1/files/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/api/v1/files/not-a-key.png".to_owned(),
    ] {
        let response = TestApp::read(get_file(&app, &unknown, &[]).await).await;
        response.assert_problem(404, "not_found");
    }

    let deleted = app.delete(&format!("/uploads/{id}"), Some(&owner)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(bucket.names().await, Vec::<String>::new());
    let response = TestApp::read(get_file(&app, &url, &[]).await).await;
    response.assert_problem(404, "not_found");
}

/// Settings for `folio_server::start` that fail before any database is needed.
fn config(settings: &[(&str, &str)]) -> Result<Config, folio_server::config::ConfigError> {
    let mut all: Vec<(String, String)> = vec![
        ("REDIS_URL".into(), redis_url()),
        ("FOLIO_BIND".into(), "127.0.0.1:0".into()),
        ("FOLIO_LOG".into(), "off".into()),
        ("FOLIO_STORAGE".into(), "s3".into()),
    ];
    all.extend(
        settings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Config::from_lookup(|name| {
        all.iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    })
}

#[tokio::test]
async fn incomplete_s3_settings_are_refused_naming_what_is_missing() {
    let error = config(&[
        ("FOLIO_S3_BUCKET", "uploads"),
        ("FOLIO_S3_ACCESS_KEY_ID", "key"),
    ])
    .unwrap_err()
    .to_string();

    assert!(error.contains("FOLIO_S3_SECRET_ACCESS_KEY"), "{error}");
    assert!(error.contains("FOLIO_STORAGE=s3"), "{error}");
}

#[tokio::test]
async fn a_bucket_that_does_not_exist_stops_the_start_without_leaking_the_secret() {
    let Some(bucket) = TestBucket::create().await else {
        return;
    };
    let settings = bucket.settings();
    let missing = format!("{}-missing", settings.bucket);
    let config = config(&[
        ("FOLIO_S3_BUCKET", &missing),
        ("FOLIO_S3_ENDPOINT", settings.endpoint.as_deref().unwrap()),
        ("FOLIO_S3_ACCESS_KEY_ID", &settings.access_key_id),
        ("FOLIO_S3_SECRET_ACCESS_KEY", &settings.secret_access_key),
        // Never reached: the bucket is checked first.
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/folio"),
    ])
    .unwrap();

    let Err(error) = folio_server::start(config).await else {
        panic!("Folio started without its bucket");
    };

    let message = error.to_string();
    assert!(message.contains(&missing), "{message}");
    assert!(message.contains("NoSuchBucket"), "{message}");
    assert_eq!(message.trim_end().lines().count(), 1, "{message:?}");
    assert!(!message.contains(&settings.secret_access_key), "{message}");
    assert!(
        !format!("{error:?}").contains(&settings.secret_access_key),
        "{error:?}"
    );
}

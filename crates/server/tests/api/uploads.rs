//! Uploads over HTTP: what is accepted, what is refused and why, processing into
//! variants, metadata and deletion.

use image::ImageFormat;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::event_stream::{events_key, stream_of};
use crate::support::stored_ids::user_id;
use crate::support::uploads::{form, image_bytes, jpeg_with_gps, png, png_bomb};
use crate::support::{TestApp, redis_url, spawn_app_with, unique_username};

/// Jobs polled often, so processing is quick to watch.
async fn app() -> TestApp {
    spawn_app_with(&[("FOLIO_JOB_POLL_MS", "50")]).await
}

fn file_path(upload: &Value, field: &str) -> String {
    upload[field].as_str().expect("a file url").to_owned()
}

#[tokio::test]
async fn a_png_is_stored_and_becomes_ready_with_both_variants() {
    let app = app().await;
    let token = app.register(&unique_username("uploader")).await;

    let response = app.upload(Some(&token), "photo.png", &png(1200, 600)).await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let upload = &response.body["upload"];
    assert_eq!(upload["contentType"], "image/png");
    assert_eq!(
        (upload["width"].as_u64(), upload["height"].as_u64()),
        (Some(1200), Some(600))
    );
    assert_eq!(upload["status"], "processing");
    assert_eq!(upload["purpose"], "article_image");
    assert_eq!(upload["sha256"].as_str().map(str::len), Some(64));
    assert!(upload["createdAt"].as_str().unwrap().ends_with('Z'));
    let id = upload["id"].as_str().unwrap();

    let settled = app.settled_upload(&token, id).await;

    assert_eq!(settled["status"], "ready", "{settled}");
    for (variant, side) in [("thumb", 160), ("medium", 800)] {
        let url = settled["variants"][variant]
            .as_str()
            .expect("a variant url");
        let served = app.fetch(url, &[]).await;
        assert_eq!(served.status(), StatusCode::OK);
        assert_eq!(served.headers()["content-type"], "image/png");
        let image = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
        assert_eq!(
            (image.width(), image.height()),
            (side, side / 2),
            "{variant}"
        );
    }
}

#[tokio::test]
async fn a_png_named_jpg_and_declared_jpeg_is_stored_as_png() {
    let app = app().await;
    let token = app.register(&unique_username("uploader")).await;
    let (content_type, body) = form("cat.jpg", "image/jpeg", &png(40, 30), &[]);

    let response = app.send_form(Some(&token), content_type, body).await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let upload = &response.body["upload"];
    assert_eq!(upload["contentType"], "image/png");
    let url = file_path(upload, "url");
    assert!(url.ends_with(".png"), "{url}");
    let served = app.fetch(&url, &[]).await;
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn markup_named_png_is_refused_naming_what_it_is() {
    let app = app().await;
    let token = app.register(&unique_username("uploader")).await;

    for (bytes, detected) in [
        (&b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"[..], "text/html"),
        (&b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"[..], "xml"),
        (&b"#!/bin/sh\nrm -rf /\n"[..], "x-sh"),
    ] {
        let response = app.upload(Some(&token), "innocent.png", bytes).await;
        let problem = response.assert_problem(415, "unsupported_media_type");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(detected), "{detail}");
    }
    let stored = app
        .database()
        .await
        .query_one("SELECT count(*) FROM uploads", &[])
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_file_one_byte_over_the_limit_is_413_and_the_server_carries_on() {
    let app = app().await;
    let token = app.register(&unique_username("uploader")).await;
    let mut bytes = png(10, 10);
    bytes.resize(10 * 1024 * 1024 + 1, 0);

    let response = app.upload(Some(&token), "big.png", &bytes).await;

    response.assert_problem(413, "payload_too_large");
    let exactly = app.upload(Some(&token), "small.png", &png(10, 10)).await;
    assert_eq!(exactly.status, StatusCode::CREATED, "{}", exactly.text);
}

#[tokio::test]
async fn a_body_declaring_more_than_the_limit_is_refused_before_it_is_read() {
    let app = spawn_app_with(&[("FOLIO_UPLOAD_MAX_BYTES", "1000")]).await;
    let token = app.register(&unique_username("uploader")).await;

    let response = app.upload(Some(&token), "big.png", &vec![0; 200_000]).await;

    response.assert_problem(413, "payload_too_large");
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_and_the_server_stays_healthy() {
    let app = app().await;
    let token = app.register(&unique_username("uploader")).await;

    for side in [100_000, 10_000] {
        let bomb = png_bomb(side);
        assert!(bomb.len() < 1000);
        let response = app.upload(Some(&token), "bomb.png", &bomb).await;
        response.assert_problem(422, "image_too_large");
    }

    let live = app.fetch("/health/live", &[]).await;
    assert_eq!(live.status(), StatusCode::OK);
    let after = app.upload(Some(&token), "fine.png", &png(20, 20)).await;
    assert_eq!(after.status, StatusCode::CREATED, "{}", after.text);
}

#[tokio::test]
async fn a_corrupt_image_is_refused_as_invalid() {
    let app = app().await;
    let token = app.register(&unique_username("uploader")).await;
    let whole = png(200, 200);

    let response = app
        .upload(Some(&token), "cut.png", &whole[..whole.len() / 2])
        .await;

    response.assert_problem(422, "invalid_image");
}

#[tokio::test]
async fn gps_metadata_never_reaches_the_served_bytes() {
    let app = app().await;
    let token = app.register(&unique_username("uploader")).await;
    let original = jpeg_with_gps(64, 48);
    assert!(original.windows(11).any(|window| window == b"GPSLatitude"));

    let response = app.upload(Some(&token), "phone.jpg", &original).await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    assert_eq!(response.body["upload"]["contentType"], "image/jpeg");
    let served = app
        .fetch(&file_path(&response.body["upload"], "url"), &[])
        .await
        .bytes()
        .await
        .unwrap();
    assert!(!served.windows(3).any(|window| window == b"GPS"));
    assert!(!served.windows(4).any(|window| window == b"Exif"));
    let image = image::load_from_memory(&served).unwrap();
    assert_eq!((image.width(), image.height()), (64, 48));
}

#[tokio::test]
async fn path_traversal_names_are_kept_only_as_harmless_metadata() {
    let app = app().await;
    let token = app.register(&unique_username("uploader")).await;

    let response = app
        .upload(Some(&token), "../../../etc/cron.d/<evil>.png", &png(8, 8))
        .await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let upload = &response.body["upload"];
    assert_eq!(upload["originalName"], "_evil_.png");
    let url = file_path(upload, "url");
    let name = url.strip_prefix("/api/v1/files/").unwrap();
    assert!(name.len() == 68 && name.ends_with(".png"), "{name}");
    let storage = app.storage_dir().unwrap();
    assert!(storage.join(name).is_file());
    assert!(!storage.join("_evil_.png").exists());
    for path in [
        "/api/v1/files/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/files/%2E%2E%2F_evil_.png",
        "/api/v1/files/_evil_.png",
    ] {
        assert_eq!(
            app.fetch(path, &[]).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_same_image_twice_is_stored_once_and_quota_is_enforced() {
    let app = spawn_app_with(&[("FOLIO_UPLOAD_QUOTA_BYTES", "3000")]).await;
    let token = app.register(&unique_username("uploader")).await;
    let image = image_bytes(16, 16, ImageFormat::Png);

    let first = app.upload(Some(&token), "a.png", &image).await;
    let second = app.upload(Some(&token), "b.png", &image).await;

    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(second.body["upload"]["id"], first.body["upload"]["id"]);
    let big = app.upload(Some(&token), "big.png", &png(200, 200)).await;
    big.assert_problem(413, "quota_exceeded");
}

#[tokio::test]
async fn uploading_needs_a_signed_in_user_and_a_multipart_body() {
    let app = app().await;

    let anonymous = app.upload(None, "a.png", &png(8, 8)).await;
    anonymous.assert_problem(401, "unauthorized");

    let token = app.register(&unique_username("uploader")).await;
    let json = app
        .post("/uploads", Some(&token), serde_json::json!({"file": "x"}))
        .await;
    json.assert_problem(415, "unsupported_media_type");
    let (content_type, body) = form("a.png", "image/png", &png(8, 8), &[("purpose", "banner")]);
    let bad_purpose = app.send_form(Some(&token), content_type, body).await;
    bad_purpose.assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn only_the_owner_or_a_moderator_deletes_and_the_files_go_too() {
    let app = app().await;
    let owner = app.register(&unique_username("owner")).await;
    let other = app.register(&unique_username("other")).await;
    let response = app.upload(Some(&owner), "a.png", &png(30, 30)).await;
    let id = response.body["upload"]["id"].as_str().unwrap().to_owned();
    let url = file_path(&response.body["upload"], "url");
    app.settled_upload(&owner, &id).await;

    app.get(&format!("/uploads/{id}"), Some(&other))
        .await
        .assert_problem(404, "not_found");
    app.delete(&format!("/uploads/{id}"), Some(&other))
        .await
        .assert_problem(403, "forbidden");
    app.delete(&format!("/uploads/{id}"), None)
        .await
        .assert_problem(401, "unauthorized");

    let deleted = app.delete(&format!("/uploads/{id}"), Some(&owner)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    app.get(&format!("/uploads/{id}"), Some(&owner))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(app.fetch(&url, &[]).await.status(), StatusCode::NOT_FOUND);
    let left = std::fs::read_dir(app.storage_dir().unwrap())
        .unwrap()
        .flatten()
        .filter(|entry| entry.path().is_file())
        .count();
    assert_eq!(left, 0, "the original and both variants are removed");

    let again = app.upload(Some(&owner), "a.png", &png(30, 30)).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    // The same image again is a new upload with a file of its own, which no removal
    // for the deleted one can reach.
    let again_url = file_path(&again.body["upload"], "url");
    assert_ne!(again_url, url);
    assert_eq!(app.fetch(&again_url, &[]).await.status(), StatusCode::OK);
    let moderator_name = unique_username("moderator");
    let moderator = app.register(&moderator_name).await;
    app.grant_role(&moderator_name, "moderator").await;
    let again_id = again.body["upload"]["id"].as_str().unwrap();
    let removed = app
        .delete(&format!("/uploads/{again_id}"), Some(&moderator))
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
}

#[tokio::test]
async fn a_ready_upload_is_published_for_its_owner() {
    let app = app().await;
    let name = unique_username("uploader");
    let token = app.register(&name).await;
    let response = app.upload(Some(&token), "a.png", &png(20, 20)).await;
    let id = response.body["upload"]["id"].as_str().unwrap().to_owned();
    app.settled_upload(&token, &id).await;
    let owner = user_id(&app, &name).await;

    let mut ready = Vec::new();
    for _ in 0..100 {
        ready = stream_of(&redis_url(), &events_key(&app))
            .await
            .into_iter()
            .filter(|entry| entry.name == "upload.ready")
            .collect();
        if !ready.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    assert_eq!(ready.len(), 1, "{ready:?}");
    assert_eq!(ready[0].payload["upload"], id.as_str());
    assert_eq!(ready[0].payload["owner"], owner.as_str());
}

#[tokio::test]
async fn a_gif_stays_a_gif_and_its_variants_are_png() {
    let app = app().await;
    let token = app.register(&unique_username("uploader")).await;

    let response = app
        .upload(
            Some(&token),
            "anim.png",
            &image_bytes(400, 200, ImageFormat::Gif),
        )
        .await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    assert_eq!(response.body["upload"]["contentType"], "image/gif");
    let id = response.body["upload"]["id"].as_str().unwrap();
    let settled = app.settled_upload(&token, id).await;
    assert_eq!(settled["status"], "ready", "{settled}");
    let thumb = settled["variants"]["thumb"].as_str().unwrap();
    assert!(thumb.ends_with("-thumb.png"), "{thumb}");
    let served = app.fetch(thumb, &[]).await;
    assert_eq!(served.headers()["content-type"], "image/png");
    let image = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((image.width(), image.height()), (160, 80));
}

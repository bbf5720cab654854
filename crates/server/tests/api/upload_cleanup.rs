//! The cleanup of what uploads leave behind: uploads never attached within
//! `FOLIO_UPLOAD_ORPHAN_TTL` and files no upload names, by the recurring job and
//! by `folio maintenance cleanup-uploads [--dry-run]`.

use std::process::Output;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::uploads::png;
use crate::support::{TestApp, run_folio, spawn_app_with, unique_username};

/// Uploads a distinct PNG and waits until its variants exist; the upload's body.
async fn ready_upload(app: &TestApp, token: &str, side: u32) -> Value {
    let response = app.upload(Some(token), "pic.png", &png(side, side)).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let id = response.body["upload"]["id"].as_str().unwrap().to_owned();
    app.settled_upload(token, &id).await
}

/// Makes the upload look created `hours` ago.
async fn age(app: &TestApp, upload: &Value, hours: i32) {
    let id = upload["id"].as_str().unwrap();
    app.database()
        .await
        .execute(
            "UPDATE uploads SET created_at = now() - make_interval(hours => $2) \
             WHERE id = $1::text::uuid",
            &[&id, &hours],
        )
        .await
        .unwrap();
}

/// Writes a file Folio did not record, last changed `hours` ago.
fn stray_file(app: &TestApp, name: &str, hours: u64) -> std::path::PathBuf {
    let path = app.storage_dir().unwrap().join(name);
    std::fs::write(&path, b"left behind").unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(hours * 3600))
        .unwrap();
    path
}

/// Whether the owner can still see the upload.
async fn exists(app: &TestApp, token: &str, upload: &Value) -> bool {
    let id = upload["id"].as_str().unwrap();
    let response = app.get(&format!("/uploads/{id}"), Some(token)).await;
    response.status == StatusCode::OK
}

async fn served(app: &TestApp, upload: &Value, field: &str) -> StatusCode {
    app.fetch(upload[field].as_str().unwrap(), &[])
        .await
        .status()
}

/// Runs `folio <args>` against `app`, which must succeed.
async fn folio(app: &TestApp, args: &[&str]) -> Output {
    let output = run_folio(app, args).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn file_name(upload: &Value) -> String {
    upload["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_cleanup_command_removes_old_orphans_and_stray_files_and_a_dry_run_nothing() {
    let app = spawn_app_with(&[("FOLIO_JOB_POLL_MS", "50")]).await;
    let token = app.register(&unique_username("cleaner")).await;
    let orphan = ready_upload(&app, &token, 40).await;
    let attached = ready_upload(&app, &token, 41).await;
    let young = ready_upload(&app, &token, 42).await;
    let set = app
        .put(
            "/user",
            Some(&token),
            json!({"user": {"image": attached["id"]}}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    age(&app, &orphan, 25).await;
    age(&app, &attached, 48).await;
    age(&app, &young, 23).await;
    let stem = "b".repeat(64);
    let stray = stray_file(&app, &format!("{stem}-medium.png"), 30);
    let fresh_stray = stray_file(&app, &format!("{}.png", "c".repeat(64)), 1);
    let foreign = stray_file(&app, "README", 30);

    let dry = lines(&folio(&app, &["maintenance", "cleanup-uploads", "--dry-run"]).await);

    let orphan_line = dry
        .iter()
        .find(|line| line.starts_with("upload\t"))
        .expect("the orphan is listed");
    assert!(
        orphan_line.contains(orphan["id"].as_str().unwrap()),
        "{dry:?}"
    );
    assert!(orphan_line.ends_with(&file_name(&orphan)), "{dry:?}");
    assert_eq!(
        dry[1..],
        [
            format!("file\t{stem}-medium.png"),
            "1 upload(s) and 1 file(s) would be removed".to_owned()
        ],
        "{dry:?}"
    );
    assert!(
        exists(&app, &token, &orphan).await,
        "a dry run deletes nothing"
    );
    assert_eq!(served(&app, &orphan, "url").await, StatusCode::OK);
    assert!(stray.exists());

    let done = lines(&folio(&app, &["maintenance", "cleanup-uploads"]).await);

    assert_eq!(
        done.last().map(String::as_str),
        Some("1 upload(s) and 1 file(s) removed")
    );
    assert!(!exists(&app, &token, &orphan).await);
    let storage = app.storage_dir().unwrap();
    assert!(!storage.join(file_name(&orphan)).exists(), "its file went");
    for variant in ["thumb", "medium"] {
        let url = orphan["variants"][variant].as_str().unwrap();
        assert!(
            !storage.join(url.rsplit('/').next().unwrap()).exists(),
            "{variant}"
        );
    }
    assert!(!stray.exists());
    assert!(fresh_stray.exists(), "too young to be a leftover");
    assert!(foreign.exists(), "not a name Folio makes");
    for kept in [&attached, &young] {
        assert!(exists(&app, &token, kept).await);
        assert_eq!(served(&app, kept, "url").await, StatusCode::OK);
    }

    let again = lines(&folio(&app, &["maintenance", "cleanup-uploads"]).await);
    assert_eq!(again, ["0 upload(s) and 0 file(s) removed"]);
}

#[tokio::test]
async fn the_recurring_job_removes_an_orphan_past_the_configured_ttl() {
    let app = spawn_app_with(&[
        ("FOLIO_JOB_POLL_MS", "50"),
        ("FOLIO_UPLOAD_ORPHAN_TTL", "2h"),
        ("FOLIO_UPLOAD_CLEANUP_EVERY_SECONDS", "1"),
    ])
    .await;
    let token = app.register(&unique_username("recurring")).await;
    let orphan = ready_upload(&app, &token, 40).await;
    let young = ready_upload(&app, &token, 41).await;
    age(&app, &orphan, 3).await;
    age(&app, &young, 1).await;

    let mut removed = false;
    for _ in 0..150 {
        if !exists(&app, &token, &orphan).await {
            removed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    assert!(removed, "the orphan is still there after 15 s");
    assert_eq!(served(&app, &orphan, "url").await, StatusCode::NOT_FOUND);
    assert!(exists(&app, &token, &young).await);
}

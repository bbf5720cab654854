//! Durable jobs survive the death of the instance that runs them: an instance is
//! killed while it holds an upload's variants job, another starts on the same
//! database, and the upload still becomes ready.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;

use crate::support::uploads::png;
use crate::support::{TestApp, redis_url, spawn_app_with, unique_username};

/// A `folio serve` process working on `app`'s database and files, killed when
/// dropped (a failing test leaves no process behind).
struct Instance(Child);

impl Instance {
    /// Starts one with a job worker whose claims lapse after 1 s without a
    /// heartbeat, and waits until it answers.
    async fn start(app: &TestApp) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_folio"))
            .arg("serve")
            .env_clear()
            .env("DATABASE_URL", app.database_url())
            .env("REDIS_URL", redis_url())
            .env("FOLIO_REDIS_PREFIX", app.redis_prefix())
            .env("FOLIO_BIND", format!("127.0.0.1:{port}"))
            .env("FOLIO_STORAGE_DIR", app.storage_dir().unwrap())
            .env("FOLIO_WORKERS", "1")
            .env("FOLIO_JOB_WORKERS", "1")
            .env("FOLIO_JOB_POLL_MS", "50")
            .env("FOLIO_JOB_VISIBILITY_SECONDS", "1")
            .env("FOLIO_LOG", "off")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start folio serve");
        let instance = Self(child);
        let live = format!("http://127.0.0.1:{port}/health/live");
        for _ in 0..600 {
            if reqwest::get(&live)
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
            {
                return instance;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("folio serve did not answer within 60 s");
    }

    /// SIGKILL: no shutdown, no release of what it holds.
    fn kill(mut self) {
        self.0.kill().expect("kill the instance");
        self.0.wait().expect("reap the instance");
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Backends that changed `uploads` and now wait for the outbox: a settlement
/// writing its event.
const SETTLING: &str = "SELECT DISTINCT held.pid FROM pg_locks held \
     JOIN pg_locks waiting ON waiting.pid = held.pid \
     WHERE held.relation = 'uploads'::regclass AND held.mode = 'RowExclusiveLock' \
     AND held.granted AND waiting.relation = 'outbox'::regclass AND NOT waiting.granted";

async fn job_state(app: &TestApp) -> (String, i32) {
    let row = app
        .database()
        .await
        .query_one(
            "SELECT state, attempts FROM jobs WHERE kind = 'uploads.make_variants'",
            &[],
        )
        .await
        .expect("the variants job");
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn a_variants_job_cut_off_by_a_killed_instance_completes_after_a_restart() {
    // This instance serves the requests and runs no jobs; the jobs are the
    // separate processes'.
    let app = spawn_app_with(&[("FOLIO_JOB_WORKERS", "0")]).await;
    let token = app.register(&unique_username("restart")).await;
    // Keeps every event out of the outbox until released, so the job's settlement
    // (status and event in one transaction) waits with the job claimed and running.
    let gate = app.database().await;
    gate.batch_execute("BEGIN; LOCK TABLE outbox IN SHARE MODE")
        .await
        .unwrap();
    let first = Instance::start(&app).await;

    let response = app.upload(Some(&token), "photo.png", &png(1200, 600)).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let id = response.body["upload"]["id"].as_str().unwrap().to_owned();
    let watcher = app.database().await;
    let mut settling: Vec<i32> = Vec::new();
    for _ in 0..600 {
        settling = watcher
            .query(SETTLING, &[])
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        if !settling.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(settling.len(), 1, "the job never reached its settlement");
    assert_eq!(job_state(&app).await, ("running".to_owned(), 1));

    first.kill();
    // The dead process's backend would wait for the lock forever.
    for pid in &settling {
        watcher
            .execute("SELECT pg_terminate_backend($1)", &[pid])
            .await
            .unwrap();
    }
    gate.batch_execute("ROLLBACK").await.unwrap();

    let upload = app.get(&format!("/uploads/{id}"), Some(&token)).await;
    assert_eq!(
        upload.body["upload"]["status"], "processing",
        "nothing settled"
    );
    assert_eq!(
        job_state(&app).await.0,
        "running",
        "still held by the dead instance"
    );

    let _second = Instance::start(&app).await;
    let settled = app.settled_upload(&token, &id).await;

    assert_eq!(settled["status"], "ready", "{settled}");
    for variant in ["thumb", "medium"] {
        let url = settled["variants"][variant]
            .as_str()
            .expect("a variant url");
        assert_eq!(app.fetch(url, &[]).await.status(), StatusCode::OK);
    }
    assert_eq!(
        job_state(&app).await,
        ("done".to_owned(), 2),
        "claimed again once"
    );
}

//! Starting, failing to start, and migrating: the library entry points and the binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use folio_postgres::{revert_all_migrations, run_migrations};
use folio_server::Config;
use serde_json::json;
use tokio_postgres::NoTls;

use crate::support::{admin_database_url, redis_url, spawn_app_with};

/// A database of our own, dropped (WITH (FORCE)) when the guard goes, even when the
/// test panicked. `reserve` only picks the name; `create` also creates it.
pub(crate) struct TempDatabase {
    pub name: String,
    pub url: String,
}

impl TempDatabase {
    pub(crate) fn reserve(label: &str) -> Self {
        let name = format!("folio_{label}_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_database_url();
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(base, _)| base);
        Self {
            url: format!("{base}/{name}"),
            name,
        }
    }

    pub(crate) async fn new(label: &str) -> Self {
        let database = Self::reserve(label);
        admin()
            .await
            .batch_execute(&format!("CREATE DATABASE \"{}\"", database.name))
            .await
            .expect("create a test database");
        database
    }

    pub(crate) async fn connect(&self) -> tokio_postgres::Client {
        connect(&self.url).await
    }

    pub(crate) async fn execute(&self, sql: &str) {
        self.connect().await.batch_execute(sql).await.expect(sql);
    }

    pub(crate) async fn exists(&self) -> bool {
        admin()
            .await
            .query_opt(
                "SELECT 1 FROM pg_database WHERE datname = $1",
                &[&self.name],
            )
            .await
            .expect("query pg_database")
            .is_some()
    }

    pub(crate) async fn has_table(&self, table: &str) -> bool {
        self.connect()
            .await
            .query_one(
                "SELECT to_regclass($1) IS NOT NULL",
                &[&format!("public.{table}")],
            )
            .await
            .expect("look the table up")
            .get(0)
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let (client, connection) =
                    tokio_postgres::connect(&admin_database_url(), NoTls).await?;
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
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

async fn admin() -> tokio_postgres::Client {
    connect(&admin_database_url()).await
}

/// How many migrations the workspace has (one directory each).
fn migration_count() -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    std::fs::read_dir(dir)
        .expect("read migrations/")
        .flatten()
        .filter(|entry| entry.path().join("up.sql").is_file())
        .count()
}

fn config(settings: &[(&str, &str)]) -> Config {
    let mut all: Vec<(String, String)> = vec![
        ("REDIS_URL".into(), redis_url()),
        ("FOLIO_BIND".into(), "127.0.0.1:0".into()),
        ("FOLIO_WORKERS".into(), "1".into()),
        ("FOLIO_LOG".into(), "off".into()),
    ];
    for (name, value) in settings {
        all.retain(|(existing, _)| existing != name);
        all.push(((*name).to_owned(), (*value).to_owned()));
    }
    Config::from_lookup(|name| {
        all.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    })
    .expect("valid configuration")
}

/// Runs the real binary with a controlled environment. The deadline only stops a
/// hung process from hanging the suite; nothing asserts on durations.
fn run_folio(subcommand: &str, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
    command
        .arg(subcommand)
        .env_clear()
        .env("REDIS_URL", redis_url())
        .env("FOLIO_BIND", "127.0.0.1:0")
        .env("FOLIO_WORKERS", "1")
        .env("FOLIO_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start the folio binary");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("poll the folio binary").is_some() {
            return child.wait_with_output().expect("collect the output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("collect the output");
            panic!(
                "folio {subcommand} did not exit: stdout {} stderr {}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn run_folio_async(subcommand: &'static str, env: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_folio(subcommand, &env)
    })
    .await
    .expect("the binary runner does not panic")
}

const UNREACHABLE: &str = "postgres://postgres:s3cret@127.0.0.1:1/folio";

#[tokio::test]
async fn start_reports_an_unreachable_database_in_one_line() {
    let outcome = folio_server::start(config(&[("DATABASE_URL", UNREACHABLE)])).await;
    let Err(error) = outcome else {
        panic!("Folio started without a database");
    };
    let message = error.to_string();
    assert!(!message.trim().is_empty());
    assert_eq!(
        message.trim_end().lines().count(),
        1,
        "one line: {message:?}"
    );
    assert!(
        message.to_lowercase().contains("cannot connect"),
        "{message}"
    );
    assert!(
        message.contains("127.0.0.1:1"),
        "names the target: {message}"
    );
    assert!(!message.contains("s3cret"), "leaks the password: {message}");
    assert!(
        !format!("{error:?}").contains("s3cret"),
        "Debug leaks the password: {error:?}"
    );
}

#[tokio::test]
async fn migrate_reports_an_unreachable_database_without_the_password() {
    let outcome = folio_server::migrate(&config(&[("DATABASE_URL", UNREACHABLE)])).await;
    let Err(error) = outcome else {
        panic!("migrated without a database");
    };
    let message = error.to_string();
    assert_eq!(
        message.trim_end().lines().count(),
        1,
        "one line: {message:?}"
    );
    assert!(
        message.to_lowercase().contains("cannot connect"),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");
}

#[tokio::test]
async fn the_binary_exits_non_zero_with_one_line_when_the_database_is_down() {
    for subcommand in ["serve", "migrate"] {
        let output =
            run_folio_async(subcommand, vec![("DATABASE_URL", UNREACHABLE.to_owned())]).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            !output.status.success(),
            "folio {subcommand} succeeded: {stdout} {stderr}"
        );
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "folio {subcommand}: one line: {stderr:?}"
        );
        assert!(stderr.starts_with("folio:"), "{stderr:?}");
        assert!(
            stderr.to_lowercase().contains("cannot connect"),
            "{stderr:?}"
        );
        for text in [&stderr, &stdout] {
            assert!(!text.contains("panicked"), "{text}");
            assert!(!text.contains("s3cret"), "{text}");
        }
    }
}

#[tokio::test]
async fn the_binary_names_a_bad_setting_and_exits_non_zero() {
    let database = TempDatabase::reserve("startup");
    let output = run_folio_async(
        "serve",
        vec![
            ("DATABASE_URL", database.url.clone()),
            ("FOLIO_DB_POOL_SIZE", "lots".to_owned()),
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr:?}");
    assert!(
        stderr.starts_with("folio:") && stderr.contains("FOLIO_DB_POOL_SIZE"),
        "{stderr:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // It failed before touching the database.
    assert!(!database.exists().await);
}

#[tokio::test]
async fn migrate_creates_the_database_and_is_idempotent() {
    let database = TempDatabase::reserve("startup");
    assert!(!database.exists().await);
    let env = || vec![("DATABASE_URL", database.url.clone())];

    let first = run_folio_async("migrate", env()).await;
    let stdout = String::from_utf8_lossy(&first.stdout);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "stdout {stdout} stderr {stderr}");
    assert!(
        stdout.contains(&format!("applied {} migration(s)", migration_count())),
        "{stdout}"
    );
    assert!(database.exists().await);
    for table in ["users", "articles", "comments", "tags", "sessions"] {
        assert!(database.has_table(table).await, "{table} exists");
    }

    let second = run_folio_async("migrate", env()).await;
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(
        second.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(stdout.contains("applied 0 migration(s)"), "{stdout}");
    assert!(database.has_table("articles").await);
}

#[tokio::test]
async fn concurrent_migrations_of_a_new_database_both_succeed() {
    let database = TempDatabase::reserve("startup");
    let config = config(&[("DATABASE_URL", &database.url)]);
    let (one, two) = tokio::join!(
        folio_server::migrate(&config),
        folio_server::migrate(&config)
    );
    let one = one.expect("the first migrate succeeds");
    let two = two.expect("the second migrate succeeds");
    // Each migration ran exactly once, in one of the two.
    assert_eq!(one.len() + two.len(), migration_count(), "{one:?} {two:?}");
    assert!(one.is_empty() || two.is_empty(), "{one:?} {two:?}");
    assert!(database.has_table("articles").await);
    // And a third finds nothing left to do.
    assert_eq!(
        folio_server::migrate(&config).await.expect("migrate"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn concurrent_migrations_of_an_existing_database_take_turns() {
    // The database exists but is empty: only the advisory lock keeps the instances apart.
    let database = TempDatabase::new("startup").await;
    let config = config(&[("DATABASE_URL", &database.url)]);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let config = config.clone();
            tokio::spawn(async move {
                folio_server::migrate(&config)
                    .await
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    let mut applied = Vec::new();
    for run in runs {
        let versions = run
            .await
            .expect("no panic")
            .expect("every instance migrates");
        applied.push(versions.len());
    }
    applied.sort_unstable();
    assert_eq!(
        applied,
        [0, 0, 0, migration_count()],
        "exactly one instance applied the migrations"
    );
    assert!(database.has_table("articles").await);
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let database = TempDatabase::new("startup").await;
    let tables = [
        "users",
        "sessions",
        "follows",
        "articles",
        "tags",
        "article_tags",
        "favorites",
        "comments",
    ];

    let up = run_migrations(&database.url).await.expect("first up");
    assert_eq!(up.len(), migration_count());
    for table in tables {
        assert!(database.has_table(table).await, "{table} after up");
    }

    let reverted = revert_all_migrations(&database.url).await.expect("down");
    assert!(reverted >= 1);
    assert_eq!(reverted, up.len());
    for table in tables {
        assert!(!database.has_table(table).await, "{table} after down");
    }

    let again = run_migrations(&database.url).await.expect("second up");
    assert_eq!(again, up);
    for table in tables {
        assert!(
            database.has_table(table).await,
            "{table} after the second up"
        );
    }
    assert!(
        run_migrations(&database.url)
            .await
            .expect("third up")
            .is_empty()
    );

    // The re-created schema serves the API.
    let app = spawn_app_with(&[("DATABASE_URL", &database.url)]).await;
    let token = app.register("jake").await;
    let slug = app
        .publish(&token, "After the round trip", &["migrations"])
        .await;
    let comment = app
        .post(
            &format!("/articles/{slug}/comments"),
            Some(&token),
            json!({"comment": {"body": "still here"}}),
        )
        .await;
    assert_eq!(comment.status, 200, "{}", comment.text);
    let tags = app.get("/tags", None).await;
    assert_eq!(tags.body["tags"], json!(["migrations"]));
}

#[tokio::test]
async fn start_migrates_a_brand_new_database_and_serves() {
    let database = TempDatabase::reserve("startup");
    assert!(!database.exists().await);
    let app = spawn_app_with(&[("DATABASE_URL", &database.url)]).await;
    assert!(database.has_table("articles").await);
    let token = app.register("jake").await;
    app.publish(&token, "Fresh", &[]).await;
    let list = app.get("/articles", None).await;
    assert_eq!(list.body["articlesCount"], 1);
}

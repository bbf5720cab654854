//! A client that behaves like RealWorld front ends: JSON content type on every
//! request, `Authorization: Token …` when signed in.

use std::net::SocketAddr;

use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

use folio_server::{AuditTallyFlush, StopHandle};

use super::StorageDir;
use super::database::TestDatabase;
use super::redis_keys;

pub struct TestApp {
    pub address: SocketAddr,
    /// The `/metrics` listener, when the app runs with `FOLIO_METRICS_BIND`.
    pub metrics_address: Option<SocketAddr>,
    pub client: reqwest::Client,
    stop: StopHandle,
    audit_tally: AuditTallyFlush,
    database: TestDatabase,
    redis_prefix: String,
    storage: Option<StorageDir>,
}

#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// SQL statements the request ran (the server runs with query counting on).
    pub fn query_count(&self) -> u32 {
        self.header("x-query-count")
            .and_then(|v| v.parse().ok())
            .expect("X-Query-Count header")
    }

    /// Asserts a problem+json error with this status and code, and returns its body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "status of {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        assert_eq!(self.body["code"], code, "{}", self.text);
        assert_eq!(self.body["status"], status, "{}", self.text);
        assert!(
            self.body["request_id"]
                .as_str()
                .is_some_and(|id| !id.is_empty() && id != "-")
        );
        assert_eq!(
            self.body["request_id"].as_str(),
            self.header("x-request-id")
        );
        &self.body
    }
}

impl TestApp {
    pub(super) fn new(
        address: SocketAddr,
        database: TestDatabase,
        redis_prefix: String,
        stop: StopHandle,
        audit_tally: AuditTallyFlush,
    ) -> Self {
        Self {
            address,
            metrics_address: None,
            client: reqwest::Client::new(),
            stop,
            audit_tally,
            database,
            redis_prefix,
            storage: None,
        }
    }

    pub(super) fn with_storage(mut self, storage: StorageDir) -> Self {
        self.storage = Some(storage);
        self
    }

    /// Where this app keeps uploaded files (`FOLIO_STORAGE_DIR`).
    pub fn storage_dir(&self) -> Option<&std::path::Path> {
        self.storage.as_ref().map(StorageDir::path)
    }

    /// Writes the audit rows of every open tally now, instead of when its window
    /// ends, so a test can read what repeated failures left in the log.
    pub async fn flush_audit_tally(&self) {
        self.audit_tally.flush_everything().await;
    }

    pub(super) fn with_metrics_address(mut self, metrics_address: Option<SocketAddr>) -> Self {
        self.metrics_address = metrics_address;
        self
    }

    /// Stops the server gracefully and waits until it has stopped.
    pub async fn shut_down(&self) {
        self.stop.stop(true).await;
    }

    /// This app's own database (`DATABASE_URL`).
    pub fn database_url(&self) -> &str {
        &self.database.url
    }

    /// The prefix of this app's Redis keys (`FOLIO_REDIS_PREFIX`).
    pub fn redis_prefix(&self) -> &str {
        &self.redis_prefix
    }

    /// Drops this app's cached session lookups, as an operator must after changing
    /// sessions or users in the database behind the API's back.
    pub async fn forget_cached_sessions(&self) {
        let mut connection = redis_keys::connect().await.expect("connect to Redis");
        redis_keys::delete_matching(&mut connection, &format!("{}session:*", self.redis_prefix))
            .await
            .expect("drop cached sessions");
    }

    /// A direct connection to this app's own database, for arranging states the API
    /// cannot reach (an expired session, a moderator) and for checking what was stored.
    pub async fn database(&self) -> tokio_postgres::Client {
        let (client, connection) =
            tokio_postgres::connect(&self.database.url, tokio_postgres::NoTls)
                .await
                .expect("connect to the test database");
        tokio::spawn(connection);
        client
    }

    /// Makes the audit log refuse rows of `event_type`, so that a change which must
    /// write one fails when it does.
    pub async fn refuse_audit_rows(&self, event_type: &str) {
        self.database()
            .await
            .batch_execute(&format!(
                "ALTER TABLE audit_events ADD CONSTRAINT refuse_{event_type} \
                 CHECK (event_type <> '{event_type}')"
            ))
            .await
            .expect("make the audit rows fail");
    }

    /// Gives `username` a role directly in the database, as an operator would.
    pub async fn grant_role(&self, username: &str, role: &str) {
        let changed = self
            .database()
            .await
            .execute(
                "UPDATE users SET role = $2 WHERE username = $1",
                &[&username, &role],
            )
            .await
            .expect("set the role");
        assert_eq!(changed, 1, "{username} exists");
        self.forget_cached_sessions().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    /// Sends `body` (or nothing) to `/api/v1{path}` with an optional token.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, self.url(&format!("/api/v1{path}")))
            .header("Content-Type", "application/json")
            .header("X-Requested-With", "XMLHttpRequest");
        if let Some(token) = token {
            request = request.header("Authorization", format!("Token {token}"));
        }
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        Self::read(request.send().await.expect("request reaches the server")).await
    }

    pub async fn read(response: reqwest::Response) -> Response {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("read the body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.send(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.send(Method::DELETE, path, token, None).await
    }

    /// Registers `username` (email `username@example.com`, password `correct-horse-42`)
    /// and returns the token.
    pub async fn register(&self, username: &str) -> String {
        let response = self
            .post(
                "/users",
                None,
                json!({"user": {"username": username, "email": format!("{username}@example.com"), "password": "correct-horse-42"}}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        response.body["user"]["token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// Publishes an article and returns its slug.
    pub async fn publish(&self, token: &str, title: &str, tags: &[&str]) -> String {
        let response = self
            .post(
                "/articles",
                Some(token),
                json!({"article": {"title": title, "description": "about it", "body": "the body", "tagList": tags}}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        response.body["article"]["slug"]
            .as_str()
            .expect("slug")
            .to_owned()
    }

    /// `token`'s user follows `username`.
    pub async fn follow(&self, token: &str, username: &str) {
        let path = format!("/profiles/{username}/follow");
        let response = self.post(&path, Some(token), json!({})).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    }

    /// `token`'s user favorites the article `slug`.
    pub async fn favorite(&self, token: &str, slug: &str) {
        let path = format!("/articles/{slug}/favorite");
        let response = self.post(&path, Some(token), json!({})).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    }

    /// Comments on an article and returns the comment's id.
    pub async fn comment(&self, token: &str, slug: &str, body: &str) -> i64 {
        let response = self
            .post(
                &format!("/articles/{slug}/comments"),
                Some(token),
                json!({"comment": {"body": body}}),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        response.body["comment"]["id"]
            .as_i64()
            .expect("a comment id")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting and close workers; the database is dropped right after.
        drop(self.stop.stop(false));
        forget_redis_keys(&self.redis_prefix);
    }
}

/// Tests leave nothing behind in Redis either (some keys, like the shared cache
/// versions, never expire on their own).
/// Deletes every Redis key under `prefix`, from any context (drops included).
pub fn forget_redis_keys(prefix: &str) {
    let pattern = format!("{prefix}*");
    let forgotten = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let mut connection = redis_keys::connect().await?;
            redis_keys::delete_matching(&mut connection, &pattern).await
        })?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
    .join();
    if !matches!(forgotten, Ok(Ok(()))) {
        eprintln!("warning: could not remove the test's Redis keys");
    }
}

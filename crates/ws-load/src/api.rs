//! What the generator does over HTTP: accounts, articles, comments.

use std::time::Duration;

use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

const PASSWORD: &str = "a long load test password 1";

#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
}

#[derive(Debug)]
pub struct ApiError(pub String);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Api {
    pub fn new(base: String) -> Result<Self, ApiError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| ApiError(format!("HTTP client: {e}")))?;
        Ok(Self { client, base })
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Result<Value, ApiError> {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Token {token}"));
        }
        let response = request
            .send()
            .await
            .map_err(|e| ApiError(format!("POST {path}: {e}")))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| ApiError(format!("POST {path}: {e}")))?;
        if !status.is_success() {
            return Err(ApiError(format!("POST {path}: {status}: {text}")));
        }
        serde_json::from_str(&text).map_err(|e| ApiError(format!("POST {path}: {e}: {text}")))
    }

    /// Registers `username` and returns its token.
    pub async fn register(&self, username: &str) -> Result<String, ApiError> {
        let body = json!({"user": {
            "username": username,
            "email": format!("{username}@load.example"),
            "password": PASSWORD,
        }});
        let reply = self.post("/users", None, body).await?;
        text(&reply, "/user/token")
    }

    /// Registers `count` users named `<prefix><n>`, `parallel` at a time.
    pub async fn register_many(
        &self,
        prefix: &str,
        count: usize,
        parallel: usize,
    ) -> Result<Vec<String>, ApiError> {
        stream::iter(0..count)
            .map(|n| async move { self.register(&format!("{prefix}{n}")).await })
            .buffered(parallel)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect()
    }

    /// Publishes an article and returns its slug.
    pub async fn publish(&self, token: &str, title: &str) -> Result<String, ApiError> {
        let body = json!({"article": {
            "title": title,
            "description": "followed live",
            "body": "comments on this article are watched by many sockets",
            "tagList": [],
        }});
        let reply = self.post("/articles", Some(token), body).await?;
        text(&reply, "/article/slug")
    }

    pub async fn publish_many(
        &self,
        token: &str,
        count: usize,
        parallel: usize,
    ) -> Result<Vec<String>, ApiError> {
        stream::iter(0..count)
            .map(|n| async move { self.publish(token, &format!("Live article {n}")).await })
            .buffered(parallel)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect()
    }

    /// Comments on the article and returns the comment's id.
    pub async fn comment(&self, token: &str, slug: &str) -> Result<i64, ApiError> {
        let body = json!({"comment": {"body": "how fast does this arrive?"}});
        let reply = self
            .post(&format!("/articles/{slug}/comments"), Some(token), body)
            .await?;
        reply
            .pointer("/comment/id")
            .and_then(Value::as_i64)
            .ok_or_else(|| ApiError(format!("no comment id in {reply}")))
    }
}

/// The text at `pointer` in `reply`.
fn text(reply: &Value, pointer: &str) -> Result<String, ApiError> {
    reply
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ApiError(format!("no {pointer} in {reply}")))
}

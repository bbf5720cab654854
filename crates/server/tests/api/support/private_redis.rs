//! A Redis of a test's own, for tests that pause or stop it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A redis-server on a free port, stopped when dropped.
pub struct PrivateRedis {
    process: Child,
    pub url: String,
}

impl PrivateRedis {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let process = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/ensure-services.sh installs it)");
        let url = format!("redis://127.0.0.1:{port}");
        for _ in 0..100 {
            if Self::client(&url).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Self { process, url }
    }

    async fn client(url: &str) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
        redis::Client::open(url)?
            .get_multiplexed_async_connection()
            .await
    }

    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        Self::client(&self.url).await.expect("connect")
    }

    /// Makes Redis hold every client's commands for `millis`.
    pub async fn pause(&self, millis: u64) {
        redis::cmd("CLIENT")
            .arg("PAUSE")
            .arg(millis)
            .arg("ALL")
            .query_async::<()>(&mut self.connection().await)
            .await
            .expect("pause Redis");
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

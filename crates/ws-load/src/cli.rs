use std::time::Duration;

use clap::Parser;

/// Opens many authenticated sockets on a running Folio, posts comments at a steady
/// rate and measures how long each takes to reach every subscribed socket; then,
/// while the server is restarted by the caller, how long all sockets take to come
/// back and whether they missed or repeated an event.
#[derive(Debug, Clone, Parser)]
#[command(name = "folio-ws-load")]
pub struct Args {
    /// The server, e.g. http://127.0.0.1:8183 (the API is under /api/v1).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Sockets to open; half follow the hot article, the rest the other articles.
    #[arg(long, default_value_t = 10_000)]
    pub sockets: usize,
    /// Sockets per user (the server allows 10 by default).
    #[arg(long, default_value_t = 10)]
    pub sockets_per_user: usize,
    /// Articles besides the hot one that the other half of the sockets spread over.
    #[arg(long, default_value_t = 1_000)]
    pub articles: usize,
    /// Comments posted per second.
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,
    /// Share of the comments posted on the hot article.
    #[arg(long, default_value_t = 0.5)]
    pub hot_share: f64,
    /// How long comments are posted for, in seconds.
    #[arg(long, default_value_t = 30)]
    pub duration: u64,
    /// Sockets being opened (or resumed) at once.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,
    /// After the load, announce `phase restart` and wait (up to this many seconds)
    /// for every socket to be dropped by the server and to resume; 0 skips it.
    #[arg(long, default_value_t = 0)]
    pub restart_wait: u64,
    /// At each `phase <name>` line, wait for a line on stdin before going on (the
    /// caller reads the server's memory meanwhile).
    #[arg(long)]
    pub pause_at_phases: bool,
    /// Threads of the generator's runtime. It shares the machine with the server:
    /// on two cores a second thread keeps up no better and takes the server's CPU
    /// (docs/performance.md, "Realtime load").
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

impl Args {
    pub fn api(&self) -> String {
        format!("{}/api/v1", self.url.trim_end_matches('/'))
    }

    pub fn socket_url(&self) -> String {
        let base = self.url.trim_end_matches('/');
        let base = base
            .strip_prefix("http://")
            .map(|rest| format!("ws://{rest}"))
            .or_else(|| {
                base.strip_prefix("https://")
                    .map(|rest| format!("wss://{rest}"))
            })
            .unwrap_or_else(|| base.to_owned());
        format!("{base}/api/v1/ws")
    }

    pub fn users(&self) -> usize {
        self.sockets.div_ceil(self.sockets_per_user.max(1))
    }

    /// The article (0 is the hot one) socket `n` follows.
    pub fn article_of(&self, n: usize) -> usize {
        if n < self.sockets / 2 {
            0
        } else {
            1 + n % self.articles.max(1)
        }
    }

    pub fn load_duration(&self) -> Duration {
        Duration::from_secs(self.duration)
    }
}

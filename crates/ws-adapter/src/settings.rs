use std::time::Duration;

/// The socket endpoint's settings; the defaults are the documented limits.
#[derive(Debug, Clone)]
pub struct WsSettings {
    /// Origins (besides the server's own) whose pages may open a socket on the
    /// session cookie; the HTTP adapter's CORS list. `None` lets only the server's
    /// own origin use the cookie.
    pub allowed_origins: Option<Vec<String>>,
    /// The name of the session cookie.
    pub session_cookie: String,
    /// Live events queued per socket before it counts as too slow.
    pub queue_capacity: usize,
    pub max_subscriptions: usize,
    /// Sockets one user may have open across the deployment.
    pub max_sockets_per_user: u32,
    /// Largest text message a client may send.
    pub max_message_bytes: usize,
    /// Refused messages a socket may send before it is closed.
    pub max_strikes: u32,
    /// Messages a socket may send at once (restoring its subscriptions), and
    /// then per second; more are refused, and count as strikes.
    pub message_burst: u32,
    pub messages_per_second: u32,
    pub heartbeat: Duration,
    /// A socket that sends nothing (not even a pong) this long is closed.
    pub idle_timeout: Duration,
    /// How long a socket opened without credentials may still authenticate with its
    /// first message.
    pub auth_window: Duration,
}

impl WsSettings {
    /// How long a socket's seat is held without being taken again: its heartbeat
    /// takes it again well before, unless its instance died.
    pub fn seat_hold(&self) -> Duration {
        self.idle_timeout + self.heartbeat
    }
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            allowed_origins: None,
            session_cookie: "__Host-folio_session".to_owned(),
            queue_capacity: 256,
            max_subscriptions: 100,
            max_sockets_per_user: 10,
            max_message_bytes: 4 * 1024,
            max_strikes: 10,
            message_burst: 120,
            messages_per_second: 20,
            heartbeat: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            auth_window: Duration::from_secs(5),
        }
    }
}

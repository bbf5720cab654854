//! A socket may not hold up the server or its neighbours: one that cannot keep up
//! with its channel is told to resync and cut off while a fast one on the same
//! channel keeps receiving everything, and a silent one is closed after the idle
//! limit. The limits are lowered so that the tests take seconds.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{TestApp, TestSocket, redis_url, spawn_app_with};

/// Events announced at once; the fast socket reads each batch before the next.
const BATCH: usize = 4;

/// Far more events than the slow socket's queue and buffers hold.
const MAX_EVENTS: usize = 1000;

/// The size of each announced event's padding. The kernel lets the server's send
/// buffer grow to megabytes for a client whose window stays small, so with ordinary
/// events (a few hundred bytes) a slow client would need some ten thousand of them
/// before its socket's queue even began to fill.
const PADDING: usize = 64 * 1024;

fn comment_ids(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .map(|event| event["data"]["commentId"].as_i64().expect("a comment id"))
        .collect()
}

/// Announces `comment.created` events on `channel` as the feeders of a busy
/// deployment do, on the notice channel every instance follows; their ids are
/// `<first_millis + n>-0`.
struct Announcer {
    connection: redis::aio::MultiplexedConnection,
    notices: String,
    channel: String,
    first_millis: i64,
    padding: String,
}

impl Announcer {
    async fn new(app: &TestApp, channel: &str) -> Self {
        let connection = redis::Client::open(redis_url())
            .expect("a valid URL")
            .get_multiplexed_async_connection()
            .await
            .expect("Redis answers");
        // An hour ago: later than anything the channel holds, earlier than what
        // its feeder appends next.
        let first_millis = chrono::Utc::now().timestamp_millis() - 3_600_000;
        Self {
            connection,
            notices: format!("{}realtime:notices", app.redis_prefix()),
            channel: channel.to_owned(),
            first_millis,
            padding: "x".repeat(PADDING),
        }
    }

    async fn announce(&mut self, n: i64) {
        let body = json!({
            "type": "comment.created",
            "ts": self.first_millis + n,
            "data": {"commentId": n, "padding": self.padding},
        });
        let notice = format!("{}-0\n{}\n{body}", self.first_millis + n, self.channel);
        let _: i64 = redis::cmd("PUBLISH")
            .arg(&self.notices)
            .arg(notice)
            .query_async(&mut self.connection)
            .await
            .expect("published");
    }
}

#[tokio::test]
async fn a_slow_consumer_is_cut_off_while_a_fast_one_on_its_channel_gets_everything() {
    // No pings: a pong the server no longer reads would turn its close into a reset.
    let app = spawn_app_with(&[
        ("FOLIO_WS_QUEUE", "16"),
        ("FOLIO_WS_HEARTBEAT_MS", "3600000"),
        ("FOLIO_WS_IDLE_TIMEOUT_MS", "3600000"),
    ])
    .await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Busy thread", &[]).await;
    let channel = format!("article:{slug}");
    let (mut fast, _) = TestSocket::open(&app, None).await;
    fast.follow(&channel).await;
    let (mut slow, _) = TestSocket::open_with_receive_buffer(&app, 4096).await;
    slow.follow(&channel).await;
    let mut announcer = Announcer::new(&app, &channel).await;

    let slow_reader = tokio::spawn(async move {
        slow.read_slowly_until_closed(Duration::from_millis(20))
            .await
    });
    let mut announced = Vec::new();
    let mut fast_events = Vec::new();
    while !slow_reader.is_finished() {
        assert!(
            announced.len() < MAX_EVENTS,
            "the slow socket was never cut off"
        );
        for _ in 0..BATCH {
            let n = i64::try_from(announced.len()).expect("a small number");
            announcer.announce(n).await;
            announced.push(n);
        }
        for _ in 0..BATCH {
            fast_events.push(fast.next().await);
        }
    }
    let (slow_messages, code) = slow_reader.await.expect("the slow reader ends");

    assert_eq!(code, 1013, "cut off as too slow");
    let (resync, slow_events) = slow_messages.split_last().expect("messages");
    assert_eq!(resync["type"], "resync_required", "{resync}");
    assert_eq!(resync["data"]["channel"], channel.as_str());
    assert!(
        slow_events.iter().all(|e| e["type"] == "comment.created"),
        "only events before the resync"
    );
    assert!(
        slow_events.len() < announced.len(),
        "the slow socket fell behind"
    );
    assert_eq!(
        comment_ids(slow_events),
        announced.get(..slow_events.len()).expect("a prefix"),
        "what the slow socket got has no gap"
    );
    assert_eq!(
        comment_ids(&fast_events),
        announced,
        "the fast socket got every event once, in order"
    );
    let comment = app.comment(&jake, &slug, "still there?").await;
    assert_eq!(fast.next().await["data"]["commentId"], comment);
    fast.send(json!({"type": "ping", "id": "after"})).await;
    assert_eq!(fast.next().await["type"], "pong");
}

#[tokio::test]
async fn a_silent_socket_is_closed_after_the_idle_limit_and_a_live_one_stays_open() {
    let app = spawn_app_with(&[
        ("FOLIO_WS_HEARTBEAT_MS", "200"),
        ("FOLIO_WS_IDLE_TIMEOUT_MS", "600"),
    ])
    .await;
    // The server has heard nothing from it since it opened.
    let silent_since = Instant::now();
    let (mut silent, muted) = MutedSocket::open(&app).await;
    let welcome = silent.next_text().await;
    assert_eq!(welcome["data"]["heartbeatMs"], 200, "{welcome}");
    let (mut live, _) = TestSocket::open(&app, None).await;

    muted.store(true, Ordering::SeqCst);
    let (pings, code) = silent.pings_until_closed().await;
    let closed_after = silent_since.elapsed();

    assert_eq!(code, 1000);
    assert!(pings >= 2, "pinged every 200 ms meanwhile: {pings}");
    assert!(
        closed_after >= Duration::from_millis(600) && closed_after < Duration::from_secs(3),
        "closed after {closed_after:?}"
    );
    // Reading answers the pings, so the live socket is heard from all along.
    while silent_since.elapsed() < Duration::from_millis(1500) {
        live.assert_silent_for(Duration::from_millis(100)).await;
    }
    live.send(json!({"type": "ping", "id": "still"})).await;
    let pong = live.next().await;
    assert_eq!(
        (pong["type"].as_str(), pong["id"].as_str()),
        (Some("pong"), Some("still"))
    );
}

/// A client that reads but, once muted, sends nothing: the pongs its WebSocket
/// library answers pings with go nowhere.
struct MutedSocket {
    stream: WebSocketStream<Muted>,
}

impl MutedSocket {
    async fn open(app: &TestApp) -> (Self, Arc<AtomicBool>) {
        let tcp = TcpStream::connect(app.address)
            .await
            .expect("the server accepts");
        let muted = Arc::new(AtomicBool::new(false));
        let connection = Muted {
            tcp,
            muted: muted.clone(),
        };
        let url = format!("ws://{}/api/v1/ws", app.address);
        let (stream, _) = tokio_tungstenite::client_async(url, connection)
            .await
            .expect("the socket opens");
        (Self { stream }, muted)
    }

    async fn next_text(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.stream.next())
                .await
                .expect("a message in time")
                .expect("the socket is open")
                .expect("a message");
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).expect("JSON text");
            }
        }
    }

    /// Counts the pings until the server closes; returns them and the close code.
    async fn pings_until_closed(&mut self) -> (u32, u16) {
        let mut pings = 0;
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.stream.next())
                .await
                .expect("closed in time");
            match message {
                Some(Ok(Message::Ping(_))) => pings += 1,
                Some(Ok(Message::Close(frame))) => {
                    return (pings, frame.map_or(1005, |frame| u16::from(frame.code)));
                }
                Some(Ok(other)) => panic!("unexpected {other:?}"),
                Some(Err(error)) => panic!("closed without a close frame: {error}"),
                None => panic!("closed without a close frame"),
            }
        }
    }
}

/// A TCP connection whose writes, once muted, are dropped.
struct Muted {
    tcp: TcpStream,
    muted: Arc<AtomicBool>,
}

impl AsyncRead for Muted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Muted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.muted.load(Ordering::SeqCst) {
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.tcp).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

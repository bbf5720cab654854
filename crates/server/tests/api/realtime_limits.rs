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
use futures_util::future::join_all;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{TestApp, TestSocket, spawn_app_with};

/// Comments posted at once; the fast socket reads each batch before the next.
const BATCH: usize = 4;

/// Far more events than the slow socket's queue and buffers hold.
const MAX_COMMENTS: usize = 3000;

fn comment_ids(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .map(|event| event["data"]["commentId"].as_i64().expect("a comment id"))
        .collect()
}

fn assert_ids_increase(events: &[Value]) {
    let ids: Vec<&str> = events
        .iter()
        .map(|event| event["id"].as_str().expect("an event id"))
        .collect();
    let increasing = ids.windows(2).all(|pair| match pair {
        [earlier, later] => {
            let parse = |id: &str| -> (u64, u64) {
                let (millis, counter) = id.split_once('-').expect("<millis>-<counter>");
                (
                    millis.parse().expect("millis"),
                    counter.parse().expect("counter"),
                )
            };
            parse(earlier) < parse(later)
        }
        _ => true,
    });
    assert!(increasing, "event ids out of order: {ids:?}");
}

#[tokio::test]
async fn a_slow_consumer_is_cut_off_while_a_fast_one_on_its_channel_gets_everything() {
    let app = spawn_app_with(&[("FOLIO_WS_QUEUE", "8")]).await;
    let jake = app.register("jake").await;
    let bob = app.register("bob").await;
    // A long slug makes every event bigger, so fewer fill the slow socket's buffers.
    let title = "A thread so busy that not every reader can keep up with it ".repeat(3);
    let slug = app.publish(&jake, title.trim(), &[]).await;
    let channel = format!("article:{slug}");
    let (mut fast, _) = TestSocket::open(&app, None).await;
    fast.follow(&channel).await;
    let (mut slow, _) = TestSocket::open_with_receive_buffer(&app, 4096).await;
    slow.follow(&channel).await;

    let slow_reader = tokio::spawn(async move {
        slow.read_slowly_until_closed(Duration::from_millis(100))
            .await
    });
    let mut posted = Vec::new();
    let mut fast_events = Vec::new();
    while !slow_reader.is_finished() {
        assert!(
            posted.len() < MAX_COMMENTS,
            "the slow socket was never cut off"
        );
        let batch = (0..BATCH).map(|_| app.comment(&bob, &slug, "can you keep up?"));
        posted.extend(join_all(batch).await);
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
        slow_events.len() < posted.len(),
        "the slow socket fell behind"
    );
    assert_eq!(
        comment_ids(slow_events),
        comment_ids(fast_events.get(..slow_events.len()).expect("a prefix")),
        "what the slow socket got has no gap"
    );

    assert!(fast_events.iter().all(|e| e["channel"] == channel.as_str()));
    assert_ids_increase(&fast_events);
    let mut delivered = comment_ids(&fast_events);
    delivered.sort_unstable();
    posted.sort_unstable();
    assert_eq!(delivered, posted, "the fast socket got every comment once");
    let last = app.comment(&bob, &slug, "still there?").await;
    assert_eq!(fast.next().await["data"]["commentId"], last);
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

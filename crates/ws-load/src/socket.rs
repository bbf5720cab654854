//! One socket's life: open (authenticated), subscribe, record every
//! `comment.created` with when it arrived, and when the server drops it, open
//! again and resume after the last event id it has.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, SemaphorePermit, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error, Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Each socket reads in chunks this big: tungstenite's default (128 KiB, allocated
/// up front) would cost the generator more than a gigabyte at 10,000 sockets.
const READ_CHUNK: usize = 4096;
const FIRST_RETRY: Duration = Duration::from_millis(50);
const LAST_RETRY: Duration = Duration::from_secs(2);

/// What all sockets share.
pub struct Fleet {
    pub url: String,
    /// Bounds the sockets being opened and subscribed at once.
    pub gate: Semaphore,
    /// Sockets currently subscribed.
    pub subscribed: AtomicUsize,
    /// Times a subscribed socket was dropped.
    pub drops: AtomicUsize,
    /// Upgrades refused or failed (each retried).
    pub refusals: AtomicUsize,
    /// Of those, refused because the user's sockets had all their seats (429).
    pub seats_taken: AtomicUsize,
    /// The refusals and failures by cause (status or error kind), to tell a full
    /// listen queue from a refusal by the server.
    pub refusal_causes: Mutex<BTreeMap<String, usize>>,
    /// `resync_required` answers to a resume.
    pub resyncs: AtomicUsize,
    pub stop: watch::Receiver<bool>,
}

impl Fleet {
    fn count_refusal(&self, error: &Error) {
        let cause = match error {
            Error::Http(response) => format!("HTTP {}", response.status().as_u16()),
            Error::Io(io) => format!("I/O: {}", io.kind()),
            other => other.to_string().chars().take(80).collect(),
        };
        if let Ok(mut causes) = self.refusal_causes.lock() {
            *causes.entry(cause).or_default() += 1;
        }
    }

    /// The refusals so far by cause, e.g. `{"HTTP 429": 12}`.
    pub fn refusal_causes(&self) -> BTreeMap<String, usize> {
        self.refusal_causes
            .lock()
            .map(|causes| causes.clone())
            .unwrap_or_default()
    }
}

/// A `comment.created` as one socket received it.
#[derive(Debug, Clone, Copy)]
pub struct Delivery {
    pub comment: i64,
    pub at: Instant,
}

pub struct SocketReport {
    pub article: usize,
    pub deliveries: Vec<Delivery>,
    /// When it last subscribed again after a drop.
    pub resumed_at: Option<Instant>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(default, borrow)]
    id: Option<&'a str>,
    #[serde(default, borrow)]
    data: Data<'a>,
}

#[derive(Default, Deserialize)]
struct Data<'a> {
    #[serde(rename = "commentId", default)]
    comment_id: Option<i64>,
    #[serde(rename = "lastId", default, borrow)]
    last_id: Option<&'a str>,
}

/// How a subscription attempt ended.
enum Subscribed {
    Yes,
    /// Refused or cut off: open again.
    Retry,
}

pub struct SocketPlan {
    pub number: usize,
    pub token: Arc<str>,
    pub article: usize,
    pub channel: Arc<str>,
}

pub async fn run(fleet: Arc<Fleet>, plan: SocketPlan) -> SocketReport {
    let mut report = SocketReport {
        article: plan.article,
        deliveries: Vec::new(),
        resumed_at: None,
    };
    let mut stop = fleet.stop.clone();
    // The id to resume after: the last event received, or the channel's end when
    // the subscription started.
    let mut last: Option<String> = None;
    let mut dropped_before = false;
    loop {
        let Some((mut ws, permit)) = open(&fleet, &plan, &mut stop).await else {
            return report;
        };
        match subscribe(&mut ws, &plan.channel, &mut last, &fleet).await {
            Subscribed::Yes => {}
            Subscribed::Retry => {
                drop(permit);
                tokio::time::sleep(retry_after(plan.number, 0)).await;
                continue;
            }
        }
        drop(permit);
        if dropped_before {
            report.resumed_at = Some(Instant::now());
        }
        fleet.subscribed.fetch_add(1, Ordering::SeqCst);
        let stopped = follow(&mut ws, &mut stop, &mut last, &mut report).await;
        fleet.subscribed.fetch_sub(1, Ordering::SeqCst);
        if stopped {
            let _ = ws.close(None).await;
            return report;
        }
        fleet.drops.fetch_add(1, Ordering::SeqCst);
        dropped_before = true;
    }
}

/// Opens the socket, retrying with back-off until it opens or the run stops.
async fn open<'a>(
    fleet: &'a Fleet,
    plan: &SocketPlan,
    stop: &mut watch::Receiver<bool>,
) -> Option<(Ws, SemaphorePermit<'a>)> {
    let mut attempt = 0;
    loop {
        if *stop.borrow() {
            return None;
        }
        let permit = fleet.gate.acquire().await.ok()?;
        let mut request = fleet.url.as_str().into_client_request().ok()?;
        let authorization = HeaderValue::from_str(&format!("Token {}", plan.token)).ok()?;
        request.headers_mut().insert("Authorization", authorization);
        let config = WebSocketConfig::default().read_buffer_size(READ_CHUNK);
        match tokio_tungstenite::connect_async_with_config(request, Some(config), true).await {
            Ok((ws, _)) => return Some((ws, permit)),
            Err(error) => {
                drop(permit);
                fleet.refusals.fetch_add(1, Ordering::Relaxed);
                if matches!(&error, Error::Http(response) if response.status().as_u16() == 429) {
                    fleet.seats_taken.fetch_add(1, Ordering::Relaxed);
                }
                fleet.count_refusal(&error);
                tokio::time::sleep(retry_after(plan.number, attempt)).await;
                attempt += 1;
            }
        }
    }
}

/// Back-off that doubles per attempt, spread over sockets so they do not retry
/// in step.
fn retry_after(number: usize, attempt: u32) -> Duration {
    let spread = u32::try_from(number % 50).unwrap_or(0);
    let base =
        FIRST_RETRY.saturating_mul(1 << attempt.min(6)) + Duration::from_millis(spread.into());
    base.min(LAST_RETRY)
}

/// Subscribes, after `last` when there is one, and reads up to the answer.
async fn subscribe(
    ws: &mut Ws,
    channel: &str,
    last: &mut Option<String>,
    fleet: &Fleet,
) -> Subscribed {
    let data = match last.as_deref() {
        Some(after) => json!({"channel": channel, "after": after}),
        None => json!({"channel": channel}),
    };
    let request = json!({"type": "subscribe", "id": "s", "data": data}).to_string();
    if ws.send(Message::text(request)).await.is_err() {
        return Subscribed::Retry;
    }
    while let Some(message) = ws.next().await {
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            _ => return Subscribed::Retry,
        };
        let Ok(envelope) = serde_json::from_str::<Envelope<'_>>(text.as_str()) else {
            continue;
        };
        match envelope.kind {
            "subscribed" => {
                if last.is_none() {
                    *last = envelope.data.last_id.map(str::to_owned);
                }
                return Subscribed::Yes;
            }
            "resync_required" => {
                // Events were lost to this socket; they count as missed.
                fleet.resyncs.fetch_add(1, Ordering::Relaxed);
                *last = None;
                return Subscribed::Retry;
            }
            "error" => return Subscribed::Retry,
            _ => {}
        }
    }
    Subscribed::Retry
}

/// Reads events until the server drops the socket (`false`) or the run stops
/// (`true`).
async fn follow(
    ws: &mut Ws,
    stop: &mut watch::Receiver<bool>,
    last: &mut Option<String>,
    report: &mut SocketReport,
) -> bool {
    loop {
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => return true,
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => record(&text, Instant::now(), last, report),
                Some(Ok(Message::Close(_)) | Err(_)) | None => return false,
                Some(Ok(_)) => {}
            },
        }
    }
}

fn record(text: &Utf8Bytes, at: Instant, last: &mut Option<String>, report: &mut SocketReport) {
    let Ok(envelope) = serde_json::from_str::<Envelope<'_>>(text.as_str()) else {
        return;
    };
    // Events are the messages whose type names a subject and what happened to it.
    if !envelope.kind.contains('.') {
        return;
    }
    if let Some(id) = envelope.id {
        *last = Some(id.to_owned());
    }
    if envelope.kind != "comment.created" {
        return;
    }
    if let Some(comment) = envelope.data.comment_id {
        report.deliveries.push(Delivery { comment, at });
    }
}

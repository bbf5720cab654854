//! A WebSocket client for `/api/v1/ws`, reading the server's envelopes as JSON.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::TestApp;

/// How long a message the test waits for may take.
const DEADLINE: Duration = Duration::from_secs(5);

pub struct TestSocket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl TestSocket {
    /// Opens a socket with these request headers; `Err` when the server refuses the
    /// upgrade.
    pub async fn try_open(app: &TestApp, headers: &[(&str, &str)]) -> Result<Self, Error> {
        let mut request = format!("ws://{}/api/v1/ws", app.address)
            .into_client_request()
            .expect("a valid socket URL");
        for (name, value) in headers {
            request.headers_mut().insert(
                HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
                HeaderValue::from_str(value).expect("a valid header value"),
            );
        }
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Self { stream })
    }

    /// Opens an anonymous socket that buffers only about `bytes` on the client side
    /// (the kernel's receive buffer, and what the client reads at a time), so that a
    /// client that reads slowly soon holds up the server's sends; reads its welcome.
    pub async fn open_with_receive_buffer(app: &TestApp, bytes: u32) -> (Self, Value) {
        let socket = TcpSocket::new_v4().expect("a TCP socket");
        socket
            .set_recv_buffer_size(bytes)
            .expect("the receive buffer is set");
        let tcp = socket
            .connect(app.address)
            .await
            .expect("the server accepts");
        let request = format!("ws://{}/api/v1/ws", app.address);
        let config = WebSocketConfig::default().read_buffer_size(256);
        let (stream, _) = tokio_tungstenite::client_async_with_config(
            request,
            MaybeTlsStream::Plain(tcp),
            Some(config),
        )
        .await
        .expect("the socket opens");
        let mut socket = Self { stream };
        let welcome = socket.next().await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        (socket, welcome)
    }

    /// Opens a socket, with `Authorization: Token <token>` when given, and reads its
    /// welcome.
    pub async fn open(app: &TestApp, token: Option<&str>) -> (Self, Value) {
        let header = token.map(|token| format!("Token {token}"));
        let headers: Vec<(&str, &str)> = header
            .as_deref()
            .map(|value| ("Authorization", value))
            .into_iter()
            .collect();
        let mut socket = Self::try_open(app, &headers)
            .await
            .expect("the socket opens");
        let welcome = socket.next().await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        (socket, welcome)
    }

    pub async fn send(&mut self, message: Value) {
        self.send_text(&message.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream
            .send(Message::text(text))
            .await
            .expect("the message is sent");
    }

    pub async fn send_binary(&mut self, bytes: &[u8]) {
        self.stream
            .send(Message::binary(bytes.to_vec()))
            .await
            .expect("the message is sent");
    }

    /// The next text message, as JSON.
    pub async fn next(&mut self) -> Value {
        self.next_within(DEADLINE).await
    }

    /// The next text message, arriving within `deadline`.
    pub async fn next_within(&mut self, deadline: Duration) -> Value {
        loop {
            let message = tokio::time::timeout(deadline, self.stream.next())
                .await
                .expect("a message arrives in time")
                .expect("the socket is open")
                .expect("a message, not an error");
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).expect("JSON text");
                }
                Message::Ping(_) | Message::Pong(_) => {}
                other => panic!("expected a text message, got {other:?}"),
            }
        }
    }

    /// Asserts that no text message arrives for `quiet`.
    pub async fn assert_silent_for(&mut self, quiet: Duration) {
        if let Ok(Some(Ok(Message::Text(text)))) =
            tokio::time::timeout(quiet, self.stream.next()).await
        {
            panic!("expected nothing, got {text}");
        }
    }

    /// Reads until the server closes; returns the close code.
    pub async fn closed_with(&mut self) -> u16 {
        loop {
            let message = tokio::time::timeout(DEADLINE, self.stream.next())
                .await
                .expect("the server closes in time");
            match message {
                Some(Ok(Message::Close(frame))) => {
                    return frame.map_or(1005, |frame| u16::from(frame.code));
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => panic!("closed without a close frame: {error}"),
                None => panic!("closed without a close frame"),
            }
        }
    }

    /// Subscribes to `channel` (after `after`, when given) and returns the reply.
    pub async fn subscribe(&mut self, channel: &str, after: Option<&str>) -> Value {
        let data = match after {
            Some(after) => json!({"channel": channel, "after": after}),
            None => json!({"channel": channel}),
        };
        self.send(json!({"type": "subscribe", "id": channel, "data": data}))
            .await;
        self.next().await
    }

    /// Subscribes and asserts that it was accepted.
    pub async fn follow(&mut self, channel: &str) {
        let reply = self.subscribe(channel, None).await;
        assert_eq!(reply["type"], "subscribed", "{reply}");
    }

    /// Reads a message every `pause` until the server closes; returns the text
    /// messages, as JSON, and the close code.
    pub async fn read_slowly_until_closed(&mut self, pause: Duration) -> (Vec<Value>, u16) {
        let mut received = Vec::new();
        loop {
            tokio::time::sleep(pause).await;
            let message = tokio::time::timeout(DEADLINE, self.stream.next())
                .await
                .expect("a message or the close arrives in time");
            match message {
                Some(Ok(Message::Text(text))) => {
                    received.push(serde_json::from_str(text.as_str()).expect("JSON text"));
                }
                Some(Ok(Message::Close(frame))) => {
                    return (received, frame.map_or(1005, |frame| u16::from(frame.code)));
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => panic!("closed without a close frame: {error}"),
                None => panic!("closed without a close frame"),
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

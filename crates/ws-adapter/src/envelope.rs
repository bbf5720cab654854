use serde::{Deserialize, Serialize};

/// Frames larger than this are refused before parsing.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// What a client may send. Every request carries a client-chosen `id` that the
/// server's answer echoes, so clients can match replies to requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    Subscribe {
        id: String,
        channel: String,
    },
    Unsubscribe {
        id: String,
        channel: String,
    },
    /// Replays the events of `channel` published after `after` (an event id).
    Resume {
        id: String,
        channel: String,
        after: String,
    },
    Ping {
        id: String,
    },
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Ack {
        id: String,
    },
    Pong {
        id: String,
    },
    Error {
        id: Option<String>,
        code: String,
        message: String,
    },
    Event {
        channel: String,
        event_id: String,
        name: String,
        data: serde_json::Value,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    TooLarge,
    Malformed(String),
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProtocolError::TooLarge => write!(f, "frame larger than {MAX_FRAME_BYTES} bytes"),
            ProtocolError::Malformed(reason) => write!(f, "malformed message: {reason}"),
        }
    }
}

impl std::error::Error for ProtocolError {}

impl ProtocolError {
    /// The machine-readable code sent back in an `error` message.
    pub fn code(&self) -> &'static str {
        match self {
            ProtocolError::TooLarge => "frame_too_large",
            ProtocolError::Malformed(_) => "malformed_message",
        }
    }
}

/// Parses one text frame from a client.
pub fn parse_client_message(frame: &str) -> Result<ClientMessage, ProtocolError> {
    if frame.len() > MAX_FRAME_BYTES {
        return Err(ProtocolError::TooLarge);
    }
    serde_json::from_str(frame).map_err(|error| ProtocolError::Malformed(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_client_message() {
        let subscribe =
            parse_client_message(r#"{"type":"subscribe","id":"1","channel":"article:hello"}"#);
        assert_eq!(
            subscribe,
            Ok(ClientMessage::Subscribe {
                id: "1".into(),
                channel: "article:hello".into()
            })
        );
        let resume =
            parse_client_message(r#"{"type":"resume","id":"2","channel":"c","after":"17-0"}"#);
        assert!(matches!(resume, Ok(ClientMessage::Resume { after, .. }) if after == "17-0"));
        assert_eq!(
            parse_client_message(r#"{"type":"ping","id":"3"}"#),
            Ok(ClientMessage::Ping { id: "3".into() })
        );
    }

    #[test]
    fn refuses_unknown_malformed_and_oversized_frames() {
        assert!(matches!(
            parse_client_message(r#"{"type":"shout","id":"1"}"#),
            Err(ProtocolError::Malformed(_))
        ));
        assert!(matches!(
            parse_client_message("not json"),
            Err(ProtocolError::Malformed(_))
        ));
        assert!(matches!(
            parse_client_message(r#"{"type":"ping","id":"1","extra":true}"#),
            Err(ProtocolError::Malformed(_))
        ));
        let huge = format!(
            r#"{{"type":"ping","id":"{}"}}"#,
            "x".repeat(MAX_FRAME_BYTES)
        );
        assert_eq!(parse_client_message(&huge), Err(ProtocolError::TooLarge));
        assert_eq!(ProtocolError::TooLarge.code(), "frame_too_large");
    }

    #[test]
    fn server_messages_are_tagged_envelopes() {
        let event = ServerMessage::Event {
            channel: "article:hello".into(),
            event_id: "17-0".into(),
            name: "comment_created".into(),
            data: serde_json::json!({"id": 1}),
        };
        let json = serde_json::to_value(&event).unwrap_or_default();
        assert_eq!(json["type"], "event");
        assert_eq!(json["event_id"], "17-0");
        let error = serde_json::to_value(ServerMessage::Error {
            id: None,
            code: "x".into(),
            message: "y".into(),
        });
        assert!(error.is_ok_and(|e| e["id"].is_null() && e["type"] == "error"));
    }
}

//! The envelope every message travels in, both ways:
//! `{"type", "id", "channel", "ts", "data"}`. Replies carry the `id` of the request
//! they answer; events carry their own id, the one clients resume after.

use chrono::{DateTime, SecondsFormat, Utc};
use folio_application::realtime::{ChannelEvent, DataValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// What a client sent, before its type is looked at.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Inbound {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub data: Option<Map<String, Value>>,
}

impl Inbound {
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The channel, from the envelope or from `data`.
    pub fn channel(&self) -> Option<&str> {
        self.channel
            .as_deref()
            .or_else(|| self.text_field("channel"))
    }

    pub fn text_field(&self, name: &str) -> Option<&str> {
        self.data.as_ref()?.get(name)?.as_str()
    }

    pub fn has_field(&self, name: &str) -> bool {
        self.data
            .as_ref()
            .is_some_and(|data| data.get(name).is_some_and(|value| !value.is_null()))
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A server message that is not an event, stamped now.
pub fn reply(kind: &str, id: Option<&str>, channel: Option<&str>, data: Value) -> String {
    json!({
        "type": kind,
        "id": id,
        "channel": channel,
        "ts": timestamp(Utc::now()),
        "data": data,
    })
    .to_string()
}

pub fn error(id: Option<&str>, code: &str, message: &str) -> String {
    reply(
        "error",
        id,
        None,
        json!({ "code": code, "message": message }),
    )
}

/// An event, stamped with when it happened.
pub fn event(event: &ChannelEvent) -> String {
    let data: Map<String, Value> = event
        .data
        .iter()
        .map(|(name, value)| {
            let value = match value {
                DataValue::Text(text) => Value::from(text.as_str()),
                DataValue::Integer(number) => Value::from(*number),
            };
            (name.clone(), value)
        })
        .collect();
    json!({
        "type": event.kind,
        "id": event.id.to_string(),
        "channel": event.channel,
        "ts": timestamp(event.occurred_at),
        "data": data,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_application::realtime::EventId;

    fn parsed(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or_default()
    }

    #[test]
    fn events_are_envelopes_with_their_id_channel_and_time() {
        let sent = parsed(&event(&ChannelEvent {
            channel: "article:a".into(),
            id: EventId::new(1_700_000_000_123, 0),
            kind: "comment.created".into(),
            occurred_at: DateTime::from_timestamp_millis(1_700_000_000_120).unwrap_or_default(),
            data: vec![("commentId".into(), DataValue::Integer(7))],
        }));
        assert_eq!(
            sent,
            json!({
                "type": "comment.created",
                "id": "1700000000123-0",
                "channel": "article:a",
                "ts": "2023-11-14T22:13:20.120Z",
                "data": {"commentId": 7},
            })
        );
    }

    #[test]
    fn replies_carry_every_envelope_field() {
        let sent = parsed(&error(Some("7"), "forbidden", "no"));
        assert_eq!(sent["type"], "error");
        assert_eq!(sent["id"], "7");
        assert!(sent["channel"].is_null());
        assert_eq!(sent["data"], json!({"code": "forbidden", "message": "no"}));
        let ts = sent["ts"].as_str().unwrap_or_default();
        assert!(
            ts.ends_with('Z') && ts.len() == "2023-11-14T22:13:20.120Z".len(),
            "{ts}"
        );
    }

    #[test]
    fn inbound_messages_name_their_channel_either_way() {
        let outer = Inbound::parse(r#"{"type":"subscribe","channel":"article:a"}"#);
        let inner =
            Inbound::parse(r#"{"type":"subscribe","data":{"channel":"article:a","after":"1-0"}}"#);
        assert_eq!(
            outer
                .ok()
                .and_then(|m| m.channel().map(str::to_owned))
                .as_deref(),
            Some("article:a")
        );
        let inner = inner.ok();
        assert_eq!(inner.as_ref().and_then(Inbound::channel), Some("article:a"));
        assert_eq!(
            inner.as_ref().and_then(|m| m.text_field("after")),
            Some("1-0")
        );
    }

    #[test]
    fn messages_without_a_type_or_with_odd_shapes_are_refused() {
        for bad in [
            "",
            "null",
            "[]",
            r#"{"id":"1"}"#,
            r#"{"type":1}"#,
            r#"{"type":"ping","data":[]}"#,
            r#"{"type":"ping","id":5}"#,
        ] {
            assert!(Inbound::parse(bad).is_err(), "{bad}");
        }
    }
}

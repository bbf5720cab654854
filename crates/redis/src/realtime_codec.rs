//! How a channel event is stored in its channel's stream and announced: a JSON
//! body `{"type", "ts" (ms since the epoch), "data"}`, and for the announcement
//! `<id>\n<channel>\n<body>` (neither ids nor channel names hold a line break).

use chrono::DateTime;
use folio_application::ports::ChannelAppend;
use folio_application::realtime::{ChannelEvent, DataValue, EventData, EventId};
use serde_json::{Map, Value, json};

pub(crate) fn body(append: &ChannelAppend) -> String {
    let data: Map<String, Value> = append
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
        "type": append.kind,
        "ts": append.occurred_at.timestamp_millis(),
        "data": data,
    })
    .to_string()
}

/// The event stored as `body` under `id` in `channel`; `None` when it is not one.
pub(crate) fn event(channel: &str, id: &str, body: &str) -> Option<ChannelEvent> {
    let body: Value = serde_json::from_str(body).ok()?;
    let data: EventData = body
        .get("data")?
        .as_object()?
        .iter()
        .filter_map(|(name, value)| {
            let value = match value {
                Value::String(text) => DataValue::Text(text.clone()),
                other => DataValue::Integer(other.as_i64()?),
            };
            Some((name.clone(), value))
        })
        .collect();
    Some(ChannelEvent {
        channel: channel.to_owned(),
        id: id.parse::<EventId>().ok()?,
        kind: body.get("type")?.as_str()?.to_owned(),
        occurred_at: DateTime::from_timestamp_millis(body.get("ts")?.as_i64()?)?,
        data,
    })
}

/// The channel an announcement is for, read without decoding its body.
pub(crate) fn announced_channel(payload: &str) -> Option<&str> {
    payload.split('\n').nth(1)
}

/// The event an announcement carries.
pub(crate) fn announced(payload: &str) -> Option<ChannelEvent> {
    let mut parts = payload.splitn(3, '\n');
    let (id, channel, body) = (parts.next()?, parts.next()?, parts.next()?);
    event(channel, id, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_body_reads_back_as_the_event() {
        let occurred_at = DateTime::from_timestamp_millis(1_700_000_000_123).unwrap_or_default();
        let append = ChannelAppend {
            channel: "article:a".into(),
            sequence: 4,
            kind: "comment.created",
            occurred_at,
            data: vec![
                ("slug".into(), DataValue::Text("a".into())),
                ("commentId".into(), DataValue::Integer(7)),
            ],
        };
        let payload = format!("1700000000200-0\narticle:a\n{}", body(&append));
        assert_eq!(announced_channel(&payload), Some("article:a"));
        assert_eq!(announced_channel("no line break"), None);
        let event = announced(&payload);
        assert_eq!(
            event,
            Some(ChannelEvent {
                channel: "article:a".into(),
                id: EventId::new(1_700_000_000_200, 0),
                kind: "comment.created".into(),
                occurred_at,
                data: vec![
                    ("commentId".into(), DataValue::Integer(7)),
                    ("slug".into(), DataValue::Text("a".into())),
                ],
            })
        );
    }

    #[test]
    fn broken_announcements_are_ignored() {
        assert_eq!(announced("1-0\narticle:a"), None);
        assert_eq!(announced("x\narticle:a\n{}"), None);
        assert_eq!(announced("1-0\narticle:a\nnot json"), None);
    }
}

//! Name/value text pairs (an event's fields, a job's payload) as the jsonb object
//! they are stored as, and back.

use serde_json::Value;

/// The pairs as a JSON object of strings.
pub(crate) fn to_json<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(name, value)| (name.to_owned(), Value::String(value.to_owned())))
            .collect(),
    )
}

/// A stored object back as the pairs it was written from; a value that is not a
/// string (written by hand) comes back as its JSON text.
pub(crate) fn from_json(payload: Value) -> Vec<(String, String)> {
    match payload {
        Value::Object(fields) => fields
            .into_iter()
            .map(|(name, value)| match value {
                Value::String(text) => (name, text),
                other => (name, other.to_string()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_round_trip_through_a_json_object() {
        let json = to_json([("user", "42"), ("slug", "hello-world")]);
        assert_eq!(
            json,
            serde_json::json!({"user": "42", "slug": "hello-world"})
        );
        let mut back = from_json(json);
        back.sort();
        assert_eq!(
            back,
            [
                ("slug".to_owned(), "hello-world".to_owned()),
                ("user".to_owned(), "42".to_owned())
            ]
        );
    }
}

//! The opaque cursor of a notification page: the number of the last notification
//! listed. Numbers only grow, so the next page starts right after it whatever was
//! added meanwhile. Its payload is `n1:<id>`, sealed (see `cursor_seal`).

use folio_domain::NotificationId;

use super::cursor_seal::{open, seal, strict_integer};

const FORMAT: &str = "n1";

/// Cursors longer than this are refused before decoding.
const MAX_CURSOR_LEN: usize = 48;

pub(crate) fn encode(last: NotificationId) -> String {
    seal(&format!("{FORMAT}:{}", last.get()))
}

/// The notification a cursor names, or `None` when it is not one this server issues.
pub(crate) fn decode(cursor: &str) -> Option<NotificationId> {
    let payload = open(cursor, MAX_CURSOR_LEN)?;
    let (FORMAT, id) = payload.split_once(':')? else {
        return None;
    };
    strict_integer(id)
        .filter(|id| *id > 0)
        .map(NotificationId::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_decodes_to_the_notification_it_was_made_from() {
        for id in [1, 42, i64::MAX] {
            let cursor = encode(NotificationId::new(id));
            assert!(
                cursor
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{cursor}"
            );
            assert_eq!(decode(&cursor), Some(NotificationId::new(id)));
        }
    }

    #[test]
    fn anything_else_is_refused() {
        let valid = encode(NotificationId::new(7));
        for cursor in [
            String::new(),
            "7".to_owned(),
            valid[..valid.len() - 1].to_owned(),
            "A".repeat(100),
            seal("c1:7"),
            seal("n1:0"),
            seal("n1:-7"),
            seal("n1:07"),
            seal("n1:7:8"),
            seal("n1:99999999999999999999"),
        ] {
            assert_eq!(decode(&cursor), None, "{cursor:?}");
        }
    }
}

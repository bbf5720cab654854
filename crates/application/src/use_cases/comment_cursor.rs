//! The opaque cursor of a comment page: the position of the last comment listed,
//! so the next page starts right after it whatever was added or deleted meanwhile.
//!
//! Its payload is `c1:<created_at in µs>:<id>`, sealed (see `cursor_seal`). Clients
//! must treat it as opaque; the prefix names the format so it can change later.

use chrono::{DateTime, Datelike};
use folio_domain::CommentId;

use super::cursor_seal::{open, seal, strict_integer};
use crate::ports::CommentPosition;

const FORMAT: &str = "c1";

/// Years a comment's creation time can fall in: anything outside was not issued,
/// and some of it would be outside what the database can compare against.
const ISSUED_YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Cursors longer than this are refused before decoding.
const MAX_CURSOR_LEN: usize = 64;

pub(crate) fn encode(position: CommentPosition) -> String {
    let payload = format!(
        "{FORMAT}:{}:{}",
        position.created_at.timestamp_micros(),
        position.id.get()
    );
    seal(&payload)
}

/// The position a cursor names, or `None` when it is not one this server issues.
pub(crate) fn decode(cursor: &str) -> Option<CommentPosition> {
    let payload = open(cursor, MAX_CURSOR_LEN)?;
    let mut parts = payload.split(':');
    let (Some(FORMAT), Some(micros), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let created_at = DateTime::from_timestamp_micros(strict_integer(micros)?)
        .filter(|at| ISSUED_YEARS.contains(&at.year()))?;
    let id = strict_integer(id).filter(|id| *id > 0)?;
    Some(CommentPosition {
        created_at,
        id: CommentId::new(id),
    })
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn position(micros: i64, id: i64) -> CommentPosition {
        CommentPosition {
            created_at: DateTime::from_timestamp_micros(micros).unwrap_or_default(),
            id: CommentId::new(id),
        }
    }

    #[test]
    fn a_cursor_decodes_to_the_position_it_was_made_from() {
        let first_and_last = [-62_135_596_800_000_000, 253_402_300_799_999_999];
        for (micros, id) in [
            (1_714_564_800_123_456, 1),
            (0, i64::MAX),
            (-5, 42),
            (first_and_last[0], 3),
            (first_and_last[1], 4),
        ] {
            let cursor = encode(position(micros, id));
            assert!(
                cursor
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{cursor}"
            );
            assert_eq!(decode(&cursor), Some(position(micros, id)));
        }
    }

    #[test]
    fn anything_else_is_refused() {
        let valid = encode(position(1_714_564_800_000_000, 7));
        // Well-formed cursors with a correct checksum but values never issued.
        let made = |payload: &str| seal(payload);
        let unchecked = URL_SAFE_NO_PAD.encode("c1:1714564800000000:7");
        let wrong_check = URL_SAFE_NO_PAD.encode("c1:1714564800000000:8:00000000");
        for cursor in [
            String::new(),
            "not a cursor".to_owned(),
            format!("{valid}="),
            valid[..valid.len() - 2].to_owned(),
            format!("!{}", &valid[1..]),
            "A".repeat(200),
            unchecked,
            wrong_check,
            made("c2:1714564800000000:7"),
            made("c1:1714564800000000"),
            made("c1:1714564800000000:7:8"),
            made("c1:1714564800000000:0"),
            made("c1:1714564800000000:-7"),
            made("c1:1714564800000000:07"),
            made("c1:+1714564800000000:7"),
            made("c1:soon:7"),
            made("c1:9223372036854775807:7"),
            made("c1:-8000000000000000000:7"),
            made("c1:8000000000000000000:7"),
            made("c1:-62135596800000001:7"),
            made("c1:253402300800000000:7"),
            made("c1:1714564800000000:99999999999999999999"),
        ] {
            assert_eq!(decode(&cursor), None, "{cursor:?}");
        }
    }

    /// Every one-character edit and every truncation of a real cursor is refused.
    #[test]
    fn edited_or_cut_cursors_are_refused() {
        let cursor = encode(CommentPosition {
            created_at: DateTime::from_timestamp_micros(1_714_564_800_123_456).unwrap_or_default(),
            id: CommentId::new(123_456),
        });
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for at in 0..cursor.len() {
            for replacement in alphabet.chars() {
                let mut edited = cursor.clone();
                edited.replace_range(at..=at, &replacement.to_string());
                if edited != cursor {
                    assert_eq!(decode(&edited), None, "{edited}");
                }
            }
            assert_eq!(decode(&cursor[..at]), None, "{}", &cursor[..at]);
        }
    }
}

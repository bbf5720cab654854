//! The opaque cursor of a search page: the last result's place in its sort order, so
//! the next page starts right after it whatever was published meanwhile.
//!
//! Its payload (sealed, see `cursor_seal`) is `s1:<sort>:<fields>:<id>`: `r:<rank as
//! the bits of an f32, hex>` for relevance (the exact value the engine ranked by),
//! `t:<created_at in µs>` for recent, `p:<favorites>:<created_at in µs>` for popular.
//! A cursor names its sort, so one made for another sort is refused.

use chrono::{DateTime, Datelike, Utc};
use folio_domain::ArticleId;
use uuid::Uuid;

use super::cursor_seal::{open, seal, strict_integer};
use crate::ports::SearchPosition;

const FORMAT: &str = "s1";

/// Cursors longer than this are refused before decoding.
const MAX_CURSOR_LEN: usize = 160;

pub(crate) fn encode(position: &SearchPosition) -> String {
    let payload = match position {
        SearchPosition::Relevance { rank, id } => {
            format!("{FORMAT}:r:{:08x}:{}", rank.to_bits(), id.as_uuid())
        }
        SearchPosition::Recent { created_at, id } => format!(
            "{FORMAT}:t:{}:{}",
            created_at.timestamp_micros(),
            id.as_uuid()
        ),
        SearchPosition::Popular {
            favorites,
            created_at,
            id,
        } => format!(
            "{FORMAT}:p:{favorites}:{}:{}",
            created_at.timestamp_micros(),
            id.as_uuid()
        ),
    };
    seal(&payload)
}

/// The position a cursor names, or `None` when it is not one this server issues.
pub(crate) fn decode(cursor: &str) -> Option<SearchPosition> {
    let payload = open(cursor, MAX_CURSOR_LEN)?;
    let parts: Vec<&str> = payload.split(':').collect();
    match parts.as_slice() {
        [FORMAT, "r", bits, id] => {
            if bits.len() != 8 {
                return None;
            }
            let rank = f32::from_bits(u32::from_str_radix(bits, 16).ok()?);
            rank.is_finite().then_some(())?;
            Some(SearchPosition::Relevance {
                rank,
                id: article_id(id)?,
            })
        }
        [FORMAT, "t", micros, id] => Some(SearchPosition::Recent {
            created_at: timestamp(micros)?,
            id: article_id(id)?,
        }),
        [FORMAT, "p", favorites, micros, id] => Some(SearchPosition::Popular {
            favorites: strict_integer(favorites).filter(|count| *count >= 0)?,
            created_at: timestamp(micros)?,
            id: article_id(id)?,
        }),
        _ => None,
    }
}

fn timestamp(micros: &str) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(strict_integer(micros)?)
        .filter(|at| (1..=9999).contains(&at.year()))
}

/// Only the hyphenated lower-case form, so one position has exactly one cursor.
fn article_id(text: &str) -> Option<ArticleId> {
    let id = Uuid::parse_str(text).ok()?;
    (id.hyphenated().to_string() == text).then(|| ArticleId::from_uuid(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> ArticleId {
        ArticleId::from_uuid(Uuid::from_u128(0x0193_abcd_0000_7000_8000_0000_0000_00ef))
    }

    fn at(micros: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(micros).unwrap_or_default()
    }

    #[test]
    fn a_cursor_decodes_to_the_position_it_was_made_from() {
        for position in [
            SearchPosition::Relevance {
                rank: 0.607_927_1,
                id: id(),
            },
            SearchPosition::Relevance {
                rank: 0.0,
                id: id(),
            },
            SearchPosition::Recent {
                created_at: at(1_714_564_800_123_456),
                id: id(),
            },
            SearchPosition::Popular {
                favorites: 12,
                created_at: at(-5),
                id: id(),
            },
        ] {
            let cursor = encode(&position);
            assert!(
                cursor
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{cursor}"
            );
            assert_eq!(decode(&cursor), Some(position));
        }
    }

    #[test]
    fn anything_else_is_refused() {
        let uuid = id().as_uuid().to_string();
        for payload in [
            format!("s2:t:0:{uuid}"),
            format!("s1:x:0:{uuid}"),
            format!("s1:t:0:{}", uuid.to_uppercase()),
            format!("s1:t:0:{}", id().as_uuid().simple()),
            "s1:t:0".to_owned(),
            format!("s1:t:soon:{uuid}"),
            format!("s1:t:00:{uuid}"),
            format!("s1:t:253402300800000000:{uuid}"),
            format!("s1:p:-1:0:{uuid}"),
            format!("s1:p:1:{uuid}"),
            format!("s1:r:7fc00000:{uuid}"),
            format!("s1:r:7f80000:{uuid}"),
            format!("s1:r:zzzzzzzz:{uuid}"),
            format!("s1:r:00000000:{uuid}:extra"),
        ] {
            assert_eq!(decode(&seal(&payload)), None, "{payload}");
        }
        for cursor in ["", "not a cursor", &"A".repeat(400)] {
            assert_eq!(decode(cursor), None, "{cursor}");
        }
        let valid = encode(&SearchPosition::Recent {
            created_at: at(0),
            id: id(),
        });
        assert_eq!(decode(&valid[..valid.len() - 1]), None);
    }
}

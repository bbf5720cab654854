//! How the opaque cursors are sealed: URL-safe base64 (no padding) of
//! `<payload>:<check>`, where `check` is a checksum of the payload, so a cursor that
//! was cut, edited or garbled is refused rather than read as some other position.
//! Not signed: a cursor forged on purpose only picks another place in public data.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(crate) fn seal(payload: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{payload}:{:08x}", checksum(payload)))
}

/// The payload of a cursor [`seal`] made, or `None`; longer cursors than `max_len`
/// are refused before decoding.
pub(crate) fn open(cursor: &str, max_len: usize) -> Option<String> {
    if cursor.len() > max_len {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (payload, check) = text.rsplit_once(':')?;
    (check == format!("{:08x}", checksum(payload))).then(|| payload.to_owned())
}

/// 32-bit FNV-1a: enough to catch a damaged cursor, not meant to resist forgery.
fn checksum(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// Only the canonical decimal form, so one position has exactly one cursor.
pub(crate) fn strict_integer(text: &str) -> Option<i64> {
    let value: i64 = text.parse().ok()?;
    (value.to_string() == text).then_some(value)
}

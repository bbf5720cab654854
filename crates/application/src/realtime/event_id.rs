//! Event ids: the ids of a channel's stream entries, `<milliseconds>-<counter>`,
//! increasing within a channel.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EventId {
    millis: u64,
    counter: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an event id: expected <number>-<number>")]
pub struct InvalidEventId;

impl EventId {
    /// Before every event: the id a channel that never had one reports.
    pub const ZERO: Self = Self {
        millis: 0,
        counter: 0,
    };

    pub fn new(millis: u64, counter: u64) -> Self {
        Self { millis, counter }
    }
}

impl FromStr for EventId {
    type Err = InvalidEventId;

    fn from_str(text: &str) -> Result<Self, InvalidEventId> {
        let (millis, counter) = text.split_once('-').ok_or(InvalidEventId)?;
        let number = |part: &str| {
            // `u64::from_str` would take a leading `+`.
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(InvalidEventId);
            }
            part.parse::<u64>().map_err(|_| InvalidEventId)
        };
        Ok(Self {
            millis: number(millis)?,
            counter: number(counter)?,
        })
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.millis, self.counter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_order_numerically() {
        let early: EventId = "999-5".parse().unwrap_or_default();
        let late: EventId = "1000-0".parse().unwrap_or_default();
        assert_eq!(early.to_string(), "999-5");
        assert!(early < late, "compared as numbers, not as text");
        assert!(EventId::ZERO < early);
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "1",
            "1-",
            "-1",
            "a-1",
            "1-2-3",
            "+1-0",
            "99999999999999999999-0",
        ] {
            assert_eq!(bad.parse::<EventId>(), Err(InvalidEventId), "{bad:?}");
        }
    }
}

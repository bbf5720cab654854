use folio_application::ports::Clock;
use folio_domain::Timestamp;

/// Wall-clock time in UTC, truncated to microseconds so values round-trip through
/// PostgreSQL unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let now = chrono::Utc::now();
        chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1))
            .unwrap_or(now)
    }
}

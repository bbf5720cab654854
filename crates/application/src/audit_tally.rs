//! Failures a client can repeat at will (rejected tokens, refused CSRF checks, rate
//! limits hit) are counted here, in memory, and written to the audit log as one row
//! per (event, address, account, limit) and window, with the count, instead of one
//! row per request: an anonymous client must not be able to grow an append-only
//! table at its own pace.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use folio_domain::{AuditEventType, Timestamp, UserId};

use crate::ports::AuditRecord;

/// Open tallies kept at most. Past it, new keys are merged into one tally per event
/// type under the address `*`, so memory stays bounded and nothing goes uncounted.
const CAPACITY: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TallyKey {
    event_type: AuditEventType,
    network: String,
    subject: Option<UserId>,
    /// The limit that was hit, for `rate_limited`.
    limit: Option<String>,
}

#[derive(Debug)]
struct Tally {
    /// The window's first event, as it would have been written on its own.
    first: AuditRecord,
    last_at: Timestamp,
    count: u64,
    /// How many events gave each `reason`.
    reasons: BTreeMap<String, u64>,
}

pub(crate) struct AuditTally {
    window: chrono::Duration,
    open: Mutex<HashMap<TallyKey, Tally>>,
}

impl AuditTally {
    pub(crate) fn new(window: std::time::Duration) -> Self {
        Self {
            window: chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX),
            open: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn window(&self) -> chrono::Duration {
        self.window
    }

    /// Counts `record`, which happened from `network`.
    pub(crate) fn add(&self, record: AuditRecord, network: String) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let mut key = TallyKey {
            event_type: record.event_type,
            network,
            subject: record.subject,
            limit: record.details.get("limit").cloned(),
        };
        if !open.contains_key(&key) && open.len() >= CAPACITY {
            key = TallyKey {
                event_type: record.event_type,
                network: "*".to_owned(),
                subject: None,
                limit: None,
            };
        }
        let reason = record.details.get("reason").cloned();
        let at = record.occurred_at;
        let tally = open.entry(key).or_insert_with(|| Tally {
            first: record,
            last_at: at,
            count: 0,
            reasons: BTreeMap::new(),
        });
        tally.count += 1;
        tally.last_at = tally.last_at.max(at);
        if let Some(reason) = reason {
            *tally.reasons.entry(reason).or_default() += 1;
        }
    }

    /// The rows of every tally whose window has ended by `now` (of every tally when
    /// `everything`, at shutdown), removed from the tally.
    pub(crate) fn take_due(&self, now: Timestamp, everything: bool) -> Vec<AuditRecord> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let due: Vec<TallyKey> = open
            .iter()
            .filter(|(_, tally)| everything || now - tally.first.occurred_at >= self.window)
            .map(|(key, _)| key.clone())
            .collect();
        due.into_iter()
            .filter_map(|key| {
                let tally = open.remove(&key)?;
                Some(self.row(&key, tally))
            })
            .collect()
    }

    fn row(&self, key: &TallyKey, tally: Tally) -> AuditRecord {
        let mut row = tally.first;
        if key.network == "*" {
            row.subject = None;
            row.actor = None;
            row.session = None;
            row.client.ip = None;
            row.details.remove("limit");
            row = row.detail("network", "*");
        }
        row = row
            .detail("count", tally.count.to_string())
            .detail("window_seconds", self.window.num_seconds().to_string());
        if tally.count > 1 {
            row = row.detail("last_at", tally.last_at.to_rfc3339());
        }
        // One reason stays `reason`; several are counted one by one.
        if tally.reasons.len() > 1 {
            row.details.remove("reason");
            for (reason, count) in tally.reasons {
                row = row.detail(&format!("reason.{reason}"), count.to_string());
            }
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientInfo;
    use chrono::DateTime;
    use std::time::Duration;

    fn at(seconds: i64) -> Timestamp {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap_or_default()
    }

    fn rejection(seconds: i64, reason: &str) -> AuditRecord {
        AuditRecord {
            occurred_at: at(seconds),
            event_type: AuditEventType::TokenRejected,
            outcome: AuditEventType::TokenRejected.outcome(),
            actor: None,
            subject: None,
            session: None,
            client: ClientInfo {
                ip: Some("203.0.113.9".to_owned()),
                ..ClientInfo::default()
            },
            details: BTreeMap::from([("reason".to_owned(), reason.to_owned())]),
        }
    }

    #[test]
    fn a_window_of_rejections_becomes_one_row_with_the_count() {
        let tally = AuditTally::new(Duration::from_secs(60));
        for second in 0..450 {
            let reason = if second % 3 == 0 {
                "revoked"
            } else {
                "unknown"
            };
            tally.add(rejection(second / 10, reason), "203.0.113.9".to_owned());
        }
        assert!(tally.take_due(at(59), false).is_empty());
        let rows = tally.take_due(at(60), false);
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.occurred_at, at(0));
        assert_eq!(row.details["count"], "450");
        assert_eq!(row.details["reason.revoked"], "150");
        assert_eq!(row.details["reason.unknown"], "300");
        assert_eq!(row.details["window_seconds"], "60");
        assert!(row.details.contains_key("last_at"));
        assert!(!row.details.contains_key("reason"));
        assert!(tally.take_due(at(600), true).is_empty());
    }

    #[test]
    fn a_single_reason_stays_the_rows_reason() {
        let tally = AuditTally::new(Duration::from_secs(60));
        tally.add(rejection(0, "unknown"), "203.0.113.9".to_owned());
        let [row] = tally
            .take_due(at(60), false)
            .try_into()
            .unwrap_or_else(|_| panic!());
        assert_eq!(row.details["reason"], "unknown");
        assert_eq!(row.details["count"], "1");
        assert!(!row.details.contains_key("last_at"));
    }

    #[test]
    fn addresses_and_accounts_are_tallied_apart() {
        let tally = AuditTally::new(Duration::from_secs(60));
        tally.add(rejection(0, "unknown"), "203.0.113.9".to_owned());
        tally.add(rejection(1, "unknown"), "198.51.100.1".to_owned());
        let mut of_user = rejection(2, "revoked");
        of_user.subject = Some(UserId::generate());
        tally.add(of_user, "203.0.113.9".to_owned());
        assert_eq!(tally.take_due(at(3), true).len(), 3);
    }

    #[test]
    fn past_capacity_new_addresses_share_one_row() {
        let tally = AuditTally::new(Duration::from_secs(60));
        for n in 0..CAPACITY + 500 {
            tally.add(
                rejection(0, "unknown"),
                format!("10.{}.{}.1", n / 256, n % 256),
            );
        }
        let rows = tally.take_due(at(60), false);
        assert_eq!(rows.len(), CAPACITY + 1);
        let overflow = rows
            .iter()
            .find(|row| row.details.get("network").map(String::as_str) == Some("*"));
        assert_eq!(
            overflow.map(|row| row.details["count"].as_str()),
            Some("500")
        );
    }
}

use chrono::SecondsFormat;
use folio_domain::Timestamp;

/// RFC 3339 in UTC with milliseconds and `Z`, e.g. `2026-02-18T03:22:56.637Z`;
/// RealWorld clients reject timestamps without the fraction or the zone.
pub fn rfc3339_millis(timestamp: &Timestamp) -> String {
    timestamp.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn always_has_milliseconds_and_zulu() {
        let whole_second = chrono::Utc
            .with_ymd_and_hms(2026, 2, 18, 3, 22, 56)
            .single();
        let formatted = whole_second.map(|t| rfc3339_millis(&t));
        assert_eq!(formatted.as_deref(), Some("2026-02-18T03:22:56.000Z"));
    }
}

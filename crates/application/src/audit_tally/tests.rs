use super::*;
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

/// A login refused by `limit`, with everything a client's row carries.
fn refused_login(ip: &str, limit: &str) -> AuditRecord {
    AuditRecord {
        occurred_at: at(1),
        event_type: AuditEventType::RateLimited,
        outcome: AuditEventType::RateLimited.outcome(),
        actor: None,
        subject: Some(UserId::generate()),
        session: None,
        client: ClientInfo {
            ip: Some(ip.to_owned()),
            user_agent: Some("curl/8.0".to_owned()),
            request_id: Some("req-1".to_owned()),
        },
        details: BTreeMap::from([
            ("limit".to_owned(), limit.to_owned()),
            ("email".to_owned(), "ann@example.com".to_owned()),
        ]),
    }
}

fn rejection_from(ip: &str, reason: &str) -> AuditRecord {
    let mut event = rejection(0, reason);
    event.client.ip = Some(ip.to_owned());
    event
}

/// Opens every client tally, from addresses no test below uses.
fn fill_client_tallies(tally: &AuditTally) {
    for n in 0..CLIENT_TALLIES {
        let ip = format!("10.{}.{}.1", n / 256, n % 256);
        tally.add(rejection_from(&ip, "unknown"), ip);
    }
}

fn the_only_row(rows: Vec<AuditRecord>) -> AuditRecord {
    let [row] = rows
        .try_into()
        .unwrap_or_else(|rows: Vec<_>| panic!("{} rows", rows.len()));
    row
}

fn row_of<'a>(rows: &'a [AuditRecord], network: &str) -> &'a AuditRecord {
    let found = rows
        .iter()
        .find(|row| row.details.get("network").map(String::as_str) == Some(network));
    found.unwrap_or_else(|| panic!("no row for {network}"))
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
    let row = the_only_row(tally.take_due(at(60), false));
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
fn a_client_row_keeps_the_first_events_details() {
    let tally = AuditTally::new(Duration::from_secs(60));
    let refused = refused_login("203.0.113.9", "login-account");
    tally.add(refused.clone(), "203.0.113.9".to_owned());
    let row = the_only_row(tally.take_due(at(61), false));
    assert_eq!(row.subject, refused.subject);
    assert_eq!(row.client, refused.client);
    assert_eq!(row.details["email"], "ann@example.com");
    assert_eq!(row.details["limit"], "login-account");
    assert!(!row.details.contains_key("network"));
}

#[test]
fn past_the_client_tallies_new_addresses_are_summed_by_wider_network() {
    let tally = AuditTally::new(Duration::from_secs(60));
    fill_client_tallies(&tally);
    // A client already tallied keeps its own row.
    tally.add(rejection_from("10.0.0.1", "revoked"), "10.0.0.1".to_owned());
    for host in 1..=30 {
        let ip = format!("203.0.113.{host}");
        tally.add(refused_login(&ip, "login-account"), ip);
    }
    for host in 1..=20 {
        let ip = format!("203.0.113.{host}");
        tally.add(refused_login(&ip, "login-address"), ip);
    }
    for subnet in 0..40 {
        tally.add(
            rejection(2, "unknown"),
            format!("2001:db8:7:{subnet:x}::/64"),
        );
    }

    let rows = tally.take_due(at(62), false);

    assert_eq!(rows.len(), CLIENT_TALLIES + 2);
    let known = row_of_client(&rows, "10.0.0.1");
    assert_eq!(known.details["count"], "2");
    assert_eq!(known.details["reason.revoked"], "1");
    let ipv4 = row_of(&rows, "203.0.113.0/24");
    assert_eq!(ipv4.event_type, AuditEventType::RateLimited);
    assert_eq!(ipv4.occurred_at, at(1));
    assert_eq!(ipv4.details["count"], "50");
    assert_eq!(ipv4.details["limit.login-account"], "30");
    assert_eq!(ipv4.details["limit.login-address"], "20");
    assert_summed(ipv4);
    let ipv6 = row_of(&rows, "2001:db8:7::/48");
    assert_eq!(ipv6.event_type, AuditEventType::TokenRejected);
    assert_eq!(ipv6.details["count"], "40");
    assert_eq!(ipv6.details["reason"], "unknown");
    assert_summed(ipv6);
}

#[test]
fn past_the_network_tallies_the_rest_share_one_row_per_event_type() {
    let tally = AuditTally::new(Duration::from_secs(60));
    fill_client_tallies(&tally);
    for n in 0..NETWORK_TALLIES {
        tally.add(rejection(0, "unknown"), format!("172.16.{}.1", n % 256));
    }
    // Networks already tallied keep their rows.
    tally.add(rejection(0, "revoked"), "172.16.0.2".to_owned());
    for n in 0..300 {
        let ip = format!("198.{}.{}.1", 18 + n / 256, n % 256);
        tally.add(refused_login(&ip, "login-address"), ip);
        tally.add(
            rejection(1, if n % 2 == 0 { "expired" } else { "unknown" }),
            format!("2001:db8:{n:x}:1::/64"),
        );
    }

    let rows = tally.take_due(at(61), true);

    assert_eq!(rows.len(), CLIENT_TALLIES + NETWORK_TALLIES + 2);
    assert_eq!(row_of(&rows, "172.16.0.0/24").details["count"], "2");
    let anywhere: Vec<&AuditRecord> = rows
        .iter()
        .filter(|row| row.details.get("network").map(String::as_str) == Some("*"))
        .collect();
    let [limited, rejected] = [AuditEventType::RateLimited, AuditEventType::TokenRejected]
        .map(|event_type| anywhere.iter().find(|row| row.event_type == event_type));
    let limited = limited.unwrap_or_else(|| panic!("no `*` row for rate_limited"));
    let rejected = rejected.unwrap_or_else(|| panic!("no `*` row for token_rejected"));
    assert_eq!(limited.details["count"], "300");
    assert_eq!(limited.details["limit"], "login-address");
    assert_summed(limited);
    assert_eq!(rejected.details["count"], "300");
    assert_eq!(rejected.details["reason.expired"], "150");
    assert_eq!(rejected.details["reason.unknown"], "150");
    assert_summed(rejected);
}

#[test]
fn rows_per_window_are_bounded_whatever_the_number_of_addresses() {
    let tally = AuditTally::new(Duration::from_secs(60));
    let event_types = [
        AuditEventType::TokenRejected,
        AuditEventType::CsrfRejected,
        AuditEventType::RateLimited,
    ];
    let events = 60_000_u32;
    for (n, event_type) in (0..events).zip(event_types.iter().cycle()) {
        let mut event = rejection(0, "unknown");
        event.event_type = *event_type;
        let network = if n % 2 == 0 {
            std::net::Ipv4Addr::from(n.wrapping_mul(2_654_435_761)).to_string()
        } else {
            format!("2001:{:x}:{:x}:{:x}::/64", n >> 16, n & 0xffff, n % 7)
        };
        tally.add(event, network);
    }

    let rows = tally.take_due(at(60), false);

    assert_eq!(
        rows.len(),
        CLIENT_TALLIES + NETWORK_TALLIES + event_types.len()
    );
    let counted: u64 = rows
        .iter()
        .map(|row| row.details["count"].parse::<u64>().unwrap_or_default())
        .sum();
    assert_eq!(counted, u64::from(events));
}

fn row_of_client<'a>(rows: &'a [AuditRecord], ip: &str) -> &'a AuditRecord {
    let found = rows.iter().find(|row| row.client.ip.as_deref() == Some(ip));
    found.unwrap_or_else(|| panic!("no row for {ip}"))
}

/// A row of many clients names none of them.
fn assert_summed(row: &AuditRecord) {
    assert_eq!(row.client, ClientInfo::default());
    assert_eq!((row.actor, row.subject, row.session), (None, None, None));
    assert!(!row.details.contains_key("email"));
}

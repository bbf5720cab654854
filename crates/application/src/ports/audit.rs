use std::collections::BTreeMap;

use folio_domain::{AuditEventType, AuditOutcome, SessionId, Timestamp, UserId};

use super::PortError;
use crate::ClientInfo;

/// One security-relevant event, as written to the append-only audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub occurred_at: Timestamp,
    pub event_type: AuditEventType,
    pub outcome: AuditOutcome,
    /// Who acted (absent for anonymous requests and operator commands).
    pub actor: Option<UserId>,
    /// Whose account the event concerns.
    pub subject: Option<UserId>,
    pub session: Option<SessionId>,
    pub client: ClientInfo,
    /// A few small facts (`reason`, `from`, `to`...); never secrets.
    pub details: BTreeMap<String, String>,
}

impl AuditRecord {
    pub fn actor(mut self, user: UserId) -> Self {
        self.actor = Some(user);
        self
    }

    pub fn subject(mut self, user: UserId) -> Self {
        self.subject = Some(user);
        self
    }

    pub fn session(mut self, session: SessionId) -> Self {
        self.session = Some(session);
        self
    }

    /// Adds a fact, cut to [`MAX_DETAIL_CHARS`]: details may come from the client,
    /// and the log they go to refuses deletion.
    pub fn detail(mut self, name: &str, value: impl Into<String>) -> Self {
        self.details
            .insert(name.to_owned(), bounded(value.into(), MAX_DETAIL_CHARS));
        self
    }

    /// The record with every client-supplied field cut to its bound.
    pub fn bounded(mut self) -> Self {
        self.client.user_agent = self
            .client
            .user_agent
            .map(|agent| bounded(agent, MAX_USER_AGENT_CHARS));
        self.client.request_id = self
            .client
            .request_id
            .map(|id| bounded(id, MAX_REQUEST_ID_CHARS));
        self.client.ip = self.client.ip.map(|ip| bounded(ip, MAX_IP_CHARS));
        for value in self.details.values_mut() {
            if value.chars().count() > MAX_DETAIL_CHARS {
                *value = bounded(std::mem::take(value), MAX_DETAIL_CHARS);
            }
        }
        self
    }
}

/// Longest detail value stored; longer ones are cut and end in `…`.
pub const MAX_DETAIL_CHARS: usize = 256;
pub const MAX_USER_AGENT_CHARS: usize = 512;
pub const MAX_REQUEST_ID_CHARS: usize = 128;
/// Longest textual IPv6 address with a zone is well under this.
const MAX_IP_CHARS: usize = 64;

/// `value` cut to at most `max` characters, the last of them `…` when it was cut.
fn bounded(value: String, max: usize) -> String {
    if value.chars().count() <= max {
        return value;
    }
    let mut cut: String = value.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A stored event with its position in the log (larger is newer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub record: AuditRecord,
}

/// Which events to list: newest first, strictly older than `before` when given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    pub event_type: Option<AuditEventType>,
    /// Events where this user is the actor or the subject.
    pub user: Option<UserId>,
    pub before: Option<i64>,
    pub limit: u32,
}

#[cfg_attr(test, mockall::automock)]
pub trait AuditLog: Send + Sync + 'static {
    async fn record(&self, record: AuditRecord) -> Result<(), PortError>;

    async fn list(&self, query: AuditQuery) -> Result<Vec<AuditEntry>, PortError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_domain::AuditEventType;

    #[test]
    fn client_supplied_values_are_cut_to_their_bounds() {
        let huge = "x".repeat(1 << 20);
        let record = AuditRecord {
            occurred_at: chrono::DateTime::from_timestamp(0, 0).unwrap_or_default(),
            event_type: AuditEventType::LoginFailed,
            outcome: AuditEventType::LoginFailed.outcome(),
            actor: None,
            subject: None,
            session: None,
            client: ClientInfo {
                user_agent: Some(huge.clone()),
                ip: Some("203.0.113.9".to_owned()),
                request_id: Some(huge.clone()),
            },
            details: BTreeMap::new(),
        }
        .detail("email", huge.as_str())
        .bounded();
        assert_eq!(record.details["email"].chars().count(), MAX_DETAIL_CHARS);
        assert!(record.details["email"].ends_with('…'));
        assert_eq!(
            record.client.user_agent.map(|agent| agent.chars().count()),
            Some(MAX_USER_AGENT_CHARS)
        );
        assert_eq!(
            record.client.request_id.map(|id| id.chars().count()),
            Some(MAX_REQUEST_ID_CHARS)
        );
        assert_eq!(record.client.ip.as_deref(), Some("203.0.113.9"));
    }

    #[test]
    fn short_values_are_kept_as_they_are() {
        assert_eq!(bounded("ann@example.com".to_owned(), 20), "ann@example.com");
        assert_eq!(bounded("ΑΣΑΣ".to_owned(), 3), "ΑΣ…");
    }
}

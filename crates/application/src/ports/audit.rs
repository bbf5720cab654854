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

    pub fn detail(mut self, name: &str, value: impl Into<String>) -> Self {
        self.details.insert(name.to_owned(), value.into());
        self
    }
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

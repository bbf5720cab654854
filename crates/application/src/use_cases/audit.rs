//! Writing security events to the audit log, and reading them back (admins only).

use std::collections::BTreeMap;

use folio_domain::{Actor, AuditEventType, AuditOutcome, Permission, UserId, Username};
use tracing::{debug, error, info, warn};

use crate::ports::{AuditEntry, AuditLog, AuditQuery, AuditRecord, Clock, UserRepository, Work};
use crate::views::Authenticated;
use crate::{AppError, ClientInfo, FieldErrors, Folio, Ports};

/// The filters of an audit-log listing as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub event_type: Option<String>,
    pub username: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// One page of the audit log and the cursor for the next (older) one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    pub events: Vec<AuditEntry>,
    pub next_before: Option<i64>,
}

pub const DEFAULT_AUDIT_PAGE: u32 = 50;
pub const MAX_AUDIT_PAGE: u32 = 200;

impl<P: Ports> Folio<P> {
    /// A new event of `event_type` happening now, for the request `client` describes.
    pub(crate) fn event(&self, event_type: AuditEventType, client: &ClientInfo) -> AuditRecord {
        let record = AuditRecord {
            occurred_at: self.ports.clock().now(),
            event_type,
            outcome: event_type.outcome(),
            actor: None,
            subject: None,
            session: None,
            client: client.clone(),
            details: BTreeMap::new(),
        };
        record.bounded()
    }

    /// An event for `actor` removing content written by `author` (moderation), or
    /// `None` when authors remove their own: that is their right and leaves no trail.
    pub(crate) fn removal(
        &self,
        event_type: AuditEventType,
        actor: Actor,
        author: UserId,
        client: &ClientInfo,
    ) -> Option<AuditRecord> {
        (actor.user_id != author).then(|| {
            self.event(event_type, client)
                .actor(actor.user_id)
                .subject(author)
        })
    }

    /// Appends `record` to the audit log and to the application log. A failed write is
    /// logged, not returned: this is for events with no change to go with (failed
    /// logins, tallies), which must not fail because the trail could not be written.
    /// An event that goes with a change is written in the change's unit of work
    /// instead ([`Self::record_in`]).
    pub(crate) async fn record(&self, record: AuditRecord) {
        let record = logged(record);
        let event = record.event_type.as_str();
        if let Err(failure) = self.ports.audit().record(record).await {
            error!(event, error = %failure, "could not write the audit log");
        }
    }

    /// Appends `record` to the audit log in `work`: the change it describes commits
    /// only with it.
    pub(crate) async fn record_in(
        &self,
        work: &impl Work,
        record: AuditRecord,
    ) -> Result<(), AppError> {
        work.audit().record(logged(record)).await?;
        Ok(())
    }

    /// Counts a failure a client can repeat at will (rejected token, refused CSRF
    /// check, limit hit) towards its window's one audit row; see `audit_tally`.
    pub(crate) fn tally(&self, record: AuditRecord, client: &ClientInfo) {
        debug!(event = record.event_type.as_str(), ip = ?client.ip, details = ?record.details, "security event tallied");
        self.audit_tally.add(record, self.network_of(client));
    }

    /// Writes the rows of the tallies whose window has ended (all of them when
    /// `everything`, before the process exits); how many it wrote.
    pub async fn flush_audit_tally(&self, everything: bool) -> usize {
        let rows = self
            .audit_tally
            .take_due(self.ports.clock().now(), everything);
        let written = rows.len();
        for row in rows {
            self.record(row).await;
        }
        written
    }

    /// How often [`Self::flush_audit_tally`] should run so rows are at most this late.
    pub fn audit_tally_window(&self) -> std::time::Duration {
        self.audit_tally.window().to_std().unwrap_or_default()
    }

    /// The audit log, newest first, for admins.
    pub async fn audit_events(
        &self,
        caller: &Authenticated,
        filter: AuditFilter,
    ) -> Result<AuditPage, AppError> {
        if !caller.actor().may(Permission::ReadAuditLog) {
            return Err(AppError::Forbidden);
        }
        let mut errors = FieldErrors::new();
        let event_type = match &filter.event_type {
            Some(raw) => errors.check("type", AuditEventType::parse(raw)),
            None => None,
        };
        let username = match &filter.username {
            Some(raw) => errors.check("user", Username::parse(raw)),
            None => None,
        };
        let limit = filter.limit.unwrap_or(i64::from(DEFAULT_AUDIT_PAGE));
        if !(1..=i64::from(MAX_AUDIT_PAGE)).contains(&limit) {
            errors.add("limit", format!("must be between 1 and {MAX_AUDIT_PAGE}"));
        }
        if filter.before.is_some_and(|before| before < 1) {
            errors.add("before", "must be a positive cursor");
        }
        errors.into_result()?;

        let user = match &username {
            Some(username) => match self.ports.users().find_by_username(username).await? {
                Some(user) => Some(user.id),
                None => return Ok(AuditPage::empty()),
            },
            None => None,
        };
        let limit = u32::try_from(limit).unwrap_or(DEFAULT_AUDIT_PAGE);
        let mut events = self
            .ports
            .audit()
            .list(AuditQuery {
                event_type,
                user,
                before: filter.before,
                limit: limit + 1,
            })
            .await?;
        let page_len = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = events.len() > page_len;
        events.truncate(page_len);
        let next_before = if more {
            events.last().map(|entry| entry.id)
        } else {
            None
        };
        Ok(AuditPage {
            events,
            next_before,
        })
    }
}

impl AuditPage {
    fn empty() -> Self {
        Self {
            events: Vec::new(),
            next_before: None,
        }
    }
}

/// `record`, bounded, after writing it to the application log.
fn logged(record: AuditRecord) -> AuditRecord {
    let record = record.bounded();
    let event = record.event_type.as_str();
    let actor = record.actor.map(|id| id.to_string());
    let subject = record.subject.map(|id| id.to_string());
    let ip = record.client.ip.clone();
    match record.outcome {
        AuditOutcome::Failure => {
            warn!(event, ?actor, ?subject, ?ip, details = ?record.details, "security event");
        }
        AuditOutcome::Success => {
            info!(event, ?actor, ?subject, ?ip, details = ?record.details, "security event");
        }
    }
    record
}

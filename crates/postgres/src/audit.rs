use std::collections::BTreeMap;

use diesel::{BoolExpressionMethods, ExpressionMethods, Insertable, QueryDsl, Queryable};
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_application::ClientInfo;
use folio_application::ports::{AuditEntry, AuditLog, AuditQuery, AuditRecord, PortError};
use folio_domain::{AuditEventType, AuditOutcome, SessionId, Timestamp, UserId};
use uuid::Uuid;

use super::Database;
use super::errors::query_error;
use super::pool::plan_for_these_values;
use super::schema::audit_events;
use super::source::Source;

/// The append-only audit log in PostgreSQL (a trigger refuses updates and deletes).
#[derive(Clone)]
pub struct PgAuditLog {
    db: Source,
}

impl PgAuditLog {
    pub fn new(db: Database) -> Self {
        Self {
            db: Source::Pool(db),
        }
    }

    /// The repository inside a unit of work.
    pub(crate) fn within(work: Source) -> Self {
        Self { db: work }
    }
}

#[derive(Insertable)]
#[diesel(table_name = audit_events)]
struct AuditInsert<'a> {
    occurred_at: Timestamp,
    event_type: &'a str,
    actor_user_id: Option<Uuid>,
    subject_user_id: Option<Uuid>,
    session_id: Option<Uuid>,
    ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    request_id: Option<&'a str>,
    outcome: &'a str,
    details: serde_json::Value,
}

#[derive(Queryable)]
struct AuditRow {
    id: i64,
    occurred_at: Timestamp,
    event_type: String,
    actor_user_id: Option<Uuid>,
    subject_user_id: Option<Uuid>,
    session_id: Option<Uuid>,
    ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
    outcome: String,
    details: serde_json::Value,
}

impl AuditRow {
    fn into_entry(self) -> Result<AuditEntry, PortError> {
        let corrupt =
            |what: &str| PortError::Other(format!("audit event {}: {what}", self.id).into());
        let event_type =
            AuditEventType::parse(&self.event_type).map_err(|_| corrupt("unknown type"))?;
        let outcome = AuditOutcome::parse(&self.outcome).map_err(|_| corrupt("unknown outcome"))?;
        let details = match self.details {
            serde_json::Value::Object(map) => map
                .into_iter()
                .map(|(name, value)| {
                    let text = match value {
                        serde_json::Value::String(text) => text,
                        other => other.to_string(),
                    };
                    (name, text)
                })
                .collect(),
            _ => BTreeMap::new(),
        };
        Ok(AuditEntry {
            id: self.id,
            record: AuditRecord {
                occurred_at: self.occurred_at,
                event_type,
                outcome,
                actor: self.actor_user_id.map(UserId::from_uuid),
                subject: self.subject_user_id.map(UserId::from_uuid),
                session: self.session_id.map(SessionId::from_uuid),
                client: ClientInfo {
                    user_agent: self.user_agent,
                    ip: self.ip,
                    request_id: self.request_id,
                },
                details,
            },
        })
    }
}

impl AuditLog for PgAuditLog {
    async fn record(&self, record: AuditRecord) -> Result<(), PortError> {
        let details = serde_json::Value::Object(
            record
                .details
                .iter()
                .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
                .collect(),
        );
        let mut conn = self.db.connection().await?;
        diesel::insert_into(audit_events::table)
            .values(AuditInsert {
                occurred_at: record.occurred_at,
                event_type: record.event_type.as_str(),
                actor_user_id: record.actor.map(|id| id.as_uuid()),
                subject_user_id: record.subject.map(|id| id.as_uuid()),
                session_id: record.session.map(|id| id.as_uuid()),
                ip: record.client.ip.as_deref(),
                user_agent: record.client.user_agent.as_deref(),
                request_id: record.client.request_id.as_deref(),
                outcome: record.outcome.as_str(),
                details,
            })
            .execute(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(())
    }

    async fn list(&self, query: AuditQuery) -> Result<Vec<AuditEntry>, PortError> {
        let mut conn = self.db.connection().await?;
        let mut select = audit_events::table
            .order(audit_events::id.desc())
            .limit(i64::from(query.limit))
            .into_boxed();
        if let Some(event_type) = query.event_type {
            select = select.filter(audit_events::event_type.eq(event_type.as_str()));
        }
        if let Some(user) = query.user {
            let user = user.as_uuid();
            select = select.filter(
                audit_events::actor_user_id
                    .eq(user)
                    .or(audit_events::subject_user_id.eq(user)),
            );
        }
        if let Some(before) = query.before {
            select = select.filter(audit_events::id.lt(before));
        }
        // How many events match a user or a type varies by orders of magnitude.
        let rows: Vec<AuditRow> = conn
            .transaction(async |conn| {
                plan_for_these_values(conn).await?;
                select.load(conn).await
            })
            .await
            .map_err(query_error)?;
        rows.into_iter().map(AuditRow::into_entry).collect()
    }
}

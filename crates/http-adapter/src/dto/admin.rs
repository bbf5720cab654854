use std::collections::BTreeMap;

use folio_application::ports::AuditEntry;
use folio_application::use_cases::audit::{AuditFilter, AuditPage};
use folio_domain::User;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::time::rfc3339_millis;

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RoleRequest {
    /// `member`, `moderator` or `admin`.
    #[validate(required(message = "can't be blank"))]
    #[schema(example = "moderator")]
    pub role: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountResponse {
    pub account: AccountBody,
}

/// An account as administrators see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountBody {
    pub username: String,
    pub role: String,
    pub suspended: bool,
    pub suspended_at: Option<String>,
}

impl From<User> for AccountResponse {
    fn from(user: User) -> Self {
        Self {
            account: AccountBody {
                username: user.username.into_inner(),
                role: user.role.as_str().to_owned(),
                suspended: user.suspended_at.is_some(),
                suspended_at: user.suspended_at.as_ref().map(rfc3339_millis),
            },
        }
    }
}

/// Filters of the audit log; all optional.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditEventsQuery {
    /// Only events of this type (e.g. `login_failed`).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub event_type: Option<String>,
    /// Only events where this username is the actor or the subject.
    pub user: Option<String>,
    /// Cursor: only events older than this one (the previous page's `nextBefore`).
    pub before: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

impl From<AuditEventsQuery> for AuditFilter {
    fn from(query: AuditEventsQuery) -> Self {
        AuditFilter {
            event_type: query.event_type,
            username: query.user,
            before: query.before,
            limit: query.limit,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventsResponse {
    pub events: Vec<AuditEventBody>,
    /// Pass as `before` to read the next (older) page; null on the last page.
    pub next_before: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventBody {
    pub id: i64,
    pub occurred_at: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub outcome: String,
    pub actor_id: Option<String>,
    pub subject_id: Option<String>,
    pub session_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub details: BTreeMap<String, String>,
}

impl From<AuditEntry> for AuditEventBody {
    fn from(entry: AuditEntry) -> Self {
        let record = entry.record;
        Self {
            id: entry.id,
            occurred_at: rfc3339_millis(&record.occurred_at),
            event_type: record.event_type.as_str().to_owned(),
            outcome: record.outcome.as_str().to_owned(),
            actor_id: record.actor.map(|id| id.to_string()),
            subject_id: record.subject.map(|id| id.to_string()),
            session_id: record.session.map(|id| id.to_string()),
            ip: record.client.ip,
            user_agent: record.client.user_agent,
            request_id: record.client.request_id,
            details: record.details,
        }
    }
}

impl From<AuditPage> for AuditEventsResponse {
    fn from(page: AuditPage) -> Self {
        Self {
            events: page.events.into_iter().map(AuditEventBody::from).collect(),
            next_before: page.next_before,
        }
    }
}

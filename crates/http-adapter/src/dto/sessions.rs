use folio_application::views::SessionView;
use serde::Serialize;
use utoipa::ToSchema;

use crate::time::rfc3339_millis;

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsResponse {
    pub sessions: Vec<SessionBody>,
}

/// One place the user is signed in.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionBody {
    pub id: String,
    pub created_at: String,
    pub last_seen_at: String,
    /// When it ends unless used again (idle timeout or absolute lifetime).
    pub expires_at: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
}

impl From<SessionView> for SessionBody {
    fn from(view: SessionView) -> Self {
        Self {
            id: view.record.id.to_string(),
            created_at: rfc3339_millis(&view.record.created_at),
            last_seen_at: rfc3339_millis(&view.record.last_seen_at),
            expires_at: rfc3339_millis(&view.expires_at),
            user_agent: view.record.user_agent,
            ip: view.record.ip,
            current: view.current,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedResponse {
    /// How many sessions were signed out.
    pub revoked: u64,
}

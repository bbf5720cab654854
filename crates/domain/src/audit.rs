//! The security-relevant events Folio keeps an append-only record of.

use crate::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditEventType {
    LoginSucceeded,
    LoginFailed,
    Logout,
    SessionRevoked,
    SessionsRevokedAll,
    PasswordChanged,
    RoleChanged,
    UserSuspended,
    UserUnsuspended,
    CsrfRejected,
    RateLimited,
    TokenRejected,
    ArticleRemoved,
    CommentRemoved,
}

impl AuditEventType {
    pub const ALL: [AuditEventType; 14] = [
        Self::LoginSucceeded,
        Self::LoginFailed,
        Self::Logout,
        Self::SessionRevoked,
        Self::SessionsRevokedAll,
        Self::PasswordChanged,
        Self::RoleChanged,
        Self::UserSuspended,
        Self::UserUnsuspended,
        Self::CsrfRejected,
        Self::RateLimited,
        Self::TokenRejected,
        Self::ArticleRemoved,
        Self::CommentRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "login_succeeded",
            Self::LoginFailed => "login_failed",
            Self::Logout => "logout",
            Self::SessionRevoked => "session_revoked",
            Self::SessionsRevokedAll => "sessions_revoked_all",
            Self::PasswordChanged => "password_changed",
            Self::RoleChanged => "role_changed",
            Self::UserSuspended => "user_suspended",
            Self::UserUnsuspended => "user_unsuspended",
            Self::CsrfRejected => "csrf_rejected",
            Self::RateLimited => "rate_limited",
            Self::TokenRejected => "token_rejected",
            Self::ArticleRemoved => "article_removed",
            Self::CommentRemoved => "comment_removed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw)
            .ok_or_else(|| InvalidValue::new("is not a known audit event type"))
    }

    /// Whether the event records something refused, which is worth a warning in the logs.
    pub fn outcome(self) -> AuditOutcome {
        match self {
            Self::LoginFailed | Self::CsrfRejected | Self::RateLimited | Self::TokenRejected => {
                AuditOutcome::Failure
            }
            _ => AuditOutcome::Success,
        }
    }
}

impl std::fmt::Display for AuditEventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutcome {
    Success,
    Failure,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "success" => Ok(Self::Success),
            "failure" => Ok(Self::Failure),
            _ => Err(InvalidValue::new("must be success or failure")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_round_trip_through_their_names() {
        for kind in AuditEventType::ALL {
            assert_eq!(AuditEventType::parse(kind.as_str()), Ok(kind));
        }
        assert!(AuditEventType::parse("login").is_err());
    }

    #[test]
    fn refusals_are_failures_and_changes_are_successes() {
        assert_eq!(AuditEventType::LoginFailed.outcome(), AuditOutcome::Failure);
        assert_eq!(
            AuditEventType::CsrfRejected.outcome(),
            AuditOutcome::Failure
        );
        assert_eq!(AuditEventType::RoleChanged.outcome(), AuditOutcome::Success);
        for outcome in [AuditOutcome::Success, AuditOutcome::Failure] {
            assert_eq!(AuditOutcome::parse(outcome.as_str()), Ok(outcome));
        }
    }
}

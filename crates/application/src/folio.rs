use chrono::Duration;
use folio_domain::{Timestamp, UploadLimits};

use crate::Ports;
use crate::audit_tally::AuditTally;
use crate::local_limits::LocalWindows;
use crate::search_log::SearchRecorder;

use crate::content_cache::Flights;
use crate::ports::{Bucket, StoredSession, Window};

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session unused for this long expires (sliding).
    pub idle_timeout: Duration,
    /// A session expires this long after login, however active.
    pub absolute_lifetime: Duration,
    /// `last_seen_at` is written at most this often per session.
    pub touch_interval: Duration,
    /// How long a session lookup may be served from the cache; zero turns it off.
    pub cache_ttl: std::time::Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::days(14),
            absolute_lifetime: Duration::days(90),
            touch_interval: Duration::minutes(1),
            cache_ttl: std::time::Duration::from_secs(60),
        }
    }
}

/// Whether a stored session may still authenticate requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Active,
    Revoked,
    Expired,
}

impl SessionPolicy {
    pub fn state_of(&self, session: &StoredSession, now: Timestamp) -> SessionState {
        if session.revoked_at.is_some() {
            SessionState::Revoked
        } else if now >= self.expiry_of(session.expires_at, session.last_seen_at) {
            SessionState::Expired
        } else {
            SessionState::Active
        }
    }

    /// When a session ends if it is not used again: the earlier of its absolute expiry
    /// and the end of its idle window.
    pub fn expiry_of(&self, expires_at: Timestamp, last_seen_at: Timestamp) -> Timestamp {
        expires_at.min(last_seen_at + self.idle_timeout)
    }
}

/// What a new password must not be, beyond its length.
#[derive(Debug, Clone, Copy)]
pub struct PasswordRules {
    /// Refuse the passwords on the shipped list of the most common ones.
    pub reject_common: bool,
}

impl Default for PasswordRules {
    fn default() -> Self {
        Self {
            reject_common: true,
        }
    }
}

/// How much of what one client may do (see `use_cases::rate_limits`).
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Off for load tests and conformance suites that come from one address.
    pub enabled: bool,
    /// Failed logins per (client address, email).
    pub login_failures_per_account: Window,
    /// Failed logins per client address, whatever the email.
    pub login_failures_per_address: Window,
    /// Registrations and email changes per client address.
    pub registrations_per_address: Window,
    /// Presented tokens that turned out unknown, revoked or expired, per client
    /// address; past it, credentials from that address are refused before any lookup.
    pub token_rejections_per_address: Window,
    /// Every API request, per user (per address when anonymous).
    pub requests: Bucket,
    /// IPv6 clients are counted by their network of this many bits.
    pub ipv6_prefix: u8,
}

impl Default for RateLimits {
    fn default() -> Self {
        let fifteen_minutes = std::time::Duration::from_secs(15 * 60);
        Self {
            enabled: true,
            login_failures_per_account: Window {
                max: 5,
                length: fifteen_minutes,
            },
            login_failures_per_address: Window {
                max: 50,
                length: fifteen_minutes,
            },
            registrations_per_address: Window {
                max: 10,
                length: std::time::Duration::from_secs(3600),
            },
            token_rejections_per_address: Window {
                max: 20,
                length: std::time::Duration::from_secs(60),
            },
            requests: Bucket {
                capacity: 300,
                refill_every: std::time::Duration::from_millis(100),
            },
            ipv6_prefix: 64,
        }
    }
}

/// Whether reads go through the content cache (`FOLIO_CACHE`).
#[derive(Debug, Clone, Copy)]
pub struct ContentCachePolicy {
    pub enabled: bool,
}

impl Default for ContentCachePolicy {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// The application: every use case is a method on this type (see `use_cases`).
pub struct Folio<P: Ports> {
    pub(crate) ports: P,
    pub(crate) sessions: SessionPolicy,
    pub(crate) passwords: PasswordRules,
    pub(crate) limits: RateLimits,
    pub(crate) content_cache: ContentCachePolicy,
    pub(crate) flights: Flights,
    /// Where the login and registration limits count while Redis cannot.
    pub(crate) local_limits: LocalWindows,
    pub(crate) audit_tally: AuditTally,
    /// Where searches are recorded (see `search_log`); none records nothing.
    pub(crate) search_recorder: Option<SearchRecorder>,
    pub(crate) upload_limits: UploadLimits,
}

/// How long repeated failures are tallied before their one audit row is written.
pub const DEFAULT_AUDIT_TALLY_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

impl<P: Ports> Folio<P> {
    pub fn new(ports: P, sessions: SessionPolicy) -> Self {
        Self {
            ports,
            sessions,
            passwords: PasswordRules::default(),
            limits: RateLimits::default(),
            content_cache: ContentCachePolicy::default(),
            flights: Flights::default(),
            local_limits: LocalWindows::default(),
            audit_tally: AuditTally::new(DEFAULT_AUDIT_TALLY_WINDOW),
            search_recorder: None,
            upload_limits: UploadLimits::default(),
        }
    }

    /// Repeated failures become one audit row per `window` (see `audit_tally`).
    pub fn with_audit_tally_window(mut self, window: std::time::Duration) -> Self {
        self.audit_tally = AuditTally::new(window);
        self
    }

    /// Records every first page of a search through `recorder`.
    pub fn with_search_recorder(mut self, recorder: SearchRecorder) -> Self {
        self.search_recorder = Some(recorder);
        self
    }

    pub fn with_content_cache(mut self, policy: ContentCachePolicy) -> Self {
        self.content_cache = policy;
        self
    }

    pub fn with_rate_limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn with_password_rules(mut self, passwords: PasswordRules) -> Self {
        self.passwords = passwords;
        self
    }

    pub fn with_upload_limits(mut self, limits: UploadLimits) -> Self {
        self.upload_limits = limits;
        self
    }

    pub fn upload_limits(&self) -> UploadLimits {
        self.upload_limits
    }

    pub fn ports(&self) -> &P {
        &self.ports
    }

    pub fn session_policy(&self) -> &SessionPolicy {
        &self.sessions
    }
}

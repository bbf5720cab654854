//! How often one client may try: failed logins, registrations, and requests in
//! general. The counters live behind the `RateLimiter` port (Redis), shared by all
//! instances. When they cannot be reached the limits fail open: an outage of the
//! counters must not become an outage of the API.

use folio_domain::{AuditEventType, UserId};
use tracing::{error, warn};

use crate::ports::{PortError, RateKey, RateLimiter, Usage, Window};
use crate::{AppError, ClientInfo, Folio, Ports};

/// Whose budget a request spends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestSubject {
    User(UserId),
    Address(String),
}

/// The two counters a login attempt is judged by.
pub(crate) struct LoginKeys {
    account: RateKey,
    address: RateKey,
}

impl<P: Ports> Folio<P> {
    /// Spends one request of the subject's budget. `None` when limits are off or
    /// the counters are unreachable.
    pub async fn admit_request(&self, subject: &RequestSubject) -> Option<Usage> {
        if !self.limits.enabled {
            return None;
        }
        let key = match subject {
            RequestSubject::User(id) => RateKey::new("requests-user", id.to_string()),
            RequestSubject::Address(ip) => RateKey::new("requests-address", ip.clone()),
        };
        let usage = self.counted(self.ports.limiter().take(&key, self.limits.requests).await)?;
        if !usage.allowed {
            warn!(scope = key.scope, ?subject, "request budget exhausted");
        }
        Some(usage)
    }

    pub(crate) fn login_keys(&self, email: &str, client: &ClientInfo) -> LoginKeys {
        let address = client.ip.clone().unwrap_or_else(|| "unknown".to_owned());
        LoginKeys {
            account: RateKey::new("login-account", format!("{address}\n{email}")),
            address: RateKey::new("login-address", address),
        }
    }

    /// Refuses a login attempt from a client that failed too often lately, before
    /// any password is checked.
    pub(crate) async fn refuse_locked_out_login(
        &self,
        keys: &LoginKeys,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        if !self.limits.enabled {
            return Ok(());
        }
        let checks = [
            (&keys.account, self.limits.login_failures_per_account),
            (&keys.address, self.limits.login_failures_per_address),
        ];
        for (key, window) in checks {
            let Some(usage) = self.counted(self.ports.limiter().peek(key, window).await) else {
                continue;
            };
            if !usage.allowed {
                return Err(self.rate_limited(key, usage, client, Some(email)).await);
            }
        }
        Ok(())
    }

    pub(crate) async fn count_login_failure(&self, keys: &LoginKeys) {
        if !self.limits.enabled {
            return;
        }
        let limiter = self.ports.limiter();
        let account = self.limits.login_failures_per_account;
        let address = self.limits.login_failures_per_address;
        self.counted(limiter.record(&keys.account, account).await);
        self.counted(limiter.record(&keys.address, address).await);
    }

    /// A successful login wipes the slate for that account from that address.
    pub(crate) async fn forget_login_failures(&self, keys: &LoginKeys) {
        if self.limits.enabled {
            self.counted(self.ports.limiter().clear(&keys.account).await);
        }
    }

    pub(crate) async fn limit_registrations(&self, client: &ClientInfo) -> Result<(), AppError> {
        if !self.limits.enabled {
            return Ok(());
        }
        let address = client.ip.clone().unwrap_or_else(|| "unknown".to_owned());
        let key = RateKey::new("registrations", address);
        let window: Window = self.limits.registrations_per_address;
        match self.counted(self.ports.limiter().record(&key, window).await) {
            Some(usage) if !usage.allowed => {
                Err(self.rate_limited(&key, usage, client, None).await)
            }
            _ => Ok(()),
        }
    }

    async fn rate_limited(
        &self,
        key: &RateKey,
        usage: Usage,
        client: &ClientInfo,
        email: Option<&str>,
    ) -> AppError {
        let mut event = self
            .event(AuditEventType::RateLimited, client)
            .detail("limit", key.scope);
        if let Some(email) = email {
            event = event.detail("email", email);
        }
        self.record(event).await;
        AppError::RateLimited {
            retry_after: usage.retry_in.unwrap_or(usage.resets_in),
        }
    }

    /// The limiter's answer, or `None` (logged) when it could not give one.
    fn counted<T>(&self, result: Result<T, PortError>) -> Option<T> {
        result
            .map_err(|failure| error!(error = %failure, "rate limiter unavailable; not limiting"))
            .ok()
    }
}

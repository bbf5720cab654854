//! How often one client may try: logins, registrations and email changes, rejected
//! tokens, and requests in general. The counters live behind the `RateLimiter` port
//! (Redis), shared by all instances; IPv6 clients are counted by network. When Redis
//! cannot be reached, the limits that guard accounts (logins, registrations, email
//! changes, rejected tokens) count in this process instead, while the general
//! request budget fails open: an outage of the counters must not become an outage of
//! the API, nor an open door to password guessing.

use folio_domain::{AuditEventType, UserId};
use tracing::{debug, warn};

use crate::ports::{Clock, PortError, RateKey, RateLimiter, Usage, Window};
use crate::{AppError, ClientInfo, Folio, Ports};

/// Whose budget a request spends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestSubject {
    User(UserId),
    /// An anonymous client, by its address.
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
            RequestSubject::Address(ip) => {
                let client = ClientInfo {
                    ip: Some(ip.clone()),
                    ..ClientInfo::default()
                };
                RateKey::new("requests-address", self.network_of(&client))
            }
        };
        let usage = self.counted(self.ports.limiter().take(&key, self.limits.requests).await)?;
        if !usage.allowed {
            warn!(scope = key.scope, ?subject, "request budget exhausted");
        }
        Some(usage)
    }

    /// The address `client`'s limits count against (its /64 for IPv6 by default).
    pub(crate) fn network_of(&self, client: &ClientInfo) -> String {
        client.network(self.limits.ipv6_prefix)
    }

    pub(crate) fn login_keys(&self, email: &str, client: &ClientInfo) -> LoginKeys {
        let address = self.network_of(client);
        LoginKeys {
            account: RateKey::new("login-account", format!("{address}\n{email}")),
            address: RateKey::new("login-address", address),
        }
    }

    /// Counts a login attempt before its password is checked, in one atomic step per
    /// counter, and refuses it when the account or the address is out of attempts:
    /// concurrent guesses cannot all slip in between a check and a count. A login that
    /// succeeds is credited back (see [`Self::login_succeeded`]).
    pub(crate) async fn admit_login_attempt(
        &self,
        keys: &LoginKeys,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        if !self.limits.enabled {
            return Ok(());
        }
        // The address first: a refused address then adds no counter per email it
        // tries.
        let checks = [
            (&keys.address, self.limits.login_failures_per_address),
            (&keys.account, self.limits.login_failures_per_account),
        ];
        for (key, window) in checks {
            let usage = self.count_strictly(key, window).await;
            if !usage.allowed {
                return Err(self.rate_limited(key, usage, client, Some(email)));
            }
        }
        Ok(())
    }

    /// A successful login wipes the slate for that account from that address, and
    /// does not count against the address.
    pub(crate) async fn login_succeeded(&self, keys: &LoginKeys) {
        if !self.limits.enabled {
            return;
        }
        let limiter = self.ports.limiter();
        if let Err(failure) = limiter.clear(&keys.account).await {
            debug!(error = %failure, "rate limiter unavailable; clearing locally");
            self.local_limits.clear(&keys.account);
        }
        if let Err(failure) = limiter.credit(&keys.address).await {
            debug!(error = %failure, "rate limiter unavailable; crediting locally");
            self.local_limits.credit(&keys.address);
        }
    }

    /// Registrations and email changes share one budget per address: both answer
    /// "has already been taken" for an address in use.
    pub(crate) async fn limit_registrations(&self, client: &ClientInfo) -> Result<(), AppError> {
        if !self.limits.enabled {
            return Ok(());
        }
        let key = RateKey::new("registrations", self.network_of(client));
        let usage = self
            .count_strictly(&key, self.limits.registrations_per_address)
            .await;
        if usage.allowed {
            Ok(())
        } else {
            Err(self.rate_limited(&key, usage, client, None))
        }
    }

    /// Counts a credential lookup against the address before it is made, in one
    /// atomic step, and refuses it when the address's recent credentials kept being
    /// rejected: guessing tokens must cost the guesser, not the database, and
    /// concurrent guesses cannot all slip in between a check and a count. Returns the
    /// key charged, to be refunded when the credential turns out to be good (see
    /// [`Self::refund_token_lookup`]).
    pub(crate) async fn admit_token_lookup(
        &self,
        client: &ClientInfo,
    ) -> Result<Option<RateKey>, AppError> {
        if !self.limits.enabled {
            return Ok(None);
        }
        let key = self.token_rejection_key(client);
        let usage = self
            .count_strictly(&key, self.limits.token_rejections_per_address)
            .await;
        if usage.allowed {
            Ok(Some(key))
        } else {
            Err(self.rate_limited(&key, usage, client, None))
        }
    }

    /// Gives back what [`Self::admit_token_lookup`] charged, for a credential that
    /// authenticated or a lookup that could not be made.
    pub(crate) async fn refund_token_lookup(&self, charged: Option<RateKey>) {
        let Some(key) = charged else { return };
        if let Err(failure) = self.ports.limiter().credit(&key).await {
            debug!(error = %failure, "rate limiter unavailable; crediting locally");
            self.local_limits.credit(&key);
        }
    }

    /// Counts a rejected credential that cost no lookup (the session cache knew it).
    pub(crate) async fn count_token_rejection(&self, client: &ClientInfo) {
        if self.limits.enabled {
            let key = self.token_rejection_key(client);
            self.count_strictly(&key, self.limits.token_rejections_per_address)
                .await;
        }
    }

    fn token_rejection_key(&self, client: &ClientInfo) -> RateKey {
        RateKey::new("token-rejections", self.network_of(client))
    }

    /// Counts one event in the shared counters, or in this process's when they
    /// cannot be reached.
    async fn count_strictly(&self, key: &RateKey, window: Window) -> Usage {
        match self.ports.limiter().record(key, window).await {
            Ok(usage) => usage,
            Err(failure) => {
                debug!(error = %failure, scope = key.scope, "rate limiter unavailable; counting locally");
                self.local_limits
                    .record(key, window, self.ports.clock().now())
            }
        }
    }

    /// The refusal, tallied for the audit log (one row per address and window, not
    /// one per refused request).
    fn rate_limited(
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
        self.tally(event, client);
        AppError::RateLimited {
            retry_after: usage.retry_in.unwrap_or(usage.resets_in),
        }
    }

    /// The limiter's answer, or `None` (logged) when it could not give one.
    fn counted<T>(&self, result: Result<T, PortError>) -> Option<T> {
        result
            .map_err(|failure| debug!(error = %failure, "rate limiter unavailable; not limiting"))
            .ok()
    }
}

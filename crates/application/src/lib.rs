//! Folio's use cases. Each public method on [`Folio`] is one user intent; it decides
//! permissions through domain policies and talks to the outside world only through
//! the ports in [`ports`], which the adapters implement.

#![expect(
    async_fn_in_trait,
    reason = "ports use native `async fn`; their futures' `Send`-ness is known wherever \
              the concrete adapters are (the server wires them), so no bound is spelled out"
)]

mod audit_tally;
pub mod client;
pub mod content_cache;
pub mod doorbell;
pub mod error;
pub mod events;
pub mod folio;
pub mod jobs;
mod local_limits;
pub mod outbox_relay;
pub mod ports;
pub mod query_count;
pub mod realtime;
pub mod search_log;
mod single_flight;
pub mod use_cases;
pub mod views;

#[cfg(test)]
mod test_support;

pub use client::ClientInfo;
pub use error::{AppError, FieldErrors, Resource};
pub use folio::{ContentCachePolicy, Folio, PasswordRules, RateLimits, SessionPolicy};
pub use ports::Ports;

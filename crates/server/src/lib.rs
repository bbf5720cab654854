//! The Folio server: reads configuration, builds the adapters, injects them into
//! the application, runs migrations and serves HTTP until told to stop.

mod adapters;
mod background;
mod blob_storage;
mod cache_consumer;
mod clock;
pub mod config;
mod http_server;
pub mod job_commands;
mod jobs;
pub mod maintenance_commands;
mod metrics;
mod notifier;
mod outbox_relay;
mod readiness;
mod realtime;
mod search_log;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use startup::{AuditTallyFlush, Running, StartupError, StopHandle, grant_role, migrate, start};

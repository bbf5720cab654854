//! Durable jobs: work that must happen after a commit, at least once, even if the
//! process dies. A use case enqueues a job in its unit of work (`Work::enqueue`), so
//! the job is stored if and only if the change commits; a [`JobWorker`] in every
//! `folio serve` claims due jobs and runs them with the [`JobHandler`] registered
//! for their kind; failed attempts are retried with a doubling [`Backoff`] until
//! the job is dead, and [`JobAdmin`] lists jobs and retries dead ones. Recurring
//! jobs are enqueued by a [`JobScheduler`].

mod admin;
mod handler;
#[cfg(test)]
mod memory_queue;
pub mod notification_purge;
pub mod retention;
mod retries;
mod scheduler;
pub mod search_purge;
pub mod session_purge;
pub mod upload_cleanup;
pub mod upload_variants;
mod worker;

pub use admin::{JobAdmin, MAX_LISTED, UNFINISHED};
pub use handler::{JobError, JobHandler};
pub use retries::{Backoff, LAST_ERROR_MAX_CHARS, failure_of};
pub use scheduler::{JobScheduler, RecurringJob};
pub use worker::{JobWorker, WorkerSettings};

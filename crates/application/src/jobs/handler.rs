//! What runs a job: one handler per kind, and the registry a worker dispatches by.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::ports::{Job, PortError};

/// Why an attempt at a job failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    message: String,
    permanent: bool,
}

impl JobError {
    /// A failure a later attempt may not meet (a dependency was down): the job is
    /// attempted again after its backoff, until its attempts run out.
    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure no later attempt can avoid (a payload that does not parse): the job
    /// is dead at once.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JobError {}

/// A port that failed is worth another attempt; the message keeps its causes.
impl From<PortError> for JobError {
    fn from(error: PortError) -> Self {
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::retryable(message)
    }
}

/// Runs the jobs of one kind.
///
/// Delivery is at least once: a job runs again when its worker dies, loses its
/// lock, or cannot record the outcome after the work is done. So `run` must be
/// idempotent: running a job twice must leave the same state as running it once
/// (delete by condition rather than by count, upsert rather than insert, send
/// through an API that takes an idempotency key derived from the job's id).
pub trait JobHandler: Send + Sync + 'static {
    /// The kind of jobs it runs (`NewJob::kind`).
    fn kind(&self) -> &'static str;

    /// One attempt at `job`.
    fn run(&self, job: &Job) -> impl Future<Output = Result<(), JobError>> + Send;
}

pub(super) type Attempt = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;

/// A handler behind a pointer, whatever its type.
trait AnyHandler: Send + Sync {
    fn attempt(self: Arc<Self>, job: Job) -> Attempt;
}

impl<H: JobHandler> AnyHandler for H {
    fn attempt(self: Arc<Self>, job: Job) -> Attempt {
        Box::pin(async move { self.run(&job).await })
    }
}

/// The handlers of a worker, by kind.
#[derive(Default, Clone)]
pub(super) struct Handlers(BTreeMap<&'static str, Arc<dyn AnyHandler>>);

impl Handlers {
    /// Adds `handler`; it replaces one registered for the same kind.
    pub(super) fn insert(&mut self, handler: impl JobHandler) {
        self.0.insert(handler.kind(), Arc::new(handler));
    }

    pub(super) fn kinds(&self) -> Vec<&'static str> {
        self.0.keys().copied().collect()
    }

    /// The registered name of `kind`, and an attempt at `job` by its handler.
    pub(super) fn attempt(&self, job: Job) -> Option<(&'static str, Attempt)> {
        let (kind, handler) = self.0.get_key_value(job.kind.as_str())?;
        Some((*kind, Arc::clone(handler).attempt(job)))
    }
}

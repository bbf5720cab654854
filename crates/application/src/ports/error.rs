/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    Username,
    Email,
    Slug,
    /// The owner already has an upload of the same content.
    Upload,
}

/// How an adapter failed. Adapters map their own errors (SQL states, I/O, timeouts)
/// onto these so that use cases never see a driver type.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("uniqueness conflict on {0:?}")]
    Conflict(Conflict),
    #[error("the record does not exist")]
    NotFound,
    /// The backing service could not be reached in time (connection refused, pool
    /// exhausted, timeout). Worth a 503 and a retry, not a bug report.
    #[error("backing service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("adapter failure")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl PortError {
    pub fn other(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Other(Box::new(error))
    }

    pub fn unavailable(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable(Box::new(error))
    }
}

use std::collections::BTreeMap;

use folio_domain::InvalidValue;

use crate::ports::{ImageRejection, PortError};

/// Validation messages per input field, in the RealWorld shape `{field: [message]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    /// Keeps the value when it parsed; records the message under `field` otherwise.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, InvalidValue>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(invalid) => {
                self.add(field, invalid.message());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn fields(&self) -> &BTreeMap<String, Vec<String>> {
        &self.0
    }

    /// `Ok(())` when nothing was recorded, so use cases can write `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
}

/// What can go wrong in a use case, by the kind of answer the caller deserves.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input: {} field(s)", .0.len())]
    Invalid(FieldErrors),
    /// Email and password did not match an account. Deliberately one case for
    /// "no such email" and "wrong password".
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("missing, invalid or revoked credentials")]
    Unauthenticated,
    /// The session was valid once but timed out (idle or absolute lifetime).
    #[error("the session has expired")]
    SessionExpired,
    /// Correct credentials for an account an admin has suspended.
    #[error("the account is suspended")]
    AccountSuspended,
    #[error("not allowed")]
    Forbidden,
    /// Too many attempts; the client may try again after this long.
    #[error("rate limited")]
    RateLimited { retry_after: std::time::Duration },
    #[error("{0} not found")]
    NotFound(Resource),
    /// The upload is larger than the limit, in bytes.
    #[error("the upload is too large")]
    PayloadTooLarge { limit: u64 },
    /// The upload would take its owner over their quota, in bytes.
    #[error("the upload quota is exceeded")]
    QuotaExceeded { quota: u64 },
    #[error("the image is refused: {0:?}")]
    ImageRejected(ImageRejection),
    /// `field` names an upload the caller may not use: someone else's, deleted, or
    /// unknown (one answer for all three, so ids cannot be probed).
    #[error("{field} is not an upload of the caller's")]
    UploadNotAttachable { field: &'static str },
    #[error("a dependency is unavailable")]
    Unavailable(#[source] PortError),
    #[error("internal error")]
    Internal(#[source] PortError),
}

/// The kind of thing a lookup did not find; it names the 404 to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    User,
    Profile,
    Article,
    Comment,
    Session,
    Job,
    Upload,
    File,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::User => "user",
            Resource::Profile => "profile",
            Resource::Article => "article",
            Resource::Comment => "comment",
            Resource::Session => "session",
            Resource::Job => "job",
            Resource::Upload => "upload",
            Resource::File => "file",
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<PortError> for AppError {
    fn from(error: PortError) -> Self {
        match error {
            PortError::Unavailable(_) => AppError::Unavailable(error),
            other => AppError::Internal(other),
        }
    }
}

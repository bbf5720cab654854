//! RFC 9457 problem details: every error response Folio sends has this shape.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use folio_application::ports::ImageRejection;
use folio_application::{AppError, FieldErrors};
use serde::Serialize;
use utoipa::ToSchema;

use crate::context::current_request_id;

/// An `application/problem+json` body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type, e.g. `/problems/not-found`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    /// Stable, machine-readable snake_case code; clients branch on this.
    pub code: String,
    pub detail: String,
    /// Correlates the response with the server's logs.
    pub request_id: String,
    /// Validation messages per field (the RealWorld error shape).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

/// An error on its way to the client.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: String,
    errors: Option<BTreeMap<String, Vec<String>>>,
    /// Seconds to wait before retrying (`Retry-After`).
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into(),
            errors: None,
            retry_after: None,
        }
    }

    /// Too many requests: 429 with `Retry-After` (whole seconds, at least one).
    pub fn rate_limited(retry_after: std::time::Duration) -> Self {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        Self {
            retry_after: Some(seconds.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests",
                "too many requests; retry after the time in Retry-After",
            )
        }
    }

    /// A 422 with the given field messages.
    pub fn validation_map(errors: BTreeMap<String, Vec<String>>) -> Self {
        let mut field_errors = FieldErrors::new();
        for (field, messages) in errors {
            for message in messages {
                field_errors.add(&field, message);
            }
        }
        Self::validation(&field_errors)
    }

    pub fn validation(errors: &FieldErrors) -> Self {
        let count = errors.len();
        let detail = if count == 1 {
            "1 field is invalid".to_owned()
        } else {
            format!("{count} fields are invalid")
        };
        Self {
            errors: Some(errors.fields().clone()),
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Validation failed",
                detail,
            )
        }
    }

    pub fn with_errors(mut self, errors: BTreeMap<String, Vec<String>>) -> Self {
        self.errors = Some(errors);
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            "missing, invalid, expired or revoked credentials",
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found", detail)
    }

    /// A problem for an error response that carries nothing but its status.
    pub fn from_status(status: StatusCode) -> Self {
        let (code, title) = match status.as_u16() {
            400 => ("bad_request", "Bad request"),
            401 => ("unauthorized", "Unauthorized"),
            403 => ("forbidden", "Forbidden"),
            404 => ("not_found", "Not found"),
            405 => ("method_not_allowed", "Method not allowed"),
            408 => ("request_timeout", "Request timeout"),
            413 => ("payload_too_large", "Payload too large"),
            415 => ("unsupported_media_type", "Unsupported media type"),
            431 => ("headers_too_large", "Request headers too large"),
            500..=599 => return Self::internal(),
            _ => ("bad_request", "Bad request"),
        };
        Self::new(
            status,
            code,
            title,
            status.canonical_reason().unwrap_or(title),
        )
    }

    /// A cookie-authenticated unsafe request without a valid CSRF token or origin.
    pub fn csrf_failed() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "CSRF check failed",
            "cookie-authenticated changes need the X-CSRF-Token header and an allowed Origin",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal error",
            "internal error",
        )
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            problem_type: format!("/problems/{}", self.code.replace('_', "-")),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            code: self.code.to_owned(),
            detail: self.detail.clone(),
            request_id: current_request_id(),
            errors: self.errors.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.status.as_u16(),
            self.code,
            self.detail
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Token")));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        response.json(self.to_problem())
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Invalid(errors) => ApiError::validation(&errors),
            AppError::InvalidCredentials => {
                let mut errors = BTreeMap::new();
                errors.insert(
                    "email or password".to_owned(),
                    vec!["is invalid".to_owned()],
                );
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_credentials",
                    "Invalid credentials",
                    "email or password is invalid",
                )
                .with_errors(errors)
            }
            AppError::Unauthenticated => ApiError::unauthorized(),
            AppError::SessionExpired => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "Session expired",
                "the session has expired; sign in again",
            ),
            AppError::AccountSuspended => ApiError::new(
                StatusCode::FORBIDDEN,
                "account_suspended",
                "Account suspended",
                "this account is suspended",
            ),
            AppError::RateLimited { retry_after } => ApiError::rate_limited(retry_after),
            AppError::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                "you are not allowed to do this",
            ),
            AppError::NotFound(resource) => ApiError::not_found(format!("{resource} not found")),
            AppError::PayloadTooLarge { limit } => {
                crate::multipart_upload::payload_too_large(limit)
            }
            AppError::QuotaExceeded { quota } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "quota_exceeded",
                "Quota exceeded",
                format!("your uploads would take more than your quota of {quota} bytes"),
            ),
            AppError::ImageRejected(rejection) => image_rejected(rejection),
            AppError::UploadNotAttachable { field } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "upload_not_attachable",
                "Upload not attachable",
                format!("{field} names an upload that is not one of yours, or that was deleted"),
            )
            .with_errors(BTreeMap::from([(
                field.to_owned(),
                vec!["is not one of your uploads".to_owned()],
            )])),
            AppError::Unavailable(cause) => {
                tracing::error!(error = %cause, cause = ?std::error::Error::source(&cause), "dependency unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "service_unavailable",
                    "Service unavailable",
                    "a dependency is temporarily unavailable; retry later",
                )
            }
            AppError::Internal(cause) => {
                tracing::error!(error = %cause, cause = ?std::error::Error::source(&cause), "internal error");
                ApiError::internal()
            }
        }
    }
}

/// Why an image was refused, in the client's terms.
fn image_rejected(rejection: ImageRejection) -> ApiError {
    match rejection {
        ImageRejection::Unsupported { detected } => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            format!(
                "the file is {}; accepted are image/jpeg, image/png, image/webp and image/gif",
                detected.as_deref().unwrap_or("of no recognised type")
            ),
        ),
        ImageRejection::TooLarge { width, height } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_too_large",
            "Image too large",
            format!("the image is {width}×{height} pixels, over the limits"),
        ),
        ImageRejection::Undecodable { .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_image",
            "Invalid image",
            "the image cannot be decoded",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_application::error::Resource;

    #[test]
    fn validation_problems_carry_the_realworld_errors_map() {
        let mut errors = FieldErrors::new();
        errors.add("email", "has already been taken");
        errors.add("password", "is too short (minimum is 8 characters)");
        let problem = ApiError::from(AppError::Invalid(errors)).to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.code, "validation_failed");
        assert_eq!(problem.problem_type, "/problems/validation-failed");
        assert_eq!(problem.detail, "2 fields are invalid");
        let fields = problem.errors.unwrap_or_default();
        assert_eq!(fields["email"], ["has already been taken"]);
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let cause =
            folio_application::ports::PortError::other(std::io::Error::other("password=secret"));
        let error = ApiError::from(AppError::Internal(cause));
        let body = serde_json::to_string(&error.to_problem()).unwrap_or_default();
        assert!(body.contains("internal error"));
        assert!(!body.contains("secret"));
        assert_eq!(error.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn not_found_names_the_resource() {
        let problem = ApiError::from(AppError::NotFound(Resource::Article)).to_problem();
        assert_eq!(
            (problem.status, problem.detail.as_str()),
            (404, "article not found")
        );
    }
}

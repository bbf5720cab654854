//! How malformed requests are answered: body, query and path errors become problems.

use std::collections::BTreeMap;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use folio_application::FieldErrors;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::problem::ApiError;

/// JSON bodies larger than this are refused with 413.
pub const JSON_LIMIT_BYTES: usize = 1024 * 1024;

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT_BYTES)
        .error_handler(|error, _: &HttpRequest| json_error(&error).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _: &HttpRequest| query_error(&error).into())
}

pub fn path_config() -> web::PathConfig {
    // A path segment of the wrong shape (`/comments/abc`) names nothing that exists.
    web::PathConfig::default().error_handler(|_: PathError, _: &HttpRequest| {
        ApiError::not_found("no such resource").into()
    })
}

fn json_error(error: &JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
                format!("JSON bodies are limited to {JSON_LIMIT_BYTES} bytes"),
            )
        }
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "send the body as application/json",
        ),
        JsonPayloadError::Deserialize(cause) if cause.is_data() => {
            let mut errors = BTreeMap::new();
            errors.insert(
                "body".to_owned(),
                vec![without_position(&cause.to_string())],
            );
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Validation failed",
                "the body does not have the expected shape",
            )
            .with_errors(errors)
        }
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "Malformed JSON",
            "the request body is not valid JSON",
        ),
    }
}

fn query_error(error: &QueryPayloadError) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        "Invalid query string",
        format!("invalid query string: {error}"),
    )
}

/// serde_json appends "at line 1 column 42", which means nothing to an API client.
fn without_position(message: &str) -> String {
    message
        .rsplit_once(" at line ")
        .map_or(message, |(head, _)| head)
        .to_owned()
}

/// Runs `validator` rules on a DTO and reports failures in the RealWorld shape.
pub fn validate(dto: &impl Validate) -> Result<(), ApiError> {
    validate_with(dto, FieldErrors::new)
}

/// Like [`validate`], but when the DTO is refused the domain's verdict on the other
/// fields (`domain_errors`) is added, so one response lists every invalid field.
pub fn validate_with(
    dto: &impl Validate,
    domain_errors: impl FnOnce() -> FieldErrors,
) -> Result<(), ApiError> {
    let Err(errors) = dto.validate() else {
        return Ok(());
    };
    let mut fields = BTreeMap::new();
    collect(&errors, &mut fields);
    for (field, messages) in domain_errors().fields() {
        fields
            .entry(field.clone())
            .or_insert_with(|| messages.clone());
    }
    let mut merged = FieldErrors::new();
    for (field, messages) in &fields {
        for message in messages {
            merged.add(field, message.clone());
        }
    }
    Err(ApiError::validation(&merged))
}

fn collect(errors: &ValidationErrors, into: &mut BTreeMap<String, Vec<String>>) {
    for (field, kind) in errors.errors() {
        match kind {
            ValidationErrorsKind::Field(list) => {
                let messages = into.entry(field.to_string()).or_default();
                messages.extend(list.iter().map(|e| {
                    e.message
                        .as_ref()
                        .map_or_else(|| "is invalid".to_owned(), ToString::to_string)
                }));
            }
            ValidationErrorsKind::Struct(nested) => collect(nested, into),
            ValidationErrorsKind::List(items) => {
                items.values().for_each(|nested| collect(nested, into))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_stripped_from_serde_messages() {
        assert_eq!(
            without_position("invalid type: integer `1`, expected a string at line 1 column 20"),
            "invalid type: integer `1`, expected a string"
        );
        assert_eq!(
            without_position("missing field `user`"),
            "missing field `user`"
        );
    }
}

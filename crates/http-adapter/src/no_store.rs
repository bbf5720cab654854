//! Answers that carry a token or session data (signing up and in, the current user,
//! sessions, administration) must never be kept by any cache: not by a shared one,
//! and not by the browser's, where they would outlive signing out. Their errors are
//! marked too, so no cache ever holds any answer of those routes.

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::middleware::Next;

/// Wraps an API scope, outside every other scope middleware, so even a refusal by
/// the request budget is marked.
pub async fn no_store(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let marked = carries_credentials(request.match_pattern().as_deref());
    let mut response = next.call(request).await?.map_into_boxed_body();
    if marked {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// Whether the matched route template (under `/api/v1` or `/api`) answers with a
/// token or session data.
pub(crate) fn carries_credentials(pattern: Option<&str>) -> bool {
    let Some(route) = pattern.and_then(|pattern| {
        pattern
            .strip_prefix("/api/v1")
            .or(pattern.strip_prefix("/api"))
    }) else {
        return false;
    };
    matches!(route, "/users" | "/users/login" | "/user" | "/sessions")
        || route.starts_with("/sessions/")
        || route.starts_with("/admin/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_sessions_and_administration_carry_credentials_under_both_prefixes() {
        for prefix in ["/api/v1", "/api"] {
            for route in [
                "/users",
                "/users/login",
                "/user",
                "/sessions",
                "/sessions/current",
                "/sessions/{id}",
                "/admin/audit-events",
                "/admin/users/{username}/role",
            ] {
                let pattern = format!("{prefix}{route}");
                assert!(carries_credentials(Some(&pattern)), "{pattern}");
            }
        }
    }

    #[test]
    fn content_and_unmatched_paths_do_not() {
        for pattern in [
            "/api/v1/articles",
            "/api/v1/profiles/{username}",
            "/api/tags",
            "/api/v1/users/{username}",
            "/health/ready",
            "/users",
        ] {
            assert!(!carries_credentials(Some(pattern)), "{pattern}");
        }
        assert!(!carries_credentials(None));
    }
}

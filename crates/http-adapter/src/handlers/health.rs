use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, Problem};

/// The result of checking each dependency: name and, on failure, why.
#[derive(Debug, Clone, Default)]
pub struct ReadinessReport {
    pub checks: Vec<(&'static str, Result<(), String>)>,
}

/// Checks that the dependencies needed to serve requests answer.
pub trait Readiness: 'static {
    fn check(&self) -> Pin<Box<dyn Future<Output = ReadinessReport> + '_>>;
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// `up` for liveness, `ready` for readiness.
    pub status: &'static str,
}

/// The process is up and serving HTTP.
#[utoipa::path(
    get, path = "/health/live", tag = "operations",
    responses((status = 200, description = "Alive", body = HealthResponse))
)]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse { status: "up" })
}

/// PostgreSQL and Redis both answer.
#[utoipa::path(
    get, path = "/health/ready", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = HealthResponse),
        (status = 503, description = "A dependency does not answer; `detail` names it", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ready(readiness: web::Data<dyn Readiness>) -> HttpResponse {
    let report = readiness.check().await;
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter_map(|(name, outcome)| {
            outcome.as_ref().err().map(|reason| {
                tracing::warn!(dependency = name, reason = %reason, "readiness check failed");
                *name
            })
        })
        .collect();
    if failed.is_empty() {
        return HttpResponse::Ok().json(HealthResponse { status: "ready" });
    }
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
        "Service unavailable",
        format!("not ready: {} unreachable", failed.join(", ")),
    )
    .error_response()
}

use std::sync::Arc;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

/// Renders the process's metrics in the Prometheus text format.
pub trait MetricsSource: 'static {
    fn render(&self) -> String;
}

/// Request counts and latencies by route, in-flight requests, the database pool,
/// queries per request, cache hits and misses, Redis latency.
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain"))
)]
pub async fn metrics(source: web::Data<dyn MetricsSource>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(source.render())
}

pub(crate) fn source_data(
    source: Arc<dyn MetricsSource + Send + Sync>,
) -> web::Data<dyn MetricsSource> {
    let erased: Arc<dyn MetricsSource> = source;
    web::Data::from(erased)
}

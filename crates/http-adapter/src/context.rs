//! Per-request context: a request id (echoed or generated), a tracing span with
//! method, route, status, latency and user, and the SQL statement count.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};

use crate::problem::ApiError;
use tracing::{Instrument, field};

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
pub const QUERY_COUNT_HEADER: HeaderName = HeaderName::from_static("x-query-count");

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served, or `"-"` outside of one.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_owned())
}

#[derive(Debug, Clone, Copy, Default)]
pub struct RequestContextSettings {
    /// Adds `X-Query-Count` (SQL statements run) to every response.
    pub expose_query_count: bool,
}

/// A client-supplied id is kept when it is short and printable, so that ids can be
/// correlated across services; anything else is replaced.
fn request_id_from(request: &ServiceRequest) -> String {
    request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 128
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map_or_else(|| uuid::Uuid::now_v7().simple().to_string(), str::to_owned)
}

pub async fn request_context(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let settings = request
        .app_data::<web::Data<RequestContextSettings>>()
        .map(|data| *data.get_ref())
        .unwrap_or_default();
    let request_id = request_id_from(&request);
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        route = field::Empty,
        status = field::Empty,
        latency_ms = field::Empty,
        queries = field::Empty,
        user_id = field::Empty,
    );
    let started = Instant::now();
    let in_flight = InFlight::enter();

    let handled = REQUEST_ID.scope(
        request_id.clone(),
        folio_application::query_count::scope(async move {
            next.call(request)
                .await
                .map(|response| as_problem(response.map_into_boxed_body()))
        }),
    );
    let (outcome, queries) = handled.instrument(span.clone()).await;
    // What still arrives as an error comes from the framework itself and is rendered
    // by actix; error *responses* were already made problems by `as_problem`.
    let mut response = outcome?;

    let status = response.status();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "<unmatched>".to_owned());
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.record("route", route.as_str());
    span.record("status", status.as_u16());
    span.record("latency_ms", latency_ms);
    span.record("queries", queries);
    drop(in_flight);
    record_metrics(
        response.request().method().as_str(),
        &route,
        status.as_u16(),
        started,
        queries,
    );

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    if settings.expose_query_count {
        headers.insert(QUERY_COUNT_HEADER, HeaderValue::from(queries));
    }

    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!("request failed");
        } else {
            tracing::info!("request served");
        }
    });
    Ok(response)
}

/// Counts a request as in flight until dropped (also when the handler fails).
struct InFlight;

impl InFlight {
    fn enter() -> Self {
        metrics::gauge!("http_requests_in_flight").increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("http_requests_in_flight").decrement(1.0);
    }
}

/// Per route template (never the raw path, whose slugs would explode the series).
fn record_metrics(method: &str, route: &str, status: u16, started: Instant, queries: u32) {
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    metrics::histogram!("db_queries_per_request", "route" => route.to_owned())
        .record(f64::from(queries));
}

/// Every error response is problem+json, including those made by the framework or
/// a middleware (e.g. CORS refusing an origin). Their headers are kept.
fn as_problem(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/problem+json"));
    if status.as_u16() < 400 || is_problem {
        return response;
    }
    let (request, original) = response.into_parts();
    let api_error = ApiError::from_status(status);
    let mut problem = api_error.error_response();
    for (name, value) in original.headers() {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(request, problem)
}

//! Folio's HTTP adapter: translates HTTP to use cases and back. Routing under
//! `/api/v1` (and the `/api` alias RealWorld clients expect), DTOs, extractors,
//! RFC 9457 problem responses, request context, CORS, cookie sessions with CSRF
//! protection, rate-limit headers, HTTP caching (ETags, 304s), compression and the
//! OpenAPI document.
//! No SQL and no business rules live here.

mod app;
mod auth;
mod client;
mod compression;
mod context;
mod cookies;
mod cors;
mod csrf;
mod dto;
mod extract;
mod handlers;
mod http_caching;
mod limits;
mod multipart_upload;
mod no_store;
mod openapi;
mod problem;
mod rendered;
mod routes;
mod shared_responses;
mod time;

pub use app::{HttpSettings, wrap};
pub use auth::SessionGate;
pub use client::TrustedProxies;
pub use compression::CompressionSettings;
pub use context::{RequestContextSettings, request_context};
pub use cookies::CookieSettings;
pub use handlers::health::{Readiness, ReadinessReport};
pub use handlers::metrics::MetricsSource;
pub use openapi::openapi_json;
pub use routes::{configure, configure_metrics, configure_metrics_only};

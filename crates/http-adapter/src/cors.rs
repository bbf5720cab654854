use actix_cors::Cors;
use actix_web::http::{Method, header};

/// CORS for browser front ends. `origins = None` allows any origin (development),
/// without credentials; otherwise only the listed ones, which may also send the
/// session cookie (the CSRF check then applies to their unsafe requests).
pub fn cors(origins: Option<&[String]>) -> Cors {
    let base = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("x-requested-with"),
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("x-csrf-token"),
        ])
        .expose_headers([
            header::ETAG,
            header::HeaderName::from_static("x-request-id"),
            header::RETRY_AFTER,
        ])
        .max_age(3600);
    match origins {
        None => base.allow_any_origin(),
        Some(origins) => origins
            .iter()
            .fold(base.supports_credentials(), |cors, origin| {
                cors.allowed_origin(origin)
            }),
    }
}

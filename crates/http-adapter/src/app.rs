//! What the HTTP adapter needs installed on the actix `App` that serves it: its
//! application data and middleware. The server builds the App and its listeners, so
//! other adapters' routes can be mounted beside [`configure`](crate::configure)'s.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, Error, web};

use crate::auth::CsrfOrigins;
use crate::client::TrustedProxies;
use crate::compression::{CompressionSettings, compress};
use crate::context::{RequestContextSettings, request_context};
use crate::cookies::CookieSettings;
use crate::cors::cors;

#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    /// Allowed CORS origins; `None` allows any (development).
    pub cors_origins: Option<Vec<String>>,
    pub context: RequestContextSettings,
    pub trusted_proxies: TrustedProxies,
    pub cookies: CookieSettings,
    pub compression: CompressionSettings,
}

/// Installs the settings the middleware and extractors read, and the middleware
/// every response goes through (outermost last): CORS, request context (id, span,
/// query count), security headers, compression.
pub fn wrap<T, B>(
    app: App<T>,
    settings: &HttpSettings,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = Error,
        InitError = (),
    > + use<T, B>,
>
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    let csrf_origins = CsrfOrigins(settings.cors_origins.clone().unwrap_or_default());
    app.app_data(web::Data::new(settings.context))
        .app_data(web::Data::new(settings.trusted_proxies.clone()))
        .app_data(web::Data::new(settings.cookies))
        .app_data(web::Data::new(csrf_origins))
        .app_data(web::Data::new(settings.compression))
        .wrap(cors(settings.cors_origins.as_deref()))
        .wrap(from_fn(request_context))
        .wrap(security_headers())
        .wrap(from_fn(compress))
}

/// Headers every response carries: no MIME sniffing, no framing (clickjacking),
/// no leaking of URLs to other sites.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Content-Security-Policy", "frame-ancestors 'none'"))
        .add(("Referrer-Policy", "no-referrer"))
}

use crate::rendered::RenderedPages;
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpResponse, HttpServer, Resource, ResponseError, guard, web};
use folio_application::{Folio, Ports};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{CsrfOrigins, session_gate_data};
use crate::client::TrustedProxies;
use crate::compression::{CompressionSettings, compress};
use crate::context::{RequestContextSettings, request_context};
use crate::cookies::CookieSettings;
use crate::cors::cors;
use crate::extract::{json_config, path_config, query_config};
use crate::handlers::health::Readiness;
use crate::handlers::metrics::{self, MetricsSource};
use crate::handlers::{admin, articles, comments, health, profiles, sessions, tags, users};
use crate::http_caching::http_caching;
use crate::limits::request_budget;
use crate::no_store::no_store;
use crate::openapi::ApiDoc;
use crate::problem::ApiError;

#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    /// Allowed CORS origins; `None` allows any (development).
    pub cors_origins: Option<Vec<String>>,
    pub context: RequestContextSettings,
    /// Worker threads; `None` means one per core.
    pub workers: Option<usize>,
    pub trusted_proxies: TrustedProxies,
    pub cookies: CookieSettings,
    pub compression: CompressionSettings,
}

/// What the operations endpoints report on.
#[derive(Clone)]
pub struct Operations {
    pub readiness: Arc<dyn Readiness + Send + Sync>,
    /// `None` when `/metrics` has a listener of its own ([`serve_metrics`]): the API
    /// listener then answers 404 for it.
    pub metrics: Option<Arc<dyn MetricsSource + Send + Sync>>,
}

/// Builds the HTTP server on an already bound listener (port 0 works for tests).
pub fn serve<P: Ports>(
    listener: TcpListener,
    folio: Arc<Folio<P>>,
    operations: Operations,
    settings: HttpSettings,
) -> std::io::Result<Server> {
    let workers = settings.workers;
    let server = HttpServer::new(move || {
        let readiness: Arc<dyn Readiness> = operations.readiness.clone();
        let csrf_origins = CsrfOrigins(settings.cors_origins.clone().unwrap_or_default());
        App::new()
            .app_data(web::Data::new(settings.context))
            .app_data(web::Data::from(readiness))
            .app_data(web::Data::new(settings.trusted_proxies.clone()))
            .app_data(web::Data::new(settings.cookies))
            .app_data(web::Data::new(csrf_origins))
            .app_data(web::Data::new(settings.compression))
            .wrap(cors(settings.cors_origins.as_deref()))
            .wrap(from_fn(request_context))
            .wrap(security_headers())
            .wrap(from_fn(compress))
            .configure(|cfg| {
                if let Some(source) = &operations.metrics {
                    metrics_route(cfg, source.clone());
                }
            })
            .configure(|cfg| configure(cfg, folio.clone()))
    })
    .listen(listener)?;
    let server = match workers {
        Some(workers) => server.workers(workers),
        None => server,
    };
    Ok(server.run())
}

/// Serves only `/metrics` on its own listener, so scrapers can be let in on a port
/// the public never reaches. One worker is plenty; it ignores signals and is stopped
/// by whoever stops the API server.
pub fn serve_metrics(
    listener: TcpListener,
    source: Arc<dyn MetricsSource + Send + Sync>,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .configure(|cfg| metrics_route(cfg, source.clone()))
            .default_service(web::to(not_found))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?;
    Ok(server.run())
}

fn metrics_route(cfg: &mut web::ServiceConfig, source: Arc<dyn MetricsSource + Send + Sync>) {
    cfg.app_data(metrics::source_data(source))
        .service(resource("/metrics").route(read().to(metrics::metrics)));
}

/// Registers every route but `/metrics`: operations, API docs, and the API under
/// `/api/v1` and `/api`.
pub fn configure<P: Ports>(cfg: &mut web::ServiceConfig, folio: Arc<Folio<P>>) {
    cfg.app_data(session_gate_data(folio.clone()))
        .app_data(web::Data::from(folio))
        .app_data(web::Data::new(RenderedPages::default()))
        .app_data(json_config())
        .app_data(query_config())
        .app_data(path_config())
        .service(resource("/health/live").route(read().to(health::live)))
        .service(resource("/health/ready").route(read().to(health::ready)))
        // Registered before the API scopes, which would otherwise claim its URL.
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", ApiDoc::openapi()))
        .service(resource("/docs").route(read().to(redirect_to_docs)))
        .service(
            web::scope("/api/v1")
                .wrap(from_fn(http_caching))
                .wrap(from_fn(request_budget))
                .wrap(from_fn(no_store))
                .configure(api::<P>),
        )
        .service(
            web::scope("/api")
                .wrap(from_fn(http_caching))
                .wrap(from_fn(request_budget))
                .wrap(from_fn(no_store))
                .configure(api::<P>),
        )
        .default_service(web::to(not_found));
}

fn api<P: Ports>(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/users").route(web::post().to(users::register::<P>)))
        .service(resource("/users/login").route(web::post().to(users::login::<P>)))
        .service(
            resource("/user")
                .route(read().to(users::current_user))
                .route(web::put().to(users::update_user::<P>)),
        )
        .service(resource("/profiles/{username}").route(read().to(profiles::get_profile::<P>)))
        .service(
            resource("/profiles/{username}/follow")
                .route(web::post().to(profiles::follow::<P>))
                .route(web::delete().to(profiles::unfollow::<P>)),
        )
        .service(
            resource("/articles")
                .route(read().to(articles::list_articles::<P>))
                .route(web::post().to(articles::create_article::<P>)),
        )
        // Before `/articles/{slug}`, which would otherwise match "feed".
        .service(resource("/articles/feed").route(read().to(articles::feed::<P>)))
        .service(
            resource("/articles/{slug}")
                .route(read().to(articles::get_article::<P>))
                .route(web::put().to(articles::update_article::<P>))
                .route(web::delete().to(articles::delete_article::<P>)),
        )
        .service(
            resource("/articles/{slug}/favorite")
                .route(web::post().to(articles::favorite::<P>))
                .route(web::delete().to(articles::unfavorite::<P>)),
        )
        .service(
            resource("/articles/{slug}/comments")
                .route(read().to(comments::list_comments::<P>))
                .route(web::post().to(comments::add_comment::<P>)),
        )
        .service(
            resource("/articles/{slug}/comments/{id}")
                .route(web::delete().to(comments::delete_comment::<P>)),
        )
        .service(resource("/tags").route(read().to(tags::list_tags::<P>)))
        .service(
            resource("/sessions")
                .route(web::post().to(sessions::create_session::<P>))
                .route(read().to(sessions::list_sessions::<P>))
                .route(web::delete().to(sessions::delete_other_sessions::<P>)),
        )
        // Before `/sessions/{id}`, which would otherwise match "current".
        .service(
            resource("/sessions/current")
                .route(web::delete().to(sessions::delete_current_session::<P>)),
        )
        .service(resource("/sessions/{id}").route(web::delete().to(sessions::delete_session::<P>)))
        .service(
            resource("/admin/users/{username}/role").route(web::put().to(admin::change_role::<P>)),
        )
        .service(
            resource("/admin/users/{username}/suspension")
                .route(web::post().to(admin::suspend::<P>))
                .route(web::delete().to(admin::unsuspend::<P>)),
        )
        .service(resource("/admin/audit-events").route(read().to(admin::audit_events::<P>)))
        .default_service(web::to(not_found));
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

/// GET, and HEAD wherever GET works (RFC 9110 §9.1); actix sends no body for HEAD.
fn read() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// A resource whose unsupported methods get a 405 problem instead of an empty body.
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn not_found() -> HttpResponse {
    ApiError::not_found("no route matches this path").error_response()
}

async fn method_not_allowed() -> HttpResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        "this path does not support the method",
    )
    .error_response()
}

async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

use crate::rendered::RenderedPages;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, Resource, ResponseError, guard, web};
use folio_application::{Folio, Ports};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::session_gate_data;
use crate::extract::{json_config, path_config, query_config};
use crate::handlers::health::Readiness;
use crate::handlers::metrics::{self, MetricsSource};
use crate::handlers::{
    admin, articles, comments, files, health, notifications, profiles, search, sessions, tags,
    uploads, users,
};
use crate::http_caching::http_caching;
use crate::limits::request_budget;
use crate::no_store::no_store;
use crate::openapi::ApiDoc;
use crate::problem::ApiError;

/// Registers `/metrics`, for an App that serves the API (before [`configure`]) or
/// for one of its own ([`configure_metrics_only`]).
pub fn configure_metrics(
    cfg: &mut web::ServiceConfig,
    source: Arc<dyn MetricsSource + Send + Sync>,
) {
    cfg.app_data(metrics::source_data(source))
        .service(resource("/metrics").route(read().to(metrics::metrics)));
}

/// Only `/metrics`, every other path a 404: for a listener scrapers reach and the
/// public does not.
pub fn configure_metrics_only(
    cfg: &mut web::ServiceConfig,
    source: Arc<dyn MetricsSource + Send + Sync>,
) {
    configure_metrics(cfg, source);
    cfg.default_service(web::to(not_found));
}

/// Registers every route but `/metrics`: operations, API docs, and the API under
/// `/api/v1` and `/api`.
pub fn configure<P: Ports>(
    cfg: &mut web::ServiceConfig,
    folio: Arc<Folio<P>>,
    readiness: Arc<dyn Readiness + Send + Sync>,
) {
    let readiness: Arc<dyn Readiness> = readiness;
    cfg.app_data(web::Data::from(readiness))
        .app_data(session_gate_data(folio.clone()))
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
        .service(resource("/search/articles").route(read().to(search::search_articles::<P>)))
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
        .service(resource("/admin/search/insights").route(read().to(search::search_insights::<P>)))
        .service(resource("/uploads").route(web::post().to(uploads::create_upload::<P>)))
        .service(
            resource("/uploads/{id}")
                .route(read().to(uploads::get_upload::<P>))
                .route(web::delete().to(uploads::delete_upload::<P>)),
        )
        .service(resource("/files/{name}").route(read().to(files::get_file::<P>)))
        .service(
            resource("/notifications").route(read().to(notifications::list_notifications::<P>)),
        )
        .service(
            resource("/notifications/unread-count")
                .route(read().to(notifications::unread_count::<P>)),
        )
        .service(
            resource("/notifications/read").route(web::post().to(notifications::mark_read::<P>)),
        )
        .default_service(web::to(not_found));
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

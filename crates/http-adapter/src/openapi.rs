use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::dto::{
    admin, articles, comments, notifications, profiles, search, search_insights, sessions, tags,
    uploads, users,
};
use crate::handlers;
use crate::problem::Problem;
use crate::shared_responses::SharedResponses;

/// The OpenAPI 3.1 document, generated from the handlers and DTOs.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Folio API",
        description = "A publishing backend; a superset of the RealWorld (Conduit) API. \
                       Every route is served under /api/v1 and, for RealWorld clients, /api. \
                       Errors are RFC 9457 problem+json with a stable `code`.",
    ),
    paths(
        handlers::users::register,
        handlers::users::login,
        handlers::users::current_user,
        handlers::users::update_user,
        handlers::profiles::get_profile,
        handlers::profiles::follow,
        handlers::profiles::unfollow,
        handlers::articles::list_articles,
        handlers::articles::feed,
        handlers::articles::get_article,
        handlers::articles::create_article,
        handlers::articles::update_article,
        handlers::articles::delete_article,
        handlers::articles::favorite,
        handlers::articles::unfavorite,
        handlers::comments::add_comment,
        handlers::comments::list_comments,
        handlers::comments::delete_comment,
        handlers::tags::list_tags,
        handlers::search::search_articles,
        handlers::sessions::create_session,
        handlers::sessions::list_sessions,
        handlers::sessions::delete_current_session,
        handlers::sessions::delete_session,
        handlers::sessions::delete_other_sessions,
        handlers::admin::change_role,
        handlers::admin::suspend,
        handlers::admin::unsuspend,
        handlers::admin::audit_events,
        handlers::search::search_insights,
        handlers::uploads::create_upload,
        handlers::uploads::get_upload,
        handlers::uploads::delete_upload,
        handlers::files::get_file,
        handlers::notifications::list_notifications,
        handlers::notifications::unread_count,
        handlers::notifications::mark_read,
        handlers::health::live,
        handlers::health::ready,
        handlers::metrics::metrics,
    ),
    components(schemas(
        Problem,
        users::RegisterRequest, users::RegisterUser, users::LoginRequest, users::LoginUser,
        users::UpdateUserRequest, users::UpdateUser, users::UserResponse, users::UserBody,
        profiles::ProfileResponse, profiles::ProfileBody,
        articles::NewArticleRequest, articles::NewArticle, articles::UpdateArticleRequest,
        articles::UpdateArticle, articles::ArticleResponse, articles::ArticlesResponse,
        articles::ArticleBody,
        comments::NewCommentRequest, comments::NewComment, comments::CommentResponse,
        comments::CommentsResponse, comments::CommentBody,
        tags::TagsResponse,
        search::SearchResponse, search::SearchArticleBody, search::HighlightsBody,
        search::FacetsBody, search::FacetBody, search::QueryEcho,
        sessions::SessionsResponse, sessions::SessionBody, sessions::RevokedResponse,
        admin::RoleRequest, admin::AccountResponse, admin::AccountBody,
        admin::AuditEventsResponse, admin::AuditEventBody,
        search_insights::InsightsResponse, search_insights::InsightsDay,
        search_insights::QueryCountBody,
        uploads::UploadResponse, uploads::UploadBody, uploads::VariantsBody,
        notifications::NotificationsResponse, notifications::NotificationBody,
        notifications::NotificationActorBody, notifications::NotificationArticleBody,
        notifications::UnreadCountResponse, notifications::MarkReadRequest,
    )),
    modifiers(&TokenSecurity, &SharedResponses),
    tags(
        (name = "users", description = "Registration, login and account settings"),
        (name = "profiles", description = "Public profiles and follows"),
        (name = "articles", description = "Articles, the feed and favorites"),
        (name = "comments", description = "Comments on articles"),
        (name = "tags", description = "Tags in use"),
        (name = "search", description = "Full-text search with filters and facets"),
        (name = "sessions", description = "Browser sign-in with cookies, and the user's sessions"),
        (name = "uploads", description = "Images: upload, metadata, delete, and the files themselves"),
        (name = "notifications", description = "What others did to your things, and your uploads' processing"),
        (name = "admin", description = "Roles, suspensions and the audit log (admins only)"),
        (name = "operations", description = "Liveness and readiness probes, metrics"),
    )
)]
pub struct ApiDoc;

/// `Authorization: Token <token>` (RealWorld) — `Bearer <token>` works too.
struct TokenSecurity;

impl Modify for TokenSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Token <token>` or `Bearer <token>`, with the token from login or registration",
            ))),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "__Host-folio_session",
                "The session cookie set by POST /api/v1/sessions (named `folio_session` when \
                 the deployment serves plain http); unsafe requests also need `X-CSRF-Token` \
                 (the `__Host-folio_csrf` cookie's value) and an allowed Origin",
            ))),
        );
    }
}

/// The document as served at `/api/v1/openapi.json`.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

use actix_web::{HttpResponse, web};
use folio_application::{Folio, Ports};

use crate::auth::{Caller, Viewer};
use crate::dto::search::{SearchParams, SearchResponse};
use crate::dto::search_insights::{InsightsQuery, InsightsResponse};
use crate::problem::{ApiError, Problem};

/// Full-text search over articles with filters, facets and cursor pagination.
#[utoipa::path(
    get, path = "/api/v1/search/articles", tag = "search",
    params(SearchParams),
    security((), ("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of results with highlights, the total, facets, the normalized query and a suggestion", body = SearchResponse),
        (status = 400, description = "Unparseable query string", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is invalid, expired or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid (named in `errors`): unknown sort, bad date, limit outside 1..100, a cursor not of this search, q over 256 characters", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn search_articles<P: Ports>(
    app: web::Data<Folio<P>>,
    viewer: Viewer,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let request = SearchParams::request(query.into_inner());
    let view = app.search_articles(viewer.0, &request).await?;
    Ok(HttpResponse::Ok().json(SearchResponse::from(view)))
}

/// What readers searched: per day the searches, those that found nothing and the
/// median and 95th percentile latency; the texts searched most and those that most
/// often found nothing (admins and moderators).
#[utoipa::path(
    get, path = "/api/v1/admin/search/insights", tag = "admin",
    params(InsightsQuery),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Search insights since the given time", body = InsightsResponse),
        (status = 400, description = "Unparseable query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither an admin nor a moderator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`since` is not a date", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn search_insights<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    query: web::Query<InsightsQuery>,
) -> Result<HttpResponse, ApiError> {
    let insights = app
        .search_insights(caller.actor(), query.since.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(InsightsResponse::from(insights)))
}

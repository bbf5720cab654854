use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use folio_application::use_cases::articles::ArticleDraft;
use folio_application::views::ArticleListView;
use folio_application::{Folio, Ports};
use serde_json::json;

use crate::auth::{Caller, Viewer};
use crate::client::client_info;
use crate::dto::articles::{
    ArticleResponse, ArticlesResponse, FieldsQuery, ListArticlesQuery, NewArticleRequest,
    PageQuery, UpdateArticleRequest,
};
use crate::dto::fields::FieldSet;
use crate::extract::validate_with;
use crate::problem::{ApiError, Problem};
use crate::rendered::RenderedPages;

/// Articles, newest first, filtered by tag, author and/or favoriting user.
#[utoipa::path(
    get, path = "/api/v1/articles", tag = "articles",
    params(ListArticlesQuery),
    security((), ("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of articles (without bodies) and the total count", body = ArticlesResponse),
        (status = 401, description = "A token was sent but is invalid, expired or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Unparseable query string", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit < 1, offset < 0 or above 10000, or unknown names in `fields`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_articles<P: Ports>(
    app: web::Data<Folio<P>>,
    rendered: web::Data<RenderedPages>,
    request: HttpRequest,
    viewer: Viewer,
    query: web::Query<ListArticlesQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut query = query.into_inner();
    let fields = selected(query.fields.as_deref())?;
    let text = query.q.take();
    let (filter, page) = query.into_parts();
    if let Some(text) = text {
        let list = app
            .list_articles_matching(viewer.0, filter, &text, page)
            .await?;
        return articles_response(list, fields.as_ref());
    }
    // Only anonymous pages are rendered once and reused.
    let uri = viewer.0.is_none().then(|| request.uri().to_string());
    if let Some(uri) = &uri
        && let Some(revision) = app.public_list_revision(filter.clone(), page).await
        && let Some(json) = rendered.get(uri, revision)
    {
        return Ok(json_response(json));
    }
    let list = app.list_articles(viewer.0, filter, page).await?;
    let (Some(uri), Some(revision)) = (uri, list.revision) else {
        return articles_response(list, fields.as_ref());
    };
    let json = render_articles(list, fields.as_ref())?;
    rendered.put(uri, revision, json.clone());
    Ok(json_response(json))
}

/// Articles by the authors the caller follows, newest first.
#[utoipa::path(
    get, path = "/api/v1/articles/feed", tag = "articles",
    params(PageQuery),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of the feed and its total count", body = ArticlesResponse),
        (status = 400, description = "Unparseable query string", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit < 1, offset < 0 or above 10000, or unknown names in `fields`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn feed<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let fields = selected(query.fields.as_deref())?;
    let list = app.feed(caller.actor(), query.into()).await?;
    articles_response(list, fields.as_ref())
}

/// One article, with its body.
#[utoipa::path(
    get, path = "/api/v1/articles/{slug}", tag = "articles",
    params(("slug" = String, Path, description = "The article's slug"), FieldsQuery),
    security((), ("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The article", body = ArticleResponse),
        (status = 422, description = "Unknown names in `fields`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent but is invalid, expired or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_article<P: Ports>(
    app: web::Data<Folio<P>>,
    viewer: Viewer,
    slug: web::Path<String>,
    query: web::Query<FieldsQuery>,
) -> Result<HttpResponse, ApiError> {
    let fields = selected(query.fields.as_deref())?;
    let view = app.article(viewer.0, &slug).await?;
    let response = ArticleResponse::from(view);
    Ok(match fields {
        None => HttpResponse::Ok().json(response),
        Some(fields) => {
            HttpResponse::Ok().json(json!({"article": fields.select(&response.article)}))
        }
    })
}

fn selected(fields: Option<&str>) -> Result<Option<FieldSet>, ApiError> {
    fields.map(FieldSet::parse).transpose()
}

fn articles_response(
    list: ArticleListView,
    fields: Option<&FieldSet>,
) -> Result<HttpResponse, ApiError> {
    Ok(json_response(render_articles(list, fields)?))
}

fn render_articles(list: ArticleListView, fields: Option<&FieldSet>) -> Result<Bytes, ApiError> {
    let response = ArticlesResponse::from(list);
    let json = match fields {
        None => serde_json::to_vec(&response),
        Some(fields) => {
            let articles: Vec<_> = response.articles.iter().map(|a| fields.select(a)).collect();
            serde_json::to_vec(
                &json!({"articles": articles, "articlesCount": response.articles_count}),
            )
        }
    };
    json.map(Bytes::from).map_err(|error| {
        tracing::error!(%error, "cannot serialize an article list");
        ApiError::internal()
    })
}

fn json_response(json: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(json)
}

/// Publish an article.
#[utoipa::path(
    post, path = "/api/v1/articles", tag = "articles",
    request_body = NewArticleRequest,
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "Published", body = ArticleResponse),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_article<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    body: web::Json<NewArticleRequest>,
) -> Result<HttpResponse, ApiError> {
    let article = body.into_inner().article;
    let draft = ArticleDraft::from(article.clone());
    validate_with(&article, || draft.parse().err().unwrap_or_default())?;
    let view = app.publish_article(caller.actor(), draft).await?;
    Ok(HttpResponse::Created().json(ArticleResponse::from(view)))
}

/// Edit your article; the slug follows a changed title.
#[utoipa::path(
    put, path = "/api/v1/articles/{slug}", tag = "articles",
    params(("slug" = String, Path, description = "The article's slug")),
    request_body = UpdateArticleRequest,
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The updated article", body = ArticleResponse),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the author", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update_article<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    slug: web::Path<String>,
    body: web::Json<UpdateArticleRequest>,
) -> Result<HttpResponse, ApiError> {
    let view = app
        .edit_article(caller.actor(), &slug, body.into_inner().article.into())
        .await?;
    Ok(HttpResponse::Ok().json(ArticleResponse::from(view)))
}

/// Delete your article (moderators may delete any).
#[utoipa::path(
    delete, path = "/api/v1/articles/{slug}", tag = "articles",
    params(("slug" = String, Path, description = "The article's slug")),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_article<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    slug: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    app.delete_article(caller.actor(), &slug, &client_info(&request))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Favorite an article (idempotent).
#[utoipa::path(
    post, path = "/api/v1/articles/{slug}/favorite", tag = "articles",
    params(("slug" = String, Path, description = "The article's slug")),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Favorited", body = ArticleResponse),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn favorite<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = app.favorite(caller.actor(), &slug).await?;
    Ok(HttpResponse::Ok().json(ArticleResponse::from(view)))
}

/// Remove a favorite (idempotent).
#[utoipa::path(
    delete, path = "/api/v1/articles/{slug}/favorite", tag = "articles",
    params(("slug" = String, Path, description = "The article's slug")),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Not favorited", body = ArticleResponse),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn unfavorite<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = app.unfavorite(caller.actor(), &slug).await?;
    Ok(HttpResponse::Ok().json(ArticleResponse::from(view)))
}

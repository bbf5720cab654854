use actix_web::{HttpResponse, web};
use folio_application::use_cases::articles::ArticleDraft;
use folio_application::{Folio, Ports};

use crate::auth::{Caller, Viewer};
use crate::dto::articles::{
    ArticleResponse, ArticlesResponse, ListArticlesQuery, NewArticleRequest, PageQuery,
    UpdateArticleRequest,
};
use crate::extract::validate_with;
use crate::problem::{ApiError, Problem};

/// Articles, newest first, filtered by tag, author and/or favoriting user.
#[utoipa::path(
    get, path = "/api/v1/articles", tag = "articles",
    params(ListArticlesQuery),
    security((), ("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of articles (without bodies) and the total count", body = ArticlesResponse),
        (status = 401, description = "A token was sent but is invalid, expired or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Unparseable query string", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit < 1 or offset < 0", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_articles<P: Ports>(
    app: web::Data<Folio<P>>,
    viewer: Viewer,
    query: web::Query<ListArticlesQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query.into_inner().into_parts();
    let list = app.list_articles(viewer.0, filter, page).await?;
    Ok(HttpResponse::Ok().json(ArticlesResponse::from(list)))
}

/// Articles by the authors the caller follows, newest first.
#[utoipa::path(
    get, path = "/api/v1/articles/feed", tag = "articles",
    params(PageQuery),
    security(("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of the feed and its total count", body = ArticlesResponse),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn feed<P: Ports>(
    app: web::Data<Folio<P>>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let list = app.feed(caller.actor(), query.into_inner().into()).await?;
    Ok(HttpResponse::Ok().json(ArticlesResponse::from(list)))
}

/// One article, with its body.
#[utoipa::path(
    get, path = "/api/v1/articles/{slug}", tag = "articles",
    params(("slug" = String, Path, description = "The article's slug")),
    security((), ("token" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The article", body = ArticleResponse),
        (status = 401, description = "A token was sent but is invalid, expired or revoked", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_article<P: Ports>(
    app: web::Data<Folio<P>>,
    viewer: Viewer,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = app.article(viewer.0, &slug).await?;
    Ok(HttpResponse::Ok().json(ArticleResponse::from(view)))
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
) -> Result<HttpResponse, ApiError> {
    app.delete_article(caller.actor(), &slug).await?;
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

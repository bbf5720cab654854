use folio_application::ports::ArticleFilter;
use folio_application::use_cases::articles::{ArticleDraft, ArticleEdit, PageRequest};
use folio_application::views::{ArticleListView, ArticleView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::profiles::ProfileBody;
use super::users::present_or_null;
use crate::time::rfc3339_millis;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewArticleRequest {
    pub article: NewArticle,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewArticle {
    #[validate(required(message = "can't be blank"))]
    #[schema(example = "How to train your dragon")]
    pub title: Option<String>,
    #[validate(required(message = "can't be blank"))]
    #[schema(example = "Ever wonder how?")]
    pub description: Option<String>,
    #[validate(required(message = "can't be blank"))]
    #[schema(example = "You have to believe")]
    pub body: Option<String>,
    #[serde(default)]
    #[schema(example = json!(["dragons", "training"]))]
    pub tag_list: Option<Vec<String>>,
    /// The article's picture: the id or URL of one of your uploads (which it
    /// attaches), or an https URL elsewhere (never fetched). Null or `""`: none.
    #[serde(default)]
    pub image: Option<String>,
}

impl From<NewArticle> for ArticleDraft {
    fn from(dto: NewArticle) -> Self {
        ArticleDraft {
            title: dto.title.unwrap_or_default(),
            description: dto.description.unwrap_or_default(),
            body: dto.body.unwrap_or_default(),
            tags: dto.tag_list.unwrap_or_default(),
            image: dto.image,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateArticleRequest {
    pub article: UpdateArticle,
}

/// Only the fields present change; the slug changes only with the title.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateArticle {
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub tag_list: Option<Vec<String>>,
    /// The id or URL of one of your uploads, or an https URL; `null` or `""`
    /// removes the picture.
    #[serde(default, deserialize_with = "present_or_null")]
    pub image: Option<Option<String>>,
}

impl From<UpdateArticle> for ArticleEdit {
    fn from(dto: UpdateArticle) -> Self {
        ArticleEdit {
            title: dto.title,
            description: dto.description,
            body: dto.body,
            tags: dto.tag_list,
            image: dto.image.map(Option::unwrap_or_default),
        }
    }
}

/// Filters and pagination of `GET /articles`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListArticlesQuery {
    /// Only articles matching this text (web-search syntax, as `GET /search/articles`
    /// reads it), best match first; blank or absent: every article, newest first.
    pub q: Option<String>,
    /// Only articles with this tag.
    pub tag: Option<String>,
    /// Only articles by this username.
    pub author: Option<String>,
    /// Only articles favorited by this username.
    pub favorited: Option<String>,
    /// Page size, default 20, at most 100 (larger values are capped).
    pub limit: Option<i64>,
    /// Number of articles to skip, default 0, at most 10000.
    pub offset: Option<i64>,
    /// Only these fields of each article, e.g. `slug,title,author.username`.
    pub fields: Option<String>,
}

impl ListArticlesQuery {
    pub fn into_parts(self) -> (ArticleFilter, PageRequest) {
        let filter = ArticleFilter {
            tag: self.tag,
            author: self.author,
            favorited_by: self.favorited,
        };
        (
            filter,
            PageRequest {
                limit: self.limit,
                offset: self.offset,
            },
        )
    }
}

/// Pagination of `GET /articles/feed`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, default 20, at most 100.
    pub limit: Option<i64>,
    /// Number of articles to skip, default 0, at most 10000.
    pub offset: Option<i64>,
    /// Only these fields of each article, e.g. `slug,title,author.username`.
    pub fields: Option<String>,
}

/// `?fields=` on a single article.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldsQuery {
    /// Only these fields of the article, e.g. `slug,title,author.username`.
    pub fields: Option<String>,
}

impl From<PageQuery> for PageRequest {
    fn from(query: PageQuery) -> Self {
        PageRequest {
            limit: query.limit,
            offset: query.offset,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleResponse {
    pub article: ArticleBody,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticlesResponse {
    pub articles: Vec<ArticleBody>,
    /// Total matches, ignoring limit and offset.
    pub articles_count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleBody {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Present on single-article responses, omitted in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Sorted alphabetically.
    pub tag_list: Vec<String>,
    /// The article's picture, null when it has none. One of Folio's files is a
    /// path relative to the API's host (`/api/v1/files/...`).
    pub image: Option<String>,
    #[schema(example = "2026-02-18T03:22:56.637Z")]
    pub created_at: String,
    #[schema(example = "2026-02-18T03:22:56.637Z")]
    pub updated_at: String,
    pub favorited: bool,
    pub favorites_count: i64,
    pub author: ProfileBody,
}

impl ArticleBody {
    pub(crate) fn new(view: ArticleView, with_body: bool) -> Self {
        let article = view.article;
        Self {
            slug: article.slug.into_inner(),
            title: article.title.into_inner(),
            description: article.description.into_inner(),
            body: with_body.then(|| article.body.into_inner()),
            tag_list: article.tags.iter().map(ToString::to_string).collect(),
            image: article.image.map(|image| image.into_inner()),
            created_at: rfc3339_millis(&article.created_at),
            updated_at: rfc3339_millis(&article.updated_at),
            favorited: view.favorited,
            favorites_count: article.favorites_count,
            author: ProfileBody::new(article.author, view.following_author),
        }
    }
}

impl From<ArticleView> for ArticleResponse {
    fn from(view: ArticleView) -> Self {
        Self {
            article: ArticleBody::new(view, true),
        }
    }
}

impl From<ArticleListView> for ArticlesResponse {
    fn from(list: ArticleListView) -> Self {
        Self {
            articles: list
                .articles
                .into_iter()
                .map(|view| ArticleBody::new(view, false))
                .collect(),
            articles_count: list.total,
        }
    }
}

//! Articles: lists, the feed, reading, publishing, editing, deleting, favorites, tags.

use folio_domain::{
    Actor, Article, ArticleBody, ArticleDescription, ArticleId, ArticleTitle, AuditEventType,
    DomainEvent, ImageReference, Permission, Slug, TagList, TagName, UserId,
};

use super::upload_attachments::{attach_image, attach_linked};

use crate::content_cache::{ArticlePages, Articles, PopularTags};
use crate::error::Resource;
use crate::ports::{
    ArticleChanges, ArticleFilter, ArticleQuery, ArticleRepository, Clock, Conflict, NewArticle,
    PortError, UnitOfWork, ViewerFacts, Work,
};
use crate::views::{ArticleListView, ArticleView};
use crate::{AppError, ClientInfo, FieldErrors, Folio, Ports};

/// Page size when the client does not ask for one.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Larger requested pages are cut to this size.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Deeper offsets are refused: an offset page reads and skips every row before it.
/// Clients walking further than this should narrow the list with a filter.
pub const MAX_OFFSET: u64 = 10_000;
/// `GET /tags` returns at most this many tags.
pub const MAX_TAGS_LISTED: u32 = 1000;

/// Limit and offset as the client sent them.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageRequest {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct ArticleDraft {
    pub title: String,
    pub description: String,
    pub body: String,
    pub tags: Vec<String>,
    /// An upload (id or URL) or an https URL; absent or blank: none.
    pub image: Option<String>,
}

/// A draft's fields as domain values; the image is still a reference, resolved
/// (and its upload attached) in the transaction that publishes.
pub struct ParsedDraft {
    pub title: ArticleTitle,
    pub description: ArticleDescription,
    pub body: ArticleBody,
    pub tags: TagList,
    pub image: Option<ImageReference>,
}

impl ArticleDraft {
    /// The fields as domain values, or the problems of every invalid field at once.
    pub fn parse(&self) -> Result<ParsedDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.check("title", ArticleTitle::parse(&self.title));
        let description = errors.check("description", ArticleDescription::parse(&self.description));
        let body = errors.check("body", ArticleBody::parse(&self.body));
        let tags = errors.check("tagList", TagList::parse(&self.tags));
        let image = errors.check(
            "image",
            ImageReference::parse_optional(self.image.as_deref().unwrap_or_default()),
        );
        match (title, description, body, tags, image) {
            (Some(title), Some(description), Some(body), Some(tags), Some(image)) => {
                Ok(ParsedDraft {
                    title,
                    description,
                    body,
                    tags,
                    image,
                })
            }
            _ => Err(errors),
        }
    }
}

/// An edit; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ArticleEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
    /// An upload (id or URL) or an https URL; blank removes the image.
    pub image: Option<String>,
}

impl<P: Ports> Folio<P> {
    pub async fn list_articles(
        &self,
        viewer: Option<Actor>,
        filter: ArticleFilter,
        page: PageRequest,
    ) -> Result<ArticleListView, AppError> {
        self.load_page(viewer, public_query(filter, page)?).await
    }

    /// The revision an anonymous request for this page would be answered at now,
    /// when such pages go through the content cache: lets an adapter reuse what it
    /// rendered for that revision without reading the page. `None` when the page
    /// is not cached, the request is invalid or the cache cannot tell; the caller
    /// then asks for the page itself.
    pub async fn public_list_revision(
        &self,
        filter: ArticleFilter,
        page: PageRequest,
    ) -> Option<u64> {
        let query = public_query(filter, page).ok()?;
        self.current_version::<ArticlePages>(&query).await
    }

    /// Articles by the authors the caller follows.
    pub async fn feed(&self, actor: Actor, page: PageRequest) -> Result<ArticleListView, AppError> {
        let (limit, offset) = validate_page(page)?;
        let query = ArticleQuery {
            filter: ArticleFilter::default(),
            followed_by: Some(actor.user_id),
            limit,
            offset,
        };
        self.load_page(Some(actor), query).await
    }

    pub async fn article(
        &self,
        viewer: Option<Actor>,
        slug: &str,
    ) -> Result<ArticleView, AppError> {
        let article = self.cached_article(slug).await?;
        self.view_one(viewer, article).await
    }

    pub async fn publish_article(
        &self,
        actor: Actor,
        draft: ArticleDraft,
    ) -> Result<ArticleView, AppError> {
        let ParsedDraft {
            title,
            description,
            body,
            tags,
            image,
        } = draft.parse().map_err(AppError::Invalid)?;

        let id = ArticleId::generate();
        let created_at = self.ports.clock().now();
        let mut work = self.ports.unit_of_work().begin().await?;
        let image = match image {
            Some(reference) => {
                Some(attach_image(&work, actor, "image", reference, created_at).await?)
            }
            None => None,
        };
        attach_linked(&work, actor.user_id, &body, created_at).await?;
        for slug in slug_candidates(&title, id) {
            let new_article = NewArticle {
                id,
                slug,
                author_id: actor.user_id,
                title: title.clone(),
                description: description.clone(),
                body: body.clone(),
                tags: tags.clone(),
                image: image.clone(),
                created_at,
            };
            match work.articles().insert(new_article).await {
                Ok(article) => {
                    work.raise(DomainEvent::ArticlePublished {
                        article: article.id,
                        slug: article.slug.clone(),
                        author: actor.user_id,
                    });
                    let events = work.commit().await?;
                    self.settle(&events).await;
                    return self.view_one(Some(actor), article).await;
                }
                Err(PortError::Conflict(Conflict::Slug)) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(slug_exhausted())
    }

    pub async fn edit_article(
        &self,
        actor: Actor,
        slug: &str,
        edit: ArticleEdit,
    ) -> Result<ArticleView, AppError> {
        let article = self.find_article(slug).await?;
        if !actor.may(Permission::EditArticle {
            author: article.author.user_id,
        }) {
            return Err(AppError::Forbidden);
        }

        let mut errors = FieldErrors::new();
        let mut changes = ArticleChanges::default();
        if let Some(raw) = &edit.title {
            changes.title = errors.check("title", ArticleTitle::parse(raw));
        }
        if let Some(raw) = &edit.description {
            changes.description = errors.check("description", ArticleDescription::parse(raw));
        }
        if let Some(raw) = &edit.body {
            changes.body = errors.check("body", ArticleBody::parse(raw));
        }
        if let Some(raw) = &edit.tags {
            changes.tags = errors.check("tagList", TagList::parse(raw));
        }
        let mut image = None;
        if let Some(raw) = &edit.image {
            image = errors.check("image", ImageReference::parse_optional(raw));
        }
        errors.into_result()?;
        let now = self.ports.clock().now();
        changes.updated_at = Some(now);

        // The slug follows the title, and only the title.
        let new_title = changes
            .title
            .clone()
            .filter(|title| *title != article.title);
        let tags_changed = changes.tags.is_some();
        let mut work = self.ports.unit_of_work().begin().await?;
        if let Some(reference) = image {
            changes.image = Some(match reference {
                Some(reference) => Some(attach_image(&work, actor, "image", reference, now).await?),
                None => None,
            });
        }
        if let Some(body) = &changes.body {
            attach_linked(&work, article.author.user_id, body, now).await?;
        }
        let Some(new_title) = new_title else {
            let updated = work
                .articles()
                .update(article.id, changes)
                .await
                .map_err(article_gone)?;
            work.raise(edited(&updated, None, tags_changed));
            let events = work.commit().await?;
            self.settle(&events).await;
            return self.view_one(Some(actor), updated).await;
        };
        for candidate in slug_candidates(&new_title, article.id) {
            let attempt = ArticleChanges {
                slug: Some(candidate),
                ..changes.clone()
            };
            match work.articles().update(article.id, attempt).await {
                Ok(updated) => {
                    let renamed = (updated.slug != article.slug).then(|| article.slug.clone());
                    work.raise(edited(&updated, renamed, tags_changed));
                    let events = work.commit().await?;
                    self.settle(&events).await;
                    return self.view_one(Some(actor), updated).await;
                }
                Err(PortError::Conflict(Conflict::Slug)) => continue,
                Err(other) => return Err(article_gone(other)),
            }
        }
        Err(slug_exhausted())
    }

    pub async fn delete_article(
        &self,
        actor: Actor,
        slug: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let article = self.find_article(slug).await?;
        let author = article.author.user_id;
        if !actor.may(Permission::DeleteArticle { author }) {
            return Err(AppError::Forbidden);
        }
        let mut work = self.ports.unit_of_work().begin().await?;
        work.articles()
            .delete(article.id)
            .await
            .map_err(article_gone)?;
        if let Some(event) = self.removal(AuditEventType::ArticleRemoved, actor, author, client) {
            self.record_in(&work, event.detail("slug", article.slug.as_str()))
                .await?;
        }
        work.raise(DomainEvent::ArticleDeleted {
            article: article.id,
            slug: article.slug.clone(),
            author,
        });
        let events = work.commit().await?;
        self.settle(&events).await;
        Ok(())
    }

    pub async fn favorite(&self, actor: Actor, slug: &str) -> Result<ArticleView, AppError> {
        let article = self.find_article(slug).await?;
        let mut work = self.ports.unit_of_work().begin().await?;
        let changed = work
            .articles()
            .favorite(actor.user_id, article.id)
            .await
            .map_err(article_gone)?;
        if let Some(favorites_count) = changed {
            work.raise(DomainEvent::ArticleFavorited {
                article: article.id,
                slug: article.slug.clone(),
                user: actor.user_id,
                favorites_count,
            });
        }
        let events = work.commit().await?;
        self.settle(&events).await;
        self.article(Some(actor), article.slug.as_str()).await
    }

    pub async fn unfavorite(&self, actor: Actor, slug: &str) -> Result<ArticleView, AppError> {
        let article = self.find_article(slug).await?;
        let mut work = self.ports.unit_of_work().begin().await?;
        let changed = work
            .articles()
            .unfavorite(actor.user_id, article.id)
            .await
            .map_err(article_gone)?;
        if let Some(favorites_count) = changed {
            work.raise(DomainEvent::ArticleUnfavorited {
                article: article.id,
                slug: article.slug.clone(),
                user: actor.user_id,
                favorites_count,
            });
        }
        let events = work.commit().await?;
        self.settle(&events).await;
        self.article(Some(actor), article.slug.as_str()).await
    }

    pub async fn popular_tags(&self) -> Result<Vec<TagName>, AppError> {
        // A tag list always loads, if only as an empty one.
        let tags = self.read_through::<PopularTags>(&()).await?;
        Ok(tags.value.unwrap_or_default())
    }

    /// The article as stored right now (writes decide on this, never on a cached copy).
    /// The article as readers see it, through the content cache: enough to show it,
    /// list its comments or attach one (an insert fails on its own if the article
    /// went meanwhile). Changes that depend on its fields read it with
    /// [`Self::find_article`].
    pub(crate) async fn cached_article(&self, slug: &str) -> Result<Article, AppError> {
        self.read_through::<Articles>(&Slug::from_trusted(slug.to_owned()))
            .await?
            .value
            .ok_or(AppError::NotFound(Resource::Article))
    }

    pub(crate) async fn find_article(&self, slug: &str) -> Result<Article, AppError> {
        self.ports
            .articles()
            .find_by_slug(&Slug::from_trusted(slug.to_owned()))
            .await?
            .ok_or(AppError::NotFound(Resource::Article))
    }

    async fn load_page(
        &self,
        viewer: Option<Actor>,
        query: ArticleQuery,
    ) -> Result<ArticleListView, AppError> {
        let read = self.read_through::<ArticlePages>(&query).await?;
        let revision = if viewer.is_none() { read.version } else { None };
        // A page always loads, if only as an empty one.
        let page = read.value.unwrap_or_default();
        let articles = self.with_viewer_facts(viewer, page.articles).await?;
        Ok(ArticleListView {
            articles,
            total: page.total,
            revision,
        })
    }

    async fn view_one(
        &self,
        viewer: Option<Actor>,
        article: Article,
    ) -> Result<ArticleView, AppError> {
        let mut views = self.with_viewer_facts(viewer, vec![article]).await?;
        views.pop().ok_or(AppError::NotFound(Resource::Article))
    }

    /// Adds `favorited` / `following` for the whole batch with one lookup.
    pub(crate) async fn with_viewer_facts(
        &self,
        viewer: Option<Actor>,
        articles: Vec<Article>,
    ) -> Result<Vec<ArticleView>, AppError> {
        let facts = match viewer {
            Some(viewer) if !articles.is_empty() => {
                let ids: Vec<ArticleId> = articles.iter().map(|a| a.id).collect();
                let mut authors: Vec<UserId> = articles.iter().map(|a| a.author.user_id).collect();
                authors.sort();
                authors.dedup();
                self.ports
                    .articles()
                    .viewer_facts(viewer.user_id, &ids, &authors)
                    .await?
            }
            _ => ViewerFacts::default(),
        };
        Ok(articles
            .into_iter()
            .map(|article| ArticleView {
                favorited: facts.favorited.contains(&article.id),
                following_author: facts.following.contains(&article.author.user_id),
                article,
            })
            .collect())
    }
}

/// The query for a page of the public list (not a feed).
fn public_query(filter: ArticleFilter, page: PageRequest) -> Result<ArticleQuery, AppError> {
    let (limit, offset) = validate_page(page)?;
    Ok(ArticleQuery {
        filter,
        followed_by: None,
        limit,
        offset,
    })
}

pub(crate) fn validate_page(page: PageRequest) -> Result<(u32, u64), AppError> {
    let mut errors = FieldErrors::new();
    let limit = match page.limit {
        None => DEFAULT_PAGE_SIZE,
        Some(limit) if limit < 1 => {
            errors.add("limit", "must be at least 1");
            DEFAULT_PAGE_SIZE
        }
        Some(limit) => u32::try_from(limit.min(i64::from(MAX_PAGE_SIZE))).unwrap_or(MAX_PAGE_SIZE),
    };
    let offset = match page.offset {
        None => 0,
        Some(offset) => match u64::try_from(offset) {
            Err(_) => {
                errors.add("offset", "must be zero or more");
                0
            }
            Ok(offset) if offset > MAX_OFFSET => {
                errors.add("offset", format!("must be at most {MAX_OFFSET}"));
                0
            }
            Ok(offset) => offset,
        },
    };
    errors.into_result()?;
    Ok((limit, offset))
}

/// The plain slug first; if taken, the slug made distinct by part of the article's
/// (random) id, which is stable for the article so retries are deterministic.
fn slug_candidates(title: &ArticleTitle, id: ArticleId) -> [Slug; 3] {
    let base = Slug::from_title(title);
    let unique = id.as_uuid().simple().to_string();
    let short = &unique[unique.len() - 6..];
    [
        base.clone(),
        base.with_suffix(short),
        base.with_suffix(&unique),
    ]
}

/// Three distinct candidates all taken: practically impossible, but never a 500.
fn slug_exhausted() -> AppError {
    AppError::Invalid(FieldErrors::single(
        "title",
        "produces a slug that is already taken",
    ))
}

fn article_gone(error: PortError) -> AppError {
    match error {
        PortError::NotFound => AppError::NotFound(Resource::Article),
        other => other.into(),
    }
}

fn edited(article: &Article, previous_slug: Option<Slug>, tags_changed: bool) -> DomainEvent {
    DomainEvent::ArticleEdited {
        article: article.id,
        slug: article.slug.clone(),
        previous_slug,
        tags_changed,
        author: article.author.user_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_defaults_caps_and_rejects() {
        assert!(matches!(validate_page(PageRequest::default()), Ok((20, 0))));
        let capped = validate_page(PageRequest {
            limit: Some(500),
            offset: Some(7),
        });
        assert!(matches!(capped, Ok((100, 7))));
        let bad = validate_page(PageRequest {
            limit: Some(0),
            offset: Some(-1),
        });
        match bad {
            Err(AppError::Invalid(errors)) => {
                assert_eq!(
                    errors.fields().keys().collect::<Vec<_>>(),
                    ["limit", "offset"]
                );
            }
            other => panic!("expected validation failure, got {other:?}"),
        }
    }

    #[test]
    fn offsets_beyond_the_maximum_are_refused() {
        let deepest = validate_page(PageRequest {
            limit: None,
            offset: Some(10_000),
        });
        assert!(matches!(deepest, Ok((20, 10_000))));
        for offset in [10_001, i64::MAX] {
            match validate_page(PageRequest {
                limit: None,
                offset: Some(offset),
            }) {
                Err(AppError::Invalid(errors)) => assert_eq!(
                    errors.fields().get("offset"),
                    Some(&vec!["must be at most 10000".to_owned()]),
                    "offset {offset}"
                ),
                other => panic!("expected validation failure for {offset}, got {other:?}"),
            }
        }
    }

    #[test]
    fn slug_candidates_are_distinct_and_share_the_title_stem() {
        let title = ArticleTitle::parse("Hello World").unwrap_or_else(|e| panic!("{e}"));
        let [plain, short, long] = slug_candidates(&title, ArticleId::generate());
        assert_eq!(plain.as_str(), "hello-world");
        assert!(short.as_str().starts_with("hello-world-") && short.as_str().len() == 18);
        assert!(long.as_str().len() > short.as_str().len());
    }
}

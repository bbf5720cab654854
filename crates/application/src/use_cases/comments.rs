//! Comments on articles.

use folio_domain::{Actor, AuditEventType, CommentBody, CommentId, DomainEvent, Permission, Slug};

use super::comment_cursor;
use crate::error::Resource;
use crate::ports::{
    ArticleRepository, Clock, CommentPosition, CommentRepository, NewComment, PortError,
    UnitOfWork, Work,
};
use crate::views::{CommentPageView, CommentView};
use crate::{AppError, ClientInfo, FieldErrors, Folio, Ports};

/// Comments per page when the client does not ask for a size. As large as the
/// maximum, so clients that never page (RealWorld front ends) see whole threads
/// of ordinary length.
pub const DEFAULT_COMMENT_PAGE: u32 = 100;
/// Larger requested pages are cut to this size, as article pages are.
pub const MAX_COMMENT_PAGE: u32 = 100;

/// Page size and cursor as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct CommentPageRequest {
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; `None` for the first page.
    pub cursor: Option<String>,
}

impl<P: Ports> Folio<P> {
    pub async fn add_comment(
        &self,
        actor: Actor,
        slug: &str,
        body: &str,
    ) -> Result<CommentView, AppError> {
        let mut errors = FieldErrors::new();
        let body = errors.check("body", CommentBody::parse(body));
        let Some(body) = body else {
            return Err(AppError::Invalid(errors));
        };
        let slug = Slug::from_trusted(slug.to_owned());
        let mut work = self.ports.unit_of_work().begin().await?;
        let comment = work
            .comments()
            .insert(NewComment {
                article: slug.clone(),
                author_id: actor.user_id,
                body,
                created_at: self.ports.clock().now(),
            })
            .await
            .map_err(|error| match error {
                PortError::NotFound => AppError::NotFound(Resource::Article),
                other => other.into(),
            })?;
        work.raise(DomainEvent::CommentAdded {
            article: comment.article_id,
            slug,
            comment: comment.id,
            author: actor.user_id,
        });
        work.commit().await?;
        Ok(CommentView {
            comment,
            following_author: false,
        })
    }

    /// One page of an article's comments, newest first.
    pub async fn comments(
        &self,
        viewer: Option<Actor>,
        slug: &str,
        page: CommentPageRequest,
    ) -> Result<CommentPageView, AppError> {
        let (limit, after) = validate_comment_page(&page)?;
        let article = self.cached_article(slug).await?;
        // One more than the page tells whether another page follows.
        let mut comments = self
            .ports
            .comments()
            .list_for_article(article.id, after, limit + 1)
            .await?;
        let page_len = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if comments.len() > page_len {
            comments.truncate(page_len);
            comments.last().map(|last| {
                comment_cursor::encode(CommentPosition {
                    created_at: last.created_at,
                    id: last.id,
                })
            })
        } else {
            None
        };
        let following = match viewer {
            Some(viewer) if !comments.is_empty() => {
                let mut authors: Vec<_> = comments.iter().map(|c| c.author.user_id).collect();
                authors.sort();
                authors.dedup();
                self.ports
                    .articles()
                    .viewer_facts(viewer.user_id, &[], &authors)
                    .await?
                    .following
            }
            _ => Default::default(),
        };
        let comments = comments
            .into_iter()
            .map(|comment| CommentView {
                following_author: following.contains(&comment.author.user_id),
                comment,
            })
            .collect();
        Ok(CommentPageView {
            comments,
            next_cursor,
        })
    }

    pub async fn delete_comment(
        &self,
        actor: Actor,
        slug: &str,
        comment_id: i64,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let article = self.find_article(slug).await?;
        let comment = self
            .ports
            .comments()
            .find(article.id, CommentId::new(comment_id))
            .await?
            .ok_or(AppError::NotFound(Resource::Comment))?;
        if !actor.may(Permission::DeleteComment {
            author: comment.author.user_id,
        }) {
            return Err(AppError::Forbidden);
        }
        let mut work = self.ports.unit_of_work().begin().await?;
        match work.comments().delete(comment.id).await {
            Ok(()) => {}
            // Someone else deleted it meanwhile: the end state is the one asked for.
            Err(PortError::NotFound) => return Ok(()),
            Err(other) => return Err(other.into()),
        }
        let author = comment.author.user_id;
        if let Some(event) = self.removal(AuditEventType::CommentRemoved, actor, author, client) {
            let event = event
                .detail("slug", article.slug.as_str())
                .detail("comment_id", comment.id.to_string());
            self.record_in(&work, event).await?;
        }
        work.raise(DomainEvent::CommentDeleted {
            article: article.id,
            slug: article.slug,
            comment: comment.id,
            author,
        });
        work.commit().await?;
        Ok(())
    }
}

fn validate_comment_page(
    page: &CommentPageRequest,
) -> Result<(u32, Option<CommentPosition>), AppError> {
    let mut errors = FieldErrors::new();
    let limit = match page.limit {
        None => DEFAULT_COMMENT_PAGE,
        Some(limit) if limit < 1 => {
            errors.add("limit", "must be at least 1");
            DEFAULT_COMMENT_PAGE
        }
        Some(limit) => {
            u32::try_from(limit.min(i64::from(MAX_COMMENT_PAGE))).unwrap_or(MAX_COMMENT_PAGE)
        }
    };
    let after = match &page.cursor {
        None => None,
        Some(cursor) => {
            let position = comment_cursor::decode(cursor);
            if position.is_none() {
                errors.add("cursor", "is not a cursor from a previous page");
            }
            position
        }
    };
    errors.into_result()?;
    Ok((limit, after))
}

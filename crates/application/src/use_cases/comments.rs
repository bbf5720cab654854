//! Comments on articles.

use folio_domain::{Actor, AuditEventType, CommentBody, CommentId, Permission};

use crate::error::Resource;
use crate::ports::{ArticleRepository, Clock, CommentRepository, NewComment, PortError};
use crate::views::CommentView;
use crate::{AppError, ClientInfo, FieldErrors, Folio, Ports};

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
        let article = self.find_article(slug).await?;
        let comment = self
            .ports
            .comments()
            .insert(NewComment {
                article_id: article.id,
                author_id: actor.user_id,
                body,
                created_at: self.ports.clock().now(),
            })
            .await
            .map_err(|error| match error {
                // The article was deleted between the lookup and the insert.
                PortError::NotFound => AppError::NotFound(Resource::Article),
                other => other.into(),
            })?;
        Ok(CommentView {
            comment,
            following_author: false,
        })
    }

    pub async fn comments(
        &self,
        viewer: Option<Actor>,
        slug: &str,
    ) -> Result<Vec<CommentView>, AppError> {
        let article = self.find_article(slug).await?;
        let comments = self.ports.comments().list_for_article(article.id).await?;
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
        Ok(comments
            .into_iter()
            .map(|comment| CommentView {
                following_author: following.contains(&comment.author.user_id),
                comment,
            })
            .collect())
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
        match self.ports.comments().delete(comment.id).await {
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
            self.record(event).await;
        }
        Ok(())
    }
}

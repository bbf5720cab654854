//! Notification rows: stored once per source event and recipient, listed newest
//! first with who did it and the article they did it to, counted and marked read.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::{
    ExpressionMethods, JoinOnDsl, NullableExpressionMethods, OptionalExtension, QueryDsl,
};
use diesel_async::RunQueryDsl;
use folio_application::ports::{
    CreatedNotification, NewNotification, Notification, NotificationActor, NotificationArticle,
    NotificationRepository, NotificationRetention, PortError, ReadSelection,
};
use folio_domain::{
    ArticleId, CommentId, NotificationId, NotificationKind, Slug, Timestamp, UploadId, UserId,
    Username,
};
use uuid::Uuid;

use super::Database;
use super::batch_delete::delete_batch_before;
use super::errors::query_error;
use super::notification_insert::InsertNotification;
use super::schema::{articles, notifications, users};
use super::source::Source;

#[derive(Clone)]
pub struct PgNotificationRepository {
    db: Source,
}

impl PgNotificationRepository {
    pub fn new(db: Database) -> Self {
        Self {
            db: Source::Pool(db),
        }
    }

    /// The repository inside a unit of work.
    pub(crate) fn within(work: Source) -> Self {
        Self { db: work }
    }
}

/// Stores the row unless its recipient has the one of its source event already.
/// Selected from `users`, so that a recipient or actor removed meanwhile makes no
/// row rather than a foreign key violation, which would abort the transaction.
type Row = (
    i64,
    String,
    Timestamp,
    Option<Timestamp>,
    Option<i64>,
    Option<Uuid>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn notification(row: Row) -> Option<Notification> {
    let (id, kind, created_at, read_at, comment, upload, actor, image, slug, title) = row;
    Some(Notification {
        id: NotificationId::new(id),
        // A kind this version does not know (a newer one's) is left out.
        kind: NotificationKind::parse(&kind)?,
        created_at,
        read: read_at.is_some(),
        actor: actor.map(|name| NotificationActor {
            username: Username::from_trusted(name),
            image,
        }),
        article: slug.zip(title).map(|(slug, title)| NotificationArticle {
            slug: Slug::from_trusted(slug),
            title,
        }),
        comment: comment.map(CommentId::new),
        upload: upload.map(UploadId::from_uuid),
    })
}

impl NotificationRepository for PgNotificationRepository {
    async fn article_authors(
        &self,
        articles: &[ArticleId],
    ) -> Result<HashMap<ArticleId, UserId>, PortError> {
        let ids: Vec<Uuid> = articles.iter().map(ArticleId::as_uuid).collect();
        let mut conn = self.db.connection().await?;
        let authors = articles::table
            .filter(articles::id.eq_any(ids))
            .select((articles::id, articles::author_id))
            .load::<(Uuid, Uuid)>(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(authors
            .into_iter()
            .map(|(article, author)| (ArticleId::from_uuid(article), UserId::from_uuid(author)))
            .collect())
    }

    async fn insert(&self, new: NewNotification) -> Result<Option<CreatedNotification>, PortError> {
        let mut conn = self.db.connection().await?;
        let sequence = i64::try_from(new.source).map_err(PortError::other)?;
        let inserted = InsertNotification {
            recipient: new.recipient.as_uuid(),
            kind: new.kind.as_str(),
            actor: new.actor.map(|actor| actor.as_uuid()),
            article: new.article.map(|article| article.as_uuid()),
            comment: new.comment.map(|comment| comment.get()),
            upload: new.upload.map(|upload| upload.as_uuid()),
            source_sequence: sequence,
            created_at: new.created_at,
        }
        .get_result::<(i64, String)>(&mut conn)
        .await
        .optional()
        .map_err(query_error)?;
        Ok(inserted.map(|(id, username)| CreatedNotification {
            id: NotificationId::new(id),
            recipient_name: Username::from_trusted(username),
        }))
    }

    async fn list(
        &self,
        recipient: UserId,
        before: Option<NotificationId>,
        limit: u32,
    ) -> Result<Vec<Notification>, PortError> {
        let mut conn = self.db.connection().await?;
        let mut query = notifications::table
            .left_join(users::table.on(users::id.nullable().eq(notifications::actor_id)))
            .left_join(articles::table.on(articles::id.nullable().eq(notifications::article_id)))
            .filter(notifications::recipient_id.eq(recipient.as_uuid()))
            .order(notifications::id.desc())
            .limit(i64::from(limit))
            .select((
                notifications::id,
                notifications::kind,
                notifications::created_at,
                notifications::read_at,
                notifications::comment_id,
                notifications::upload_id,
                users::username.nullable(),
                users::image.nullable(),
                articles::slug.nullable(),
                articles::title.nullable(),
            ))
            .into_boxed();
        if let Some(before) = before {
            query = query.filter(notifications::id.lt(before.get()));
        }
        let rows: Vec<Row> = query.load(&mut conn).await.map_err(query_error)?;
        Ok(rows.into_iter().filter_map(notification).collect())
    }

    async fn unread_count(&self, recipient: UserId) -> Result<u64, PortError> {
        let mut conn = self.db.connection().await?;
        let count: i64 = notifications::table
            .filter(notifications::recipient_id.eq(recipient.as_uuid()))
            .filter(notifications::read_at.is_null())
            .select(count_star())
            .first(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    async fn mark_read(
        &self,
        recipient: UserId,
        selection: ReadSelection,
        at: Timestamp,
    ) -> Result<u64, PortError> {
        let mut conn = self.db.connection().await?;
        let unread = notifications::table
            .filter(notifications::recipient_id.eq(recipient.as_uuid()))
            .filter(notifications::read_at.is_null());
        let marked = match selection {
            ReadSelection::All => {
                diesel::update(unread)
                    .set(notifications::read_at.eq(at))
                    .execute(&mut conn)
                    .await
            }
            ReadSelection::Ids(ids) => {
                let ids: Vec<i64> = ids.iter().map(NotificationId::get).collect();
                diesel::update(unread.filter(notifications::id.eq_any(ids)))
                    .set(notifications::read_at.eq(at))
                    .execute(&mut conn)
                    .await
            }
        }
        .map_err(query_error)?;
        Ok(u64::try_from(marked).unwrap_or_default())
    }
}

impl NotificationRetention for PgNotificationRepository {
    async fn remove_before(&self, before: Timestamp, limit: u32) -> Result<u64, PortError> {
        let mut conn = self.db.connection().await?;
        delete_batch_before(&mut conn, REMOVE_BEFORE, before, limit).await
    }
}

/// A batch of the oldest, found through the BRIN index on `created_at`.
const REMOVE_BEFORE: &str = "DELETE FROM notifications WHERE id IN (\
     SELECT id FROM notifications WHERE created_at < $1 LIMIT $2)";

//! A notification's insert: stored unless its source event already notified the
//! recipient, or the recipient or actor is gone, returning its id and the
//! recipient's username in the same statement.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

/// A query type of its own (diesel's builder has no `INSERT ... SELECT` with
/// `ON CONFLICT ON CONSTRAINT`), with a static `QueryId` so that it is prepared once
/// per connection: the notifier runs it for every notification.
pub(crate) struct InsertNotification<'a> {
    pub recipient: Uuid,
    pub kind: &'a str,
    pub actor: Option<Uuid>,
    pub article: Option<Uuid>,
    pub comment: Option<i64>,
    pub upload: Option<Uuid>,
    pub source_sequence: i64,
    pub created_at: DateTime<Utc>,
}

impl QueryId for InsertNotification<'_> {
    type QueryId = InsertNotification<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for InsertNotification<'_> {
    /// The notification's id and its recipient's username.
    type SqlType = (BigInt, Text);
}

impl QueryFragment<Pg> for InsertNotification<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        out.push_sql(
            "INSERT INTO notifications (recipient_id, kind, actor_id, article_id, comment_id, \
             upload_id, source_sequence, created_at) SELECT recipient.id, ",
        );
        out.push_bind_param::<Text, _>(&self.kind)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<SqlUuid>, _>(&self.actor)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<SqlUuid>, _>(&self.article)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.comment)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<SqlUuid>, _>(&self.upload)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&self.source_sequence)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamptz, _>(&self.created_at)?;
        out.push_sql(" FROM users recipient WHERE recipient.id = ");
        out.push_bind_param::<SqlUuid, _>(&self.recipient)?;
        // An actor deleted meanwhile notifies no one.
        out.push_sql(" AND (");
        out.push_bind_param::<Nullable<SqlUuid>, _>(&self.actor)?;
        out.push_sql("::uuid IS NULL OR EXISTS (SELECT 1 FROM users actor WHERE actor.id = ");
        out.push_bind_param::<Nullable<SqlUuid>, _>(&self.actor)?;
        out.push_sql(
            ")) ON CONFLICT ON CONSTRAINT notifications_once_per_event DO NOTHING \
             RETURNING id, (SELECT username FROM users WHERE users.id = notifications.recipient_id)",
        );
        Ok(())
    }
}

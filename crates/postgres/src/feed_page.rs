//! A page of a reader's feed: the newest articles of the authors they follow.
//!
//! Each followed author contributes at most `offset + limit` of their newest article
//! ids, read from `articles_author_recent_idx` alone; only the page's own rows are
//! then read in full. The work is bounded by followees × (offset + limit), however
//! much the authors have written. The query builder's form of the feed ran as a plan
//! that read and sorted every article of every followed author (1.5 ms for 500), so
//! this statement is written by hand: it needs `LATERAL`, which diesel's builder does
//! not offer. It is still a prepared statement, cached per connection like the rest.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

/// The columns of `ArticleSummaryRow` then `ProfileRow`, in their field order.
pub(super) type PageColumns = (
    (
        SqlUuid,
        Text,
        Text,
        Text,
        Integer,
        Timestamptz,
        Timestamptz,
        Array<Text>,
        Nullable<Text>,
    ),
    (SqlUuid, Text, Nullable<Text>, Nullable<Text>),
);

#[derive(Debug, Clone, Copy, QueryId)]
pub(super) struct FeedPage {
    follower: Uuid,
    limit: i64,
    offset: i64,
    /// How many of each author's newest articles can reach the page.
    per_author: i64,
}

impl FeedPage {
    pub fn new(follower: Uuid, limit: i64, offset: i64) -> Self {
        Self {
            follower,
            limit,
            offset,
            per_author: offset.saturating_add(limit),
        }
    }
}

impl Query for FeedPage {
    type SqlType = PageColumns;
}

impl QueryFragment<Pg> for FeedPage {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "SELECT a.id, a.slug, a.title, a.description, a.favorites_count, \
             a.created_at, a.updated_at, a.tag_names, a.image, u.id, u.username, u.bio, u.image \
             FROM (SELECT newest.id, newest.created_at FROM follows f \
             CROSS JOIN LATERAL (SELECT w.id, w.created_at FROM articles w \
             WHERE w.author_id = f.followee_id \
             ORDER BY w.created_at DESC, w.id DESC LIMIT ",
        );
        out.push_bind_param::<BigInt, _>(&self.per_author)?;
        out.push_sql(") newest WHERE f.follower_id = ");
        out.push_bind_param::<SqlUuid, _>(&self.follower)?;
        out.push_sql(" ORDER BY newest.created_at DESC, newest.id DESC LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(" OFFSET ");
        out.push_bind_param::<BigInt, _>(&self.offset)?;
        out.push_sql(
            ") page JOIN articles a ON a.id = page.id JOIN users u ON u.id = a.author_id \
             ORDER BY a.created_at DESC, a.id DESC",
        );
        Ok(())
    }
}

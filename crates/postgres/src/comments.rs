use diesel::{
    BoolExpressionMethods, ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use folio_application::ports::{CommentPosition, CommentRepository, NewComment, PortError};
use folio_domain::{ArticleId, Comment, CommentId};

use super::Database;
use super::comment_insert::InsertComment;
use super::errors::query_error;
use super::rows::{CommentRow, ProfileRow};
use super::schema::{comments, users};
use super::source::Source;

#[derive(Clone)]
pub struct PgCommentRepository {
    db: Source,
}

impl PgCommentRepository {
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

impl CommentRepository for PgCommentRepository {
    async fn insert(&self, comment: NewComment) -> Result<Comment, PortError> {
        let pipeline = self.db.pipeline().await?;
        let shared: &AsyncPgConnection = &pipeline;
        let insert = InsertComment {
            article_slug: comment.article.as_str(),
            author_id: comment.author_id.as_uuid(),
            body: comment.body.as_str(),
            created_at: comment.created_at,
        }
        .get_result::<(CommentRow, ProfileRow)>(&mut &*shared);
        // With the unit of work's BEGIN when this is its first statement.
        let (row, author) = pipeline.send(insert).await.map_err(query_error)?;
        Ok(row.into_domain(author))
    }

    async fn list_for_article(
        &self,
        article_id: ArticleId,
        after: Option<CommentPosition>,
        limit: u32,
    ) -> Result<Vec<Comment>, PortError> {
        let mut conn = self.db.connection().await?;
        let page = comments::table
            .inner_join(users::table)
            .filter(comments::article_id.eq(article_id.as_uuid()))
            .order((comments::created_at.desc(), comments::id.desc()))
            .limit(i64::from(limit))
            .select((CommentRow::as_select(), ProfileRow::as_select()));
        let rows: Vec<(CommentRow, ProfileRow)> = match after {
            None => page.load(&mut conn).await,
            // `created_at <= t` starts the walk of `comments_article_recent_idx` at
            // the position; the `OR` only drops the rows of its own instant up to it.
            Some(position) => {
                page.filter(comments::created_at.le(position.created_at))
                    .filter(
                        comments::created_at
                            .lt(position.created_at)
                            .or(comments::id.lt(position.id.get())),
                    )
                    .load(&mut conn)
                    .await
            }
        }
        .map_err(query_error)?;
        Ok(rows
            .into_iter()
            .map(|(comment, author)| comment.into_domain(author))
            .collect())
    }

    async fn find(
        &self,
        article_id: ArticleId,
        comment_id: CommentId,
    ) -> Result<Option<Comment>, PortError> {
        let mut conn = self.db.connection().await?;
        let row: Option<(CommentRow, ProfileRow)> = comments::table
            .inner_join(users::table)
            .filter(comments::id.eq(comment_id.get()))
            .filter(comments::article_id.eq(article_id.as_uuid()))
            .select((CommentRow::as_select(), ProfileRow::as_select()))
            .first(&mut conn)
            .await
            .optional()
            .map_err(query_error)?;
        Ok(row.map(|(comment, author)| comment.into_domain(author)))
    }

    async fn delete(&self, comment_id: CommentId) -> Result<(), PortError> {
        let mut conn = self.db.connection().await?;
        let deleted = diesel::delete(comments::table.find(comment_id.get()))
            .execute(&mut conn)
            .await
            .map_err(query_error)?;
        if deleted == 0 {
            return Err(PortError::NotFound);
        }
        Ok(())
    }
}

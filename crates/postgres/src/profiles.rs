use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::RunQueryDsl;
use folio_application::ports::{PortError, ProfileRepository};
use folio_domain::{Profile, UserId, Username};

use super::Database;
use super::errors::query_error;
use super::rows::ProfileRow;
use super::schema::{follows, users};
use super::source::Source;

#[derive(Clone)]
pub struct PgProfileRepository {
    db: Source,
}

impl PgProfileRepository {
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

impl ProfileRepository for PgProfileRepository {
    async fn find_by_username(&self, username: &Username) -> Result<Option<Profile>, PortError> {
        let mut conn = self.db.connection().await?;
        let row: Option<ProfileRow> = users::table
            .filter(users::username_key.eq(username.key().as_str()))
            .select(ProfileRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(query_error)?;
        Ok(row.map(ProfileRow::into_domain))
    }

    async fn follow(&self, follower: UserId, followee: UserId) -> Result<bool, PortError> {
        let mut conn = self.db.connection().await?;
        let inserted = diesel::insert_into(follows::table)
            .values((
                follows::follower_id.eq(follower.as_uuid()),
                follows::followee_id.eq(followee.as_uuid()),
            ))
            .on_conflict_do_nothing()
            .execute(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(inserted == 1)
    }

    async fn unfollow(&self, follower: UserId, followee: UserId) -> Result<bool, PortError> {
        let mut conn = self.db.connection().await?;
        let deleted = diesel::delete(follows::table.find((follower.as_uuid(), followee.as_uuid())))
            .execute(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(deleted == 1)
    }

    async fn is_following(&self, follower: UserId, followee: UserId) -> Result<bool, PortError> {
        let mut conn = self.db.connection().await?;
        diesel::select(diesel::dsl::exists(
            follows::table.find((follower.as_uuid(), followee.as_uuid())),
        ))
        .get_result(&mut conn)
        .await
        .map_err(query_error)
    }

    async fn followees(&self, follower: UserId) -> Result<Vec<UserId>, PortError> {
        let mut conn = self.db.connection().await?;
        let followees: Vec<uuid::Uuid> = follows::table
            .filter(follows::follower_id.eq(follower.as_uuid()))
            .select(follows::followee_id)
            .load(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(followees.into_iter().map(UserId::from_uuid).collect())
    }
}

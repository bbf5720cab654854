use diesel::{
    AsChangeset, ExpressionMethods, Insertable, OptionalExtension, QueryDsl, SelectableHelper,
};
use diesel_async::{AsyncConnection, RunQueryDsl};
use folio_application::ports::{NewSession, NewUser, PortError, UserChanges, UserRepository};
use folio_domain::{Email, PasswordHash, Role, Timestamp, User, UserId, Username};
use uuid::Uuid;

use super::Database;
use super::errors::query_error;
use super::rows::{UserRow, lower};
use super::schema::users;
use super::sessions::insert_session;
use super::source::Source;

#[derive(Clone)]
pub struct PgUserRepository {
    db: Source,
}

impl PgUserRepository {
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

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserInsert<'a> {
    id: Uuid,
    username: &'a str,
    username_key: &'a str,
    email: &'a str,
    password_hash: &'a str,
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct UserChangeset {
    username: Option<String>,
    username_key: Option<String>,
    email: Option<String>,
    password_hash: Option<String>,
    bio: Option<Option<String>>,
    image: Option<Option<String>>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl UserRepository for PgUserRepository {
    async fn insert(&self, user: NewUser, first_session: NewSession) -> Result<User, PortError> {
        let mut conn = self.db.connection().await?;
        let row = conn
            .transaction(async |conn| {
                let row = diesel::insert_into(users::table)
                    .values(UserInsert {
                        id: user.id.as_uuid(),
                        username: user.username.as_str(),
                        username_key: user.username.key().as_str(),
                        email: user.email.as_str(),
                        password_hash: user.password_hash.as_str(),
                    })
                    .returning(UserRow::as_returning())
                    .get_result(conn)
                    .await?;
                insert_session(conn, &first_session).await?;
                Ok::<_, diesel::result::Error>(row)
            })
            .await
            .map_err(query_error)?;
        row.into_domain()
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, PortError> {
        let mut conn = self.db.connection().await?;
        users::table
            .find(id.as_uuid())
            .select(UserRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(query_error)?
            .map(UserRow::into_domain)
            .transpose()
    }

    async fn find_with_password_by_email(
        &self,
        email: &Email,
    ) -> Result<Option<(User, PasswordHash)>, PortError> {
        let mut conn = self.db.connection().await?;
        let found: Option<(UserRow, String)> = users::table
            .filter(lower(users::email).eq(lower(email.as_str())))
            .select((UserRow::as_select(), users::password_hash))
            .first(&mut conn)
            .await
            .optional()
            .map_err(query_error)?;
        found
            .map(|(row, hash)| Ok((row.into_domain()?, PasswordHash::from_encoded(hash))))
            .transpose()
    }

    async fn update(&self, id: UserId, changes: UserChanges) -> Result<User, PortError> {
        let mut conn = self.db.connection().await?;
        let changeset = UserChangeset {
            username_key: changes.username.as_ref().map(|u| u.key().into_inner()),
            username: changes.username.map(|u| u.into_inner()),
            email: changes.email.map(|e| e.into_inner()),
            password_hash: changes.password_hash.map(|h| h.as_str().to_owned()),
            bio: changes.bio.map(|bio| bio.map(|b| b.into_inner())),
            image: changes.image.map(|image| image.map(|i| i.into_inner())),
            updated_at: chrono::Utc::now(),
        };
        diesel::update(users::table.find(id.as_uuid()))
            .set(changeset)
            .returning(UserRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(query_error)?
            .into_domain()
    }

    async fn find_by_username(&self, username: &Username) -> Result<Option<User>, PortError> {
        let mut conn = self.db.connection().await?;
        users::table
            .filter(users::username_key.eq(username.key().as_str()))
            .select(UserRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(query_error)?
            .map(UserRow::into_domain)
            .transpose()
    }

    async fn set_role(&self, id: UserId, role: Role) -> Result<User, PortError> {
        let mut conn = self.db.connection().await?;
        diesel::update(users::table.find(id.as_uuid()))
            .set(users::role.eq(role.as_str()))
            .returning(UserRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(query_error)?
            .into_domain()
    }

    async fn set_suspended(&self, id: UserId, since: Option<Timestamp>) -> Result<User, PortError> {
        let mut conn = self.db.connection().await?;
        diesel::update(users::table.find(id.as_uuid()))
            .set(users::suspended_at.eq(since))
            .returning(UserRow::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(query_error)?
            .into_domain()
    }
}

use diesel::{
    ExpressionMethods, Insertable, JoinOnDsl as _, OptionalExtension, QueryDsl, SelectableHelper,
};
use diesel_async::RunQueryDsl;
use folio_application::ports::{
    ActiveSession, NewSession, PortError, SessionRepository, TokenHash,
};
use folio_domain::{SessionId, Timestamp};
use uuid::Uuid;

use super::Database;
use super::errors::query_error;
use super::rows::UserRow;
use super::schema::{sessions, users};

#[derive(Clone)]
pub struct PgSessionRepository {
    db: Database,
}

impl PgSessionRepository {
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

#[derive(Insertable)]
#[diesel(table_name = sessions)]
struct SessionInsert<'a> {
    id: Uuid,
    user_id: Uuid,
    token_hash: &'a [u8],
    created_at: Timestamp,
    last_seen_at: Timestamp,
    expires_at: Timestamp,
    user_agent: Option<&'a str>,
    ip: Option<&'a str>,
}

impl SessionRepository for PgSessionRepository {
    async fn create(&self, session: NewSession) -> Result<(), PortError> {
        let mut conn = self.db.connection().await?;
        diesel::insert_into(sessions::table)
            .values(SessionInsert {
                id: session.id.as_uuid(),
                user_id: session.user_id.as_uuid(),
                token_hash: &session.token_hash.0,
                created_at: session.created_at,
                last_seen_at: session.created_at,
                expires_at: session.expires_at,
                user_agent: session.user_agent.as_deref(),
                ip: session.ip.as_deref(),
            })
            .execute(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(())
    }

    async fn find_active(
        &self,
        token_hash: &TokenHash,
        now: Timestamp,
        idle_since: Timestamp,
    ) -> Result<Option<ActiveSession>, PortError> {
        let mut conn = self.db.connection().await?;
        let found: Option<(Uuid, Timestamp, UserRow)> = sessions::table
            .inner_join(users::table.on(users::id.eq(sessions::user_id)))
            .filter(sessions::token_hash.eq(&token_hash.0))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::last_seen_at.gt(idle_since))
            .select((sessions::id, sessions::last_seen_at, UserRow::as_select()))
            .first(&mut conn)
            .await
            .optional()
            .map_err(query_error)?;
        found
            .map(|(id, last_seen_at, user)| {
                Ok(ActiveSession {
                    id: SessionId::from_uuid(id),
                    user: user.into_domain()?,
                    last_seen_at,
                })
            })
            .transpose()
    }

    async fn touch(&self, id: SessionId, now: Timestamp) -> Result<(), PortError> {
        let mut conn = self.db.connection().await?;
        diesel::update(sessions::table.find(id.as_uuid()))
            .set(sessions::last_seen_at.eq(now))
            .execute(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(())
    }
}

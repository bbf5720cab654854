use diesel::sql_types::{BigInt, Timestamptz};
use diesel::{
    ExpressionMethods, Insertable, JoinOnDsl as _, OptionalExtension, QueryDsl, Queryable,
    SelectableHelper,
};
use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl};
use folio_application::ports::{
    NewSession, PortError, RevokedSession, SessionRecord, SessionRepository, SessionRetention,
    StoredSession, TokenHash,
};
use folio_domain::{PasswordHash, SessionId, Timestamp, UserId};
use uuid::Uuid;

use super::Database;
use super::errors::query_error;
use super::rows::UserRow;
use super::schema::{sessions, users};
use super::source::Source;

#[derive(Clone)]
pub struct PgSessionRepository {
    db: Source,
}

impl PgSessionRepository {
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

/// Stores a new session; shared with registration, which stores the first session
/// in the same transaction as the account.
pub(super) async fn insert_session(
    conn: &mut AsyncPgConnection,
    session: &NewSession,
) -> diesel::QueryResult<()> {
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
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Queryable)]
struct SessionRow {
    id: Uuid,
    created_at: Timestamp,
    last_seen_at: Timestamp,
    expires_at: Timestamp,
    user_agent: Option<String>,
    ip: Option<String>,
}

impl From<SessionRow> for SessionRecord {
    fn from(row: SessionRow) -> Self {
        SessionRecord {
            id: SessionId::from_uuid(row.id),
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
            user_agent: row.user_agent,
            ip: row.ip,
        }
    }
}

impl SessionRepository for PgSessionRepository {
    async fn create(
        &self,
        session: NewSession,
        verified: &PasswordHash,
    ) -> Result<bool, PortError> {
        let mut conn = self.db.connection().await?;
        conn.transaction(async |conn| {
            // FOR SHARE conflicts with the UPDATE of a password change: that change
            // either commits first (and the hash no longer matches here) or waits
            // until this session is committed (and then revokes it).
            let unchanged = users::table
                .find(session.user_id.as_uuid())
                .filter(users::password_hash.eq(verified.as_str()))
                .select(users::id)
                .for_share()
                .first::<Uuid>(conn)
                .await
                .optional()?
                .is_some();
            if unchanged {
                insert_session(conn, &session).await?;
            }
            Ok::<_, diesel::result::Error>(unchanged)
        })
        .await
        .map_err(query_error)
    }

    async fn find_by_token(
        &self,
        token_hash: &TokenHash,
    ) -> Result<Option<StoredSession>, PortError> {
        type Found = (
            Uuid,
            Timestamp,
            Timestamp,
            Timestamp,
            Option<Timestamp>,
            UserRow,
        );
        let mut conn = self.db.connection().await?;
        let found: Option<Found> = sessions::table
            .inner_join(users::table.on(users::id.eq(sessions::user_id)))
            .filter(sessions::token_hash.eq(&token_hash.0))
            .select((
                sessions::id,
                sessions::created_at,
                sessions::last_seen_at,
                sessions::expires_at,
                sessions::revoked_at,
                UserRow::as_select(),
            ))
            .first(&mut conn)
            .await
            .optional()
            .map_err(query_error)?;
        found
            .map(
                |(id, created_at, last_seen_at, expires_at, revoked_at, user)| {
                    Ok(StoredSession {
                        id: SessionId::from_uuid(id),
                        user: user.into_domain()?,
                        created_at,
                        last_seen_at,
                        expires_at,
                        revoked_at,
                    })
                },
            )
            .transpose()
    }

    async fn touch(&self, id: SessionId, now: Timestamp) -> Result<bool, PortError> {
        let mut conn = self.db.connection().await?;
        let touched = diesel::update(
            sessions::table
                .find(id.as_uuid())
                .filter(sessions::revoked_at.is_null()),
        )
        .set(sessions::last_seen_at.eq(now))
        .execute(&mut conn)
        .await
        .map_err(query_error)?;
        Ok(touched == 1)
    }

    async fn list_active(
        &self,
        user: UserId,
        now: Timestamp,
        idle_since: Timestamp,
    ) -> Result<Vec<SessionRecord>, PortError> {
        let mut conn = self.db.connection().await?;
        let rows: Vec<SessionRow> = sessions::table
            .filter(sessions::user_id.eq(user.as_uuid()))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::last_seen_at.gt(idle_since))
            .order((sessions::created_at.desc(), sessions::id.desc()))
            .select((
                sessions::id,
                sessions::created_at,
                sessions::last_seen_at,
                sessions::expires_at,
                sessions::user_agent,
                sessions::ip,
            ))
            .load(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(rows.into_iter().map(SessionRecord::from).collect())
    }

    async fn revoke(
        &self,
        user: UserId,
        session: SessionId,
        now: Timestamp,
    ) -> Result<Option<RevokedSession>, PortError> {
        let mut conn = self.db.connection().await?;
        let revoked: Option<(Uuid, Vec<u8>)> = diesel::update(
            sessions::table
                .filter(sessions::id.eq(session.as_uuid()))
                .filter(sessions::user_id.eq(user.as_uuid()))
                .filter(sessions::revoked_at.is_null()),
        )
        .set(sessions::revoked_at.eq(now))
        .returning((sessions::id, sessions::token_hash))
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(query_error)?;
        Ok(revoked.map(revoked_session))
    }

    async fn revoke_all(
        &self,
        user: UserId,
        keep: Option<SessionId>,
        now: Timestamp,
    ) -> Result<Vec<RevokedSession>, PortError> {
        let mut conn = self.db.connection().await?;
        // `keep` as a nil id when there is nothing to keep: no session has it.
        let keep = keep.map_or(Uuid::nil(), |id| id.as_uuid());
        let revoked: Vec<(Uuid, Vec<u8>)> = diesel::update(
            sessions::table
                .filter(sessions::user_id.eq(user.as_uuid()))
                .filter(sessions::revoked_at.is_null())
                .filter(sessions::id.ne(keep)),
        )
        .set(sessions::revoked_at.eq(now))
        .returning((sessions::id, sessions::token_hash))
        .get_results(&mut conn)
        .await
        .map_err(query_error)?;
        Ok(revoked.into_iter().map(revoked_session).collect())
    }

    async fn unrevoked_token_hashes(&self, user: UserId) -> Result<Vec<TokenHash>, PortError> {
        let mut conn = self.db.connection().await?;
        let hashes: Vec<Vec<u8>> = sessions::table
            .filter(sessions::user_id.eq(user.as_uuid()))
            .filter(sessions::revoked_at.is_null())
            .select(sessions::token_hash)
            .load(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(hashes.into_iter().map(TokenHash).collect())
    }
}

/// A revoked session as the `RETURNING` clause of a revocation gives it.
fn revoked_session((id, token_hash): (Uuid, Vec<u8>)) -> RevokedSession {
    RevokedSession {
        id: SessionId::from_uuid(id),
        token_hash: TokenHash(token_hash),
    }
}

/// Deletes up to `$3` sessions revoked or past their absolute expiry before `$1`,
/// or last seen before `$2`.
const REMOVE_ENDED: &str = "\
    DELETE FROM sessions WHERE id IN (
        SELECT id FROM sessions
        WHERE revoked_at < $1 OR expires_at < $1 OR last_seen_at < $2
        LIMIT $3
    )";

impl SessionRetention for PgSessionRepository {
    async fn remove_ended(
        &self,
        ended_before: Timestamp,
        last_seen_before: Timestamp,
        limit: u32,
    ) -> Result<u64, PortError> {
        let mut conn = self.db.connection().await?;
        let removed = diesel::sql_query(REMOVE_ENDED)
            .bind::<Timestamptz, _>(ended_before)
            .bind::<Timestamptz, _>(last_seen_before)
            .bind::<BigInt, _>(i64::from(limit))
            .execute(&mut conn)
            .await
            .map_err(query_error)?;
        Ok(u64::try_from(removed).unwrap_or(0))
    }
}

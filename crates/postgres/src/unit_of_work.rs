//! The unit of work: one transaction that repositories borrow, and the outbox rows
//! its events and the job rows its jobs become at commit.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Jsonb, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use folio_application::doorbell::Doorbell;
use folio_application::events;
use folio_application::ports::{NewJob, PortError, UnitOfWork, Work};
use folio_domain::DomainEvent;

use super::errors::query_error;
use super::fields::to_json;
use super::job_rows::insert_jobs;
use super::transaction::OpenTransaction;
use super::{
    Database, PgArticleRepository, PgAuditLog, PgCommentRepository, PgNotificationRepository,
    PgProfileRepository, PgSessionRepository, PgUploadRepository, PgUserRepository,
};

#[derive(Clone)]
pub struct PgUnitOfWork {
    db: Database,
    /// Attempts of an enqueued job that names none.
    job_max_attempts: u32,
    /// Rung after a commit that wrote outbox rows.
    commits: Doorbell,
}

impl PgUnitOfWork {
    pub fn new(db: Database, job_max_attempts: u32) -> Self {
        Self {
            db,
            job_max_attempts,
            commits: Doorbell::default(),
        }
    }

    /// Rings `commits` after each commit that wrote events, for the instance's
    /// outbox relay.
    #[must_use]
    pub fn ringing(mut self, commits: Doorbell) -> Self {
        self.commits = commits;
        self
    }
}

impl UnitOfWork for PgUnitOfWork {
    type Work<'a> = PgWork;

    async fn begin(&self) -> Result<PgWork, PortError> {
        let transaction = OpenTransaction::begin(&self.db).await?;
        let source = transaction.source();
        Ok(PgWork {
            users: PgUserRepository::within(source.clone()),
            sessions: PgSessionRepository::within(source.clone()),
            profiles: PgProfileRepository::within(source.clone()),
            articles: PgArticleRepository::within(source.clone()),
            comments: PgCommentRepository::within(source.clone()),
            uploads: PgUploadRepository::within(source.clone()),
            notifications: PgNotificationRepository::within(source.clone()),
            audit: PgAuditLog::within(source),
            transaction,
            raised: Vec::new(),
            enqueued: Vec::new(),
            job_max_attempts: self.job_max_attempts,
            commits: self.commits.clone(),
        })
    }
}

/// One open transaction; rolled back when dropped without `commit`.
pub struct PgWork {
    transaction: OpenTransaction,
    users: PgUserRepository,
    sessions: PgSessionRepository,
    profiles: PgProfileRepository,
    articles: PgArticleRepository,
    comments: PgCommentRepository,
    audit: PgAuditLog,
    uploads: PgUploadRepository,
    notifications: PgNotificationRepository,
    raised: Vec<DomainEvent>,
    enqueued: Vec<NewJob>,
    job_max_attempts: u32,
    commits: Doorbell,
}

/// One event's outbox row, inserted by a query type of its own: diesel prepares
/// it once per connection (a derived `Insertable` is prepared anew every time),
/// which is what lets `COMMIT` go out right behind it.
#[derive(QueryId)]
struct OutboxInsert {
    name: &'static str,
    payload: serde_json::Value,
}

impl QueryFragment<Pg> for OutboxInsert {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        out.push_sql("INSERT INTO outbox (name, payload) VALUES (");
        out.push_bind_param::<Text, _>(&self.name)?;
        out.push_sql(", ");
        out.push_bind_param::<Jsonb, _>(&self.payload)?;
        out.push_sql(")");
        Ok(())
    }
}

impl Work for PgWork {
    type Users = PgUserRepository;
    type Sessions = PgSessionRepository;
    type Profiles = PgProfileRepository;
    type Articles = PgArticleRepository;
    type Comments = PgCommentRepository;
    type Audit = PgAuditLog;
    type Uploads = PgUploadRepository;
    type Notifications = PgNotificationRepository;

    fn users(&self) -> &PgUserRepository {
        &self.users
    }
    fn sessions(&self) -> &PgSessionRepository {
        &self.sessions
    }
    fn profiles(&self) -> &PgProfileRepository {
        &self.profiles
    }
    fn articles(&self) -> &PgArticleRepository {
        &self.articles
    }
    fn comments(&self) -> &PgCommentRepository {
        &self.comments
    }
    fn audit(&self) -> &PgAuditLog {
        &self.audit
    }
    fn uploads(&self) -> &PgUploadRepository {
        &self.uploads
    }
    fn notifications(&self) -> &PgNotificationRepository {
        &self.notifications
    }

    fn raise(&mut self, event: DomainEvent) {
        self.raised.push(event);
    }

    fn enqueue(&mut self, job: NewJob) {
        self.enqueued.push(job);
    }

    async fn commit(self) -> Result<Vec<DomainEvent>, PortError> {
        let Self {
            transaction,
            raised,
            enqueued,
            job_max_attempts,
            commits,
            ..
        } = self;
        let rows: Vec<OutboxInsert> = raised.iter().map(outbox_row).collect();
        if enqueued.is_empty()
            && !rows.is_empty()
            && transaction.pooled().await.outbox_insert_prepared
        {
            // The common case: the outbox rows and `COMMIT` in one round trip.
            transaction
                .commit_behind(move |connection| {
                    Box::pin(async move { insert_outbox_rows(connection, &rows).await })
                })
                .await?;
            commits.ring();
            return Ok(raised);
        }
        {
            let source = transaction.source();
            let mut connection = source.connection().await?;
            if !rows.is_empty() {
                insert_outbox_rows(&connection, &rows)
                    .await
                    .map_err(query_error)?;
            }
            if !enqueued.is_empty() {
                insert_jobs(&mut connection, &enqueued, job_max_attempts)
                    .await
                    .map_err(query_error)?;
            }
        }
        let wrote_events = !rows.is_empty();
        if wrote_events {
            transaction.pooled().await.outbox_insert_prepared = true;
        }
        transaction.commit().await?;
        if wrote_events {
            commits.ring();
        }
        Ok(raised)
    }
}

fn outbox_row(event: &DomainEvent) -> OutboxInsert {
    let encoded = events::encode(event);
    OutboxInsert {
        name: encoded.name,
        payload: to_json(
            encoded
                .fields
                .iter()
                .map(|(name, value)| (*name, value.as_str())),
        ),
    }
}

/// One single-row statement per event, all sent together: diesel never prepares
/// a multi-row `VALUES` once for all.
async fn insert_outbox_rows(
    connection: &AsyncPgConnection,
    rows: &[OutboxInsert],
) -> diesel::QueryResult<()> {
    let inserts = rows.iter().map(|row| row.execute(&mut { connection }));
    futures_util::future::try_join_all(inserts).await?;
    Ok(())
}

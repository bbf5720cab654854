//! The unit of work: one transaction that repositories borrow, and the outbox rows
//! its events and the job rows its jobs become at commit.

use diesel::Insertable;
use diesel_async::RunQueryDsl;
use folio_application::events;
use folio_application::ports::{NewJob, PortError, UnitOfWork, Work};
use folio_domain::DomainEvent;

use super::errors::query_error;
use super::fields::to_json;
use super::job_rows::insert_jobs;
use super::schema::outbox;
use super::transaction::OpenTransaction;
use super::{
    Database, PgArticleRepository, PgAuditLog, PgCommentRepository, PgProfileRepository,
    PgSessionRepository, PgUserRepository,
};

#[derive(Clone)]
pub struct PgUnitOfWork {
    db: Database,
    /// Attempts of an enqueued job that names none.
    job_max_attempts: u32,
}

impl PgUnitOfWork {
    pub fn new(db: Database, job_max_attempts: u32) -> Self {
        Self {
            db,
            job_max_attempts,
        }
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
            audit: PgAuditLog::within(source),
            transaction,
            raised: Vec::new(),
            enqueued: Vec::new(),
            job_max_attempts: self.job_max_attempts,
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
    raised: Vec<DomainEvent>,
    enqueued: Vec<NewJob>,
    job_max_attempts: u32,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct OutboxInsert {
    name: &'static str,
    payload: serde_json::Value,
}

impl Work for PgWork {
    type Users = PgUserRepository;
    type Sessions = PgSessionRepository;
    type Profiles = PgProfileRepository;
    type Articles = PgArticleRepository;
    type Comments = PgCommentRepository;
    type Audit = PgAuditLog;

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

    fn raise(&mut self, event: DomainEvent) {
        self.raised.push(event);
    }

    fn enqueue(&mut self, job: NewJob) {
        self.enqueued.push(job);
    }

    async fn commit(self) -> Result<Vec<DomainEvent>, PortError> {
        {
            let source = self.transaction.source();
            let mut connection = source.connection().await?;
            if !self.raised.is_empty() {
                let rows: Vec<OutboxInsert> = self
                    .raised
                    .iter()
                    .map(|event| {
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
                    })
                    .collect();
                for row in &rows {
                    diesel::insert_into(outbox::table)
                        .values(row)
                        .execute(&mut connection)
                        .await
                        .map_err(query_error)?;
                }
            }
            if !self.enqueued.is_empty() {
                insert_jobs(&mut connection, &self.enqueued, self.job_max_attempts)
                    .await
                    .map_err(query_error)?;
            }
        }
        let Self {
            transaction,
            raised,
            ..
        } = self;
        transaction.commit().await?;
        Ok(raised)
    }
}

use folio_domain::DomainEvent;

use super::{
    ArticleRepository, AuditLog, CommentRepository, NewJob, NotificationRepository, PortError,
    ProfileRepository, SessionRepository, UploadRepository, UserRepository,
};

/// Runs a use case's writes in one transaction: the change, its audit rows and the
/// events it raises commit together or not at all.
pub trait UnitOfWork: Send + Sync + 'static {
    type Work<'a>: Work
    where
        Self: 'a;

    async fn begin(&self) -> Result<Self::Work<'_>, PortError>;
}

/// One open transaction. The repositories it hands out run in it; dropping it
/// without [`Work::commit`] rolls everything back.
pub trait Work: Send {
    type Users: UserRepository;
    type Sessions: SessionRepository;
    type Profiles: ProfileRepository;
    type Articles: ArticleRepository;
    type Comments: CommentRepository;
    type Audit: AuditLog;
    type Uploads: UploadRepository;
    type Notifications: NotificationRepository;

    fn users(&self) -> &Self::Users;
    fn sessions(&self) -> &Self::Sessions;
    fn profiles(&self) -> &Self::Profiles;
    fn articles(&self) -> &Self::Articles;
    fn comments(&self) -> &Self::Comments;
    /// Audit rows written here cannot go missing once the change is committed.
    fn audit(&self) -> &Self::Audit;
    fn uploads(&self) -> &Self::Uploads;
    fn notifications(&self) -> &Self::Notifications;

    /// Records that `event` happened; it is written to the outbox at commit.
    fn raise(&mut self, event: DomainEvent);

    /// Records a job to run once the change is committed; it is written to the job
    /// queue at commit, so a change that rolls back never runs its jobs.
    fn enqueue(&mut self, job: NewJob);

    /// Writes the raised events to the outbox and the enqueued jobs to the job
    /// queue, and commits. Returns the events, for the writer to apply to its own
    /// state before it answers.
    async fn commit(self) -> Result<Vec<DomainEvent>, PortError>;
}

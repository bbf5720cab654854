//! The unit of work of the mock ports: it hands out the same mocks, so expectations
//! hold whether a use case calls a repository inside a transaction or outside one,
//! and it records what each commit would have written to the outbox and the job
//! queue.

use folio_domain::DomainEvent;

use super::{
    MemoryUploads, MockArticleRepository, MockCommentRepository, MockNotificationRepository,
    MockPorts, MockProfileRepository, MockSessionRepository, MockUserRepository, RecordingAuditLog,
};
use crate::ports::{NewJob, PortError, UnitOfWork, Work};

/// What the test's transactions did.
#[derive(Default)]
pub struct Transactions {
    /// The events of each committed transaction, in commit order.
    pub committed: std::sync::Mutex<Vec<Vec<DomainEvent>>>,
    /// The jobs each committed transaction enqueued, in commit order.
    pub committed_jobs: std::sync::Mutex<Vec<Vec<NewJob>>>,
    /// How many transactions were begun.
    pub begun: std::sync::atomic::AtomicUsize,
    /// Commits fail, as when the connection is lost at that moment.
    pub fail_commits: bool,
}

impl Transactions {
    /// How many transactions committed.
    pub fn commits(&self) -> usize {
        self.committed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Every event committed so far, in order.
    pub fn events(&self) -> Vec<DomainEvent> {
        every_item(&self.committed)
    }

    /// Every job committed so far, in order.
    pub fn jobs(&self) -> Vec<NewJob> {
        every_item(&self.committed_jobs)
    }
}

/// The items of every commit, in order.
fn every_item<T: Clone>(per_commit: &std::sync::Mutex<Vec<Vec<T>>>) -> Vec<T> {
    per_commit
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .flatten()
        .cloned()
        .collect()
}

pub struct MockWork<'a> {
    ports: &'a MockPorts,
    raised: Vec<DomainEvent>,
    enqueued: Vec<NewJob>,
}

impl UnitOfWork for MockPorts {
    type Work<'a> = MockWork<'a>;

    async fn begin(&self) -> Result<MockWork<'_>, PortError> {
        self.transactions
            .begun
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(MockWork {
            ports: self,
            raised: Vec::new(),
            enqueued: Vec::new(),
        })
    }
}

impl Work for MockWork<'_> {
    type Users = MockUserRepository;
    type Sessions = MockSessionRepository;
    type Profiles = MockProfileRepository;
    type Articles = MockArticleRepository;
    type Comments = MockCommentRepository;
    type Audit = RecordingAuditLog;
    type Uploads = MemoryUploads;
    type Notifications = MockNotificationRepository;

    fn users(&self) -> &Self::Users {
        &self.ports.users
    }
    fn sessions(&self) -> &Self::Sessions {
        &self.ports.sessions
    }
    fn profiles(&self) -> &Self::Profiles {
        &self.ports.profiles
    }
    fn articles(&self) -> &Self::Articles {
        &self.ports.articles
    }
    fn comments(&self) -> &Self::Comments {
        &self.ports.comments
    }
    fn audit(&self) -> &Self::Audit {
        &self.ports.audit
    }
    fn uploads(&self) -> &Self::Uploads {
        &self.ports.uploads
    }
    fn notifications(&self) -> &Self::Notifications {
        &self.ports.notifications
    }

    fn raise(&mut self, event: DomainEvent) {
        self.raised.push(event);
    }

    fn enqueue(&mut self, job: NewJob) {
        self.enqueued.push(job);
    }

    async fn commit(self) -> Result<Vec<DomainEvent>, PortError> {
        if self.ports.transactions.fail_commits {
            return Err(super::unavailable());
        }
        self.ports
            .transactions
            .committed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(self.raised.clone());
        self.ports
            .transactions
            .committed_jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(self.enqueued);
        Ok(self.raised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_commit_records_the_jobs_its_work_enqueued_and_a_rollback_none() {
        let ports = MockPorts::new();
        let mut committed = ports.begin().await.unwrap();
        committed.enqueue(NewJob::new("mail.send").field("to", "jake"));
        committed.commit().await.unwrap();
        let mut dropped = ports.begin().await.unwrap();
        dropped.enqueue(NewJob::new("mail.send").field("to", "bob"));
        drop(dropped);

        assert_eq!(
            ports.transactions.jobs(),
            [NewJob::new("mail.send").field("to", "jake")]
        );
    }
}

//! The unit of work of the mock ports: it hands out the same mocks, so expectations
//! hold whether a use case calls a repository inside a transaction or outside one,
//! and it records what each commit would have written to the outbox.

use folio_domain::DomainEvent;

use super::{
    MockArticleRepository, MockCommentRepository, MockPorts, MockProfileRepository,
    MockSessionRepository, MockUserRepository, RecordingAuditLog,
};
use crate::ports::{PortError, UnitOfWork, Work};

/// What the test's transactions did.
#[derive(Default)]
pub struct Transactions {
    /// The events of each committed transaction, in commit order.
    pub committed: std::sync::Mutex<Vec<Vec<DomainEvent>>>,
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
        self.committed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .flatten()
            .cloned()
            .collect()
    }
}

pub struct MockWork<'a> {
    ports: &'a MockPorts,
    raised: Vec<DomainEvent>,
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

    fn raise(&mut self, event: DomainEvent) {
        self.raised.push(event);
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
        Ok(self.raised)
    }
}

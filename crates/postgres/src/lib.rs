//! PostgreSQL: the pool, migrations, and one repository per port.

mod article_listing;
mod articles;
mod audit;
mod comment_insert;
mod comments;
mod errors;
mod feed_page;
mod fields;
mod instrumentation;
mod job_rows;
mod jobs;
mod migrations;
mod outbox;
mod pool;
mod pooled_connection;
mod profiles;
mod rows;
pub mod schema;
mod sessions;
mod source;
mod tag_links;
mod transaction;
mod unit_of_work;
mod users;

pub use articles::PgArticleRepository;
pub use audit::PgAuditLog;
pub use comments::PgCommentRepository;
pub use errors::DatabaseError;
pub use jobs::PgJobQueue;
pub use migrations::{MIGRATIONS, ensure_database_exists, revert_all_migrations, run_migrations};
pub use outbox::{PgOutboxLease, PgOutboxStore};
pub use pool::{Database, DatabaseSettings, PoolStatus};
pub use profiles::PgProfileRepository;
pub use sessions::PgSessionRepository;
pub use unit_of_work::{PgUnitOfWork, PgWork};
pub use users::PgUserRepository;

//! Folio's domain: the types that make invalid states unrepresentable and the rules
//! that decide who may do what. No framework, runtime, database or serialization here.

pub mod article;
pub mod audit;
pub mod comment;
pub mod common_passwords;
pub mod event;
pub mod ids;
pub mod invalid;
pub mod notification;
pub mod policy;
pub mod profile;
pub mod role;
pub mod tag;
pub mod upload;
pub mod user;

pub use article::{Article, ArticleBody, ArticleDescription, ArticleTitle, Slug};
pub use audit::{AuditEventType, AuditOutcome};
pub use comment::{Comment, CommentBody};
pub use common_passwords::is_common_password;
pub use event::DomainEvent;
pub use ids::{ArticleId, CommentId, SessionId, UploadId, UserId};
pub use invalid::InvalidValue;
pub use notification::{Notice, NotificationId, NotificationKind, Recipient, notice_for};
pub use policy::{Actor, Permission};
pub use profile::Profile;
pub use role::Role;
pub use tag::{TagList, TagName};
pub use upload::{
    ContentHash, FILES_PATH, FileReference, ImageReference, ImageType, OriginalName, StorageKey,
    Upload, UploadLimits, UploadPurpose, UploadStatus, Variant, file_url, referenced_stems,
};
pub use user::{Bio, Email, ImageUrl, Password, PasswordHash, User, Username, UsernameKey};

/// Every timestamp in Folio is UTC.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

//! The ports: everything a use case needs from the outside world, as traits.
//! Adapters (PostgreSQL, Redis, argon2, ...) implement them; unit tests mock them.

mod articles;
mod audit;
mod channels;
mod comments;
mod content_cache;
mod error;
mod event_feed;
mod jobs;
mod notifications;
mod outbox;
mod profiles;
mod rate_limits;
mod search;
mod search_log;
mod security;
mod sessions;
mod unit_of_work;
mod uploads;
mod users;

pub use articles::{
    ArticleChanges, ArticleFilter, ArticlePage, ArticleQuery, ArticleRepository, NewArticle,
    ViewerFacts,
};
pub use audit::{AuditEntry, AuditLog, AuditQuery, AuditRecord};
pub use channels::{ChannelAppend, ChannelStream, Replay, SocketSeats};
pub use comments::{CommentPosition, CommentRepository, NewComment};
pub use content_cache::{CacheOf, ContentCache, Lookup, SharedVersions};
pub use error::{Conflict, PortError};
pub use event_feed::{DeliveredEvent, EventFeed};
pub use jobs::{Job, JobClaim, JobFailure, JobId, JobQueue, JobState, NewJob, QueueDepth};
pub use notifications::{
    CreatedNotification, NewNotification, Notification, NotificationActor, NotificationArticle,
    NotificationRepository, NotificationRetention, ReadSelection,
};
pub use outbox::{Backlog, EventStream, OutboxEvent, OutboxLag, OutboxLease, OutboxStore};
pub use profiles::ProfileRepository;
pub use rate_limits::{Bucket, RateKey, RateLimiter, Usage, Window};
pub use search::{
    FACET_VALUES, FacetCount, Facets, HighlightSegment, Highlighted, PrefixWord, SearchFilters,
    SearchHit, SearchIndex, SearchPosition, SearchQuery, SearchResults, SearchSort, SearchText,
};
pub use search_log::{
    QueryCount, SearchDay, SearchInsights, SearchInsightsSource, SearchLogWriter, SearchRecord,
};
pub use security::{Clock, IssuedToken, PasswordHasher, TokenHash, TokenIssuer};
pub use sessions::{
    CachedSession, Fence, NewSession, RevokedSession, SessionCache, SessionRecord,
    SessionRepository, SessionRetention, StoredSession,
};
pub use unit_of_work::{UnitOfWork, Work};
pub use uploads::{
    BlobContent, BlobStorage, ByteRange, DirectLink, ImageCodec, ImageRejection, PreparedImage,
    StoredBlob, UploadRepository, UploadRetention, UploadSettlement, Variants,
};
pub use users::{NewUser, UserChanges, UserRepository};

#[cfg(test)]
pub use {
    articles::MockArticleRepository, audit::MockAuditLog, comments::MockCommentRepository,
    notifications::MockNotificationRepository, profiles::MockProfileRepository,
    rate_limits::MockRateLimiter, search::MockSearchIndex, search_log::MockSearchInsightsSource,
    security::MockClock, security::MockPasswordHasher, security::MockTokenIssuer,
    sessions::MockSessionRepository, users::MockUserRepository,
};

/// The full set of adapters a [`crate::Folio`] runs on, bundled so that use cases
/// stay generic over one parameter instead of twelve.
pub trait Ports: Send + Sync + 'static {
    type Users: UserRepository;
    type Sessions: SessionRepository;
    type Profiles: ProfileRepository;
    type Articles: ArticleRepository;
    type Comments: CommentRepository;
    type Hasher: PasswordHasher;
    type Tokens: TokenIssuer;
    type Clock: Clock;
    type Audit: AuditLog;
    type Limiter: RateLimiter;
    type SessionCache: SessionCache;
    type ContentCache: ContentCache;
    type UnitOfWork: UnitOfWork;
    type Search: SearchIndex;
    type SearchInsights: SearchInsightsSource;
    type Uploads: UploadRepository;
    type Blobs: BlobStorage;
    type Images: ImageCodec;
    type Notifications: NotificationRepository;

    fn users(&self) -> &Self::Users;
    fn sessions(&self) -> &Self::Sessions;
    fn profiles(&self) -> &Self::Profiles;
    fn articles(&self) -> &Self::Articles;
    fn comments(&self) -> &Self::Comments;
    fn hasher(&self) -> &Self::Hasher;
    fn tokens(&self) -> &Self::Tokens;
    fn clock(&self) -> &Self::Clock;
    fn audit(&self) -> &Self::Audit;
    fn limiter(&self) -> &Self::Limiter;
    fn session_cache(&self) -> &Self::SessionCache;
    fn content_cache(&self) -> &Self::ContentCache;
    fn unit_of_work(&self) -> &Self::UnitOfWork;
    fn search(&self) -> &Self::Search;
    fn search_insights(&self) -> &Self::SearchInsights;
    fn uploads(&self) -> &Self::Uploads;
    fn blobs(&self) -> &Self::Blobs;
    fn images(&self) -> &Self::Images;
    fn notifications(&self) -> &Self::Notifications;
}

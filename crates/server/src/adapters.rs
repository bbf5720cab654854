use folio_application::Ports;
use folio_application::doorbell::Doorbell;

use folio_images::ImageRsCodec;
use folio_postgres::{
    Database, PgArticleRepository, PgAuditLog, PgCommentRepository, PgNotificationRepository,
    PgProfileRepository, PgSearchIndex, PgSearchLog, PgSessionRepository, PgUnitOfWork,
    PgUploadRepository, PgUserRepository,
};
use folio_redis::{RedisContentCache, RedisRateLimiter, RedisSessionCache, RedisStore};
use folio_security::{Argon2Hasher, OpaqueTokens};
use folio_storage::LocalBlobStorage;

use crate::blob_storage::ConfiguredBlobStorage;

use crate::clock::SystemClock;
use crate::config::DEFAULT_STORAGE_DIR;

/// The production adapters, bundled for `Folio`: PostgreSQL for what must last,
/// Redis for shared counters and the caches.
pub struct Adapters {
    users: PgUserRepository,
    sessions: PgSessionRepository,
    profiles: PgProfileRepository,
    articles: PgArticleRepository,
    comments: PgCommentRepository,
    hasher: Argon2Hasher,
    tokens: OpaqueTokens,
    clock: SystemClock,
    audit: PgAuditLog,
    limiter: RedisRateLimiter,
    session_cache: RedisSessionCache,
    content_cache: RedisContentCache,
    unit_of_work: PgUnitOfWork,
    search: PgSearchIndex,
    search_insights: PgSearchLog,
    uploads: PgUploadRepository,
    blobs: ConfiguredBlobStorage,
    images: ImageRsCodec,
    notifications: PgNotificationRepository,
}

impl Adapters {
    /// `job_max_attempts`: the attempts of a job enqueued without its own;
    /// `search_language`: the text search configuration the documents are built with.
    pub fn new(
        db: Database,
        redis: RedisStore,
        job_max_attempts: u32,
        search_language: String,
    ) -> Self {
        Self {
            search: PgSearchIndex::new(db.clone(), search_language),
            search_insights: PgSearchLog::new(db.clone()),
            uploads: PgUploadRepository::new(db.clone()),
            notifications: PgNotificationRepository::new(db.clone()),
            blobs: ConfiguredBlobStorage::Local(LocalBlobStorage::new(DEFAULT_STORAGE_DIR)),
            images: ImageRsCodec::per_core(),
            users: PgUserRepository::new(db.clone()),
            sessions: PgSessionRepository::new(db.clone()),
            profiles: PgProfileRepository::new(db.clone()),
            articles: PgArticleRepository::new(db.clone()),
            comments: PgCommentRepository::new(db.clone()),
            audit: PgAuditLog::new(db.clone()),
            unit_of_work: PgUnitOfWork::new(db, job_max_attempts),
            limiter: RedisRateLimiter::new(redis.clone()),
            session_cache: RedisSessionCache::new(redis.clone()),
            content_cache: RedisContentCache::new(redis),
            hasher: Argon2Hasher::new(),
            tokens: OpaqueTokens,
            clock: SystemClock,
        }
    }
}

impl Adapters {
    /// Rings `commits` after each commit that wrote events.
    pub fn ringing_on_commit(mut self, commits: Doorbell) -> Self {
        self.unit_of_work = self.unit_of_work.ringing(commits);
        self
    }

    /// Keeps uploaded files in `storage` instead of the default directory.
    pub fn with_blob_storage(mut self, storage: ConfiguredBlobStorage) -> Self {
        self.blobs = storage;
        self
    }

    /// One-off preparation before serving (see [`Argon2Hasher::warm_up`]), and the
    /// start of background work that serving relies on.
    pub async fn warm_up(&self) -> Result<(), folio_application::ports::PortError> {
        self.content_cache.follow_invalidations();
        self.session_cache.retry_pending_forgets();
        self.hasher.warm_up().await
    }
}

impl Ports for Adapters {
    type Users = PgUserRepository;
    type Sessions = PgSessionRepository;
    type Profiles = PgProfileRepository;
    type Articles = PgArticleRepository;
    type Comments = PgCommentRepository;
    type Hasher = Argon2Hasher;
    type Tokens = OpaqueTokens;
    type Clock = SystemClock;
    type Audit = PgAuditLog;
    type Limiter = RedisRateLimiter;
    type SessionCache = RedisSessionCache;
    type ContentCache = RedisContentCache;
    type UnitOfWork = PgUnitOfWork;
    type Search = PgSearchIndex;
    type SearchInsights = PgSearchLog;
    type Uploads = PgUploadRepository;
    type Blobs = ConfiguredBlobStorage;
    type Images = ImageRsCodec;
    type Notifications = PgNotificationRepository;

    fn users(&self) -> &Self::Users {
        &self.users
    }
    fn sessions(&self) -> &Self::Sessions {
        &self.sessions
    }
    fn profiles(&self) -> &Self::Profiles {
        &self.profiles
    }
    fn articles(&self) -> &Self::Articles {
        &self.articles
    }
    fn comments(&self) -> &Self::Comments {
        &self.comments
    }
    fn hasher(&self) -> &Self::Hasher {
        &self.hasher
    }
    fn tokens(&self) -> &Self::Tokens {
        &self.tokens
    }
    fn clock(&self) -> &Self::Clock {
        &self.clock
    }
    fn audit(&self) -> &Self::Audit {
        &self.audit
    }
    fn limiter(&self) -> &Self::Limiter {
        &self.limiter
    }
    fn session_cache(&self) -> &Self::SessionCache {
        &self.session_cache
    }
    fn content_cache(&self) -> &Self::ContentCache {
        &self.content_cache
    }
    fn unit_of_work(&self) -> &Self::UnitOfWork {
        &self.unit_of_work
    }
    fn search(&self) -> &Self::Search {
        &self.search
    }
    fn search_insights(&self) -> &Self::SearchInsights {
        &self.search_insights
    }
    fn uploads(&self) -> &Self::Uploads {
        &self.uploads
    }
    fn blobs(&self) -> &Self::Blobs {
        &self.blobs
    }
    fn images(&self) -> &Self::Images {
        &self.images
    }
    fn notifications(&self) -> &Self::Notifications {
        &self.notifications
    }
}

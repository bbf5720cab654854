//! Mock ports for use-case unit tests (the `#[automock]` mocks of `ports`), and
//! small builders for domain fixtures.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::DateTime;
use folio_domain::{
    Actor, Article, ArticleBody, ArticleDescription, ArticleId, ArticleTitle, Comment, CommentBody,
    CommentId, Email, PasswordHash, Profile, Role, SessionId, Slug, TagList, Timestamp, User,
    UserId, Username,
};

use crate::ports::{
    ArticleChanges, AuditEntry, AuditLog, AuditQuery, AuditRecord, CachedSession, Fence,
    IssuedToken, MockArticleRepository, MockClock, MockCommentRepository,
    MockNotificationRepository, MockPasswordHasher, MockProfileRepository, MockRateLimiter,
    MockSearchIndex, MockSearchInsightsSource, MockSessionRepository, MockTokenIssuer,
    MockUserRepository, NewArticle, PortError, Ports, RevokedSession, SessionCache, StoredSession,
    TokenHash, ViewerFacts,
};
use crate::views::Authenticated;

mod content_cache;
mod unit_of_work;
mod uploads;
use crate::{AppError, ContentCachePolicy, Folio, RateLimits, SessionPolicy};
pub use content_cache::MemoryContentCache;
pub use unit_of_work::Transactions;
pub use uploads::{MemoryBlobs, MemoryUploads, ScriptedImages};

/// One mock per port. Set expectations on the fields, then hand it to [`folio`].
/// A call nobody expected panics, which is how tests say "and nothing else happens".
#[derive(Default)]
pub struct MockPorts {
    pub users: MockUserRepository,
    pub sessions: MockSessionRepository,
    pub profiles: MockProfileRepository,
    pub articles: MockArticleRepository,
    pub comments: MockCommentRepository,
    pub hasher: MockPasswordHasher,
    pub tokens: MockTokenIssuer,
    pub clock: MockClock,
    pub audit: RecordingAuditLog,
    pub limiter: MockRateLimiter,
    pub session_cache: MemorySessionCache,
    pub content_cache: MemoryContentCache,
    pub transactions: Transactions,
    pub search: MockSearchIndex,
    pub search_insights: MockSearchInsightsSource,
    pub uploads: MemoryUploads,
    pub blobs: MemoryBlobs,
    pub images: ScriptedImages,
    pub notifications: MockNotificationRepository,
}

/// The session cache as a map with fences, recording what was forgotten.
#[derive(Default)]
pub struct MemorySessionCache {
    pub entries: Mutex<std::collections::HashMap<Vec<u8>, StoredSession>>,
    /// Shared, so a test can move a fence while a use case is in the middle of a lookup.
    pub fences: Arc<Mutex<std::collections::HashMap<Vec<u8>, u64>>>,
    pub forgotten: Captured<TokenHash>,
    /// Every call fails, as with Redis down.
    pub down: bool,
}

impl MemorySessionCache {
    fn fence_of(&self, hash: &TokenHash) -> u64 {
        self.fences
            .lock()
            .unwrap()
            .get(&hash.0)
            .copied()
            .unwrap_or(0)
    }
}

impl SessionCache for MemorySessionCache {
    async fn get(&self, token_hash: &TokenHash) -> Result<CachedSession, PortError> {
        if self.down {
            return Err(unavailable());
        }
        Ok(CachedSession {
            session: self.entries.lock().unwrap().get(&token_hash.0).cloned(),
            fence: Fence(self.fence_of(token_hash)),
        })
    }

    async fn put(
        &self,
        token_hash: &TokenHash,
        session: &StoredSession,
        fence: Fence,
        _ttl: std::time::Duration,
    ) -> Result<bool, PortError> {
        if self.down {
            return Err(unavailable());
        }
        if self.fence_of(token_hash) != fence.0 {
            return Ok(false);
        }
        self.entries
            .lock()
            .unwrap()
            .insert(token_hash.0.clone(), session.clone());
        Ok(true)
    }

    async fn forget(&self, token_hashes: &[TokenHash]) -> Result<(), PortError> {
        if self.down {
            return Err(unavailable());
        }
        let mut entries = self.entries.lock().unwrap();
        let mut fences = self.fences.lock().unwrap();
        for hash in token_hashes {
            entries.remove(&hash.0);
            *fences.entry(hash.0.clone()).or_default() += 1;
            self.forgotten.lock().unwrap().push(hash.clone());
        }
        Ok(())
    }
}

/// The audit log as a recorder rather than a mock: every use case that matters
/// writes events, and tests assert on what was written instead of scripting it.
#[derive(Default)]
pub struct RecordingAuditLog {
    pub records: Captured<AuditRecord>,
    pub queries: Captured<AuditQuery>,
    /// What `list` answers (all of it, whatever the query).
    pub stored: Vec<AuditEntry>,
    /// Every write fails, as when the audit table refuses a row.
    pub failing: bool,
}

impl RecordingAuditLog {
    /// The event types recorded so far, in order.
    pub fn event_types(&self) -> Vec<folio_domain::AuditEventType> {
        self.records
            .lock()
            .unwrap()
            .iter()
            .map(|record| record.event_type)
            .collect()
    }

    pub fn recorded(&self) -> Vec<AuditRecord> {
        self.records.lock().unwrap().clone()
    }
}

impl AuditLog for RecordingAuditLog {
    async fn record(&self, record: AuditRecord) -> Result<(), PortError> {
        if self.failing {
            return Err(unavailable());
        }
        self.records.lock().unwrap().push(record);
        Ok(())
    }

    async fn list(&self, query: AuditQuery) -> Result<Vec<AuditEntry>, PortError> {
        self.queries.lock().unwrap().push(query);
        Ok(self.stored.clone())
    }
}

impl Ports for MockPorts {
    type Users = MockUserRepository;
    type Sessions = MockSessionRepository;
    type Profiles = MockProfileRepository;
    type Articles = MockArticleRepository;
    type Comments = MockCommentRepository;
    type Hasher = MockPasswordHasher;
    type Tokens = MockTokenIssuer;
    type Clock = MockClock;
    type Audit = RecordingAuditLog;
    type Limiter = MockRateLimiter;
    type SessionCache = MemorySessionCache;
    type ContentCache = MemoryContentCache;
    type UnitOfWork = Self;
    type Search = MockSearchIndex;
    type SearchInsights = MockSearchInsightsSource;
    type Uploads = MemoryUploads;
    type Blobs = MemoryBlobs;
    type Images = ScriptedImages;
    type Notifications = MockNotificationRepository;

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
        self
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

impl MockPorts {
    pub fn new() -> Self {
        Self::default()
    }

    /// The clock reads `now` however often it is asked.
    pub fn clock_at(&mut self, now: Timestamp) -> &mut Self {
        self.clock.expect_now().return_const(now);
        self
    }

    /// `TokenIssuer::issue` is called exactly once and returns `token` with `hash`.
    pub fn issues_token(&mut self, token: &str, hash: &[u8]) -> &mut Self {
        let issued = IssuedToken {
            token: token.to_owned(),
            hash: TokenHash(hash.to_vec()),
        };
        self.tokens
            .expect_issue()
            .times(1)
            .returning(move || Ok(issued.clone()));
        self
    }

    /// `find_by_slug` finds `article` under its own slug (any number of times).
    pub fn finds_article(&mut self, article: &Article) -> &mut Self {
        let slug = article.slug.clone();
        let found = article.clone();
        self.articles
            .expect_find_by_slug()
            .withf(move |asked| *asked == slug)
            .returning(move |_| Ok(Some(found.clone())));
        self
    }

    /// `find_by_slug` finds nothing, whatever the slug.
    pub fn finds_no_article(&mut self) -> &mut Self {
        self.articles.expect_find_by_slug().returning(|_| Ok(None));
        self
    }

    /// `viewer_facts` answers "nothing favorited, nobody followed", at most `times` times.
    pub fn no_viewer_facts(&mut self, times: usize) -> &mut Self {
        self.articles
            .expect_viewer_facts()
            .times(times)
            .returning(|_, _, _| Ok(ViewerFacts::default()));
        self
    }
}

/// `n` distinct token hashes, as a listing of unrevoked sessions would return them.
pub fn hashes(n: u8) -> Vec<TokenHash> {
    (0..n).map(|i| TokenHash(vec![i; 32])).collect()
}

/// `n` distinct sessions, as a revocation would return them; their token hashes
/// are [`hashes`]`(n)`.
pub fn revoked_sessions(n: u8) -> Vec<RevokedSession> {
    hashes(n)
        .into_iter()
        .map(|token_hash| revoked_session(SessionId::generate(), token_hash.0))
        .collect()
}

/// The ids of `revoked`, as the event of their revocation lists them.
pub fn session_ids(revoked: &[RevokedSession]) -> Vec<SessionId> {
    revoked.iter().map(|session| session.id).collect()
}

/// The revoked session `id`, whose token hashes to `hash`.
pub fn revoked_session(id: SessionId, hash: impl Into<Vec<u8>>) -> RevokedSession {
    RevokedSession {
        id,
        token_hash: TokenHash(hash.into()),
    }
}

/// The application on mocked ports, with the default session policy, no session or
/// content cache and rate limits off (the tests of those turn them on).
pub fn folio(ports: MockPorts) -> Folio<MockPorts> {
    folio_with(ports, SessionPolicy::default())
}

/// The application on mocked ports with the session cache on (the default policy)
/// and rate limits off.
pub fn folio_caching_sessions(ports: MockPorts) -> Folio<MockPorts> {
    Folio::new(ports, SessionPolicy::default()).with_rate_limits(RateLimits {
        enabled: false,
        ..RateLimits::default()
    })
}

/// Asserts that a change whose audit row could not be written failed as a whole:
/// the error reached the caller, nothing committed (no event either), no row was
/// written and no cached session was forgotten, since none changed.
#[track_caller]
pub fn assert_nothing_committed<T: std::fmt::Debug>(
    folio: &Folio<MockPorts>,
    result: Result<T, AppError>,
) {
    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
    assert_eq!(folio.ports().transactions.commits(), 0);
    assert!(folio.ports().audit.recorded().is_empty());
    assert!(taken(&folio.ports().session_cache.forgotten).is_empty());
}

/// The application on mocked ports, with a given session policy.
pub fn folio_with(ports: MockPorts, policy: SessionPolicy) -> Folio<MockPorts> {
    let policy = SessionPolicy {
        cache_ttl: std::time::Duration::ZERO,
        ..policy
    };
    Folio::new(ports, policy)
        .with_rate_limits(RateLimits {
            enabled: false,
            ..RateLimits::default()
        })
        .with_content_cache(ContentCachePolicy { enabled: false })
}

/// A list that a `withf`/`returning` closure can push the arguments it saw into.
pub type Captured<T> = Arc<Mutex<Vec<T>>>;

pub fn captured<T>() -> Captured<T> {
    Arc::new(Mutex::new(Vec::new()))
}

/// Takes what a closure captured.
pub fn taken<T>(captured: &Captured<T>) -> Vec<T> {
    std::mem::take(&mut *captured.lock().unwrap())
}

/// The fixed "now" of every test: 2024-05-01T12:00:00Z.
/// `job` as a worker holds it: claimed once, running.
pub fn running_job(job: crate::ports::NewJob) -> crate::ports::Job {
    crate::ports::Job {
        id: crate::ports::JobId::new(1),
        kind: job.kind.to_owned(),
        payload: job
            .payload
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
        state: crate::ports::JobState::Running,
        attempts: 1,
        max_attempts: 5,
        run_at: now(),
        locked_until: Some(now()),
        last_error: None,
        created_at: now(),
        updated_at: now(),
    }
}

pub fn now() -> Timestamp {
    DateTime::from_timestamp(1_714_564_800, 0).unwrap()
}

pub fn user(name: &str) -> User {
    user_with_role(name, Role::Member)
}

pub fn user_with_role(name: &str, role: Role) -> User {
    User {
        id: UserId::generate(),
        username: Username::parse(name).unwrap(),
        email: Email::parse(&format!("{name}@example.com")).unwrap(),
        bio: None,
        image: None,
        role,
        suspended_at: None,
        created_at: now(),
        updated_at: now(),
    }
}

pub fn profile_of(user: &User) -> Profile {
    Profile {
        user_id: user.id,
        username: user.username.clone(),
        bio: user.bio.clone(),
        image: user.image.clone(),
    }
}

pub fn profile(name: &str) -> Profile {
    profile_of(&user(name))
}

/// A member acting for `profile`'s user.
pub fn actor_for(profile: &Profile) -> Actor {
    Actor::new(profile.user_id, Role::Member)
}

pub fn authenticated(user: &User) -> Authenticated {
    Authenticated {
        user: user.clone(),
        session_id: SessionId::generate(),
        expires_at: now() + chrono::Duration::days(14),
    }
}

pub fn password_hash(encoded: &str) -> PasswordHash {
    PasswordHash::from_encoded(encoded.to_owned())
}

/// A stored, unrevoked session of `user` created an hour before `last_seen_at`,
/// with the default 90-day absolute lifetime.
pub fn active_session(user: &User, last_seen_at: Timestamp) -> StoredSession {
    let created_at = last_seen_at - chrono::Duration::hours(1);
    StoredSession {
        id: SessionId::generate(),
        user: user.clone(),
        created_at,
        last_seen_at,
        expires_at: created_at + chrono::Duration::days(90),
        revoked_at: None,
    }
}

/// A stored article by `author`, its slug derived from `title`.
pub fn article_by(author: &Profile, title: &str) -> Article {
    let title = ArticleTitle::parse(title).unwrap();
    Article {
        id: ArticleId::generate(),
        slug: Slug::from_title(&title),
        title,
        description: ArticleDescription::parse("A description").unwrap(),
        body: ArticleBody::parse("Some body text").unwrap(),
        tags: TagList::parse(&["rust"]).unwrap(),
        image: None,
        author: author.clone(),
        favorites_count: 0,
        created_at: now(),
        updated_at: now(),
    }
}

/// The article the repository would return for `new`, written by `author`.
pub fn stored_article(new: &NewArticle, author: &Profile) -> Article {
    Article {
        id: new.id,
        slug: new.slug.clone(),
        title: new.title.clone(),
        description: new.description.clone(),
        body: new.body.clone(),
        tags: new.tags.clone(),
        image: new.image.clone(),
        author: author.clone(),
        favorites_count: 0,
        created_at: new.created_at,
        updated_at: new.created_at,
    }
}

/// `article` with `changes` applied, as the repository would return it.
pub fn changed_article(article: &Article, changes: &ArticleChanges) -> Article {
    let mut updated = article.clone();
    if let Some(slug) = &changes.slug {
        updated.slug = slug.clone();
    }
    if let Some(title) = &changes.title {
        updated.title = title.clone();
    }
    if let Some(description) = &changes.description {
        updated.description = description.clone();
    }
    if let Some(body) = &changes.body {
        updated.body = body.clone();
    }
    if let Some(tags) = &changes.tags {
        updated.tags = tags.clone();
    }
    if let Some(image) = &changes.image {
        updated.image = image.clone();
    }
    if let Some(updated_at) = changes.updated_at {
        updated.updated_at = updated_at;
    }
    updated
}

pub fn comment_on(article: &Article, author: &Profile, id: i64, body: &str) -> Comment {
    Comment {
        id: CommentId::new(id),
        article_id: article.id,
        body: CommentBody::parse(body).unwrap(),
        author: author.clone(),
        created_at: now(),
        updated_at: now(),
    }
}

/// The field errors of an `AppError::Invalid`; panics on anything else.
#[track_caller]
pub fn invalid_fields<T: std::fmt::Debug>(
    result: Result<T, AppError>,
) -> BTreeMap<String, Vec<String>> {
    match result {
        Err(AppError::Invalid(errors)) => errors.fields().clone(),
        other => panic!("expected AppError::Invalid, got {other:?}"),
    }
}

/// The names of the fields in `errors`, sorted.
pub fn field_names(errors: &BTreeMap<String, Vec<String>>) -> Vec<&str> {
    errors.keys().map(String::as_str).collect()
}

/// A `PortError::Unavailable` as an adapter would report a dead database.
pub fn unavailable() -> PortError {
    PortError::unavailable(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "connection timed out",
    ))
}

/// A `PortError::Other` as an adapter would report an unexpected failure.
pub fn broken() -> PortError {
    PortError::other(std::io::Error::other("something broke"))
}

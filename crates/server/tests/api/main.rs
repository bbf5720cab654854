//! Black-box tests: the real server on a random port, against real PostgreSQL and
//! Redis, one fresh database (cloned from a migrated template) per test.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is how a test fails; helpers outside #[test] functions count too"
)]
#![expect(
    clippy::indexing_slicing,
    reason = "responses are read as `body[\"user\"][\"token\"]`: indexing a serde_json::Value \
              never panics (a missing key is Null); elsewhere a panic is how a test fails"
)]

mod support;

mod admin;
mod articles;
mod auth;
mod bounded_reads;
mod comment_pages;
mod comments;
mod content_cache;
mod errors;
mod event_feed;
mod http_caching;
mod job_restart;
mod jobs;
mod layering;
mod listing;
mod local_cache;
mod metrics;
mod notifications;
mod operations;
mod outbox;
mod outbox_accounts;
mod outbox_order;
mod profiles;
mod rate_limits;
mod realtime;
mod realtime_expiry;
mod realtime_feed;
mod realtime_instances;
mod realtime_limits;
mod realtime_uploads;
mod realtime_wakeups;
mod s3_storage;
mod search;
mod search_insights;
mod session_cache;
mod session_forgets;
mod sessions;
mod shutdown;
mod smoke;
mod stale_after_outage;
mod startup;
mod stored_counts;
mod tags;
mod upload_attachments;
mod upload_cleanup;
mod uploaded_files;
mod uploads;
mod username_keys;
mod users;

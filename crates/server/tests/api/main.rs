//! Black-box tests: the real server on a random port, against real PostgreSQL and
//! Redis, one fresh database (cloned from a migrated template) per test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod admin;
mod articles;
mod auth;
mod bounded_reads;
mod comment_pages;
mod comments;
mod content_cache;
mod errors;
mod http_caching;
mod layering;
mod listing;
mod local_cache;
mod metrics;
mod operations;
mod outbox;
mod profiles;
mod rate_limits;
mod session_cache;
mod session_forgets;
mod sessions;
mod smoke;
mod startup;
mod stored_counts;
mod tags;
mod username_keys;
mod users;

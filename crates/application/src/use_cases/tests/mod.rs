//! Unit tests of the use cases against mocked ports (see `crate::test_support`).
//! One file per area; a call to a port that a test did not expect panics, so every
//! test also asserts "and no other port was touched".

mod accounts;
mod admin;
mod articles;
mod comments;
mod content_cache;
mod profiles;
mod rate_limits;
mod search;
mod session_cache;
mod sessions;
mod token_lookups;
mod upload_attachments;
mod uploads;

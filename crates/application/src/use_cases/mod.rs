//! One file per area; each public method of `Folio` is one user intent.

pub mod accounts;
pub mod admin;
pub mod articles;
pub mod audit;
mod cache_consumer;
mod comment_cursor;
pub mod comments;
mod cursor_seal;
mod feed_loop;
mod file_links;
mod live_feed;
mod notification_cursor;
pub mod notifications;
mod notifier;
pub mod profiles;
pub mod rate_limits;
pub mod search;
mod search_cursor;
mod search_request;
pub mod search_text;
pub mod session_cache;
pub mod sessions;
pub mod stale_content;
mod upload_attachments;
pub mod uploads;

#[cfg(test)]
mod tests;

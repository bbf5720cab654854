//! One file per resource. Handlers parse, call one use case, and shape the answer.

pub mod admin;
pub mod articles;
pub mod comments;
pub mod files;
pub mod health;
pub mod metrics;
pub mod notifications;
pub mod profiles;
pub mod search;
pub mod sessions;
pub mod tags;
pub mod uploads;
pub mod users;

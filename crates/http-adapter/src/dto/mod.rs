//! Wire shapes, exactly as the RealWorld API names them.

pub mod admin;
pub mod articles;
pub mod comments;
pub mod fields;
pub mod notifications;
pub mod profiles;
pub mod search;
pub mod search_insights;
pub mod sessions;
pub mod tags;
pub mod uploads;
pub mod users;

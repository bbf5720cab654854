//! The content cache: short-lived shared copies of what many readers ask for,
//! declared once per kind ([`CachedKind`], see [`kinds`]) and read through one
//! generic path. Invalidation follows from domain events (`use_cases::stale_content`).

mod flights;
mod kind;
pub mod kinds;
mod per_kind;
mod read_through;

#[cfg(test)]
mod tests;

pub(crate) use flights::Flights;
pub use kind::{CachedKind, EntryVersion, LocalBudget, MIB, SharedVersion};
pub use kinds::{
    ArticlePages, Articles, ListKey, PopularTags, Profiles, SearchAnswer, SearchKey, SearchPages,
};
pub use per_kind::PerKind;

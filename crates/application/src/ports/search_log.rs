//! The record of searches: written in batches off the request path, read back as
//! insights, and trimmed to a retention.

use std::future::Future;
use std::time::Duration;

use folio_domain::{Timestamp, UserId};

use super::PortError;

/// One search as it is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRecord {
    pub searched_at: Timestamp,
    /// The normalized text; `None` without text.
    pub query: Option<String>,
    /// The other parameters, normalized, as (name, value); lists comma-joined.
    pub filters: Vec<(String, String)>,
    pub results: u64,
    pub latency: Duration,
    pub user: Option<UserId>,
}

/// Writing and trimming the record. Its futures are `Send`: a background task and a
/// job run them.
pub trait SearchLogWriter: Send + Sync + 'static {
    fn record(
        &self,
        records: &[SearchRecord],
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Deletes up to `limit` records made before `before`; how many it deleted.
    fn remove_before(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> impl Future<Output = Result<u64, PortError>> + Send;
}

/// Searches of one day (UTC).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDay {
    /// `YYYY-MM-DD`
    pub day: String,
    pub searches: u64,
    pub zero_results: u64,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryCount {
    pub query: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchInsights {
    /// Oldest first.
    pub days: Vec<SearchDay>,
    /// Most searched texts first (ties by text).
    pub top_queries: Vec<QueryCount>,
    /// Texts that found nothing, most searched first.
    pub top_zero_result_queries: Vec<QueryCount>,
}

#[cfg_attr(test, mockall::automock)]
pub trait SearchInsightsSource: Send + Sync + 'static {
    /// What was searched since `since`, with at most `top` texts per list.
    async fn insights(&self, since: Timestamp, top: u32) -> Result<SearchInsights, PortError>;
}

//! `GET /admin/search/insights`: what readers searched.

use folio_application::ports::{QueryCount, SearchInsights};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InsightsQuery {
    /// From this RFC 3339 date-time or date (UTC); a week ago when absent.
    pub since: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InsightsResponse {
    /// Per day (UTC), oldest first.
    pub days: Vec<InsightsDay>,
    /// The 20 texts searched most (first pages only), ties by text.
    pub top_queries: Vec<QueryCountBody>,
    /// The 20 texts that found nothing most often.
    pub top_zero_result_queries: Vec<QueryCountBody>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InsightsDay {
    #[schema(example = "2026-12-03")]
    pub day: String,
    pub searches: u64,
    pub zero_results: u64,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueryCountBody {
    pub query: String,
    pub count: u64,
}

impl From<SearchInsights> for InsightsResponse {
    fn from(insights: SearchInsights) -> Self {
        let counts = |counts: Vec<QueryCount>| {
            counts
                .into_iter()
                .map(|QueryCount { query, count }| QueryCountBody { query, count })
                .collect()
        };
        Self {
            days: insights
                .days
                .into_iter()
                .map(|day| InsightsDay {
                    day: day.day,
                    searches: day.searches,
                    zero_results: day.zero_results,
                    p50_latency_ms: day.p50_latency_ms,
                    p95_latency_ms: day.p95_latency_ms,
                })
                .collect(),
            top_queries: counts(insights.top_queries),
            top_zero_result_queries: counts(insights.top_zero_result_queries),
        }
    }
}

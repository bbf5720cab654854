//! The Prometheus exporter behind `/metrics`. Adapters record through the `metrics`
//! facade; this installs the one process-wide recorder and renders it, refreshing
//! the gauges that are read rather than counted (the database pool).

use std::sync::OnceLock;

use folio_http::MetricsSource;
use folio_postgres::Database;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets from half a millisecond to a few seconds.
const SECONDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
const QUERIES: &[f64] = &[
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 50.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use. `None` when another recorder was
/// installed first (metrics then go there, and `/metrics` is empty).
fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("db_queries_per_request".to_owned()),
                        QUERIES,
                    )
                });
            match builder.map(PrometheusBuilder::install_recorder) {
                Ok(Ok(handle)) => {
                    spawn_upkeep(handle.clone());
                    Some(handle)
                }
                Ok(Err(error)) => {
                    tracing::warn!(%error, "metrics recorder not installed");
                    None
                }
                Err(error) => {
                    tracing::warn!(%error, "invalid metrics buckets");
                    None
                }
            }
        })
        .as_ref()
}

/// Histogram samples wait in buffers until upkeep folds them into their buckets;
/// without it they would pile up between scrapes (or forever, if nobody scrapes).
fn spawn_upkeep(handle: PrometheusHandle) {
    let upkeep = std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                handle.run_upkeep();
            }
        });
    if let Err(error) = upkeep {
        tracing::warn!(%error, "metrics upkeep not started");
    }
}

const UPKEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

pub struct PrometheusMetrics {
    database: Database,
}

impl PrometheusMetrics {
    pub fn install(database: Database) -> Self {
        handle();
        Self { database }
    }
}

impl MetricsSource for PrometheusMetrics {
    fn render(&self) -> String {
        let pool = self.database.pool_status();
        metrics::gauge!("db_pool_max_connections").set(gauge(pool.max_size));
        metrics::gauge!("db_pool_connections", "state" => "idle").set(gauge(pool.available));
        metrics::gauge!("db_pool_connections", "state" => "in_use")
            .set(gauge(pool.size.saturating_sub(pool.available)));
        metrics::gauge!("db_pool_waiters").set(gauge(pool.waiting));
        handle().map(PrometheusHandle::render).unwrap_or_default()
    }
}

/// A pool count as a gauge value; pools are far smaller than `u32::MAX`.
fn gauge(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

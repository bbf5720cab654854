//! Reading `/metrics` the way a scraper does.

use super::TestApp;

impl TestApp {
    /// The Prometheus text `/metrics` serves now.
    pub async fn metrics_text(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("scrape /metrics")
            .text()
            .await
            .expect("read the metrics")
    }
}

/// The value of the sample whose line starts with `series` (name and labels).
pub fn metric(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

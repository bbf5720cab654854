//! Readiness probes come often, from every load balancer and orchestrator node.
//! Answering each with a fresh round trip to PostgreSQL and Redis would make the
//! probes themselves a load, so one check's report is reused for a short while and
//! probes that arrive during a check wait for it instead of starting their own.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use folio_http::{Readiness, ReadinessReport};
use tokio::sync::Mutex;
use tokio::time::Instant;

/// How long a report stays good: a failure shows within this (plus one check).
pub const MAX_REPORT_AGE: Duration = Duration::from_secs(1);

pub struct CachedReadiness<R> {
    probe: R,
    max_age: Duration,
    /// The last report and when its check finished. Held across a check, so
    /// concurrent callers queue behind it and then reuse its report.
    last: Mutex<Option<(Instant, ReadinessReport)>>,
}

impl<R> CachedReadiness<R> {
    pub fn new(probe: R, max_age: Duration) -> Self {
        Self {
            probe,
            max_age,
            last: Mutex::new(None),
        }
    }
}

impl<R: Readiness> Readiness for CachedReadiness<R> {
    fn check(&self) -> Pin<Box<dyn Future<Output = ReadinessReport> + '_>> {
        Box::pin(async move {
            let mut last = self.last.lock().await;
            if let Some((checked_at, report)) = last.as_ref()
                && checked_at.elapsed() < self.max_age
            {
                return report.clone();
            }
            let report = self.probe.check().await;
            *last = Some((Instant::now(), report.clone()));
            report
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;

    /// What the test observes and steers: the checks run, and whether they fail.
    #[derive(Default)]
    struct Dependencies {
        checks: AtomicUsize,
        failing: AtomicBool,
    }

    /// A probe that counts its checks; each takes 50 ms.
    struct CountingProbe(Arc<Dependencies>);

    impl Readiness for CountingProbe {
        fn check(&self) -> Pin<Box<dyn Future<Output = ReadinessReport> + '_>> {
            Box::pin(async move {
                self.0.checks.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                let outcome = if self.0.failing.load(Ordering::SeqCst) {
                    Err("down".to_owned())
                } else {
                    Ok(())
                };
                ReadinessReport {
                    checks: vec![("postgres", outcome)],
                }
            })
        }
    }

    fn cached() -> (Arc<Dependencies>, CachedReadiness<CountingProbe>) {
        let probe = Arc::new(Dependencies::default());
        let readiness = CachedReadiness::new(CountingProbe(probe.clone()), MAX_REPORT_AGE);
        (probe, readiness)
    }

    fn ready(report: &ReadinessReport) -> bool {
        report.checks.iter().all(|(_, outcome)| outcome.is_ok())
    }

    #[tokio::test(start_paused = true)]
    async fn rapid_probes_run_at_most_one_check_per_second() {
        let (probe, readiness) = cached();

        for _ in 0..30 {
            assert!(ready(&readiness.check().await));
            tokio::time::advance(Duration::from_millis(40)).await;
        }

        // 30 probes over 1.2 s and more: two checks, not thirty.
        assert_eq!(probe.checks.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_probes_share_one_check() {
        let (probe, readiness) = cached();

        let reports = futures_util::future::join_all((0..10).map(|_| readiness.check())).await;

        assert!(reports.iter().all(ready));
        assert_eq!(probe.checks.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_is_reported_once_the_last_report_is_a_second_old() {
        let (probe, readiness) = cached();
        assert!(ready(&readiness.check().await));

        probe.failing.store(true, Ordering::SeqCst);
        tokio::time::advance(Duration::from_millis(900)).await;
        let still_cached = readiness.check().await;
        tokio::time::advance(Duration::from_millis(100)).await;
        let rechecked = readiness.check().await;
        let again = readiness.check().await;

        assert!(ready(&still_cached));
        assert!(!ready(&rechecked));
        assert_eq!(rechecked.checks[0].1, Err("down".to_owned()));
        assert!(!ready(&again), "a failure is cached like a success");
        assert_eq!(probe.checks.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn recovery_is_reported_within_a_second_too() {
        let (probe, readiness) = cached();
        probe.failing.store(true, Ordering::SeqCst);
        assert!(!ready(&readiness.check().await));

        probe.failing.store(false, Ordering::SeqCst);
        tokio::time::advance(MAX_REPORT_AGE).await;

        assert!(ready(&readiness.check().await));
    }
}

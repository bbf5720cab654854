//! Background loops that run beside the API, under supervision: a loop that panics
//! or ends on its own is started again after a back-off, its state is visible to
//! readiness and `/metrics`, and all of them stop in order once the API has drained.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The first wait before a restart; it doubles with each quick failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A loop that ran this long before failing starts over from the first back-off.
const HEALTHY_AFTER: Duration = Duration::from_secs(60);

/// Completes when the task is asked to stop.
#[derive(Clone)]
pub struct StopSignal(watch::Receiver<bool>);

impl StopSignal {
    pub async fn stopped(mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }

    fn is_set(&self) -> bool {
        *self.0.borrow()
    }
}

/// How each supervised loop is doing: `Ok` while it runs, the reason of its last
/// failure while it waits to be restarted.
#[derive(Clone, Default)]
pub struct TaskBoard(Arc<Mutex<BTreeMap<&'static str, Result<(), String>>>>);

impl TaskBoard {
    pub fn states(&self) -> Vec<(&'static str, Result<(), String>)> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(name, state)| (*name, state.clone()))
            .collect()
    }

    fn set(&self, name: &'static str, state: Result<(), String>) {
        metrics::gauge!("background_task_up", "task" => name).set(if state.is_ok() {
            1.0
        } else {
            0.0
        });
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name, state);
    }
}

/// A supervised loop; [`Supervised::stop`] asks it to finish and waits.
pub struct Supervised {
    name: &'static str,
    stop: watch::Sender<bool>,
    supervisor: JoinHandle<()>,
}

impl Supervised {
    /// Runs `start(stop)` until it completes after being asked to stop, starting it
    /// again whenever it panics or ends before that.
    pub fn spawn<Loop>(
        name: &'static str,
        board: &TaskBoard,
        start: impl Fn(StopSignal) -> Loop + Send + 'static,
    ) -> Self
    where
        Loop: Future<Output = ()> + Send + 'static,
    {
        let (stop, stopped) = watch::channel(false);
        let signal = StopSignal(stopped);
        let board = board.clone();
        let supervisor = tokio::spawn(async move {
            let mut backoff = FIRST_BACKOFF;
            loop {
                board.set(name, Ok(()));
                let started = Instant::now();
                let failure = match tokio::spawn(start(signal.clone())).await {
                    Ok(()) if signal.is_set() => return,
                    Ok(()) => "ended on its own".to_owned(),
                    Err(error) => error.to_string(),
                };
                tracing::error!(task = name, %failure, retry_in_ms = backoff.as_millis(), "background task failed; restarting");
                metrics::counter!("background_task_restarts_total", "task" => name).increment(1);
                board.set(name, Err(failure));
                if started.elapsed() >= HEALTHY_AFTER {
                    backoff = FIRST_BACKOFF;
                }
                tokio::select! {
                    () = signal.clone().stopped() => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        });
        Self {
            name,
            stop,
            supervisor,
        }
    }

    /// Asks the loop to stop and waits until it has.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.supervisor.await {
            tracing::error!(task = self.name, %error, "supervisor ended abnormally");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn a_loop_that_panics_is_restarted_with_a_growing_backoff_until_stopped() {
        let board = TaskBoard::default();
        let starts = Arc::new(AtomicUsize::new(0));
        let counted = starts.clone();
        let task = Supervised::spawn("flaky", &board, move |stop| {
            let attempt = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                assert!(attempt >= 2, "failure number {attempt}");
                stop.stopped().await;
            }
        });
        // Two failures: restarted after 100 ms, then after 200 ms.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(starts.load(Ordering::SeqCst), 1);
        assert!(
            board
                .states()
                .first()
                .is_some_and(|(_, state)| state.is_err())
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(starts.load(Ordering::SeqCst), 2);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(starts.load(Ordering::SeqCst), 3);
        assert_eq!(board.states(), [("flaky", Ok(()))]);

        task.stop().await;
        assert_eq!(
            starts.load(Ordering::SeqCst),
            3,
            "not restarted after a stop"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_loop_that_ends_on_its_own_is_started_again() {
        let board = TaskBoard::default();
        let starts = Arc::new(AtomicUsize::new(0));
        let counted = starts.clone();
        let task = Supervised::spawn("quitter", &board, move |stop| {
            let attempt = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if attempt > 0 {
                    stop.stopped().await;
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(starts.load(Ordering::SeqCst), 2);
        task.stop().await;
    }
}

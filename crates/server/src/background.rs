//! Background loops that run beside the API and stop in order when it has drained.

use std::future::Future;

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Completes when the task is asked to stop.
pub struct StopSignal(watch::Receiver<bool>);

impl StopSignal {
    pub async fn stopped(mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

/// A spawned loop that ends when asked to (finishing what it is doing first).
pub struct StoppableTask {
    name: &'static str,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl StoppableTask {
    pub fn spawn<Loop>(name: &'static str, run: impl FnOnce(StopSignal) -> Loop) -> Self
    where
        Loop: Future<Output = ()> + Send + 'static,
    {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(StopSignal(stopped)));
        Self { name, stop, task }
    }

    /// Asks the loop to stop and waits until it has.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(task = self.name, %error, "background task ended abnormally");
        }
    }
}

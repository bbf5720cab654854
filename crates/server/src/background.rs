//! A loop that runs beside the API until told to stop, and stops gracefully (the
//! outbox relay, the job worker), with an upkeep task beside it (gauges,
//! retention) that is simply ended.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Completes when the loop is told to stop.
pub type Stopped = Pin<Box<dyn Future<Output = ()> + Send>>;

pub struct Background {
    name: &'static str,
    stop: watch::Sender<bool>,
    work: JoinHandle<()>,
    upkeep: JoinHandle<()>,
}

impl Background {
    /// Spawns `work`, which must end once the future it is given completes, and
    /// `upkeep`.
    pub fn spawn<W, F>(
        name: &'static str,
        work: W,
        upkeep: impl Future<Output = ()> + Send + 'static,
    ) -> Self
    where
        W: FnOnce(Stopped) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let (stop, mut stopped) = watch::channel(false);
        let work = tokio::spawn(work(Box::pin(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        })));
        Self {
            name,
            stop,
            work,
            upkeep: tokio::spawn(upkeep),
        }
    }

    /// Ends the upkeep, tells the loop to stop and waits until it has.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        self.upkeep.abort();
        if let Err(error) = self.work.await {
            tracing::error!(%error, task = self.name, "background task ended abnormally");
        }
    }
}

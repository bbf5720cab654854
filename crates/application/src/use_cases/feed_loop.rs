//! How a consumer of the event stream follows its share: a round at once while
//! batches come full, a short wait after a partial one (events gather meanwhile, so
//! under load a read and its acknowledgement carry many), a poll when there was
//! nothing, a doubling back-off after failures; and now and then, removing from the
//! group the members whose process stopped.

use std::future::Future;
use std::time::Duration;

use tracing::warn;

use crate::AppError;
use crate::ports::EventFeed;

/// Entries taken per round.
pub(crate) const BATCH: u32 = 100;
/// The wait after a batch that was not full.
const GATHER: Duration = Duration::from_millis(10);
/// How often members of the group whose process stopped are removed from it, and
/// how long a member must have been silent to count as such.
const TIDY_EVERY: Duration = Duration::from_secs(600);
const DEPARTED_AFTER: Duration = Duration::from_secs(3600);

/// Runs `round` (which returns how many entries it handled) until `stop` completes.
/// `consumer` names it in the log.
pub(crate) async fn follow_feed<F, Round, Handled>(
    feed: &F,
    consumer: &'static str,
    poll: Duration,
    max_backoff: Duration,
    stop: impl Future<Output = ()>,
    mut round: Round,
) where
    F: EventFeed,
    Round: FnMut() -> Handled,
    Handled: Future<Output = Result<usize, AppError>>,
{
    tokio::pin!(stop);
    let mut backoff = poll;
    let mut tidy = tokio::time::interval(TIDY_EVERY);
    loop {
        let wait = match round().await {
            Ok(handled) => {
                backoff = poll;
                match handled {
                    0 => poll,
                    full if u32::try_from(full).unwrap_or(u32::MAX) >= BATCH => Duration::ZERO,
                    _ => GATHER,
                }
            }
            Err(error) => {
                warn!(%error, consumer, retry_in_ms = backoff.as_millis(), "consuming events failed; retrying");
                let wait = backoff;
                backoff = (backoff * 2).min(max_backoff);
                wait
            }
        };
        tokio::select! {
            () = &mut stop => break,
            _ = tidy.tick() => {
                if let Err(error) = feed.forget_departed(DEPARTED_AFTER).await {
                    warn!(%error, consumer, "could not remove departed consumers");
                }
            }
            () = tokio::time::sleep(wait) => {}
        }
    }
}

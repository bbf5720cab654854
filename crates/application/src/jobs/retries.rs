//! What becomes of a failed attempt: another one after a backoff that doubles with
//! each attempt, or, when the attempts are used up, a dead job with its last error.

use std::time::Duration;

use super::JobError;
use crate::ports::{Job, JobFailure};

/// The longest error kept with a job, in characters (the column refuses more).
pub const LAST_ERROR_MAX_CHARS: usize = 2000;

/// The wait before the next attempt: `base` after the first failed attempt, doubling
/// with each one after, never more than `cap`. Deterministic (no jitter): jobs
/// failing together wait together, which the claim spreads over the workers anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The wait after attempt number `attempt` (1 for the first) failed:
    /// `base * 2^(attempt - 1)`, capped.
    pub fn after(&self, attempt: u32) -> Duration {
        2u32.checked_pow(attempt.saturating_sub(1))
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.cap, |wait| wait.min(self.cap))
    }
}

/// The outcome of `job`'s current attempt failing with `error`.
pub fn failure_of(job: &Job, error: &JobError, backoff: &Backoff) -> JobFailure {
    let error_text = bounded(error.message());
    if error.is_permanent() || job.attempts >= job.max_attempts {
        JobFailure::Dead { error: error_text }
    } else {
        JobFailure::Retry {
            error: error_text,
            after: backoff.after(job.attempts),
        }
    }
}

/// `message` cut to [`LAST_ERROR_MAX_CHARS`] characters.
fn bounded(message: &str) -> String {
    message.chars().take(LAST_ERROR_MAX_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{JobId, JobState};

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn job(attempts: u32, max_attempts: u32) -> Job {
        let now = chrono::Utc::now();
        Job {
            id: JobId::new(1),
            kind: "test.kind".to_owned(),
            payload: Vec::new(),
            state: JobState::Running,
            attempts,
            max_attempts,
            run_at: now,
            locked_until: Some(now),
            last_error: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn the_wait_doubles_with_each_attempt_up_to_the_cap() {
        let backoff = Backoff {
            base: secs(10),
            cap: secs(300),
        };
        let waits: Vec<Duration> = (1..=7).map(|attempt| backoff.after(attempt)).collect();
        assert_eq!(
            waits,
            [
                secs(10),
                secs(20),
                secs(40),
                secs(80),
                secs(160),
                secs(300),
                secs(300)
            ]
        );
    }

    #[test]
    fn attempts_past_any_power_of_two_wait_the_cap() {
        let backoff = Backoff::default();
        assert_eq!(backoff.after(33), backoff.cap);
        assert_eq!(backoff.after(u32::MAX), backoff.cap);
        assert_eq!(
            backoff.after(0),
            backoff.base,
            "no attempt made counts as one"
        );
    }

    #[test]
    fn a_failure_is_retried_until_the_attempts_run_out() {
        let backoff = Backoff {
            base: secs(1),
            cap: secs(60),
        };
        let error = JobError::retryable("smtp timed out");

        assert_eq!(
            failure_of(&job(1, 3), &error, &backoff),
            JobFailure::Retry {
                error: "smtp timed out".to_owned(),
                after: secs(1)
            }
        );
        assert_eq!(
            failure_of(&job(2, 3), &error, &backoff),
            JobFailure::Retry {
                error: "smtp timed out".to_owned(),
                after: secs(2)
            }
        );
        assert_eq!(
            failure_of(&job(3, 3), &error, &backoff),
            JobFailure::Dead {
                error: "smtp timed out".to_owned()
            }
        );
    }

    #[test]
    fn a_permanent_failure_is_dead_at_once() {
        let failure = failure_of(
            &job(1, 10),
            &JobError::permanent("no such user"),
            &Backoff::default(),
        );
        assert_eq!(
            failure,
            JobFailure::Dead {
                error: "no such user".to_owned()
            }
        );
    }

    #[test]
    fn the_error_kept_is_bounded_in_characters() {
        let long = "é".repeat(LAST_ERROR_MAX_CHARS + 10);
        let JobFailure::Dead { error } =
            failure_of(&job(1, 1), &JobError::retryable(long), &Backoff::default())
        else {
            panic!("the last attempt's failure is dead");
        };
        assert_eq!(error.chars().count(), LAST_ERROR_MAX_CHARS);
    }
}

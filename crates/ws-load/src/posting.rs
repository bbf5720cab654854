//! Comments at a steady rate, each sent without waiting for the previous one, so
//! that a slow answer does not slow the rate down.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

use crate::api::Api;

/// One comment posted: on which article, when the request was sent, and its id
/// when the server created it.
#[derive(Debug, Clone, Copy)]
pub struct Posted {
    pub article: usize,
    pub sent_at: Instant,
    pub comment: Option<i64>,
}

pub struct Poster {
    pub api: Api,
    pub token: Arc<str>,
    pub slugs: Arc<Vec<String>>,
    pub rate: f64,
    pub hot_share: f64,
}

impl Poster {
    /// Posts until `until` passes or `stop` turns true; returns every attempt.
    pub async fn run(
        &self,
        until: Option<Instant>,
        mut stop: watch::Receiver<bool>,
    ) -> Vec<Posted> {
        let period = Duration::from_secs_f64(1.0 / self.rate.max(0.001));
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut sending = JoinSet::new();
        let mut hot_credit = 0.0;
        let cold = self.slugs.len().saturating_sub(1).max(1);
        for n in 0usize.. {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.wait_for(|stop| *stop) => break,
            }
            if until.is_some_and(|until| Instant::now() >= until) {
                break;
            }
            hot_credit += self.hot_share;
            let article = if hot_credit >= 1.0 {
                hot_credit -= 1.0;
                0
            } else {
                1 + n % cold
            };
            let Some(slug) = self.slugs.get(article).cloned() else {
                continue;
            };
            let (api, token) = (self.api.clone(), self.token.clone());
            sending.spawn(async move {
                let sent_at = Instant::now();
                let comment = api.comment(&token, &slug).await.ok();
                Posted {
                    article,
                    sent_at,
                    comment,
                }
            });
        }
        sending.join_all().await
    }
}

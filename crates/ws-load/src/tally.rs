//! What was posted against what each socket received: deliveries expected and
//! received, missed and repeated, and the delivery latency.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{Value, json};

use crate::posting::Posted;
use crate::socket::SocketReport;

/// Which part of the run a comment was posted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Load,
    Restart,
}

#[derive(Debug, Default)]
pub struct Tally {
    /// Created comments times the sockets following their article.
    pub expected: u64,
    /// Distinct comments received by a socket following their article.
    pub received: u64,
    pub duplicates: u64,
    /// Delivery latencies (request sent → event received), in microseconds, sorted.
    pub latencies: Vec<u64>,
}

impl Tally {
    pub fn missed(&self) -> u64 {
        self.expected.saturating_sub(self.received)
    }

    /// The latency below which `per_mille` thousandths of the deliveries came, in
    /// milliseconds.
    pub fn latency_ms(&self, per_mille: usize) -> Option<f64> {
        let count = self.latencies.len();
        if count == 0 {
            return None;
        }
        let rank = (per_mille * count).div_ceil(1000).clamp(1, count);
        let micros = *self.latencies.get(rank - 1)?;
        Some(f64::from(u32::try_from(micros).unwrap_or(u32::MAX)) / 1000.0)
    }

    pub fn to_json(&self) -> Value {
        let ms = |q| self.latency_ms(q).map(|ms| (ms * 10.0).round() / 10.0);
        json!({
            "expected": self.expected,
            "received": self.received,
            "missed": self.missed(),
            "duplicates": self.duplicates,
            "latencyMs": {"p50": ms(500), "p99": ms(990), "max": ms(1000)},
        })
    }
}

/// Tallies each stage's comments against every socket's deliveries.
pub fn tally(
    posted: &[(Stage, Posted)],
    sockets: &[SocketReport],
    followers: &[u64],
) -> HashMap<Stage, Tally> {
    let mut tallies: HashMap<Stage, Tally> = HashMap::new();
    let mut created = HashMap::new();
    for (stage, post) in posted {
        if let Some(comment) = post.comment {
            created.insert(comment, (*stage, *post));
            tallies.entry(*stage).or_default().expected +=
                followers.get(post.article).copied().unwrap_or(0);
        }
    }
    for socket in sockets {
        let mut seen = HashSet::with_capacity(socket.deliveries.len());
        for delivery in &socket.deliveries {
            let Some((stage, post)) = created.get(&delivery.comment) else {
                continue;
            };
            let tally = tallies.entry(*stage).or_default();
            if !seen.insert(delivery.comment) {
                tally.duplicates += 1;
                continue;
            }
            if post.article != socket.article {
                continue;
            }
            tally.received += 1;
            if *stage == Stage::Load {
                let latency = delivery.at.saturating_duration_since(post.sent_at);
                tally.latencies.push(micros(latency));
            }
        }
    }
    for tally in tallies.values_mut() {
        tally.latencies.sort_unstable();
    }
    tallies
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::socket::Delivery;

    fn post(article: usize, comment: i64, sent_at: Instant) -> (Stage, Posted) {
        let posted = Posted {
            article,
            sent_at,
            comment: Some(comment),
        };
        (Stage::Load, posted)
    }

    #[test]
    fn missed_and_repeated_deliveries_are_counted_per_follower() {
        let start = Instant::now();
        let posted = [post(0, 1, start), post(0, 2, start), post(1, 3, start)];
        let delivery = |comment, ms| Delivery {
            comment,
            at: start + Duration::from_millis(ms),
        };
        let sockets = [
            SocketReport {
                article: 0,
                deliveries: vec![delivery(1, 10), delivery(2, 20), delivery(2, 30)],
                resumed_at: None,
            },
            SocketReport {
                article: 0,
                deliveries: vec![delivery(1, 40)],
                resumed_at: None,
            },
            SocketReport {
                article: 1,
                deliveries: vec![delivery(3, 50)],
                resumed_at: None,
            },
        ];

        let tallies = tally(&posted, &sockets, &[2, 1]);

        let load = tallies.get(&Stage::Load).expect("the load stage");
        assert_eq!(load.expected, 5);
        assert_eq!(load.received, 4);
        assert_eq!(load.missed(), 1);
        assert_eq!(load.duplicates, 1);
        assert_eq!(load.latency_ms(500), Some(20.0));
        assert_eq!(load.latency_ms(1000), Some(50.0));
    }
}

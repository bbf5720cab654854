//! Recording searches without slowing them: the use case hands each record to a
//! bounded in-process channel and returns; one background task per process drains
//! it and writes the records in batches (`SearchLogWriter`).
//!
//! Why not the durable job queue: a job is a row written in the request's
//! transaction and another when it runs, so every search would cost two writes and
//! a claim, for analytics that can afford to lose a few records. The channel costs
//! one `try_send`; when it is full (the database is slow or down) records are
//! dropped and counted (`search_records_dropped_total`), never waited for. A
//! process that dies loses at most what the channel held.

use std::future::Future;

use tokio::sync::{Mutex, mpsc};

use crate::ports::{SearchLogWriter, SearchRecord};

/// Records waiting to be written, at most.
pub const SEARCH_LOG_CAPACITY: usize = 10_000;

/// Records written per statement, at most.
const BATCH: usize = 500;

/// The sending end, held by the application.
#[derive(Clone)]
pub struct SearchRecorder {
    sender: mpsc::Sender<SearchRecord>,
}

/// The receiving end, drained by [`SearchRecordQueue::write_to`]. Behind a lock so
/// that a writer task restarted after a panic takes over the same queue.
pub struct SearchRecordQueue {
    receiver: Mutex<mpsc::Receiver<SearchRecord>>,
}

pub fn search_record_channel(capacity: usize) -> (SearchRecorder, SearchRecordQueue) {
    let (sender, receiver) = mpsc::channel(capacity.max(1));
    (
        SearchRecorder { sender },
        SearchRecordQueue {
            receiver: Mutex::new(receiver),
        },
    )
}

impl SearchRecorder {
    /// Queues the record, or drops it when the queue is full; never waits.
    pub fn record(&self, record: SearchRecord) {
        if self.sender.try_send(record).is_err() {
            metrics::counter!("search_records_dropped_total").increment(1);
        }
    }
}

impl SearchRecordQueue {
    /// Writes what arrives, a batch at a time, until `stop`; then writes what is
    /// still queued and returns. A batch that fails is logged and dropped.
    pub async fn write_to<W: SearchLogWriter>(&self, writer: &W, stop: impl Future<Output = ()>) {
        let mut receiver = self.receiver.lock().await;
        let mut batch = Vec::with_capacity(BATCH);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => break,
                received = receiver.recv_many(&mut batch, BATCH) => {
                    if received == 0 {
                        return;
                    }
                    write(writer, &mut batch).await;
                }
            }
        }
        while !receiver.is_empty() {
            receiver.recv_many(&mut batch, BATCH).await;
            write(writer, &mut batch).await;
        }
    }
}

async fn write<W: SearchLogWriter>(writer: &W, batch: &mut Vec<SearchRecord>) {
    match writer.record(batch).await {
        Ok(()) => metrics::counter!("search_records_written_total").increment(count(batch)),
        Err(error) => {
            metrics::counter!("search_records_dropped_total").increment(count(batch));
            tracing::warn!(%error, records = batch.len(), "could not write search records");
        }
    }
    batch.clear();
}

fn count(batch: &[SearchRecord]) -> u64 {
    u64::try_from(batch.len()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex as StdMutex;
    use std::time::Duration;

    use super::*;
    use crate::ports::PortError;
    use crate::test_support::{now, unavailable};

    #[derive(Default)]
    struct Log {
        batches: StdMutex<Vec<usize>>,
        down: bool,
    }

    impl SearchLogWriter for Log {
        async fn record(&self, records: &[SearchRecord]) -> Result<(), PortError> {
            if self.down {
                return Err(unavailable());
            }
            self.batches.lock().unwrap().push(records.len());
            Ok(())
        }

        async fn remove_before(
            &self,
            _: folio_domain::Timestamp,
            _: u32,
        ) -> Result<u64, PortError> {
            Ok(0)
        }
    }

    fn record(n: u64) -> SearchRecord {
        SearchRecord {
            searched_at: now(),
            query: Some(format!("q{n}")),
            filters: Vec::new(),
            results: n,
            latency: Duration::from_millis(n),
            user: None,
        }
    }

    #[tokio::test]
    async fn queued_records_are_written_in_batches_and_drained_at_stop() {
        let (recorder, queue) = search_record_channel(2_000);
        for n in 0..1_200 {
            recorder.record(record(n));
        }
        let log = Log::default();
        // Stopped at once: everything queued is still written.
        queue.write_to(&log, async {}).await;
        assert_eq!(*log.batches.lock().unwrap(), [500, 500, 200]);
    }

    #[tokio::test]
    async fn a_full_queue_drops_records_instead_of_waiting() {
        let (recorder, queue) = search_record_channel(3);
        for n in 0..10 {
            recorder.record(record(n));
        }
        let log = Log::default();
        queue.write_to(&log, async {}).await;
        assert_eq!(*log.batches.lock().unwrap(), [3]);
    }

    #[tokio::test]
    async fn a_failing_log_loses_the_batch_and_goes_on() {
        let (recorder, queue) = search_record_channel(10);
        recorder.record(record(1));
        let log = Log {
            down: true,
            ..Log::default()
        };
        queue.write_to(&log, async {}).await;
        assert!(log.batches.lock().unwrap().is_empty());
        recorder.record(record(2));
        let log = Log::default();
        queue.write_to(&log, async {}).await;
        assert_eq!(*log.batches.lock().unwrap(), [1]);
    }
}

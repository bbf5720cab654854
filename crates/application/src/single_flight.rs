//! Concurrent cache misses for the same key share one load: the first caller loads,
//! the others wait for its result instead of all hitting the database at once.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

pub struct SingleFlight<K, V> {
    in_flight: Mutex<HashMap<K, Arc<OnceCell<Option<V>>>>>,
}

impl<K, V> Default for SingleFlight<K, V> {
    fn default() -> Self {
        Self {
            in_flight: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> SingleFlight<K, V> {
    /// Runs `load` unless a load for `key` is already running, in which case its
    /// result is shared. A failed load is not shared: each waiter then loads itself,
    /// so one error does not fail every concurrent request.
    pub async fn run<E, F, Fut>(&self, key: K, load: F) -> Result<V, E>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let cell = {
            let mut in_flight = self
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            Arc::clone(in_flight.entry(key.clone()).or_default())
        };
        // Leaves the map however this call ends, even when its future is dropped
        // mid-load (a client that hung up): no key outlives its callers.
        let _departure = Departure {
            flight: self,
            key: &key,
            cell: &cell,
        };
        let mut own_error = None;
        let shared = cell
            .get_or_init(|| async {
                match load().await {
                    Ok(value) => Some(value),
                    Err(error) => {
                        own_error = Some(error);
                        None
                    }
                }
            })
            .await
            .clone();
        if let Some(error) = own_error {
            return Err(error);
        }
        match shared {
            Some(value) => Ok(value),
            // The load we waited for failed: try ourselves.
            None => load().await,
        }
    }

    fn forget(&self, key: &K, cell: &Arc<OnceCell<Option<V>>>) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if in_flight
            .get(key)
            .is_some_and(|current| Arc::ptr_eq(current, cell))
        {
            in_flight.remove(key);
        }
    }
}

struct Departure<'a, K: Eq + Hash + Clone, V: Clone> {
    flight: &'a SingleFlight<K, V>,
    key: &'a K,
    cell: &'a Arc<OnceCell<Option<V>>>,
}

impl<K: Eq + Hash + Clone, V: Clone> Drop for Departure<'_, K, V> {
    fn drop(&mut self) {
        self.flight.forget(self.key, self.cell);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn concurrent_calls_for_one_key_load_once() {
        let flight: SingleFlight<&str, u32> = SingleFlight::default();
        let loads = AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok::<_, ()>(7)
        };

        let results = tokio::join!(
            flight.run("k", load),
            flight.run("k", load),
            flight.run("k", load),
        );

        assert_eq!(results, (Ok(7), Ok(7), Ok(7)));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn different_keys_and_later_calls_load_again() {
        let flight: SingleFlight<&str, u32> = SingleFlight::default();
        let loads = AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(1)
        };

        let _ = tokio::join!(flight.run("a", load), flight.run("b", load));
        flight.run("a", load).await.unwrap();

        assert_eq!(loads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failed_load_is_not_shared() {
        let flight: SingleFlight<&str, u32> = SingleFlight::default();
        let loads = AtomicUsize::new(0);
        let failing_first = || async {
            let n = loads.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            if n == 0 { Err("down") } else { Ok(5) }
        };

        let (first, second) = tokio::join!(
            flight.run("k", failing_first),
            flight.run("k", failing_first)
        );

        assert_eq!(first, Err("down"));
        assert_eq!(second, Ok(5));
    }

    #[tokio::test]
    async fn an_abandoned_load_leaves_nothing_behind() {
        let flight: SingleFlight<&str, u32> = SingleFlight::default();
        let never = || std::future::pending::<Result<u32, ()>>();

        let abandoned =
            tokio::time::timeout(Duration::from_millis(10), flight.run("k", never)).await;

        assert!(abandoned.is_err(), "the load was still running");
        assert!(flight.in_flight.lock().unwrap().is_empty());
    }
}

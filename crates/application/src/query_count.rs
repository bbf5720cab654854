//! Counts the database statements one request causes, so that "a list endpoint runs
//! a constant number of queries" can be observed (and measured) rather than assumed.
//! The HTTP adapter opens a scope per request; the database adapter records into it.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static QUERIES: Cell<u32>;
}

/// Runs `future` with a fresh counter and returns its output with the count.
pub async fn scope<F: Future>(future: F) -> (F::Output, u32) {
    QUERIES
        .scope(Cell::new(0), async move {
            let output = future.await;
            (output, QUERIES.with(Cell::get))
        })
        .await
}

/// Records one statement against the current request, if there is one.
pub fn record() {
    let _outside_a_request = QUERIES.try_with(|count| count.set(count.get().saturating_add(1)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_only_inside_its_scope() {
        record();
        let ((), count) = scope(async {
            record();
            record();
        })
        .await;
        assert_eq!(count, 2);
    }
}

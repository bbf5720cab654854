//! Writes the searches the application records (see `folio_application::search_log`)
//! to PostgreSQL, on the background pool, under the supervisor. Stopped after the
//! API has drained, so the last requests' records are written too.

use std::sync::Arc;

use folio_application::search_log::SearchRecordQueue;
use folio_postgres::{Database, PgSearchLog};

use crate::background::{Supervised, TaskBoard};

pub fn start(queue: SearchRecordQueue, database: Database, board: &TaskBoard) -> Supervised {
    let queue = Arc::new(queue);
    let log = PgSearchLog::new(database);
    Supervised::spawn("search log", board, move |stop| {
        let (queue, log) = (queue.clone(), log.clone());
        async move { queue.write_to(&log, stop.stopped()).await }
    })
}

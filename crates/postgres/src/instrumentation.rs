use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};

/// Installed on every pooled connection: attributes each statement to the request
/// that runs it (see `folio_application::query_count`), times it, and logs the
/// statements slower than the threshold with their SQL but not their values.
#[derive(Debug)]
pub(crate) struct QueryInstrumentation {
    slow: Duration,
    started: Option<Instant>,
}

impl QueryInstrumentation {
    pub fn new(slow: Duration) -> Self {
        Self {
            slow,
            started: None,
        }
    }
}

/// The statement's SQL without the bound values diesel appends to its debug form.
fn sql_shape(debug: &str) -> &str {
    debug.split(" -- binds: ").next().unwrap_or(debug)
}

impl Instrumentation for QueryInstrumentation {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                folio_application::query_count::record();
                self.started = Some(Instant::now());
            }
            InstrumentationEvent::FinishQuery { query, error, .. } => {
                let Some(started) = self.started.take() else {
                    return;
                };
                let elapsed = started.elapsed();
                metrics::histogram!("db_query_duration_seconds").record(elapsed.as_secs_f64());
                if elapsed >= self.slow {
                    let statement = query.to_string();
                    let sql = sql_shape(&statement);
                    tracing::warn!(
                        elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                        failed = error.is_some(),
                        sql,
                        "slow query"
                    );
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_leaves_out_the_values() {
        let debug = r#"SELECT "users"."id" FROM "users" WHERE "users"."email" = $1 -- binds: ["jake@example.com"]"#;
        assert_eq!(
            sql_shape(debug),
            r#"SELECT "users"."id" FROM "users" WHERE "users"."email" = $1"#
        );
        assert_eq!(sql_shape("SELECT 1"), "SELECT 1");
    }
}

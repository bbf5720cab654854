use diesel::connection::{Instrumentation, InstrumentationEvent};

/// Installed on every pooled connection: attributes each statement to the request
/// that runs it (see `folio_application::query_count`).
#[derive(Debug, Default)]
pub(crate) struct QueryCounting;

impl Instrumentation for QueryCounting {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            folio_application::query_count::record();
        }
    }
}

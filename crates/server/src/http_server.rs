//! The HTTP listeners: actix's server running the App that the web adapters fill,
//! on the API listener, and `/metrics` alone on a listener of its own when asked.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer};
use folio_application::{Folio, Ports};
use folio_http::{HttpSettings, MetricsSource, Readiness};
use folio_ws::WsState;

/// What the operations endpoints report on.
#[derive(Clone)]
pub struct Operations {
    pub readiness: Arc<dyn Readiness + Send + Sync>,
    /// `None` when `/metrics` has a listener of its own ([`serve_metrics`]): the API
    /// listener then answers 404 for it.
    pub metrics: Option<Arc<dyn MetricsSource + Send + Sync>>,
}

/// Serves the API on an already bound listener (port 0 works for tests), on
/// `workers` threads (`None`: one per core), until SIGINT/SIGTERM or its handle
/// stops it. Routes of another adapter go before the HTTP adapter's, whose `/api`
/// scopes and default service would otherwise answer for them.
pub fn serve<P: Ports>(
    listener: TcpListener,
    folio: Arc<Folio<P>>,
    operations: Operations,
    settings: HttpSettings,
    realtime: WsState,
    workers: Option<usize>,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        folio_http::wrap(App::new(), &settings)
            .configure(|cfg| folio_ws::configure(cfg, realtime.clone()))
            .configure(|cfg| {
                if let Some(source) = &operations.metrics {
                    folio_http::configure_metrics(cfg, source.clone());
                }
            })
            .configure(|cfg| {
                folio_http::configure(cfg, folio.clone(), operations.readiness.clone());
            })
    })
    // A response written in pieces (a streamed file, a socket's messages) must not
    // wait for the client's delayed ACK between them (about 40 ms with Nagle's
    // algorithm, which actix leaves on).
    .tcp_nodelay(true)
    .listen(listener)?;
    let server = match workers {
        Some(workers) => server.workers(workers),
        None => server,
    };
    Ok(server.run())
}

/// Serves only `/metrics` on its own listener, so scrapers can be let in on a port
/// the public never reaches. One worker is plenty; it ignores signals and is stopped
/// by whoever stops the API server.
pub fn serve_metrics(
    listener: TcpListener,
    source: Arc<dyn MetricsSource + Send + Sync>,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new().configure(|cfg| folio_http::configure_metrics_only(cfg, source.clone()))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?;
    Ok(server.run())
}

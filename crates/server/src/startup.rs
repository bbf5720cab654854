use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use folio_application::doorbell::Doorbell;
use folio_application::search_log::{SEARCH_LOG_CAPACITY, search_record_channel};
use folio_application::{AppError, Folio};
use folio_postgres::{
    Database, DatabaseError, DatabaseSettings, ensure_database_exists, run_migrations,
    use_search_language,
};
use folio_redis::{InvalidRedisUrl, RedisStore};

use crate::adapters::Adapters;
use crate::background::{Supervised, TaskBoard};
use crate::blob_storage::ConfiguredBlobStorage;
use crate::config::Config;
use crate::http_server::{self, Operations};
use crate::jobs::JobsTask;
use crate::metrics::PrometheusMetrics;
use crate::outbox_relay::RelayTask;
use crate::readiness::{CachedReadiness, DependencyProbe, MAX_REPORT_AGE};
use crate::realtime::{RealtimeTasks, SocketCloser};
use actix_web::dev::{Server, ServerHandle};
use folio_http::MetricsSource;

/// Why the server could not start; printed as one line before exiting non-zero.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error(transparent)]
    Redis(#[from] InvalidRedisUrl),
    #[error("cannot listen on {address}: {reason}")]
    Bind {
        address: String,
        reason: std::io::Error,
    },
    #[error("start-up failed: {0}")]
    Other(String),
    /// An operator's command that the application refused, and why.
    #[error("{0}")]
    Refused(String),
}

/// A started server: where it listens, and what serves until shutdown.
pub struct Running {
    pub address: SocketAddr,
    /// Where `/metrics` is served when `FOLIO_METRICS_BIND` is set.
    pub metrics_address: Option<SocketAddr>,
    server: Server,
    metrics_server: Option<Server>,
    audit_tally: AuditTallyFlush,
    jobs: Option<JobsTask>,
    relay: RelayTask,
    cache_consumer: Supervised,
    notifier: Option<Supervised>,
    search_log: Supervised,
    realtime: RealtimeTasks,
}

impl Running {
    /// Stops the API server, and the metrics listener with it.
    pub fn handle(&self) -> StopHandle {
        StopHandle {
            server: self.server.handle(),
            sockets: self.realtime.closer(),
        }
    }

    /// Writes the open audit tallies on demand.
    pub fn audit_tally(&self) -> AuditTallyFlush {
        AuditTallyFlush(self.audit_tally.0.clone())
    }

    /// Serves until the API server stops (on SIGINT/SIGTERM or through [`handle`]),
    /// then stops the metrics listener, which keeps answering scrapes while the API
    /// drains, writes what is still tallied for the audit log, lets the running jobs
    /// finish and publishes the last events.
    ///
    /// [`handle`]: Running::handle
    pub async fn serve(self) -> std::io::Result<()> {
        crate::realtime::close_sockets_on_signal(&self.realtime);
        let served = match self.metrics_server {
            None => self.server.await,
            Some(metrics_server) => {
                let metrics = metrics_server.handle();
                let api = async {
                    let served = self.server.await;
                    metrics.stop(true).await;
                    served
                };
                let (api, metrics) = tokio::join!(api, metrics_server);
                api.and(metrics)
            }
        };
        self.audit_tally.flush_everything().await;
        self.search_log.stop().await;
        if let Some(jobs) = self.jobs {
            jobs.stop().await;
        }
        self.relay.stop().await;
        self.cache_consumer.stop().await;
        if let Some(notifier) = self.notifier {
            notifier.stop().await;
        }
        self.realtime.stop().await;
        served
    }
}

/// Stops a running server: its sockets are closed first (1001: clients resume on
/// another instance), since a drain would otherwise wait for them.
#[derive(Clone)]
pub struct StopHandle {
    server: ServerHandle,
    sockets: SocketCloser,
}

impl StopHandle {
    /// `graceful`: let requests in flight finish first.
    pub async fn stop(&self, graceful: bool) {
        self.sockets.close_all().await;
        self.server.stop(graceful).await;
    }
}

/// The application, for writing its open audit tallies before their window ends
/// (at shutdown, and in tests).
pub struct AuditTallyFlush(Arc<Folio<Adapters>>);

impl AuditTallyFlush {
    pub async fn flush_everything(&self) {
        self.0.flush_audit_tally(true).await;
    }
}

/// How often tallies whose window ended are written: rows are at most this much
/// later than their window.
const AUDIT_TALLY_FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

fn flush_audit_tallies_periodically(folio: Arc<Folio<Adapters>>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(AUDIT_TALLY_FLUSH_EVERY);
        loop {
            ticks.tick().await;
            folio.flush_audit_tally(false).await;
        }
    });
}

/// Creates the database if needed and applies pending migrations.
pub async fn migrate(config: &Config) -> Result<Vec<String>, StartupError> {
    ensure_database_exists(&config.database.url).await?;
    Ok(run_migrations(&config.database.url).await?)
}

/// Grants `role` to `username` from the command line (how the first admin is
/// made); returns the role the account now has.
pub async fn grant_role(
    config: &Config,
    username: &str,
    role: &str,
) -> Result<String, StartupError> {
    migrate(config).await?;
    let database = Database::connect(&config.database).await?;
    let redis = RedisStore::connect_lazily(&config.redis)?;
    // Granting a role never searches: the configured language is as good as any.
    let adapters = Adapters::new(
        database,
        redis,
        config.jobs.max_attempts,
        config.search_language.clone(),
    );
    let folio = Folio::new(adapters, config.sessions);
    let user = folio
        .grant_role_as_operator(username, role)
        .await
        .map_err(|error| operator_error(error, || format!("no user named {username:?}")))?;
    Ok(user.role.as_str().to_owned())
}

/// A use case's refusal as one line for the operator; `not_found` names what was
/// not there.
pub(crate) fn operator_error(error: AppError, not_found: impl FnOnce() -> String) -> StartupError {
    match error {
        AppError::NotFound(_) => StartupError::Refused(not_found()),
        AppError::Invalid(errors) => StartupError::Refused(
            errors
                .fields()
                .iter()
                .map(|(field, messages)| format!("{field} {}", messages.join(", ")))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => StartupError::Other(other.to_string()),
    }
}

/// Migrates, connects, wires the application and binds the listener. The returned
/// server must be awaited (or spawned) to serve.
pub async fn start(config: Config) -> Result<Running, StartupError> {
    // First: a wrong bucket stops the start before the database is touched.
    let blobs = ConfiguredBlobStorage::connect(&config.uploads).await?;
    let applied = migrate(&config).await?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    let search_language =
        use_search_language(&config.database.url, &config.search_language).await?;
    let database = Database::connect(&config.database).await?;
    // A pooled connection is driven on the runtime that opened it. Background tasks
    // run on the main runtime, requests on the HTTP workers': with one pool, a request
    // would often get a connection whose every round trip hops between threads.
    let background = Database::connect(&DatabaseSettings {
        pool_size: config.background_pool_size,
        ..config.database.clone()
    })
    .await?;
    let redis = RedisStore::connect_lazily(&config.redis)?;
    // Likewise a Redis connection is driven on the runtime that first used it: the
    // relay and the event consumer get one of their own, so that the requests'
    // connection is not opened, and then driven, by them.
    let background_redis = RedisStore::connect_lazily(&config.redis)?;

    // Each stage of the write path wakes the next on this instance (see `Doorbell`).
    let (commits, published) = (Doorbell::default(), Doorbell::default());
    let ports = Adapters::new(
        database.clone(),
        redis.clone(),
        config.jobs.max_attempts,
        search_language,
    )
    .with_blob_storage(blobs.clone())
    .ringing_on_commit(commits.clone());
    ports
        .warm_up()
        .await
        .map_err(|e| StartupError::Other(e.to_string()))?;
    let (recorder, search_records) = search_record_channel(SEARCH_LOG_CAPACITY);
    let folio = Folio::new(ports, config.sessions)
        .with_search_recorder(recorder)
        .with_password_rules(config.passwords)
        .with_rate_limits(config.rate_limits)
        .with_content_cache(config.content_cache)
        .with_audit_tally_window(config.audit_tally_window)
        .with_upload_limits(config.uploads.limits);
    let folio = Arc::new(folio);
    flush_audit_tallies_periodically(folio.clone());
    let audit_tally = AuditTallyFlush(folio.clone());
    let tasks = TaskBoard::default();
    let relay = RelayTask::start(
        background.clone(),
        background_redis.clone(),
        config.outbox_relay,
        (commits.clone(), published.clone()),
        &tasks,
    );
    let cache_consumer =
        crate::cache_consumer::start(folio.clone(), background_redis.clone(), &tasks);
    let notifier = config
        .notifier
        .then(|| crate::notifier::start(folio.clone(), background_redis.clone(), &tasks));
    let search_log = crate::search_log::start(search_records, background.clone(), &tasks);
    let realtime = RealtimeTasks::start(
        &background_redis,
        config.realtime_retention,
        published,
        &tasks,
    );
    let endpoint = realtime.endpoint(
        folio.clone(),
        &redis,
        config.realtime_retention,
        ws_settings(&config),
    );
    let jobs = JobsTask::start(
        background,
        &config.jobs,
        config.sessions,
        &config.uploads,
        blobs,
        commits,
        &tasks,
    );
    let metrics: Arc<dyn MetricsSource + Send + Sync> =
        Arc::new(PrometheusMetrics::install(database.clone()));
    let metrics_listener = config.metrics_bind.as_deref().map(bind).transpose()?;
    let operations = Operations {
        metrics: metrics_listener.is_none().then(|| metrics.clone()),
        readiness: Arc::new(CachedReadiness::new(
            DependencyProbe {
                database,
                redis,
                tasks,
            },
            MAX_REPORT_AGE,
        )),
    };

    let (listener, address) = bind(&config.bind)?;
    let server = http_server::serve(
        listener,
        folio,
        operations,
        config.http.clone(),
        endpoint,
        config.workers,
    )
    .map_err(|reason| StartupError::Bind {
        address: config.bind.clone(),
        reason,
    })?;
    tracing::info!(%address, "serving HTTP");
    let (metrics_server, metrics_address) = match metrics_listener {
        Some((listener, address)) => {
            let server = http_server::serve_metrics(listener, metrics).map_err(|reason| {
                StartupError::Bind {
                    address: address.to_string(),
                    reason,
                }
            })?;
            tracing::info!(%address, "serving metrics");
            (Some(server), Some(address))
        }
        None => (None, None),
    };
    Ok(Running {
        address,
        metrics_address,
        server,
        metrics_server,
        audit_tally,
        jobs,
        relay,
        cache_consumer,
        notifier,
        search_log,
        realtime,
    })
}

/// The socket endpoint takes the HTTP API's allowed origins and session cookie.
fn ws_settings(config: &Config) -> folio_ws::WsSettings {
    let limits = config.realtime_sockets;
    folio_ws::WsSettings {
        allowed_origins: config.http.cors_origins.clone(),
        session_cookie: config.http.cookies.session_name().to_owned(),
        queue_capacity: limits.queue_capacity,
        heartbeat: limits.heartbeat,
        idle_timeout: limits.idle_timeout,
        ..folio_ws::WsSettings::default()
    }
}

fn bind(address: &str) -> Result<(TcpListener, SocketAddr), StartupError> {
    let failed = |reason| StartupError::Bind {
        address: address.to_owned(),
        reason,
    };
    let listener = TcpListener::bind(address).map_err(failed)?;
    let bound = listener.local_addr().map_err(failed)?;
    Ok((listener, bound))
}

//! Configuration from environment variables, with defaults that work on a
//! developer machine. See the table in README.md.

use std::path::PathBuf;
use std::time::Duration;

use folio_application::jobs::retention::PurgeSettings;
use folio_application::jobs::upload_cleanup::UploadCleanupSettings;
use folio_application::jobs::{Backoff, WorkerSettings};
use folio_application::outbox_relay::RelaySettings;
use folio_application::ports::{Bucket, Window};
use folio_application::{ContentCachePolicy, PasswordRules, RateLimits, SessionPolicy};
use folio_domain::UploadLimits;
use folio_http::{
    CompressionSettings, CookieSettings, HttpSettings, RequestContextSettings, TrustedProxies,
};
use folio_postgres::DatabaseSettings;
use folio_redis::{RedisSettings, Retention};
use folio_s3::S3Settings;

mod storage;

/// Where uploaded files are kept unless `FOLIO_STORAGE_DIR` says otherwise.
pub const DEFAULT_STORAGE_DIR: &str = "data/uploads";

/// PostgreSQL connections per instance. Connections beyond what the database's cores
/// can run only queue inside PostgreSQL: on a 2-core host under full load, with 16
/// connections PostgreSQL's own log showed bursts of trivial statements taking
/// 0.1–1.6 s; with 8 there were none, at 92% of the throughput. Raise it for a bigger
/// database server, divided among the instances sharing it.
const DEFAULT_POOL_SIZE: u64 = 8;
/// Connections of the background tasks' own pool (outbox relay, job worker).
const DEFAULT_BACKGROUND_POOL_SIZE: u64 = 4;

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    /// Where `/metrics` is served instead of the API listener, when set.
    pub metrics_bind: Option<String>,
    pub database: DatabaseSettings,
    /// Connections of the pool the background tasks use, apart from requests'.
    pub background_pool_size: usize,
    pub redis: RedisSettings,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub http: HttpSettings,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    pub sessions: SessionPolicy,
    pub passwords: PasswordRules,
    pub rate_limits: RateLimits,
    /// Repeated failures from one address become one audit row per this window.
    pub audit_tally_window: Duration,
    pub content_cache: ContentCachePolicy,
    pub outbox_relay: RelaySettings,
    pub jobs: JobsConfig,
    /// The PostgreSQL text search configuration search documents are built with
    /// (`simple` when PostgreSQL has none of this name).
    pub search_language: String,
    pub uploads: UploadsConfig,
    /// How much each realtime channel keeps for clients to resume from.
    pub realtime_retention: Retention,
    /// Whether this instance runs the notifier (`FOLIO_NOTIFIER`, on by default).
    pub notifier: bool,
    pub realtime_sockets: SocketLimits,
}

/// How much a realtime socket may fall behind, and how soon a silent one is closed.
#[derive(Debug, Clone, Copy)]
pub struct SocketLimits {
    /// Live events queued per socket before it counts as too slow.
    pub queue_capacity: usize,
    pub heartbeat: Duration,
    pub idle_timeout: Duration,
}

/// Uploaded files: their limits and where they are kept.
#[derive(Debug, Clone)]
pub struct UploadsConfig {
    pub limits: UploadLimits,
    pub storage_dir: PathBuf,
    /// The bucket files are kept in instead of `storage_dir` (`FOLIO_STORAGE=s3`).
    pub s3: Option<S3Settings>,
}

/// The durable job queue, its worker and the recurring jobs.
#[derive(Debug, Clone, Copy)]
pub struct JobsConfig {
    /// `concurrency` 0 runs no worker (nor the scheduler) in this instance.
    pub worker: WorkerSettings,
    /// Attempts of a job that names none.
    pub max_attempts: u32,
    /// Done jobs are deleted this long after they finished.
    pub retention: Duration,
    pub session_purge: PurgeSettings,
    pub search_purge: PurgeSettings,
    pub notification_purge: PurgeSettings,
    pub upload_cleanup: UploadCleanupSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {name}={value:?}: {reason}")]
pub struct ConfigError {
    name: &'static str,
    value: String,
    reason: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads every setting through `lookup`, so tests can supply their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str, default: &str| lookup(name).unwrap_or_else(|| default.to_owned());
        let timeout = Duration::from_millis(number(&lookup, "FOLIO_DB_TIMEOUT_MS", 5000)?);
        let cors = get("FOLIO_CORS_ORIGINS", "*");
        let cors_origins = if cors.trim() == "*" {
            None
        } else {
            Some(
                cors.split(',')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect(),
            )
        };
        let log_format = match get("FOLIO_LOG_FORMAT", "pretty").as_str() {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError {
                    name: "FOLIO_LOG_FORMAT",
                    value: other.to_owned(),
                    reason: "expected pretty or json".into(),
                });
            }
        };
        let workers = match lookup("FOLIO_WORKERS") {
            Some(_) => Some(positive(&lookup, "FOLIO_WORKERS", 1)?),
            None => None,
        };
        let sessions = SessionPolicy {
            idle_timeout: chrono::Duration::days(positive(&lookup, "FOLIO_SESSION_IDLE_DAYS", 14)?),
            absolute_lifetime: chrono::Duration::days(positive(
                &lookup,
                "FOLIO_SESSION_LIFETIME_DAYS",
                90,
            )?),
            cache_ttl: Duration::from_secs(number(&lookup, "FOLIO_SESSION_CACHE_SECONDS", 60)?),
            ..SessionPolicy::default()
        };
        let proxies = get("FOLIO_TRUSTED_PROXIES", "");
        let trusted_proxies = TrustedProxies::parse(&proxies).map_err(|reason| ConfigError {
            name: "FOLIO_TRUSTED_PROXIES",
            value: proxies.clone(),
            reason,
        })?;
        Ok(Self {
            bind: get("FOLIO_BIND", "127.0.0.1:8080"),
            metrics_bind: lookup("FOLIO_METRICS_BIND")
                .map(|bind| bind.trim().to_owned())
                .filter(|bind| !bind.is_empty()),
            database: DatabaseSettings {
                url: get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/folio"),
                pool_size: positive(&lookup, "FOLIO_DB_POOL_SIZE", DEFAULT_POOL_SIZE)?,
                timeout,
                slow_query: Duration::from_millis(number(&lookup, "FOLIO_SLOW_QUERY_MS", 100)?),
                statement_timeout: match number(&lookup, "FOLIO_DB_STATEMENT_TIMEOUT_MS", 5000)? {
                    0 => None,
                    millis => Some(Duration::from_millis(millis)),
                },
            },
            background_pool_size: positive(
                &lookup,
                "FOLIO_DB_BACKGROUND_POOL_SIZE",
                DEFAULT_BACKGROUND_POOL_SIZE,
            )?,
            redis: RedisSettings {
                url: get("REDIS_URL", "redis://127.0.0.1:6379"),
                key_prefix: get("FOLIO_REDIS_PREFIX", "folio:"),
                timeout: Duration::from_millis(number(&lookup, "FOLIO_REDIS_TIMEOUT_MS", 1000)?),
            },
            log_filter: get("FOLIO_LOG", "info"),
            log_format,
            http: HttpSettings {
                cors_origins,
                context: RequestContextSettings {
                    expose_query_count: flag(&lookup, "FOLIO_EXPOSE_QUERY_COUNT", false)?,
                },
                trusted_proxies,
                cookies: CookieSettings {
                    secure: flag(&lookup, "FOLIO_COOKIE_SECURE", true)?,
                },
                compression: CompressionSettings {
                    min_bytes: usize::try_from(number(
                        &lookup,
                        "FOLIO_COMPRESSION_MIN_BYTES",
                        1024,
                    )?)
                    .unwrap_or(usize::MAX),
                },
            },
            workers,
            sessions,
            passwords: PasswordRules {
                reject_common: flag(&lookup, "FOLIO_REJECT_COMMON_PASSWORDS", true)?,
            },
            rate_limits: rate_limits(&lookup)?,
            audit_tally_window: Duration::from_secs(positive(
                &lookup,
                "FOLIO_AUDIT_TALLY_SECONDS",
                60,
            )?),
            content_cache: ContentCachePolicy {
                enabled: flag(&lookup, "FOLIO_CACHE", true)?,
            },
            notifier: flag(&lookup, "FOLIO_NOTIFIER", true)?,
            outbox_relay: outbox_relay(&lookup)?,
            jobs: jobs(&lookup)?,
            search_language: get("FOLIO_SEARCH_LANGUAGE", "english").trim().to_owned(),
            uploads: uploads(&lookup)?,
            realtime_retention: Retention {
                max_events: positive(&lookup, "FOLIO_WS_RETAIN", 10_000)?,
                max_age: Duration::from_secs(positive(
                    &lookup,
                    "FOLIO_WS_RETAIN_SECONDS",
                    24 * 3600,
                )?),
            },
            realtime_sockets: socket_limits(&lookup)?,
        })
    }
}

fn socket_limits(lookup: &impl Fn(&str) -> Option<String>) -> Result<SocketLimits, ConfigError> {
    let millis = |name, default| positive(lookup, name, default).map(Duration::from_millis);
    Ok(SocketLimits {
        queue_capacity: positive(lookup, "FOLIO_WS_QUEUE", 256)?,
        heartbeat: millis("FOLIO_WS_HEARTBEAT_MS", 20_000)?,
        idle_timeout: millis("FOLIO_WS_IDLE_TIMEOUT_MS", 60_000)?,
    })
}

fn rate_limits(lookup: &impl Fn(&str) -> Option<String>) -> Result<RateLimits, ConfigError> {
    let count = |name, default| positive::<u32>(lookup, name, default);
    let seconds = |name, default| positive(lookup, name, default).map(Duration::from_secs);
    let login_window = seconds("FOLIO_LOGIN_WINDOW_SECONDS", 900)?;
    let per_second: u64 = positive(lookup, "FOLIO_REQUESTS_PER_SECOND", 10)?;
    Ok(RateLimits {
        enabled: flag(lookup, "FOLIO_RATE_LIMITS", true)?,
        login_failures_per_account: Window {
            max: count("FOLIO_LOGIN_FAILURES_PER_ACCOUNT", 5)?,
            length: login_window,
        },
        login_failures_per_address: Window {
            max: count("FOLIO_LOGIN_FAILURES_PER_ADDRESS", 50)?,
            length: login_window,
        },
        registrations_per_address: Window {
            max: count("FOLIO_REGISTRATIONS_PER_ADDRESS", 10)?,
            length: seconds("FOLIO_REGISTRATION_WINDOW_SECONDS", 3600)?,
        },
        token_rejections_per_address: Window {
            max: count("FOLIO_TOKEN_REJECTIONS_PER_ADDRESS", 20)?,
            length: seconds("FOLIO_TOKEN_REJECTION_WINDOW_SECONDS", 60)?,
        },
        requests: Bucket {
            capacity: count("FOLIO_REQUEST_BURST", 300)?,
            refill_every: Duration::from_micros(1_000_000 / per_second.min(1_000_000)),
        },
        ipv6_prefix: ipv6_prefix(lookup)?,
    })
}

fn uploads(lookup: &impl Fn(&str) -> Option<String>) -> Result<UploadsConfig, ConfigError> {
    let defaults = UploadLimits::default();
    Ok(UploadsConfig {
        limits: UploadLimits {
            max_bytes: positive(lookup, "FOLIO_UPLOAD_MAX_BYTES", defaults.max_bytes)?,
            quota_bytes: positive(lookup, "FOLIO_UPLOAD_QUOTA_BYTES", defaults.quota_bytes)?,
            ..defaults
        },
        storage_dir: PathBuf::from(
            lookup("FOLIO_STORAGE_DIR").unwrap_or_else(|| DEFAULT_STORAGE_DIR.to_owned()),
        ),
        s3: storage::s3_settings(lookup)?,
    })
}

fn outbox_relay(lookup: &impl Fn(&str) -> Option<String>) -> Result<RelaySettings, ConfigError> {
    let defaults = RelaySettings::default();
    let seconds = |name, default: Duration| {
        positive::<u64>(lookup, name, default.as_secs()).map(Duration::from_secs)
    };
    Ok(RelaySettings {
        batch: positive(lookup, "FOLIO_OUTBOX_BATCH", 500)?,
        idle_poll: Duration::from_millis(positive(lookup, "FOLIO_OUTBOX_POLL_MS", 100)?),
        busy_poll: Duration::from_millis(number(lookup, "FOLIO_OUTBOX_BUSY_POLL_MS", 10)?),
        max_backoff: defaults.max_backoff,
        stream_max_len: positive(lookup, "FOLIO_EVENT_STREAM_MAX_LEN", 100_000)?,
        stream_max_age: seconds(
            "FOLIO_EVENT_STREAM_MAX_AGE_SECONDS",
            defaults.stream_max_age,
        )?,
        retention: seconds("FOLIO_OUTBOX_RETENTION_SECONDS", defaults.retention)?,
    })
}

fn jobs(lookup: &impl Fn(&str) -> Option<String>) -> Result<JobsConfig, ConfigError> {
    let worker = WorkerSettings::default();
    let seconds = |name, default: Duration| {
        positive::<u64>(lookup, name, default.as_secs()).map(Duration::from_secs)
    };
    Ok(JobsConfig {
        worker: WorkerSettings {
            concurrency: whole(lookup, "FOLIO_JOB_WORKERS", 2)?,
            visibility_timeout: seconds("FOLIO_JOB_VISIBILITY_SECONDS", worker.visibility_timeout)?,
            idle_poll: Duration::from_millis(positive(lookup, "FOLIO_JOB_POLL_MS", 1000)?),
            backoff: Backoff {
                base: seconds("FOLIO_JOB_BACKOFF_SECONDS", worker.backoff.base)?,
                cap: seconds("FOLIO_JOB_MAX_BACKOFF_SECONDS", worker.backoff.cap)?,
            },
            shutdown_grace: worker.shutdown_grace,
        },
        max_attempts: positive(lookup, "FOLIO_JOB_MAX_ATTEMPTS", 10)?,
        retention: seconds(
            "FOLIO_JOB_RETENTION_SECONDS",
            Duration::from_secs(7 * 24 * 3600),
        )?,
        session_purge: PurgeSettings {
            retention: chrono::Duration::days(positive(
                lookup,
                "FOLIO_SESSION_PURGE_AFTER_DAYS",
                30,
            )?),
            every: seconds(
                "FOLIO_SESSION_PURGE_EVERY_SECONDS",
                Duration::from_secs(3600),
            )?,
        },
        search_purge: PurgeSettings {
            retention: chrono::Duration::days(positive(
                lookup,
                "FOLIO_SEARCH_LOG_RETENTION_DAYS",
                30,
            )?),
            every: seconds(
                "FOLIO_SEARCH_LOG_PURGE_EVERY_SECONDS",
                Duration::from_secs(3600),
            )?,
        },
        notification_purge: PurgeSettings {
            retention: chrono::Duration::days(positive(
                lookup,
                "FOLIO_NOTIFICATION_RETENTION_DAYS",
                90,
            )?),
            every: seconds(
                "FOLIO_NOTIFICATION_PURGE_EVERY_SECONDS",
                Duration::from_secs(3600),
            )?,
        },
        upload_cleanup: UploadCleanupSettings {
            orphan_ttl: duration(
                lookup,
                "FOLIO_UPLOAD_ORPHAN_TTL",
                Duration::from_secs(24 * 3600),
            )?,
            every: seconds(
                "FOLIO_UPLOAD_CLEANUP_EVERY_SECONDS",
                Duration::from_secs(3600),
            )?,
        },
    })
}

/// A positive duration: whole seconds like the `*_SECONDS` settings (`86400`), or
/// with units (`24h`, `90m`, `1d 12h`).
fn duration(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Duration,
) -> Result<chrono::Duration, ConfigError> {
    let invalid = |value: &str, reason: &str| ConfigError {
        name,
        value: value.to_owned(),
        reason: reason.into(),
    };
    let parsed = match lookup(name) {
        None => default,
        Some(value) => {
            let text = value.trim();
            match text.parse::<u64>() {
                Ok(seconds) => Duration::from_secs(seconds),
                Err(_) => humantime::parse_duration(text).map_err(|_| {
                    invalid(&value, "expected seconds or a duration such as 24h or 90m")
                })?,
            }
        }
    };
    if parsed.is_zero() {
        return Err(invalid("0", "must be longer than 0"));
    }
    chrono::Duration::from_std(parsed).map_err(|_| invalid(&format!("{parsed:?}"), "too long"))
}

fn ipv6_prefix(lookup: &impl Fn(&str) -> Option<String>) -> Result<u8, ConfigError> {
    let name = "FOLIO_IPV6_PREFIX";
    let bits: u64 = positive(lookup, name, 64)?;
    u8::try_from(bits)
        .ok()
        .filter(|bits| *bits <= 128)
        .ok_or_else(|| ConfigError {
            name,
            value: bits.to_string(),
            reason: "must be between 1 and 128".into(),
        })
}

fn number(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(value) => value.trim().parse().map_err(|_| ConfigError {
            name,
            value,
            reason: "expected a whole number".into(),
        }),
    }
}

/// A whole number of at least 1 that fits `T`.
fn positive<T: TryFrom<u64>>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<T, ConfigError> {
    if number(lookup, name, default)? == 0 {
        return Err(ConfigError {
            name,
            value: "0".to_owned(),
            reason: "must be at least 1".into(),
        });
    }
    whole(lookup, name, default)
}

/// A whole number that fits `T`.
fn whole<T: TryFrom<u64>>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<T, ConfigError> {
    let value = number(lookup, name, default)?;
    T::try_from(value).map_err(|_| ConfigError {
        name,
        value: value.to_string(),
        reason: "too large".into(),
    })
}

fn flag(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match lookup(name).as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some("0" | "false" | "off" | "no") => Ok(false),
        Some("1" | "true" | "on" | "yes") => Ok(true),
        Some(other) => Err(ConfigError {
            name,
            value: other.to_owned(),
            reason: "expected true or false".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_work_on_a_developer_machine() -> Result<(), ConfigError> {
        let config = config(&[])?;
        assert_eq!(config.bind, "127.0.0.1:8080");
        assert_eq!(
            config.database.url,
            "postgres://postgres@127.0.0.1:5432/folio"
        );
        assert_eq!(config.redis.url, "redis://127.0.0.1:6379");
        assert_eq!(config.redis.key_prefix, "folio:");
        assert!(config.http.cors_origins.is_none());
        assert_eq!(config.log_format, LogFormat::Pretty);
        assert!(!config.http.context.expose_query_count);
        assert_eq!(config.metrics_bind, None);
        assert_eq!(
            config.database.statement_timeout,
            Some(Duration::from_secs(5))
        );
        Ok(())
    }

    #[test]
    fn metrics_get_their_own_listener_only_when_asked() -> Result<(), ConfigError> {
        let separate = config(&[("FOLIO_METRICS_BIND", " 127.0.0.1:9100 ")])?;
        let blank = config(&[("FOLIO_METRICS_BIND", "")])?;
        assert_eq!(separate.metrics_bind.as_deref(), Some("127.0.0.1:9100"));
        assert_eq!(blank.metrics_bind, None);
        Ok(())
    }

    #[test]
    fn a_statement_timeout_of_0_sets_none() -> Result<(), ConfigError> {
        let tiny = config(&[("FOLIO_DB_STATEMENT_TIMEOUT_MS", "250")])?;
        assert_eq!(
            tiny.database.statement_timeout,
            Some(Duration::from_millis(250))
        );
        let off = config(&[("FOLIO_DB_STATEMENT_TIMEOUT_MS", "0")])?;
        assert_eq!(off.database.statement_timeout, None);
        assert!(config(&[("FOLIO_DB_STATEMENT_TIMEOUT_MS", "soon")]).is_err());
        Ok(())
    }

    #[test]
    fn lists_and_flags_are_parsed() -> Result<(), ConfigError> {
        let config = config(&[
            ("FOLIO_CORS_ORIGINS", "https://a.example, https://b.example"),
            ("FOLIO_EXPOSE_QUERY_COUNT", "true"),
            ("FOLIO_LOG_FORMAT", "json"),
            ("FOLIO_SESSION_IDLE_DAYS", "3"),
        ])?;
        assert_eq!(
            config.http.cors_origins,
            Some(vec![
                "https://a.example".to_owned(),
                "https://b.example".to_owned()
            ])
        );
        assert!(config.http.context.expose_query_count);
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.sessions.idle_timeout, chrono::Duration::days(3));
        Ok(())
    }

    #[test]
    fn jobs_run_two_at_a_time_by_default_and_none_when_told() -> Result<(), ConfigError> {
        let defaults = config(&[])?.jobs;
        assert_eq!(defaults.worker.concurrency, 2);
        assert_eq!(defaults.worker.visibility_timeout, Duration::from_secs(300));
        assert_eq!(defaults.max_attempts, 10);
        assert_eq!(defaults.session_purge.retention, chrono::Duration::days(30));
        let tuned = config(&[
            ("FOLIO_JOB_WORKERS", "0"),
            ("FOLIO_JOB_VISIBILITY_SECONDS", "30"),
            ("FOLIO_JOB_MAX_ATTEMPTS", "3"),
            ("FOLIO_JOB_BACKOFF_SECONDS", "2"),
            ("FOLIO_SESSION_PURGE_EVERY_SECONDS", "600"),
        ])?
        .jobs;
        assert_eq!(tuned.worker.concurrency, 0);
        assert_eq!(tuned.worker.visibility_timeout, Duration::from_secs(30));
        assert_eq!(tuned.max_attempts, 3);
        assert_eq!(tuned.worker.backoff.base, Duration::from_secs(2));
        assert_eq!(tuned.session_purge.every, Duration::from_secs(600));
        assert!(config(&[("FOLIO_JOB_MAX_ATTEMPTS", "0")]).is_err());
        assert!(config(&[("FOLIO_JOB_VISIBILITY_SECONDS", "0")]).is_err());
        assert!(config(&[("FOLIO_JOB_WORKERS", "5000000000")]).is_err());
        Ok(())
    }

    #[test]
    fn the_orphan_ttl_takes_seconds_or_units() -> Result<(), ConfigError> {
        let ttl = |value: &str| config(&[("FOLIO_UPLOAD_ORPHAN_TTL", value)]);
        assert_eq!(
            config(&[])?.jobs.upload_cleanup.orphan_ttl,
            chrono::Duration::hours(24)
        );
        assert_eq!(
            ttl("90")?.jobs.upload_cleanup.orphan_ttl,
            chrono::Duration::seconds(90)
        );
        assert_eq!(
            ttl("36h")?.jobs.upload_cleanup.orphan_ttl,
            chrono::Duration::hours(36)
        );
        assert_eq!(
            ttl(" 1d 30m ")?.jobs.upload_cleanup.orphan_ttl,
            chrono::Duration::minutes(24 * 60 + 30)
        );
        for bad in ["0", "0s", "soon", "-5", "24 hours ago"] {
            let error = ttl(bad).err().map(|error| error.to_string());
            assert!(
                error.is_some_and(|error| error.contains("FOLIO_UPLOAD_ORPHAN_TTL")),
                "{bad}"
            );
        }
        Ok(())
    }

    #[test]
    fn socket_limits_default_to_the_documented_ones() -> Result<(), ConfigError> {
        let defaults = config(&[])?.realtime_sockets;
        assert_eq!(defaults.queue_capacity, 256);
        assert_eq!(defaults.heartbeat, Duration::from_secs(20));
        assert_eq!(defaults.idle_timeout, Duration::from_secs(60));
        let tuned = config(&[
            ("FOLIO_WS_QUEUE", "4"),
            ("FOLIO_WS_HEARTBEAT_MS", "250"),
            ("FOLIO_WS_IDLE_TIMEOUT_MS", "750"),
        ])?
        .realtime_sockets;
        assert_eq!(tuned.queue_capacity, 4);
        assert_eq!(tuned.heartbeat, Duration::from_millis(250));
        assert_eq!(tuned.idle_timeout, Duration::from_millis(750));
        assert!(config(&[("FOLIO_WS_QUEUE", "0")]).is_err());
        assert!(config(&[("FOLIO_WS_HEARTBEAT_MS", "0")]).is_err());
        Ok(())
    }

    #[test]
    fn bad_values_name_the_variable() {
        let error = config(&[("FOLIO_DB_POOL_SIZE", "lots")])
            .err()
            .map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("FOLIO_DB_POOL_SIZE")));
        assert!(config(&[("FOLIO_DB_POOL_SIZE", "0")]).is_err());
        assert!(config(&[("FOLIO_LOG_FORMAT", "xml")]).is_err());
        assert!(config(&[("FOLIO_EXPOSE_QUERY_COUNT", "maybe")]).is_err());
    }
}

//! `folio-ws-load`: the realtime load scenario of `make bench` (see
//! bench/ws_load.sh and docs/performance.md, "Realtime load"). Prints progress on
//! stderr, `phase <name>` lines and a final `result <json>` line on stdout.

mod api;
mod cli;
mod phases;
mod posting;
mod socket;
mod tally;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::api::{Api, ApiError};
use crate::cli::Args;
use crate::phases::{Phases, note};
use crate::posting::{Posted, Poster};
use crate::socket::{Fleet, SocketPlan, SocketReport};
use crate::tally::{Stage, tally};

/// Accounts and articles created at once while seeding.
const SEED_PARALLEL: usize = 8;
/// How long all sockets may take to open.
const OPEN_WITHIN: Duration = Duration::from_secs(600);
/// How often progress is reported while sockets open or come back.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);
/// Deliveries still in flight when the posting stops.
const SETTLE: Duration = Duration::from_secs(3);
/// Comments keep coming this long after every socket resumed, to see them live.
const AFTER_RESUME: Duration = Duration::from_secs(3);

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build();
    let outcome = match runtime {
        Ok(runtime) => runtime.block_on(run(args)),
        Err(error) => Err(ApiError(format!("runtime: {error}"))),
    };
    match outcome {
        Ok(result) => {
            println!("result {result}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            note(&format!("failed: {error}"));
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<Value, ApiError> {
    let api = Api::new(args.api())?;
    let phases = Phases::new(args.pause_at_phases);
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() % 1_000_000);
    let seeding = Instant::now();
    note(&format!("registering {} users", args.users()));
    let tokens: Vec<Arc<str>> = api
        .register_many(&format!("load{run}u"), args.users(), SEED_PARALLEL)
        .await?
        .into_iter()
        .map(Arc::from)
        .collect();
    let author = api.register(&format!("load{run}author")).await?;
    let commenter: Arc<str> = api.register(&format!("load{run}commenter")).await?.into();
    note(&format!("publishing {} articles", args.articles + 1));
    let slugs = Arc::new(
        api.publish_many(&author, args.articles + 1, SEED_PARALLEL)
            .await?,
    );
    note(&format!(
        "seeded in {:.1} s",
        seeding.elapsed().as_secs_f64()
    ));
    phases.reached("seeded").await;

    let (stop, stopped) = watch::channel(false);
    let fleet = Arc::new(Fleet {
        url: args.socket_url(),
        gate: Semaphore::new(args.connect_concurrency.max(1)),
        subscribed: AtomicUsize::new(0),
        drops: AtomicUsize::new(0),
        refusals: AtomicUsize::new(0),
        seats_taken: AtomicUsize::new(0),
        refusal_causes: Mutex::default(),
        resyncs: AtomicUsize::new(0),
        stop: stopped,
    });
    let mut followers = vec![0u64; slugs.len()];
    let mut sockets = JoinSet::new();
    let opening = Instant::now();
    for number in 0..args.sockets {
        let article = args.article_of(number);
        let (Some(token), Some(slug), Some(count)) = (
            tokens.get(number / args.sockets_per_user.max(1)),
            slugs.get(article),
            followers.get_mut(article),
        ) else {
            return Err(ApiError(format!("no user or article for socket {number}")));
        };
        *count += 1;
        let plan = SocketPlan {
            number,
            token: token.clone(),
            article,
            channel: format!("article:{slug}").into(),
        };
        sockets.spawn(socket::run(fleet.clone(), plan));
    }
    let everyone = args.sockets;
    let progress = tokio::spawn(report_progress(fleet.clone(), everyone));
    let opened = wait_until(opening + OPEN_WITHIN, || {
        fleet.subscribed.load(Ordering::SeqCst) >= everyone
    })
    .await;
    progress.abort();
    if !opened {
        return Err(ApiError(format!(
            "only {} of {everyone} sockets subscribed within {OPEN_WITHIN:?} (refusals by cause: {:?})",
            fleet.subscribed.load(Ordering::SeqCst),
            fleet.refusal_causes()
        )));
    }
    let causes_opening = fleet.refusal_causes();
    let open_seconds = opening.elapsed().as_secs_f64();
    let refused_opening = fleet.refusals.load(Ordering::SeqCst);
    let seats_taken_opening = fleet.seats_taken.load(Ordering::SeqCst);
    note(&format!(
        "{everyone} sockets subscribed in {open_seconds:.1} s"
    ));
    phases.reached("connected").await;

    let poster = Arc::new(Poster {
        api: api.clone(),
        token: commenter,
        slugs: slugs.clone(),
        rate: args.rate,
        hot_share: args.hot_share,
    });
    note(&format!(
        "posting {} comments per second for {} s",
        args.rate, args.duration
    ));
    let (_keep_posting, posting) = watch::channel(false);
    let load_started = Instant::now();
    let mut posted: Vec<(Stage, Posted)> = poster
        .run(Some(load_started + args.load_duration()), posting)
        .await
        .into_iter()
        .map(|post| (Stage::Load, post))
        .collect();
    tokio::time::sleep(SETTLE).await;
    let drops_under_load = fleet.drops.load(Ordering::SeqCst);
    phases.reached("loaded").await;

    let restart = if args.restart_wait > 0 {
        let (resumed, more) = restart(&args, &fleet, &phases, &poster).await;
        posted.extend(more.into_iter().map(|post| (Stage::Restart, post)));
        Some(resumed)
    } else {
        None
    };

    stop.send_replace(true);
    let reports: Vec<SocketReport> = sockets.join_all().await;
    let tallies = tally(&posted, &reports, &followers);
    let created = |stage| {
        posted
            .iter()
            .filter(|(s, post)| *s == stage && post.comment.is_some())
            .count()
    };
    let failed = |stage| {
        posted
            .iter()
            .filter(|(s, post)| *s == stage && post.comment.is_none())
            .count()
    };
    let mut result = json!({
        "sockets": args.sockets,
        "users": args.users(),
        "articles": args.articles,
        "rate": args.rate,
        "hotShare": args.hot_share,
        "durationSeconds": args.duration,
        "openSeconds": round(open_seconds),
        "refusedUpgrades": refused_opening,
        "refusedForSeats": seats_taken_opening,
        "refusalCauses": causes_opening,
        "dropsUnderLoad": drops_under_load,
        "load": {
            "comments": created(Stage::Load),
            "failedPosts": failed(Stage::Load),
            "deliveries": tallies.get(&Stage::Load).map(tally::Tally::to_json),
        },
    });
    if let (Some(resumed), Some(object)) = (restart, result.as_object_mut()) {
        let first_resume = reports.iter().filter_map(|r| r.resumed_at).min();
        let mut resumed = resumed.to_json(first_resume);
        if let Some(restart) = resumed.as_object_mut() {
            restart.insert("comments".into(), created(Stage::Restart).into());
            restart.insert("failedPosts".into(), failed(Stage::Restart).into());
            restart.insert(
                "deliveries".into(),
                tallies
                    .get(&Stage::Restart)
                    .map_or(Value::Null, tally::Tally::to_json),
            );
            restart.insert(
                "refusedUpgrades".into(),
                (fleet.refusals.load(Ordering::SeqCst) - refused_opening).into(),
            );
            restart.insert(
                "refusedForSeats".into(),
                (fleet.seats_taken.load(Ordering::SeqCst) - seats_taken_opening).into(),
            );
            restart.insert(
                "refusalCauses".into(),
                json!(since(&fleet.refusal_causes(), &causes_opening)),
            );
            restart.insert(
                "resyncs".into(),
                fleet.resyncs.load(Ordering::SeqCst).into(),
            );
        }
        object.insert("restart".into(), resumed);
    }
    Ok(result)
}

/// How the sockets came back after the server was restarted.
struct Resumed {
    first_drop: Option<Instant>,
    all_back: Option<Instant>,
}

impl Resumed {
    fn to_json(&self, first_resume: Option<Instant>) -> Value {
        let between = |from: Option<Instant>, to: Option<Instant>| match (from, to) {
            (Some(from), Some(to)) => Some(round(to.saturating_duration_since(from).as_secs_f64())),
            _ => None,
        };
        json!({
            "allResumed": self.all_back.is_some(),
            "firstDropToAllResumedSeconds": between(self.first_drop, self.all_back),
            "firstResumeToAllResumedSeconds": between(first_resume, self.all_back),
        })
    }
}

/// Announces the restart, keeps posting, and waits until every socket was dropped
/// and resumed.
async fn restart(
    args: &Args,
    fleet: &Arc<Fleet>,
    phases: &Phases,
    poster: &Arc<Poster>,
) -> (Resumed, Vec<Posted>) {
    let everyone = args.sockets;
    let drops_before = fleet.drops.load(Ordering::SeqCst);
    let (stop_posting, posting) = watch::channel(false);
    let writer = poster.clone();
    let posting = tokio::spawn(async move { writer.run(None, posting).await });
    phases.announce("restart");
    let progress = tokio::spawn(report_progress(fleet.clone(), everyone));
    let deadline = Instant::now() + Duration::from_secs(args.restart_wait);
    let dropped = wait_until(deadline, || {
        fleet.drops.load(Ordering::SeqCst) > drops_before
    })
    .await;
    let first_drop = dropped.then(Instant::now);
    let back = wait_until(deadline, || {
        fleet.drops.load(Ordering::SeqCst) - drops_before >= everyone
            && fleet.subscribed.load(Ordering::SeqCst) >= everyone
    })
    .await;
    let all_back = back.then(Instant::now);
    progress.abort();
    note(&format!(
        "after the restart: {} of {everyone} sockets subscribed again",
        fleet.subscribed.load(Ordering::SeqCst)
    ));
    tokio::time::sleep(AFTER_RESUME).await;
    stop_posting.send_replace(true);
    let posted = posting.await.unwrap_or_default();
    tokio::time::sleep(SETTLE).await;
    phases.reached("resumed").await;
    (
        Resumed {
            first_drop,
            all_back,
        },
        posted,
    )
}

/// Every few seconds, how many sockets are subscribed and why upgrades failed.
async fn report_progress(fleet: Arc<Fleet>, everyone: usize) {
    let mut every = tokio::time::interval(PROGRESS_EVERY);
    every.tick().await;
    loop {
        every.tick().await;
        note(&format!(
            "{} of {everyone} sockets subscribed; refusals by cause: {:?}",
            fleet.subscribed.load(Ordering::SeqCst),
            fleet.refusal_causes()
        ));
    }
}

/// Polls `done` until it holds (`true`) or `deadline` passes (`false`).
async fn wait_until(deadline: Instant, done: impl Fn() -> bool) -> bool {
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The counts of `now` less those of `before`, per cause.
fn since(
    now: &BTreeMap<String, usize>,
    before: &BTreeMap<String, usize>,
) -> BTreeMap<String, usize> {
    now.iter()
        .map(|(cause, count)| {
            (
                cause.clone(),
                count - before.get(cause).copied().unwrap_or(0),
            )
        })
        .filter(|(_, count)| *count > 0)
        .collect()
}

fn round(seconds: f64) -> f64 {
    (seconds * 100.0).round() / 100.0
}

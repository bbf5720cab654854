use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc rather than glibc's malloc: password hashing allocates 19 MiB per hash,
/// and glibc carves the freed blocks up for small allocations, so the process grew by
/// about that much per login and never gave it back. mimalloc reuses and returns it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use folio_server::{Config, job_commands, maintenance_commands, telemetry};

/// Folio, a publishing backend (RealWorld API superset).
#[derive(Parser)]
#[command(name = "folio", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations, then serve the HTTP API until SIGINT/SIGTERM.
    Serve,
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
    /// Account administration from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The durable job queue.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Upkeep an operator may run by hand.
    #[command(subcommand)]
    Maintenance(MaintenanceCommand),
}

#[derive(Subcommand)]
enum MaintenanceCommand {
    /// Remove uploads never attached within FOLIO_UPLOAD_ORPHAN_TTL and files no
    /// upload names (what the recurring `uploads.clean_up` job does).
    CleanupUploads {
        /// Only print what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Give a user a role (member, moderator, admin); how the first admin is made.
    GrantRole { username: String, role: String },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// List jobs, most recently changed first: those not done, or those in `--state`.
    List {
        /// queued, running, done or dead.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Queue a dead job again, due now, with its attempts reset.
    Retry { id: i64 },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("folio: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), folio_server::StartupError> {
    let config = Config::from_env()?;
    telemetry::init(&config.log_filter, config.log_format);
    match command {
        Command::Migrate => {
            let applied = folio_server::migrate(&config).await?;
            println!("applied {} migration(s)", applied.len());
            Ok(())
        }
        Command::Admin(AdminCommand::GrantRole { username, role }) => {
            let role = folio_server::grant_role(&config, &username, &role).await?;
            println!("{username} is now {role}");
            Ok(())
        }
        Command::Jobs(JobsCommand::List { state, limit }) => {
            let jobs = job_commands::list_jobs(&config, state.as_deref(), limit).await?;
            println!("{}", job_commands::JOB_HEADER);
            for job in &jobs {
                println!("{}", job_commands::job_line(job));
            }
            Ok(())
        }
        Command::Jobs(JobsCommand::Retry { id }) => {
            let job = job_commands::retry_job(&config, id).await?;
            println!("job {} is {} again", job.id, job.state);
            Ok(())
        }
        Command::Maintenance(MaintenanceCommand::CleanupUploads { dry_run }) => {
            let report = maintenance_commands::cleanup_uploads(&config, dry_run).await?;
            for line in maintenance_commands::report_lines(&report, dry_run) {
                println!("{line}");
            }
            Ok(())
        }
        Command::Serve => {
            let running = folio_server::start(config).await?;
            running
                .serve()
                .await
                .map_err(|e| folio_server::StartupError::Other(e.to_string()))?;
            tracing::info!("stopped");
            Ok(())
        }
    }
}

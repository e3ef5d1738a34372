//! The `scalable` command line. Each command parses its flags with clap and
//! calls into the library crates; nothing here decides anything a library
//! could.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

mod commands;
mod exit;

pub use exit::ExitCode;

/// Scalable: run scientific model ensembles from one manifest.
#[derive(Debug, Parser)]
#[command(
    name = "scalable",
    version,
    about = "Run scientific model ensembles from one manifest",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a manifest and report every problem with its position
    Validate(commands::validate::Args),
    /// Print a JSON Schema (`manifest` or `plan`)
    Schema(commands::schema::Args),
    /// Write `manifest.lock` beside the manifest
    Lock(commands::lock::Args),
    /// Print the manifest as a target resolves it (overlay applied), as JSON
    Show(commands::show::Args),
    /// Plan a target: worker groups, sizing, storage, duration and cost
    Plan(commands::plan::PlanArgs),
    /// Validate and plan a target, then run it (`--dry-run`: plan only)
    Run(commands::run::Args),
    /// Explain a plan file in plain language: what runs where, cost and risks
    Explain(commands::explain::Args),
    /// Analyse a model repository and write its component configuration
    InitComponent(commands::init_component::Args),
    /// List the run records in `.scalable/runs/` (or `$SCALABLE_RUNS_DIR`)
    Runs(commands::runs::Args),
    /// Report on a run: tasks, durations, failures, cache, workers, cost (text, JSON, HTML)
    Report(commands::report::Args),
    /// The result cache: stats, ls, show, verify, prune, clear, explain
    Cache(commands::cache::Args),
    /// Diagnose a failed run: root causes ranked, what separates them, fixes
    Diagnose(commands::diagnose::Args),
    /// Port a manifest to another provider: changes, the generated manifest, notes
    Migrate(commands::migrate::Args),
    /// Compose a workflow from a description: workflow.py, manifest additions, dependencies
    Compose(commands::compose::Args),
}

/// Text for people or JSON for tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    Text,
    /// One JSON document.
    Json,
}

/// The manifest named on the command line, else `SCALABLE_MANIFEST`, else `./scalable.yaml`.
#[derive(Debug, clap::Args)]
struct ManifestArg {
    /// Manifest file [default: $SCALABLE_MANIFEST or ./scalable.yaml]
    #[arg(value_name = "MANIFEST")]
    manifest: Option<PathBuf>,
}

impl ManifestArg {
    fn path(&self) -> PathBuf {
        self.manifest
            .clone()
            .or_else(|| std::env::var_os("SCALABLE_MANIFEST").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("scalable.yaml"))
    }
}

/// `--overlay FILE`: partial manifests applied on top of the manifest, in order.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OverlayArg {
    /// Overlay file deep-merged onto the manifest before the target's own
    /// overlay (repeatable; later files win). `scalable diagnose
    /// --write-overlay` writes one
    #[arg(long = "overlay", value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// What this project's earlier runs on `target` (under `$SCALABLE_RUNS_DIR` or
/// `./.scalable/runs`) say about task durations, for planning.
pub fn run_history(
    doc: &scalable_manifest::Document,
    target: &str,
) -> Option<scalable_plan::History> {
    let project = doc.project_name()?;
    let cwd = std::env::current_dir().ok()?;
    let root = scalable_runs::runs_root(&cwd);
    let (median_minutes, runs) = scalable_runs::history::task_medians(&root, &project, target, 10);
    (runs > 0).then_some(scalable_plan::History {
        median_minutes,
        runs,
    })
}

/// Restores the default SIGPIPE action, so `scalable show | head` ends quietly
/// like other command-line tools instead of failing on a closed pipe.
pub fn restore_sigpipe() {
    // SAFETY: setting a signal's disposition to its default is async-signal-safe
    // and done before any output.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Runs the CLI on `args` (the first is the program name) and returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => ExitCode::Usage as i32,
            };
        }
    };
    let code = match cli.command {
        Command::Validate(args) => commands::validate::run(&args),
        Command::Schema(args) => commands::schema::run(&args),
        Command::Lock(args) => commands::lock::run(&args),
        Command::Show(args) => commands::show::run(&args),
        Command::Plan(args) => commands::plan::run(&args),
        Command::Run(args) => return commands::run::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::InitComponent(args) => commands::init_component::run(&args),
        Command::Runs(args) => commands::runs::run(&args),
        Command::Report(args) => commands::report::run(&args),
        Command::Cache(args) => commands::cache::run(&args),
        Command::Diagnose(args) => commands::diagnose::run(&args),
        Command::Migrate(args) => commands::migrate::run(&args),
        Command::Compose(args) => commands::compose::run(&args),
    };
    code as i32
}

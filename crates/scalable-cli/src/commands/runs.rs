//! `scalable runs`: the run records under `.scalable/runs/` (or
//! `$SCALABLE_RUNS_DIR`), oldest first.

use std::fmt::Write;

use scalable_runs::{RunStatus, RunsError};
use serde_json::json;

use crate::{ExitCode, Format};

/// Flags of `scalable runs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// One run as listed.
struct Row {
    id: String,
    path: String,
    status: RunStatus,
    started: String,
    duration_s: Option<f64>,
    ok: u64,
    failed: u64,
}

/// Prints a runs error the way every command prints errors; returns the exit code.
pub(crate) fn fail(e: &RunsError) -> ExitCode {
    eprintln!("error[{}]: {e}\n  = help: {}", e.code(), e.hint());
    ExitCode::Usage
}

/// Runs the command.
pub fn run(args: &Args) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_default();
    let root = scalable_runs::runs_root(&cwd);
    let dirs = match scalable_runs::list(&root) {
        Ok(dirs) => dirs,
        Err(e) => return fail(&e),
    };
    let mut rows = Vec::with_capacity(dirs.len());
    for dir in dirs {
        // A closed run's summary.json, else a summary computed from its events;
        // a run that cannot be read is skipped with a warning.
        match scalable_runs::read_or_compute(dir.path()) {
            Ok(s) => {
                rows.push(Row {
                    id: s.run_id,
                    path: dir.path().display().to_string(),
                    status: s.status,
                    started: s.started,
                    duration_s: s.duration_s,
                    ok: s.tasks.succeeded,
                    failed: s.tasks.failed,
                });
            }
            Err(e) => eprintln!("warning[{}]: {e}", e.code()),
        }
    }
    match args.format {
        Format::Json => {
            let list: Vec<_> = rows
                .iter()
                .map(|r| {
                    json!({"run_id": r.id, "path": r.path, "status": r.status, "started": r.started,
                           "duration_s": r.duration_s, "tasks_ok": r.ok, "tasks_failed": r.failed})
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&list).expect("JSON values serialise")
            );
        }
        Format::Text => {
            if rows.is_empty() {
                eprintln!("no runs in `{}`", root.display());
                return ExitCode::Ok;
            }
            let id_w = rows.iter().map(|r| r.id.len()).max().unwrap_or(0).max(3);
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{:<id_w$}  {:<11}  {:<20}  {:>8}  {:>8}  {:>6}",
                "RUN", "STATUS", "STARTED", "DURATION", "TASKS OK", "FAILED"
            );
            for r in &rows {
                let _ = writeln!(
                    out,
                    "{:<id_w$}  {:<11}  {:<20}  {:>8}  {:>8}  {:>6}",
                    r.id,
                    r.status.as_str(),
                    r.started,
                    r.duration_s
                        .map_or("-".to_owned(), scalable_runs::time::human),
                    r.ok,
                    r.failed
                );
            }
            print!("{out}");
        }
    }
    ExitCode::Ok
}

/// Which run a command reads: `RUN_DIR`, `--run ID` or `--latest` (the default).
#[derive(Debug, clap::Args)]
pub struct RunChoice {
    /// A run directory
    #[arg(value_name = "RUN_DIR", conflicts_with_all = ["latest", "run"])]
    run_dir: Option<std::path::PathBuf>,
    /// The most recent run in the runs directory (the default)
    #[arg(long, conflicts_with = "run")]
    latest: bool,
    /// A run id in the runs directory, or a unique part of one
    #[arg(long, value_name = "ID")]
    run: Option<String>,
}

impl RunChoice {
    /// The chosen run's directory, looked up under this directory's runs root.
    pub fn dir(&self) -> Result<std::path::PathBuf, scalable_runs::RunsError> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let root = scalable_runs::runs_root(&cwd);
        match (&self.run_dir, &self.run) {
            (Some(dir), _) => Ok(dir.clone()),
            (None, Some(id)) => scalable_runs::find(&root, id).map(|d| d.path().to_path_buf()),
            // `--latest` is the default; the flag says so explicitly.
            (None, None) => scalable_runs::latest(&root).map(|d| d.path().to_path_buf()),
        }
    }
}

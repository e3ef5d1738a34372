//! `scalable diagnose [RUN_DIR | --latest | --run ID]`: the root causes of a
//! run's failures, ranked, with the pattern that separates them from the
//! successful tasks and concrete fixes (heuristic mode).

use clap::ValueEnum;
use scalable_ai::diagnose::{diagnose_dir, render};

use crate::ExitCode;
use crate::commands::runs::{RunChoice, fail};

/// How the diagnosis is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnoseFormat {
    /// Readable text, as the tutorial shows.
    Text,
    /// One JSON document (the diagnosis's fields plus `text`).
    Json,
    /// Markdown, for an issue or a review.
    Markdown,
}

/// Flags of `scalable diagnose`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    choice: RunChoice,
    /// Heuristic mode only: no language model (the only mode so far)
    #[arg(long)]
    no_ai: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiagnoseFormat::Text)]
    format: DiagnoseFormat,
}

/// Runs the command. A run with nothing to diagnose (it succeeded) is not an
/// error: the diagnosis says so and the exit code is 0.
pub fn run(args: &Args) -> ExitCode {
    // Heuristic mode is the only mode yet, so `--no-ai` changes nothing.
    let _ = args.no_ai;
    let dir = args.choice.dir();
    let diagnosis = match dir.and_then(|d| diagnose_dir(&d)) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    print!(
        "{}",
        match args.format {
            DiagnoseFormat::Text => render::text(&diagnosis),
            DiagnoseFormat::Json => render::json(&diagnosis),
            DiagnoseFormat::Markdown => render::markdown(&diagnosis),
        }
    );
    ExitCode::Ok
}

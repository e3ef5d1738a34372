//! `scalable report [RUN_DIR | --latest | --run ID]`: what a run did, how
//! long it took, its failures, cache use, workers and cost, as text, JSON or
//! one self-contained HTML page.

use std::path::PathBuf;

use clap::ValueEnum;
use scalable_runs::Report;

use crate::ExitCode;
use crate::commands::runs::{RunChoice, fail};

/// How the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Readable text.
    Text,
    /// The summary as JSON (the shape of `summary.json`).
    Json,
    /// One self-contained HTML page with a task timeline.
    Html,
}

/// Flags of `scalable report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    choice: RunChoice,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Write here instead of stdout [html default: RUN_DIR/report.html]
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: &Args) -> ExitCode {
    let dir = args.choice.dir();
    let report = match dir.and_then(|d| Report::load(&d)) {
        Ok(report) => report,
        Err(e) => return fail(&e),
    };
    let (text, output) =
        match args.format {
            ReportFormat::Text => (report.text(), args.output.clone()),
            ReportFormat::Json => (report.json(), args.output.clone()),
            ReportFormat::Html => (
                report.html(),
                Some(args.output.clone().unwrap_or_else(|| {
                    report.run.dir.file(scalable_runs::layout::REPORT_HTML_FILE)
                })),
            ),
        };
    match output {
        None => print!("{text}"),
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!(
                    "error[E_RUN_IO]: cannot write `{}`: {e}\n  = help: check the path and its permissions",
                    path.display()
                );
                return ExitCode::Usage;
            }
            if args.format == ReportFormat::Html {
                println!("{}", path.display());
            }
        }
    }
    ExitCode::Ok
}

//! `scalable diagnose [RUN_DIR | --latest | --run ID]`: the root causes of a
//! run's failures, ranked, with the pattern that separates them from the
//! successful tasks and concrete fixes (heuristic mode).

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use scalable_ai::diagnose::{Diagnosis, llm::diagnose_dir_with, overlay, render};
use scalable_ai::llm::Config;

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
    /// Heuristic mode: no language model, whatever SCALABLE_AI_BACKEND says
    #[arg(long)]
    no_ai: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiagnoseFormat::Text)]
    format: DiagnoseFormat,
    /// Write the proposed manifest change as an overlay file, to apply with
    /// `scalable run MANIFEST --overlay FILE` (written only when a finding's
    /// fix is a manifest change)
    #[arg(long, value_name = "FILE")]
    write_overlay: Option<PathBuf>,
    /// Replace an existing `--write-overlay` file
    #[arg(long, requires = "write_overlay")]
    force: bool,
}

/// Runs the command. A run with nothing to diagnose (it succeeded) is not an
/// error: the diagnosis says so and the exit code is 0.
pub fn run(args: &Args) -> ExitCode {
    let config = match Config::from_env(args.no_ai) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error[{}]: {e}\n  = help: {}", e.code(), e.hint());
            return ExitCode::Usage;
        }
    };
    let dir = match args.choice.dir() {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let diagnosis = match diagnose_dir_with(&dir, config.as_ref()) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    if let Some(why) = &diagnosis.fallback {
        eprintln!("note: {why}");
    }
    if let Some(file) = &args.write_overlay {
        let argv = scalable_runs::RunDir::open(&dir)
            .and_then(|d| d.read_record())
            .ok()
            .map(|r| r.argv)
            .unwrap_or_default();
        let rerun = overlay::rerun_command(&argv, &file.display().to_string());
        if let Err(code) = write_overlay(&diagnosis, file, args.force, &rerun) {
            return code;
        }
    }
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

/// Writes the diagnosis's overlay to `file` (temp file, then rename), and
/// says on stderr what it wrote, or why it wrote nothing.
fn write_overlay(
    diagnosis: &Diagnosis,
    file: &Path,
    force: bool,
    rerun: &str,
) -> Result<(), ExitCode> {
    let Some(text) = overlay::file_text(diagnosis, rerun) else {
        eprintln!(
            "No overlay written to `{}`: no finding's fix is a manifest change (see the recommendations)",
            file.display()
        );
        return Ok(());
    };
    if file.exists() && !force {
        eprintln!(
            "error: `{}` exists; not replacing it\n  = help: pass `--force` to replace it, or name another file",
            file.display()
        );
        return Err(ExitCode::Usage);
    }
    scalable_manifest::write_atomic(file, text.as_bytes()).map_err(|e| {
        eprintln!("error: cannot write `{}`: {e}", file.display());
        ExitCode::Usage
    })?;
    eprintln!("Wrote {}; apply it with: {rerun}", file.display());
    Ok(())
}

//! `scalable compose "DESCRIPTION"`: a description in plain language → a
//! runnable `workflow.py`, manifest additions and dependencies (heuristic
//! mode).

use std::path::PathBuf;

use scalable_ai::compose::{self, Options, render};

use crate::{ExitCode, Format};

/// Flags of `scalable compose`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What the workflow should do, e.g. "Run Demeter for the SSP1-5 scenarios then aggregate"
    #[arg(value_name = "DESCRIPTION")]
    description: String,
    /// Heuristic mode only: no language model (the only mode so far)
    #[arg(long)]
    no_ai: bool,
    /// The manifest to add to [default: ./scalable.yaml when it exists]
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Where `--write` writes workflow.py and scalable.additions.yaml
    #[arg(long, value_name = "DIR", default_value = ".")]
    output_dir: PathBuf,
    /// Write workflow.py and scalable.additions.yaml (never edits scalable.yaml)
    #[arg(long)]
    write: bool,
    /// Replace workflow.py and scalable.additions.yaml if they exist
    #[arg(long)]
    force: bool,
    /// The model's documentation, for LLM mode (checked; heuristic mode does not read it)
    #[arg(long, value_name = "PATH")]
    include_docs: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Runs the command: 0 when a workflow was composed, 1 when nothing could
/// be (no model recognised), 2 for a usage error.
pub fn run(args: &Args) -> ExitCode {
    let options = Options {
        manifest: args.manifest.clone(),
        output_dir: args.output_dir.clone(),
        write: args.write,
        force: args.force,
        include_docs: args.include_docs.clone(),
        ..Options::new(&args.description)
    };
    let mut composition = match compose::run(&options) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error[{}]: {e}\n  = help: {}", e.code(), e.hint());
            return ExitCode::Usage;
        }
    };
    // LLM mode arrives in a later release; say so rather than ignore the
    // request silently.
    if !args.no_ai
        && let Some(backend) = std::env::var("SCALABLE_AI_BACKEND")
            .ok()
            .filter(|b| !b.is_empty() && b != "none")
    {
        composition.notes.push(format!(
            "`SCALABLE_AI_BACKEND={backend}` asks for LLM mode, which is not available yet; this is the heuristic result"
        ));
    }
    print!(
        "{}",
        match args.format {
            Format::Text => render::text(&composition),
            Format::Json => render::json(&composition),
        }
    );
    if composition.workflow_code.is_empty() {
        ExitCode::Invalid
    } else {
        ExitCode::Ok
    }
}

//! `scalable init-component PATH --name NAME`: analyse a model repository
//! and write `PATH/scalable-component.yaml` (heuristic mode).

use std::path::PathBuf;

use scalable_ai::onboard::{self, Options, render};

use crate::{ExitCode, Format};

/// Flags of `scalable init-component`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model's repository folder
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// The component's name (a manifest key; also names `NAME_DATA` and the task)
    #[arg(long, value_name = "NAME")]
    name: String,
    /// Heuristic mode only: no language model (the only mode so far)
    #[arg(long)]
    no_ai: bool,
    /// Replace `scalable-component.yaml` (and `Dockerfile.scalable`) if they exist
    #[arg(long)]
    force: bool,
    /// Write the component file here instead of PATH/scalable-component.yaml
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Size this folder as the model's input data (default: the data files in PATH)
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Also write PATH/Dockerfile.scalable on python:3.11-slim installing the package
    #[arg(long)]
    write_dockerfile: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> ExitCode {
    let options = Options {
        data_dir: args.data_dir.clone(),
        write: true,
        output: args.output.clone(),
        force: args.force,
        write_dockerfile: args.write_dockerfile,
        ..Options::new(&args.path, &args.name)
    };
    let mut onboarding = match onboard::run(&options) {
        Ok(o) => o,
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
        onboarding.notes.push(format!(
                "`SCALABLE_AI_BACKEND={backend}` asks for LLM mode, which is not available yet; this is the heuristic result"
            ));
    }
    print!(
        "{}",
        match args.format {
            Format::Text => render::text(&onboarding),
            Format::Json => render::json(&onboarding),
        }
    );
    ExitCode::Ok
}

//! `scalable schema manifest`: the JSON Schema editors and tools validate against.

use crate::ExitCode;

/// Which schema to print.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Which {
    /// The `scalable.yaml` manifest.
    Manifest,
    /// The plan JSON `scalable plan` writes.
    Plan,
}

/// Flags of `scalable schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The schema to print
    #[arg(value_enum)]
    which: Which,
}

/// Runs the command.
pub fn run(args: &Args) -> ExitCode {
    match args.which {
        Which::Manifest => print!("{}", scalable_manifest::manifest_schema()),
        Which::Plan => print!("{}", scalable_plan::schema()),
    }
    ExitCode::Ok
}

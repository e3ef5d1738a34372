//! `scalable run --dry-run`: validate, plan, print the plan and its cost;
//! launch nothing.

use crate::ExitCode;
use crate::commands::plan::{PlanArgs, run as plan};

/// Flags of `scalable run`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("dry_run", |a| a.required(true)))]
pub struct Args {
    #[command(flatten)]
    plan: PlanArgs,
}

/// Runs the command. Only `--dry-run` exists so far, and clap requires it.
pub fn run(args: &Args) -> ExitCode {
    plan(&args.plan)
}

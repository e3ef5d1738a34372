//! `scalable explain PLAN`: a plan file in plain language: heuristic mode, or
//! worded by a model in LLM mode (`SCALABLE_AI_BACKEND`), checked against the plan.

use std::path::PathBuf;

use clap::ValueEnum;
use scalable_ai::explain::{llm::explain_with, render};
use scalable_ai::llm::Config;

use crate::ExitCode;

/// How the explanation is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Readable text, as the tutorial shows.
    Text,
    /// One JSON document (the explanation's fields plus `text`).
    Json,
    /// Markdown, for a review or an issue.
    Markdown,
}

/// Flags of `scalable explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Plan JSON written by `scalable plan --output`
    #[arg(value_name = "PLAN")]
    plan: PathBuf,
    /// Heuristic mode: no language model, whatever SCALABLE_AI_BACKEND says
    #[arg(long)]
    no_ai: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    format: ExplainFormat,
}

/// Runs the command.
pub fn run(args: &Args) -> ExitCode {
    let plan = match scalable_plan::read(&args.plan) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error[{}]: {e}\n  = help: {}", e.code(), e.hint());
            return ExitCode::Usage;
        }
    };
    let config = match Config::from_env(args.no_ai) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error[{}]: {e}\n  = help: {}", e.code(), e.hint());
            return ExitCode::Usage;
        }
    };
    let explanation = explain_with(&plan, config.as_ref());
    if let Some(why) = &explanation.fallback {
        eprintln!("note: {why}");
    }
    print!(
        "{}",
        match args.format {
            ExplainFormat::Text => render::text(&explanation),
            ExplainFormat::Json => render::json(&explanation),
            ExplainFormat::Markdown => render::markdown(&explanation),
        }
    );
    ExitCode::Ok
}

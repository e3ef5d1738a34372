//! `scalable migrate MANIFEST --to-provider P`: port a manifest to another
//! provider: the changes required, the generated manifest (which validates)
//! and what must exist before deploying; in LLM mode a model may improve the
//! notes and the manifest, which is checked like the heuristic one.

use std::path::PathBuf;

use clap::ValueEnum;
use scalable_ai::migrate::{self, MigrateError, Options, render};
use scalable_manifest::{Provider, render as manifest_render};

use crate::commands::fatal_code;
use crate::{ExitCode, Format, ManifestArg};

/// The providers a manifest can be migrated to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ToProvider {
    /// This machine.
    Local,
    /// A Slurm cluster.
    Slurm,
    /// Kubernetes (the Dask operator).
    Kubernetes,
    /// AWS ECS (Fargate or EC2).
    Aws,
    /// Google Cloud.
    Gcp,
}

impl From<ToProvider> for Provider {
    fn from(p: ToProvider) -> Provider {
        match p {
            ToProvider::Local => Provider::Local,
            ToProvider::Slurm => Provider::Slurm,
            ToProvider::Kubernetes => Provider::Kubernetes,
            ToProvider::Aws => Provider::Aws,
            ToProvider::Gcp => Provider::Gcp,
        }
    }
}

/// Flags of `scalable migrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    manifest: ManifestArg,
    /// The provider to migrate to
    #[arg(long, value_enum, value_name = "PROVIDER")]
    to_provider: ToProvider,
    /// The target to migrate [default: the first whose provider differs, preferring non-local]
    #[arg(long, value_name = "NAME")]
    from_target: Option<String>,
    /// The new target's name [default: k8s, hpc, aws, gcp or local]
    #[arg(long, value_name = "NAME")]
    target_name: Option<String>,
    /// Also write the generated manifest here (never over the input)
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace FILE if it exists
    #[arg(long, requires = "output")]
    force: bool,
    /// Heuristic mode: no language model, whatever SCALABLE_AI_BACKEND says
    #[arg(long)]
    no_ai: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Runs the command. The input is never modified.
pub fn run(args: &Args) -> ExitCode {
    let config = match scalable_ai::llm::Config::from_env(args.no_ai) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error[{}]: {e}\n  = help: {}", e.code(), e.hint());
            return ExitCode::Usage;
        }
    };
    let path = args.manifest.path();
    let doc = match super::load(&path) {
        Ok(doc) => doc,
        Err(code) => return code,
    };
    let options = Options {
        to: args.to_provider.into(),
        from_target: args.from_target.clone(),
        target_name: args.target_name.clone(),
    };
    let result = migrate::migrate(&doc, &options).and_then(|m| {
        let mut m = match &config {
            Some(config) => migrate::llm::enrich(m, &doc, config),
            None => m,
        };
        if let Some(why) = &m.fallback {
            eprintln!("note: {why}");
        }
        if let Some(output) = &args.output {
            migrate::write(&mut m, output, &path, args.force)?;
        }
        Ok(m)
    });
    let migration = match result {
        Ok(m) => m,
        Err(MigrateError::Manifest(d)) => {
            eprint!("{}", manifest_render::diagnostic(&d, &doc.source));
            return fatal_code(&d);
        }
        Err(MigrateError::Invalid(report)) => {
            eprint!("{}", manifest_render::text(&report, &doc.source));
            let e = MigrateError::Invalid(report);
            eprintln!("error: {e}\n  = help: {}", e.hint());
            return ExitCode::Invalid;
        }
        Err(e @ MigrateError::Generated(_)) => {
            eprintln!("error[{}]: {e}\n  = help: {}", e.code(), e.hint());
            return ExitCode::Invalid;
        }
        Err(e @ MigrateError::Usage { .. }) => {
            eprintln!("error[{}]: {e}\n  = help: {}", e.code(), e.hint());
            return ExitCode::Usage;
        }
    };
    print!(
        "{}",
        match args.format {
            Format::Text => render::text(&migration),
            Format::Json => render::json(&migration),
        }
    );
    ExitCode::Ok
}

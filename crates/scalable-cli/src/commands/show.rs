//! `scalable show`: the manifest as a target resolves it, as JSON with secrets masked.

use scalable_manifest::render;

use crate::commands::load_with;
use crate::{ExitCode, ManifestArg, OverlayArg};

/// Flags of `scalable show`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    manifest: ManifestArg,
    #[command(flatten)]
    overlays: OverlayArg,
    /// Resolve for this target (its overlay applied); default: the whole manifest
    #[arg(long, short = 't')]
    target: Option<String>,
}

/// Runs the command.
pub fn run(args: &Args) -> ExitCode {
    let path = args.manifest.path();
    let doc = match load_with(&path, &args.overlays) {
        Ok(doc) => doc,
        Err(code) => return code,
    };
    let report = doc.validate(args.target.as_deref());
    let Some(manifest) = &report.manifest else {
        print!("{}", render::text(&report, &doc.source));
        return ExitCode::Invalid;
    };
    // Secrets never reach the terminal: values of secret-named variables and
    // secret-named env entries are masked.
    let value = manifest.redacted_json();
    println!(
        "{}",
        serde_json::to_string_pretty(&value).expect("JSON always serialises")
    );
    ExitCode::Ok
}

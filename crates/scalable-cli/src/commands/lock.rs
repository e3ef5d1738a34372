//! `scalable lock`: write `manifest.lock` for a valid manifest.

use scalable_manifest::{LOCK_FILE, Lock, render};

use crate::commands::load;
use crate::{ExitCode, ManifestArg};

/// Flags of `scalable lock`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    manifest: ManifestArg,
}

/// Runs the command.
pub fn run(args: &Args) -> ExitCode {
    let path = args.manifest.path();
    let doc = match load(&path) {
        Ok(doc) => doc,
        Err(code) => return code,
    };
    let report = doc.validate(None);
    let Some(manifest) = &report.manifest else {
        print!("{}", render::text(&report, &doc.source));
        eprintln!("error: not writing {LOCK_FILE}: the manifest is invalid");
        return ExitCode::Invalid;
    };
    let lock_path = path
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .join(LOCK_FILE);
    let lock = Lock::new(manifest, &path);
    if let Err(e) = lock.write(&lock_path) {
        eprintln!("error: cannot write `{}`: {e}", lock_path.display());
        return ExitCode::Usage;
    }
    println!("Wrote {} ({})", lock_path.display(), lock.sha256);
    ExitCode::Ok
}

//! `scalable validate`: every problem in one pass, compiler-style or as JSON.

use scalable_manifest::{
    Code, Diagnostic, Document, LOCK_FILE, Lock, Report, digest, render, yaml::Pos,
};

use crate::commands::{fatal_code, with_overlays};
use crate::{ExitCode, Format, ManifestArg, OverlayArg};

/// Flags of `scalable validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    manifest: ManifestArg,
    #[command(flatten)]
    overlays: OverlayArg,
    /// Validate the manifest as this target resolves it (its overlay applied)
    #[arg(long, short = 't')]
    target: Option<String>,
    /// Treat warnings as errors
    #[arg(long)]
    strict: bool,
    /// Fail when `manifest.lock` is missing or does not match the manifest
    #[arg(long)]
    locked: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Runs the command.
pub fn run(args: &Args) -> ExitCode {
    let path = args.manifest.path();
    let mut report = match scalable_manifest::load(&path) {
        Ok(doc) => match with_overlays(doc, &args.overlays) {
            Ok(doc) => {
                let mut report = doc.validate(args.target.as_deref());
                if args.locked {
                    check_lock(&doc, &path, &mut report);
                }
                report
            }
            Err(failed) => {
                let (report, overlay_source, code) = *failed;
                match args.format {
                    Format::Text => print!("{}", render::text(&report, &overlay_source)),
                    Format::Json => print!("{}", render::json(&report)),
                }
                return code;
            }
        },
        // Nothing was read: a usage error (exit 2), reported on stderr for
        // people, and as the usual report on stdout for tools.
        Err(d) if d.code == Code::Io => {
            let code = fatal_code(&d);
            match args.format {
                Format::Text => eprint!("{}", render::diagnostic(&d, "")),
                Format::Json => print!("{}", render::json(&failed(*d))),
            }
            return code;
        }
        Err(d) => failed(*d),
    };
    let source = std::fs::read_to_string(&path).unwrap_or_default();
    if args.strict {
        for d in &mut report.diagnostics {
            d.severity = scalable_manifest::Severity::Error;
        }
    }
    match args.format {
        Format::Text => print!("{}", render::text(&report, &source)),
        Format::Json => print!("{}", render::json(&report)),
    }
    if report.ok() {
        ExitCode::Ok
    } else {
        ExitCode::Invalid
    }
}

/// The report of a file that could not be loaded: its one problem.
fn failed(d: Diagnostic) -> Report {
    Report {
        file: d.file.clone(),
        diagnostics: vec![d],
        manifest: None,
    }
}

fn check_lock(doc: &Document, path: &std::path::Path, report: &mut Report) {
    let Some(manifest) = doc.validate(None).manifest else {
        return;
    };
    let lock_path = path
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .join(LOCK_FILE);
    let lock_cmd = format!("`scalable lock {}`", path.display());
    let problem = match Lock::read(&lock_path) {
        // Missing or unreadable: nothing to review, only to write.
        Err(e) => Some((e, format!("write it with {lock_cmd}"))),
        Ok(lock) if lock.sha256 != digest(&manifest) => Some((
            format!(
                "`{}` was written for another version of this manifest ({}, now {})",
                lock_path.display(),
                short(&lock.sha256),
                short(&digest(&manifest))
            ),
            format!("review the change, then run {lock_cmd}"),
        )),
        Ok(_) => None,
    };
    if let Some((message, hint)) = problem {
        let mut d = Diagnostic::new(Code::StaleLock, "", Pos::default(), message).hint(hint);
        d.file = doc.file.clone();
        report.diagnostics.push(d);
    }
}

fn short(digest: &str) -> &str {
    &digest[..digest.len().min(19)]
}

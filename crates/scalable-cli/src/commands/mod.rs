//! One module per command.

pub mod cache;
pub mod compose;
pub mod diagnose;
pub mod explain;
pub mod init_component;
pub mod lock;
pub mod migrate;
pub mod plan;
pub mod progress;
pub mod report;
pub mod run;
pub mod runs;
pub mod schema;
pub mod show;
pub mod validate;

use scalable_manifest::{Code, Diagnostic, Document, OverlayFileError, Report, render};

use crate::{ExitCode, OverlayArg};

/// Loads a manifest, or prints why it cannot be and returns the exit code.
pub(crate) fn load(path: &std::path::Path) -> Result<Document, ExitCode> {
    scalable_manifest::load(path).map_err(|d| {
        let source = std::fs::read_to_string(path).unwrap_or_default();
        eprint!("{}", render::diagnostic(&d, &source));
        fatal_code(&d)
    })
}

/// A manifest with its `--overlay` files applied, or what stopped one: its
/// report, the text to excerpt from, and the exit code.
pub(crate) fn with_overlays(
    mut doc: Document,
    overlays: &OverlayArg,
) -> Result<Document, Box<(Report, String, ExitCode)>> {
    for file in &overlays.files {
        doc = doc.with_overlay_file(file).map_err(|e| match e {
            OverlayFileError::Load(d) => {
                let source = std::fs::read_to_string(file).unwrap_or_default();
                let code = fatal_code(&d);
                let report = Report {
                    file: d.file.clone(),
                    diagnostics: vec![*d],
                    manifest: None,
                };
                Box::new((report, source, code))
            }
            OverlayFileError::Invalid { report, source } => {
                Box::new((*report, source, ExitCode::Invalid))
            }
        })?;
    }
    Ok(doc)
}

/// Loads a manifest and applies its `--overlay` files, or prints why it
/// cannot and returns the exit code.
pub(crate) fn load_with(
    path: &std::path::Path,
    overlays: &OverlayArg,
) -> Result<Document, ExitCode> {
    with_overlays(load(path)?, overlays).map_err(|failed| {
        let (report, source, code) = *failed;
        print!("{}", render::text(&report, &source));
        code
    })
}

/// I/O problems are usage errors (2); a file that was read but is broken is invalid (1).
pub(crate) fn fatal_code(d: &Diagnostic) -> ExitCode {
    if d.code == Code::Io {
        ExitCode::Usage
    } else {
        ExitCode::Invalid
    }
}

//! One module per command.

pub mod cache;
pub mod compose;
pub mod diagnose;
pub mod explain;
pub mod init_component;
pub mod lock;
pub mod plan;
pub mod progress;
pub mod report;
pub mod run;
pub mod runs;
pub mod schema;
pub mod show;
pub mod validate;

use scalable_manifest::{Code, Diagnostic, Document, render};

use crate::ExitCode;

/// Loads a manifest, or prints why it cannot be and returns the exit code.
pub(crate) fn load(path: &std::path::Path) -> Result<Document, ExitCode> {
    scalable_manifest::load(path).map_err(|d| {
        let source = std::fs::read_to_string(path).unwrap_or_default();
        eprint!("{}", render::diagnostic(&d, &source));
        fatal_code(&d)
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

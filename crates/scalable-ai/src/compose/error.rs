//! Why `compose` could not do its job: each kind has a stable code, a
//! message and a hint. A description it cannot make sense of is not an
//! error: the result says what was and was not understood.

use std::path::{Path, PathBuf};

/// A `compose` failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeError {
    /// `--manifest` cannot be read, or does not validate.
    Manifest { path: PathBuf, reason: String },
    /// `--include-docs` does not exist.
    Docs { path: PathBuf },
    /// A file to write exists and `--force` was not given.
    Exists { path: PathBuf },
    /// Writing a file failed.
    Write { path: PathBuf, reason: String },
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

impl ComposeError {
    /// The stable code, e.g. `E_COMPOSE_EXISTS`.
    pub fn code(&self) -> &'static str {
        match self {
            ComposeError::Manifest { .. } => "E_COMPOSE_MANIFEST",
            ComposeError::Docs { .. } => "E_COMPOSE_DOCS",
            ComposeError::Exists { .. } => "E_COMPOSE_EXISTS",
            ComposeError::Write { .. } => "E_COMPOSE_WRITE",
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            ComposeError::Manifest { path, .. } => format!(
                "run `scalable validate {}` and fix what it reports, or name another manifest with `--manifest`",
                shown(path)
            ),
            ComposeError::Docs { .. } => {
                "name a file or folder of the model's documentation, or leave `--include-docs` out (heuristic mode does not read it)".to_string()
            }
            ComposeError::Exists { .. } => {
                "review or move the existing file, write elsewhere with `--output-dir`, or run again with `--force` to replace it".to_string()
            }
            ComposeError::Write { .. } => {
                "check that the folder exists and is writable, or write elsewhere with `--output-dir`".to_string()
            }
        }
    }
}

impl std::fmt::Display for ComposeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ComposeError::Manifest { path, reason } => {
                write!(f, "cannot use the manifest `{}`: {reason}", shown(path))
            }
            ComposeError::Docs { path } => {
                write!(
                    f,
                    "`--include-docs` names `{}`, which does not exist",
                    shown(path)
                )
            }
            ComposeError::Exists { path } => {
                write!(f, "`{}` already exists; not overwriting it", shown(path))
            }
            ComposeError::Write { path, reason } => {
                write!(f, "cannot write `{}`: {reason}", shown(path))
            }
        }
    }
}

impl std::error::Error for ComposeError {}

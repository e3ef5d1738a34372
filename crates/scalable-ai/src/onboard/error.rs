//! Why `init-component` could not do its job: each kind has a stable code,
//! a message naming the file and a hint saying what to do.

use std::path::{Path, PathBuf};

/// An `init-component` failure. Problems inside the repository (an unreadable
/// file, a symlink loop) are notes on the result, never errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnboardError {
    /// The model path does not exist or is not a directory.
    Path { path: PathBuf, reason: String },
    /// `--data-dir` does not exist or is not a directory.
    DataDir { path: PathBuf, reason: String },
    /// The component name cannot be a manifest key and an environment prefix.
    Name { name: String },
    /// The file to write exists and `--force` was not given.
    Exists { path: PathBuf },
    /// Writing a file failed.
    Write { path: PathBuf, reason: String },
    /// `--write-dockerfile` for a repository that is not a Python package.
    Dockerfile { language: String },
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

impl OnboardError {
    /// The stable code, e.g. `E_ONBOARD_EXISTS`.
    pub fn code(&self) -> &'static str {
        match self {
            OnboardError::Path { .. } => "E_ONBOARD_PATH",
            OnboardError::DataDir { .. } => "E_ONBOARD_DATA_DIR",
            OnboardError::Name { .. } => "E_ONBOARD_NAME",
            OnboardError::Exists { .. } => "E_ONBOARD_EXISTS",
            OnboardError::Write { .. } => "E_ONBOARD_WRITE",
            OnboardError::Dockerfile { .. } => "E_ONBOARD_DOCKERFILE",
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            OnboardError::Path { .. } => {
                "name the model's repository folder, e.g. `scalable init-component ./capabilities/demeter --name demeter`".to_string()
            }
            OnboardError::DataDir { .. } => {
                "name the folder holding the model's input data, or leave `--data-dir` out to size the data found in the repository".to_string()
            }
            OnboardError::Name { .. } => {
                "use letters, digits, `-` and `_`, starting with a letter, e.g. `--name demeter`".to_string()
            }
            OnboardError::Exists { .. } => {
                "review or move the existing file, or run again with `--force` to replace it".to_string()
            }
            OnboardError::Write { .. } => {
                "check that the folder exists and is writable, or write elsewhere with `--output FILE`".to_string()
            }
            OnboardError::Dockerfile { .. } => {
                "the template installs a Python package; write a Dockerfile for this model by hand and run again".to_string()
            }
        }
    }
}

impl std::fmt::Display for OnboardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OnboardError::Path { path, reason } => {
                write!(f, "cannot analyze `{}`: {reason}", shown(path))
            }
            OnboardError::DataDir { path, reason } => {
                write!(f, "cannot size the data folder `{}`: {reason}", shown(path))
            }
            OnboardError::Name { name } => write!(
                f,
                "`{name}` cannot name a component (it is also the prefix of its `_DATA` variable)"
            ),
            OnboardError::Exists { path } => {
                write!(f, "`{}` already exists; not overwriting it", shown(path))
            }
            OnboardError::Write { path, reason } => {
                write!(f, "cannot write `{}`: {reason}", shown(path))
            }
            OnboardError::Dockerfile { language } => write!(
                f,
                "`--write-dockerfile` writes a Python image, and this repository was detected as {language}"
            ),
        }
    }
}

impl std::error::Error for OnboardError {}

//! Errors opening, writing or reading run records. Each has a stable code and a hint.

use std::path::PathBuf;

/// Why a run record could not be opened, written or read.
#[derive(Debug, thiserror::Error)]
pub enum RunsError {
    /// A file or directory of the record could not be created, read or written.
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        /// What was being done (`create`, `read`, `write`, ...).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The directory holds no `run.json`.
    #[error("`{0}` is not a run record (no `run.json`)")]
    NotARun(PathBuf),
    /// The runs directory holds no run.
    #[error("no runs in `{0}`")]
    NoRuns(PathBuf),
    /// No run in the runs directory matches the id.
    #[error("no run matches `{id}` in `{root}`")]
    UnknownRun {
        /// What was asked for.
        id: String,
        /// The runs directory searched.
        root: PathBuf,
    },
    /// More than one run matches the id.
    #[error("`{id}` matches {} runs: {}", matches.len(), matches.join(", "))]
    AmbiguousRun {
        /// What was asked for.
        id: String,
        /// The runs it matches.
        matches: Vec<String>,
    },
    /// `run.json` is not a run record this version reads.
    #[error("`{path}` is not a readable run record: {reason}")]
    BadRecord {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A stream name other than the seven the layout has.
    #[error("unknown event stream `{0}`")]
    UnknownStream(String),
    /// An event that is not a JSON object of its stream's schema.
    #[error("invalid `{stream}` event: {reason}")]
    BadEvent {
        /// The stream it was meant for.
        stream: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A status name other than `succeeded`, `failed` or `interrupted`.
    #[error("unknown final status `{0}`")]
    BadStatus(String),
    /// The recorder was closed; the record is final.
    #[error("run `{0}` is closed; its record is final")]
    Closed(String),
}

impl RunsError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            RunsError::Io { .. } => "E_RUN_IO",
            RunsError::NotARun(_) => "E_RUN_NOT_FOUND",
            RunsError::NoRuns(_) => "E_NO_RUNS",
            RunsError::UnknownRun { .. } => "E_RUN_UNKNOWN",
            RunsError::AmbiguousRun { .. } => "E_RUN_AMBIGUOUS",
            RunsError::BadRecord { .. } => "E_RUN_RECORD",
            RunsError::UnknownStream(_) => "E_RUN_STREAM",
            RunsError::BadEvent { .. } => "E_RUN_EVENT",
            RunsError::BadStatus(_) => "E_RUN_STATUS",
            RunsError::Closed(_) => "E_RUN_CLOSED",
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            RunsError::Io { .. } => "check the path and its permissions",
            RunsError::NotARun(_) => {
                "name a directory under `.scalable/runs/`, or use `--latest`; `scalable runs` lists them"
            }
            RunsError::NoRuns(_) => {
                "start one with `scalable run MANIFEST --workflow workflow.py`, or set `SCALABLE_RUNS_DIR`"
            }
            RunsError::UnknownRun { .. } | RunsError::AmbiguousRun { .. } => {
                "`scalable runs` lists the runs; give the full id or a longer part of it"
            }
            RunsError::BadRecord { .. } => {
                "the record was written by another version or edited by hand; see docs/telemetry.md"
            }
            RunsError::UnknownStream(_) => {
                "streams are tasks, workers, failures, cache, artifacts, cost and resources"
            }
            RunsError::BadEvent { .. } => {
                "send one JSON object with the fields docs/telemetry.md lists for the stream"
            }
            RunsError::BadStatus(_) => "use `succeeded`, `failed` or `interrupted`, or none",
            RunsError::Closed(_) => "record events before closing the run",
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        RunsError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Results of this crate.
pub type Result<T, E = RunsError> = std::result::Result<T, E>;

//! Run records: every run of a workflow leaves a directory under
//! `.scalable/runs/` (or `$SCALABLE_RUNS_DIR`) holding the manifest, plan and
//! lock it ran, its lifecycle (`run.json`), append-only JSONL event streams
//! fed from Python, and a `summary.json` written at close. Reports (text,
//! JSON, self-contained HTML) read the record back, even one whose process
//! was killed mid-write. docs/telemetry.md documents every file.
//!
//! This crate stands alone: it knows nothing of manifests or plans beyond the
//! few plan fields it copies (`target`, `provider.name`, `manifest_lock`,
//! `cost`).

mod error;
pub mod history;
pub mod layout;
pub mod read;
mod recorder;
pub mod records;
pub mod redact;
pub mod report;
pub mod schema;
pub mod status;
pub mod summary;
pub mod time;

pub use error::{Result, RunsError};
pub use layout::{RUN_DIR_ENV, RUNS_DIR_ENV, RunDir, find, latest, list, runs_root};
pub use read::{Run, load};
pub use recorder::{MAX_ARG_CHARS, MAX_STRING_BYTES, MAX_TRACEBACK_BYTES, NewRun, Recorder};
pub use report::Report;
pub use schema::{RunRecord, RunStatus, Stream};
pub use summary::{Summary, read_or_compute, summarize};

//! Where run records live and what a run directory holds:
//!
//! ```text
//! .scalable/runs/run-<YYYYMMDDTHHMMSSZ>-<project>-<8 hex>/
//!   manifest.yaml  plan.json  manifest.lock  run.json  summary.json
//!   tasks.jsonl  workers.jsonl  failures.jsonl  cache.jsonl
//!   artifacts.jsonl  cost.jsonl  resources.jsonl  logs/
//! ```
//!
//! `SCALABLE_RUNS_DIR` replaces `./.scalable/runs`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::error::{Result, RunsError};
use crate::schema::{RunRecord, Stream};

/// The variable that moves the runs directory.
pub const RUNS_DIR_ENV: &str = "SCALABLE_RUNS_DIR";
/// The variable through which `scalable run` hands its run to the workflow.
pub const RUN_DIR_ENV: &str = "SCALABLE_RUN_DIR";

/// The manifest as written (secrets masked).
pub const MANIFEST_FILE: &str = "manifest.yaml";
/// The plan the run executes.
pub const PLAN_FILE: &str = "plan.json";
/// The lock of the manifest.
pub const LOCK_FILE: &str = "manifest.lock";
/// The run's lifecycle record.
pub const RUN_FILE: &str = "run.json";
/// The summary written at close.
pub const SUMMARY_FILE: &str = "summary.json";
/// Workflow and worker logs.
pub const LOGS_DIR: &str = "logs";
/// Where `scalable report --format html` writes by default.
pub const REPORT_HTML_FILE: &str = "report.html";

/// The runs directory: `$SCALABLE_RUNS_DIR` (relative to `cwd` if relative),
/// else `cwd/.scalable/runs`.
pub fn runs_root(cwd: &Path) -> PathBuf {
    match std::env::var_os(RUNS_DIR_ENV).filter(|v| !v.is_empty()) {
        Some(dir) => cwd.join(dir),
        None => cwd.join(".scalable").join("runs"),
    }
}

/// A run directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    path: PathBuf,
    id: String,
}

impl RunDir {
    /// Creates a new, empty run directory under `root` (made if missing) for
    /// `project` started at `started` (seconds since the epoch): every stream
    /// file empty, `logs/` present. `run.json` is the caller's to write.
    pub fn create(root: &Path, project: &str, started: f64) -> Result<RunDir> {
        std::fs::create_dir_all(root).map_err(|e| RunsError::io("create", root, e))?;
        let mut last_err = None;
        for attempt in 0..16 {
            let id = run_id(project, started, attempt);
            let path = root.join(&id);
            match std::fs::create_dir(&path) {
                Ok(()) => {
                    let dir = RunDir { path, id };
                    dir.populate()?;
                    return Ok(dir);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_err = Some(e),
                Err(e) => return Err(RunsError::io("create", path, e)),
            }
        }
        Err(RunsError::io(
            "create",
            root,
            last_err.unwrap_or_else(|| std::io::Error::other("no free run id")),
        ))
    }

    fn populate(&self) -> Result<()> {
        for stream in Stream::ALL {
            let path = self.stream_path(stream);
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| RunsError::io("create", path, e))?;
        }
        let logs = self.path.join(LOGS_DIR);
        std::fs::create_dir_all(&logs).map_err(|e| RunsError::io("create", logs, e))
    }

    /// An existing run directory (it must hold `run.json`).
    pub fn open(path: &Path) -> Result<RunDir> {
        if !path.join(RUN_FILE).is_file() {
            return Err(RunsError::NotARun(path.to_path_buf()));
        }
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let id = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(RunDir { path, id })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The run id (the directory's name).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A file of the run, e.g. [`RUN_FILE`].
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// The JSONL file of `stream`.
    pub fn stream_path(&self, stream: Stream) -> PathBuf {
        self.path.join(stream.file_name())
    }

    /// `logs/`.
    pub fn logs_dir(&self) -> PathBuf {
        self.path.join(LOGS_DIR)
    }

    /// Reads `run.json`.
    pub fn read_record(&self) -> Result<RunRecord> {
        let path = self.file(RUN_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| RunsError::io("read", &path, e))?;
        serde_json::from_str(&text).map_err(|e| RunsError::BadRecord {
            path,
            reason: e.to_string(),
        })
    }
}

/// `run-<YYYYMMDDTHHMMSSZ>-<project>-<8 hex>`. The hex is the start of the
/// SHA-256 of (time, pid, a process-wide counter, attempt): distinct runs
/// started in the same second by any process get distinct ids.
pub fn run_id(project: &str, started: f64, attempt: u32) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = Sha256::new();
    h.update(started.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    h.update(attempt.to_le_bytes());
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.update(d.as_nanos().to_le_bytes());
    }
    let hash = h.finalize();
    let hex: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "run-{}-{}-{hex}",
        crate::time::compact(started),
        safe_name(project)
    )
}

/// The project name as it may appear in a directory name.
fn safe_name(project: &str) -> String {
    let s: String = project
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches(['-', '.']).to_owned();
    if s.is_empty() { "run".to_owned() } else { s }
}

/// Every run under `root`, oldest first (by start time, then id). A missing
/// root has no runs; directories without `run.json` are skipped.
pub fn list(root: &Path) -> Result<Vec<RunDir>> {
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(RunsError::io("read", root, e)),
    };
    let mut runs: Vec<(f64, RunDir)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| RunsError::io("read", root, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("run-") {
            continue;
        }
        let Ok(dir) = RunDir::open(&entry.path()) else {
            continue;
        };
        let started = dir.read_record().map(|r| r.started_unix).unwrap_or(0.0);
        runs.push((started, dir));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    Ok(runs.into_iter().map(|(_, d)| d).collect())
}

/// The most recently started run under `root`.
pub fn latest(root: &Path) -> Result<RunDir> {
    list(root)?
        .pop()
        .ok_or_else(|| RunsError::NoRuns(root.to_path_buf()))
}

/// The run under `root` whose id is `id`, or the only one whose id contains it.
pub fn find(root: &Path, id: &str) -> Result<RunDir> {
    let runs = list(root)?;
    if let Some(run) = runs.iter().find(|r| r.id == id) {
        return Ok(run.clone());
    }
    let matches: Vec<&RunDir> = runs.iter().filter(|r| r.id.contains(id)).collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(RunsError::UnknownRun {
            id: id.to_owned(),
            root: root.to_path_buf(),
        }),
        many => Err(RunsError::AmbiguousRun {
            id: id.to_owned(),
            matches: many.iter().map(|r| r.id.clone()).collect(),
        }),
    }
}

/// Writes `bytes` to a temp file beside `path`, syncs it and renames it over
/// `path`: readers see the old file or the new one, never a torn one.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| RunsError::io("write", path, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| RunsError::io("write", path, e))?;
    tmp.persist(path)
        .map_err(|e| RunsError::io("write", path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shape() {
        let id = run_id("demeter-lulcc", 1_779_250_500.0, 0);
        assert!(
            id.starts_with("run-20260520T041500Z-demeter-lulcc-"),
            "{id}"
        );
        let hex = id.rsplit('-').next().unwrap();
        assert_eq!(hex.len(), 8);
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(id, run_id("demeter-lulcc", 1_779_250_500.0, 0));
        assert!(run_id("a b/c", 0.0, 0).starts_with("run-19700101T000000Z-a-b-c-"));
    }

    #[test]
    fn creates_the_layout() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(&tmp.path().join("runs"), "p", 0.0).unwrap();
        for s in Stream::ALL {
            assert!(dir.stream_path(s).is_file());
        }
        assert!(dir.logs_dir().is_dir());
    }
}

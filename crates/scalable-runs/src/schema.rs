//! The versioned schemas of a run record: `run.json`, `summary.json` (see
//! [`crate::summary`]) and one event type per JSONL stream. Every record and
//! every event line carries `schema` (its stream's version). Readers accept
//! any field they do not know (kept in `extra`) and any event kind they do not
//! know, so a record written by a newer Scalable still reads; docs/telemetry.md
//! documents every field.
//!
//! Times are seconds since the Unix epoch (UTC) as JSON numbers; memory is in
//! bytes; money in US dollars.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Version of `run.json`.
pub const RUN_SCHEMA: u32 = 1;
/// Version of `summary.json`.
pub const SUMMARY_SCHEMA: u32 = 1;

/// One of the seven append-only event streams of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    /// `tasks.jsonl`: task lifecycle events.
    Tasks,
    /// `workers.jsonl`: workers added, removed, killed, restarted.
    Workers,
    /// `failures.jsonl`: exceptions and the scheduler's evidence.
    Failures,
    /// `cache.jsonl`: cache hits, misses and stores.
    Cache,
    /// `artifacts.jsonl`: outputs the workflow recorded.
    Artifacts,
    /// `cost.jsonl`: money accrued and estimates.
    Cost,
    /// `resources.jsonl`: CPU and memory samples per worker.
    Resources,
}

impl Stream {
    /// Every stream, in layout order.
    pub const ALL: [Stream; 7] = [
        Stream::Tasks,
        Stream::Workers,
        Stream::Failures,
        Stream::Cache,
        Stream::Artifacts,
        Stream::Cost,
        Stream::Resources,
    ];

    /// `tasks`, `workers`, ...
    pub fn name(self) -> &'static str {
        match self {
            Stream::Tasks => "tasks",
            Stream::Workers => "workers",
            Stream::Failures => "failures",
            Stream::Cache => "cache",
            Stream::Artifacts => "artifacts",
            Stream::Cost => "cost",
            Stream::Resources => "resources",
        }
    }

    /// `tasks.jsonl`, ...
    pub fn file_name(self) -> &'static str {
        match self {
            Stream::Tasks => "tasks.jsonl",
            Stream::Workers => "workers.jsonl",
            Stream::Failures => "failures.jsonl",
            Stream::Cache => "cache.jsonl",
            Stream::Artifacts => "artifacts.jsonl",
            Stream::Cost => "cost.jsonl",
            Stream::Resources => "resources.jsonl",
        }
    }

    /// The schema version this crate writes for the stream.
    pub fn schema_version(self) -> u32 {
        1
    }

    /// The stream named `name` (`tasks` or `tasks.jsonl`).
    pub fn parse(name: &str) -> Option<Stream> {
        let name = name.strip_suffix(".jsonl").unwrap_or(name);
        Stream::ALL.into_iter().find(|s| s.name() == name)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The lifecycle state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Open: its recorder has not closed it.
    Running,
    /// Closed, every task that ran ended well and the workflow exited 0.
    Succeeded,
    /// Closed with a task that failed for good, or a workflow that exited non-zero.
    Failed,
    /// Stopped before it was closed (killed, Ctrl-C, a crash).
    Interrupted,
}

impl RunStatus {
    /// `running`, `succeeded`, `failed` or `interrupted`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }

    /// Parses one of the four names.
    pub fn parse(name: &str) -> Option<RunStatus> {
        match name {
            "running" => Some(RunStatus::Running),
            "succeeded" => Some(RunStatus::Succeeded),
            "failed" => Some(RunStatus::Failed),
            "interrupted" => Some(RunStatus::Interrupted),
            _ => None,
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Task counts stored in `run.json` when the run closes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskCounts {
    /// Distinct task keys seen.
    pub total: u64,
    /// Tasks whose last outcome is `finished`.
    pub succeeded: u64,
    /// Tasks whose last outcome is `failed`.
    pub failed: u64,
    /// Tasks never finished nor failed (pending, running, cancelled).
    pub unfinished: u64,
    /// Tasks retried at least once.
    pub retried: u64,
}

/// `run.json`: who started the run, where, and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// `run.json` schema version (1).
    pub schema: u32,
    /// The run's directory name, `run-<YYYYMMDDTHHMMSSZ>-<project>-<8 hex>`.
    pub run_id: String,
    /// The manifest's project name.
    pub project: String,
    /// The target the plan was made for, if the plan names one.
    #[serde(default)]
    pub target: Option<String>,
    /// The provider of that target, if the plan names one.
    #[serde(default)]
    pub provider: Option<String>,
    /// The status as last written (readers derive `interrupted` from a dead `running`).
    pub status: RunStatus,
    /// Start time, RFC 3339 UTC.
    pub started: String,
    /// Start time, seconds since the epoch.
    pub started_unix: f64,
    /// End time, RFC 3339 UTC, once closed.
    #[serde(default)]
    pub finished: Option<String>,
    /// End time, seconds since the epoch, once closed.
    #[serde(default)]
    pub finished_unix: Option<f64>,
    /// The workflow's exit code, if the closer knew it.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// Why the status is what it is, once closed (e.g. `2 tasks failed`).
    #[serde(default)]
    pub reason: Option<String>,
    /// Task counts, once closed.
    #[serde(default)]
    pub tasks: Option<TaskCounts>,
    /// The process that opened the run.
    pub pid: u32,
    /// That process's start time (Linux: clock ticks after boot), to tell a reused pid.
    #[serde(default)]
    pub pid_start: Option<u64>,
    /// The host that process runs on.
    pub host: String,
    /// Its working directory.
    #[serde(default)]
    pub cwd: String,
    /// Its command line, secrets masked.
    #[serde(default)]
    pub argv: Vec<String>,
    /// `sha256:` digest of the canonical manifest.
    #[serde(default)]
    pub manifest_lock: Option<String>,
    /// `scalable-runs <version>` that wrote the record.
    #[serde(default)]
    pub recorder: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An exception as Python reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionInfo {
    /// The exception class, e.g. `MemoryError`, `KilledWorker`.
    #[serde(rename = "type", default = "default_exception_type")]
    pub kind: String,
    /// `str(exception)`.
    #[serde(default)]
    pub message: String,
    /// The formatted traceback, if known (the last 32 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceback: Option<String>,
}

fn default_exception_type() -> String {
    "Exception".to_owned()
}

/// What happened to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskEventKind {
    /// The client submitted it (carries `function`, `tag`, `args`, `retries`).
    Submitted,
    /// A worker started it.
    Started,
    /// It finished and its result is in memory.
    Finished,
    /// It raised, or the scheduler gave up on it (carries `exception`).
    Failed,
    /// It goes back to waiting to run again (Dask retry, lost worker, `client.retry`).
    Retried,
    /// A kind this version does not know.
    #[serde(other)]
    Other,
}

/// A line of `tasks.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskEvent {
    /// Stream schema version (1).
    #[serde(default = "one")]
    pub schema: u32,
    /// What happened.
    pub event: TaskEventKind,
    /// When it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
    /// The Dask key.
    pub key: String,
    /// The task name (Dask's `key_split`, usually the function name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// The function's qualified name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// The component tag it was routed by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The worker's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// When the function started on the worker (`finished`, `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<f64>,
    /// When it stopped (`finished`, `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<f64>,
    /// Retries allowed (`submitted`).
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub retries: Option<u64>,
    /// Peak memory of the worker process while the task ran, bytes, where known.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub peak_memory: Option<u64>,
    /// The worker process's memory at the event, bytes.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub worker_memory: Option<u64>,
    /// The worker's memory limit, bytes.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub memory_limit: Option<u64>,
    /// The exception (`failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionInfo>,
    /// Why (`retried`: the scheduler's stimulus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Scalar argument values by parameter name, strings truncated (`submitted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Map<String, Value>>,
    /// Fields this version does not name (kept as written).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A line of `workers.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerEvent {
    /// Stream schema version (1).
    #[serde(default = "one")]
    pub schema: u32,
    /// `added`, `removed`, `killed`, `restarted` or `memory-limit` (others are kept).
    pub event: String,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
    /// The worker's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// Threads (`added`).
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub nthreads: Option<u64>,
    /// Memory limit, bytes.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub memory_limit: Option<u64>,
    /// Process memory at the event, bytes.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub worker_memory: Option<u64>,
    /// Why (the scheduler's stimulus, the nanny's message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Exit code of the worker process, if it exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Fields this version does not name (`worker_address`, `resources`, `processing`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A line of `failures.jsonl`: an exception or the scheduler's evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureEvent {
    /// Stream schema version (1).
    #[serde(default = "one")]
    pub schema: u32,
    /// `failed`, `worker-lost`, `killed-worker`, `memory-limit`, `walltime`, `exit` (others are kept).
    pub event: String,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
    /// The Dask key of the task, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The task name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// The worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// The exception.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionInfo>,
    /// Who saw it: `worker`, `scheduler`, `nanny`, `provider`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// The scheduler's or provider's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Exit code of the worker process or job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Keys of the tasks it took down (`worker-lost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<String>>,
    /// Fields this version does not name (`memory_near_limit`, `memory_limit`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A line of `cache.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheEvent {
    /// Stream schema version (1).
    #[serde(default = "one")]
    pub schema: u32,
    /// `hit`, `miss`, `store`, `recompute`, `corrupt` or `store_failed`
    /// (others are kept).
    pub event: String,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
    /// The cache key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The task or function name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// `hit`: how long the cached computation took when it ran, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_s: Option<f64>,
    /// `miss`/`store`: how long the computation took, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Size of the stored result, bytes.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub bytes: Option<u64>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A line of `artifacts.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactEvent {
    /// Stream schema version (1).
    #[serde(default = "one")]
    pub schema: u32,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
    /// Where it is (absolute path or URI).
    pub path: String,
    /// What it is, e.g. `result`, `log`, `plot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Size, bytes (files).
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub bytes: Option<u64>,
    /// Fields this version does not name (`digest`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A line of `cost.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostEvent {
    /// Stream schema version (1).
    #[serde(default = "one")]
    pub schema: u32,
    /// `accrued` (money spent since the previous `accrued` line; summed) or
    /// `estimate` (a forecast of the whole run; the last one counts).
    #[serde(default = "accrued")]
    pub event: String,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
    /// US dollars.
    pub usd: f64,
    /// What it pays for, e.g. `demeter workers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Fields this version does not name (`hours`, `rate_usd_per_hour`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A line of `resources.jsonl`: one sample of one worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceEvent {
    /// Stream schema version (1).
    #[serde(default = "one")]
    pub schema: u32,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
    /// The worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// CPU use, percent of one core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<f64>,
    /// Process memory, bytes.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub memory: Option<u64>,
    /// Fields this version does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn one() -> u32 {
    1
}

fn accrued() -> String {
    "accrued".to_owned()
}

/// A byte count or count as JSON writes it from Python: an integer, a whole
/// float, or null.
fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(u) = n.as_u64() {
                Ok(Some(u))
            } else if let Some(f) = n.as_f64().filter(|f| *f >= 0.0 && f.is_finite()) {
                Ok(Some(f.round() as u64))
            } else {
                Err(serde::de::Error::custom(format!(
                    "expected a non-negative number, found {n}"
                )))
            }
        }
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a non-negative number, found {other}"
        ))),
    }
}

/// Checks that `value` reads as an event of `stream` (required fields present,
/// known fields of the right type).
pub(crate) fn check(stream: Stream, value: &Value) -> Result<(), String> {
    fn is<'de, T: Deserialize<'de>>(value: &'de Value) -> Result<(), String> {
        T::deserialize(value).map(|_| ()).map_err(|e| e.to_string())
    }
    match stream {
        Stream::Tasks => is::<TaskEvent>(value),
        Stream::Workers => is::<WorkerEvent>(value),
        Stream::Failures => is::<FailureEvent>(value),
        Stream::Cache => is::<CacheEvent>(value),
        Stream::Artifacts => is::<ArtifactEvent>(value),
        Stream::Cost => is::<CostEvent>(value),
        Stream::Resources => is::<ResourceEvent>(value),
    }
}

//! Reading a run back: `run.json`, the plan, and every stream, tolerating
//! what a killed writer can leave behind (a torn last line, a missing file).

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Result, RunsError};
use crate::layout::{PLAN_FILE, RunDir};
use crate::schema::{
    ArtifactEvent, CacheEvent, CostEvent, FailureEvent, ResourceEvent, RunRecord, RunStatus,
    Stream, TaskEvent, WorkerEvent,
};

/// What could not be read from one stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Damage {
    /// The file ends in a line without its newline (a write cut short).
    pub torn_last_line: bool,
    /// Complete lines that are not events of the stream's schema.
    pub invalid_lines: u64,
}

/// A run as read from disk.
#[derive(Debug, Clone)]
pub struct Run {
    /// Its directory.
    pub dir: RunDir,
    /// `run.json` as written.
    pub record: RunRecord,
    /// The status a reader shows: `run.json`'s, or `interrupted` for a
    /// `running` run whose process is gone (see [`crate::status`]).
    pub status: RunStatus,
    /// `plan.json`, if readable.
    pub plan: Option<Value>,
    /// `tasks.jsonl`.
    pub tasks: Vec<TaskEvent>,
    /// `workers.jsonl`.
    pub workers: Vec<WorkerEvent>,
    /// `failures.jsonl`.
    pub failures: Vec<FailureEvent>,
    /// `cache.jsonl`.
    pub cache: Vec<CacheEvent>,
    /// `artifacts.jsonl`.
    pub artifacts: Vec<ArtifactEvent>,
    /// `cost.jsonl`.
    pub cost: Vec<CostEvent>,
    /// `resources.jsonl`.
    pub resources: Vec<ResourceEvent>,
    /// Damage per stream, in [`Stream::ALL`] order.
    pub damage: [Damage; 7],
}

impl Run {
    /// Whether any stream ends in a torn line.
    pub fn torn(&self) -> bool {
        self.damage.iter().any(|d| d.torn_last_line)
    }

    /// The latest time any event carries, if any.
    pub fn last_event_time(&self) -> Option<f64> {
        let times = self
            .tasks
            .iter()
            .flat_map(|e| [e.time, e.stop])
            .chain(self.workers.iter().map(|e| e.time))
            .chain(self.failures.iter().map(|e| e.time))
            .chain(self.cache.iter().map(|e| e.time))
            .chain(self.artifacts.iter().map(|e| e.time))
            .chain(self.cost.iter().map(|e| e.time))
            .chain(self.resources.iter().map(|e| e.time));
        times.flatten().filter(|t| t.is_finite()).reduce(f64::max)
    }
}

/// Reads the run in `path`.
pub fn load(path: &Path) -> Result<Run> {
    let dir = RunDir::open(path)?;
    let record = dir.read_record()?;
    let plan = std::fs::read(dir.file(PLAN_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let mut damage = [Damage::default(); 7];
    let (tasks, d) = read_stream(&dir, Stream::Tasks)?;
    damage[Stream::Tasks.index()] = d;
    let (workers, d) = read_stream(&dir, Stream::Workers)?;
    damage[Stream::Workers.index()] = d;
    let (failures, d) = read_stream(&dir, Stream::Failures)?;
    damage[Stream::Failures.index()] = d;
    let (cache, d) = read_stream(&dir, Stream::Cache)?;
    damage[Stream::Cache.index()] = d;
    let (artifacts, d) = read_stream(&dir, Stream::Artifacts)?;
    damage[Stream::Artifacts.index()] = d;
    let (cost, d) = read_stream(&dir, Stream::Cost)?;
    damage[Stream::Cost.index()] = d;
    let (resources, d) = read_stream(&dir, Stream::Resources)?;
    damage[Stream::Resources.index()] = d;
    let torn = damage.iter().any(|d| d.torn_last_line);
    let status = crate::status::derived_status(&record, torn);
    Ok(Run {
        dir,
        record,
        status,
        plan,
        tasks,
        workers,
        failures,
        cache,
        artifacts,
        cost,
        resources,
        damage,
    })
}

/// Reads one stream: every complete line that is an event of `T`; a missing
/// file is an empty stream.
pub fn read_stream<T: DeserializeOwned>(dir: &RunDir, stream: Stream) -> Result<(Vec<T>, Damage)> {
    let path = dir.stream_path(stream);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Vec::new(), Damage::default()));
        }
        Err(e) => return Err(RunsError::io("read", path, e)),
    };
    Ok(parse_lines(&bytes))
}

/// Parses JSONL bytes; the last line counts only if it ends in `\n`.
pub fn parse_lines<T: DeserializeOwned>(bytes: &[u8]) -> (Vec<T>, Damage) {
    let mut damage = Damage::default();
    let mut events = Vec::with_capacity(bytes.len() / 200);
    let complete = match bytes.iter().rposition(|b| *b == b'\n') {
        Some(last) => {
            damage.torn_last_line = last + 1 < bytes.len();
            &bytes[..last]
        }
        None => {
            damage.torn_last_line = !bytes.is_empty();
            &[][..]
        }
    };
    if complete.is_empty() {
        return (events, damage);
    }
    for line in complete.split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<T>(line) {
            Ok(event) => events.push(event),
            Err(_) => damage.invalid_lines += 1,
        }
    }
    (events, damage)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn skips_a_torn_last_line_and_counts_bad_lines() {
        let (events, d) = parse_lines::<Value>(b"{\"a\":1}\nnot json\n\n{\"b\":2}\n{\"c\":");
        assert_eq!(events.len(), 2);
        assert_eq!(
            d,
            Damage {
                torn_last_line: true,
                invalid_lines: 1
            }
        );
        let (events, d) = parse_lines::<Value>(b"{\"a\":1}\n");
        assert_eq!((events.len(), d), (1, Damage::default()));
        let (events, d) = parse_lines::<Value>(b"{\"a\":");
        assert_eq!((events.len(), d.torn_last_line), (0, true));
        let (events, d) = parse_lines::<Value>(b"");
        assert_eq!((events.len(), d), (0, Damage::default()));
    }
}

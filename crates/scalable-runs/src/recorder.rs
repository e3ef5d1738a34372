//! The recorder: opens or joins a run and appends events to its streams.
//!
//! Each event is parsed, redacted ([`crate::redact`]), size-limited, stamped
//! with its stream's `schema` version (and `time`, if it has none), checked
//! against the stream's schema, serialised into one buffer ending in `\n`,
//! and written with **one** `write(2)` on a file opened with `O_APPEND`. On
//! a local file system the kernel appends each such write whole at the end of
//! the file, so writers in any number of threads and processes never
//! interleave or tear each other's lines. A mutex per stream orders the
//! writers of one recorder.
//!
//! Flush policy: nothing is buffered in the process. When `record` returns,
//! the line is in the kernel, so a process killed with SIGKILL right after
//! loses nothing it recorded. There is no `fsync` per event (that would cost
//! a disk round trip each); `close` syncs every stream before it writes the
//! final `run.json` and `summary.json` (both atomically, by rename). A power
//! loss can lose the tail of a stream or leave a torn last line, which
//! readers skip and count. NFS does not make `O_APPEND` atomic across
//! clients: processes on other nodes should send their events to the
//! recorder of the process that owns the run (Scalable's telemetry does,
//! over Dask's event topic).

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Map, Value};

use crate::error::{Result, RunsError};
use crate::layout::{self, LOCK_FILE, MANIFEST_FILE, PLAN_FILE, RUN_FILE, RunDir, SUMMARY_FILE};
use crate::redact::Redactor;
use crate::schema::{RUN_SCHEMA, RunRecord, RunStatus, Stream};
use crate::status;

/// Longest string kept for one scalar argument value (`args`), in characters.
pub const MAX_ARG_CHARS: usize = 200;
/// Longest traceback kept (its last part), in bytes.
pub const MAX_TRACEBACK_BYTES: usize = 32 * 1024;
/// Longest other string kept, in bytes.
pub const MAX_STRING_BYTES: usize = 16 * 1024;
/// Largest single `write(2)` a batch is split into (at line boundaries).
const MAX_WRITE_BYTES: usize = 4 << 20;

/// What a new run starts from.
#[derive(Debug, Clone, Copy)]
pub struct NewRun<'a> {
    /// The manifest's project name.
    pub project: &'a str,
    /// The manifest text as read (stored with secrets masked).
    pub manifest_text: &'a str,
    /// The plan JSON.
    pub plan_json: &'a str,
    /// `manifest.lock` contents, or just its `sha256:` digest; the plan's
    /// `manifest_lock` when absent.
    pub lock: Option<&'a str>,
    /// The command line that started the run.
    pub argv: &'a [String],
}

/// Appends events to one run's streams and closes the run.
#[derive(Debug)]
pub struct Recorder {
    dir: RunDir,
    redactor: Redactor,
    streams: [Mutex<Option<File>>; 7],
    closed: AtomicBool,
    close_lock: Mutex<Option<RunStatus>>,
}

impl Recorder {
    fn new(dir: RunDir, closed: Option<RunStatus>) -> Recorder {
        Recorder {
            dir,
            redactor: Redactor::from_env(),
            streams: Default::default(),
            closed: AtomicBool::new(closed.is_some()),
            close_lock: Mutex::new(closed),
        }
    }

    /// Opens a new run under `root` (the runs directory): creates its
    /// directory and files, stores the manifest, plan and lock, and writes
    /// `run.json` with status `running`, this process's pid and host.
    pub fn create(root: &Path, new: &NewRun<'_>) -> Result<Recorder> {
        let started = crate::time::now();
        let dir = RunDir::create(root, new.project, started)?;
        let recorder = Recorder::new(dir, None);
        let r = &recorder.redactor;

        layout::write_atomic(
            &recorder.dir.file(MANIFEST_FILE),
            r.yaml(new.manifest_text).as_bytes(),
        )?;
        let plan: Option<Value> = serde_json::from_str(new.plan_json).ok();
        let plan_text = match &plan {
            Some(original) => {
                let mut clean = original.clone();
                r.value(&mut clean);
                if &clean == original {
                    new.plan_json.to_owned()
                } else {
                    serde_json::to_string_pretty(&clean).expect("JSON values serialise")
                }
            }
            None => r.text(new.plan_json).into_owned(),
        };
        layout::write_atomic(
            &recorder.dir.file(PLAN_FILE),
            with_newline(plan_text).as_bytes(),
        )?;

        let plan_str = |pointer: &str| {
            plan.as_ref()
                .and_then(|p| p.pointer(pointer))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let plan_lock = plan_str("/manifest_lock");
        let lock_text = match new.lock.map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) if l.starts_with('{') => Some(l.to_owned()),
            Some(digest) => Some(lock_json(digest)),
            None => plan_lock.as_deref().map(lock_json),
        };
        let digest = lock_text.as_deref().and_then(|t| {
            serde_json::from_str::<Value>(t)
                .ok()?
                .get("sha256")?
                .as_str()
                .map(str::to_owned)
        });
        if let Some(text) = lock_text {
            layout::write_atomic(&recorder.dir.file(LOCK_FILE), with_newline(text).as_bytes())?;
        }

        let pid = std::process::id();
        let record = RunRecord {
            schema: RUN_SCHEMA,
            run_id: recorder.dir.id().to_owned(),
            project: new.project.to_owned(),
            target: plan_str("/target"),
            provider: plan_str("/provider/name"),
            status: RunStatus::Running,
            started: crate::time::rfc3339(started),
            started_unix: started,
            finished: None,
            finished_unix: None,
            exit_code: None,
            reason: None,
            tasks: None,
            pid,
            pid_start: status::process_start(pid),
            host: status::hostname(),
            cwd: std::env::current_dir()
                .map(|d| r.text(&d.to_string_lossy()).into_owned())
                .unwrap_or_default(),
            argv: r.argv(new.argv),
            manifest_lock: digest.or(plan_lock),
            recorder: concat!("scalable-runs ", env!("CARGO_PKG_VERSION")).to_owned(),
            extra: Map::new(),
        };
        write_record(&recorder.dir, &record)?;
        Ok(recorder)
    }

    /// Joins an existing run (for example the one `scalable run` opened and
    /// handed over in `SCALABLE_RUN_DIR`). Its events append to the same files.
    pub fn open(path: &Path) -> Result<Recorder> {
        let dir = RunDir::open(path)?;
        let record = dir.read_record()?;
        let closed = (record.status != RunStatus::Running).then_some(record.status);
        Ok(Recorder::new(dir, closed))
    }

    /// The run directory.
    pub fn dir(&self) -> &RunDir {
        &self.dir
    }

    /// Records one event (a JSON object) on `stream`.
    pub fn record_json(&self, stream: Stream, event: &str) -> Result<()> {
        self.ensure_open()?;
        let line = self.prepare(stream, parse(stream, event)?)?;
        self.append(stream, &line)
    }

    /// Records one event given as a JSON value.
    pub fn record_value(&self, stream: Stream, event: Value) -> Result<()> {
        self.ensure_open()?;
        let line = self.prepare(stream, event)?;
        self.append(stream, &line)
    }

    /// Records a batch of events on `stream`. Every event is checked first:
    /// if one is invalid, none is written. The lines then go out in as few
    /// `write(2)` calls as fit [`MAX_WRITE_BYTES`], each holding whole lines.
    pub fn record_many<S: AsRef<str>>(&self, stream: Stream, events: &[S]) -> Result<()> {
        self.ensure_open()?;
        let mut buf = Vec::with_capacity(events.len() * 256);
        let mut cuts = Vec::new();
        for event in events {
            let line = self.prepare(stream, parse(stream, event.as_ref())?)?;
            if buf.len() + line.len() > MAX_WRITE_BYTES && !buf.is_empty() {
                cuts.push(buf.len());
            }
            buf.extend_from_slice(&line);
        }
        let mut from = 0;
        for cut in cuts.into_iter().chain([buf.len()]) {
            if cut > from {
                self.append(stream, &buf[from..cut])?;
            }
            from = cut;
        }
        Ok(())
    }

    fn ensure_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(RunsError::Closed(self.dir.id().to_owned()));
        }
        Ok(())
    }

    /// Redacts, limits, stamps and checks an event; returns its line.
    fn prepare(&self, stream: Stream, mut event: Value) -> Result<Vec<u8>> {
        let Value::Object(map) = &mut event else {
            return Err(RunsError::BadEvent {
                stream: stream.name(),
                reason: format!("expected a JSON object, found {}", kind_of(&event)),
            });
        };
        map.insert("schema".to_owned(), Value::from(stream.schema_version()));
        if map.get("time").is_none_or(Value::is_null) {
            map.insert("time".to_owned(), Value::from(crate::time::now()));
        }
        self.redactor.event(stream, &mut event);
        limit(&mut event);
        crate::schema::check(stream, &event).map_err(|reason| RunsError::BadEvent {
            stream: stream.name(),
            reason,
        })?;
        let mut line = serde_json::to_vec(&event).expect("JSON values serialise");
        line.push(b'\n');
        Ok(line)
    }

    /// Appends whole lines with one `write(2)`.
    fn append(&self, stream: Stream, bytes: &[u8]) -> Result<()> {
        let path = || self.dir.stream_path(stream);
        let mut guard = self.streams[stream.index()]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.is_none() {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path())
                .map_err(|e| RunsError::io("open", path(), e))?;
            *guard = Some(file);
        }
        let file = guard.as_mut().expect("opened above");
        let written = file
            .write(bytes)
            .map_err(|e| RunsError::io("write", path(), e))?;
        if written < bytes.len() {
            // Only a full disk or a signal shortens a write to a regular file;
            // finish the line rather than leave it torn.
            file.write_all(&bytes[written..])
                .map_err(|e| RunsError::io("write", path(), e))?;
        }
        Ok(())
    }

    /// Closes the run: syncs the streams, derives the honest final status
    /// from every task event on disk (see [`status::final_status`]), writes
    /// it to `run.json` with the end time and exit code, writes
    /// `summary.json`, and returns the status. Closing again returns the
    /// status already written.
    pub fn close(&self, requested: Option<RunStatus>, exit_code: Option<i32>) -> Result<RunStatus> {
        if requested == Some(RunStatus::Running) {
            return Err(RunsError::BadStatus("running".to_owned()));
        }
        let mut closed = self
            .close_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(status) = *closed {
            return Ok(status);
        }
        self.closed.store(true, Ordering::Release);
        for (stream, slot) in Stream::ALL.iter().zip(&self.streams) {
            let guard = slot.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(file) = guard.as_ref() {
                file.sync_data()
                    .map_err(|e| RunsError::io("sync", self.dir.stream_path(*stream), e))?;
            }
        }
        let mut run = crate::read::load(self.dir.path())?;
        let records = crate::summary::task_records(&run.tasks);
        let counts = crate::summary::counts(&records);
        let (final_status, reason) = status::final_status(requested, exit_code, &counts);
        let finished = crate::time::now();
        run.record.status = final_status;
        run.record.finished = Some(crate::time::rfc3339(finished));
        run.record.finished_unix = Some(finished);
        run.record.exit_code = exit_code;
        run.record.reason = Some(reason);
        run.record.tasks = Some(counts);
        run.status = final_status;
        write_record(&self.dir, &run.record)?;
        let summary = crate::summary::summarize_with(&run, &records);
        let text = serde_json::to_string_pretty(&summary).expect("a summary serialises") + "\n";
        layout::write_atomic(&self.dir.file(SUMMARY_FILE), text.as_bytes())?;
        *closed = Some(final_status);
        Ok(final_status)
    }
}

fn write_record(dir: &RunDir, record: &RunRecord) -> Result<()> {
    let text = serde_json::to_string_pretty(record).expect("a run record serialises") + "\n";
    layout::write_atomic(&dir.file(RUN_FILE), text.as_bytes())
}

fn lock_json(digest: &str) -> String {
    let lock = serde_json::json!({"version": 1, "manifest": MANIFEST_FILE, "sha256": digest});
    serde_json::to_string_pretty(&lock).expect("JSON values serialise")
}

fn with_newline(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

fn parse(stream: Stream, text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| RunsError::BadEvent {
        stream: stream.name(),
        reason: format!("not JSON: {e}"),
    })
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Bounds the size of an event: argument strings to [`MAX_ARG_CHARS`]
/// characters, tracebacks to their last [`MAX_TRACEBACK_BYTES`], any other
/// string to [`MAX_STRING_BYTES`]. A cut is marked with `…`.
fn limit(event: &mut Value) {
    let Value::Object(map) = event else { return };
    for (name, value) in map.iter_mut() {
        match (name.as_str(), value) {
            ("args", Value::Object(args)) => {
                for v in args.values_mut() {
                    match v {
                        Value::String(s) => truncate_chars(s, MAX_ARG_CHARS),
                        other => limit_all(other),
                    }
                }
            }
            ("exception", Value::Object(exc)) => {
                for (k, v) in exc.iter_mut() {
                    match (k.as_str(), v) {
                        ("traceback", Value::String(s)) => keep_tail(s, MAX_TRACEBACK_BYTES),
                        (_, other) => limit_all(other),
                    }
                }
            }
            (_, other) => limit_all(other),
        }
    }
}

fn limit_all(value: &mut Value) {
    match value {
        Value::String(s) if s.len() > MAX_STRING_BYTES => {
            let mut cut = MAX_STRING_BYTES;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push('…');
        }
        Value::Array(items) => items.iter_mut().for_each(limit_all),
        Value::Object(map) => map.values_mut().for_each(limit_all),
        _ => {}
    }
}

fn truncate_chars(s: &mut String, max: usize) {
    if let Some((cut, _)) = s.char_indices().nth(max) {
        s.truncate(cut);
        s.push('…');
    }
}

fn keep_tail(s: &mut String, max: usize) {
    if s.len() > max {
        let mut from = s.len() - max;
        while !s.is_char_boundary(from) {
            from += 1;
        }
        *s = format!("…{}", &s[from..]);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn limits_arguments_and_tracebacks() {
        let mut event = json!({
            "args": {"long": "é".repeat(300), "n": 3},
            "exception": {"type": "E", "traceback": "x".repeat(MAX_TRACEBACK_BYTES + 10)},
            "other": "y".repeat(MAX_STRING_BYTES + 1),
        });
        limit(&mut event);
        assert_eq!(
            event["args"]["long"].as_str().unwrap().chars().count(),
            MAX_ARG_CHARS + 1
        );
        assert_eq!(event["args"]["n"], 3);
        let tb = event["exception"]["traceback"].as_str().unwrap();
        assert!(tb.starts_with('…') && tb.len() == MAX_TRACEBACK_BYTES + '…'.len_utf8());
        assert!(event["other"].as_str().unwrap().ends_with('…'));
    }
}

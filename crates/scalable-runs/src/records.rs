//! Task records: a run's task events folded per Dask key in file order. The
//! last of `finished`, `failed` and `retried` decides a task's outcome
//! (`retried` puts it back to pending).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::schema::{ExceptionInfo, ResourceEvent, TaskCounts, TaskEvent, TaskEventKind};

/// Where a task ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Its last outcome is `finished`.
    Succeeded,
    /// Its last outcome is `failed`.
    Failed,
    /// Started, not yet finished or failed.
    Running,
    /// Submitted or retried, not started since.
    Pending,
}

/// Everything the events say about one task (one Dask key).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    /// The Dask key.
    pub key: String,
    /// The task name.
    pub name: String,
    /// The function's qualified name.
    pub function: Option<String>,
    /// The component tag.
    pub tag: Option<String>,
    /// The worker of its last attempt.
    pub worker: Option<String>,
    /// When it was submitted.
    pub submitted: Option<f64>,
    /// When its last attempt started.
    pub started: Option<f64>,
    /// When its last attempt ended.
    pub ended: Option<f64>,
    /// Where it ended up.
    pub outcome: Outcome,
    /// Times it went back to waiting.
    pub retries: u32,
    /// Times it failed.
    pub failures: u32,
    /// The last exception.
    pub exception: Option<ExceptionInfo>,
    /// Peak worker memory while it ran, bytes, where known.
    pub peak_memory: Option<u64>,
    /// Scalar arguments.
    pub args: Option<Map<String, Value>>,
}

impl TaskRecord {
    /// Its last attempt's duration, seconds.
    pub fn duration(&self) -> Option<f64> {
        match (self.started, self.ended) {
            (Some(s), Some(e)) if e >= s => Some(e - s),
            _ => None,
        }
    }
}

/// Dask's `key_split`: `run_scenario-1f3a…` → `run_scenario`,
/// `('load-8e2f…', 3)` → `load`.
pub fn key_name(key: &str) -> String {
    let key = key
        .strip_prefix("('")
        .or_else(|| key.strip_prefix("(\""))
        .and_then(|k| k.split(['\'', '"']).next())
        .unwrap_or(key);
    let words: Vec<&str> = key.split('-').collect();
    let mut kept: Vec<&str> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let hexish = w.len() >= 8 && w.chars().all(|c| c.is_ascii_hexdigit());
        let numeric = !w.is_empty() && w.chars().all(|c| c.is_ascii_digit());
        if i > 0 && (hexish || numeric) {
            break;
        }
        kept.push(w);
    }
    let name = kept.join("-");
    if name.is_empty() {
        key.to_owned()
    } else {
        name
    }
}

/// Folds task events into one record per key, in order of first appearance.
pub fn task_records(events: &[TaskEvent]) -> Vec<TaskRecord> {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(events.len() / 3);
    let mut out: Vec<TaskRecord> = Vec::with_capacity(events.len() / 3);
    let mut named: Vec<bool> = Vec::with_capacity(events.len() / 3);
    for e in events {
        let i = *index.entry(e.key.as_str()).or_insert_with(|| {
            out.push(TaskRecord {
                key: e.key.clone(),
                name: String::new(),
                function: None,
                tag: None,
                worker: None,
                submitted: None,
                started: None,
                ended: None,
                outcome: Outcome::Pending,
                retries: 0,
                failures: 0,
                exception: None,
                peak_memory: None,
                args: None,
            });
            named.push(false);
            out.len() - 1
        });
        let r = &mut out[i];
        if !named[i]
            && let Some(task) = e.task.as_deref().filter(|t| !t.is_empty())
        {
            r.name = task.to_owned();
            named[i] = true;
        }
        if r.function.is_none() {
            r.function.clone_from(&e.function);
        }
        if r.tag.is_none() {
            r.tag.clone_from(&e.tag);
        }
        if e.worker.is_some() {
            r.worker.clone_from(&e.worker);
        }
        let memory = e.peak_memory.or(e.worker_memory);
        if memory.is_some() && e.event != TaskEventKind::Submitted {
            r.peak_memory = r.peak_memory.max(memory);
        }
        match e.event {
            TaskEventKind::Submitted => {
                if r.submitted.is_none() {
                    r.submitted = e.time;
                }
                if r.args.is_none() {
                    r.args.clone_from(&e.args);
                }
            }
            TaskEventKind::Started => {
                r.started = e.time;
                r.ended = None;
                r.outcome = Outcome::Running;
            }
            // A result that could not be delivered fails its task on the
            // client, and the scheduler's `finished` for that attempt may be
            // written after it: only a new attempt (`started`) undoes a failure.
            TaskEventKind::Finished if r.outcome == Outcome::Failed => {}
            TaskEventKind::Finished | TaskEventKind::Failed => {
                if let Some(start) = e.start {
                    r.started = Some(start);
                }
                r.ended = e.stop.or(e.time);
                if e.event == TaskEventKind::Finished {
                    r.outcome = Outcome::Succeeded;
                } else {
                    r.outcome = Outcome::Failed;
                    r.failures += 1;
                    if e.exception.is_some() {
                        r.exception.clone_from(&e.exception);
                    }
                }
            }
            TaskEventKind::Retried => {
                r.retries += 1;
                r.outcome = Outcome::Pending;
            }
            TaskEventKind::Other => {}
        }
    }
    for (r, named) in out.iter_mut().zip(named) {
        if !named {
            r.name = key_name(&r.key);
        }
    }
    out
}

/// Raises each task's peak memory to the highest sample its worker reported
/// while the task ran.
pub fn apply_resource_peaks(records: &mut [TaskRecord], samples: &[ResourceEvent]) {
    let mut by_worker: HashMap<&str, Vec<(f64, u64)>> = HashMap::new();
    for s in samples {
        if let (Some(w), Some(t), Some(m)) = (s.worker.as_deref(), s.time, s.memory) {
            by_worker.entry(w).or_default().push((t, m));
        }
    }
    if by_worker.is_empty() {
        return;
    }
    for v in by_worker.values_mut() {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    for r in records {
        let (Some(w), Some(start), Some(end)) = (r.worker.as_deref(), r.started, r.ended) else {
            continue;
        };
        let Some(samples) = by_worker.get(w) else {
            continue;
        };
        let from = samples.partition_point(|(t, _)| *t < start);
        let peak = samples[from..]
            .iter()
            .take_while(|(t, _)| *t <= end)
            .map(|(_, m)| *m)
            .max();
        r.peak_memory = r.peak_memory.max(peak);
    }
}

/// Orders names the way people count: `demeter-2` before `demeter-10`.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> impl Iterator<Item = (bool, &str)> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digit = first.is_ascii_digit();
            let end = rest
                .find(|c: char| c.is_ascii_digit() != digit)
                .unwrap_or(rest.len());
            let (chunk, tail) = rest.split_at(end);
            rest = tail;
            Some((digit, chunk))
        })
    }
    let mut x = chunks(a);
    let mut y = chunks(b);
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some((true, p)), Some((true, q))) => {
                let (p, q) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                let o = p.len().cmp(&q.len()).then_with(|| p.cmp(q));
                if o.is_ne() {
                    return o;
                }
            }
            (Some((_, p)), Some((_, q))) => {
                let o = p.cmp(q);
                if o.is_ne() {
                    return o;
                }
            }
        }
    }
}

/// Task counts by outcome.
pub fn counts(records: &[TaskRecord]) -> TaskCounts {
    let mut c = TaskCounts {
        total: records.len() as u64,
        ..TaskCounts::default()
    };
    for r in records {
        match r.outcome {
            Outcome::Succeeded => c.succeeded += 1,
            Outcome::Failed => c.failed += 1,
            Outcome::Running | Outcome::Pending => c.unfinished += 1,
        }
        if r.retries > 0 {
            c.retried += 1;
        }
    }
    c
}

//! `summary.json`: what a run did, computed from its events.
//!
//! Tasks are folded per Dask key in file order: the last of `finished`,
//! `failed` and `retried` decides its outcome (`retried` puts it back to
//! pending). Durations are the function's compute time (`stop - start` of the
//! `finished` event, else `finished.time - started.time`); percentiles are
//! nearest-rank over tasks that succeeded. Worker utilisation is busy time
//! (the durations of the tasks it ran, failed ones included) over its
//! lifetime times its threads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::read::Run;
use crate::schema::{RunStatus, SUMMARY_SCHEMA, Stream, TaskCounts};

pub use crate::records::{
    Outcome, TaskRecord, apply_resource_peaks, counts, key_name, natural_cmp, task_records,
};

/// p50, p95 and max of a set of durations, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Durations {
    /// Median (nearest rank).
    pub p50: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// Longest.
    pub max: f64,
    /// Sum.
    pub total: f64,
}

impl Durations {
    /// Nearest-rank percentiles of `values` (None when empty).
    pub fn of(mut values: Vec<f64>) -> Option<Durations> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let rank =
            |p: f64| values[((p * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
        Some(Durations {
            p50: rank(0.50),
            p95: rank(0.95),
            max: values[values.len() - 1],
            total: values.iter().sum(),
        })
    }
}

/// Counts and durations of the tasks of one name or one tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// The task name or tag (`(untagged)` for tasks without a tag).
    pub name: String,
    /// Tasks.
    pub count: u64,
    /// Succeeded.
    pub succeeded: u64,
    /// Failed for good.
    pub failed: u64,
    /// Neither yet.
    pub unfinished: u64,
    /// Retries, summed.
    pub retries: u64,
    /// Durations of the tasks that succeeded.
    pub duration: Option<Durations>,
    /// Highest peak memory of any of its tasks, bytes.
    pub peak_memory: Option<u64>,
}

/// One exception class and the tasks it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureClass {
    /// The exception class, e.g. `MemoryError`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Tasks that failed for good with it.
    pub count: u64,
    /// Those tasks per task name.
    pub tasks: BTreeMap<String, u64>,
    /// Workers they failed on.
    pub workers: u64,
    /// One of them: its key.
    pub example_key: String,
    /// Its message (first 300 characters).
    pub example_message: String,
    /// Its scalar arguments.
    #[serde(default)]
    pub example_args: Option<Map<String, Value>>,
}

/// Failures: final task failures by exception class, and the scheduler's evidence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Failures {
    /// Tasks that failed for good, grouped by exception class, most first.
    pub by_type: Vec<FailureClass>,
    /// `failures.jsonl` lines per event kind (`failed`, `worker-lost`, ...), most first.
    pub evidence: BTreeMap<String, u64>,
}

/// Cache use, from `cache.jsonl`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CacheStats {
    /// Results served from the cache.
    pub hits: u64,
    /// Results computed because the cache could not serve them (`miss` and
    /// `recompute` events).
    pub misses: u64,
    /// Results stored.
    pub stores: u64,
    /// Of the misses, those forced (`recompute=True`) or whose recorded output changed.
    #[serde(default)]
    pub recomputed: u64,
    /// Results that could not be stored (returned uncached).
    #[serde(default)]
    pub store_failed: u64,
    /// Damaged entries found, quarantined and recomputed.
    #[serde(default)]
    pub corrupt: u64,
    /// hits / (hits + misses).
    pub hit_rate: Option<f64>,
    /// Compute time the hits saved, seconds.
    pub time_saved_s: f64,
}

/// One worker's activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerStats {
    /// The worker's name.
    pub worker: String,
    /// Tasks it ran (last attempts).
    pub tasks: u64,
    /// Of which failed.
    pub failed: u64,
    /// Sum of those tasks' durations, seconds.
    pub busy_s: f64,
    /// From `added` (or its first task) to `removed` (or the run's end), seconds.
    pub lifetime_s: f64,
    /// Threads (from `added`; 1 if unknown).
    pub threads: u64,
    /// busy / (lifetime × threads).
    pub utilisation: Option<f64>,
    /// `restarted` and `memory-limit` events.
    pub restarts: u64,
    /// `killed` events.
    pub killed: u64,
    /// Why it was removed, if it was.
    pub removed_reason: Option<String>,
}

/// Money, from `cost.jsonl` and the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostStats {
    /// Sum of `accrued` lines.
    pub so_far: f64,
    /// The last `estimate` line, else the plan's estimate.
    pub estimate: Option<f64>,
    /// Currency (the plan's, else `USD`).
    pub currency: String,
}

/// Events read per stream and what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventCounts {
    /// Lines read per stream.
    pub lines: BTreeMap<String, u64>,
    /// Streams ending in a torn line.
    pub torn: Vec<String>,
    /// Complete lines that were not events.
    pub invalid_lines: u64,
}

/// `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `summary.json` schema version (1).
    pub schema: u32,
    /// The run id.
    pub run_id: String,
    /// The project.
    pub project: String,
    /// The target.
    pub target: Option<String>,
    /// The provider.
    pub provider: Option<String>,
    /// The status (derived: see [`crate::status`]).
    pub status: RunStatus,
    /// Why, when closed.
    pub reason: Option<String>,
    /// Start, RFC 3339 UTC.
    pub started: String,
    /// End, RFC 3339 UTC, when closed.
    pub finished: Option<String>,
    /// Wall time, seconds: to the close, else to the last event.
    pub duration_s: Option<f64>,
    /// The workflow's exit code, when known.
    pub exit_code: Option<i32>,
    /// Task counts.
    pub tasks: TaskCounts,
    /// Per task name, by name.
    pub by_task: Vec<GroupStats>,
    /// Per tag, by tag.
    pub by_tag: Vec<GroupStats>,
    /// Failures.
    pub failures: Failures,
    /// Cache.
    pub cache: CacheStats,
    /// Workers, by name (`demeter-2` before `demeter-10`).
    pub workers: Vec<WorkerStats>,
    /// Σ busy / Σ (lifetime × threads) over workers.
    pub utilisation: Option<f64>,
    /// Cost.
    pub cost: CostStats,
    /// Artifacts recorded.
    pub artifacts: u64,
    /// Their total size, bytes.
    pub artifact_bytes: u64,
    /// Events read.
    pub events: EventCounts,
}

/// The summary of the run in `dir`: its `summary.json` when the run is
/// closed and the file reads, else computed from the events (a running or
/// interrupted run has none, or a stale one).
pub fn read_or_compute(dir: &std::path::Path) -> crate::Result<Summary> {
    let run_dir = crate::RunDir::open(dir)?;
    let record = run_dir.read_record()?;
    if record.status != RunStatus::Running
        && let Ok(bytes) = std::fs::read(run_dir.file(crate::layout::SUMMARY_FILE))
        && let Ok(summary) = serde_json::from_slice::<Summary>(&bytes)
        && summary.schema == SUMMARY_SCHEMA
        && summary.status == record.status
    {
        return Ok(summary);
    }
    Ok(summarize(&crate::read::load(dir)?))
}

/// Summarises a run.
pub fn summarize(run: &Run) -> Summary {
    summarize_with(run, &task_records(&run.tasks))
}

/// Summarises a run whose task records are already folded.
pub fn summarize_with(run: &Run, records: &[TaskRecord]) -> Summary {
    let mut records = records.to_vec();
    apply_resource_peaks(&mut records, &run.resources);
    let records = &records;
    let end = run.record.finished_unix.or_else(|| run.last_event_time());
    let duration_s = end.map(|e| (e - run.record.started_unix).max(0.0));

    Summary {
        schema: SUMMARY_SCHEMA,
        run_id: run.record.run_id.clone(),
        project: run.record.project.clone(),
        target: run.record.target.clone(),
        provider: run.record.provider.clone(),
        status: run.status,
        reason: run.record.reason.clone(),
        started: run.record.started.clone(),
        finished: run.record.finished.clone(),
        duration_s,
        exit_code: run.record.exit_code,
        tasks: counts(records),
        by_task: group(records, |r| r.name.clone()),
        by_tag: group(records, |r| {
            r.tag.clone().unwrap_or_else(|| "(untagged)".to_owned())
        }),
        failures: failures(run, records),
        cache: cache(run),
        utilisation: None,
        workers: Vec::new(),
        cost: cost(run),
        artifacts: run.artifacts.len() as u64,
        artifact_bytes: run.artifacts.iter().filter_map(|a| a.bytes).sum(),
        events: EventCounts {
            lines: Stream::ALL
                .iter()
                .map(|s| (s.name().to_owned(), stream_len(run, *s)))
                .collect(),
            torn: Stream::ALL
                .iter()
                .filter(|s| run.damage[s.index()].torn_last_line)
                .map(|s| s.name().to_owned())
                .collect(),
            invalid_lines: run.damage.iter().map(|d| d.invalid_lines).sum(),
        },
    }
    .with_workers(run, records, end)
}

fn stream_len(run: &Run, s: Stream) -> u64 {
    (match s {
        Stream::Tasks => run.tasks.len(),
        Stream::Workers => run.workers.len(),
        Stream::Failures => run.failures.len(),
        Stream::Cache => run.cache.len(),
        Stream::Artifacts => run.artifacts.len(),
        Stream::Cost => run.cost.len(),
        Stream::Resources => run.resources.len(),
    }) as u64
}

fn group(records: &[TaskRecord], by: impl Fn(&TaskRecord) -> String) -> Vec<GroupStats> {
    let mut groups: BTreeMap<String, (GroupStats, Vec<f64>)> = BTreeMap::new();
    for r in records {
        let name = by(r);
        let (g, durations) = groups.entry(name.clone()).or_insert_with(|| {
            (
                GroupStats {
                    name,
                    count: 0,
                    succeeded: 0,
                    failed: 0,
                    unfinished: 0,
                    retries: 0,
                    duration: None,
                    peak_memory: None,
                },
                Vec::new(),
            )
        });
        g.count += 1;
        g.retries += u64::from(r.retries);
        g.peak_memory = g.peak_memory.max(r.peak_memory);
        match r.outcome {
            Outcome::Succeeded => {
                g.succeeded += 1;
                durations.extend(r.duration());
            }
            Outcome::Failed => g.failed += 1,
            Outcome::Running | Outcome::Pending => g.unfinished += 1,
        }
    }
    groups
        .into_values()
        .map(|(mut g, d)| {
            g.duration = Durations::of(d);
            g
        })
        .collect()
}

fn failures(run: &Run, records: &[TaskRecord]) -> Failures {
    struct Acc<'a> {
        class: FailureClass,
        workers: Vec<&'a str>,
    }
    let mut classes: BTreeMap<&str, Acc<'_>> = BTreeMap::new();
    for r in records.iter().filter(|r| r.outcome == Outcome::Failed) {
        let kind = r.exception.as_ref().map_or("unknown", |e| e.kind.as_str());
        let acc = classes.entry(kind).or_insert_with(|| Acc {
            class: FailureClass {
                kind: kind.to_owned(),
                count: 0,
                tasks: BTreeMap::new(),
                workers: 0,
                example_key: r.key.clone(),
                example_message: r
                    .exception
                    .as_ref()
                    .map(|e| e.message.chars().take(300).collect())
                    .unwrap_or_default(),
                example_args: r.args.clone(),
            },
            workers: Vec::new(),
        });
        acc.class.count += 1;
        *acc.class.tasks.entry(r.name.clone()).or_default() += 1;
        if let Some(w) = r.worker.as_deref()
            && !acc.workers.contains(&w)
        {
            acc.workers.push(w);
        }
    }
    let mut by_type: Vec<FailureClass> = classes
        .into_values()
        .map(|mut a| {
            a.class.workers = a.workers.len() as u64;
            a.class
        })
        .collect();
    by_type.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
    let mut evidence = BTreeMap::new();
    for f in &run.failures {
        *evidence.entry(f.event.clone()).or_default() += 1;
    }
    Failures { by_type, evidence }
}

fn cache(run: &Run) -> CacheStats {
    let mut c = CacheStats::default();
    for e in &run.cache {
        match e.event.as_str() {
            "hit" => {
                c.hits += 1;
                c.time_saved_s += e.saved_s.unwrap_or(0.0);
            }
            "miss" => c.misses += 1,
            "recompute" => {
                c.misses += 1;
                c.recomputed += 1;
            }
            "store" => c.stores += 1,
            "store_failed" => c.store_failed += 1,
            "corrupt" => c.corrupt += 1,
            _ => {}
        }
    }
    if c.hits + c.misses > 0 {
        c.hit_rate = Some(c.hits as f64 / (c.hits + c.misses) as f64);
    }
    c
}

fn cost(run: &Run) -> CostStats {
    let plan = run.plan.as_ref();
    let estimate = run
        .cost
        .iter()
        .rev()
        .find(|c| c.event == "estimate")
        .map(|c| c.usd)
        .or_else(|| plan?.pointer("/cost/total")?.as_f64());
    CostStats {
        so_far: run
            .cost
            .iter()
            .filter(|c| c.event == "accrued")
            .map(|c| c.usd)
            .sum::<f64>()
            + 0.0, // an empty sum is -0.0
        estimate,
        currency: plan
            .and_then(|p| p.pointer("/cost/currency")?.as_str())
            .unwrap_or("USD")
            .to_owned(),
    }
}

impl Summary {
    fn with_workers(mut self, run: &Run, records: &[TaskRecord], end: Option<f64>) -> Summary {
        struct Acc {
            stats: WorkerStats,
            added: Option<f64>,
            removed: Option<f64>,
            first_task: Option<f64>,
        }
        let mut workers: BTreeMap<String, Acc> = BTreeMap::new();
        fn acc<'a>(workers: &'a mut BTreeMap<String, Acc>, name: &str) -> &'a mut Acc {
            workers.entry(name.to_owned()).or_insert_with(|| Acc {
                stats: WorkerStats {
                    worker: name.to_owned(),
                    tasks: 0,
                    failed: 0,
                    busy_s: 0.0,
                    lifetime_s: 0.0,
                    threads: 1,
                    utilisation: None,
                    restarts: 0,
                    killed: 0,
                    removed_reason: None,
                },
                added: None,
                removed: None,
                first_task: None,
            })
        }
        for e in &run.workers {
            let Some(name) = e.worker.as_deref() else {
                continue;
            };
            let a = acc(&mut workers, name);
            match e.event.as_str() {
                "added" => {
                    if a.added.is_none() {
                        a.added = e.time;
                    }
                    if let Some(n) = e.nthreads.filter(|n| *n > 0) {
                        a.stats.threads = n;
                    }
                }
                "removed" => {
                    a.removed = e.time;
                    a.stats.removed_reason.clone_from(&e.reason);
                }
                "killed" => a.stats.killed += 1,
                "restarted" | "memory-limit" => a.stats.restarts += 1,
                _ => {}
            }
        }
        for r in records {
            let Some(name) = r.worker.as_deref() else {
                continue;
            };
            let Some(d) = r.duration() else {
                continue;
            };
            let a = acc(&mut workers, name);
            a.stats.tasks += 1;
            if r.outcome == Outcome::Failed {
                a.stats.failed += 1;
            }
            a.stats.busy_s += d;
            a.first_task = match (a.first_task, r.started) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
        }
        let (mut busy, mut capacity) = (0.0, 0.0);
        self.workers = workers
            .into_values()
            .map(|a| {
                let mut s = a.stats;
                let from = a.added.or(a.first_task);
                let to = a.removed.or(end);
                if let (Some(from), Some(to)) = (from, to) {
                    s.lifetime_s = (to - from).max(0.0);
                }
                let cap = s.lifetime_s * s.threads as f64;
                if cap > 0.0 {
                    s.utilisation = Some(s.busy_s / cap);
                    busy += s.busy_s;
                    capacity += cap;
                }
                s
            })
            .collect();
        self.workers
            .sort_by(|a, b| natural_cmp(&a.worker, &b.worker));
        if capacity > 0.0 {
            self.utilisation = Some(busy / capacity);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_follow_dask() {
        assert_eq!(
            key_name("run_demeter_scenario-1f3a9c0e7b2d4e6f"),
            "run_demeter_scenario"
        );
        assert_eq!(key_name("('load-8e2f00aa11bb22cc', 3)"), "load");
        assert_eq!(key_name("aggregate-outputs-12"), "aggregate-outputs");
        assert_eq!(key_name("plain"), "plain");
    }

    #[test]
    fn natural_order() {
        let mut v = vec![
            "demeter-10",
            "demeter-2",
            "a",
            "demeter-1",
            "demeter-02",
            "b1x",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            [
                "a",
                "b1x",
                "demeter-1",
                "demeter-02",
                "demeter-2",
                "demeter-10"
            ]
        );
    }

    #[test]
    fn nearest_rank_percentiles() {
        let d = Durations::of((1..=100).map(f64::from).collect()).unwrap();
        assert_eq!((d.p50, d.p95, d.max, d.total), (50.0, 95.0, 100.0, 5050.0));
        let d = Durations::of(vec![3.0]).unwrap();
        assert_eq!((d.p50, d.p95), (3.0, 3.0));
        assert!(Durations::of(Vec::new()).is_none());
    }
}

//! What the record says about each failed task: its folded record, the
//! memory its worker had and was allowed, and every scheduler, nanny and
//! provider event that concerns it.

use std::collections::{BTreeMap, HashMap, HashSet};

use scalable_runs::Run;
use scalable_runs::schema::{FailureEvent, TaskEventKind, WorkerEvent};
use scalable_runs::summary::{Outcome, TaskRecord};

/// Events without a key count for a task on the same worker when they happen
/// while it ran or this long after it stopped: a nanny restart or a lost
/// worker is reported a few seconds after the task dies, and a longer window
/// would take in the next task's troubles.
const AFTER_STOP_S: f64 = 10.0;

/// One failed task and its evidence.
#[derive(Debug)]
pub struct FailedTask<'a> {
    /// The folded task record.
    pub record: &'a TaskRecord,
    /// The worker's memory limit, bytes, where known.
    pub memory_limit: Option<u64>,
    /// The highest memory its worker reported while it ran, bytes.
    pub peak_memory: Option<u64>,
    /// `failures.jsonl` events about it: by key, in a lost worker's task
    /// list, or on its worker while it ran (provider events: at any time).
    pub failures: Vec<&'a FailureEvent>,
    /// `workers.jsonl` events of its worker while it ran (`memory-limit`, `killed`, `removed`).
    pub workers: Vec<&'a WorkerEvent>,
    /// It never finished: its worker was lost under it.
    pub lost: bool,
    /// The walltime of its worker's batch job, seconds, from the plan.
    pub walltime_s: Option<u64>,
}

/// Every task whose outcome is `failed`, plus every task a lost worker took
/// down that never finished, in record order.
pub fn failed_tasks<'a>(run: &'a Run, records: &'a [TaskRecord]) -> Vec<FailedTask<'a>> {
    let lost: HashSet<&str> = run
        .failures
        .iter()
        .filter(|f| f.event == "worker-lost")
        .flat_map(|f| f.tasks.iter().flatten().map(String::as_str))
        .collect();
    let limits = memory_limits(run);
    let index = Index::of(run);
    records
        .iter()
        .filter(|r| {
            r.outcome == Outcome::Failed
                || (matches!(r.outcome, Outcome::Running | Outcome::Pending)
                    && lost.contains(r.key.as_str()))
        })
        .map(|r| {
            let worker = r.worker.as_deref();
            let memory_limit = limits
                .by_key
                .get(r.key.as_str())
                .copied()
                .or_else(|| worker.and_then(|w| limits.by_worker.get(w).copied()));
            let mut failures: Vec<&FailureEvent> = index
                .by_key
                .get(r.key.as_str())
                .into_iter()
                .flatten()
                .copied()
                .collect();
            if let Some(w) = worker {
                failures.extend(
                    index
                        .by_worker
                        .get(w)
                        .into_iter()
                        .flatten()
                        .filter(|f| on_worker_while_it_ran(f, r)),
                );
            }
            // Back in file order, each event once (a job can name the worker twice).
            failures.sort_by_key(|f| *f as *const FailureEvent);
            failures.dedup_by_key(|f| *f as *const FailureEvent);
            let workers: Vec<&WorkerEvent> = worker
                .and_then(|w| index.worker_events.get(w))
                .into_iter()
                .flatten()
                .copied()
                .filter(|e| in_window(e.time, r))
                .collect();
            let peak_memory = failures
                .iter()
                .filter_map(|f| f.extra.get("worker_memory").and_then(|v| v.as_u64()))
                .chain(workers.iter().filter_map(|e| e.worker_memory))
                .chain(r.peak_memory)
                .max();
            FailedTask {
                record: r,
                memory_limit,
                peak_memory,
                failures,
                workers,
                lost: r.outcome != Outcome::Failed,
                walltime_s: walltime(run, r),
            }
        })
        .collect()
}

/// Memory limits: per task key (from its task events) and per worker (from `added`).
struct Limits<'a> {
    by_key: HashMap<&'a str, u64>,
    by_worker: HashMap<&'a str, u64>,
}

fn memory_limits(run: &Run) -> Limits<'_> {
    let mut by_key = HashMap::new();
    for e in &run.tasks {
        if e.event != TaskEventKind::Submitted
            && let Some(limit) = e.memory_limit.filter(|l| *l > 0)
        {
            by_key.insert(e.key.as_str(), limit);
        }
    }
    let mut by_worker = HashMap::new();
    for e in &run.workers {
        if let (Some(w), Some(limit)) = (e.worker.as_deref(), e.memory_limit.filter(|l| *l > 0)) {
            by_worker.insert(w, limit);
        }
    }
    Limits { by_key, by_worker }
}

/// Slurm job id → worker names, from the workers' `identity` events.
fn slurm_jobs(run: &Run) -> BTreeMap<&str, Vec<&str>> {
    let mut jobs: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &run.workers {
        if let (Some(w), Some(job)) = (
            e.worker.as_deref(),
            e.extra.get("slurm_job_id").and_then(|v| v.as_str()),
        ) {
            jobs.entry(job).or_default().push(w);
        }
    }
    jobs
}

/// `failures.jsonl` and `workers.jsonl` events by what they name, so each
/// failed task finds its evidence without scanning every event.
struct Index<'a> {
    /// Events naming a task: by `key`, or in a lost worker's `tasks` list.
    by_key: HashMap<&'a str, Vec<&'a FailureEvent>>,
    /// Events naming no task, by worker (directly, or through the Slurm job
    /// id of the worker's `identity` event).
    by_worker: HashMap<&'a str, Vec<&'a FailureEvent>>,
    /// `memory-limit`, `killed` and `removed` worker events, by worker.
    worker_events: HashMap<&'a str, Vec<&'a WorkerEvent>>,
}

impl<'a> Index<'a> {
    fn of(run: &'a Run) -> Index<'a> {
        let jobs = slurm_jobs(run);
        let mut by_key: HashMap<&str, Vec<&FailureEvent>> = HashMap::new();
        let mut by_worker: HashMap<&str, Vec<&FailureEvent>> = HashMap::new();
        for f in &run.failures {
            if let Some(key) = &f.key {
                by_key.entry(key.as_str()).or_default().push(f);
            } else if let Some(tasks) = &f.tasks {
                // A lost worker names the tasks it took down; only those.
                for k in tasks {
                    by_key.entry(k.as_str()).or_default().push(f);
                }
            } else {
                if let Some(w) = f.worker.as_deref() {
                    by_worker.entry(w).or_default().push(f);
                }
                let job = f.extra.get("slurm_job_id").and_then(|v| v.as_str());
                for w in job.and_then(|j| jobs.get(j)).into_iter().flatten() {
                    by_worker.entry(w).or_default().push(f);
                }
            }
        }
        let mut worker_events: HashMap<&str, Vec<&WorkerEvent>> = HashMap::new();
        for e in &run.workers {
            if let Some(w) = e.worker.as_deref()
                && matches!(e.event.as_str(), "memory-limit" | "killed" | "removed")
            {
                worker_events.entry(w).or_default().push(e);
            }
        }
        Index {
            by_key,
            by_worker,
            worker_events,
        }
    }
}

/// Whether an event naming no task, on task `r`'s worker, concerns it: a
/// provider reports a job's end when the session closes, long after the task
/// died on it, so provider evidence counts at any time; the scheduler and
/// nanny report as it happens.
fn on_worker_while_it_ran(f: &FailureEvent, r: &TaskRecord) -> bool {
    f.evidence.as_deref() == Some("provider") || in_window(f.time, r)
}

/// Whether `time` falls while `r` ran or shortly after (an unknown time counts).
fn in_window(time: Option<f64>, r: &TaskRecord) -> bool {
    let Some(t) = time else {
        return true;
    };
    let from = r.started.unwrap_or(f64::NEG_INFINITY) - 1.0;
    let to = r.ended.unwrap_or(f64::INFINITY) + AFTER_STOP_S;
    t >= from && t <= to
}

/// The walltime of the Slurm jobs of the task's component, from the plan:
/// the worker group named after its tag, else the only Slurm group.
fn walltime(run: &Run, r: &TaskRecord) -> Option<u64> {
    let groups = run.plan.as_ref()?.get("worker_groups")?.as_array()?;
    let slurm: Vec<&serde_json::Value> = groups
        .iter()
        .filter(|g| g.pointer("/sizing/walltime").is_some())
        .collect();
    let group = slurm
        .iter()
        .find(|g| g.get("name").and_then(|n| n.as_str()) == r.tag.as_deref())
        .or_else(|| (slurm.len() == 1).then(|| &slurm[0]))?;
    scalable_manifest::rules::parse_walltime(group.pointer("/sizing/walltime")?.as_str()?)
}

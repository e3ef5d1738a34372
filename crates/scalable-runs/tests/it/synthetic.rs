//! Synthetic runs for tests and benchmarks: a Demeter-like ensemble with
//! deterministic timings, failures, retries, cache use and cost.

#![allow(dead_code)] // each user takes what it needs

use std::path::{Path, PathBuf};

use scalable_runs::{NewRun, Recorder, Stream};
use serde_json::json;

/// 2026-05-20T04:15:00Z.
pub const T0: f64 = 1_779_250_500.0;

pub const MANIFEST: &str = "\
version: 1
project:
  name: demeter-lulcc
targets:
  local: {provider: local, max_workers: 4}
components:
  demeter:
    cpus: 4
    memory: 16G
    env:
      API_TOKEN: tok-literal-0001
tasks:
  run_demeter_scenario: {component: demeter, cache: true}
";

pub const PLAN: &str = r#"{"schema_version":1,"project":"demeter-lulcc","target":"local","provider":{"name":"local","options":{}},"cost":{"currency":"USD","items":[],"hourly":0.0,"total":4.82},"manifest_lock":"sha256:0123456789abcdef"}"#;

/// Opens a run of project `demeter-lulcc` under `root`.
pub fn create(root: &Path) -> Recorder {
    let argv = vec![
        "scalable".to_owned(),
        "run".to_owned(),
        "scalable.yaml".to_owned(),
    ];
    Recorder::create(
        root,
        &NewRun {
            project: "demeter-lulcc",
            manifest_text: MANIFEST,
            plan_json: PLAN,
            lock: None,
            argv: &argv,
        },
    )
    .expect("a run opens")
}

/// A tiny deterministic generator (64-bit LCG).
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

/// Events of an ensemble of `tasks` tasks on `workers` workers (at least 2),
/// as (stream, JSON line) pairs in the order a recorder would see them.
/// About 6% of tasks fail for good, 2% fail once and succeed on retry, 1 in
/// 5 of the scenario runs hits the cache.
pub fn ensemble(tasks: usize, workers: usize) -> Vec<(Stream, String)> {
    let workers = workers.max(2);
    let mut rng = Lcg::new(42);
    let mut out = Vec::with_capacity(tasks * 4 + workers * 2);
    let worker_name = |i: usize| {
        if i == 0 {
            "preprocess-0".to_owned()
        } else {
            format!("demeter-{}", i - 1)
        }
    };
    for i in 0..workers {
        out.push((
            Stream::Workers,
            json!({"event": "added", "time": T0, "worker": worker_name(i), "nthreads": 1,
                   "memory_limit": 17_179_869_184u64, "resources": {"demeter": 1}})
            .to_string(),
        ));
    }
    // Each worker's clock: when it is next free.
    let mut free = vec![T0 + 1.0; workers];
    for n in 0..tasks {
        let (name, tag, w) = if n == 0 {
            ("prepare_demeter_config", "preprocess", 0)
        } else if n + 1 == tasks {
            ("aggregate_demeter_outputs", "preprocess", 0)
        } else if n % 7 == 3 {
            ("downscale_tile", "demeter", 1 + n % (workers - 1))
        } else {
            ("run_demeter_scenario", "demeter", 1 + n % (workers - 1))
        };
        let key = format!(
            "{name}-{:016x}",
            (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
        let worker = worker_name(w);
        let scenario = format!("ssp{}_rcp{}", 1 + n % 5, 26 + (n % 3) * 19);
        let resolution = [0.05, 0.1, 0.25, 0.5][n % 4];
        let submitted = T0 + 0.5 + n as f64 * 0.001;
        out.push((
            Stream::Tasks,
            json!({"event": "submitted", "time": submitted, "key": key, "task": name,
                   "function": format!("workflow.{name}"), "tag": tag, "retries": 1,
                   "args": {"scenario": scenario, "spatial_resolution": resolution, "seed": n}})
            .to_string(),
        ));
        if n % 5 == 4 && name == "run_demeter_scenario" {
            let saved = 30.0 + rng.unit() * 20.0;
            out.push((
                Stream::Cache,
                json!({"event": "hit", "time": submitted, "key": format!("c{n:08x}"), "task": name,
                       "saved_s": saved})
                .to_string(),
            ));
        } else if name == "run_demeter_scenario" {
            out.push((
                Stream::Cache,
                json!({"event": "miss", "time": submitted, "key": format!("c{n:08x}"), "task": name})
                    .to_string(),
            ));
        }
        let mut start = free[w];
        let base = if name == "run_demeter_scenario" {
            40.0
        } else {
            12.0
        };
        let mut attempts = if n % 43 == 12 { 2 } else { 1 };
        loop {
            let duration = base * (0.5 + rng.unit()) + if resolution <= 0.1 { 20.0 } else { 0.0 };
            let stop = start + duration;
            out.push((
                Stream::Tasks,
                json!({"event": "started", "time": start, "key": key, "task": name,
                       "worker": worker, "worker_memory": 1_073_741_824u64})
                .to_string(),
            ));
            let fails_for_good = (n % 29 == 4 || n % 37 == 10) && n + 1 != tasks;
            if attempts > 1 || fails_for_good {
                let (kind, message) = if resolution <= 0.1 {
                    (
                        "MemoryError",
                        "Unable to allocate 18.6 GiB for an array with shape (43200, 21600)",
                    )
                } else {
                    (
                        "FileNotFoundError",
                        "[Errno 2] No such file or directory: 'constraints/soil_quality.csv'",
                    )
                };
                let exception = json!({"type": kind, "message": message,
                    "traceback": format!("Traceback (most recent call last):\n  File \"workflow.py\", line 12, in {name}\n{kind}: {message}")});
                out.push((
                    Stream::Tasks,
                    json!({"event": "failed", "time": stop, "key": key, "task": name, "worker": worker,
                           "start": start, "stop": stop, "exception": exception,
                           "worker_memory": 16_900_000_000u64, "memory_limit": 17_179_869_184u64})
                    .to_string(),
                ));
                out.push((
                    Stream::Failures,
                    json!({"event": "failed", "time": stop, "key": key, "task": name, "worker": worker,
                           "exception": exception, "evidence": "worker"})
                    .to_string(),
                ));
                if kind == "MemoryError" {
                    let reason = "Worker exceeded 95% memory budget. Restarting...";
                    out.push((
                        Stream::Workers,
                        json!({"event": "memory-limit", "time": stop, "worker": worker,
                               "reason": reason, "worker_memory": 16_900_000_000u64})
                        .to_string(),
                    ));
                    out.push((
                        Stream::Failures,
                        json!({"event": "memory-limit", "time": stop, "key": key, "task": name,
                               "worker": worker, "evidence": "nanny", "reason": reason,
                               "exit_code": -9})
                        .to_string(),
                    ));
                }
                if attempts > 1 {
                    attempts -= 1;
                    out.push((
                        Stream::Tasks,
                        json!({"event": "retried", "time": stop, "key": key, "task": name,
                               "reason": "client-retry"})
                        .to_string(),
                    ));
                    start = stop + 0.5;
                    continue;
                }
                free[w] = stop + 0.2;
                break;
            }
            out.push((
                Stream::Tasks,
                json!({"event": "finished", "time": stop + 0.01, "key": key, "task": name,
                       "worker": worker, "start": start, "stop": stop,
                       "worker_memory": 2_147_483_648u64 + (n as u64 % 7) * 1_000_000_000})
                .to_string(),
            ));
            free[w] = stop + 0.2;
            break;
        }
        if n.is_multiple_of(50) {
            out.push((
                Stream::Resources,
                json!({"time": start + 1.0, "worker": worker, "cpu": 97.5,
                       "memory": 3_000_000_000u64 + n as u64 * 1000})
                .to_string(),
            ));
        }
        if n.is_multiple_of(100) {
            out.push((
                Stream::Cost,
                json!({"event": "accrued", "time": free[w], "usd": 0.05, "item": "demeter workers"})
                    .to_string(),
            ));
        }
    }
    let end = free.iter().copied().fold(T0, f64::max);
    out.push((
        Stream::Cost,
        json!({"event": "estimate", "time": T0, "usd": 4.82}).to_string(),
    ));
    out.push((
        Stream::Artifacts,
        json!({"time": end, "path": "/data/outputs/demeter/summary.csv", "kind": "result", "bytes": 52_428})
            .to_string(),
    ));
    for i in 0..workers {
        out.push((
            Stream::Workers,
            json!({"event": "removed", "time": end + 1.0, "worker": worker_name(i), "reason": "cluster-close"})
                .to_string(),
        ));
    }
    out
}

/// Records `events` on `rec`, batching runs of the same stream.
pub fn record(rec: &Recorder, events: &[(Stream, String)]) {
    let mut i = 0;
    while i < events.len() {
        let stream = events[i].0;
        let mut j = i;
        while j < events.len() && events[j].0 == stream {
            j += 1;
        }
        let batch: Vec<&str> = events[i..j].iter().map(|(_, e)| e.as_str()).collect();
        rec.record_many(stream, &batch).expect("events record");
        i = j;
    }
}

/// Rewrites `run.json` so the run starts at [`T0`] and ends at `T0 + duration`
/// (a closed run's times are the clock's; snapshots need fixed ones).
pub fn pin_times(dir: &Path, duration: f64) {
    let path = dir.join("run.json");
    let mut record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    record["started_unix"] = json!(T0);
    record["started"] = json!(scalable_runs::time::rfc3339(T0));
    if !record["finished_unix"].is_null() {
        record["finished_unix"] = json!(T0 + duration);
        record["finished"] = json!(scalable_runs::time::rfc3339(T0 + duration));
    }
    std::fs::write(&path, serde_json::to_string_pretty(&record).unwrap()).unwrap();
}

/// A closed synthetic run of `tasks` tasks under `root`; returns its directory.
pub fn closed_run(root: &Path, tasks: usize, workers: usize) -> PathBuf {
    let rec = create(root);
    let events = ensemble(tasks, workers);
    record(&rec, &events);
    rec.close(None, Some(0)).expect("the run closes");
    rec.dir().path().to_path_buf()
}

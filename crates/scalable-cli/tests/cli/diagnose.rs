//! `scalable diagnose`: the tutorial's failed Demeter ensemble (written with
//! the real recorder), a succeeded run, an empty run, a damaged record and a
//! record of a future schema version.

use std::path::Path;
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use scalable_runs::{NewRun, Recorder, RunStatus, Stream};
use serde_json::json;

use super::{EXAMPLE, examples, run, scalable, temp_filters};

const GIB: u64 = 1 << 30;
/// A fixed start, so times in the record do not depend on the clock.
const T0: f64 = 1_779_250_500.0;

/// `scalable` in `dir` with no runs directory override.
fn cmd(dir: &Path) -> Command {
    let mut cmd = scalable(dir);
    cmd.env_remove("SCALABLE_RUNS_DIR");
    cmd
}

fn open_run(root: &Path, manifest: &str) -> Recorder {
    Recorder::create(
        root,
        &NewRun {
            project: "demeter-lulcc",
            manifest_text: manifest,
            plan_json: r#"{"target":"local","provider":{"name":"local"}}"#,
            lock: Some("sha256:00"),
            argv: &[],
        },
    )
    .expect("the run opens")
}

fn key(i: usize) -> String {
    format!(
        "run_demeter_scenario-{:016x}",
        (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    )
}

/// The tutorial's Step 3 run: 50 `run_demeter_scenario` tasks on four 16 GiB
/// workers; the 8 at `spatial_resolution` 0.05 or 0.1 run out of memory (5
/// raise `MemoryError`, 3 are `KilledWorker` after their worker was lost near
/// its limit), 3 cannot find `constraints/soil_quality.csv`, and 2 return a
/// logger that cannot be pickled.
pub(crate) fn demeter_run(root: &Path) -> Recorder {
    let manifest = std::fs::read_to_string(examples().join(EXAMPLE)).unwrap();
    let rec = open_run(root, &manifest);
    let coarse = [0.25, 0.5, 1.0];
    let (mut tasks, mut failures, mut workers) = (Vec::new(), Vec::new(), Vec::new());
    for w in 0..4 {
        workers.push(
            json!({"event": "added", "worker": format!("demeter-{w}"), "nthreads": 1,
                            "memory_limit": 16 * GIB, "time": T0}),
        );
    }
    for i in 0..50 {
        let key = key(i);
        let worker = format!("demeter-{}", i % 4);
        let resolution = if i < 8 {
            [0.05, 0.1][i % 2]
        } else {
            coarse[i % 3]
        };
        let start = T0 + 10.0 + i as f64 * 12.0;
        let stop = start + 40.0 + (i % 7) as f64;
        let scenario = format!(
            "gcam_ssp{}_rcp{}_{i:02}",
            1 + i % 5,
            [26, 45, 60, 85][i % 4]
        );
        tasks.push(
            json!({"event": "submitted", "key": key, "task": "run_demeter_scenario",
            "function": "workflow.run_demeter_scenario", "tag": "demeter", "time": T0 + 1.0,
            "args": {"scenario": scenario, "spatial_resolution": resolution,
                     "config_file": format!("configs/{scenario}.ini")}}),
        );
        tasks.push(
            json!({"event": "started", "key": key, "worker": worker, "time": start,
            "memory_limit": 16 * GIB, "worker_memory": GIB}),
        );
        let exception = match i {
            0..5 => Some(("MemoryError", "Unable to allocate 18.6 GiB for an array with shape (7200, 3600) and data type float64".to_owned())),
            5..8 => Some(("KilledWorker", format!("Attempted to run task {key} on 3 different workers, but all those workers died while running it."))),
            10 | 23 | 36 => Some(("FileNotFoundError", "[Errno 2] No such file or directory: 'constraints/soil_quality.csv'".to_owned())),
            17 | 41 => Some(("TypeError", "cannot pickle '_thread.lock' object".to_owned())),
            _ => None,
        };
        match exception {
            None => tasks.push(json!({"event": "finished", "key": key, "worker": worker,
                "start": start, "stop": stop, "time": stop, "worker_memory": 9 * GIB})),
            Some((kind, message)) => {
                let frame = match kind {
                    "FileNotFoundError" => {
                        "File \"/opt/demeter/demeter/config_reader.py\", line 88, in read_constraints"
                    }
                    "TypeError" => {
                        "File \"/usr/lib/python3/site-packages/dill/_dill.py\", line 1217, in dumps"
                    }
                    _ => "File \"/opt/demeter/demeter/process.py\", line 212, in process_step",
                };
                let traceback = format!(
                    "Traceback (most recent call last):\n  File \"/work/workflow.py\", line 41, in run_demeter_scenario\n    return demeter.run_model(config_file=config_file)\n  {frame}\n    ...\n{kind}: {message}"
                );
                let memory = if i < 8 { 16 * GIB - GIB / 2 } else { 3 * GIB };
                let failed = json!({"event": "failed", "key": key, "task": "run_demeter_scenario",
                    "worker": worker, "start": start, "stop": stop, "time": stop,
                    "worker_memory": memory,
                    "exception": {"type": kind, "message": message, "traceback": traceback}});
                tasks.push(failed.clone());
                failures.push(failed);
                if kind == "KilledWorker" {
                    failures.push(json!({"event": "worker-lost", "worker": worker, "time": stop - 5.0,
                        "reason": "worker-handle-scheduler-connection-broken", "tasks": [key],
                        "memory_near_limit": true, "worker_memory": memory, "memory_limit": 16 * GIB}));
                    workers.push(
                        json!({"event": "memory-limit", "worker": worker, "time": stop - 5.5,
                        "reason": "Worker exceeded 95% memory budget. Restarting...",
                        "worker_memory": memory}),
                    );
                }
            }
        }
    }
    let lines = |v: Vec<serde_json::Value>| v.iter().map(|e| e.to_string()).collect::<Vec<_>>();
    rec.record_many(Stream::Workers, &lines(workers)).unwrap();
    rec.record_many(Stream::Tasks, &lines(tasks)).unwrap();
    rec.record_many(Stream::Failures, &lines(failures)).unwrap();
    assert_eq!(rec.close(None, Some(0)).unwrap(), RunStatus::Failed);
    rec
}

/// Insta settings hiding the temp directory and the run id's random part.
fn settings(dir: &Path) -> insta::Settings {
    let mut s = temp_filters(dir);
    s.add_filter(r"run-\d{8}T\d{6}Z-demeter-lulcc-[0-9a-f]{8}", "[RUN_ID]");
    s.add_filter(r"scalable-ai \d+\.\d+\.\d+", "scalable-ai [VERSION]");
    s
}

#[test]
fn the_tutorial_run() {
    let dir = tempfile::tempdir().unwrap();
    demeter_run(&dir.path().join(".scalable/runs"));
    let _guard = settings(dir.path()).bind_to_scope();
    assert_cmd_snapshot!(cmd(dir.path()).args(["diagnose", "--latest", "--no-ai"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    ═══════════════════════════════════════════════════════════
    Diagnosis: [RUN_ID]
    ═══════════════════════════════════════════════════════════

    Status: failed (13 task failures across 50 run_demeter_scenario tasks)

    Root Cause Analysis:
    ─────────────────────
    PRIMARY: Memory exhaustion (8 of 13 failures)
      Pattern: Tasks with `spatial_resolution <= 0.1` exhaust the 16G
      memory limit (8 of 8 failures; none of the 37 successful
      run_demeter_scenario tasks).
      Evidence: The task raised `MemoryError` (5 of 8); the nanny
      terminated the worker over its memory limit (3 of 8); the worker
      was lost near its memory limit (3 of 8); worker memory reached at
      least 90% of its limit (all); peak worker memory 15.5 GiB of a
      16 GiB limit; `MemoryError: Unable to allocate 18.6 GiB for an
      array with shape (7200, 3600) and data type float64` (5 of
      8 alike); raised in `process_step` (`process.py:212`).

    SECONDARY: Missing input file (3 of 13 failures)
      Pattern: `FileNotFoundError: [Errno 2] No such file or directory:
      'constraints/soil_quality.csv'`; nothing the record holds
      (arguments, workers, times) separates them from the 37 successful
      run_demeter_scenario tasks.
      Evidence: A file or directory was not found (all); raised in
      `read_constraints` (`config_reader.py:88`).

    TERTIARY: Serialization error (2 of 13 failures)
      Pattern: `TypeError: cannot pickle '_thread.lock' object`; nothing
      the record holds (arguments, workers, times) separates them from
      the 37 successful run_demeter_scenario tasks.
      Evidence: Pickling failed (all); raised in `dumps`
      (`_dill.py:1217`).

    Recommendations:
    ─────────────────
    1. Apply the `hpc-fine-resolution` overlay (`demeter.memory: 64G`)
       for any task with `spatial_resolution <= 0.1` (target `hpc-fine`
       applies it).
    2. Add `constraints/` to the `mounts:` block of the `demeter`
       component, or copy the file into `./demeter_data` before fan-out.
    3. In `run_demeter_scenario`, return only the output paths or plain
       data (a `_thread.lock` cannot be pickled): write large or live
       objects (loggers, handles, clients) to files or close them inside
       the task.

    (heuristic mode)

    ----- stderr -----
    "#);
}

#[test]
fn json_and_markdown_carry_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let rec = demeter_run(&dir.path().join("runs"));
    let (out, stdout, stderr) = run(cmd(dir.path())
        .args(["diagnose", "--format", "json"])
        .arg(rec.dir().path()));
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["mode"], "heuristic");
    assert_eq!(doc["failures"], 13);
    assert_eq!(doc["tasks"], 50);
    let findings = doc["findings"].as_array().unwrap();
    let summary: Vec<(&str, &str, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap(),
                f["category"].as_str().unwrap(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("primary", "oom", 8),
            ("secondary", "mount_missing", 3),
            ("tertiary", "serialization", 2)
        ]
    );
    assert_eq!(
        findings[0]["separator"]["rule"],
        "spatial_resolution <= 0.1"
    );
    assert_eq!(findings[0]["separator"]["successes"], 37);
    assert_eq!(findings[1]["separator"], serde_json::Value::Null);

    // `--run` looks in `SCALABLE_RUNS_DIR`.
    let (out, md, stderr) = run(cmd(dir.path())
        .env("SCALABLE_RUNS_DIR", "runs")
        .args(["diagnose", "--format", "markdown", "--run"])
        .arg(rec.dir().id()));
    assert!(out.status.success(), "{stderr}");
    assert!(
        md.starts_with(&format!("# Diagnosis: {}\n", rec.dir().id())),
        "{md}"
    );
    assert!(
        md.contains("### PRIMARY: Memory exhaustion (8 of 13 failures)"),
        "{md}"
    );
    assert!(md.contains("- **Category:** `mount_missing`"), "{md}");
}

#[test]
fn a_succeeded_run_has_nothing_to_diagnose() {
    let dir = tempfile::tempdir().unwrap();
    let rec = open_run(&dir.path().join(".scalable/runs"), "version: 1\n");
    rec.record_many(
        Stream::Tasks,
        &[
            r#"{"event":"started","key":"run-a","task":"run","worker":"w0","time":10}"#,
            r#"{"event":"finished","key":"run-a","worker":"w0","start":10,"stop":20}"#,
        ],
    )
    .unwrap();
    assert_eq!(rec.close(None, Some(0)).unwrap(), RunStatus::Succeeded);
    let _guard = settings(dir.path()).bind_to_scope();
    assert_cmd_snapshot!(cmd(dir.path()).arg("diagnose"), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    ═══════════════════════════════════════════════════════════
    Diagnosis: [RUN_ID]
    ═══════════════════════════════════════════════════════════

    Status: succeeded (every task succeeded)

    Nothing to diagnose: every task succeeded.

    (heuristic mode)

    ----- stderr -----
    "#);
}

#[test]
fn an_empty_run_and_a_torn_line() {
    let dir = tempfile::tempdir().unwrap();
    let rec = open_run(&dir.path().join("runs"), "version: 1\n");
    assert_eq!(rec.close(None, Some(0)).unwrap(), RunStatus::Succeeded);
    let (out, stdout, _) = run(cmd(dir.path()).arg("diagnose").arg(rec.dir().path()));
    assert!(out.status.success());
    assert!(
        stdout.contains("Nothing to diagnose: the run succeeded and no task ran."),
        "{stdout}"
    );

    // A record cut short mid-line still diagnoses, and says what was skipped.
    let rec = open_run(&dir.path().join("runs2"), "version: 1\n");
    rec.record_json(Stream::Tasks, r#"{"event":"failed","key":"run-b","task":"run","worker":"w0","exception":{"type":"ValueError","message":"bad input 3"}}"#).unwrap();
    let path = rec.dir().stream_path(Stream::Tasks);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(r#"{"event":"fail"#);
    std::fs::write(&path, text).unwrap();
    let (out, stdout, stderr) = run(cmd(dir.path()).arg("diagnose").arg(rec.dir().path()));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("Note: `tasks.jsonl` ends in a torn line"),
        "{stdout}"
    );
    assert!(
        stdout.contains("PRIMARY: Model error: ValueError (1 of 1 failure)"),
        "{stdout}"
    );
}

#[test]
fn a_future_record_and_a_missing_run_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let rec = open_run(&dir.path().join("runs"), "version: 1\n");
    rec.close(None, Some(0)).unwrap();
    let path = rec.dir().file("run.json");
    let mut record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    record["schema"] = json!(2);
    std::fs::write(&path, record.to_string()).unwrap();
    let (out, _, stderr) = run(cmd(dir.path()).arg("diagnose").arg(rec.dir().path()));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with("error[E_RUN_RECORD]: `")
            && stderr
                .contains("run.json` is not a readable run record: its schema version 2 is newer"),
        "{stderr}"
    );
    let (out, _, stderr) = run(cmd(dir.path()).args(["diagnose", "--latest"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.starts_with("error[E_NO_RUNS]"), "{stderr}");
}

#[test]
fn write_overlay_writes_the_fix_that_validates_and_never_replaces_silently() {
    let dir = tempfile::tempdir().unwrap();
    demeter_run(&dir.path().join(".scalable/runs"));
    std::fs::copy(examples().join(EXAMPLE), dir.path().join("scalable.yaml")).unwrap();
    let _guard = settings(dir.path()).bind_to_scope();
    let write = |extra: &[&str]| {
        let mut c = cmd(dir.path());
        c.args(["diagnose", "--latest", "--write-overlay", "fix.yaml"])
            .args(extra);
        run(&mut c)
    };
    let (out, stdout, stderr) = write(&[]);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("Diagnosis: "), "{stdout}");
    assert!(
        stderr
            .starts_with("Wrote fix.yaml; apply it with: scalable run MANIFEST --overlay fix.yaml"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(dir.path().join("fix.yaml")).unwrap();
    insta::assert_snapshot!(text, @r"
    # Proposed by `scalable diagnose` for run [RUN_ID].
    # PRIMARY: Memory exhaustion (8 of 13 failures).
    # Apply it without editing the manifest (cached tasks are not run again):
    #   scalable run MANIFEST --overlay fix.yaml --workflow WORKFLOW.py
    components:
      demeter:
        memory: 64G
    ");

    // The overlay validates on the manifest the run used and raises the memory.
    let (out, stdout, _) = run(scalable(dir.path()).args([
        "show",
        "scalable.yaml",
        "--target",
        "local",
        "--overlay",
        "fix.yaml",
    ]));
    assert!(out.status.success(), "{stdout}");
    let shown: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(shown["components"]["demeter"]["memory"], "64G");

    // An existing file is kept unless --force.
    std::fs::write(dir.path().join("fix.yaml"), "# mine\n").unwrap();
    let (out, _, stderr) = write(&[]);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pass `--force`"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("fix.yaml")).unwrap(),
        "# mine\n"
    );
    let (out, _, stderr) = write(&["--force"]);
    assert!(out.status.success(), "{stderr}");
    assert!(
        std::fs::read_to_string(dir.path().join("fix.yaml"))
            .unwrap()
            .contains("memory: 64G")
    );
}

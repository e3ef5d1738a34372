//! `diagnose` on hand-written records, one per failure class the tutorial's
//! run does not show (walltime, import, credential, connection, provider
//! OOM evidence, no evidence), plus the worker and time-window patterns and
//! the docs table.

mod support;

use scalable_ai::diagnose::{Category, diagnose_dir, render, rules};
use scalable_runs::{NewRun, Recorder, Stream};
use serde_json::{Value, json};

const T0: f64 = 1_779_250_500.0;
const GIB: u64 = 1 << 30;

const MANIFEST: &str = "\
version: 1
project: {name: fixture}
targets:
  hpc: {provider: slurm, walltime: \"01:00:00\"}
components:
  model: {cpus: 1, memory: 4G, image: \"ghcr.io/x/model:1.0\", mounts: {./data: /data}}
tasks:
  simulate: {component: model}
";

/// A closed run of `simulate` tasks: `ok` successes, then the given failures
/// (each a `failed` task event's extra fields), plus extra events per stream.
fn record(
    ok: usize,
    failed: &[Value],
    extra: &[(Stream, Value)],
) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let plan = json!({"target": "hpc", "provider": {"name": "slurm"},
        "worker_groups": [{"name": "model", "sizing": {"kind": "slurm", "walltime": "01:00:00"}}]});
    let rec = Recorder::create(
        dir.path(),
        &NewRun {
            project: "fixture",
            manifest_text: MANIFEST,
            plan_json: &plan.to_string(),
            lock: None,
            argv: &[],
        },
    )
    .unwrap();
    let mut tasks = Vec::new();
    for i in 0..ok + failed.len() {
        let key = format!("simulate-{i:016x}");
        let start = T0 + 100.0 * i as f64;
        // A failure may bring its own `args` (for the submitted event).
        let args = (i >= ok)
            .then(|| failed[i - ok].get("args").cloned())
            .flatten()
            .unwrap_or_else(|| json!({"scenario": format!("s{i}"), "size": i}));
        tasks.push(
            json!({"event": "submitted", "key": key, "task": "simulate", "tag": "model",
            "time": T0, "args": args}),
        );
        tasks.push(
            json!({"event": "started", "key": key, "worker": format!("w{}", i % 2),
            "time": start, "memory_limit": 4 * GIB}),
        );
        let mut end = json!({"key": key, "worker": format!("w{}", i % 2), "start": start,
            "stop": start + 50.0, "time": start + 50.0});
        if i < ok {
            end["event"] = json!("finished");
        } else {
            end["event"] = json!("failed");
            for (k, v) in failed[i - ok].as_object().unwrap() {
                if k != "args" {
                    end[k] = v.clone();
                }
            }
        }
        tasks.push(end);
    }
    let lines = |v: &[Value]| v.iter().map(Value::to_string).collect::<Vec<_>>();
    rec.record_many(Stream::Tasks, &lines(&tasks)).unwrap();
    for (stream, event) in extra {
        rec.record_value(*stream, event.clone()).unwrap();
    }
    rec.close(None, Some(0)).unwrap();
    let path = rec.dir().path().to_path_buf();
    (dir, path)
}

fn exc(kind: &str, message: &str) -> Value {
    json!({"exception": {"type": kind, "message": message}})
}

fn categories(path: &std::path::Path) -> Vec<(Category, u64)> {
    diagnose_dir(path)
        .unwrap()
        .findings
        .iter()
        .map(|f| (f.category, f.count))
        .collect()
}

#[test]
fn import_credential_and_connection_failures() {
    let (_d, path) = record(
        3,
        &[
            exc("ModuleNotFoundError", "No module named 'xarray.backends'"),
            exc("ModuleNotFoundError", "No module named 'xarray.backends'"),
            exc(
                "botocore.exceptions.NoCredentialsError",
                "Unable to locate credentials",
            ),
            exc(
                "ConnectionRefusedError",
                "[Errno 111] Connection refused: db.internal:5432",
            ),
        ],
        &[],
    );
    assert_eq!(
        categories(&path),
        [
            (Category::ImportError, 2),
            (Category::Connection, 1),
            (Category::Credential, 1)
        ]
    );
    let d = diagnose_dir(&path).unwrap();
    assert!(
        d.findings[0]
            .suggestion
            .starts_with("Add `xarray` to the `model` component's image or environment")
    );
    assert!(
        d.findings[2]
            .suggestion
            .contains("the `model` component's `env`")
    );
}

#[test]
fn walltime_from_the_provider_and_from_elapsed_time() {
    // One job Slurm ended with TIMEOUT (matched through the worker's identity),
    // one task that ran as long as the plan's walltime.
    let (_d, path) = record(
        2,
        &[
            exc("KilledWorker", "workers died"),
            json!({"start": T0, "stop": T0 + 3600.0, "exception": {"type": "CommClosedError", "message": "in <TCP>: Stream is closed"}}),
        ],
        &[
            (
                Stream::Workers,
                json!({"event": "identity", "worker": "w0", "slurm_job_id": "4242"}),
            ),
            (
                Stream::Failures,
                json!({"event": "walltime", "evidence": "provider", "provider": "slurm",
                "worker": "model-4242", "slurm_job_id": "4242", "job_state": "TIMEOUT",
                "reason": "Slurm job 4242 ended TIMEOUT"}),
            ),
        ],
    );
    let d = diagnose_dir(&path).unwrap();
    assert_eq!(categories(&path), [(Category::Walltime, 2)]);
    assert_eq!(d.findings[0].rules.get("D_WALLTIME"), Some(&2));
    assert!(
        d.findings[0].suggestion.starts_with(
            "Set the target's `walltime: \"02:00:00\"` for the `model` workers (twice the 1h 00m"
        ),
        "{}",
        d.findings[0].suggestion
    ); // The same change as an overlay for the Slurm target the run planned for.
    assert_eq!(
        d.overlay,
        Some(json!({"targets": {"hpc": {"walltime": "02:00:00"}}}))
    );
    let file = scalable_ai::diagnose::overlay::file_text(&d, "scalable.yaml").unwrap();
    assert!(
        file.ends_with("targets:\n  hpc:\n    walltime: \"02:00:00\"\n"),
        "{file}"
    );
}

#[test]
fn memory_evidence_without_a_memory_error() {
    let (_d, path) = record(
        2,
        &[
            exc("KilledWorker", "workers died"),
            exc("KilledWorker", "workers died"),
            exc("KilledWorker", "workers died"),
        ],
        &[
            // Kubernetes says OOMKilled for the pod of w0 (tasks 2 and 4 ran there).
            (
                Stream::Failures,
                json!({"event": "exit", "evidence": "provider", "worker": "w0",
                "exit_code": 137, "reason": "container model terminated: OOMKilled"}),
            ),
            // w1 (task 3) exited with SIGKILL.
            (
                Stream::Failures,
                json!({"event": "exit", "worker": "w1", "exit_code": -9, "time": T0 + 355.0}),
            ),
        ],
    );
    let d = diagnose_dir(&path).unwrap();
    assert_eq!(categories(&path), [(Category::Oom, 3)]);
    let rules = &d.findings[0].rules;
    assert_eq!(rules.get("D_PROVIDER_OOM"), Some(&2));
    assert_eq!(rules.get("D_OOM_EXIT_CODE"), Some(&3));
    // No overlay raises the memory: propose one.
    assert!(
        d.findings[0]
            .suggestion
            .starts_with("Raise `components.model.memory` to `8G` (twice the 4G limit)"),
        "{}",
        d.findings[0].suggestion
    );
    assert_eq!(
        d.findings[0].overlay,
        Some(json!({"components": {"model": {"memory": "8G"}}}))
    );
    assert_eq!(d.overlay, d.findings[0].overlay);
}

#[test]
fn killed_worker_without_evidence_is_unknown_and_patterns_say_so() {
    let (_d, path) = record(
        4,
        &[
            exc("KilledWorker", "workers died"),
            exc("KilledWorker", "workers died"),
        ],
        &[],
    );
    let d = diagnose_dir(&path).unwrap();
    assert_eq!(categories(&path), [(Category::Unknown, 2)]);
    // Reading the logs is no manifest change: nothing to write.
    assert_eq!(d.overlay, None);
    assert_eq!(
        scalable_ai::diagnose::overlay::file_text(&d, "scalable.yaml"),
        None
    );
    // Tasks 4 and 5 ran on w0 and w1, like the successes, and their `size`
    // is the largest: the threshold separates them.
    assert_eq!(
        d.findings[0].separator.as_ref().map(|s| s.rule.as_str()),
        Some("size >= 4")
    );
    assert!(
        d.findings[0]
            .suggestion
            .starts_with("Read the worker logs in `")
    );
}

#[test]
fn model_errors_group_by_normalised_message() {
    let (_d, path) = record(
        2,
        &[
            exc("ValueError", "negative yield in cell 3412"),
            exc("ValueError", "negative yield in cell 77"),
            exc("ValueError", "grid mismatch"),
        ],
        &[],
    );
    let d = diagnose_dir(&path).unwrap();
    let found: Vec<(&str, u64)> = d
        .findings
        .iter()
        .map(|f| (f.title.as_str(), f.count))
        .collect();
    assert_eq!(
        found,
        [
            ("Model error: ValueError", 2),
            ("Model error: ValueError", 1)
        ]
    );
    assert_eq!(d.findings[1].severity.as_str(), "secondary");
    // Deterministic: the same record gives the same bytes.
    assert_eq!(
        render::json(&d),
        render::json(&diagnose_dir(&path).unwrap())
    );
}

#[test]
fn docs_list_every_rule() {
    let docs = include_str!("../../../docs/assistants.md");
    for rule in rules::RULES {
        assert!(
            docs.contains(&format!("`{}`", rule.code)),
            "docs/assistants.md does not list {}",
            rule.code
        );
    }
}

/// 10,000 tasks with 2,000 failures of four kinds on 16 workers. The issue's
/// bound (300 ms for the whole command) is for a release build; a debug
/// build is checked against a looser one so this test stays meaningful in CI.
#[test]
fn ten_thousand_tasks_with_two_thousand_failures() {
    let failures: Vec<Value> = (0..2000)
        .map(|i| match i % 4 {
            0 => exc("MemoryError", "Unable to allocate 2.1 GiB"),
            1 => exc(
                "FileNotFoundError",
                "[Errno 2] No such file or directory: 'in/x.csv'",
            ),
            2 => exc("ValueError", &format!("bad cell {i}")),
            _ => exc("KilledWorker", "workers died"),
        })
        .collect();
    let (_d, path) = record(8000, &failures, &[]);
    // Its speed is measured by bench/diagnose.sh (docs/performance.md).
    let d = diagnose_dir(&path).unwrap();
    assert_eq!(d.failures, 2000);
    assert_eq!(d.tasks, 10_000);
    let found: Vec<(Category, u64)> = d.findings.iter().map(|f| (f.category, f.count)).collect();
    assert_eq!(
        found,
        [
            (Category::Oom, 500),
            (Category::MountMissing, 500),
            (Category::ModelRuntime, 500),
            (Category::Unknown, 500)
        ]
    );
}

/// A failure on `worker` at `start` with a `size` that does not separate.
fn on(worker: &str, start: f64, size: u64) -> Value {
    json!({"worker": worker, "start": start, "stop": start + 5.0, "time": start + 5.0,
           "args": {"size": size}, "exception": {"type": "OSError", "message": "[Errno 5] Input/output error"}})
}

#[test]
fn worker_and_time_window_patterns() {
    // Successes end at T0+50, +150, +250, +350 on w0/w1; the three failures
    // ran on w9 at scattered times: the worker separates them.
    let (_d, path) = record(
        4,
        &[
            on("w9", T0 + 20.0, 1),
            on("w9", T0 + 210.0, 2),
            on("w9", T0 + 390.0, 0),
        ],
        &[],
    );
    let d = diagnose_dir(&path).unwrap();
    let sep = d.findings[0].separator.as_ref().expect("a separator");
    assert_eq!(
        (sep.kind.as_str(), sep.rule.as_str()),
        ("worker", "worker == \"w9\"")
    );
    assert!(
        d.findings[0].pattern.starts_with(
            "All 3 failures ran on `w9`, where none of the 4 successful simulate tasks ran."
        ),
        "{}",
        d.findings[0].pattern
    );

    // On the successes' workers, all within 20 s in the middle of the run.
    let (_d, path) = record(
        4,
        &[
            on("w0", T0 + 160.0, 1),
            on("w1", T0 + 170.0, 2),
            on("w0", T0 + 175.0, 0),
        ],
        &[],
    );
    let d = diagnose_dir(&path).unwrap();
    let sep = d.findings[0].separator.as_ref().expect("a separator");
    assert_eq!(sep.kind, "time_window");
    assert!(sep.rule.starts_with("failed between "), "{}", sep.rule);

    // Two failures are too few for either: nothing separates them, and the
    // pattern says so.
    let (_d, path) = record(4, &[on("w9", T0 + 160.0, 1), on("w9", T0 + 170.0, 2)], &[]);
    let d = diagnose_dir(&path).unwrap();
    assert!(
        d.findings[0].separator.is_none(),
        "{:?}",
        d.findings[0].separator
    );
    assert!(
        d.findings[0].pattern.contains("nothing the record holds"),
        "{}",
        d.findings[0].pattern
    );
}

#[test]
fn failures_on_arrival_are_no_time_window() {
    // Three tasks that fail 0.2 s after starting, together, between successes:
    // submitted together, not caught by an outage.
    let arrival = |_| {
        json!({"start": T0 + 300.0, "stop": T0 + 300.2, "time": T0 + 300.2, "args": {"size": 2},
               "exception": {"type": "FileNotFoundError", "message": "[Errno 2] No such file or directory: 'in/x.csv'"}})
    };
    let failures: Vec<Value> = (0..3).map(arrival).collect();
    let (_d, path) = record(6, &failures, &[]);
    let d = diagnose_dir(&path).unwrap();
    assert_eq!(categories(&path), [(Category::MountMissing, 3)]);
    assert_eq!(
        d.findings[0].separator, None,
        "{:?}",
        d.findings[0].separator
    );
    assert!(
        d.findings[0].pattern.contains("nothing the record holds"),
        "{}",
        d.findings[0].pattern
    );
}

/// An OpenAI reply whose content is `content` (a JSON value).
fn openai_reply(content: &Value) -> String {
    json!({"choices": [{"message": {"role": "assistant", "content": content.to_string()}}]})
        .to_string()
}

#[test]
fn llm_mode_rewords_suggestions_and_keeps_the_record_s_classes_and_counts() {
    use scalable_ai::diagnose::llm::diagnose_dir_with;
    let (_d, path) = record(
        4,
        &[
            exc("MemoryError", "Unable to allocate 2.1 GiB"),
            exc("MemoryError", "Unable to allocate 2.1 GiB"),
            exc("ModuleNotFoundError", "No module named 'xarray'"),
        ],
        &[],
    );
    let heuristic = diagnose_dir(&path).unwrap();
    let good = json!({
        "summary": "Most failures (2 of 3) ran out of memory.",
        "suggestions": ["Give the model workers 8G.", "Install xarray in the image."],
    });
    let (base, seen) = support::serve(vec![support::ok(&openai_reply(&good))]);
    let d = diagnose_dir_with(&path, Some(&support::config("openai", &base, "10"))).unwrap();
    assert_eq!(d.fallback, None);
    assert_eq!(d.mode, "llm:openai/gpt-4");
    assert_eq!(d.summary, "Most failures (2 of 3) ran out of memory.");
    assert_eq!(
        d.recommendations,
        ["Give the model workers 8G.", "Install xarray in the image."]
    );
    let kept = |d: &scalable_ai::Diagnosis| {
        d.findings
            .iter()
            .map(|f| (f.category, f.count, f.evidence.clone(), f.pattern.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(kept(&d), kept(&heuristic));
    let prompt = seen.lock().unwrap()[0].body["messages"][1]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(prompt.contains("Unable to allocate 2.1 GiB"), "{prompt}");

    // Invented numbers and a missing suggestion fall back, saying why.
    for (reply, why) in [
        (
            json!({"summary": "13 of 50 failed.", "suggestions": ["a", "b"]}),
            "figures the run record does not hold (13, 50)",
        ),
        (
            json!({"summary": "Memory.", "suggestions": ["a"]}),
            "1 suggestions for 2 findings",
        ),
    ] {
        let (base, _) = support::serve(vec![support::ok(&openai_reply(&reply))]);
        let d = diagnose_dir_with(&path, Some(&support::config("openai", &base, "10"))).unwrap();
        let fallback = d.fallback.clone().expect("fell back");
        assert!(fallback.contains(why), "{fallback}");
        assert_eq!(
            d,
            scalable_ai::Diagnosis {
                fallback: Some(fallback),
                ..heuristic.clone()
            }
        );
    }
}

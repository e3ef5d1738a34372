//! The final status is honest.

use scalable_runs::schema::TaskCounts;
use scalable_runs::{Recorder, RunStatus, Stream, Summary};
use serde_json::{Value, json};

use crate::synthetic;

fn task(rec: &Recorder, event: &str, key: &str, extra: Value) {
    let mut e = json!({"event": event, "key": key, "task": "run_demeter_scenario"});
    e.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    rec.record_json(Stream::Tasks, &e.to_string()).unwrap();
}

fn failed(rec: &Recorder, key: &str) {
    task(
        rec,
        "failed",
        key,
        json!({"exception": {"type": "MemoryError", "message": "Unable to allocate"}}),
    );
}

fn record_json(dir: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap()
}

fn summary(dir: &std::path::Path) -> Summary {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn a_task_retried_to_success_leaves_the_run_succeeded() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    task(&rec, "submitted", "k1", json!({"tag": "demeter"}));
    task(&rec, "started", "k1", json!({"worker": "w0"}));
    failed(&rec, "k1");
    task(&rec, "retried", "k1", json!({"reason": "client-retry"}));
    task(&rec, "started", "k1", json!({"worker": "w1"}));
    task(
        &rec,
        "finished",
        "k1",
        json!({"worker": "w1", "start": 10.0, "stop": 12.5}),
    );
    assert_eq!(rec.close(None, Some(0)).unwrap(), RunStatus::Succeeded);

    let dir = rec.dir().path();
    let record = record_json(dir);
    assert_eq!(record["status"], "succeeded");
    assert_eq!(record["exit_code"], 0);
    assert_eq!(
        record["tasks"],
        json!({"total": 1, "succeeded": 1, "failed": 0, "unfinished": 0, "retried": 1})
    );
    let s = summary(dir);
    assert_eq!(s.status, RunStatus::Succeeded);
    assert_eq!(s.by_task[0].duration.unwrap().max, 2.5);
    assert!(s.failures.by_type.is_empty());
}

#[test]
fn an_undeliverable_result_stays_failed_when_its_finished_event_comes_later() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    task(&rec, "started", "k1", json!({"worker": "w0"}));
    // The client could not unpickle the result; the scheduler's batch with
    // `finished` reached the record after that.
    task(
        &rec,
        "failed",
        "k1",
        json!({"evidence": "gather", "exception": {"type": "TypeError", "message": "cannot pickle '_thread.RLock' object"}}),
    );
    task(&rec, "finished", "k1", json!({"worker": "w0"}));
    assert_eq!(rec.close(None, Some(0)).unwrap(), RunStatus::Failed);
    let record = record_json(rec.dir().path());
    assert_eq!(record["tasks"]["failed"], 1);
    assert_eq!(record["tasks"]["succeeded"], 0);
}

#[test]
fn a_failed_task_fails_the_run_even_when_the_script_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    task(&rec, "started", "ok", json!({}));
    task(&rec, "finished", "ok", json!({}));
    task(&rec, "started", "bad", json!({}));
    failed(&rec, "bad");
    // The script caught the exception and asked for success.
    assert_eq!(
        rec.close(Some(RunStatus::Succeeded), Some(0)).unwrap(),
        RunStatus::Failed
    );
    let dir = rec.dir().path();
    let record = record_json(dir);
    assert_eq!(record["status"], "failed");
    assert_eq!(record["reason"], "1 task failed (the workflow exited 0)");
    let s = summary(dir);
    assert_eq!(
        s.tasks,
        TaskCounts {
            total: 2,
            succeeded: 1,
            failed: 1,
            unfinished: 0,
            retried: 0
        }
    );
    assert_eq!(s.failures.by_type[0].kind, "MemoryError");
    assert_eq!(s.failures.by_type[0].count, 1);
}

#[test]
fn close_is_final() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    task(&rec, "started", "k", json!({}));
    assert_eq!(rec.close(None, Some(3)).unwrap(), RunStatus::Failed);
    // Closing again returns what was written; recording is refused.
    assert_eq!(rec.close(None, Some(0)).unwrap(), RunStatus::Failed);
    let err = rec
        .record_json(Stream::Tasks, r#"{"event":"finished","key":"k"}"#)
        .unwrap_err();
    assert_eq!(err.code(), "E_RUN_CLOSED");
    assert_eq!(
        record_json(rec.dir().path())["reason"],
        "workflow exited with code 3"
    );
    // A recorder joining a closed run cannot write either.
    let joined = Recorder::open(rec.dir().path()).unwrap();
    assert_eq!(
        joined
            .record_json(Stream::Tasks, r#"{"event":"finished","key":"k"}"#)
            .unwrap_err()
            .code(),
        "E_RUN_CLOSED"
    );
    assert_eq!(summary(rec.dir().path()).tasks.unfinished, 1);
}

#[test]
fn interrupted_and_joined_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    // Another process (here: another recorder) joins and records.
    let joined = Recorder::open(rec.dir().path()).unwrap();
    assert_eq!(joined.dir().id(), rec.dir().id());
    failed(&joined, "k");
    assert_eq!(
        rec.close(Some(RunStatus::Interrupted), Some(130)).unwrap(),
        RunStatus::Interrupted
    );
    assert_eq!(
        record_json(rec.dir().path())["reason"],
        "interrupted; 1 task failed"
    );
    assert_eq!(
        rec.close(Some(RunStatus::Running), None)
            .unwrap_err()
            .code(),
        "E_RUN_STATUS"
    );
}

#[test]
fn the_layout_is_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    let dir = rec.dir().path().to_path_buf();
    let name = dir.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("run-") && name.contains("Z-demeter-lulcc-"),
        "{name}"
    );
    rec.close(None, None).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "artifacts.jsonl",
            "cache.jsonl",
            "cost.jsonl",
            "failures.jsonl",
            "logs",
            "manifest.lock",
            "manifest.yaml",
            "plan.json",
            "resources.jsonl",
            "run.json",
            "summary.json",
            "tasks.jsonl",
            "workers.jsonl"
        ]
    );
    let lock: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.lock")).unwrap()).unwrap();
    assert_eq!(
        lock,
        json!({"version": 1, "manifest": "manifest.yaml", "sha256": "sha256:0123456789abcdef"})
    );
    let record = record_json(&dir);
    assert_eq!(record["schema"], 1);
    assert_eq!(record["target"], "local");
    assert_eq!(record["provider"], "local");
    assert_eq!(record["manifest_lock"], "sha256:0123456789abcdef");
    assert_eq!(record["pid"], std::process::id());
    // The plan is stored as given when it holds no secret.
    assert_eq!(
        std::fs::read_to_string(dir.join("plan.json")).unwrap(),
        format!("{}\n", synthetic::PLAN)
    );
}

#[test]
fn runs_are_listed_oldest_first_and_found_by_part_of_their_id() {
    let tmp = tempfile::tempdir().unwrap();
    let first = synthetic::create(tmp.path());
    let second = synthetic::create(tmp.path());
    let runs = scalable_runs::list(tmp.path()).unwrap();
    assert_eq!(
        runs.iter().map(|r| r.id()).collect::<Vec<_>>(),
        [first.dir().id(), second.dir().id()]
    );
    assert_eq!(
        scalable_runs::latest(tmp.path()).unwrap().id(),
        second.dir().id()
    );
    let hex = first.dir().id().rsplit('-').next().unwrap();
    assert_eq!(
        scalable_runs::find(tmp.path(), hex).unwrap().id(),
        first.dir().id()
    );
    assert_eq!(
        scalable_runs::find(tmp.path(), "demeter")
            .unwrap_err()
            .code(),
        "E_RUN_AMBIGUOUS"
    );
    assert_eq!(
        scalable_runs::find(tmp.path(), "nope").unwrap_err().code(),
        "E_RUN_UNKNOWN"
    );
    let empty = tmp.path().join("none");
    assert!(scalable_runs::list(&empty).unwrap().is_empty());
    assert_eq!(
        scalable_runs::latest(&empty).unwrap_err().code(),
        "E_NO_RUNS"
    );
}

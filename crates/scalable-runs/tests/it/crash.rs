//! A writer killed mid-run, and torn last lines.

use std::io::Write;
use std::path::PathBuf;

use scalable_runs::{Report, RunStatus, Stream};
use serde_json::json;

use crate::synthetic;

#[test]
#[cfg(unix)]
fn a_run_killed_with_sigkill_reads_as_interrupted() {
    let tmp = tempfile::tempdir().unwrap();
    let ready = tmp.path().join("ready");
    let mut child = crate::spawn_child(
        "forever",
        &[tmp.path().to_str().unwrap(), ready.to_str().unwrap()],
        &[],
    );
    crate::wait_for(&ready);
    // Let it write some more, then SIGKILL it mid-stream (std's kill is SIGKILL).
    std::thread::sleep(std::time::Duration::from_millis(50));
    let child_pid = child.id();
    child.kill().unwrap();
    let status = child.wait().unwrap();
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "the child died of SIGKILL");
    }
    let dir = PathBuf::from(std::fs::read_to_string(&ready).unwrap());

    // run.json still says running, with the dead child's pid...
    let record = scalable_runs::RunDir::open(&dir)
        .unwrap()
        .read_record()
        .unwrap();
    assert_eq!(record.status, RunStatus::Running);
    assert_eq!(record.pid, child_pid);
    // ...and every reader derives `interrupted`.
    let report = Report::load(&dir).unwrap();
    assert_eq!(report.run.status, RunStatus::Interrupted);
    assert_eq!(report.summary.status, RunStatus::Interrupted);
    let t = report.summary.tasks;
    assert!(t.total >= 500, "{t:?}");
    assert!(t.succeeded >= 499 && t.unfinished <= 1, "{t:?}");
    assert_eq!(report.summary.events.invalid_lines, 0);
    assert!(
        report
            .text()
            .contains("status    interrupted: the recording process is gone")
    );
    assert!(report.html().contains("badge interrupted"));

    // The listing agrees, and `latest` finds it.
    let listed = scalable_runs::read_or_compute(&dir).unwrap();
    assert_eq!((listed.status, listed.tasks), (RunStatus::Interrupted, t));
    assert_eq!(
        scalable_runs::latest(tmp.path()).unwrap().path(),
        dir.as_path()
    );
}

#[test]
fn a_torn_last_line_is_skipped_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    for key in ["a", "b"] {
        rec.record_json(
            Stream::Tasks,
            &json!({"event": "started", "key": key}).to_string(),
        )
        .unwrap();
    }
    let dir = rec.dir().path().to_path_buf();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("tasks.jsonl"))
        .unwrap();
    f.write_all(br#"{"schema":1,"event":"finished","key":"a","ti"#)
        .unwrap();
    drop(f);

    let run = scalable_runs::load(&dir).unwrap();
    assert_eq!(run.tasks.len(), 2);
    assert!(run.damage[Stream::Tasks as usize].torn_last_line);
    // This process (the opener) is alive, so the run is still running.
    assert_eq!(run.status, RunStatus::Running);
    let report = Report::from_run(run);
    assert_eq!(report.summary.events.torn, ["tasks"]);
    assert!(
        report
            .text()
            .contains("Record damage: torn last line in tasks")
    );

    // Read from another host (the pid cannot be checked there), a torn
    // line means the writer died mid-line: interrupted.
    let path = dir.join("run.json");
    let mut record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    record["host"] = json!("some-other-node");
    std::fs::write(&path, record.to_string()).unwrap();
    assert_eq!(
        scalable_runs::load(&dir).unwrap().status,
        RunStatus::Interrupted
    );
}

#[test]
fn a_dead_opener_means_interrupted_even_without_damage() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    let path = rec.dir().path().join("run.json");
    let mut record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // A pid that cannot exist (above Linux's pid_max limit of 2^22).
    record["pid"] = json!(4_194_304 + 17);
    std::fs::write(&path, record.to_string()).unwrap();
    assert_eq!(
        scalable_runs::load(rec.dir().path()).unwrap().status,
        RunStatus::Interrupted
    );

    // A reused pid (alive, but started at another time) is not our opener either.
    record["pid"] = json!(std::process::id());
    record["pid_start"] = json!(1);
    std::fs::write(&path, record.to_string()).unwrap();
    let expected = if cfg!(target_os = "linux") {
        RunStatus::Interrupted
    } else {
        RunStatus::Running
    };
    assert_eq!(
        scalable_runs::load(rec.dir().path()).unwrap().status,
        expected
    );
}

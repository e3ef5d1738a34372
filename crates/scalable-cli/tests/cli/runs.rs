//! `scalable runs` and `scalable report`: listing run records and reporting
//! on one (text, JSON, HTML), found by path, `--latest`, `--run ID` or
//! `SCALABLE_RUNS_DIR`.

use std::path::Path;
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use scalable_runs::{NewRun, Recorder, RunStatus, Stream};

use super::{run, scalable};

/// `scalable` in `dir` with no runs directory override.
fn cmd(dir: &Path) -> Command {
    let mut cmd = scalable(dir);
    cmd.env_remove("SCALABLE_RUNS_DIR");
    cmd
}

/// A closed run under `root` with one task that succeeded and, if `fail`, one that failed.
fn closed_run(root: &Path, fail: bool) -> Recorder {
    let rec = Recorder::create(
        root,
        &NewRun {
            project: "demeter-lulcc",
            manifest_text: "version: 1\n",
            plan_json: r#"{"target":"local","provider":{"name":"local"}}"#,
            lock: Some("sha256:00"),
            argv: &[],
        },
    )
    .unwrap();
    let mut events = vec![
        r#"{"event":"started","key":"run-a","task":"run","worker":"w0","time":10}"#,
        r#"{"event":"finished","key":"run-a","worker":"w0","start":10,"stop":20}"#,
    ];
    if fail {
        events.push(
            r#"{"event":"failed","key":"run-b","task":"run","worker":"w0","time":25,
                "exception":{"type":"MemoryError","message":"out of memory"}}"#,
        );
    }
    let events: Vec<String> = events.iter().map(|e| e.replace('\n', " ")).collect();
    rec.record_many(Stream::Tasks, &events).unwrap();
    let expected = if fail {
        RunStatus::Failed
    } else {
        RunStatus::Succeeded
    };
    assert_eq!(rec.close(None, Some(0)).unwrap(), expected);
    rec
}

#[test]
fn no_runs_yet() {
    let dir = tempfile::tempdir().unwrap();
    assert_cmd_snapshot!(cmd(dir.path()).args(["runs", "--format", "json"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    []

    ----- stderr -----
    ");
    let (out, stdout, stderr) = run(cmd(dir.path()).arg("runs"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout, "");
    assert!(stderr.starts_with("no runs in `"), "{stderr}");
    let (out, _, stderr) = run(cmd(dir.path()).args(["report", "--latest"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with("error[E_NO_RUNS]: no runs in `"),
        "{stderr}"
    );
    assert!(
        stderr.contains("= help: start one with `scalable run"),
        "{stderr}"
    );
}

#[test]
fn lists_runs_and_reports_the_latest() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".scalable/runs");
    let ok = closed_run(&root, false);
    let failed = closed_run(&root, true);

    let (out, stdout, stderr) = run(cmd(dir.path()).args(["runs", "--format", "json"]));
    assert!(out.status.success(), "{stderr}");
    let list: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(list[0]["run_id"], ok.dir().id());
    assert_eq!(list[0]["status"], "succeeded");
    assert_eq!(list[1]["run_id"], failed.dir().id());
    assert_eq!(list[1]["status"], "failed");
    assert_eq!(
        (
            list[1]["tasks_ok"].as_u64(),
            list[1]["tasks_failed"].as_u64()
        ),
        (Some(1), Some(1))
    );

    let (_, text, _) = run(cmd(dir.path()).arg("runs"));
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("RUN ") && lines[0].ends_with("TASKS OK  FAILED"),
        "{text}"
    );
    assert!(
        lines[2].starts_with(failed.dir().id()) && lines[2].contains(" failed "),
        "{text}"
    );

    // --latest (and no selector at all) is the failed run.
    for args in [&["report", "--latest"][..], &["report"][..]] {
        let (out, stdout, stderr) = run(cmd(dir.path()).args(args));
        assert!(out.status.success(), "{stderr}");
        assert!(
            stdout.starts_with(&format!("Run {}\n", failed.dir().id())),
            "{stdout}"
        );
        assert!(stdout.contains("  status    failed: 1 task failed (the workflow exited 0)"));
        assert!(stdout.contains("MemoryError"));
    }
    // --run takes a unique part of an id.
    let hex = ok.dir().id().rsplit('-').next().unwrap();
    let (out, stdout, _) = run(cmd(dir.path()).args(["report", "--run", hex, "--format", "json"]));
    assert!(out.status.success());
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["status"], "succeeded");
    assert_eq!(summary["run_id"], ok.dir().id());
    let (out, _, stderr) = run(cmd(dir.path()).args(["report", "--run", "demeter"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with("error[E_RUN_AMBIGUOUS]: `demeter` matches 2 runs"),
        "{stderr}"
    );
}

#[test]
fn html_goes_into_the_run_directory_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let rec = closed_run(&dir.path().join("elsewhere"), true);
    let run_dir = rec.dir().path();

    let (out, stdout, stderr) = run(cmd(dir.path())
        .args(["report", "--format", "html"])
        .arg(run_dir));
    assert!(out.status.success(), "{stderr}");
    let default = run_dir.join("report.html");
    assert_eq!(stdout, format!("{}\n", default.display()));
    let html = std::fs::read_to_string(&default).unwrap();
    assert!(html.starts_with("<!doctype html>") && html.contains("<svg class=\"timeline\""));

    let (out, stdout, _) = run(cmd(dir.path())
        .arg("report")
        .arg(run_dir)
        .args(["--format", "html", "--output", "r.html"]));
    assert!(out.status.success());
    assert_eq!(stdout, "r.html\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("r.html")).unwrap(),
        html
    );

    // Text into a file prints nothing.
    let (out, stdout, _) = run(cmd(dir.path())
        .arg("report")
        .arg(run_dir)
        .args(["--output", "r.txt"]));
    assert!(out.status.success());
    assert_eq!(stdout, "");
    assert!(
        std::fs::read_to_string(dir.path().join("r.txt"))
            .unwrap()
            .starts_with("Run run-")
    );

    // SCALABLE_RUNS_DIR moves the runs directory.
    let (out, stdout, _) = run(cmd(dir.path())
        .env("SCALABLE_RUNS_DIR", "elsewhere")
        .args(["runs", "--format", "json"]));
    assert!(out.status.success());
    assert!(stdout.contains(rec.dir().id()), "{stdout}");
}

#[test]
fn a_directory_that_is_not_a_run() {
    let dir = tempfile::tempdir().unwrap();
    assert_cmd_snapshot!(cmd(dir.path()).args(["report", "."]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error[E_RUN_NOT_FOUND]: `.` is not a run record (no `run.json`)
      = help: name a directory under `.scalable/runs/`, or use `--latest`; `scalable runs` lists them
    ");
}

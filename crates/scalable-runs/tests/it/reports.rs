//! The reports of synthetic runs.

use scalable_runs::{Report, RunStatus};

use crate::synthetic;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"run-\d{8}T\d{6}Z-demeter-lulcc-[0-9a-f]{8}", "[RUN_ID]");
    s
}

#[test]
fn text_report_of_a_small_ensemble() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synthetic::closed_run(tmp.path(), 40, 4);
    synthetic::pin_times(&dir, 905.0);
    let report = Report::load(&dir).unwrap();
    assert_eq!(report.summary.status, RunStatus::Failed);
    settings().bind(|| insta::assert_snapshot!(report.text()));
}

#[test]
fn json_report_is_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synthetic::closed_run(tmp.path(), 40, 4);
    let report = Report::load(&dir).unwrap();
    let json: serde_json::Value = serde_json::from_str(&report.json()).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["status"], "failed");
    assert_eq!(json["tasks"]["total"], 40);
    assert_eq!(json["by_task"][0]["name"], "aggregate_demeter_outputs");
    assert_eq!(json["cost"]["estimate"], 4.82);
    // summary.json, written at close, says the same about the tasks.
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(stored["tasks"], json["tasks"]);
    assert_eq!(stored["by_task"], json["by_task"]);
    assert_eq!(stored["failures"], json["failures"]);
}

#[test]
fn html_report_of_10k_tasks_is_small_and_self_contained() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synthetic::closed_run(tmp.path(), 10_000, 17);
    let report = Report::load(&dir).unwrap();
    let html = report.html();
    assert!(html.len() <= 2 * 1024 * 1024, "{} bytes", html.len());
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.ends_with("</body></html>\n"));
    // One bar per task, one lane per worker, failures marked.
    assert_eq!(html.matches("<rect class=\"c").count(), 10_000);
    assert_eq!(html.matches("<rect class=\"lane\"").count(), 17);
    let failed = report.summary.tasks.failed as usize;
    assert!(failed > 100, "{failed}");
    assert_eq!(html.matches(" f\" x=").count(), failed);
    assert_eq!(html.matches("<path class=\"m\"").count(), failed);
    // Nothing external: no script, no URL.
    for banned in ["<script", "http://", "https://", "src=", "href=", "url("] {
        assert!(!html.contains(banned), "{banned}");
    }
}

#[test]
fn html_report_caps_the_dom_beyond_its_bar_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synthetic::closed_run(tmp.path(), 14_000, 9);
    let html = Report::load(&dir).unwrap().html();
    assert!(html.len() <= 2 * 1024 * 1024, "{} bytes", html.len());
    assert!(html.contains("drawn in 2-pixel buckets"));
    assert!(html.matches("<rect class=\"c").count() < 12_000);
}

#[test]
fn html_escapes_what_it_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    let evil = "<img src=x onerror=alert(1)>";
    for event in [
        serde_json::json!({"event": "started", "key": "k<1>", "task": evil, "worker": evil, "time": 1.0}),
        serde_json::json!({"event": "failed", "key": "k<1>", "task": evil, "worker": evil, "time": 2.0,
            "exception": {"type": evil, "message": evil}}),
    ] {
        rec.record_json(scalable_runs::Stream::Tasks, &event.to_string())
            .unwrap();
    }
    rec.close(None, None).unwrap();
    let html = Report::load(rec.dir().path()).unwrap().html();
    assert!(!html.contains("<img"), "unescaped markup");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

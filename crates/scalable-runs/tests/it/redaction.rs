//! Secrets never appear in any file of a record.

use std::path::{Path, PathBuf};

use scalable_runs::{NewRun, Recorder, Stream};
use serde_json::json;

/// The LLM API key the child process has in its environment.
const API_KEY: &str = "sk-test-0123456789abcdefghij";
/// Other secrets the child's manifest, command line and events carry.
const LITERALS: [&str; 6] = [
    API_KEY,
    "tok-literal-0001",
    "hunter2-db-password",
    "argv-secret-value",
    "aws-secret-in-args",
    "inline-assign-secret",
];

/// Runs in a child whose environment holds `OPENAI_API_KEY`: a run whose
/// manifest, plan, command line and events all carry secrets.
pub fn write_secret_run(root: &str, out: &str) {
    let manifest = format!(
        "{}\n    # DB_PASSWORD: hunter2-db-password\n",
        crate::synthetic::MANIFEST.trim_end()
    );
    let plan = json!({"target": "local", "provider": {"name": "local"},
        "worker_groups": [{"env": {"AWS_SECRET_ACCESS_KEY": "aws-secret-in-args"}}]})
    .to_string();
    let argv: Vec<String> = ["python", "workflow.py", "--api-key", "argv-secret-value"]
        .map(String::from)
        .to_vec();
    let rec = Recorder::create(
        Path::new(root),
        &NewRun {
            project: "demeter-lulcc",
            manifest_text: &manifest,
            plan_json: &plan,
            lock: None,
            argv: &argv,
        },
    )
    .unwrap();
    let exception = json!({
        "type": "AuthenticationError",
        "message": format!("Incorrect API key provided: {API_KEY}"),
        "traceback": "  File \"wf.py\", line 3\n    connect(url, password=\"inline-assign-secret\")\n",
    });
    rec.record_json(
        Stream::Tasks,
        &json!({"event": "submitted", "key": "call_llm-0a1b2c3d4e5f6a7b", "task": "call_llm",
                "args": {"prompt": "hello", "aws_secret": "aws-secret-in-args",
                         "api_key": API_KEY}})
        .to_string(),
    )
    .unwrap();
    rec.record_json(
        Stream::Tasks,
        &json!({"event": "failed", "key": "call_llm-0a1b2c3d4e5f6a7b", "task": "call_llm",
                "exception": exception})
        .to_string(),
    )
    .unwrap();
    rec.record_json(
        Stream::Failures,
        &json!({"event": "failed", "key": "call_llm-0a1b2c3d4e5f6a7b", "exception": exception,
                "env": {"OPENAI_API_KEY": API_KEY}})
        .to_string(),
    )
    .unwrap();
    rec.record_json(
        Stream::Workers,
        &json!({"event": "added", "worker": "w0", "reason": format!("OPENAI_API_KEY={API_KEY}")})
            .to_string(),
    )
    .unwrap();
    rec.close(None, Some(0)).unwrap();
    std::fs::write(out, rec.dir().path().to_string_lossy().as_bytes()).unwrap();
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn no_secret_reaches_any_file_of_the_record() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let status = crate::spawn_child(
        "secrets",
        &[tmp.path().to_str().unwrap(), out.to_str().unwrap()],
        &[("OPENAI_API_KEY", API_KEY)],
    )
    .wait()
    .unwrap();
    assert!(status.success());
    let dir = PathBuf::from(std::fs::read_to_string(&out).unwrap());

    // Reports are files too.
    let report = scalable_runs::Report::load(&dir).unwrap();
    std::fs::write(dir.join("report.html"), report.html()).unwrap();
    std::fs::write(dir.join("report.txt"), report.text()).unwrap();

    let mut files = Vec::new();
    all_files(&dir, &mut files);
    assert!(files.len() >= 13, "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for secret in LITERALS {
            assert!(
                !text.contains(secret),
                "`{secret}` leaked into {}:\n{text}",
                file.display()
            );
        }
    }
    // What stays: the structure, the masks, the innocent values.
    let tasks = std::fs::read_to_string(dir.join("tasks.jsonl")).unwrap();
    assert!(tasks.contains(r#""api_key":"***""#), "{tasks}");
    assert!(tasks.contains(r#""prompt":"hello""#));
    assert!(tasks.contains("Incorrect API key provided: ***"));
    assert!(tasks.contains(r#"password=\"***\""#), "{tasks}");
    assert!(tasks.contains(r#""key":"call_llm-0a1b2c3d4e5f6a7b""#));
    let run = std::fs::read_to_string(dir.join("run.json")).unwrap();
    assert!(
        run.contains(r#""--api-key","***""#) || run.contains("\"--api-key\",\n    \"***\""),
        "{run}"
    );
    let manifest = std::fs::read_to_string(dir.join("manifest.yaml")).unwrap();
    assert!(manifest.contains("API_TOKEN: \"***\""), "{manifest}");
}

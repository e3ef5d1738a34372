//! Run records as other processes and readers see them: concurrent writers in
//! real processes, a writer killed with SIGKILL, torn lines, honest status,
//! redaction, and the reports.
//!
//! Child processes are this test binary run again with `child::entry` as
//! the only test and `SCALABLE_RUNS_CHILD` saying what to do.

mod synthetic;

mod concurrency;
mod crash;
mod redaction;
mod reports;
mod status;

use std::path::Path;
use std::process::{Child, Command};

/// Starts this test binary as a child doing `mode` with `args`.
pub fn spawn_child(mode: &str, args: &[&str], env: &[(&str, &str)]) -> Child {
    let exe = std::env::current_exe().expect("the test binary has a path");
    let mut cmd = Command::new(exe);
    cmd.args([
        "--exact",
        "child::entry",
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .env("SCALABLE_RUNS_CHILD", mode)
    .env("SCALABLE_RUNS_CHILD_ARGS", args.join("\u{1f}"))
    .stdout(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("the test binary starts again")
}

/// Waits until `path` exists (at most 30 s).
pub fn wait_for(path: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !path.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {}",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

mod child {
    use std::path::PathBuf;

    use scalable_runs::{Recorder, Stream};
    use serde_json::json;

    /// What a child does; a no-op when run as an ordinary test.
    #[test]
    fn entry() {
        let Ok(mode) = std::env::var("SCALABLE_RUNS_CHILD") else {
            return;
        };
        let args: Vec<String> = std::env::var("SCALABLE_RUNS_CHILD_ARGS")
            .unwrap_or_default()
            .split('\u{1f}')
            .map(str::to_owned)
            .collect();
        match mode.as_str() {
            // run_dir writer count go_file: append `count` task events, some
            // of them 8 KiB long, once `go_file` exists.
            "append" => {
                let rec = Recorder::open(&PathBuf::from(&args[0])).unwrap();
                let writer: u64 = args[1].parse().unwrap();
                let count: u64 = args[2].parse().unwrap();
                super::wait_for(&PathBuf::from(&args[3]));
                for seq in 0..count {
                    let pad = if seq.is_multiple_of(10) {
                        "x".repeat(8192)
                    } else {
                        String::new()
                    };
                    let event = json!({"event": "finished", "key": format!("w{writer}-{seq}"),
                        "task": "t", "writer": writer, "seq": seq, "pad": pad});
                    rec.record_json(Stream::Tasks, &event.to_string()).unwrap();
                }
            }
            // root ready_file: open a run, record events forever, say when
            // 1,000 are in.
            "forever" => {
                let rec = crate::synthetic::create(&PathBuf::from(&args[0]));
                let ready = PathBuf::from(&args[1]);
                let mut n: u64 = 0;
                loop {
                    let key = format!("run_demeter_scenario-{n:08x}");
                    let started = json!({"event": "started", "key": key, "worker": "demeter-0",
                        "task": "run_demeter_scenario"});
                    let finished = json!({"event": "finished", "key": key, "worker": "demeter-0",
                        "task": "run_demeter_scenario"});
                    rec.record_json(Stream::Tasks, &started.to_string())
                        .unwrap();
                    rec.record_json(Stream::Tasks, &finished.to_string())
                        .unwrap();
                    n += 1;
                    if n == 500 {
                        std::fs::write(&ready, rec.dir().path().to_string_lossy().as_bytes())
                            .unwrap();
                    }
                }
            }
            // root out_file: a run full of secrets, closed; its path in out_file.
            "secrets" => crate::redaction::write_secret_run(&args[0], &args[1]),
            other => panic!("unknown child mode {other}"),
        }
    }
}

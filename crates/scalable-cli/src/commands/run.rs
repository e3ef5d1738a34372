//! `scalable run`: validate, plan, open the run record, run the workflow with
//! the session wired to that record, show progress, close the record with an
//! honest status and exit with the workflow's code. `--dry-run` stops after
//! printing the plan.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use scalable_runs::{NewRun, Recorder};
use scalable_runs::{RunStatus, Stream};

use crate::ExitCode;
use crate::commands::plan::{self, PlanArgs};
use crate::commands::progress::Progress;

/// Flags of `scalable run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    plan: PlanArgs,
    /// The workflow script to run with the same Python
    #[arg(
        long,
        short = 'w',
        value_name = "FILE",
        required_unless_present = "dry_run"
    )]
    workflow: Option<PathBuf>,
    /// Arguments for the workflow script (after `--`)
    #[arg(last = true, value_name = "ARGS")]
    workflow_args: Vec<String>,
}

/// Runs the command.
pub fn run(args: &Args) -> i32 {
    if args.plan.dry_run {
        return plan::run(&args.plan) as i32;
    }
    let workflow = args
        .workflow
        .as_ref()
        .expect("clap requires --workflow without --dry-run");
    let plan = match plan::make(&args.plan) {
        Ok(p) => p,
        Err(code) => return code as i32,
    };
    let manifest_path = args.plan.manifest_path();
    let manifest_text = std::fs::read_to_string(&manifest_path).unwrap_or_default();
    let plan_json = scalable_plan::to_json(&plan);
    let argv: Vec<String> = std::env::args().collect();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let new = NewRun {
        project: &plan.project,
        manifest_text: &manifest_text,
        plan_json: &plan_json,
        lock: plan.manifest_lock.as_deref(),
        argv: &argv,
    };
    let recorder = match Recorder::create(&scalable_runs::runs_root(&cwd), &new) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot open a run record: {e}");
            return ExitCode::Usage as i32;
        }
    };
    let run_dir = recorder.dir().path().to_path_buf();
    eprintln!("Run {} ({})", recorder.dir().id(), run_dir.display());

    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    // Ctrl-C from a terminal reaches the workflow too (same process group);
    // a signal sent to this process alone is passed on if the workflow is
    // still running two seconds later.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));

    let child = spawn(
        workflow,
        &args.workflow_args,
        &run_dir,
        &manifest_path,
        &plan,
        &args.plan,
    );
    let (code, requested) = match child {
        Ok(child) => supervise(child, &run_dir, &recorder, &interrupted),
        Err(e) => {
            let _ = recorder.record_value(
                Stream::Failures,
                serde_json::json!({"event": "workflow-not-started", "message": e.to_string()}),
            );
            eprintln!(
                "error: cannot start the workflow `{}`: {e}",
                workflow.display()
            );
            (ExitCode::Usage as i32, Some(RunStatus::Failed))
        }
    };
    finish(&recorder, &run_dir, requested, code)
}

/// The Python that runs the workflow: the one that runs us when we are its
/// console script (`SCALABLE_PYTHON`), else `python3`.
fn python() -> String {
    std::env::var("SCALABLE_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_string())
}

fn spawn(
    workflow: &Path,
    extra: &[String],
    run_dir: &Path,
    manifest: &Path,
    plan: &scalable_plan::Plan,
    args: &PlanArgs,
) -> std::io::Result<Child> {
    let manifest = std::path::absolute(manifest).unwrap_or_else(|_| manifest.to_path_buf());
    let mut cmd = Command::new(python());
    cmd.arg(workflow)
        .args(extra)
        .env("SCALABLE_RUN_DIR", run_dir)
        .env("SCALABLE_MANIFEST", manifest)
        .env("SCALABLE_TARGET", &plan.target)
        .env("SCALABLE_OBJECTIVE", plan.objective.as_str())
        .env("SCALABLE_POLICY", plan.policy.as_str())
        .env("PYTHONUNBUFFERED", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(n) = args.scenarios() {
        cmd.env("SCALABLE_SCENARIOS", n.to_string());
    }
    // The session applies the same overlay files to the manifest it loads.
    let overlays = args
        .overlay_files()
        .iter()
        .map(|f| std::path::absolute(f).unwrap_or_else(|_| f.clone()));
    match std::env::join_paths(overlays) {
        Ok(joined) if !args.overlay_files().is_empty() => {
            cmd.env("SCALABLE_OVERLAY", joined);
        }
        Ok(_) => {
            cmd.env_remove("SCALABLE_OVERLAY");
        }
        Err(e) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, e)),
    }
    cmd.spawn()
}

enum Line {
    Out(String),
    Err(String),
}

/// Forwards the workflow's output (and keeps it in `logs/workflow.log`),
/// shows progress, and waits for the workflow to end.
fn supervise(
    mut child: Child,
    run_dir: &Path,
    recorder: &Recorder,
    interrupted: &AtomicBool,
) -> (i32, Option<RunStatus>) {
    let (tx, rx) = mpsc::channel();
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            BufReader::new(out)
                .lines()
                .map_while(Result::ok)
                .for_each(|l| drop(tx.send(Line::Out(l))))
        });
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            BufReader::new(err)
                .lines()
                .map_while(Result::ok)
                .for_each(|l| drop(tx.send(Line::Err(l))))
        });
    }
    drop(tx);
    let mut log = std::fs::File::create(recorder.dir().logs_dir().join("workflow.log")).ok();
    let mut progress = Progress::new(recorder.dir().stream_path(Stream::Tasks));
    let bar = bar();
    let mut last_line = String::new();
    let mut ticks = 0u32;
    let mut interrupt_sent: Option<std::time::Instant> = None;
    let mut forwarded = false;
    loop {
        while let Ok(line) = rx.try_recv() {
            let (text, to_err) = match line {
                Line::Out(t) => (t, false),
                Line::Err(t) => (t, true),
            };
            if let Some(log) = log.as_mut() {
                let _ = writeln!(log, "{text}");
            }
            match (&bar, to_err) {
                (Some(bar), _) => bar.println(&text),
                (None, false) => println!("{text}"),
                (None, true) => eprintln!("{text}"),
            }
        }
        progress.poll();
        let line = progress.line();
        match &bar {
            Some(bar) => bar.set_message(line),
            None => {
                // Plain lines when not on a terminal: on change, at most every 2 s.
                ticks += 1;
                if ticks.is_multiple_of(10) && strip_time(&line) != strip_time(&last_line) {
                    eprintln!("{line}");
                    last_line = line;
                }
            }
        }
        if interrupted.load(Ordering::SeqCst) && interrupt_sent.is_none() {
            interrupt_sent = Some(std::time::Instant::now());
        }
        if let Some(at) = interrupt_sent {
            if at.elapsed() > Duration::from_secs(15) {
                let _ = child.kill();
            } else if at.elapsed() > Duration::from_secs(2) && !forwarded {
                forwarded = true;
                // SAFETY: kill(2) with a pid we spawned and a valid signal number.
                unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            }
        }
        match child.try_wait() {
            Ok(Some(status)) => {
                // Drain what the readers still hold.
                for line in rx.iter() {
                    let (to_err, t) = match line {
                        Line::Out(t) => (false, t),
                        Line::Err(t) => (true, t),
                    };
                    if let Some(log) = log.as_mut() {
                        let _ = writeln!(log, "{t}");
                    }
                    match (&bar, to_err) {
                        (Some(bar), _) => bar.println(&t),
                        (None, false) => println!("{t}"),
                        (None, true) => eprintln!("{t}"),
                    }
                }
                progress.poll();
                if let Some(bar) = &bar {
                    bar.finish_and_clear();
                }
                eprintln!("{}", progress.line());
                let _ = run_dir;
                if interrupt_sent.is_some() {
                    return (130, Some(RunStatus::Interrupted));
                }
                return (exit_code(status), None);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(200)),
            Err(_) => return (ExitCode::Usage as i32, Some(RunStatus::Failed)),
        }
    }
}

fn strip_time(line: &str) -> &str {
    line.split_once("] ").map_or(line, |(_, rest)| rest)
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(1))
}

fn bar() -> Option<indicatif::ProgressBar> {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(indicatif::ProgressStyle::with_template("{spinner} {msg}").ok()?);
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

/// Closes the record (honest status), writes the HTML report, says where things are.
fn finish(recorder: &Recorder, run_dir: &Path, requested: Option<RunStatus>, code: i32) -> i32 {
    let status = match recorder.close(requested, Some(code)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot close the run record: {e}");
            return code;
        }
    };
    let report = scalable_runs::Report::load(run_dir);
    let html = run_dir.join("report.html");
    if let Ok(report) = &report {
        let _ = scalable_manifest::write_atomic(&html, report.html().as_bytes());
        let summary = report.text();
        eprintln!("{}", summary.lines().take(6).collect::<Vec<_>>().join("\n"));
    }
    eprintln!("Run {}: {status}", recorder.dir().id());
    eprintln!("Record: {}", run_dir.display());
    if html.exists() {
        eprintln!("Report: {}", html.display());
    }
    code
}

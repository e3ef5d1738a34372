//! The recorder's throughput and the report's speed on a 10,000-task run.
//! Targets: recorder ≥ 100,000 events/s; `report` (read + summarise + render)
//! of a 10,000-task run ≤ 0.5 s, its HTML ≤ 2 MB. See docs/performance.md.
//!
//!     cargo bench -p scalable-runs --bench recorder

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use scalable_runs::{Report, Stream};

#[path = "../tests/it/synthetic.rs"]
mod synthetic;

/// A task event as the scheduler plugin sends it (`finished`, ≈ 250 bytes).
fn finished(n: u64) -> String {
    serde_json::json!({
        "event": "finished", "time": 1_779_250_600.25, "key": format!("run_demeter_scenario-{n:016x}"),
        "task": "run_demeter_scenario", "worker": "demeter-3", "worker_address": "tcp://127.0.0.1:40123",
        "start": 1_779_250_560.0, "stop": 1_779_250_600.2, "worker_memory": 2_147_483_648u64,
        "memory_limit": 17_179_869_184u64,
    })
    .to_string()
}

/// A `submitted` event with scalar arguments (≈ 300 bytes).
fn submitted(n: u64) -> String {
    serde_json::json!({
        "event": "submitted", "time": 1_779_250_500.5, "key": format!("run_demeter_scenario-{n:016x}"),
        "task": "run_demeter_scenario", "function": "workflow.run_demeter_scenario", "tag": "demeter",
        "retries": 2, "args": {"scenario": "ssp2_rcp45", "spatial_resolution": 0.25, "seed": n,
                               "config": "/data/configs/ssp2_rcp45.ini"},
    })
    .to_string()
}

fn recorder(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let rec = synthetic::create(tmp.path());
    let events: Vec<String> = (0..1024)
        .map(|n: u64| {
            if n.is_multiple_of(2) {
                finished(n)
            } else {
                submitted(n)
            }
        })
        .collect();

    let mut g = c.benchmark_group("recorder");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("record one event", |b| {
        b.iter(|| {
            i = (i + 1) % events.len();
            rec.record_json(Stream::Tasks, black_box(&events[i]))
                .unwrap();
        });
    });
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("record_many 1024 events", |b| {
        b.iter(|| rec.record_many(Stream::Tasks, black_box(&events)).unwrap());
    });
    g.finish();
}

fn report(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = synthetic::closed_run(tmp.path(), 10_000, 17);
    let html = Report::load(&dir).unwrap().html();
    eprintln!(
        "report.html for 10,000 tasks: {} bytes ({:.2} MiB)",
        html.len(),
        html.len() as f64 / 1048576.0
    );
    assert!(html.len() <= 2 * 1024 * 1024);

    let mut g = c.benchmark_group("report 10k tasks");
    g.sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(8));
    g.bench_function("load + summarise", |b| {
        b.iter(|| Report::load(black_box(&dir)).unwrap())
    });
    g.bench_function("load + summarise + text", |b| {
        b.iter(|| Report::load(black_box(&dir)).unwrap().text())
    });
    g.bench_function("load + summarise + html", |b| {
        b.iter(|| Report::load(black_box(&dir)).unwrap().html())
    });
    let report = Report::load(&dir).unwrap();
    g.bench_function("html only", |b| b.iter(|| black_box(&report).html()));
    g.bench_function("close (sync, fold, run.json, summary.json)", |b| {
        b.iter_batched(
            || {
                let rec = synthetic::create(tmp.path());
                synthetic::record(&rec, &synthetic::ensemble(10_000, 17));
                rec
            },
            |rec| rec.close(None, Some(0)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, recorder, report);
criterion_main!(benches);

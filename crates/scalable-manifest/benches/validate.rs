//! In-process parse + validate of the example manifest and of a generated
//! 5,000-component manifest (the shape `bench/gen_manifest.py` writes for the
//! whole-command benchmark). Targets: example ≤ 100 µs; see
//! docs/performance.md.
//!
//!     cargo bench -p scalable-manifest --bench validate

use std::fmt::Write;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use scalable_manifest::{Env, load_str, render};

const EXAMPLE: &str = include_str!("../../../docs/examples/scalable.demeter.yaml");

/// `n` components, each with an image, cpus, memory, tags, mounts and env;
/// `n` tasks bound to them; targets local, slurm and aws (with an overlay).
fn generated(n: usize) -> String {
    let mut s = String::from(
        "version: 1\n\
         project:\n  name: big-ensemble\n  default_storage: ./outputs/big\n\
         targets:\n  local: {provider: local, max_workers: 2}\n\
         \x20 hpc:\n    provider: slurm\n    queue: short\n    account: gcims\n    walltime: \"02:30:00\"\n\
         \x20 aws:\n    provider: aws\n    overlay: aws-storage\n    region: us-east-1\n    cluster_type: fargate\n\
         components:\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "  model_{i:05}:\n    image: ghcr.io/example/model-{}:1.{}.0\n    cpus: {}\n    memory: {}G\n\
             \x20   tags: [ensemble, group-{}, member-{i}]\n\
             \x20   mounts:\n      ./data/{}: /data\n      ./scratch: /scratch\n\
             \x20   env:\n      MEMBER: member-{i}\n      OMP_NUM_THREADS: \"1\"\n",
            i % 50,
            i % 7,
            1 + i % 8,
            1 + i % 32,
            i % 100,
            i % 100,
        );
    }
    s.push_str("tasks:\n");
    for i in 0..n {
        let _ = writeln!(
            s,
            "  run_{i:05}: {{component: model_{i:05}, cache: {}}}",
            i % 2 == 1
        );
    }
    s.push_str(
        "overlays:\n  aws-storage:\n    project:\n      \
         default_storage: s3://${ARTIFACT_STORAGE:-bench-bucket}/big/\n",
    );
    s
}

/// What `scalable validate FILE` does in-process: parse, validate every
/// target, render the report.
fn validate(source: &str, file: &str) -> String {
    let doc = load_str(source, file, Path::new("."), Env::default()).expect("parses");
    let report = doc.validate(None);
    assert!(report.ok(), "{}", render::text(&report, source));
    render::text(&report, source)
}

fn example(c: &mut Criterion) {
    let mut g = c.benchmark_group("example");
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("parse", |b| {
        b.iter(|| {
            load_str(
                black_box(EXAMPLE),
                "ex.yaml",
                Path::new("."),
                Env::default(),
            )
        })
    });
    g.bench_function("parse+validate", |b| {
        b.iter(|| validate(black_box(EXAMPLE), "ex.yaml"))
    });
    g.finish();
}

fn big(c: &mut Criterion) {
    let source = generated(5_000);
    let mut g = c.benchmark_group("5000 components");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("parse", |b| {
        b.iter(|| {
            load_str(
                black_box(&source),
                "big.yaml",
                Path::new("."),
                Env::default(),
            )
        })
    });
    g.bench_function("parse+validate", |b| {
        b.iter(|| validate(black_box(&source), "big.yaml"))
    });
    g.finish();
}

criterion_group!(benches, example, big);
criterion_main!(benches);

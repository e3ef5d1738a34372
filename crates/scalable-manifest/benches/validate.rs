//! In-process parse + validate of the example manifest and of a generated
//! 5,000-component manifest.

use criterion::{Criterion, criterion_group, criterion_main};
use scalable_manifest::{Env, load_str};
use std::hint::black_box;
use std::path::Path;

const EXAMPLE: &str = include_str!("../../../docs/examples/scalable.demeter.yaml");

fn example(c: &mut Criterion) {
    c.bench_function("parse+validate example", |b| {
        b.iter(|| {
            let doc = load_str(
                black_box(EXAMPLE),
                "scalable.demeter.yaml",
                Path::new("."),
                Env::default(),
            )
            .expect("parses");
            black_box(doc.validate(None))
        })
    });
}

criterion_group!(benches, example);
criterion_main!(benches);

//! `init-component`'s analysis in-process: the Demeter-shaped fixture and a
//! generated 20,000-file tree (what `bench/init_component.sh` times as a
//! whole command). `cargo bench -p scalable-ai --bench onboard`.

use std::fs;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use scalable_ai::onboard::{self, Options, render};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/onboard/demeter"
);

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The fixture plus small generated files up to 20,000 (modules, data, built
/// docs), like `bench/gen_repo.py`.
fn big_tree(root: &Path) {
    copy_dir(Path::new(FIXTURE), root);
    for i in 0..19_970 {
        let (dir, name) = match i % 4 {
            0 => (
                format!("demeter/sub{:02}", i / 4 % 40),
                format!("module_{i:05}.py"),
            ),
            1 => (
                format!("data/region{:02}", i / 4 % 40),
                format!("inputs_{i:05}.csv"),
            ),
            2 => (
                format!("docs/_build/html/p{:02}", i / 4 % 40),
                format!("page_{i:05}.html"),
            ),
            _ => (
                format!("docs/_build/html/_static/s{:02}", i / 4 % 40),
                format!("chunk_{i:05}.js"),
            ),
        };
        let dir = root.join(dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(name), format!("{i}\n")).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let demeter = Options::new(FIXTURE, "demeter");
    c.bench_function("init-component: Demeter fixture (analyse + render)", |b| {
        b.iter(|| {
            let o = onboard::analyze(black_box(&demeter)).unwrap();
            black_box(render::text(&o));
        })
    });
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    big_tree(&root);
    let big = Options::new(&root, "demeter");
    let mut group = c.benchmark_group("init-component: 20,000 files");
    group.sample_size(20);
    group.bench_function("analyse + render", |b| {
        b.iter(|| {
            let o = onboard::analyze(black_box(&big)).unwrap();
            black_box(render::text(&o));
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

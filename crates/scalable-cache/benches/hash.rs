//! Hashing throughput: one 256 MiB file, warm (in the page cache) and cold
//! (evicted with `posix_fadvise(DONTNEED)` before each read), by each
//! strategy; and a memo hit. `cargo bench -p scalable-cache --bench hash`.
//! The 1 GiB comparison against `b3sum`, hashlib and others is bench/cache.py.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scalable_cache::hash::{Strategy, evict, hash_path};
use scalable_cache::inputs::Inputs;
use scalable_cache::memo::Memo;

const SIZE: usize = 256 << 20;

fn file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir_in(std::env::var_os("SCALABLE_BENCH_DIR").unwrap_or(".".into()))
        .expect("a temp dir");
    let path = dir.path().join("data.bin");
    let mut f = std::fs::File::create(&path).expect("the bench file");
    let mut block = vec![0u8; 1 << 20];
    for i in 0..SIZE / block.len() {
        for (j, b) in block.iter_mut().enumerate() {
            *b = (i * 131 + j * 7) as u8;
        }
        f.write_all(&block).expect("written");
    }
    f.sync_all().expect("synced");
    (dir, path)
}

fn hashing(c: &mut Criterion) {
    let (_dir, path) = file();
    let mut g = c.benchmark_group("hash-256MiB");
    g.throughput(Throughput::Bytes(SIZE as u64));
    g.sample_size(10);
    for (name, s) in [
        ("warm/stream", Strategy::Stream),
        ("warm/mmap-rayon", Strategy::MmapRayon),
        ("warm/auto", Strategy::Auto),
    ] {
        hash_path(&path, s).expect("hashes");
        g.bench_function(name, |b| {
            b.iter(|| black_box(hash_path(&path, s).expect("hashes")))
        });
    }
    for (name, s) in [
        ("cold/stream", Strategy::Stream),
        ("cold/mmap-rayon", Strategy::MmapRayon),
        ("cold/auto", Strategy::Auto),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                evict(&path).expect("evicted");
                black_box(hash_path(&path, s).expect("hashes"))
            })
        });
    }
    g.finish();

    // A memo hit: stat + one small read, however large the file.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let memo_dir = tempfile::tempdir().expect("a temp dir");
    let inputs = Inputs::new(Memo::new(Some(memo_dir.path().to_path_buf()), true));
    inputs.file(&path).expect("hashes");
    c.bench_function("memo-hit-256MiB", |b| {
        b.iter(|| black_box(inputs.file(&path).expect("hashes")))
    });
    // A new process's first look: the memo file, not the map.
    c.bench_function("memo-hit-from-disk", |b| {
        b.iter(|| {
            let i = Inputs::new(Memo::new(Some(memo_dir.path().to_path_buf()), true));
            black_box(i.file(&path).expect("hashes"))
        })
    });
}

criterion_group!(benches, hashing);
criterion_main!(benches);

//! The store's maintenance and `explain`, on real directories.

use std::time::Duration;

use scalable_cache::explain::{Change, explain};
use scalable_cache::{
    ArgKind, Cache, Digest, FORMAT_VERSION, FunctionPart, KeyParts, NewEntry, Options, Value,
};

fn cache(dir: &std::path::Path) -> Cache {
    Cache::open(
        dir,
        Options {
            memo: true,
            lease: Duration::ZERO,
        },
    )
    .unwrap()
}

fn parts(cache: &Cache, body: &[u8], scenario: &str, data: &std::path::Path) -> KeyParts {
    KeyParts {
        version: FORMAT_VERSION,
        function: FunctionPart {
            name: "run_model".into(),
            source: Digest::of(body),
        },
        args: vec![
            cache.arg_value("scenario", ArgKind::Value, &Value::Str(scenario.into())),
            cache.arg_dir("data", data).unwrap(),
        ],
        image: None,
    }
}

fn put(cache: &Cache, p: &KeyParts, value: &[u8]) {
    cache
        .store()
        .put(&NewEntry {
            parts: p,
            compute_s: 2.0,
            output: None,
            value,
        })
        .unwrap();
    // Entries are ordered by creation time; keep them apart.
    std::thread::sleep(Duration::from_millis(5));
}

#[test]
fn verify_finds_and_repairs_a_damaged_blob() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    let p = parts(&c, b"v1", "ssp1", data.path());
    let big = vec![3u8; 100_000];
    put(&c, &p, &big);
    let mut calls = 0;
    assert!(c.store().verify(false, &mut |_, _| calls += 1).ok());
    assert!(calls > 1, "progress is reported");
    let meta = c.store().list().remove(0).meta.unwrap();
    let blob = c.store().blob_path(&meta.value.digest);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[5] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let report = c.store().verify(false, &mut |_, _| {});
    assert_eq!(report.problems.len(), 1);
    assert!(!report.problems[0].quarantined);
    assert!(blob.exists(), "verify without --repair changes nothing");
    let report = c.store().verify(true, &mut |_, _| {});
    assert!(report.problems.iter().all(|p| p.quarantined), "{report:?}");
    assert!(!blob.exists());
    assert!(
        c.store().list().is_empty(),
        "the entry of the damaged blob is gone too"
    );
    assert!(c.store().verify(false, &mut |_, _| {}).ok());
}

#[test]
fn prune_by_size_removes_the_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    for s in ["a", "b", "c"] {
        put(&c, &parts(&c, b"v1", s, data.path()), &[0u8; 1000]);
    }
    let sizes: Vec<u64> = c.store().list().iter().map(|l| l.bytes).collect();
    let report = c.store().prune(None, Some(sizes[1] + sizes[2]));
    assert_eq!(report.entries, 1);
    let left: Vec<String> = c
        .store()
        .list()
        .into_iter()
        .map(|l| l.meta.unwrap().parts.args[0].shown.clone().unwrap())
        .collect();
    assert_eq!(left, ["\"b\"", "\"c\""]);
    let report = c.store().prune(Some(Duration::from_secs(3600)), None);
    assert_eq!(report.entries, 0);
    assert_eq!(c.store().clear().unwrap(), 2);
    assert!(c.store().list().is_empty());
}

#[test]
fn explain_names_the_closest_earlier_entry_and_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("soil.csv"), "1").unwrap();
    std::fs::write(data.path().join("crops.csv"), "2").unwrap();
    let c = cache(dir.path());
    put(&c, &parts(&c, b"v1", "ssp1", data.path()), b"1");
    put(&c, &parts(&c, b"v1", "ssp2", data.path()), b"2");
    std::fs::write(data.path().join("soil.csv"), "changed").unwrap();
    put(&c, &parts(&c, b"v1", "ssp2", data.path()), b"3");
    let list = explain(&c, "run_model", None).unwrap();
    assert_eq!(list.len(), 1);
    match &list[0].changes[..] {
        [Change::Argument { name, files, .. }] => {
            assert_eq!(name, "data");
            assert_eq!(files.len(), 1);
            assert_eq!(files[0].path, "soil.csv");
            assert_eq!(files[0].change, "changed");
        }
        other => panic!("{other:?}"),
    }
    put(&c, &parts(&c, b"v2", "ssp2", data.path()), b"4");
    let list = explain(&c, "run_model", None).unwrap();
    assert_eq!(list[0].changes, [Change::Body]);
    assert_eq!(
        explain(&c, "nothing", None).unwrap_err().code(),
        "E_CACHE_UNKNOWN_FUNCTION"
    );
}

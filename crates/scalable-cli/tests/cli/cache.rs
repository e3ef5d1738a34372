//! `scalable cache`: the text people read, snapshotted, over a cache built
//! through the library with fixed key parts (so keys are stable).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use insta_cmd::assert_cmd_snapshot;
use scalable_cache::{
    ArgKind, Cache, Digest, FORMAT_VERSION, FunctionPart, KeyParts, NewEntry, Options, Value,
};

use super::{run, scalable};

/// `scalable cache ARGS --dir DIR` with no cache variables set.
fn cmd(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = scalable(dir);
    cmd.env_remove("SCALABLE_CACHE_DIR")
        .arg("cache")
        .args(args)
        .arg("--dir")
        .arg(dir.join("cache"));
    cmd
}

fn settings(dir: &Path) -> insta::Settings {
    let mut s = super::temp_filters(dir);
    s.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]");
    // An entry's size varies by a byte or two with the digits of its time.
    s.add_filter(r"\b7\d\d B\b", "7xx B");
    s
}

/// Two entries of `run_model` (the second with another scenario and an image)
/// and one of `prepare`, the last holding a 100 kB value (a blob).
fn build(dir: &Path) -> Cache {
    let cache = Cache::open(
        &dir.join("cache"),
        Options {
            memo: true,
            lease: Duration::ZERO,
        },
    )
    .unwrap();
    let input = dir.join("config.ini");
    std::fs::write(&input, "[params]\nscenario = ssp1\n").unwrap();
    let entry = |name: &str, scenario: &str, image: Option<&str>, value: &[u8], secs: f64| {
        let parts = KeyParts {
            version: FORMAT_VERSION,
            function: FunctionPart {
                name: name.into(),
                source: Digest::of(name.as_bytes()),
            },
            args: vec![
                cache.arg_value("scenario", ArgKind::Value, &Value::Str(scenario.into())),
                cache.arg_file("config", &input).unwrap(),
            ],
            image: image.map(str::to_owned),
        };
        cache
            .store()
            .put(&NewEntry {
                parts: &parts,
                compute_s: secs,
                output: None,
                value,
            })
            .unwrap();
        std::thread::sleep(Duration::from_millis(10));
    };
    entry("run_model", "ssp1", None, b"first", 65.0);
    entry(
        "run_model",
        "ssp2",
        Some("ghcr.io/jgcri/demeter:2.0.2"),
        b"second",
        61.5,
    );
    entry("prepare", "ssp1", None, &[7u8; 100_000], 0.25);
    cache
}

#[test]
fn stats_ls_show() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let _guard = settings(dir.path()).bind_to_scope();
    assert_cmd_snapshot!(cmd(dir.path(), &["stats"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    Cache `[TEMP]/cache`
      entries      3 (99.8 KiB), 0 damaged
      on disk      99.8 KiB in entries and 1 blobs
      quarantined  0 files
      leases       0
      stored       [TIME] .. [TIME]

    Functions
      FUNCTION   ENTRIES        SIZE    COMPUTE  NEWEST
      prepare          1    98.4 KiB      250ms  [TIME]
      run_model        2     1.5 KiB     2m 07s  [TIME]

    ----- stderr -----
    ");
    assert_cmd_snapshot!(cmd(dir.path(), &["ls"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    KEY           FUNCTION   STORED                      SIZE   COMPUTE
    e637b3e94fd7  run_model  [TIME]       7xx B    1m 05s
    40b6e8d3eae3  run_model  [TIME]       7xx B    1m 02s
    e24e452d163a  prepare    [TIME]    98.4 KiB     250ms

    ----- stderr -----
    ");
    assert_cmd_snapshot!(cmd(dir.path(), &["show", "40b6e8"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    Entry 40b6e8d3eae39ef340f6b6f541fda742204bb9e17e487b8d5e676bc16d4ac68d
      function   run_model
      stored     [TIME]
      compute    1m 02s
      value      6 B (inline), digest cd85637651ec
      path       [TEMP]/cache/entries-v1/40/40b6e8d3eae39ef340f6b6f541fda742204bb9e17e487b8d5e676bc16d4ac68d
    Key parts (format version 1)
      function   run_model (source 194b215ac29e)
      argument   scenario (value) da056291b1c3 = "ssp2"
      argument   config (file) ef376348507f = [TEMP]/config.ini
      image      ghcr.io/jgcri/demeter:2.0.2

    ----- stderr -----
    "#);
}

#[test]
fn verify_reports_and_repairs_damage() {
    let dir = tempfile::tempdir().unwrap();
    let cache = build(dir.path());
    let _guard = settings(dir.path()).bind_to_scope();
    assert_cmd_snapshot!(cmd(dir.path(), &["verify"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    verified 3 entries and 1 blobs (99.8 KiB)
    ok: every entry and blob matches its digest

    ----- stderr -----
    ");
    let blob = std::fs::read_dir(cache.store().dir().join("blobs-v1"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[99] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    let mut s = settings(dir.path());
    s.add_filter(r"[0-9a-f]{2}/[0-9a-f]{64}", "[SHARD]/[DIGEST]");
    let _guard = s.bind_to_scope();
    assert_cmd_snapshot!(cmd(dir.path(), &["verify"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----
    verified 3 entries and 1 blobs (99.8 KiB)
      damaged: `[TEMP]/cache/blobs-v1/[SHARD]/[DIGEST]`: blob digest mismatch
    1 damaged; run `scalable cache verify --repair` to quarantine them (they are recomputed when next needed)

    ----- stderr -----
    ");
    assert_cmd_snapshot!(cmd(dir.path(), &["verify", "--repair"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    verified 3 entries and 1 blobs (99.8 KiB)
      quarantined: `[TEMP]/cache/blobs-v1/[SHARD]/[DIGEST]`: blob digest mismatch
      quarantined: `[TEMP]/cache/entries-v1/[SHARD]/[DIGEST]`: its value blob `[TEMP]/cache/blobs-v1/[SHARD]/[DIGEST]` is missing
    removed 0 stale temp files and 0 stale leases

    ----- stderr -----
    ");
    let (out, stdout, _) = run(&mut cmd(dir.path(), &["verify"]));
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

#[test]
fn explain_prune_clear() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let _guard = settings(dir.path()).bind_to_scope();
    assert_cmd_snapshot!(cmd(dir.path(), &["explain", "run_model"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    run_model entry 40b6e8d3eae3 (stored [TIME])
      compared with e637b3e94fd7 (stored [TIME]), the closest earlier entry:
      - argument `scenario`: value changed: "ssp1" -> "ssp2"
      - the image changed: (none) -> ghcr.io/jgcri/demeter:2.0.2

    ----- stderr -----
    "#);
    assert_cmd_snapshot!(cmd(dir.path(), &["explain", "nothing"]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error[E_CACHE_UNKNOWN_FUNCTION]: no cache entries of function `nothing`
      = help: list the functions with `scalable cache stats`; the name is the function's qualified name
    ");
    assert_cmd_snapshot!(cmd(dir.path(), &["show", "zz"]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error[E_CACHE_UNKNOWN_KEY]: no cache entry matches `zz`
      = help: list the entries with `scalable cache ls`; a unique prefix of a key is enough
    ");
    assert_cmd_snapshot!(cmd(dir.path(), &["prune", "--older-than", "soon"]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error[E_CACHE_BAD_QUANTITY]: cannot read age `soon`
      = help: write an age as a number and a unit: `90s`, `45m`, `12h`, `30d`, `2w`
    ");
    assert_cmd_snapshot!(cmd(dir.path(), &["prune", "--max-size", "99K"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    removed 2 entries and 0 blobs (1.5 KiB); kept 1 entries (98.4 KiB)

    ----- stderr -----
    ");
    assert_cmd_snapshot!(cmd(dir.path(), &["clear"]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error[E_CACHE_CONFIRM]: refusing to clear `[TEMP]/cache` without `--yes`
      = help: run `scalable cache clear --yes` to remove every entry
    ");
    assert_cmd_snapshot!(cmd(dir.path(), &["clear", "--yes"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    removed 1 entries from `[TEMP]/cache`

    ----- stderr -----
    ");
}

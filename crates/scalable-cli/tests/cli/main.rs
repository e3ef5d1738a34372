//! The `scalable` command as users see it: exit code, stdout and stderr.
//!
//! One test binary for every CLI test. Each bad-manifest fixture in
//! `tests/fixtures/manifests/` (named after the code it triggers) is validated
//! as text and as JSON and snapshotted; the rest are inline snapshots or
//! assertions on what a user or tool would rely on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};
use scalable_manifest::Code;

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/manifests")
}

fn examples() -> PathBuf {
    root().join("docs/examples")
}

const EXAMPLE: &str = "scalable.demeter.yaml";

/// `scalable` run in `dir`, with no variable set that would change what it
/// reads or prints.
fn scalable(dir: &Path) -> Command {
    let mut cmd = Command::new(get_cargo_bin("scalable"));
    cmd.current_dir(dir)
        .env_remove("SCALABLE_MANIFEST")
        .env_remove("SCALABLE_TARGET")
        .env_remove("ARTIFACT_STORAGE")
        .env_remove("SCALABLE_TEST_SURELY_UNSET_VAR")
        .env_remove("MY_API_KEY")
        .env_remove("MY_SECRET_TOKEN");
    cmd
}

/// Runs a command and returns its output, stdout and stderr as text.
fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("the scalable binary runs");
    let stdout = String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8");
    let stderr = String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8");
    (out, stdout, stderr)
}

/// A temporary directory holding a copy of the example as `scalable.yaml`.
fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::copy(examples().join(EXAMPLE), dir.path().join("scalable.yaml"))
        .expect("the example copies");
    dir
}

/// Insta settings that hide the temp directory `dir` behind `[TEMP]`.
fn temp_filters(dir: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for p in [dir.to_path_buf(), dir.canonicalize().unwrap()] {
        settings.add_filter(&regex_escape(&p.display().to_string()), "[TEMP]");
    }
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// Extra arguments a fixture asks for in a `# args: ...` comment line.
fn fixture_args(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("the fixture reads");
    text.lines()
        .find_map(|l| l.strip_prefix("# args:"))
        .map(|a| a.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The code a fixture is named after: `E_BAD_MEMORY_lots.yaml` -> `E_BAD_MEMORY`.
fn fixture_code(path: &Path) -> Code {
    let stem = path.file_stem().unwrap().to_str().unwrap();
    Code::ALL
        .iter()
        .copied()
        .filter(|c| stem == c.as_str() || stem.starts_with(&format!("{}_", c.as_str())))
        .max_by_key(|c| c.as_str().len())
        .unwrap_or_else(|| panic!("fixture `{stem}` is not named after a code"))
}

#[test]
fn every_code_has_a_fixture() {
    // E_IO and E_STALE_LOCK need a missing file or a lock; they are tested below.
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !matches!(c, Code::Io | Code::StaleLock))
        .map(|c| c.as_str())
        .filter(|c| !fixtures().join(format!("{c}.yaml")).exists())
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

/// Checks what a fixture's `--format json` report says: its code is there,
/// every problem is located and has a hint, and the exit code matches.
fn check_fixture_report(path: &Path, stdout: &str, stderr: &str, exit: Option<i32>) {
    let code = fixture_code(path);
    let name = path.file_name().unwrap().to_str().unwrap();
    let report: serde_json::Value = serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("{name}: stdout is not JSON ({e}): {stdout}"));
    assert_eq!(stderr, "", "{name}: JSON mode writes nothing to stderr");
    let warning = code.severity() == scalable_manifest::Severity::Warning;
    let key = if warning { "warnings" } else { "errors" };
    let found: Vec<&str> = report[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        found.contains(&code.as_str()),
        "{name}: expected {code} among the {key}, found {found:?}"
    );
    let all = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .chain(report["warnings"].as_array().unwrap());
    for d in all {
        assert_eq!(d["file"], name);
        assert!(
            d["line"].as_u64().unwrap() > 0 && d["column"].as_u64().unwrap() > 0,
            "{name}: every problem has a position: {d}"
        );
        assert!(
            d["hint"].is_string(),
            "{name}: every problem has a hint: {d}"
        );
    }
    assert_eq!(report["ok"], warning, "{name}");
    assert_eq!(exit, Some(if warning { 0 } else { 1 }), "{name}");
}

/// Every fixture, validated as text and as JSON. (One `glob!` per binary:
/// insta's glob bookkeeping is process-global.)
#[test]
fn validate_fixtures() {
    insta::glob!("../../../../tests/fixtures/manifests", "*.yaml", |path| {
        let name = path.file_name().unwrap();
        let args = fixture_args(path);
        assert_cmd_snapshot!(
            "text",
            scalable(&fixtures()).arg("validate").arg(name).args(&args)
        );
        let mut json = scalable(&fixtures());
        json.arg("validate")
            .arg(name)
            .args(&args)
            .args(["--format", "json"]);
        let (out, stdout, stderr) = run(&mut json);
        check_fixture_report(path, &stdout, &stderr, out.status.code());
        assert_cmd_snapshot!("json", json);
    });
}

#[test]
fn valid_example() {
    assert_cmd_snapshot!(scalable(&examples()).args(["validate", EXAMPLE]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    scalable.demeter.yaml: valid (0 errors, 0 warnings)

    ----- stderr -----
    ");
    assert_cmd_snapshot!(scalable(&examples()).args(["validate", EXAMPLE, "--format", "json"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "ok": true,
      "file": "scalable.demeter.yaml",
      "errors": [],
      "warnings": []
    }

    ----- stderr -----
    "#);
}

#[test]
fn valid_example_for_every_target() {
    for target in ["local", "hpc", "hpc-fine", "aws"] {
        let (out, stdout, _) =
            run(scalable(&examples()).args(["validate", EXAMPLE, "--target", target]));
        assert!(out.status.success(), "--target {target}: {stdout}");
        assert_eq!(
            stdout,
            "scalable.demeter.yaml: valid (0 errors, 0 warnings)\n"
        );
    }
}

#[test]
fn manifest_from_environment_variable() {
    // No argument: `SCALABLE_MANIFEST`, else `./scalable.yaml`.
    let (out, stdout, _) = run(scalable(&examples())
        .arg("validate")
        .env("SCALABLE_MANIFEST", EXAMPLE));
    assert!(out.status.success());
    assert_eq!(
        stdout,
        "scalable.demeter.yaml: valid (0 errors, 0 warnings)\n"
    );

    let dir = example_copy();
    let (out, stdout, _) = run(scalable(dir.path()).arg("validate"));
    assert!(out.status.success());
    assert_eq!(stdout, "scalable.yaml: valid (0 errors, 0 warnings)\n");
}

#[test]
fn missing_file() {
    assert_cmd_snapshot!(scalable(&fixtures()).args(["validate", "no-such-manifest.yaml"]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    no-such-manifest.yaml: error[E_IO]: cannot read `no-such-manifest.yaml`: No such file or directory (os error 2)
      = help: check the path (the default is `./scalable.yaml`, or `$SCALABLE_MANIFEST`)
    ");
    // Tools asking for JSON get the usual report on stdout (and the same exit
    // code); JSON mode writes nothing to stderr.
    assert_cmd_snapshot!(scalable(&fixtures()).args(["validate", "no-such-manifest.yaml", "--format", "json"]), @r#"
    success: false
    exit_code: 2
    ----- stdout -----
    {
      "ok": false,
      "file": "no-such-manifest.yaml",
      "errors": [
        {
          "code": "E_IO",
          "severity": "error",
          "path": "",
          "file": "no-such-manifest.yaml",
          "line": 0,
          "column": 0,
          "message": "cannot read `no-such-manifest.yaml`: No such file or directory (os error 2)",
          "hint": "check the path (the default is `./scalable.yaml`, or `$SCALABLE_MANIFEST`)"
        }
      ],
      "warnings": []
    }

    ----- stderr -----
    "#);
    // The other commands that read a manifest agree.
    for command in ["lock", "show"] {
        let (out, stdout, stderr) =
            run(scalable(&fixtures()).args([command, "no-such-manifest.yaml"]));
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert_eq!(stdout, "", "{command}");
        assert!(stderr.contains("error[E_IO]"), "{command}: {stderr}");
    }
}

#[test]
fn directory_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("project")).unwrap();
    assert_cmd_snapshot!(scalable(dir.path()).args(["validate", "project"]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    project: error[E_IO]: cannot read `project`: it is a directory
      = help: name the manifest file in it, e.g. `project/scalable.yaml`
    ");
    let (out, stdout, stderr) =
        run(scalable(dir.path()).args(["validate", "project", "--format", "json"]));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr, "");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"][0]["code"], "E_IO");
    assert_eq!(
        report["errors"][0]["message"],
        "cannot read `project`: it is a directory"
    );
}

#[test]
fn help_describes_the_tool() {
    // The one-line description users see, not the crate's description.
    let (out, stdout, _) = run(scalable(&root()).arg("--help"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout.lines().next(),
        Some("Run scientific model ensembles from one manifest"),
        "{stdout}"
    );
}

#[test]
fn strict_turns_warnings_into_errors() {
    let (out, stdout, _) = run(scalable(&fixtures()).args(["validate", "W_LATEST_TAG.yaml"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "a warning alone passes: {stdout}"
    );
    assert!(stdout.contains("warning[W_LATEST_TAG]"), "{stdout}");

    assert_cmd_snapshot!(scalable(&fixtures()).args(["validate", "W_LATEST_TAG.yaml", "--strict"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----
    W_LATEST_TAG.yaml:10:12: error[W_LATEST_TAG]: image `ghcr.io/jgcri/demeter:latest` uses the `latest` tag
       |
    10 |     image: ghcr.io/jgcri/demeter:latest
       |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ components.model.image
       = help: pin a version so reruns (and cache keys) use the same software

    W_LATEST_TAG.yaml: invalid (1 error, 0 warnings)

    ----- stderr -----
    ");

    let (out, stdout, _) = run(scalable(&fixtures()).args([
        "validate",
        "W_LATEST_TAG.yaml",
        "--strict",
        "--format",
        "json",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"][0]["code"], "W_LATEST_TAG");
    assert_eq!(report["errors"][0]["severity"], "error");

    // A clean manifest stays clean under --strict.
    let (out, _, _) = run(scalable(&examples()).args(["validate", EXAMPLE, "--strict"]));
    assert!(out.status.success());
}

/// The lock file's contents.
fn read_lock(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.lock")).expect("manifest.lock exists");
    serde_json::from_str(&text).expect("manifest.lock is JSON")
}

fn sha256_of(lock: &serde_json::Value) -> String {
    let digest = lock["sha256"]
        .as_str()
        .expect("the lock has sha256")
        .to_string();
    let hex = digest.strip_prefix("sha256:").expect("sha256:<hex>");
    assert_eq!(hex.len(), 64, "{digest}");
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    digest
}

#[test]
fn lock_then_locked_then_stale() {
    let dir = example_copy();
    let settings = temp_filters(dir.path());
    let _guard = settings.bind_to_scope();

    // --locked without a lock fails and says how to make one.
    assert_cmd_snapshot!(scalable(dir.path()).args(["validate", "scalable.yaml", "--locked"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    scalable.yaml: error[E_STALE_LOCK]: cannot read `manifest.lock`: No such file or directory (os error 2)
      = help: write it with `scalable lock scalable.yaml`

    scalable.yaml: invalid (1 error, 0 warnings)

    ----- stderr -----
    ");

    let (out, stdout, stderr) = run(scalable(dir.path()).args(["lock", "scalable.yaml"]));
    assert!(out.status.success(), "{stdout}{stderr}");
    let lock = read_lock(dir.path());
    let digest = sha256_of(&lock);
    assert_eq!(lock["version"], 1);
    assert_eq!(lock["manifest"], "scalable.yaml");
    assert_eq!(stdout, format!("Wrote manifest.lock ({digest})\n"));
    assert_eq!(stderr, "");

    // Written atomically: no temp file left beside it, readable like any file.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["manifest.lock", "scalable.yaml"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("manifest.lock"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o044,
            0o044,
            "manifest.lock is shared like the manifest: group and others can read it (mode {mode:o})"
        );
    }

    // The digest is the manifest crate's digest of the validated manifest.
    let source = std::fs::read_to_string(dir.path().join("scalable.yaml")).unwrap();
    let doc = scalable_manifest::load_str(
        &source,
        "scalable.yaml",
        dir.path(),
        scalable_manifest::Env::default(),
    )
    .unwrap();
    let manifest = doc.validate(None).manifest.expect("the example is valid");
    assert_eq!(digest, scalable_manifest::digest(&manifest));

    assert_cmd_snapshot!(scalable(dir.path()).args(["validate", "scalable.yaml", "--locked"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    scalable.yaml: valid (0 errors, 0 warnings)

    ----- stderr -----
    ");

    // Locking again changes nothing.
    let (out, _, _) = run(scalable(dir.path()).args(["lock", "scalable.yaml"]));
    assert!(out.status.success());
    assert_eq!(read_lock(dir.path()), lock);

    // A comment is not a change.
    std::fs::write(
        dir.path().join("scalable.yaml"),
        format!("# reviewed\n{source}"),
    )
    .unwrap();
    let (out, stdout, _) =
        run(scalable(dir.path()).args(["validate", "scalable.yaml", "--locked"]));
    assert!(out.status.success(), "{stdout}");

    // A real change is.
    let edited = source.replacen("memory: 16G", "memory: 32G", 1);
    assert_ne!(edited, source, "the example gives demeter 16G");
    std::fs::write(dir.path().join("scalable.yaml"), &edited).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"sha256:[0-9a-f]{12}", "sha256:[SHORT]");
    settings.bind(|| {
        assert_cmd_snapshot!(scalable(dir.path()).args(["validate", "scalable.yaml", "--locked"]), @r"
        success: false
        exit_code: 1
        ----- stdout -----
        scalable.yaml: error[E_STALE_LOCK]: `manifest.lock` was written for another version of this manifest (sha256:[SHORT], now sha256:[SHORT])
          = help: review the change, then run `scalable lock scalable.yaml`

        scalable.yaml: invalid (1 error, 0 warnings)

        ----- stderr -----
        ");
    });
    let (_, stdout, _) = run(scalable(dir.path()).args([
        "validate",
        "scalable.yaml",
        "--locked",
        "--format",
        "json",
    ]));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"][0]["code"], "E_STALE_LOCK");
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&digest[..19]),
        "names the locked digest: {message}"
    );

    // Without --locked the lock is not consulted.
    let (out, _, _) = run(scalable(dir.path()).args(["validate", "scalable.yaml"]));
    assert!(out.status.success());

    // Relocking accepts the change.
    let (out, _, _) = run(scalable(dir.path()).args(["lock", "scalable.yaml"]));
    assert!(out.status.success());
    assert_ne!(sha256_of(&read_lock(dir.path())), digest);
    let (out, _, _) = run(scalable(dir.path()).args(["validate", "scalable.yaml", "--locked"]));
    assert!(out.status.success());
}

#[test]
fn locked_with_a_corrupt_lock() {
    let dir = example_copy();
    std::fs::write(dir.path().join("manifest.lock"), "{\"version\": 1,").unwrap();
    let (out, stdout, _) =
        run(scalable(dir.path()).args(["validate", "scalable.yaml", "--locked"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("error[E_STALE_LOCK]"), "{stdout}");
    assert!(stdout.contains("is not a manifest lock"), "{stdout}");
}

#[test]
fn locked_lock_beside_manifest_not_cwd() {
    // The lock is looked up beside the manifest, wherever the command runs.
    let dir = example_copy();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::rename(
        dir.path().join("scalable.yaml"),
        dir.path().join("sub/scalable.yaml"),
    )
    .unwrap();
    let (out, stdout, _) = run(scalable(dir.path()).args(["lock", "sub/scalable.yaml"]));
    assert!(out.status.success(), "{stdout}");
    assert!(dir.path().join("sub/manifest.lock").exists());
    assert!(!dir.path().join("manifest.lock").exists());
    assert!(
        stdout.starts_with("Wrote sub/manifest.lock (sha256:"),
        "{stdout}"
    );
    let (out, stdout, _) =
        run(scalable(dir.path()).args(["validate", "sub/scalable.yaml", "--locked"]));
    assert!(out.status.success(), "{stdout}");
}

#[test]
fn lock_refuses_an_invalid_manifest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures().join("E_BAD_MEMORY.yaml"),
        dir.path().join("scalable.yaml"),
    )
    .unwrap();
    assert_cmd_snapshot!(scalable(dir.path()).args(["lock", "scalable.yaml"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----
    scalable.yaml:11:13: error[E_BAD_MEMORY]: `16 GB` is not a memory size
       |
    11 |     memory: 16 GB
       |             ^^^^^ components.model.memory
       = help: write a number and a unit with no space, e.g. `512M`, `16G`, `1Ti`

    scalable.yaml: invalid (1 error, 0 warnings)

    ----- stderr -----
    error: not writing manifest.lock: the manifest is invalid
    ");
    assert!(!dir.path().join("manifest.lock").exists());
}

/// The example with every mapping's keys in a different order (and flow style
/// in places): the same manifest.
const EXAMPLE_REORDERED: &str = r#"
overlays:
  aws-s3-storage:
    project: {default_storage: "s3://${ARTIFACT_STORAGE}/demeter-lulcc/"}
  hpc-fine-resolution:
    components: {demeter: {memory: 64G}}
tasks:
  aggregate_demeter_outputs: {cache: true, component: postprocess}
  run_demeter_scenario:
    outputs: {output_dir: dir}
    cache: true
    component: demeter
  prepare_demeter_config: {cache: true, component: preprocess}
components:
  postprocess: {tags: [lulcc, aggregation], memory: 8G, cpus: 2}
  demeter:
    env: {DEMETER_DATA: /data}
    mounts: {./demeter_data: /data}
    tags: [lulcc, downscaling, gcam]
    memory: 16G
    cpus: 4
    runtime: apptainer
    image: ghcr.io/jgcri/demeter:2.0.1
  preprocess: {tags: [lulcc, config], memory: 2G, cpus: 1}
targets:
  aws:
    adaptive: {maximum: 10, minimum: 1}
    cluster_type: fargate
    region: us-east-1
    overlay: aws-s3-storage
    provider: aws
  hpc-fine:
    container_runtime: apptainer
    interface: ib0
    walltime: "06:00:00"
    account: gcims
    queue: short
    overlay: hpc-fine-resolution
    provider: slurm
  hpc: {container_runtime: apptainer, interface: ib0, walltime: "02:30:00", account: gcims, queue: short, provider: slurm}
  local: {containers: none, processes: true, threads_per_worker: 1, max_workers: 4, provider: local}
project:
  local_cache: ./.scalable/cache
  default_storage: ./outputs/demeter
  name: demeter-lulcc
version: 1
"#;

#[test]
fn lock_ignores_key_order() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(examples().join(EXAMPLE)).unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("a/scalable.yaml"), &example).unwrap();
    std::fs::write(dir.path().join("b/scalable.yaml"), EXAMPLE_REORDERED).unwrap();
    for sub in ["a", "b"] {
        let (out, stdout, stderr) =
            run(scalable(dir.path()).args(["lock", &format!("{sub}/scalable.yaml")]));
        assert!(out.status.success(), "{sub}: {stdout}{stderr}");
    }
    let a = sha256_of(&read_lock(&dir.path().join("a")));
    let b = sha256_of(&read_lock(&dir.path().join("b")));
    assert_eq!(a, b, "reordering keys must not change the lock");

    // And one manifest's lock accepts the other.
    std::fs::copy(
        dir.path().join("a/manifest.lock"),
        dir.path().join("b/manifest.lock"),
    )
    .unwrap();
    let (out, stdout, _) =
        run(scalable(dir.path()).args(["validate", "b/scalable.yaml", "--locked"]));
    assert!(out.status.success(), "{stdout}");

    // Reordering a list is a change.
    let swapped =
        EXAMPLE_REORDERED.replace("[lulcc, downscaling, gcam]", "[gcam, lulcc, downscaling]");
    std::fs::write(dir.path().join("b/scalable.yaml"), swapped).unwrap();
    let (out, stdout, _) =
        run(scalable(dir.path()).args(["validate", "b/scalable.yaml", "--locked"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("E_STALE_LOCK"), "{stdout}");
}

#[test]
fn lock_digest_is_stable() {
    // Changing the canonical form invalidates every lock users have committed:
    // this digest may only change on purpose. It is the SHA-256 of
    // {"components":{"model":{"cpus":2,"memory":"4G"}},"project":{"name":"demo"},
    // "targets":{"local":{"provider":"local"}},"tasks":{"run":{"cache":false,
    // "component":"model"}},"version":1} (one line, no spaces).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("scalable.yaml"),
        "version: 1\nproject: {name: demo}\ntargets: {local: {provider: local}}\n\
         components: {model: {cpus: 2, memory: 4G}}\ntasks: {run: {component: model}}\n",
    )
    .unwrap();
    assert_cmd_snapshot!(scalable(dir.path()).args(["lock", "scalable.yaml"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Wrote manifest.lock (sha256:49392cb2a8c698c536719aea78c60443f4b54ff6a2606a94e6b5f2f3a6fd17ef)

    ----- stderr -----
    ");
}

fn show(args: &[&str], dir: &Path) -> serde_json::Value {
    let (out, stdout, stderr) = run(scalable(dir).arg("show").args(args));
    assert!(out.status.success(), "show {args:?}: {stdout}{stderr}");
    serde_json::from_str(&stdout).expect("show prints JSON")
}

#[test]
fn target_applies_its_overlay() {
    let fine = show(&[EXAMPLE, "--target", "hpc-fine"], &examples());
    assert_eq!(fine["components"]["demeter"]["memory"], "64G");
    // Only what the overlay sets changes; the rest of the component stays.
    assert_eq!(fine["components"]["demeter"]["cpus"], 4);
    assert_eq!(
        fine["components"]["demeter"]["image"],
        "ghcr.io/jgcri/demeter:2.0.1"
    );
    assert_eq!(fine["components"]["preprocess"]["memory"], "2G");
    // Only the chosen target, without its `overlay` key; no `overlays` block.
    let targets: Vec<&String> = fine["targets"].as_object().unwrap().keys().collect();
    assert_eq!(targets, ["hpc-fine"]);
    assert_eq!(fine["targets"]["hpc-fine"]["provider"], "slurm");
    assert_eq!(fine["targets"]["hpc-fine"]["walltime"], "06:00:00");
    assert!(
        fine["targets"]["hpc-fine"].get("overlay").is_none(),
        "{fine}"
    );
    assert!(fine.get("overlays").is_none(), "{fine}");

    // Without an overlay, the base values.
    let coarse = show(&[EXAMPLE, "--target", "hpc"], &examples());
    assert_eq!(coarse["components"]["demeter"]["memory"], "16G");

    // The whole manifest keeps every target and the overlays, unresolved.
    let whole = show(&[EXAMPLE], &examples());
    assert_eq!(whole["components"]["demeter"]["memory"], "16G");
    assert_eq!(whole["targets"].as_object().unwrap().len(), 4);
    assert_eq!(
        whole["targets"]["hpc-fine"]["overlay"],
        "hpc-fine-resolution"
    );
    assert_eq!(
        whole["overlays"]["hpc-fine-resolution"]["components"]["demeter"]["memory"],
        "64G"
    );

    let (out, stdout, _) =
        run(scalable(&examples()).args(["validate", EXAMPLE, "--target", "hpc-fine"]));
    assert!(out.status.success(), "{stdout}");
}

#[test]
fn target_overlay_is_validated() {
    // An overlay that breaks the manifest is caught when its target is resolved.
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(examples().join(EXAMPLE)).unwrap();
    let broken = example.replacen("memory: 64G", "memory: 64", 1);
    assert_ne!(broken, example);
    std::fs::write(dir.path().join("scalable.yaml"), broken).unwrap();
    let (out, stdout, _) = run(scalable(dir.path()).args([
        "validate",
        "scalable.yaml",
        "--target",
        "hpc-fine",
        "--format",
        "json",
    ]));
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let first = &report["errors"][0];
    assert_eq!(first["code"], "E_BAD_MEMORY");
    // The position is where the bad value is written: in the overlay.
    let line = example
        .lines()
        .position(|l| l.trim() == "memory: 64G")
        .unwrap()
        + 1;
    assert_eq!(first["line"], line);

    // Other targets do not see the overlay.
    let (out, stdout, _) =
        run(scalable(dir.path()).args(["validate", "scalable.yaml", "--target", "hpc"]));
    assert!(out.status.success(), "{stdout}");
}

#[test]
fn overlay_reaches_only_the_resolved_target() {
    // An overlay used by `hpc` that mentions `aws`, holds a `version` and
    // chains to another overlay: resolving `hpc` takes only `hpc`'s entry and
    // the keys an overlay may hold; the rest is reported where it is written.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("scalable.yaml"),
        r#"version: 1
project: {name: demo}
targets:
  hpc: {provider: slurm, overlay: fine}
  aws: {provider: aws, region: us-east-1}
components: {model: {cpus: 2, memory: 4G}}
tasks: {run: {component: model}}
overlays:
  fine:
    version: 2
    targets:
      hpc: {walltime: "06:00:00"}
      aws: {region: eu-west-1}
      gcp: {provider: gcp}
    components: {model: {memory: 8G}}
  chained:
    targets:
      aws: {overlay: fine}
"#,
    )
    .unwrap();
    let codes = |args: &[&str]| {
        let (out, stdout, _) = run(scalable(dir.path())
            .args(["validate", "scalable.yaml", "--format", "json"])
            .args(args));
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let codes: Vec<(String, u64)> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["line"].as_u64().unwrap(),
                )
            })
            .collect();
        (out.status.code(), codes)
    };
    let unknown = |line: u64| ("E_UNKNOWN_KEY".to_string(), line);
    // The whole manifest: each overlay where it stands.
    assert_eq!(codes(&[]), (Some(1), vec![unknown(10), unknown(18)]));
    // `hpc`: the `version` it would merge, and nothing of `chained`.
    assert_eq!(codes(&["--target", "hpc"]), (Some(1), vec![unknown(10)]));
    // `aws` uses no overlay.
    assert_eq!(codes(&["--target", "aws"]), (Some(0), vec![]));

    // Without the overlay's `version`, `show` prints the resolved form.
    let source = std::fs::read_to_string(dir.path().join("scalable.yaml")).unwrap();
    std::fs::write(
        dir.path().join("scalable.yaml"),
        source
            .replace("    version: 2\n", "")
            .replace("  chained:\n    targets:\n      aws: {overlay: fine}\n", ""),
    )
    .unwrap();
    let hpc = show(&["scalable.yaml", "--target", "hpc"], dir.path());
    let targets: Vec<&String> = hpc["targets"].as_object().unwrap().keys().collect();
    assert_eq!(targets, ["hpc"], "{hpc}");
    assert_eq!(hpc["targets"]["hpc"]["walltime"], "06:00:00");
    assert_eq!(hpc["components"]["model"]["memory"], "8G");
    assert_eq!(hpc["version"], 1);
    let aws = show(&["scalable.yaml", "--target", "aws"], dir.path());
    assert_eq!(aws["targets"]["aws"]["region"], "us-east-1");
}

#[test]
fn long_lines_are_clipped_in_excerpts() {
    // One line over the size bound: the report quotes a window of it.
    let dir = tempfile::tempdir().unwrap();
    let line = format!("project: {{name: {}}}\n", "x".repeat(9 * 1024 * 1024));
    std::fs::write(dir.path().join("scalable.yaml"), line).unwrap();
    assert_cmd_snapshot!(scalable(dir.path()).args(["validate", "scalable.yaml"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    scalable.yaml:1:1: error[E_LIMIT]: the file is 9437202 bytes; manifests are limited to 8388608 bytes
      |
    1 | project: {name: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…
      | ^
      = help: split large generated sections into separate manifests

    scalable.yaml: invalid (1 error, 0 warnings)

    ----- stderr -----
    ");
}

#[test]
fn storage_variable_stays_literal_until_run() {
    let aws = show(&[EXAMPLE, "--target", "aws"], &examples());
    assert_eq!(
        aws["project"]["default_storage"],
        "s3://${ARTIFACT_STORAGE}/demeter-lulcc/"
    );
    let (out, _, _) = run(scalable(&examples()).args(["validate", EXAMPLE, "--target", "aws"]));
    assert!(out.status.success());

    let (out, stdout, _) = run(scalable(&examples())
        .args(["show", EXAMPLE, "--target", "aws"])
        .env("ARTIFACT_STORAGE", "my-bucket"));
    assert!(out.status.success());
    let aws: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        aws["project"]["default_storage"],
        "s3://my-bucket/demeter-lulcc/"
    );
}

#[test]
fn dotenv_in_working_directory() {
    let dir = example_copy();
    std::fs::write(dir.path().join(".env"), "ARTIFACT_STORAGE=from-dotenv\n").unwrap();
    let aws = show(&["scalable.yaml", "--target", "aws"], dir.path());
    assert_eq!(
        aws["project"]["default_storage"],
        "s3://from-dotenv/demeter-lulcc/"
    );
    // The process environment wins over `.env`.
    let (_, stdout, _) = run(scalable(dir.path())
        .args(["show", "scalable.yaml", "--target", "aws"])
        .env("ARTIFACT_STORAGE", "from-env"));
    let aws: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        aws["project"]["default_storage"],
        "s3://from-env/demeter-lulcc/"
    );
}

#[test]
fn unknown_target() {
    assert_cmd_snapshot!(scalable(&examples()).args(["validate", EXAMPLE, "--target", "nope"]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    scalable.demeter.yaml:11:1: error[E_UNKNOWN_TARGET]: unknown target `nope`
       |
    11 | targets:
       | ^^^^^^^ targets.nope
       = help: defined: local, hpc, hpc-fine, aws

    scalable.demeter.yaml: invalid (1 error, 0 warnings)

    ----- stderr -----
    ");
    assert_cmd_snapshot!(scalable(&examples()).args(["validate", EXAMPLE, "--target", "hpc-fin", "--format", "json"]), @r#"
    success: false
    exit_code: 1
    ----- stdout -----
    {
      "ok": false,
      "file": "scalable.demeter.yaml",
      "errors": [
        {
          "code": "E_UNKNOWN_TARGET",
          "severity": "error",
          "path": "targets.hpc-fin",
          "file": "scalable.demeter.yaml",
          "line": 11,
          "column": 1,
          "message": "unknown target `hpc-fin`",
          "hint": "did you mean `hpc-fine`? defined: local, hpc, hpc-fine, aws"
        }
      ],
      "warnings": []
    }

    ----- stderr -----
    "#);
    let (out, stdout, _) = run(scalable(&examples()).args(["show", EXAMPLE, "--target", "nope"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("error[E_UNKNOWN_TARGET]: unknown target `nope`"),
        "{stdout}"
    );
}

#[test]
fn schema_matches_checked_in_file() {
    let (out, stdout, _) = run(scalable(&root()).args(["schema", "manifest"]));
    assert!(out.status.success());
    let checked_in = std::fs::read_to_string(root().join("schemas/manifest.schema.json"))
        .expect("schemas/manifest.schema.json exists");
    assert!(
        stdout == checked_in,
        "schemas/manifest.schema.json is out of date with the manifest model: run `make generate` and commit the result"
    );
    let schema: serde_json::Value = serde_json::from_str(&stdout).expect("the schema is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
}

#[test]
fn secrets_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("scalable.yaml"),
        r#"version: 1
project: {name: demo}
targets: {local: {provider: local}}
components:
  model:
    cpus: 2
    memory: ${MY_SECRET_TOKEN}
    env: {API: "${MY_API_KEY}"}
tasks: {run: {component: model}}
"#,
    )
    .unwrap();
    let secret = "hunter2secret";
    let text = || {
        let mut cmd = scalable(dir.path());
        cmd.args(["validate", "scalable.yaml"])
            .env("MY_SECRET_TOKEN", secret);
        cmd
    };
    let (out, stdout, stderr) = run(&mut text());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "{stdout}{stderr}"
    );
    assert!(
        stdout.contains("error[E_BAD_MEMORY]: `***` is not a memory size"),
        "{stdout}"
    );
    assert!(
        stdout.contains("error[E_UNSET_VARIABLE]: environment variable `MY_API_KEY` is not set"),
        "{stdout}"
    );

    let (out, stdout, stderr) = run(text().args(["--format", "json"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "{stdout}{stderr}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let bad = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "E_BAD_MEMORY")
        .expect("the memory is reported");
    assert_eq!(bad["message"], "`***` is not a memory size");

    // With the API key set too, neither value is shown by any command.
    for args in [
        &["validate", "scalable.yaml"][..],
        &["validate", "scalable.yaml", "--format", "json"],
        &["validate", "scalable.yaml", "--strict"],
        &["lock", "scalable.yaml"],
        &["show", "scalable.yaml"],
    ] {
        let (_, stdout, stderr) = run(scalable(dir.path())
            .args(args)
            .env("MY_SECRET_TOKEN", secret)
            .env("MY_API_KEY", "sk-live-abcdef"));
        for s in [secret, "sk-live-abcdef"] {
            assert!(
                !stdout.contains(s) && !stderr.contains(s),
                "{args:?} printed {s}: {stdout}{stderr}"
            );
        }
    }

    // A valid manifest that uses the secrets: `show` prints it masked, and the
    // lock (a digest) gives nothing away.
    std::fs::write(
        dir.path().join("valid.yaml"),
        "version: 1\nproject: {name: demo}\ntargets: {local: {provider: local}}\n\
         components: {model: {memory: 4G, env: {API: \"${MY_API_KEY}\", AUTH: \"Bearer ${MY_SECRET_TOKEN}\"}}}\n\
         tasks: {run: {component: model}}\n",
    )
    .unwrap();
    for args in [
        &["validate", "valid.yaml"][..],
        &["show", "valid.yaml"],
        &["show", "valid.yaml", "--target", "local"],
        &["lock", "valid.yaml"],
    ] {
        let (out, stdout, stderr) = run(scalable(dir.path())
            .args(args)
            .env("MY_SECRET_TOKEN", secret)
            .env("MY_API_KEY", "sk-live-abcdef"));
        assert!(out.status.success(), "{args:?}: {stdout}{stderr}");
        for s in [secret, "sk-live-abcdef"] {
            assert!(
                !stdout.contains(s) && !stderr.contains(s),
                "{args:?} printed {s}: {stdout}{stderr}"
            );
        }
        if args[0] == "show" {
            let shown: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(shown["components"]["model"]["env"]["API"], "***");
            assert_eq!(shown["components"]["model"]["env"]["AUTH"], "Bearer ***");
        }
    }
}

#[test]
fn secrets_are_masked_in_every_message() {
    // A secret-named variable's value may land anywhere; no message echoes it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("scalable.yaml"),
        r#"version: 1
project: {name: demo}
targets:
  k8s:
    provider: kubernetes
    namespace: ${DB_PASSWORD}
    worker_service_account: ${DB_PASSWORD}
  hpc:
    provider: slurm
    walltime: ${DB_PASSWORD}
    container_runtime: ${DB_PASSWORD}
  other:
    provider: ${DB_PASSWORD}
  ov:
    provider: local
    overlay: ${DB_PASSWORD}
components:
  model:
    image: ${DB_PASSWORD}
    cpus: "${DB_PASSWORD}"
    memory: ${DB_PASSWORD}
    runtime: ${DB_PASSWORD}
    mounts:
      ./data: ${DB_PASSWORD}
    volumes:
      - name: ${DB_PASSWORD}
tasks:
  run: {component: "${DB_PASSWORD}"}
  run2: {component: model, cache: "${DB_PASSWORD}"}
"#,
    )
    .unwrap();
    let secret = "Hunter2_Pass";
    for format in ["text", "json"] {
        let (out, stdout, stderr) = run(scalable(dir.path())
            .args(["validate", "scalable.yaml", "--format", format])
            .env("DB_PASSWORD", secret));
        assert_eq!(out.status.code(), Some(1));
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{format}: {stdout}{stderr}"
        );
        // The suggestion derived from it would give it away too.
        assert!(!stdout.contains("hunter2-pass"), "{format}: {stdout}");
        assert!(stdout.contains("***"), "{stdout}");
    }
}

#[test]
fn billion_laughs_is_refused_quickly() {
    let start = Instant::now();
    let (out, stdout, _) = run(scalable(&fixtures()).args(["validate", "E_LIMIT.yaml"]));
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("error[E_LIMIT]"), "{stdout}");
    assert!(
        took < Duration::from_secs(5),
        "refusing a billion laughs took {took:?}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let (out, _, stderr) = run(scalable(&root()).args(["validate", "--format", "xml"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("xml"), "{stderr}");
    let (out, _, _) = run(scalable(&root()).arg("frobnicate"));
    assert_eq!(out.status.code(), Some(2));
    let (out, _, _) = run(scalable(&root()).args(["schema", "nope"]));
    assert_eq!(out.status.code(), Some(2));
    let (out, stdout, _) = run(scalable(&root()).arg("--help"));
    assert_eq!(out.status.code(), Some(0));
    for command in ["validate", "schema", "lock", "show"] {
        assert!(
            stdout.contains(command),
            "--help lists `{command}`: {stdout}"
        );
    }
}
mod explain;
mod init_component;
mod runs;

//! `scalable lock` and `validate --locked`: writing, checking and refusing lock files.

use super::*;

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

//! `scalable show` and targets: overlays, dotenv, storage variables, unknown targets.

use super::*;

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

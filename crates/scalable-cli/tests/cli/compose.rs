//! `scalable compose "DESCRIPTION"` as users see it: the tutorial's Step 5
//! layout, additions merged into an existing manifest, `--write` and its
//! refusal to overwrite, `--include-docs`, and a description it cannot use.
//! (The whole generated code is snapshotted per corpus entry in
//! crates/scalable-ai/tests/compose_corpus.rs.)

use insta_cmd::assert_cmd_snapshot;

use super::{example_copy, run, scalable, temp_filters};

const CANONICAL: &str = "Run Demeter to downscale GCAM land allocations for a list of scenarios in parallel, then aggregate per-scenario NetCDF outputs into a summary table";

#[test]
fn tutorial_step_5_layout() {
    let dir = tempfile::tempdir().unwrap();
    let (out, stdout, stderr) = run(scalable(dir.path()).args(["compose", CANONICAL, "--no-ai"]));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("Generated workflow:\n═══════════════════\n\n# workflow.py\n"));
    let additions = stdout
        .split("Suggested manifest additions:\n\n")
        .nth(1)
        .unwrap();
    assert!(additions.contains("components:\n  preprocess:\n    cpus: 1\n    memory: 2G\n    tags: [lulcc, config]\n  demeter:\n    image: ghcr.io/jgcri/demeter:2.0.1\n"));
    assert!(additions.contains("tasks:\n  prepare_demeter_config:\n    component: preprocess\n    cache: true\n  run_demeter_scenario:\n    component: demeter\n"));
    assert!(stdout.contains("\nDependencies:\n  • scalable\n  • demeter\n"));
    assert!(stdout.ends_with("(heuristic mode)\n"));
    assert_eq!(stderr, "");
    // Nothing written without --write.
    assert!(!dir.path().join("workflow.py").exists());
}

#[test]
fn additions_leave_out_what_the_manifest_declares() {
    let dir = example_copy();
    let (out, stdout, _) =
        run(scalable(dir.path())
            .args(["compose", "Run Demeter for SSP1-5 then plot each scenario"]));
    assert_eq!(out.status.code(), Some(0));
    let additions = stdout
        .split("Suggested manifest additions:\n\n")
        .nth(1)
        .unwrap()
        .split("\nDependencies:")
        .next()
        .unwrap();
    insta::assert_snapshot!(additions, @r"
    # Merge into scalable.yaml (what it already declares is left out).
    tasks:
      plot_demeter_scenario:
        component: postprocess
        cache: true
    ");
}

#[test]
fn write_refuses_to_overwrite() {
    let dir = example_copy();
    let before = std::fs::read_to_string(dir.path().join("scalable.yaml")).unwrap();
    let (out, stdout, _) = run(scalable(dir.path()).args([
        "compose",
        "Run Hector once",
        "--write",
        "--output-dir",
        "gen",
    ]));
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    std::fs::create_dir(dir.path().join("gen")).unwrap();
    let (out, stdout, _) = run(scalable(dir.path()).args([
        "compose",
        "Run Hector once",
        "--write",
        "--output-dir",
        "gen",
    ]));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("Written:\n  gen/workflow.py\n  gen/scalable.additions.yaml\n"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("scalable.yaml")).unwrap(),
        before
    );
    let _filters = temp_filters(dir.path()).bind_to_scope();
    assert_cmd_snapshot!(scalable(dir.path()).args(["compose", "Run Hector once", "--write", "--output-dir", "gen"]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error[E_COMPOSE_EXISTS]: `gen/workflow.py` already exists; not overwriting it
      = help: review or move the existing file, write elsewhere with `--output-dir`, or run again with `--force` to replace it
    ");
}

#[test]
fn include_docs_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    assert_cmd_snapshot!(scalable(dir.path()).args(["compose", "Run Demeter once", "--include-docs", "docs/demeter"]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error[E_COMPOSE_DOCS]: `--include-docs` names `docs/demeter`, which does not exist
      = help: name a file or folder of the model's documentation, or leave `--include-docs` out (heuristic mode does not read it)
    ");
}

#[test]
fn nothing_to_compose() {
    let dir = tempfile::tempdir().unwrap();
    assert_cmd_snapshot!(scalable(dir.path()).args(["compose", "florp the zibbles in parallel"]), @r"
    success: false
    exit_code: 1
    ----- stdout -----
    Nothing to compose: no model to run was recognised.

    Understood:
      Models: none recognised
      Fan-out: none (one run)
      Not understood: florp, zibbles

    Notes:
      • Name a model to run: one of GCAM, Demeter, STITCHES, Tethys,
        Xanthos, Hector, or a component of the manifest or of
        ./capabilities

    (heuristic mode)

    ----- stderr -----
    ");
}

#[test]
fn json_format() {
    let dir = tempfile::tempdir().unwrap();
    let (out, stdout, _) = run(scalable(dir.path()).args([
        "compose",
        "Run Demeter for SSP1-5 then aggregate",
        "--format",
        "json",
    ]));
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["mode"], "heuristic");
    assert_eq!(
        doc["intent"]["fanout"]["values"].as_array().unwrap().len(),
        5
    );
    assert_eq!(doc["validation_errors"].as_array().unwrap().len(), 0);
    assert!(
        doc["text"]
            .as_str()
            .unwrap()
            .starts_with("Generated workflow:")
    );
}

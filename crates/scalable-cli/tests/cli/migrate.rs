//! `scalable migrate`: the tutorial's Step 6 as text and JSON, writing with
//! `--output`, and what bad input gets.

use insta_cmd::assert_cmd_snapshot;

use super::{example_copy, root, run, scalable, temp_filters};

#[test]
fn tutorial_slurm_to_kubernetes_text() {
    let dir = example_copy();
    assert_cmd_snapshot!(scalable(dir.path()).args([
        "migrate",
        "scalable.yaml",
        "--to-provider",
        "kubernetes"
    ]));
}

#[test]
fn local_fixture_to_gcp_json() {
    let fixture = root().join("crates/scalable-ai/tests/fixtures/migrate/local.yaml");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&fixture, dir.path().join("local.yaml")).unwrap();
    assert_cmd_snapshot!(scalable(dir.path()).args([
        "migrate",
        "local.yaml",
        "--to-provider",
        "gcp",
        "--target-name",
        "cloud",
        "--no-ai",
        "--format",
        "json"
    ]));
}

#[test]
fn writes_only_with_output_and_never_over_the_input() {
    let dir = example_copy();
    let input = dir.path().join("scalable.yaml");
    let before = std::fs::read_to_string(&input).unwrap();
    let (out, stdout, _) = run(scalable(dir.path()).args([
        "migrate",
        "scalable.yaml",
        "--to-provider",
        "aws",
        "--from-target",
        "hpc",
        "-o",
        "scalable.aws.yaml",
    ]));
    assert!(out.status.success());
    assert!(stdout.contains("Written to: scalable.aws.yaml"), "{stdout}");
    let written = std::fs::read_to_string(dir.path().join("scalable.aws.yaml")).unwrap();
    assert!(stdout.contains(&written));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), before);
    let (out, _, _) = run(scalable(dir.path()).args(["validate", "scalable.aws.yaml"]));
    assert!(out.status.success());

    let _guard = temp_filters(dir.path()).bind_to_scope();
    assert_cmd_snapshot!(scalable(dir.path()).args([
        "migrate",
        "scalable.yaml",
        "--to-provider",
        "aws",
        "-o",
        "scalable.aws.yaml"
    ]));
    assert_cmd_snapshot!(scalable(dir.path()).args([
        "migrate",
        "scalable.yaml",
        "--to-provider",
        "aws",
        "-o",
        "./scalable.yaml",
        "--force"
    ]));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), before);
}

#[test]
fn bad_input_says_what_and_where() {
    let dir = example_copy();
    std::fs::write(dir.path().join("broken.yaml"), "version: 1\nproject: [\n").unwrap();
    std::fs::write(
        dir.path().join("invalid.yaml"),
        "version: 1\nproject: {name: p}\ntargets: {hpc: {provider: slurm}}\ncomponents: {c: {memory: lots}}\ntasks: {t: {component: c}}\n",
    )
    .unwrap();
    let _guard = temp_filters(dir.path()).bind_to_scope();
    assert_cmd_snapshot!(scalable(dir.path()).args([
        "migrate",
        "missing.yaml",
        "--to-provider",
        "kubernetes"
    ]));
    assert_cmd_snapshot!(scalable(dir.path()).args([
        "migrate",
        "broken.yaml",
        "--to-provider",
        "kubernetes"
    ]));
    assert_cmd_snapshot!(scalable(dir.path()).args([
        "migrate",
        "invalid.yaml",
        "--to-provider",
        "kubernetes"
    ]));
    assert_cmd_snapshot!(scalable(dir.path()).args([
        "migrate",
        "scalable.yaml",
        "--to-provider",
        "k8s"
    ]));
    assert_cmd_snapshot!(scalable(dir.path()).args([
        "migrate",
        "scalable.yaml",
        "--to-provider",
        "gcp",
        "--from-target",
        "hcp"
    ]));
    assert_cmd_snapshot!(scalable(dir.path()).args([
        "migrate",
        "scalable.yaml",
        "--to-provider",
        "gcp",
        "--target-name",
        "my target"
    ]));
}

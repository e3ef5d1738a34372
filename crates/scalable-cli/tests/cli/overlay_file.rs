//! `--overlay FILE` on validate, show and plan: a partial manifest applied
//! without editing the manifest, and its mistakes reported against itself.

use super::*;

fn project(overlay: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(examples().join(EXAMPLE)).unwrap();
    std::fs::write(dir.path().join("scalable.yaml"), example).unwrap();
    std::fs::write(dir.path().join("fix.yaml"), overlay).unwrap();
    dir
}

#[test]
fn the_file_changes_what_show_and_plan_see_and_the_target_overlay_still_applies() {
    let dir = project("components:\n  demeter:\n    memory: 32G\n");
    let show = |target: &str| {
        let (out, stdout, stderr) = run(scalable(dir.path()).args([
            "show",
            "scalable.yaml",
            "--overlay",
            "fix.yaml",
            "--target",
            target,
        ]));
        assert!(out.status.success(), "{stdout}{stderr}");
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap()
    };
    assert_eq!(show("local")["components"]["demeter"]["memory"], "32G");
    assert_eq!(show("hpc-fine")["components"]["demeter"]["memory"], "64G");

    let (out, stdout, stderr) = run(scalable(dir.path()).args([
        "plan",
        "scalable.yaml",
        "--target",
        "local",
        "--overlay",
        "fix.yaml",
        "--format",
        "json",
    ]));
    assert!(out.status.success(), "{stdout}{stderr}");
    let plan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let demeter = plan["worker_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "demeter")
        .unwrap();
    assert_eq!(demeter["memory"], "32G", "{demeter}");
    // The manifest itself is untouched.
    let text = std::fs::read_to_string(dir.path().join("scalable.yaml")).unwrap();
    assert!(text.contains("memory: 16G"));
}

#[test]
fn a_bad_overlay_file_is_reported_against_its_own_lines() {
    let dir = project("components:\n  demeter:\n    memroy: 32G\n");
    assert_cmd_snapshot!(scalable(dir.path()).args([
        "validate",
        "scalable.yaml",
        "--overlay",
        "fix.yaml"
    ]));
    let (out, _, stderr) =
        run(scalable(dir.path()).args(["plan", "scalable.yaml", "--overlay", "missing.yaml"]));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
}

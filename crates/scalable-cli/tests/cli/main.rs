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
        .env_remove("MY_SECRET_TOKEN")
        .env_remove("SCALABLE_AI_BACKEND")
        .env_remove("SCALABLE_AI_MODEL")
        .env_remove("SCALABLE_AI_ENDPOINT")
        .env_remove("SCALABLE_AI_TIMEOUT")
        .env_remove("OPENAI_API_KEY");
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
mod cache;
mod compose;
mod diagnose;
mod explain;
mod init_component;
mod lock;
mod migrate;
mod overlay_file;
mod runs;
mod secrets;
mod show;

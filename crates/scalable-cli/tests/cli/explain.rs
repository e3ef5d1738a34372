//! `scalable explain PLAN`: plan files it refuses (exit 2 with the code) and
//! the formats it prints.

use insta_cmd::assert_cmd_snapshot;

use super::{EXAMPLE, examples, run, scalable};

/// A temp dir holding `plan.json` for the example's aws target, 50 scenarios.
fn aws_plan() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    let manifest = examples().join(EXAMPLE);
    let (out, _, stderr) = run(scalable(dir.path()).args([
        "plan",
        manifest.to_str().unwrap(),
        "--target",
        "aws",
        "--scenarios",
        "50",
        "--output",
        "plan.json",
    ]));
    assert!(out.status.success(), "{stderr}");
    dir
}

#[test]
fn missing_plan() {
    let dir = tempfile::tempdir().expect("a temp dir");
    assert_cmd_snapshot!(scalable(dir.path()).args(["explain", "plan.json"]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error[E_PLAN_IO]: cannot read plan `plan.json`: No such file or directory (os error 2)
      = help: check the path; write a plan with `scalable plan MANIFEST --target T --output plan.json`
    ");
}

#[test]
fn malformed_plan() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("plan.json"), "{\"schema_version\": 1,").unwrap();
    assert_cmd_snapshot!(scalable(dir.path()).args(["explain", "plan.json"]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error[E_PLAN_PARSE]: `plan.json` is not a plan: EOF while parsing a value at line 1 column 21
      = help: regenerate it with `scalable plan MANIFEST --target T --output plan.json`
    ");
    // JSON, but not a plan.
    std::fs::write(dir.path().join("plan.json"), "{\"hello\": 1}\n").unwrap();
    let (out, stdout, stderr) = run(scalable(dir.path()).args(["explain", "plan.json"]));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout, "");
    assert!(stderr.starts_with("error[E_PLAN_PARSE]: "), "{stderr}");
}

#[test]
fn other_schema_version() {
    let dir = aws_plan();
    let path = dir.path().join("plan.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("\"schema_version\": 1,", "\"schema_version\": 99,", 1),
    )
    .unwrap();
    assert_cmd_snapshot!(scalable(dir.path()).args(["explain", "plan.json", "--format", "json"]), @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error[E_PLAN_VERSION]: `plan.json` is plan schema version 99; this Scalable reads version 1
      = help: regenerate it with `scalable plan MANIFEST --target T --output plan.json`
    ");
}

#[test]
fn explains_a_plan_in_every_format() {
    let dir = aws_plan();
    let (out, text, stderr) = run(scalable(dir.path()).args(["explain", "plan.json"]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr, "");
    assert!(
        text.starts_with("Plan Explanation\n═════════════════\n\n"),
        "{text}"
    );
    assert!(text.contains("\nWhat will happen:\n1. A Dask cluster will be created with"));
    assert!(text.contains("\nEstimated cost: $"));
    assert!(text.contains("\nRisks:\n• "));
    assert!(text.ends_with("\n(heuristic mode)\n"), "{text}");

    // `--no-ai` is the heuristic mode, which is what runs anyway.
    let (_, no_ai, _) = run(scalable(dir.path()).args(["explain", "plan.json", "--no-ai"]));
    assert_eq!(no_ai, text);

    let (out, json, _) =
        run(scalable(dir.path()).args(["explain", "plan.json", "--format", "json"]));
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["text"], text.as_str());
    assert_eq!(json["mode"], "heuristic");
    assert_eq!(json["title"], "Plan Explanation");
    assert!(json["risks"][0]["code"].as_str().unwrap().starts_with("R_"));

    let (out, md, _) =
        run(scalable(dir.path()).args(["explain", "plan.json", "--format", "markdown"]));
    assert!(out.status.success());
    assert!(md.starts_with("# Plan Explanation\n"), "{md}");
    assert!(md.contains("\n## Risks\n\n- **R_"), "{md}");

    let (out, _, stderr) =
        run(scalable(dir.path()).args(["explain", "plan.json", "--format", "yaml"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("yaml"), "{stderr}");
}

#[test]
fn llm_mode_without_a_key_is_an_error_at_call_time_and_no_ai_wins() {
    let dir = aws_plan();
    let mut cmd = scalable(dir.path());
    cmd.env("SCALABLE_AI_BACKEND", "openai")
        .args(["explain", "plan.json"]);
    assert_cmd_snapshot!(cmd, @r"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error[E_AI_NO_KEY]: SCALABLE_AI_BACKEND=openai but no OPENAI_API_KEY
      = help: set your API key: export OPENAI_API_KEY=sk-... (or pass --no-ai for heuristic mode)
    ");
    let mut cmd = scalable(dir.path());
    cmd.env("SCALABLE_AI_BACKEND", "openai")
        .args(["explain", "plan.json", "--no-ai"]);
    let (out, stdout, stderr) = run(&mut cmd);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.ends_with("(heuristic mode)\n"), "{stdout}");
}

#[test]
fn llm_mode_falls_back_to_the_heuristic_explanation_and_says_why() {
    let dir = aws_plan();
    // A port nothing listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let mut cmd = scalable(dir.path());
    cmd.env("SCALABLE_AI_BACKEND", "ollama")
        .env("SCALABLE_AI_ENDPOINT", &closed)
        .args(["explain", "plan.json"]);
    let (out, stdout, stderr) = run(&mut cmd);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "note: llm:ollama/llama3.1 mode was asked, but cannot reach the model at {closed}: "
        )),
        "{stderr}"
    );
    assert!(stdout.ends_with("(heuristic mode)\n"), "{stdout}");
}

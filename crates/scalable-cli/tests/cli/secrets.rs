//! Secret values never reach any output, in any format.

use super::*;

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

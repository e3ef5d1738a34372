//! Provider artifacts of the example manifest (plus a Kubernetes target):
//! one snapshot per artifact, sbatch scripts through `bash -n`, and no
//! secret anywhere. tests/test_emit_schemas.py checks the Kubernetes and
//! ECS artifacts against the operator's CRDs and botocore's ECS model.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use scalable_manifest::{Env, load_str};
use scalable_plan::emit::{Artifact, emit};
use scalable_plan::{Machine, Plan, Request, plan_document};

const MANIFEST: &str = include_str!("fixtures/scalable.demeter.yaml");
const SECRET: &str = "s3cr3t-demeter-token";

fn plan(target: &str) -> Plan {
    let env = Env::from_map(BTreeMap::from([(
        "DEMETER_API_TOKEN".to_string(),
        SECRET.to_string(),
    )]));
    // A fixed directory keeps absolute mount paths the same on every machine.
    let doc = load_str(MANIFEST, "scalable.yaml", Path::new("/project"), env).expect("parses");
    let machine = Machine {
        cpus: 8,
        memory_bytes: 32 << 30,
    };
    match plan_document(&doc, Request::new(target), machine, None) {
        Ok(plan) => plan,
        Err(e) => panic!("cannot plan `{target}`: {e:?}"),
    }
}

fn names(artifacts: &[Artifact]) -> Vec<&str> {
    artifacts.iter().map(|a| a.path.as_str()).collect()
}

fn snapshot(target: &str, artifacts: &[Artifact]) {
    for a in artifacts {
        insta::assert_snapshot!(format!("{target}__{}", a.path), a.contents);
    }
}

fn bash_n(script: &str) -> Result<(), String> {
    let mut child = Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("writes");
    let out = child.wait_with_output().expect("bash exits");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn assert_no_secret(artifacts: &[Artifact]) {
    for a in artifacts {
        assert!(!a.contents.contains(SECRET), "{} shows the secret", a.path);
        assert!(
            !a.contents.contains("***"),
            "{} embeds a masked value",
            a.path
        );
    }
}

#[test]
fn slurm_sbatch_scripts() {
    let plan = plan("hpc");
    let artifacts = emit(&plan);
    assert_eq!(
        names(&artifacts),
        [
            "sbatch-demeter.sh",
            "sbatch-postprocess.sh",
            "sbatch-preprocess.sh"
        ]
    );
    for a in &artifacts {
        if let Err(e) = bash_n(&a.contents) {
            panic!("`bash -n {}` fails:\n{e}\n{}", a.path, a.contents);
        }
    }
    assert_no_secret(&artifacts);
    snapshot("hpc", &artifacts);
}

#[test]
fn kubernetes_resources() {
    let plan = plan("k8s");
    let artifacts = emit(&plan);
    assert_eq!(names(&artifacts), ["daskcluster.yaml"]);
    assert_no_secret(&artifacts);
    snapshot("k8s", &artifacts);
}

#[test]
fn aws_task_definitions() {
    let plan = plan("aws");
    let artifacts = emit(&plan);
    assert_eq!(
        names(&artifacts),
        [
            "taskdef-demeter.json",
            "taskdef-postprocess.json",
            "taskdef-preprocess.json"
        ]
    );
    for a in &artifacts {
        let value: serde_json::Value = serde_json::from_str(&a.contents)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}\n{}", a.path, a.contents));
        assert_eq!(value["networkMode"], "awsvpc");
    }
    assert_no_secret(&artifacts);
    snapshot("aws", &artifacts);
}

#[test]
fn local_targets_have_no_artifacts() {
    assert!(emit(&plan("local")).is_empty());
}

#[test]
fn same_plan_same_bytes() {
    for target in ["hpc", "k8s", "aws"] {
        let plan = plan(target);
        assert_eq!(emit(&plan), emit(&plan.clone()), "{target}");
        let reread = scalable_plan::from_str(&scalable_plan::to_json(&plan), "plan.json").unwrap();
        assert_eq!(
            emit(&plan),
            emit(&reread),
            "{target} after a JSON round trip"
        );
    }
}

/// Singularity from the target, extra directives, values that need quoting,
/// and a group whose runtime opts out of containers.
#[test]
fn slurm_options_and_quoting() {
    let mut plan = plan("hpc");
    let options = &mut plan.provider.options;
    options.insert("container_runtime".into(), "singularity".into());
    options.insert(
        "job_extra_directives".into(),
        serde_json::json!(["--constraint=haswell", "#SBATCH --qos=high\necho injected"]),
    );
    let demeter = &mut plan.worker_groups[0];
    demeter.image = Some("/images/demeter.sif".into());
    demeter
        .env
        .insert("GREETING".into(), "it's \"quoted\", with $HOME".into());
    demeter.env.insert("PAIRS".into(), "a=1,b=2".into());
    demeter.env.insert("ODD-API-KEY".into(), "***".into());
    plan.worker_groups[1].runtime = Some("none".into());
    plan.worker_groups[1].image = Some("ghcr.io/x/post:1".into());
    plan.worker_groups[1]
        .env
        .insert("MODE".into(), "two words".into());
    let artifacts = emit(&plan);
    for a in &artifacts {
        if let Err(e) = bash_n(&a.contents) {
            panic!("`bash -n {}` fails:\n{e}\n{}", a.path, a.contents);
        }
        assert!(!a.contents.contains("\necho injected"), "{}", a.contents);
    }
    snapshot("hpc-options", &artifacts[..2]);
}

/// EC2 task definitions with roles, a secret-named variable passed through SSM.
#[test]
fn aws_ec2_roles() {
    let mut plan = plan("aws");
    let options = &mut plan.provider.options;
    options.insert("cluster_type".into(), "ec2".into());
    options.insert(
        "execution_role_arn".into(),
        "arn:aws:iam::123456789012:role/ecsTaskExecutionRole".into(),
    );
    options.insert(
        "task_role_arn".into(),
        "arn:aws:iam::123456789012:role/demeter-task".into(),
    );
    for g in &mut plan.worker_groups {
        g.sizing = scalable_plan::Sizing::Instance {
            instance_type: "m6i.2xlarge".into(),
            vcpus: 8,
            memory_gib: 32.0,
        };
    }
    let artifacts = emit(&plan);
    assert_no_secret(&artifacts);
    snapshot("aws-ec2", &artifacts[..1]);
}

/// Target env holding a secret (by name, or expanded into another value)
/// reaches neither the plan nor the pods: both come from the Secret.
#[test]
fn target_env_secrets_stay_out() {
    let source = "version: 1\nproject: {name: leak}\n\
                  targets:\n  k8s:\n    provider: kubernetes\n    image: ghcr.io/x/y:1\n    env:\n      \
                  API_TOKEN: \"${MY_SECRET}\"\n      URL: \"https://u:${MY_SECRET}@host\"\n      MODE: fast\n\
                  components: {m: {cpus: 1, memory: 1G}}\ntasks: {t: {component: m}}\n";
    let env = Env::from_map(BTreeMap::from([(
        "MY_SECRET".to_string(),
        SECRET.to_string(),
    )]));
    let doc = load_str(source, "scalable.yaml", Path::new("/project"), env).expect("parses");
    let machine = Machine {
        cpus: 8,
        memory_bytes: 32 << 30,
    };
    let plan = plan_document(&doc, Request::new("k8s"), machine, None).expect("plans");
    assert!(!scalable_plan::to_json(&plan).contains(SECRET));
    let artifacts = emit(&plan);
    assert_no_secret(&artifacts);
    let yaml = &artifacts[0].contents;
    for name in ["API_TOKEN", "URL"] {
        assert!(
            yaml.contains(&format!("name: {name}\n          valueFrom:")),
            "{name}:\n{yaml}"
        );
    }
    assert!(yaml.contains("name: MODE\n          value: fast"), "{yaml}");
}

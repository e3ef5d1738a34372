//! `explain` on the example manifest's targets (text snapshots), and every
//! risk rule with a plan that has its fact and one that does not.

use std::collections::BTreeMap;
use std::path::Path;

use scalable_ai::explain::{explain, render, risks};
use scalable_manifest::{Env, load_str};
use scalable_plan::{
    Machine, Objective, Plan, PlanWarning, Policy, Request, Scaling, plan_document,
};

const EXAMPLE: &str = include_str!("../../../docs/examples/scalable.demeter.yaml");
const K8S: &str = include_str!("fixtures/scalable.k8s.yaml");

const MACHINE: Machine = Machine {
    cpus: 8,
    memory_bytes: 32 << 30,
};

fn plan_of(source: &str, target: &str, policy: Policy, env: Env) -> Plan {
    let doc = load_str(source, "scalable.yaml", Path::new("/project"), env).expect("parses");
    let request = Request {
        objective: Objective::Balance,
        policy,
        scenarios: Some(50),
        ..Request::new(target)
    };
    plan_document(&doc, request, MACHINE, None).unwrap_or_else(|e| panic!("{target}: {e:?}"))
}

/// The example (or, for `k8s`, the fixture) planned for `target`, 50 scenarios.
fn plan(target: &str) -> Plan {
    let source = if target == "k8s" { K8S } else { EXAMPLE };
    plan_of(source, target, Policy::Manual, Env::default())
}

fn text(plan: &Plan) -> String {
    render::text(&explain(plan))
}

#[test]
fn local() {
    insta::assert_snapshot!(text(&plan("local")));
}

#[test]
fn hpc() {
    insta::assert_snapshot!(text(&plan("hpc")));
}

#[test]
fn aws() {
    insta::assert_snapshot!(text(&plan("aws")));
}

#[test]
fn kubernetes() {
    insta::assert_snapshot!(text(&plan("k8s")));
}

#[test]
fn markdown_and_json() {
    let e = explain(&plan("aws"));
    insta::assert_snapshot!(render::markdown(&e));
    let json: serde_json::Value = serde_json::from_str(&render::json(&e)).expect("JSON");
    assert_eq!(json["mode"], "heuristic");
    assert_eq!(json["text"], render::text(&e));
    assert_eq!(json["cost_summary"], e.cost_summary.as_str());
    assert_eq!(json["risks"][0]["code"], "R_NON_ATOMIC_OUTPUTS");
    let back: scalable_ai::Explanation =
        serde_json::from_value(json).expect("the JSON reads back as an explanation");
    assert_eq!(back, e);
}

#[test]
fn deterministic() {
    for target in ["local", "hpc", "hpc-fine", "aws", "k8s"] {
        let a = render::json(&explain(&plan(target)));
        let b = render::json(&explain(&plan(target)));
        assert_eq!(a, b, "{target}");
    }
}

#[test]
fn summary_line_per_provider() {
    let line = |p: &Plan| explain(p).summary_line;
    assert_eq!(
        line(&plan("local")),
        "This plan will execute the \"demeter-lulcc\" project on this machine (Dask LocalCluster)."
    );
    assert_eq!(
        line(&plan("hpc")),
        "This plan will execute the \"demeter-lulcc\" project on Slurm (queue short)."
    );
    assert_eq!(
        line(&plan("k8s")),
        "This plan will execute the \"demeter-lulcc\" project on Kubernetes (namespace demeter-prod)."
    );
    assert_eq!(
        line(&ec2()),
        "This plan will execute the \"demeter-lulcc\" project on AWS (EC2) in the us-east-1 region."
    );
    assert_eq!(
        line(&gcp()),
        "This plan will execute the \"demeter-lulcc\" project on Google Cloud in the us-central1 region."
    );
}

#[test]
fn unpriced_targets_give_core_hours() {
    let e = explain(&plan("hpc"));
    assert_eq!(
        e.cost_summary,
        "120.51 core-hours (≈ 1.2 hours of Slurm compute for 50 scenarios; not priced)"
    );
    let e = explain(&plan("aws"));
    assert_eq!(
        e.cost_summary,
        "$7.23 (≈ 2.7 hours of Fargate compute + S3 storage for 50 scenarios)"
    );
}

// ---- the risk catalogue: each rule with and without its fact ----

fn ec2() -> Plan {
    let source = EXAMPLE.replace("cluster_type: fargate", "cluster_type: ec2");
    plan_of(&source, "aws", Policy::Manual, Env::default())
}

fn gcp() -> Plan {
    let source = EXAMPLE.replacen(
        "targets:\n",
        "targets:\n  gcp:\n    provider: gcp\n    region: us-central1\n    project_id: demo\n",
        1,
    );
    plan_of(&source, "gcp", Policy::Manual, Env::default())
}

/// The texts `code` reports for `plan`.
fn fired(plan: &Plan, code: &str) -> Vec<String> {
    let rule = risks::CATALOGUE
        .iter()
        .find(|r| r.code == code)
        .unwrap_or_else(|| panic!("no rule {code}"));
    let texts = (rule.check)(plan);
    // The rule fires through `explain` exactly as when called alone.
    let via_explain: Vec<String> = explain(plan)
        .risks
        .into_iter()
        .filter(|r| r.code == code)
        .map(|r| r.text)
        .collect();
    assert_eq!(texts, via_explain);
    texts
}

fn one(plan: &Plan, code: &str) -> String {
    let texts = fired(plan, code);
    assert_eq!(texts.len(), 1, "{code}: {texts:?}");
    texts.into_iter().next().unwrap()
}

fn group<'a>(plan: &'a mut Plan, name: &str) -> &'a mut scalable_plan::WorkerGroup {
    plan.worker_groups
        .iter_mut()
        .find(|g| g.name == name)
        .expect("group exists")
}

#[test]
fn non_atomic_outputs() {
    let text = one(&plan("aws"), "R_NON_ATOMIC_OUTPUTS");
    assert!(text.contains("`run_demeter_scenario` writes its `output_dir` directory"));
    assert!(text.contains("AWS retires Fargate tasks"));
    assert!(text.contains("demeter workers"));
    let text = one(&plan("k8s"), "R_NON_ATOMIC_OUTPUTS");
    assert!(text.contains("Kubernetes evicts pods"), "{text}");
    // Without file or dir outputs, or without a way to lose workers: nothing.
    let mut p = plan("aws");
    for t in &mut p.tasks {
        t.outputs.clear();
    }
    assert!(fired(&p, "R_NON_ATOMIC_OUTPUTS").is_empty());
    assert!(fired(&plan("hpc"), "R_NON_ATOMIC_OUTPUTS").is_empty());
    assert!(fired(&plan("local"), "R_NON_ATOMIC_OUTPUTS").is_empty());
    // Uncached, the rerun is not hidden behind the cache.
    let mut p = plan("aws");
    for t in &mut p.tasks {
        t.cache = false;
    }
    assert!(one(&p, "R_NON_ATOMIC_OUTPUTS").contains("`run_demeter_scenario` is not cached"));
}

#[test]
fn cold_start() {
    let text = one(&plan("aws"), "R_COLD_START");
    assert!(text.starts_with("Fargate cold start adds 30-90 s"));
    assert!(text.contains("pulls ghcr.io/jgcri/demeter:2.0.1"));
    assert!(text.contains("again for every demeter worker"));
    assert!(one(&ec2(), "R_COLD_START").starts_with("Each EC2 worker boots"));
    assert!(one(&gcp(), "R_COLD_START").starts_with("Each Compute Engine worker boots"));
    for target in ["local", "hpc", "k8s"] {
        assert!(fired(&plan(target), "R_COLD_START").is_empty(), "{target}");
    }
}

#[test]
fn spot_interruption() {
    assert!(fired(&plan("aws"), "R_SPOT_INTERRUPTION").is_empty());
    let aggressive = plan_of(EXAMPLE, "aws", Policy::Aggressive, Env::default());
    assert_eq!(
        one(&aggressive, "R_SPOT_INTERRUPTION"),
        "Fargate Spot workers (preprocess, demeter, postprocess) can be reclaimed with 2 minutes' notice; Dask reruns the tasks they held elsewhere, so each reclaim costs the work in progress and stretches the expected duration."
    );
    let mut p = plan("aws");
    group(&mut p, "demeter").spot = true;
    assert!(one(&p, "R_SPOT_INTERRUPTION").starts_with("Fargate Spot workers (demeter) "));
    let mut p = gcp();
    group(&mut p, "demeter").spot = true;
    assert!(one(&p, "R_SPOT_INTERRUPTION").contains("30 seconds' notice"));
}

#[test]
fn memory_headroom() {
    assert!(fired(&plan("local"), "R_MEMORY_HEADROOM").is_empty());
    let mut p = plan("local");
    group(&mut p, "demeter").memory_bytes = 30 << 30;
    assert!(
        one(&p, "R_MEMORY_HEADROOM")
            .contains("demeter asks for 30 GiB of this machine's 32 GiB (94%)")
    );
    // EC2: the cheapest instance that fits 16 GiB has exactly 16 GiB.
    let text = one(&ec2(), "R_MEMORY_HEADROOM");
    assert!(
        text.contains("demeter asks for 16 GiB of 16 GiB on t3.xlarge (100%)"),
        "{text}"
    );
    // Fargate tasks, Slurm jobs and pods are sized from the ask: no node limit in the plan.
    for target in ["aws", "hpc", "hpc-fine", "k8s"] {
        assert!(
            fired(&plan(target), "R_MEMORY_HEADROOM").is_empty(),
            "{target}"
        );
    }
}

#[test]
fn walltime_short() {
    let mut p = plan("hpc");
    assert!(fired(&p, "R_WALLTIME_SHORT").is_empty());
    p.duration.hours = 3.0;
    assert_eq!(
        one(&p, "R_WALLTIME_SHORT"),
        "Slurm walltime 02:30:00 is shorter than the expected 3.00 hours; worker jobs are killed at the limit and the scenarios still running are lost."
    );
    // From a manifest whose walltime is shorter than the expected 1.17 hours.
    let source = EXAMPLE.replace("walltime: \"02:30:00\"", "walltime: \"00:20:00\"");
    let p = plan_of(&source, "hpc", Policy::Manual, Env::default());
    assert!(one(&p, "R_WALLTIME_SHORT").starts_with("Slurm walltime 00:20:00"));
    // The plan's own W_WALLTIME_SHORT is not reported twice.
    assert!(p.warnings.iter().any(|w| w.code == "W_WALLTIME_SHORT"));
    assert!(fired(&p, "R_PLAN_WARNING").is_empty());
}

#[test]
fn mutable_image() {
    assert!(fired(&plan("aws"), "R_MUTABLE_IMAGE").is_empty());
    assert!(fired(&plan("k8s"), "R_MUTABLE_IMAGE").is_empty());
    for image in ["ghcr.io/jgcri/demeter", "ghcr.io/jgcri/demeter:latest"] {
        let mut p = plan("aws");
        group(&mut p, "demeter").image = Some(image.to_string());
        assert!(one(&p, "R_MUTABLE_IMAGE").contains(&format!("demeter ({image})")));
    }
}

#[test]
fn secret_in_env() {
    assert!(fired(&plan("aws"), "R_SECRET_IN_ENV").is_empty());
    let mut p = plan("aws");
    group(&mut p, "demeter")
        .env
        .insert("DB_PASSWORD".to_string(), "***".to_string());
    let text = one(&p, "R_SECRET_IN_ENV");
    assert!(text.contains("demeter passes `DB_PASSWORD`"));
    assert!(text.contains("ECS task definition"));
    // A target env secret: named, its value never shown.
    let source = K8S.replace(
        "      maximum: 20\n",
        "      maximum: 20\n    env:\n      MY_API_KEY: hunter2\n",
    );
    let p = plan_of(&source, "k8s", Policy::Manual, Env::default());
    let text = one(&p, "R_SECRET_IN_ENV");
    assert!(text.contains("target `k8s` passes `MY_API_KEY`"), "{text}");
    let all = render::json(&explain(&p));
    assert!(!all.contains("hunter2"), "a secret value leaked: {all}");
}

#[test]
fn storage_unset() {
    let text = one(&plan("aws"), "R_STORAGE_UNSET");
    assert!(text.starts_with("`ARTIFACT_STORAGE` was unset when this plan was made"));
    assert!(text.contains("s3://${ARTIFACT_STORAGE}/demeter-lulcc/"));
    let set = Env::from_map(BTreeMap::from([(
        "ARTIFACT_STORAGE".to_string(),
        "my-bucket".to_string(),
    )]));
    let p = plan_of(EXAMPLE, "aws", Policy::Manual, set);
    assert!(fired(&p, "R_STORAGE_UNSET").is_empty());
    assert!(explain(&p).steps[3].starts_with("Outputs land in s3://my-bucket/demeter-lulcc/."));
    assert!(fired(&plan("hpc"), "R_STORAGE_UNSET").is_empty());
}

#[test]
fn single_worker() {
    for target in ["local", "hpc", "aws", "k8s"] {
        assert!(
            fired(&plan(target), "R_SINGLE_WORKER").is_empty(),
            "{target}"
        );
    }
    let mut p = plan("aws");
    group(&mut p, "demeter").scaling = Scaling::Fixed { count: 1 };
    assert!(
        one(&p, "R_SINGLE_WORKER")
            .starts_with("All 50 scenarios run one at a time on a single demeter worker")
    );
    p.scenarios = 1;
    assert!(fired(&p, "R_SINGLE_WORKER").is_empty());
}

#[test]
fn cross_region_egress() {
    assert!(fired(&plan("aws"), "R_CROSS_REGION_EGRESS").is_empty());
    let mut p = plan("aws");
    p.storage.outputs = Some("gs://demeter-runs/out/".to_string());
    p.storage.kind = "gs".to_string();
    let text = one(&p, "R_CROSS_REGION_EGRESS");
    assert!(text.contains(
        "gs://demeter-runs/out/ (Google Cloud storage) while workers run on AWS in us-east-1"
    ));
    let mut p = plan("aws");
    p.storage.outputs = Some("s3://demeter-us-west-2/out/".to_string());
    assert!(
        one(&p, "R_CROSS_REGION_EGRESS")
            .contains("points to us-west-2, while workers run in us-east-1")
    );
    p.storage.outputs = Some("s3://demeter-us-east-1/out/".to_string());
    assert!(fired(&p, "R_CROSS_REGION_EGRESS").is_empty());
    // Not a cloud target: no egress from the plan's point of view.
    let mut p = plan("hpc");
    p.storage.outputs = Some("s3://demeter-us-west-2/out/".to_string());
    p.storage.kind = "s3".to_string();
    assert!(fired(&p, "R_CROSS_REGION_EGRESS").is_empty());
}

#[test]
fn plan_warnings() {
    // 8 CPUs, 32 GiB: two demeter workers and the others do not fit in 90%.
    let text = one(&plan("local"), "R_PLAN_WARNING");
    assert!(
        text.starts_with("The planner warns (W_SCALED_TO_FIT): "),
        "{text}"
    );
    assert!(fired(&plan("hpc"), "R_PLAN_WARNING").is_empty());
    let mut p = plan("hpc");
    p.warnings.push(PlanWarning {
        code: "W_PRICE_REGION".to_string(),
        group: None,
        message: "no prices for region `mars-1`".to_string(),
    });
    assert_eq!(
        one(&p, "R_PLAN_WARNING"),
        "The planner warns (W_PRICE_REGION): no prices for region `mars-1`."
    );
}

#[test]
fn docs_list_every_rule() {
    let docs = include_str!("../../../docs/assistants.md");
    for rule in risks::CATALOGUE {
        assert!(
            docs.contains(&format!("`{}`", rule.code)),
            "docs/assistants.md does not list {}",
            rule.code
        );
    }
}

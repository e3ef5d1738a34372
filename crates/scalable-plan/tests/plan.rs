//! Plans of the example manifest on every target: snapshots, determinism,
//! objectives and policies, and one cost recomputed by hand from the table.

use std::path::Path;

use proptest::prelude::*;
use scalable_manifest::{Env, load_str};
use scalable_plan::{
    Machine, Objective, Plan, Policy, Request, Scaling, Sizing, plan_document, to_json,
};

const EXAMPLE: &str = include_str!("../../../docs/examples/scalable.demeter.yaml");
const PRICES: &str = include_str!("../data/prices.json");

const K8S_TARGET: &str = "  k8s:
    provider: kubernetes
    namespace: demeter-prod
    image: ghcr.io/jgcri/demeter:2.0.1
    adaptive:
      minimum: 2
      maximum: 20
";

const MACHINE: Machine = Machine {
    cpus: 8,
    memory_bytes: 32 << 30,
};

/// The example plus a Kubernetes target.
fn manifest() -> String {
    EXAMPLE.replacen("targets:\n", &format!("targets:\n{K8S_TARGET}"), 1)
}

fn plan_with(
    source: &str,
    target: &str,
    objective: Objective,
    policy: Policy,
    scenarios: u32,
) -> Plan {
    let doc = load_str(
        source,
        "scalable.yaml",
        Path::new("/project"),
        Env::default(),
    )
    .expect("parses");
    let request = Request {
        objective,
        policy,
        scenarios: Some(scenarios),
        ..Request::new(target)
    };
    plan_document(&doc, request, MACHINE, None).unwrap_or_else(|e| panic!("{target}: {e:?}"))
}

fn plan(target: &str) -> Plan {
    plan_with(&manifest(), target, Objective::Balance, Policy::Manual, 50)
}

#[test]
fn snapshots_of_every_target() {
    for target in ["local", "hpc", "hpc-fine", "aws", "k8s"] {
        let p = plan(target);
        insta::assert_snapshot!(format!("{target}_text"), scalable_plan::render::text(&p));
        insta::assert_snapshot!(format!("{target}_json"), to_json(&p));
    }
}

#[test]
fn same_manifest_same_bytes() {
    for target in ["local", "hpc", "aws", "k8s"] {
        assert_eq!(to_json(&plan(target)), to_json(&plan(target)));
    }
}

#[test]
fn overlay_is_applied_and_named() {
    let fine = plan("hpc-fine");
    assert_eq!(fine.overlay.as_deref(), Some("hpc-fine-resolution"));
    let demeter = fine
        .worker_groups
        .iter()
        .find(|g| g.name == "demeter")
        .unwrap();
    assert_eq!(demeter.memory, "64G");
    assert!(matches!(&demeter.sizing, Sizing::Slurm { memory, .. } if memory == "64G"));
    assert_eq!(plan("hpc").overlay, None);
}

#[test]
fn storage_variable_stays_literal() {
    let aws = plan("aws");
    assert_eq!(
        aws.storage.outputs.as_deref(),
        Some("s3://${ARTIFACT_STORAGE}/demeter-lulcc/")
    );
    assert_eq!(aws.storage.unresolved, vec!["ARTIFACT_STORAGE".to_string()]);
    assert_eq!(aws.storage.kind, "s3");
}

#[test]
fn host_mounts_are_absolute() {
    let hpc = plan("hpc");
    let demeter = hpc
        .worker_groups
        .iter()
        .find(|g| g.name == "demeter")
        .unwrap();
    assert_eq!(demeter.mounts[0].host, "/project/demeter_data");
    assert_eq!(demeter.mounts[0].container, "/data");
}

#[test]
fn secrets_in_env_are_redacted() {
    let source = manifest().replacen(
        "      DEMETER_DATA: /data\n",
        "      DEMETER_DATA: /data\n      DB_PASSWORD: hunter2\n",
        1,
    );
    let json = to_json(&plan_with(
        &source,
        "hpc",
        Objective::Balance,
        Policy::Manual,
        5,
    ));
    assert!(!json.contains("hunter2"));
    assert!(json.contains(r#""DB_PASSWORD": "***""#));
}

#[test]
fn policies_change_margins_retries_and_spot() {
    let safe = plan_with(&manifest(), "aws", Objective::Balance, Policy::Safe, 50);
    let aggressive = plan_with(
        &manifest(),
        "aws",
        Objective::Balance,
        Policy::Aggressive,
        50,
    );
    let manual = plan("aws");
    let demeter = |p: &Plan| {
        p.worker_groups
            .iter()
            .find(|g| g.name == "demeter")
            .unwrap()
            .clone()
    };
    assert_eq!(demeter(&safe).memory_bytes, 20 << 30);
    assert_eq!(demeter(&safe).retries, 2);
    assert_eq!(
        demeter(&safe).sizing,
        Sizing::Fargate {
            cpu_units: 4096,
            memory_mib: 20480
        }
    );
    assert_eq!(demeter(&manual).memory_bytes, 16 << 30);
    assert_eq!(demeter(&manual).retries, 0);
    assert!(demeter(&aggressive).spot && !demeter(&manual).spot);
    assert!(aggressive.cost.total < manual.cost.total && manual.cost.total < safe.cost.total);
    // Slurm has no spot capacity.
    assert!(
        !demeter(&plan_with(
            &manifest(),
            "hpc",
            Objective::Balance,
            Policy::Aggressive,
            50
        ))
        .spot
    );
}

#[test]
fn objectives_change_open_worker_counts_only() {
    let fan_out = |o: Objective, t: &str| {
        plan_with(&manifest(), t, o, Policy::Manual, 40)
            .worker_groups
            .into_iter()
            .find(|g| g.fan_out)
            .unwrap()
            .scaling
    };
    assert_eq!(
        fan_out(Objective::Time, "hpc"),
        Scaling::Fixed { count: 40 }
    );
    assert_eq!(
        fan_out(Objective::Balance, "hpc"),
        Scaling::Fixed { count: 20 }
    );
    assert_eq!(
        fan_out(Objective::Cost, "hpc"),
        Scaling::Fixed { count: 10 }
    );
    // Adaptive bounds written in the target win over every objective.
    for o in [Objective::Time, Objective::Balance, Objective::Cost] {
        assert_eq!(
            fan_out(o, "aws"),
            Scaling::Adaptive {
                minimum: 1,
                maximum: 10
            }
        );
    }
}

#[test]
fn local_plans_fit_the_machine() {
    let small = Machine {
        cpus: 2,
        memory_bytes: 8 << 30,
    };
    let doc = load_str(
        &manifest(),
        "scalable.yaml",
        Path::new("/project"),
        Env::default(),
    )
    .unwrap();
    let p = plan_document(&doc, Request::new("local"), small, None).unwrap();
    let codes: Vec<&str> = p.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["W_EXCEEDS_MACHINE", "W_SCALED_TO_FIT"]);
    assert!(
        p.warnings[0]
            .message
            .contains("4 CPUs and 16.0 GiB per worker; this machine has 2 CPUs and 8.0 GiB")
    );
    let limits: u64 = p
        .worker_groups
        .iter()
        .map(|g| match g.sizing {
            Sizing::Local {
                memory_limit_bytes, ..
            } => memory_limit_bytes * g.scaling.max() as u64,
            _ => unreachable!("local plan"),
        })
        .sum();
    assert!(limits <= (8u64 << 30) * 9 / 10 + (3 << 20), "{limits}");
}

/// The aws estimate, recomputed here from data/prices.json and the profile
/// figures (30 minutes per Demeter scenario, 5 per supporting step).
#[test]
fn aws_cost_recomputed_by_hand() {
    let prices: serde_json::Value = serde_json::from_str(PRICES).unwrap();
    let rate = &prices["fargate"]["us-east-1"];
    let (vcpu, gb) = (
        rate["vcpu_hour"].as_f64().unwrap(),
        rate["gb_hour"].as_f64().unwrap(),
    );
    let p = plan("aws");
    // 50 scenarios over at most 10 workers = 5 waves of 30 min, plus 5 + 5 min.
    let hours = ((5.0 * 30.0 + 10.0) / 60.0 * 100.0_f64).round() / 100.0;
    assert_eq!(p.duration.hours, hours);
    let demeter_hourly = 10.0 * (4.0 * vcpu + 16.0 * gb);
    let pre_hourly = 1.0 * vcpu + 2.0 * gb;
    let post_hourly = 2.0 * vcpu + 8.0 * gb;
    let storage = 50.0 * 0.5 * prices["storage_gb_month"]["s3"].as_f64().unwrap();
    let cents = |x: f64| (x * 100.0).round() / 100.0;
    let expected = cents(demeter_hourly * hours)
        + cents(pre_hourly * hours)
        + cents(post_hourly * hours)
        + cents(storage);
    assert!(
        (p.cost.total - cents(expected)).abs() < 1e-9,
        "{} vs {}",
        p.cost.total,
        expected
    );
    let item = p.cost.items.iter().find(|i| i.group == "demeter").unwrap();
    assert!((item.rate - demeter_hourly).abs() < 1e-4);
    assert!(p.cost.priced);
}

#[test]
fn hpc_reports_core_hours_and_prices_them_when_asked() {
    let p = plan("hpc");
    assert!(!p.cost.priced);
    assert_eq!(p.cost.total, 0.0);
    // 25 demeter workers x 4 cores + 2 + 1 cores, for the expected hours.
    assert!((p.cost.core_hours - (25.0 * 4.0 + 3.0) * p.duration.hours).abs() < 0.01);
    let priced = manifest().replacen(
        "    queue: short\n",
        "    queue: short\n    price_per_core_hour: 0.02\n",
        1,
    );
    let p = plan_with(&priced, "hpc", Objective::Balance, Policy::Manual, 50);
    assert!(p.cost.priced);
    let expected = (25.0 * 4.0 + 2.0 + 1.0) * 0.02 * p.duration.hours;
    assert!(
        (p.cost.total - expected).abs() < 0.05,
        "{} vs {expected}",
        p.cost.total
    );
}

#[test]
fn walltime_shorter_than_expected_is_warned() {
    let short = manifest().replacen("walltime: \"02:30:00\"", "walltime: \"00:30:00\"", 1);
    let p = plan_with(&short, "hpc", Objective::Cost, Policy::Manual, 400);
    assert!(
        p.warnings.iter().any(|w| w.code == "W_WALLTIME_SHORT"),
        "{:?}",
        p.warnings
    );
    assert!(
        !plan("hpc")
            .warnings
            .iter()
            .any(|w| w.code == "W_WALLTIME_SHORT")
    );
}

#[test]
fn plan_json_round_trips_and_versions_are_checked() {
    let p = plan("aws");
    let text = to_json(&p);
    assert_eq!(scalable_plan::from_str(&text, "p.json").unwrap(), p);
    let other = text.replacen("\"schema_version\": 1", "\"schema_version\": 99", 1);
    let err = scalable_plan::from_str(&other, "p.json").unwrap_err();
    assert_eq!(err.code(), "E_PLAN_VERSION");
    assert_eq!(
        scalable_plan::from_str("{nope", "p.json")
            .unwrap_err()
            .code(),
        "E_PLAN_PARSE"
    );
    assert_eq!(
        scalable_plan::read(Path::new("/nonexistent/plan.json"))
            .unwrap_err()
            .code(),
        "E_PLAN_IO"
    );
}

/// Blocks of the manifest (top-level sections and the components inside
/// theirs) in any order give the same plan, byte for byte.
fn reordered(order: &[usize], components: &[usize]) -> String {
    let text = manifest();
    let mut sections: Vec<String> = Vec::new();
    for line in text.lines() {
        if !line.starts_with(' ') && !line.starts_with('#') && !line.is_empty() {
            sections.push(String::new());
        }
        if let Some(last) = sections.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    let sections: Vec<String> = sections
        .into_iter()
        .map(|s| {
            if s.starts_with("components:") {
                reorder_children(&s, components)
            } else {
                s
            }
        })
        .collect();
    order
        .iter()
        .map(|&i| sections[i % sections.len()].clone())
        .collect::<Vec<_>>()
        .join("")
}

fn reorder_children(section: &str, order: &[usize]) -> String {
    let mut lines = section.lines();
    let head = lines.next().unwrap_or_default().to_string();
    let mut children: Vec<String> = Vec::new();
    for line in lines {
        if line.starts_with("  ") && !line.starts_with("   ") {
            children.push(String::new());
        }
        if let Some(last) = children.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    let body: Vec<String> = order
        .iter()
        .map(|&i| children[i % children.len()].clone())
        .collect();
    format!("{head}\n{}", body.join(""))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn key_order_does_not_change_the_plan(
        order in Just((0..6).collect::<Vec<usize>>()).prop_shuffle(),
        components in Just((0..3).collect::<Vec<usize>>()).prop_shuffle(),
        target in prop::sample::select(vec!["local", "hpc", "aws", "k8s"]),
    ) {
        let shuffled = reordered(&order, &components);
        let a = plan_with(&manifest(), target, Objective::Balance, Policy::Safe, 20);
        let b = plan_with(&shuffled, target, Objective::Balance, Policy::Safe, 20);
        prop_assert_eq!(to_json(&a), to_json(&b));
    }
}

#[test]
fn earlier_runs_replace_profiles() {
    let doc = load_str(
        &manifest(),
        "scalable.yaml",
        Path::new("/project"),
        Env::default(),
    )
    .unwrap();
    let history = scalable_plan::History {
        median_minutes: [("run_demeter_scenario".to_string(), 12.0)]
            .into_iter()
            .collect(),
        runs: 3,
    };
    let request = Request {
        scenarios: Some(20),
        ..Request::new("hpc")
    };
    let p = plan_document(&doc, request, MACHINE, Some(history)).unwrap();
    assert_eq!(p.duration.basis, "history");
    assert!(
        p.duration
            .detail
            .contains("run_demeter_scenario: median 12.0 min over 3 earlier run(s)")
    );
    // 20 scenarios over 10 workers = 2 waves of 12 min, plus 5 + 5 min of profile.
    assert_eq!(
        p.duration.hours,
        ((2.0 * 12.0 + 10.0) / 60.0 * 100.0_f64).round() / 100.0
    );
}

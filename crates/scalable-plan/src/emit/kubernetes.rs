//! Kubernetes: Dask Kubernetes Operator resources (`kubernetes.dask.org/v1`)
//! in one multi-document file, `daskcluster.yaml`, for one `kubectl apply`:
//! a `DaskCluster` named after the project whose default worker group runs
//! the fan-out component, a `DaskWorkerGroup` per other component and, when
//! the fan-out scales adaptively, a `DaskAutoscaler` for it.
//!
//! Pods ask for what the plan sized (requests equal limits), mount the
//! component's `volume_mounts`/`volumes`, and take secret variables from the
//! Secret `<cluster>-secrets` instead of carrying their values.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Artifact, DEFAULT_IMAGE, EnvVar, env_vars, option_str, registry_image, render};
use crate::model::{Plan, Scaling, Sizing, WorkerGroup};

/// The dashboard port of every worker (the operator's convention).
const WORKER_DASHBOARD_PORT: &str = "8788";

#[derive(Serialize)]
struct Resources {
    project: String,
    target: String,
    cluster: String,
    namespace: Option<String>,
    secret: String,
    secret_names: Vec<String>,
    scheduler_image: String,
    default: Worker,
    groups: Vec<Worker>,
    autoscaler: Option<Bounds>,
}

#[derive(Serialize)]
struct Worker {
    group: String,
    name: String,
    workers: String,
    replicas: u32,
    image: String,
    args: Vec<String>,
    resources: serde_json::Value,
    env: Vec<EnvVar>,
    volume_mounts: Vec<serde_json::Value>,
    volumes: Vec<serde_json::Value>,
    service_account: Option<String>,
    node_selector: serde_json::Value,
    tolerations: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct Bounds {
    minimum: u32,
    maximum: u32,
}

pub(super) fn emit(plan: &Plan) -> Vec<Artifact> {
    let Some(default) = plan
        .worker_groups
        .iter()
        .find(|g| g.fan_out)
        .or_else(|| plan.worker_groups.first())
    else {
        return Vec::new();
    };
    let cluster = match scalable_manifest::rules::dns1123_suggestion(&plan.project) {
        name if name.is_empty() => "scalable".to_string(),
        name => name,
    };
    let secret = dns_name(&format!("{cluster}-secrets"));
    let target_env: BTreeMap<String, String> = plan
        .provider
        .options
        .get("env")
        .and_then(|v| v.as_object())
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect();
    let worker = |g: &WorkerGroup, name: String| worker(plan, g, name, &target_env);
    let default_worker = worker(default, format!("{cluster}-default"));
    let groups: Vec<Worker> = plan
        .worker_groups
        .iter()
        .filter(|g| g.name != default.name)
        .map(|g| worker(g, dns_name(&format!("{cluster}-{}", g.name))))
        .collect();
    let mut secret_names: Vec<String> = std::iter::once(&default_worker)
        .chain(&groups)
        .flat_map(|w| w.env.iter())
        .filter(|e| e.value.is_none())
        .map(|e| e.name.clone())
        .collect();
    secret_names.sort();
    secret_names.dedup();
    let resources = Resources {
        project: plan.project.clone(),
        target: plan.target.clone(),
        namespace: option_str(plan, "namespace").map(str::to_string),
        secret,
        secret_names,
        scheduler_image: option_str(plan, "image")
            .map(|i| registry_image(i).to_string())
            .unwrap_or_else(|| default_worker.image.clone()),
        autoscaler: match default.scaling {
            Scaling::Adaptive { minimum, maximum } => Some(Bounds { minimum, maximum }),
            Scaling::Fixed { .. } => None,
        },
        cluster,
        default: default_worker,
        groups,
    };
    vec![Artifact {
        path: "daskcluster.yaml".to_string(),
        contents: render("daskcluster.yaml.j2", &resources),
    }]
}

fn worker(
    plan: &Plan,
    g: &WorkerGroup,
    name: String,
    target_env: &BTreeMap<String, String>,
) -> Worker {
    let mut env = target_env.clone();
    env.extend(g.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    let options = &plan.provider.options;
    Worker {
        group: g.name.clone(),
        name,
        workers: match g.scaling {
            Scaling::Fixed { count: 1 } => "1 worker".to_string(),
            Scaling::Fixed { count } => format!("{count} workers"),
            Scaling::Adaptive { minimum, maximum } => {
                format!("{minimum} to {maximum} workers (adaptive)")
            }
        },
        replicas: match g.scaling {
            Scaling::Fixed { count } => count,
            Scaling::Adaptive { minimum, .. } => minimum,
        },
        image: registry_image(g.image.as_deref().unwrap_or(DEFAULT_IMAGE)).to_string(),
        args: [
            "dask-worker",
            "--name",
            "$(DASK_WORKER_NAME)",
            "--dashboard",
            "--dashboard-address",
            WORKER_DASHBOARD_PORT,
            "--resources",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("{}=1", g.name)])
        .collect(),
        resources: pod_resources(plan, g),
        env: env_vars(&env),
        volume_mounts: g.volume_mounts.clone(),
        volumes: g.volumes.clone(),
        service_account: option_str(plan, "worker_service_account").map(str::to_string),
        node_selector: options
            .get("node_selector")
            .cloned()
            .unwrap_or_else(|| serde_json::json!({})),
        tolerations: options
            .get("tolerations")
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default(),
    }
}

/// The target's `resources` block with CPU and memory requests and limits
/// set to the plan's sizing.
fn pod_resources(plan: &Plan, g: &WorkerGroup) -> serde_json::Value {
    let mut resources = plan
        .provider
        .options
        .get("resources")
        .and_then(|v| v.as_object())
        .cloned()
        .unwrap_or_default();
    if let Sizing::Kubernetes { cpu, memory } = &g.sizing {
        for key in ["requests", "limits"] {
            let entry = resources
                .entry(key)
                .or_insert_with(|| serde_json::json!({}));
            if !entry.is_object() {
                *entry = serde_json::json!({});
            }
            if let Some(map) = entry.as_object_mut() {
                map.insert("cpu".to_string(), cpu.clone().into());
                map.insert("memory".to_string(), memory.clone().into());
            }
        }
    }
    serde_json::Value::Object(resources)
}

/// A DNS-1123 label for a resource name.
fn dns_name(name: &str) -> String {
    scalable_manifest::rules::dns1123_suggestion(name)
}

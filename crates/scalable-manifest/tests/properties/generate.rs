//! Strategies that generate valid manifests.

use super::*;

pub(crate) fn ident() -> impl Strategy<Value = String> {
    // Valid DNS-1123 labels, so a kubernetes target accepts them as component names.
    "[a-z][a-z0-9]{0,7}"
}

pub(crate) fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9/._-]{0,12}"
}

pub(crate) fn memory(max: u32) -> impl Strategy<Value = String> {
    (
        1..=max,
        prop::sample::select(vec!["G", "M", "Gi", "MiB", "GB", "MB", "K", "g"]),
    )
        .prop_map(|(n, unit)| format!("{n}{unit}"))
}

pub(crate) fn cpus() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (1u32..=64).prop_map(Value::from),
        1 => prop::sample::select(vec![0.5, 1.5, 2.25, 0.125]).prop_map(Value::from),
    ]
}

pub(crate) fn image() -> impl Strategy<Value = String> {
    prop_oneof![
        ("[a-z]{1,8}", "[a-z]{1,8}", 0u32..10, 0u32..20).prop_map(
            |(org, name, major, minor)| format!("ghcr.io/{org}/{name}:{major}.{minor}.0")
        ),
        "[a-z]{1,8}".prop_map(|name| format!("{name}@sha256:{}", "ab".repeat(32))),
        "[a-z]{1,8}".prop_map(|name| format!("/containers/{name}.sif")),
    ]
}

/// Inserts `value` under `key` when it is `Some`.
pub(crate) fn put(map: &mut serde_json::Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}

pub(crate) fn component() -> impl Strategy<Value = Value> {
    (
        prop::option::of(cpus()),
        memory(120),
        prop::option::of(image()),
        prop::option::of(prop::sample::select(vec!["apptainer", "docker", "none"])),
        prop::collection::vec("[a-z]{1,8}", 0..4),
        prop::collection::btree_map("(\\./|/)[a-z]{1,6}", "/[a-z]{1,6}(/[a-z]{1,6})?", 0..3),
        prop::collection::btree_map("[A-Z][A-Z0-9_]{0,8}", text(), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(cpus, memory, image, runtime, tags, mounts, env, volumes)| {
                let mut c = serde_json::Map::new();
                put(&mut c, "cpus", cpus);
                c.insert("memory".into(), Value::from(memory));
                put(&mut c, "image", image.map(Value::from));
                put(&mut c, "runtime", runtime.map(Value::from));
                if !tags.is_empty() {
                    c.insert("tags".into(), json!(tags));
                }
                if !mounts.is_empty() {
                    c.insert("mounts".into(), json!(mounts));
                }
                if !env.is_empty() {
                    c.insert("env".into(), json!(env));
                }
                if volumes {
                    c.insert(
                        "volumes".into(),
                        json!([{"name": "scratch", "emptyDir": {}}]),
                    );
                    c.insert(
                        "volume_mounts".into(),
                        json!([{"name": "scratch", "mountPath": "/scratch"}]),
                    );
                }
                Value::Object(c)
            },
        )
}

pub(crate) fn adaptive() -> impl Strategy<Value = Value> {
    (0u32..10, 0u32..10).prop_map(
        |(minimum, extra)| json!({"minimum": minimum, "maximum": (minimum + extra).max(1)}),
    )
}

pub(crate) fn walltime() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..100, 0u32..60, 0u32..60).prop_map(|(h, m, s)| format!("{h:02}:{m:02}:{s:02}")),
        (1u32..30, 0u32..24, 0u32..60, 0u32..60)
            .prop_map(|(d, h, m, s)| format!("{d}-{h:02}:{m:02}:{s:02}")),
    ]
}

/// Fargate CPU/memory pairs AWS accepts (ECS task size table).
pub(crate) const FARGATE_PAIRS: &[(u32, u32)] = &[
    (256, 512),
    (256, 2048),
    (512, 1024),
    (512, 4096),
    (1024, 2048),
    (1024, 8192),
    (2048, 4096),
    (2048, 16384),
    (4096, 8192),
    (4096, 30720),
    (8192, 16384),
    (8192, 61440),
    (16384, 32768),
    (16384, 122880),
];

pub(crate) fn local() -> impl Strategy<Value = Value> {
    (
        prop::option::of(1u32..64),
        prop::option::of(1u32..8),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec!["none", "docker", "apptainer"])),
    )
        .prop_map(|(workers, threads, processes, containers)| {
            let mut t = serde_json::Map::new();
            t.insert("provider".into(), "local".into());
            put(&mut t, "max_workers", workers.map(Value::from));
            put(&mut t, "threads_per_worker", threads.map(Value::from));
            put(&mut t, "processes", processes.map(Value::from));
            put(&mut t, "containers", containers.map(Value::from));
            Value::Object(t)
        })
}

pub(crate) fn slurm() -> impl Strategy<Value = Value> {
    (
        prop::option::of("[a-z]{1,8}"),
        prop::option::of("[a-z]{1,8}"),
        prop::option::of(walltime()),
        prop::option::of(prop::sample::select(vec!["ib0", "eth0"])),
        prop::option::of(1u32..=65535),
        prop::option::of(prop::sample::select(vec![
            "apptainer",
            "singularity",
            "none",
        ])),
        prop::collection::vec("--[a-z]{1,8}=[a-z0-9]{1,6}", 0..3),
    )
        .prop_map(
            |(queue, account, walltime, interface, port, runtime, extra)| {
                let mut t = serde_json::Map::new();
                t.insert("provider".into(), "slurm".into());
                put(&mut t, "queue", queue.map(Value::from));
                put(&mut t, "account", account.map(Value::from));
                put(&mut t, "walltime", walltime.map(Value::from));
                put(&mut t, "interface", interface.map(Value::from));
                put(&mut t, "comm_port", port.map(Value::from));
                put(&mut t, "container_runtime", runtime.map(Value::from));
                if !extra.is_empty() {
                    t.insert("job_extra_directives".into(), json!(extra));
                }
                Value::Object(t)
            },
        )
}

pub(crate) fn kubernetes() -> impl Strategy<Value = Value> {
    (
        prop::option::of("[a-z][a-z0-9-]{0,10}[a-z0-9]"),
        prop::option::of(image()),
        prop::option::of(1u32..100),
        prop::option::of(adaptive()),
        prop::option::of("[a-z]{1,8}(\\.[a-z]{1,8})?"),
        prop::collection::btree_map("[A-Z]{1,6}", text(), 0..3),
        prop::collection::btree_map("[a-z]{1,6}", "[a-z0-9]{1,6}", 0..2),
        any::<bool>(),
    )
        .prop_map(
            |(namespace, image, workers, adaptive, account, env, selector, extras)| {
                let mut t = serde_json::Map::new();
                t.insert("provider".into(), "kubernetes".into());
                put(&mut t, "namespace", namespace.map(Value::from));
                put(&mut t, "image", image.map(Value::from));
                put(&mut t, "n_workers", workers.map(Value::from));
                put(&mut t, "adaptive", adaptive);
                put(&mut t, "worker_service_account", account.map(Value::from));
                if !env.is_empty() {
                    t.insert("env".into(), json!(env));
                }
                if !selector.is_empty() {
                    t.insert("node_selector".into(), json!(selector));
                }
                if extras {
                    t.insert(
                        "tolerations".into(),
                        json!([{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]),
                    );
                    t.insert("resources".into(), json!({"limits": {"nvidia.com/gpu": 1}}));
                }
                Value::Object(t)
            },
        )
}

pub(crate) fn aws() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop::sample::select(vec!["us-east-1", "eu-west-2"])),
        prop::option::of(prop::sample::select(vec!["fargate", "ec2"])),
        prop::option::of(prop::sample::select(FARGATE_PAIRS.to_vec())),
        prop::option::of(1u32..100),
        prop::option::of(adaptive()),
        prop::collection::vec("subnet-[0-9a-f]{8}", 0..3),
        prop::collection::vec("sg-[0-9a-f]{8}", 0..2),
        prop::option::of("m5\\.(large|xlarge|2xlarge)"),
    )
        .prop_map(
            |(region, cluster, pair, workers, adaptive, subnets, groups, instance)| {
                let mut t = serde_json::Map::new();
                t.insert("provider".into(), "aws".into());
                put(&mut t, "region", region.map(Value::from));
                put(&mut t, "cluster_type", cluster.map(Value::from));
                if let Some((cpu, mem)) = pair {
                    t.insert("worker_cpu".into(), cpu.into());
                    t.insert("worker_mem".into(), mem.into());
                }
                put(&mut t, "n_workers", workers.map(Value::from));
                put(&mut t, "adaptive", adaptive);
                if !subnets.is_empty() {
                    t.insert("subnets".into(), json!(subnets));
                }
                if !groups.is_empty() {
                    t.insert("security_groups".into(), json!(groups));
                }
                put(&mut t, "instance_type", instance.map(Value::from));
                Value::Object(t)
            },
        )
}

pub(crate) fn gcp() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop::sample::select(vec!["us-central1", "europe-west4"])),
        prop::option::of("[a-z][a-z0-9-]{4,12}[a-z0-9]"),
        prop::option::of("n2-standard-(2|4|8)"),
        prop::option::of(image()),
        prop::option::of(1u32..100),
    )
        .prop_map(|(region, project, instance, image, workers)| {
            let mut t = serde_json::Map::new();
            t.insert("provider".into(), "gcp".into());
            put(&mut t, "region", region.map(Value::from));
            put(&mut t, "project_id", project.map(Value::from));
            put(&mut t, "instance_type", instance.map(Value::from));
            put(&mut t, "image", image.map(Value::from));
            put(&mut t, "n_workers", workers.map(Value::from));
            Value::Object(t)
        })
}

pub(crate) fn target() -> impl Strategy<Value = (Value, Option<Index>)> {
    (
        prop_oneof![local(), slurm(), kubernetes(), aws(), gcp()],
        prop::option::of(any::<Index>()),
    )
}

pub(crate) fn project() -> impl Strategy<Value = Value> {
    (
        "[a-z][a-z0-9-]{0,12}",
        prop::option::of(prop::sample::select(vec![
            "./outputs",
            "/scratch/outputs",
            "s3://bucket/prefix/",
            "gs://bucket/prefix",
            // Unset, and left literal for the run to resolve.
            "s3://${SCALABLE_PROPTEST_UNSET_BUCKET}/out/",
        ])),
        prop::option::of(Just("./.scalable/cache")),
    )
        .prop_map(|(name, storage, cache)| {
            let mut p = serde_json::Map::new();
            p.insert("name".into(), name.into());
            put(&mut p, "default_storage", storage.map(Value::from));
            put(&mut p, "local_cache", cache.map(Value::from));
            Value::Object(p)
        })
}

pub(crate) fn task() -> impl Strategy<Value = (Index, Option<bool>, BTreeMap<String, &'static str>)>
{
    (
        any::<Index>(),
        prop::option::of(any::<bool>()),
        prop::collection::btree_map(
            "[a-z][a-z_]{0,8}",
            prop::sample::select(vec!["dir", "file", "value"]),
            0..3,
        ),
    )
}

/// An overlay: raise one component's memory, or move the outputs.
pub(crate) fn overlay() -> impl Strategy<Value = (Index, Option<String>, Option<&'static str>)> {
    (
        any::<Index>(),
        prop::option::of(memory(120)),
        prop::option::of(prop::sample::select(vec!["s3://other/", "./elsewhere"])),
    )
}

/// A valid manifest as a JSON value.
pub(crate) fn manifest() -> impl Strategy<Value = Value> {
    (
        project(),
        prop::collection::btree_map(ident(), component(), 1..=5),
        prop::collection::btree_map("[a-z][a-z0-9_-]{0,8}", target(), 1..=4),
        prop::collection::btree_map("[a-z][a-z0-9_]{0,10}", task(), 0..=6),
        prop::collection::btree_map("[a-z][a-z0-9-]{0,8}", overlay(), 0..=2),
    )
        .prop_map(|(project, components, targets, tasks, overlays)| {
            let names: Vec<&String> = components.keys().collect();
            let overlay_names: Vec<&String> = overlays.keys().collect();
            // The largest Fargate task is 16 vCPU: bigger components need EC2.
            let big = components
                .values()
                .any(|c| c.get("cpus").and_then(Value::as_f64).unwrap_or(1.0) > 16.0);
            let targets: serde_json::Map<String, Value> = targets
                .iter()
                .map(|(name, (t, overlay))| {
                    let mut t = t.clone();
                    let o = t.as_object_mut().unwrap();
                    if let Some(i) = overlay.filter(|_| !overlay_names.is_empty()) {
                        o.insert(
                            "overlay".into(),
                            overlay_names[i.index(overlay_names.len())].clone().into(),
                        );
                    }
                    if big && o["provider"] == "aws" {
                        o.insert("cluster_type".into(), "ec2".into());
                    }
                    (name.clone(), t)
                })
                .collect();
            let tasks: serde_json::Map<String, Value> = tasks
                .iter()
                .map(|(name, (component, cache, outputs))| {
                    let mut t = serde_json::Map::new();
                    t.insert(
                        "component".into(),
                        names[component.index(names.len())].clone().into(),
                    );
                    put(&mut t, "cache", cache.map(Value::from));
                    if !outputs.is_empty() {
                        t.insert("outputs".into(), json!(outputs));
                    }
                    (name.clone(), Value::Object(t))
                })
                .collect();
            let overlays: serde_json::Map<String, Value> = overlays
                .iter()
                .map(|(name, (component, memory, storage))| {
                    let mut o = serde_json::Map::new();
                    if let Some(m) = memory {
                        let c = names[component.index(names.len())];
                        o.insert("components".into(), json!({ c: {"memory": m} }));
                    }
                    if let Some(s) = storage {
                        o.insert("project".into(), json!({"default_storage": s}));
                    }
                    (name.clone(), Value::Object(o))
                })
                .collect();
            let mut m = json!({
                "version": 1,
                "project": project,
                "targets": targets,
                "components": components,
                "tasks": tasks,
            });
            if !overlays.is_empty() {
                m["overlays"] = Value::Object(overlays);
            }
            m
        })
}

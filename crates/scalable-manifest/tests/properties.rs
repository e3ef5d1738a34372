//! Properties of the manifest layer, checked on generated input:
//!
//! 1. every generated valid manifest validates, for the whole file and for each
//!    target, and its canonical JSON parses back to the same model and digest;
//! 2. overlay merge laws on YAML trees;
//! 3. the lock digest does not depend on the order keys are written in;
//! 4. no input makes loading, validating or rendering panic (as the fuzz
//!    target does, but on every `cargo test`).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::Index;
use scalable_manifest::yaml::{Kind, Node, Plain, Pos, Scalar};
use scalable_manifest::{
    Document, Env, Manifest, canonical_json, digest, load_str, manifest_schema, merge, render,
};
use serde_json::{Value, json};

const EXAMPLE: &str = include_str!("../../../docs/examples/scalable.demeter.yaml");

// ---------------------------------------------------------------------------
// Emitting generated manifests as text, keys in a chosen order.

/// The order mapping keys are written in: sorted, or shuffled by a seed.
struct Order(Option<u64>);

impl Order {
    fn keys<'a>(&mut self, map: &'a serde_json::Map<String, Value>) -> Vec<&'a String> {
        let mut keys: Vec<&String> = map.keys().collect();
        if let Some(state) = &mut self.0 {
            // Fisher-Yates with xorshift64: deterministic for a seed.
            for i in (1..keys.len()).rev() {
                *state ^= *state << 13;
                *state ^= *state >> 7;
                *state ^= *state << 17;
                keys.swap(i, (*state % (i as u64 + 1)) as usize);
            }
        }
        keys
    }
}

/// JSON (which is YAML) with keys in `order`.
fn emit_json(v: &Value, order: &mut Order) -> String {
    match v {
        Value::Object(m) => {
            let items: Vec<String> = order
                .keys(m)
                .into_iter()
                .map(|k| format!("{}: {}", Value::from(k.as_str()), emit_json(&m[k], order)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(|x| emit_json(x, order)).collect();
            format!("[{}]", items.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// Block-style YAML with keys in `order`; collections inside lists are
/// written in flow style.
fn emit_block(v: &Value, order: &mut Order) -> String {
    let mut out = String::new();
    block(v, 0, order, &mut out);
    out
}

fn block(v: &Value, indent: usize, order: &mut Order, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for k in order.keys(m) {
                let value = &m[k];
                out.push_str(&format!("{pad}{}:", yaml_scalar(k)));
                match value {
                    Value::Object(inner) if !inner.is_empty() => {
                        out.push('\n');
                        block(value, indent + 2, order, out);
                    }
                    Value::Array(inner) if !inner.is_empty() => {
                        out.push('\n');
                        block(value, indent + 2, order, out);
                    }
                    _ => out.push_str(&format!(" {}\n", inline(value, order))),
                }
            }
        }
        Value::Array(a) => {
            for item in a {
                out.push_str(&format!("{pad}- {}\n", inline(item, order)));
            }
        }
        scalar => out.push_str(&format!("{pad}{}\n", inline(scalar, order))),
    }
}

fn inline(v: &Value, order: &mut Order) -> String {
    match v {
        Value::String(s) => yaml_scalar(s),
        other => emit_json(other, order),
    }
}

/// A string as a plain scalar when YAML reads it back as the same string,
/// else double-quoted (JSON escapes are YAML escapes).
fn yaml_scalar(s: &str) -> String {
    let first_ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '.');
    let chars_ok = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c));
    let reads_as_string = Scalar {
        text: s.to_string(),
        plain: true,
        secret: false,
        broken: false,
    }
    .plain_value()
        == Plain::Str;
    if first_ok && chars_ok && reads_as_string {
        s.to_string()
    } else {
        Value::from(s).to_string()
    }
}

// ---------------------------------------------------------------------------
// Generating valid manifests.

fn ident() -> impl Strategy<Value = String> {
    // Valid DNS-1123 labels, so a kubernetes target accepts them as component names.
    "[a-z][a-z0-9]{0,7}"
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9/._-]{0,12}"
}

fn memory(max: u32) -> impl Strategy<Value = String> {
    (
        1..=max,
        prop::sample::select(vec!["G", "M", "Gi", "MiB", "GB", "MB", "K", "g"]),
    )
        .prop_map(|(n, unit)| format!("{n}{unit}"))
}

fn cpus() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (1u32..=64).prop_map(Value::from),
        1 => prop::sample::select(vec![0.5, 1.5, 2.25, 0.125]).prop_map(Value::from),
    ]
}

fn image() -> impl Strategy<Value = String> {
    prop_oneof![
        ("[a-z]{1,8}", "[a-z]{1,8}", 0u32..10, 0u32..20).prop_map(
            |(org, name, major, minor)| format!("ghcr.io/{org}/{name}:{major}.{minor}.0")
        ),
        "[a-z]{1,8}".prop_map(|name| format!("{name}@sha256:{}", "ab".repeat(32))),
        "[a-z]{1,8}".prop_map(|name| format!("/containers/{name}.sif")),
    ]
}

/// Inserts `value` under `key` when it is `Some`.
fn put(map: &mut serde_json::Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}

fn component() -> impl Strategy<Value = Value> {
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

fn adaptive() -> impl Strategy<Value = Value> {
    (0u32..10, 0u32..10).prop_map(
        |(minimum, extra)| json!({"minimum": minimum, "maximum": (minimum + extra).max(1)}),
    )
}

fn walltime() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..100, 0u32..60, 0u32..60).prop_map(|(h, m, s)| format!("{h:02}:{m:02}:{s:02}")),
        (1u32..30, 0u32..24, 0u32..60, 0u32..60)
            .prop_map(|(d, h, m, s)| format!("{d}-{h:02}:{m:02}:{s:02}")),
    ]
}

/// Fargate CPU/memory pairs AWS accepts (ECS task size table).
const FARGATE_PAIRS: &[(u32, u32)] = &[
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

fn local() -> impl Strategy<Value = Value> {
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

fn slurm() -> impl Strategy<Value = Value> {
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

fn kubernetes() -> impl Strategy<Value = Value> {
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

fn aws() -> impl Strategy<Value = Value> {
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

fn gcp() -> impl Strategy<Value = Value> {
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

fn target() -> impl Strategy<Value = (Value, Option<Index>)> {
    (
        prop_oneof![local(), slurm(), kubernetes(), aws(), gcp()],
        prop::option::of(any::<Index>()),
    )
}

fn project() -> impl Strategy<Value = Value> {
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

fn task() -> impl Strategy<Value = (Index, Option<bool>, BTreeMap<String, &'static str>)> {
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
fn overlay() -> impl Strategy<Value = (Index, Option<String>, Option<&'static str>)> {
    (
        any::<Index>(),
        prop::option::of(memory(120)),
        prop::option::of(prop::sample::select(vec!["s3://other/", "./elsewhere"])),
    )
}

/// A valid manifest as a JSON value.
fn manifest() -> impl Strategy<Value = Value> {
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

// ---------------------------------------------------------------------------
// Loading helpers.

fn load(text: &str) -> Document {
    load_str(text, "scalable.yaml", Path::new("."), Env::default())
        .unwrap_or_else(|d| panic!("does not parse: {d:?}\n{text}"))
}

/// Validates the whole document and each target; returns the whole manifest.
fn valid(text: &str) -> Manifest {
    let doc = load(text);
    let report = doc.validate(None);
    let errors: Vec<String> = report
        .errors()
        .map(|d| render::diagnostic(d, text))
        .collect();
    assert!(errors.is_empty(), "{}\n{text}", errors.join("\n"));
    for target in doc.target_names() {
        let report = doc.validate(Some(&target));
        let errors: Vec<String> = report
            .errors()
            .map(|d| render::diagnostic(d, text))
            .collect();
        assert!(
            errors.is_empty(),
            "--target {target}:\n{}\n{text}",
            errors.join("\n")
        );
        assert!(report.manifest.is_some());
    }
    report.manifest.expect("no errors, so a manifest")
}

fn schema_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&manifest_schema()).unwrap();
    jsonschema::validator_for(&schema).expect("the manifest schema compiles")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// (1) Generated manifests validate; their canonical form reads back to
    /// the same model and digest, and satisfies the published schema.
    #[test]
    fn valid_manifests_round_trip(m in manifest()) {
        let json_text = emit_json(&m, &mut Order(None));
        let model = valid(&json_text);

        // What was written is what was read.
        let components = m["components"].as_object().unwrap();
        prop_assert_eq!(model.components.len(), components.len());
        for (name, c) in components {
            let read = &model.components[name];
            prop_assert_eq!(read.memory.text.as_str(), c["memory"].as_str().unwrap());
            prop_assert_eq!(read.cpus.0, c.get("cpus").and_then(Value::as_f64).unwrap_or(1.0));
        }
        for (name, t) in m["tasks"].as_object().unwrap() {
            prop_assert_eq!(model.tasks[name].component.as_str(), t["component"].as_str().unwrap());
        }
        for (name, t) in m["targets"].as_object().unwrap() {
            prop_assert_eq!(model.targets[name].provider().as_str(), t["provider"].as_str().unwrap());
            prop_assert_eq!(model.targets[name].overlay(), t.get("overlay").and_then(Value::as_str));
        }

        // The same manifest in block YAML reads the same.
        let block_text = emit_block(&m, &mut Order(None));
        prop_assert_eq!(&valid(&block_text), &model, "block YAML:\n{}", block_text);

        // Canonical JSON round trip.
        let canonical = canonical_json(&model);
        let again = valid(&canonical);
        prop_assert_eq!(&again, &model);
        prop_assert_eq!(canonical_json(&again), canonical.clone());
        prop_assert_eq!(digest(&again), digest(&model));

        // Tools can check the canonical form against the published schema.
        let instance: Value = serde_json::from_str(&canonical).unwrap();
        let validator = schema_validator();
        let problems: Vec<String> = validator.iter_errors(&instance).map(|e| e.to_string()).collect();
        prop_assert!(problems.is_empty(), "{:?}\n{}", problems, canonical);
    }

    /// (1) A target's overlay is applied when, and only when, that target is resolved.
    #[test]
    fn overlays_apply_to_their_targets(m in manifest()) {
        let doc = load(&emit_json(&m, &mut Order(None)));
        let overlays = m.get("overlays").and_then(Value::as_object).cloned().unwrap_or_default();
        for (name, t) in m["targets"].as_object().unwrap() {
            let resolved = doc.validate(Some(name)).manifest.expect("valid");
            prop_assert_eq!(resolved.targets.keys().collect::<Vec<_>>(), vec![name]);
            prop_assert!(resolved.overlays.is_empty());
            prop_assert_eq!(resolved.targets[name].overlay(), None);
            let overlay = t.get("overlay").and_then(Value::as_str).map(|o| &overlays[o]);
            for (c, component) in m["components"].as_object().unwrap() {
                let expected = overlay
                    .and_then(|o| o.pointer(&format!("/components/{c}/memory")))
                    .unwrap_or(&component["memory"]);
                prop_assert_eq!(resolved.components[c].memory.text.as_str(), expected.as_str().unwrap());
            }
            let storage = overlay
                .and_then(|o| o.pointer("/project/default_storage"))
                .or(m["project"].get("default_storage"))
                .and_then(Value::as_str);
            prop_assert_eq!(resolved.project.default_storage.as_deref(), storage);
        }
    }

    /// (3) The order keys are written in does not change the digest.
    #[test]
    fn key_order_does_not_change_the_digest(m in manifest(), seed in 1u64..) {
        let sorted = valid(&emit_json(&m, &mut Order(None)));
        let expected = digest(&sorted);
        for text in [
            emit_json(&m, &mut Order(Some(seed))),
            emit_block(&m, &mut Order(Some(seed))),
            emit_block(&m, &mut Order(Some(seed.rotate_left(17) | 1))),
        ] {
            let shuffled = valid(&text);
            prop_assert_eq!(digest(&shuffled), expected.clone(), "{}", text);
            prop_assert_eq!(canonical_json(&shuffled), canonical_json(&sorted));
        }
    }
}

/// The schema's `Memory` definition on its own, to check strings against.
fn memory_schema_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&manifest_schema()).unwrap();
    jsonschema::validator_for(&schema["$defs"]["Memory"]).expect("the Memory schema compiles")
}

/// Memory sizes near the edges of the syntax: every unit spelling, with and
/// without a sign or fraction, doubled letters (`1BB`, `1Bi`), and noise.
fn memory_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{1,3}(\\.[0-9]{1,2})?[KMGTPkmgtpBb]?(i|iB|ib|I|B|b|BB|Bi)?",
        "[-+.0-9]{0,5}[a-zA-Z]{0,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The schema's memory pattern accepts exactly the sizes
    /// `rules::parse_memory` reads without a sign.
    #[test]
    fn the_schema_memory_pattern_is_parse_memory(memory in memory_text()) {
        let parses = scalable_manifest::rules::parse_memory(&memory).is_ok()
            && !memory.starts_with('-');
        let matches = memory_schema_validator().is_valid(&Value::from(memory.as_str()));
        prop_assert_eq!(matches, parses, "`{}`", memory);
    }

    /// Every memory size the validator accepts is one the published schema
    /// accepts, and the validator agrees with `rules::parse_memory`.
    #[test]
    fn accepted_memory_sizes_satisfy_the_schema(memory in memory_text()) {
        let text = format!(
            "version: 1\nproject: {{name: d}}\ntargets: {{l: {{provider: local}}}}\n\
             components: {{c: {{memory: {}}}}}\ntasks: {{t: {{component: c}}}}\n",
            Value::from(memory.as_str())
        );
        let report = load(&text).validate(None);
        let accepted = matches!(scalable_manifest::rules::parse_memory(&memory), Ok(b) if b >= 1.0);
        prop_assert_eq!(report.manifest.is_some(), accepted, "{:?}", report.diagnostics);
        if let Some(m) = report.manifest {
            prop_assert_eq!(m.components["c"].memory.text.as_str(), memory.as_str());
            let instance: Value = serde_json::from_str(&canonical_json(&m)).unwrap();
            let problems: Vec<String> =
                schema_validator().iter_errors(&instance).map(|e| e.to_string()).collect();
            prop_assert!(problems.is_empty(), "`{}` is accepted but the schema says {:?}", memory, problems);
        } else {
            let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code.as_str()).collect();
            prop_assert!(
                codes == ["E_BAD_MEMORY"] || codes == ["E_NONPOSITIVE_MEMORY"],
                "`{}`: {:?}", memory, codes
            );
        }
    }
}

#[test]
fn shuffling_really_reorders_keys() {
    // Guards property (3) against a shuffle that does nothing.
    let v = json!({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6});
    let sorted = emit_json(&v, &mut Order(None));
    assert_eq!(
        sorted,
        r#"{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6}"#
    );
    let shuffled: Vec<String> = (1..20u64)
        .map(|seed| emit_json(&v, &mut Order(Some(seed))))
        .collect();
    assert!(shuffled.iter().any(|s| *s != sorted));
}

#[test]
fn example_digest_ignores_key_order_and_style() {
    // The example, reordered and partly in flow style, is the same manifest.
    let reordered = EXAMPLE
        .replace(
            "version: 1\n",
            "",
        )
        .replace(
            "project:\n  name: demeter-lulcc\n  default_storage: ./outputs/demeter\n  local_cache: ./.scalable/cache\n",
            "project: {local_cache: ./.scalable/cache, default_storage: ./outputs/demeter, name: demeter-lulcc}\n",
        )
        + "version: 1\n";
    assert_ne!(reordered, EXAMPLE);
    assert_eq!(digest(&valid(&reordered)), digest(&valid(EXAMPLE)));
}

// ---------------------------------------------------------------------------
// (2) Overlay merge laws on YAML trees.

fn pos() -> Pos {
    Pos {
        line: 1,
        column: 1,
        len: 1,
    }
}

fn scalar_node() -> impl Strategy<Value = Node> {
    (
        prop_oneof![
            "[a-z0-9]{0,4}",
            Just("true".to_string()),
            Just("~".to_string())
        ],
        any::<bool>(),
        1usize..50,
    )
        .prop_map(|(text, plain, line)| Node {
            kind: Kind::Scalar(Scalar {
                text,
                plain,
                secret: false,
                broken: false,
            }),
            pos: Pos {
                line,
                column: 1,
                len: 1,
            },
        })
}

fn map_node(entries: BTreeMap<String, Node>, line: usize) -> Node {
    Node {
        kind: Kind::Map(Arc::new(
            entries
                .into_iter()
                .map(|(k, v)| (Node::string(k, true, pos()), v))
                .collect(),
        )),
        pos: Pos {
            line,
            column: 1,
            len: 1,
        },
    }
}

/// YAML trees; keys come from a small set so base and overlay share many.
fn tree() -> impl Strategy<Value = Node> {
    scalar_node().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            (
                prop::collection::btree_map("[a-e]", inner.clone(), 0..5),
                1usize..50
            )
                .prop_map(|(entries, line)| map_node(entries, line)),
            prop::collection::vec(inner, 0..4).prop_map(|items| Node {
                kind: Kind::Seq(Arc::new(items)),
                pos: pos(),
            }),
        ]
    })
}

fn map_tree() -> impl Strategy<Value = Node> {
    (
        prop::collection::btree_map("[a-e]", tree(), 0..5),
        1usize..50,
    )
        .prop_map(|(entries, line)| map_node(entries, line))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn merging_an_empty_mapping_is_identity(x in map_tree()) {
        let empty = Node::empty_map(pos());
        prop_assert_eq!(merge(&x, &empty).to_json(), x.to_json());
        // And onto an empty mapping, the overlay is what you get.
        prop_assert_eq!(merge(&empty, &x).to_json(), x.to_json());
    }

    #[test]
    fn merging_is_idempotent(x in tree(), o in tree()) {
        let once = merge(&x, &o);
        prop_assert_eq!(merge(&once, &o).to_json(), once.to_json());
        prop_assert_eq!(merge(&x, &x).to_json(), x.to_json());
    }

    #[test]
    fn overlay_wins_and_nothing_is_lost(x in map_tree(), o in map_tree()) {
        let merged = merge(&x, &o).to_json();
        let (xj, oj) = (x.to_json(), o.to_json());
        let m = merged.as_object().unwrap();
        // Keys: those of the base, then the overlay's new ones.
        let mut keys: Vec<&String> = xj.as_object().unwrap().keys().collect();
        keys.extend(oj.as_object().unwrap().keys());
        keys.sort();
        keys.dedup();
        prop_assert_eq!(m.keys().collect::<Vec<_>>(), keys);
        for (k, v) in m {
            match (xj.get(k), oj.get(k)) {
                (Some(b), None) => prop_assert_eq!(v, b),
                (None, Some(ov)) => prop_assert_eq!(v, ov),
                // Only mappings merge; the overlay replaces anything else.
                (Some(b), Some(ov)) if !(b.is_object() && ov.is_object()) => prop_assert_eq!(v, ov),
                _ => {}
            }
        }
        // The merged mapping keeps the base's position (diagnostics point there).
        prop_assert_eq!(merge(&x, &o).pos, x.pos);
    }

    #[test]
    fn a_non_mapping_overlay_replaces(x in tree(), o in scalar_node()) {
        prop_assert_eq!(merge(&x, &o), o);
    }
}

// ---------------------------------------------------------------------------
// (4) Robustness: nothing panics, whatever the input.

/// Loads, validates (whole and per target), renders, and locks what it can.
fn exercise(source: &str) {
    let env = Env::from_map(BTreeMap::from([
        ("MY_TOKEN".to_string(), "tok3n".to_string()),
        ("ARTIFACT_STORAGE".to_string(), "bucket".to_string()),
        ("EMPTY".to_string(), String::new()),
    ]));
    match load_str(source, "fuzz.yaml", Path::new("."), env) {
        Ok(doc) => {
            let report = doc.validate(None);
            let _ = render::text(&report, &doc.source);
            let _ = render::json(&report);
            if let Some(m) = &report.manifest {
                let _ = digest(m);
            }
            for target in doc.target_names() {
                let report = doc.validate(Some(&target));
                let _ = render::text(&report, &doc.source);
            }
            let _ = doc.validate(Some("no-such-target"));
            let _ = doc.select_target(None, None);
        }
        Err(d) => {
            assert!(d.is_error(), "a fatal load problem is an error: {d:?}");
            let _ = render::diagnostic(&d, source);
        }
    }
}

/// Fragments that steer random text towards interesting YAML.
const TOKENS: &[&str] = &[
    "version",
    "project",
    "targets",
    "components",
    "tasks",
    "overlays",
    "provider",
    "local",
    "slurm",
    "kubernetes",
    "aws",
    "memory",
    "cpus",
    "component",
    "overlay",
    "walltime",
    "namespace",
    "mounts",
    "name",
    "16G",
    "0",
    "-1",
    "1.5",
    ": ",
    ":",
    "\n",
    "  ",
    "    ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ", ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "${MY_TOKEN}",
    "${UNSET}",
    "${EMPTY:-x}",
    "$${",
    "${",
    "\"",
    "'",
    "# c",
    "---\n",
    "...\n",
    "\t",
    "é",
    "日本",
    "~",
    "null",
    "true",
    "!!str ",
    "!custom ",
    "|\n",
    ">-\n",
    "? ",
    "%YAML 1.2\n",
    "\u{feff}",
    "\r\n",
    "\\",
    "\0",
];

fn yamlish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..80).prop_map(|t| t.concat())
}

#[derive(Debug, Clone)]
enum Edit {
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Token(Index, &'static str),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<Index>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<Index>(), prop::sample::select(TOKENS)).prop_map(|(i, t)| Edit::Token(i, t)),
    ]
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match e {
            Edit::Set(i, b) if !bytes.is_empty() => bytes[i.index(len)] = *b,
            Edit::Insert(i, b) => {
                let at = i.index(len + 1).min(bytes.len());
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Delete(i, n) if !bytes.is_empty() => {
                let at = i.index(len);
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Edit::Token(i, t) => {
                let at = i.index(len + 1).min(bytes.len());
                bytes.splice(at..at, t.bytes());
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        exercise(&s);
    }

    #[test]
    fn yamlish_text_never_panics(s in yamlish()) {
        exercise(&s);
    }

    #[test]
    fn mutated_example_never_panics(edits in prop::collection::vec(edit(), 1..8)) {
        let bytes = mutate(EXAMPLE.as_bytes().to_vec(), &edits);
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_generated_manifest_never_panics(
        m in manifest(),
        edits in prop::collection::vec(edit(), 1..6),
        block_style in any::<bool>(),
    ) {
        let text = if block_style {
            emit_block(&m, &mut Order(None))
        } else {
            emit_json(&m, &mut Order(None))
        };
        exercise(&String::from_utf8_lossy(&mutate(text.into_bytes(), &edits)));
    }
}

#[test]
fn hostile_shapes_are_refused_not_crashed() {
    let deep_flow = "[".repeat(100_000);
    let deep_block: String = (0..2_000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let many_aliases = format!(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: [{}]\n",
        vec!["*a"; 200_000].join(", ")
    );
    let long_line = format!("project: {{name: {}}}\n", "x".repeat(1_000_000));
    let too_big = "#".repeat(9 * 1024 * 1024);
    for (what, source, code) in [
        ("deep flow nesting", deep_flow.as_str(), Some("E_LIMIT")),
        ("deep block nesting", deep_block.as_str(), Some("E_LIMIT")),
        ("many aliases", many_aliases.as_str(), Some("E_LIMIT")),
        ("a long line", long_line.as_str(), None),
        ("an oversized file", too_big.as_str(), Some("E_LIMIT")),
    ] {
        let start = std::time::Instant::now();
        exercise(source);
        let result = load_str(source, "x.yaml", Path::new("."), Env::default());
        if let Some(code) = code {
            let d = result.expect_err(what);
            assert_eq!(d.code.as_str(), code, "{what}: {d:?}");
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "{what} took {:?}",
            start.elapsed()
        );
    }
}

//! `migrate` on the tutorial's manifest and three fixtures: every ordered
//! pair of providers gives a manifest that validates with no errors; a
//! Slurm → Kubernetes → Slurm round trip keeps components, tasks and sizes;
//! the same input gives the same bytes.

mod support;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use scalable_ai::migrate::{self, Options};
use scalable_manifest::{Env, Manifest, Provider, load_str};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The tutorial's manifest and the migrate fixtures.
fn inputs() -> Vec<PathBuf> {
    let mut files = vec![root().join("docs/examples/scalable.demeter.yaml")];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/migrate");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    fixtures.sort();
    files.extend(fixtures);
    files
}

fn load(path: &Path) -> scalable_manifest::Document {
    let text = std::fs::read_to_string(path).unwrap();
    load_str(
        &text,
        &path.display().to_string(),
        Path::new("."),
        Env::default(),
    )
    .unwrap()
}

fn options(to: Provider) -> Options {
    Options {
        to,
        from_target: None,
        target_name: None,
    }
}

/// The generated text validated on its own: no errors, as a whole and for the new target.
fn validated(text: &str, target: &str) -> Manifest {
    let doc = load_str(text, "migrated.yaml", Path::new("."), Env::default()).unwrap();
    for t in [None, Some(target)] {
        let report = doc.validate(t);
        let errors: Vec<String> = report
            .errors()
            .map(|d| format!("{} {}: {}", d.code, d.path, d.message))
            .collect();
        assert!(errors.is_empty(), "{t:?}: {errors:?}\n{text}");
    }
    doc.validate(None).manifest.unwrap()
}

#[test]
fn every_source_target_to_every_provider_validates() {
    let mut pairs = 0;
    for file in inputs() {
        let doc = load(&file);
        for from in doc.target_names() {
            for &to in Provider::ALL {
                let opts = Options {
                    from_target: Some(from.clone()),
                    ..options(to)
                };
                let m = migrate::migrate(&doc, &opts)
                    .unwrap_or_else(|e| panic!("{} {from} → {to:?}: {e}", file.display()));
                assert_eq!(m.from_target, from);
                assert_eq!(m.to_provider, to);
                let manifest = validated(&m.migrated_yaml, &m.to_target);
                assert_eq!(manifest.targets.len(), 1);
                assert_eq!(manifest.targets[&m.to_target].provider(), to);
                pairs += 1;
            }
        }
    }
    // Four sources of the example (local, slurm twice, aws) and one per fixture.
    assert_eq!(pairs, (4 + 3) * 5);
}

#[test]
fn every_provider_pair_is_covered_by_the_inputs() {
    let mut seen = std::collections::BTreeSet::new();
    for file in inputs() {
        let doc = load(&file);
        for &to in Provider::ALL {
            let m = migrate::migrate(&doc, &options(to)).unwrap();
            validated(&m.migrated_yaml, &m.to_target);
            // Migrating the result again covers (to → every provider).
            let again =
                load_str(&m.migrated_yaml, "m.yaml", Path::new("."), Env::default()).unwrap();
            for &next in Provider::ALL {
                let m2 = migrate::migrate(&again, &options(next)).unwrap();
                validated(&m2.migrated_yaml, &m2.to_target);
                seen.insert((to, next));
            }
        }
    }
    assert_eq!(seen.len(), 25);
}

#[test]
fn slurm_to_kubernetes_and_back_keeps_components_tasks_and_sizes() {
    let doc = load(&root().join("docs/examples/scalable.demeter.yaml"));
    let original = doc.validate(None).manifest.unwrap();
    let k8s = migrate::migrate(&doc, &options(Provider::Kubernetes)).unwrap();
    assert_eq!(
        (k8s.from_target.as_str(), k8s.to_target.as_str()),
        ("hpc", "k8s")
    );
    let k8s_doc = load_str(
        &k8s.migrated_yaml,
        "k8s.yaml",
        Path::new("."),
        Env::default(),
    )
    .unwrap();
    let back = migrate::migrate(&k8s_doc, &options(Provider::Slurm)).unwrap();
    assert_eq!(back.to_target, "hpc");
    let back = validated(&back.migrated_yaml, "hpc");
    assert_eq!(back.tasks, original.tasks);
    let sizes = |m: &Manifest| -> Vec<(String, f64, u64, Vec<String>)> {
        m.components
            .iter()
            .map(|(n, c)| (n.clone(), c.cpus.0, c.memory.bytes, c.tags.clone()))
            .collect()
    };
    assert_eq!(sizes(&back), sizes(&original));
    // The data mount comes back as a bind mount at the same container path.
    assert_eq!(
        back.components["demeter"]
            .mounts
            .values()
            .collect::<Vec<_>>(),
        ["/data"]
    );
    assert_eq!(
        back.components["demeter"].env,
        original.components["demeter"].env
    );
}

#[test]
fn tutorial_shape_and_determinism() {
    let doc = load(&root().join("docs/examples/scalable.demeter.yaml"));
    let a = migrate::migrate(&doc, &options(Provider::Kubernetes)).unwrap();
    let b = migrate::migrate(&doc, &options(Provider::Kubernetes)).unwrap();
    let text = migrate::render::text(&a);
    assert_eq!(text, migrate::render::text(&b));
    assert!(
        text.starts_with("Migration: slurm → kubernetes\n══"),
        "{text}"
    );
    assert_eq!(a.changes[0].title, "Target 'hpc' → new target 'k8s'");
    assert_eq!(
        a.changes[0].items,
        [
            "Remove: queue, account, walltime, interface, container_runtime",
            "Add: namespace, image, adaptive"
        ]
    );
    assert!(a.migrated_yaml.contains("claimName: demeter-data-pvc"));
    assert!(a.migrated_yaml.contains("  k8s-fine-resolution:\n"));
    let m = validated(&a.migrated_yaml, "k8s");
    assert!(m.overlays.contains_key("k8s-fine-resolution"));
}

#[test]
fn kubernetes_names_fargate_sizes_and_ec2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/migrate");
    let aws = load(&dir.join("aws-fargate.yaml"));
    let k8s = migrate::migrate(&aws, &options(Provider::Kubernetes)).unwrap();
    let m = validated(&k8s.migrated_yaml, "k8s");
    assert!(
        m.components.contains_key("xanthos-run"),
        "{}",
        k8s.migrated_yaml
    );
    assert_eq!(m.tasks["run_xanthos"].component, "xanthos-run");
    assert_eq!(m.targets["k8s"].provider(), Provider::Kubernetes);
    assert!(k8s.migrated_yaml.contains("namespace: xanthos-water"));

    // 3 CPUs and 5G round up to Fargate's 4 vCPU / 8 GiB, and the change says so.
    let local = load(&dir.join("local.yaml"));
    let to_aws = migrate::migrate(&aws, &options(Provider::Aws)).unwrap();
    let sized = validated(&to_aws.migrated_yaml, &to_aws.to_target);
    assert_eq!(sized.components["Xanthos_Run"].cpus.0, 4.0);
    assert_eq!(sized.components["Xanthos_Run"].memory.text, "8G");
    assert!(to_aws.changes.iter().any(|c| c.kind == "resources"));

    // 20 CPUs and 150G fit no Fargate size: the target becomes EC2, sizes kept.
    let big = migrate::migrate(&local, &options(Provider::Aws)).unwrap();
    assert!(
        big.migrated_yaml.contains("cluster_type: ec2"),
        "{}",
        big.migrated_yaml
    );
    let big = validated(&big.migrated_yaml, "aws");
    assert_eq!(big.components["gcam"].memory.text, "150G");
}

#[test]
fn errors_name_what_is_wrong() {
    let doc = load(&root().join("docs/examples/scalable.demeter.yaml"));
    let e = migrate::migrate(
        &doc,
        &Options {
            from_target: Some("hcp".into()),
            ..options(Provider::Gcp)
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_UNKNOWN_TARGET");
    assert!(e.hint().contains("did you mean `hpc`?"), "{}", e.hint());
    let e = migrate::migrate(
        &doc,
        &Options {
            target_name: Some("bad name".into()),
            ..options(Provider::Gcp)
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_MIGRATE_TARGET_NAME");
    assert_eq!(
        migrate::parse_provider("k8s").unwrap_err().code(),
        "E_UNKNOWN_PROVIDER"
    );
    let invalid = load_str(
        "version: 1\nproject: {name: p}\ntargets: {t: {provider: slurm}}\ncomponents: {c: {memory: lots}}\ntasks: {}\n",
        "bad.yaml",
        Path::new("."),
        Env::default(),
    )
    .unwrap();
    let e = migrate::migrate(&invalid, &options(Provider::Local)).unwrap_err();
    assert_eq!(e.code(), "E_BAD_MEMORY");
}

#[test]
fn writes_only_where_asked_and_never_over_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("scalable.yaml");
    let source =
        std::fs::read_to_string(root().join("docs/examples/scalable.demeter.yaml")).unwrap();
    std::fs::write(&input, &source).unwrap();
    let mut m = migrate::migrate_file(&input, &options(Provider::Kubernetes)).unwrap();
    let e = migrate::write(&mut m, &input, &input, true).unwrap_err();
    assert_eq!(e.code(), "E_MIGRATE_OUTPUT_IS_INPUT");
    let out = dir.path().join("scalable.k8s.yaml");
    migrate::write(&mut m, &out, &input, false).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), m.migrated_yaml);
    let e = migrate::write(&mut m, &out, &input, false).unwrap_err();
    assert_eq!(e.code(), "E_MIGRATE_OUTPUT_EXISTS");
    migrate::write(&mut m, &out, &input, true).unwrap();
    assert_eq!(std::fs::read_to_string(&input).unwrap(), source);
}

/// A manifest with one target of `from` and components of arbitrary names
/// and sizes.
fn manifest_text(from: Provider, components: &[(String, u32, u32)]) -> String {
    let mut text = format!(
        "version: 1\nproject: {{name: Prop_Test}}\ntargets:\n  src:\n    provider: {}\ncomponents:\n",
        from.as_str()
    );
    for (name, cpus, mem) in components {
        text.push_str(&format!(
            "  {name}:\n    cpus: {cpus}\n    memory: {mem}M\n    mounts: {{./data_{cpus}: /data}}\n"
        ));
    }
    text.push_str("tasks:\n");
    for (i, (name, ..)) in components.iter().enumerate() {
        text.push_str(&format!("  t{i}: {{component: {name}}}\n"));
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the names and sizes, the migrated manifest validates.
    #[test]
    fn migrations_of_generated_manifests_validate(
        from in 0usize..5,
        to in 0usize..5,
        components in prop::collection::btree_map("[A-Za-z][A-Za-z0-9_]{0,12}", (1u32..24, 64u32..200_000), 1..5),
    ) {
        let components: Vec<(String, u32, u32)> =
            components.into_iter().map(|(n, (c, m))| (n, c, m)).collect();
        let text = manifest_text(Provider::ALL[from], &components);
        let doc = load_str(&text, "p.yaml", Path::new("."), Env::default()).unwrap();
        prop_assume!(doc.validate(None).ok());
        let m = migrate::migrate(&doc, &options(Provider::ALL[to]))
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        validated(&m.migrated_yaml, &m.to_target);
    }
}

/// An OpenAI reply whose content is `content` (a JSON value).
fn openai_reply(content: &serde_json::Value) -> String {
    serde_json::json!({"choices": [{"message": {"role": "assistant", "content": content.to_string()}}]})
        .to_string()
}

#[test]
fn llm_mode_keeps_a_manifest_that_validates_and_keeps_components_and_tasks() {
    let doc = load(&root().join("docs/examples/scalable.demeter.yaml"));
    let heuristic = migrate::migrate(&doc, &options(Provider::Kubernetes)).unwrap();
    let good = serde_json::json!({
        "migrated_yaml": heuristic.migrated_yaml.replace("maximum: 20", "maximum: 10"),
        "notes": ["Create the demeter-data-pvc claim before the first run."],
    });
    let (base, _) = support::serve(vec![support::ok(&openai_reply(&good))]);
    let m = migrate::llm::enrich(
        heuristic.clone(),
        &doc,
        &support::config("openai", &base, "10"),
    );
    assert_eq!(m.fallback, None, "{:?}", m.fallback);
    assert_eq!(m.mode, "llm:openai/gpt-4");
    assert!(m.migrated_yaml.contains("maximum: 10"));
    assert_eq!(
        m.notes,
        ["Create the demeter-data-pvc claim before the first run."]
    );

    let dropped = heuristic.migrated_yaml.replace(
        "  postprocess:\n    cpus: 2\n    memory: 8G\n    tags: [lulcc, aggregation]\n",
        "",
    );
    assert_ne!(dropped, heuristic.migrated_yaml);
    for (reply, why) in [
        (
            serde_json::json!({"migrated_yaml": "version: 2\n", "notes": []}),
            "does not validate",
        ),
        (
            serde_json::json!({"migrated_yaml": heuristic.migrated_yaml.replacen("targets:\n", "targets:\n  laptop:\n    provider: local\n", 1), "notes": []}),
            "not one `kubernetes` target",
        ),
        (
            serde_json::json!({"notes": ["Budget 4096 GiB of storage."]}),
            "figures the manifest does not hold (4096)",
        ),
        (
            serde_json::json!({"migrated_yaml": dropped, "notes": []}),
            "does not validate",
        ),
    ] {
        let (base, _) = support::serve(vec![support::ok(&openai_reply(&reply))]);
        let m = migrate::llm::enrich(
            heuristic.clone(),
            &doc,
            &support::config("openai", &base, "10"),
        );
        let fallback = m.fallback.clone().expect("fell back");
        assert!(fallback.contains(why), "{fallback}");
        assert_eq!(m.migrated_yaml, heuristic.migrated_yaml);
        assert_eq!(m.mode, "heuristic");
    }
}

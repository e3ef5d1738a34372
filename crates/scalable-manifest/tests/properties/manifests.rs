//! (1) and (3): generated manifests validate, round-trip, and digest the same in any key order.

use super::*;

pub(crate) fn load(text: &str) -> Document {
    load_str(text, "scalable.yaml", Path::new("."), Env::default())
        .unwrap_or_else(|d| panic!("does not parse: {d:?}\n{text}"))
}

/// Validates the whole document and each target; returns the whole manifest.
pub(crate) fn valid(text: &str) -> Manifest {
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

pub(crate) fn schema_validator() -> jsonschema::Validator {
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
pub(crate) fn memory_schema_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&manifest_schema()).unwrap();
    jsonschema::validator_for(&schema["$defs"]["Memory"]).expect("the Memory schema compiles")
}

/// Memory sizes near the edges of the syntax: every unit spelling, with and
/// without a sign or fraction, doubled letters (`1BB`, `1Bi`), and noise.
pub(crate) fn memory_text() -> impl Strategy<Value = String> {
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
pub(crate) fn shuffling_really_reorders_keys() {
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
pub(crate) fn example_digest_ignores_key_order_and_style() {
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

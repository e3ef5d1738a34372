//! `compose` over the corpus in tests/compose_corpus/corpus.toml: each
//! description's understood intent and generated code are snapshotted, its
//! structure checked against the corpus, and its manifest additions
//! validated alone (no manifest) and merged into the example manifest.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scalable_ai::compose::{self, Composition, Options};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Corpus {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    description: String,
    models: Vec<String>,
    stages: Vec<String>,
    variable: Option<String>,
    values: Option<Vec<String>>,
    functions: usize,
    tags: Vec<String>,
    #[serde(default)]
    outputs: Vec<String>,
    #[serde(default = "yes")]
    parallel: bool,
}

fn yes() -> bool {
    true
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> Vec<Case> {
    let text = std::fs::read_to_string(root().join("tests/compose_corpus/corpus.toml"))
        .expect("the corpus reads");
    toml::from_str::<Corpus>(&text)
        .expect("the corpus parses")
        .case
}

/// Compose in isolation: no manifest unless given, no ./capabilities.
fn compose_with(description: &str, manifest: Option<PathBuf>) -> Composition {
    let options = Options {
        manifest,
        default_manifest: false,
        capabilities: root().join("tests/compose_corpus/no-capabilities"),
        ..Options::new(description)
    };
    compose::compose(&options).expect("composes")
}

#[test]
fn corpus_has_30_descriptions() {
    assert!(corpus().len() >= 30, "{}", corpus().len());
}

#[test]
fn corpus_structure_and_snapshots() {
    let example = root().join("docs/examples/scalable.demeter.yaml");
    let mut failures = Vec::new();
    for case in corpus() {
        let c = compose_with(&case.description, None);
        let i = &c.intent;
        let models: Vec<&str> = i.models.iter().map(|m| m.key.as_str()).collect();
        let stages: Vec<&str> = i.stages.iter().map(|s| s.as_str()).collect();
        let mut check = |what: &str, ok: bool, got: String| {
            if !ok {
                failures.push(format!("{}: {what}: got {got}", case.name));
            }
        };
        check("models", models == case.models, format!("{models:?}"));
        let mut all_stages = stages.clone();
        for f in &c.functions {
            let s = f.stage.as_str();
            if !all_stages.contains(&s) {
                all_stages.push(s);
            }
        }
        let mut want: Vec<&str> = case.stages.iter().map(String::as_str).collect();
        want.sort_by_key(|s| {
            ["prepare", "run", "plot", "aggregate", "report"]
                .iter()
                .position(|x| x == s)
        });
        all_stages.sort_by_key(|s| {
            ["prepare", "run", "plot", "aggregate", "report"]
                .iter()
                .position(|x| x == s)
        });
        check("stages", all_stages == want, format!("{all_stages:?}"));
        check(
            "variable",
            i.fanout.as_ref().map(|f| f.variable.clone()) == case.variable,
            format!("{:?}", i.fanout.as_ref().map(|f| &f.variable)),
        );
        if let Some(values) = &case.values {
            let got = i
                .fanout
                .as_ref()
                .map(|f| f.values.clone())
                .unwrap_or_default();
            check("values", &got == values, format!("{got:?}"));
        }
        check(
            "functions",
            c.functions.len() == case.functions,
            format!("{}", c.functions.len()),
        );
        let tags: BTreeSet<&str> = c.functions.iter().map(|f| f.tag.as_str()).collect();
        let want_tags: BTreeSet<&str> = case.tags.iter().map(String::as_str).collect();
        check("tags", tags == want_tags, format!("{tags:?}"));
        let outputs: Vec<String> = i.outputs.iter().map(|o| format!("{o:?}")).collect();
        let mut want_outputs = case.outputs.clone();
        want_outputs.sort_by_key(|o| {
            ["NetCDF", "CSV", "PDF", "JSON", "PNG"]
                .iter()
                .position(|x| x == o)
        });
        check("outputs", outputs == want_outputs, format!("{outputs:?}"));
        if i.fanout.is_some() {
            check(
                "parallel",
                i.parallel == case.parallel,
                format!("{}", i.parallel),
            );
        }
        check(
            "validates alone",
            c.validation_errors.is_empty(),
            format!("{:?}", c.validation_errors),
        );
        if !c.workflow_code.is_empty() {
            for f in &c.functions {
                check(
                    "tag in the additions",
                    c.manifest_additions.contains(&format!("  {}:\n", f.tag)),
                    f.tag.clone(),
                );
            }
            let merged = compose_with(&case.description, Some(example.clone()));
            check(
                "validates merged into the example",
                merged.validation_errors.is_empty(),
                format!("{:?}", merged.validation_errors),
            );
        }
        let snapshot = format!(
            "{}\n\n{}\n----- understood -----\n{}\n----- notes -----\n{}\n----- workflow.py -----\n{}----- additions -----\n{}",
            case.description,
            serde_json::to_string_pretty(&c.intent).unwrap(),
            c.understood.join("\n"),
            c.notes.join("\n"),
            c.workflow_code,
            c.manifest_additions
        );
        insta::assert_snapshot!(case.name.clone(), snapshot);
    }
    assert!(
        failures.is_empty(),
        "corpus mismatches:\n{}",
        failures.join("\n")
    );
}

#[test]
fn deterministic() {
    let a = compose_with(&corpus()[0].description, None);
    let b = compose_with(&corpus()[0].description, None);
    assert_eq!(a, b);
}

#[test]
fn merged_into_the_example_adds_nothing_for_the_canonical_pipeline() {
    let c = compose_with(
        &corpus()[0].description,
        Some(root().join("docs/examples/scalable.demeter.yaml")),
    );
    assert!(
        c.manifest_additions.contains("Nothing to add"),
        "{}",
        c.manifest_additions
    );
    assert!(c.validation_errors.is_empty());
}

#[test]
fn a_megabyte_is_read_in_part_and_answered() {
    let big = "Run Demeter for SSP1-5 then aggregate ".repeat(30_000);
    assert!(big.len() > 1_000_000);
    let started = std::time::Instant::now();
    let c = compose_with(&big, None);
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert!(c.intent.truncated);
    assert!(c.understood.iter().any(|l| l.starts_with("Only the first")));
    assert_eq!(c.functions.len(), 3);
}

#[test]
fn gibberish_says_what_was_not_understood() {
    let c = compose_with("florp zibble quux", None);
    assert!(c.workflow_code.is_empty());
    assert_eq!(c.confidence, "low");
    assert!(
        c.understood
            .contains(&"Not understood: florp, zibble, quux".to_string()),
        "{:?}",
        c.understood
    );
    assert!(c.notes.iter().any(|n| n.starts_with("Name a model to run")));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Any text: no panic, a bounded answer, code only with a model.
        #[test]
        fn any_description(text in ".{0,400}") {
            let c = compose_with(&text, None);
            prop_assert!(c.intent.not_understood.len() <= 20);
            prop_assert!(c.understood.len() <= 12);
            prop_assert_eq!(c.workflow_code.is_empty(), c.intent.models.is_empty());
            if let Some(f) = &c.intent.fanout {
                prop_assert!(f.values.len() <= 1000);
            }
            prop_assert!(c.validation_errors.is_empty(), "{:?}", c.validation_errors);
        }

        /// Known words in any order and with noise: still no panic, and every
        /// submitted tag is declared by the additions.
        #[test]
        fn shuffled_keywords(words in proptest::collection::vec(prop_oneof![
            Just("run"), Just("Demeter"), Just("GCAM"), Just("Hector"), Just("Tethys"), Just("then"),
            Just("SSP1-5"), Just("ssp2"), Just("to"), Just("2020"), Just("2100"), Just("every"),
            Just("10"), Just("years"), Just("each"), Just("basin"), Just("sweep"), Just("ecs"),
            Just("from"), Just("0.5"), Just("aggregate"), Just("plot"), Just("PDF"), Just("report"),
            Just("NetCDF"), Just(","), Just("and"), Just("sequentially"), Just("-"), Just("members"),
        ], 0..30)) {
            let text = words.join(" ");
            let c = compose_with(&text, None);
            for f in &c.functions {
                let declared = format!("  {}:\n", f.tag);
                prop_assert!(c.manifest_additions.contains(&declared), "{} {}", f.tag, text);
            }
            prop_assert!(c.validation_errors.is_empty(), "{:?}", c.validation_errors);
        }
    }
}

//! The JSON Schema (`scalable schema manifest`) describes the canonical
//! manifest: what Scalable accepts passes it, what Scalable refuses for its
//! shape fails it.

use std::path::Path;

use scalable_manifest::{Env, Manifest, canonical_json, load_str, manifest_schema};
use serde_json::{Value, json};

const EXAMPLE: &str = include_str!("../../../docs/examples/scalable.demeter.yaml");

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&manifest_schema()).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn example(target: Option<&str>) -> Manifest {
    let doc = load_str(
        EXAMPLE,
        "scalable.demeter.yaml",
        Path::new("."),
        Env::default(),
    )
    .expect("the example parses");
    let report = doc.validate(target);
    report
        .manifest
        .unwrap_or_else(|| panic!("the example is valid: {:?}", report.diagnostics))
}

fn canonical(target: Option<&str>) -> Value {
    serde_json::from_str(&canonical_json(&example(target))).expect("canonical JSON parses")
}

/// Schema errors as `instance path: message`.
fn problems(instance: &Value) -> Vec<String> {
    validator()
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn schema_is_draft_2020_12() {
    let schema: Value = serde_json::from_str(&manifest_schema()).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["additionalProperties"], false);
    let mut required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort();
    assert_eq!(
        required,
        ["components", "project", "targets", "tasks", "version"]
    );
}

#[test]
fn canonical_example_satisfies_the_schema() {
    let whole = canonical(None);
    assert_eq!(problems(&whole), Vec::<String>::new());
    // Resolved for each target, too.
    for target in ["local", "hpc", "hpc-fine", "aws"] {
        let resolved = canonical(Some(target));
        assert_eq!(
            problems(&resolved),
            Vec::<String>::new(),
            "--target {target}"
        );
    }
}

/// The canonical example with `edit` applied must fail the schema at `at`.
fn refused(edit: impl FnOnce(&mut Value), at: &str) {
    let mut instance = canonical(None);
    edit(&mut instance);
    let found = problems(&instance);
    assert!(
        found.iter().any(|p| p.starts_with(&format!("{at}:"))),
        "expected a problem at `{at}`, found {found:?}"
    );
}

#[test]
fn unknown_keys_fail() {
    refused(|m| m["colour"] = json!("blue"), "");
    refused(
        |m| m["components"]["demeter"]["memroy"] = json!("16G"),
        "/components/demeter",
    );
    refused(|m| m["project"]["owner"] = json!("jgcri"), "/project");
    refused(
        |m| m["tasks"]["run_demeter_scenario"]["retries"] = json!(3),
        "/tasks/run_demeter_scenario",
    );
    // An option of another provider.
    refused(
        |m| m["targets"]["local"]["queue"] = json!("short"),
        "/targets/local",
    );
    refused(
        |m| m["targets"]["aws"]["adaptive"]["step"] = json!(2),
        "/targets/aws",
    );
}

#[test]
fn wrong_values_fail() {
    refused(|m| m["version"] = json!(2), "/version");
    refused(
        |m| m["targets"]["hpc"]["provider"] = json!("pbs"),
        "/targets/hpc",
    );
    refused(
        |m| m["components"]["demeter"]["memory"] = json!("16 GB"),
        "/components/demeter/memory",
    );
    refused(
        |m| m["components"]["demeter"]["memory"] = json!(16),
        "/components/demeter/memory",
    );
    refused(
        |m| m["components"]["demeter"]["cpus"] = json!(0),
        "/components/demeter/cpus",
    );
    refused(
        |m| m["components"]["demeter"]["runtime"] = json!("podman"),
        "/components/demeter/runtime",
    );
    refused(
        |m| m["tasks"]["run_demeter_scenario"]["outputs"]["output_dir"] = json!("folder"),
        "/tasks/run_demeter_scenario/outputs/output_dir",
    );
    refused(
        |m| m["tasks"]["run_demeter_scenario"]["cache"] = json!("yes"),
        "/tasks/run_demeter_scenario/cache",
    );
    refused(
        |m| m["targets"]["aws"]["cluster_type"] = json!("spot"),
        "/targets/aws",
    );
}

#[test]
fn missing_required_keys_fail() {
    refused(
        |m| {
            m.as_object_mut().unwrap().remove("tasks");
        },
        "",
    );
    refused(
        |m| {
            m["project"].as_object_mut().unwrap().remove("name");
        },
        "/project",
    );
    refused(
        |m| {
            m["components"]["demeter"]
                .as_object_mut()
                .unwrap()
                .remove("memory");
        },
        "/components/demeter",
    );
    refused(
        |m| {
            m["tasks"]["run_demeter_scenario"]
                .as_object_mut()
                .unwrap()
                .remove("component");
        },
        "/tasks/run_demeter_scenario",
    );
    refused(
        |m| {
            m["targets"]["hpc"]
                .as_object_mut()
                .unwrap()
                .remove("provider");
        },
        "/targets/hpc",
    );
}

#[test]
fn the_schema_accepts_every_documented_memory_unit() {
    for memory in [
        "512M", "16G", "1Ti", "1.5GiB", "500MB", "2T", "64g", "1024K",
    ] {
        let mut m = canonical(None);
        m["components"]["demeter"]["memory"] = json!(memory);
        assert_eq!(problems(&m), Vec::<String>::new(), "{memory}");
    }
}

#[test]
fn the_schema_refuses_memory_units_the_checker_refuses() {
    for memory in ["1Bi", "1BB", "1BiB", "1bb", "1Bib"] {
        let mut m = canonical(None);
        m["components"]["demeter"]["memory"] = json!(memory);
        assert!(
            problems(&m)
                .iter()
                .any(|p| p.starts_with("/components/demeter/memory:")),
            "the schema accepts `{memory}`"
        );
        assert!(
            scalable_manifest::rules::parse_memory(memory).is_err(),
            "{memory}"
        );
    }
}

#[test]
fn cpus_is_optional_and_any_positive_number() {
    // The checker defaults `cpus` to 1 and takes any number above 0.
    let source = EXAMPLE.replacen("    cpus: 4\n", "", 1);
    assert_ne!(source, EXAMPLE);
    let doc = load_str(&source, "s.yaml", Path::new("."), Env::default()).unwrap();
    assert!(doc.validate(None).ok());
    let mut m = canonical(None);
    m["components"]["demeter"]
        .as_object_mut()
        .unwrap()
        .remove("cpus");
    assert_eq!(problems(&m), Vec::<String>::new());
    let schema: Value = serde_json::from_str(&manifest_schema()).unwrap();
    assert_eq!(
        schema["$defs"]["Component"]["properties"]["cpus"]["default"],
        1
    );

    let tiny = EXAMPLE.replacen("cpus: 4", "cpus: 0.0001", 1);
    let doc = load_str(&tiny, "s.yaml", Path::new("."), Env::default()).unwrap();
    assert!(doc.validate(None).ok());
    m["components"]["demeter"]["cpus"] = json!(0.0001);
    assert_eq!(problems(&m), Vec::<String>::new());
    for refused in [json!(0), json!(-1)] {
        m["components"]["demeter"]["cpus"] = refused;
        assert!(!problems(&m).is_empty());
    }
}

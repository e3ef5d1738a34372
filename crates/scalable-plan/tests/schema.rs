//! The checked-in plan schema matches the code, and real plans satisfy it.

use std::path::Path;

use scalable_manifest::{Env, load_str};
use scalable_plan::{Machine, Request, plan_document, schema, to_json};

#[test]
fn checked_in_schema_is_current() {
    let checked_in = include_str!("../../../schemas/plan.schema.json");
    assert!(
        checked_in == schema(),
        "schemas/plan.schema.json is stale: run `make generate`"
    );
}

#[test]
fn plans_of_every_target_satisfy_the_schema() {
    let source = include_str!("../../../docs/examples/scalable.demeter.yaml");
    let doc = load_str(source, "scalable.yaml", Path::new("/p"), Env::default()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for target in ["local", "hpc", "hpc-fine", "aws"] {
        let plan = plan_document(
            &doc,
            Request::new(target),
            Machine {
                cpus: 4,
                memory_bytes: 16 << 30,
            },
            None,
        )
        .unwrap();
        let value: serde_json::Value = serde_json::from_str(&to_json(&plan)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{target}: {errors:?}");
    }
}

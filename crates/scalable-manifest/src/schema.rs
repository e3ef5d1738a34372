//! The manifest's JSON Schema, derived from the model types.

use crate::Manifest;

/// The JSON Schema (draft 2020-12) of `scalable.yaml`, pretty-printed.
pub fn manifest_schema() -> String {
    let schema = schemars::schema_for!(Manifest);
    serde_json::to_string_pretty(&schema).expect("a schema always serialises") + "\n"
}

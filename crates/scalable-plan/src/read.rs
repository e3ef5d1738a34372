//! Reading a plan file back: clear errors for missing, malformed or
//! other-version files.

use std::path::Path;

use crate::error::PlanError;
use crate::model::{PLAN_SCHEMA_VERSION, Plan};

/// Reads and checks a plan JSON file.
pub fn read(path: &Path) -> Result<Plan, PlanError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| PlanError::Io {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    from_str(&text, &shown)
}

/// Parses plan JSON; `name` labels errors.
pub fn from_str(text: &str, name: &str) -> Result<Plan, PlanError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| PlanError::Parse {
        path: name.to_string(),
        reason: e.to_string(),
    })?;
    match value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(v) if v == PLAN_SCHEMA_VERSION as u64 => {}
        Some(found) => {
            return Err(PlanError::Version {
                path: name.to_string(),
                found,
                expected: PLAN_SCHEMA_VERSION,
            });
        }
        None => {
            return Err(PlanError::Parse {
                path: name.to_string(),
                reason: "no `schema_version` field".to_string(),
            });
        }
    }
    serde_json::from_value(value).map_err(|e| PlanError::Parse {
        path: name.to_string(),
        reason: e.to_string(),
    })
}

/// The plan as pretty JSON, ending in a newline (what `plan --output` writes).
pub fn to_json(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).expect("a plan always serialises") + "\n"
}

/// The plan's JSON Schema.
pub fn schema() -> String {
    serde_json::to_string_pretty(&schemars::schema_for!(Plan)).expect("a schema always serialises")
        + "\n"
}

//! Assistants for `scalable.ai`: each returns its result as JSON, which the
//! Python wrapper turns into a small result object.

use pyo3::prelude::*;

use crate::errors::plan_error;

/// Explains plan JSON text; returns the explanation as JSON (what
/// `scalable explain --format json` prints). Raises `PlanError` for text that
/// is not a plan of this schema version.
#[pyfunction]
pub fn explain_plan_json(py: Python<'_>, plan_json: &str) -> PyResult<String> {
    let plan = scalable_plan::from_str(plan_json, "<plan>").map_err(|e| plan_error(py, &e))?;
    Ok(scalable_ai::explain::render::json(&scalable_ai::explain(
        &plan,
    )))
}

/// Explains a plan file; returns the explanation as JSON. Raises `PlanError`
/// for a file that is missing, malformed or of another schema version.
#[pyfunction]
pub fn explain_plan_file(py: Python<'_>, path: std::path::PathBuf) -> PyResult<String> {
    let plan = scalable_plan::read(&path).map_err(|e| plan_error(py, &e))?;
    Ok(scalable_ai::explain::render::json(&scalable_ai::explain(
        &plan,
    )))
}

//! Assistants for `scalable.ai`: each returns its result as JSON, which the
//! Python wrapper turns into a small result object.

use pyo3::prelude::*;

use std::path::PathBuf;

use crate::errors::{migrate_error, plan_error, run_error};
use crate::runs::root_or_default;

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

/// Diagnoses a run; returns the diagnosis as JSON (what `scalable diagnose
/// --format json` prints). The run is `run_dir`, else the run whose id (or a
/// unique part of it) is `run_id` under `root`, else the latest run under
/// `root` (None: `$SCALABLE_RUNS_DIR` or `./.scalable/runs`). Raises
/// `RunError` when there is no such run or its record cannot be read.
#[pyfunction]
#[pyo3(signature = (run_dir=None, run_id=None, root=None))]
pub fn diagnose_run_json(
    py: Python<'_>,
    run_dir: Option<PathBuf>,
    run_id: Option<String>,
    root: Option<PathBuf>,
) -> PyResult<String> {
    let root = root_or_default(root);
    py.detach(|| {
        let dir = match (run_dir, run_id) {
            (Some(dir), _) => Ok(dir),
            (None, Some(id)) => scalable_runs::find(&root, &id).map(|d| d.path().to_path_buf()),
            (None, None) => scalable_runs::latest(&root).map(|d| d.path().to_path_buf()),
        }?;
        scalable_ai::diagnose_dir(&dir).map(|d| scalable_ai::diagnose::render::json(&d))
    })
    .map_err(|e| run_error(py, &e))
}

/// Migrates the manifest at `path` to `to_provider`; returns the migration
/// as JSON (what `scalable migrate --format json` prints). Writes the
/// generated manifest only to `output` (never over `path`; an existing file
/// only with `force`). Raises `ManifestError` for a manifest that cannot be
/// read or does not validate, an unknown provider or target, or an output
/// that cannot be written.
#[pyfunction]
#[pyo3(signature = (path, to_provider, from_target=None, target_name=None, output=None, force=false))]
pub fn migrate_manifest_json(
    py: Python<'_>,
    path: PathBuf,
    to_provider: &str,
    from_target: Option<String>,
    target_name: Option<String>,
    output: Option<PathBuf>,
    force: bool,
) -> PyResult<String> {
    use scalable_ai::migrate;
    py.detach(|| {
        let options = migrate::Options {
            to: migrate::parse_provider(to_provider)?,
            from_target,
            target_name,
        };
        let mut m = migrate::migrate_file(&path, &options)?;
        if let Some(output) = &output {
            migrate::write(&mut m, output, &path, force)?;
        }
        Ok(migrate::render::json(&m))
    })
    .map_err(|e| migrate_error(py, &e))
}

//! `init-component` for `scalable.ai`: onboarding a model repository and the
//! heuristics behind it. Results cross as JSON; the Python wrapper builds
//! the result objects.

use std::path::PathBuf;

use pyo3::prelude::*;
use scalable_ai::onboard::{self, Options, render};

use crate::errors::onboard_error;

/// Analyses the model repository at `path` as component `name`; writes
/// `scalable-component.yaml` (or `output`) when `write`, and
/// `Dockerfile.scalable` first when `write_dockerfile`. Returns what
/// `scalable init-component --format json` prints. Raises `OnboardError`.
#[pyfunction]
#[pyo3(signature = (path, name, *, data_dir=None, scenarios=None, write=false, output=None, force=false, write_dockerfile=false))]
#[allow(clippy::too_many_arguments)]
pub fn onboard_component(
    py: Python<'_>,
    path: PathBuf,
    name: &str,
    data_dir: Option<PathBuf>,
    scenarios: Option<u32>,
    write: bool,
    output: Option<PathBuf>,
    force: bool,
    write_dockerfile: bool,
) -> PyResult<String> {
    let defaults = Options::new(path, name);
    let options = Options {
        data_dir,
        scenarios: scenarios.unwrap_or(defaults.scenarios),
        write,
        output,
        force,
        write_dockerfile,
        ..defaults
    };
    let result = py.detach(|| onboard::run(&options));
    result
        .map(|o| render::json(&o))
        .map_err(|e| onboard_error(py, &e))
}

/// The language of the repository at `path` as JSON (`name`, `display`,
/// `floor`, `reason`, `suggested_path`). Raises `OnboardError`.
#[pyfunction]
pub fn detect_language(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    let language = py
        .detach(|| onboard::detect_language(&path))
        .map_err(|e| onboard_error(py, &e))?;
    Ok(serde_json::to_string(&language).expect("a language serialises"))
}

/// CPUs, memory and walltime for `model_name` (a known profile, else the
/// generic default) at `input_size_mb` of input and `num_scenarios`
/// scenarios, as JSON.
#[pyfunction]
pub fn estimate_resources(model_name: &str, input_size_mb: f64, num_scenarios: u32) -> String {
    let estimate = onboard::estimate_resources(model_name, input_size_mb, num_scenarios);
    serde_json::to_string(&estimate).expect("an estimate serialises")
}

//! `compose` for `scalable.ai`: a description → workflow, manifest additions
//! and dependencies. The result crosses as JSON; the Python wrapper builds
//! the result object.

use std::path::PathBuf;

use pyo3::prelude::*;
use scalable_ai::compose::{self, Options, render};

use crate::errors::compose_error;

/// Composes the workflow `description` asks for, as `scalable compose
/// --format json` prints it. The manifest is `manifest`, else
/// `./scalable.yaml` when it exists; onboarded components are read from
/// `capabilities` (default `./capabilities`). Writes `workflow.py` and
/// `scalable.additions.yaml` into `output_dir` when `write`. Raises
/// `ComposeError`.
#[pyfunction]
#[pyo3(signature = (description, *, manifest=None, capabilities=None, output_dir=None, write=false, force=false, include_docs=None))]
#[allow(clippy::too_many_arguments)]
pub fn compose_workflow_json(
    py: Python<'_>,
    description: &str,
    manifest: Option<PathBuf>,
    capabilities: Option<PathBuf>,
    output_dir: Option<PathBuf>,
    write: bool,
    force: bool,
    include_docs: Option<PathBuf>,
) -> PyResult<String> {
    let defaults = Options::new(description);
    let options = Options {
        manifest,
        capabilities: capabilities.unwrap_or(defaults.capabilities.clone()),
        output_dir: output_dir.unwrap_or(defaults.output_dir.clone()),
        write,
        force,
        include_docs,
        ..defaults
    };
    let result = py.detach(|| compose::run(&options));
    result
        .map(|c| render::json(&c))
        .map_err(|e| compose_error(py, &e))
}

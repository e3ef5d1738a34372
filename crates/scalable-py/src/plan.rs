//! Plans as Python objects.

use pyo3::prelude::*;

use crate::errors::{manifest_error, plan_error};
use crate::manifest::Manifest;

/// A resolved execution plan (see docs/planning.md for every field).
#[pyclass(frozen, module = "scalable._core")]
pub struct Plan {
    plan: scalable_plan::Plan,
}

fn from_json(py: Python<'_>, text: String) -> PyResult<Py<PyAny>> {
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

fn value_to_py<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    from_json(
        py,
        serde_json::to_string(value).expect("plan parts always serialise"),
    )
}

#[pymethods]
impl Plan {
    /// Reads a plan JSON file; raises `PlanError` if missing, malformed or of another version.
    #[staticmethod]
    fn read(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Plan> {
        scalable_plan::read(&path)
            .map(|plan| Plan { plan })
            .map_err(|e| plan_error(py, &e))
    }

    /// Parses plan JSON text.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Plan> {
        scalable_plan::from_str(text, "<plan>")
            .map(|plan| Plan { plan })
            .map_err(|e| plan_error(py, &e))
    }

    /// The plan as the JSON `scalable plan --format json` prints (byte-identical).
    fn to_json(&self) -> String {
        scalable_plan::to_json(&self.plan)
    }

    /// The readable summary `scalable plan` prints.
    fn to_text(&self) -> String {
        scalable_plan::render::text(&self.plan)
    }

    /// The provider artifacts `scalable plan --emit` writes, file name to
    /// text (empty for `local` and `gcp`). Launchers build from these so a
    /// launched cluster and the emitted files cannot drift apart.
    fn artifacts(&self) -> std::collections::BTreeMap<String, String> {
        scalable_plan::emit::emit(&self.plan)
            .into_iter()
            .map(|a| (a.path, a.contents))
            .collect()
    }

    /// `sha256:` digest of the canonical manifest, or None when it cannot be locked.
    #[getter]
    fn manifest_lock(&self) -> Option<String> {
        self.plan.manifest_lock.clone()
    }

    /// The project's name.
    #[getter]
    fn project(&self) -> String {
        self.plan.project.clone()
    }

    /// The target planned for.
    #[getter]
    fn target(&self) -> String {
        self.plan.target.clone()
    }

    /// The provider's name.
    #[getter]
    fn provider(&self) -> String {
        self.plan.provider.name.clone()
    }

    /// The cost estimate as a dict.
    #[getter]
    fn cost(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        value_to_py(py, &self.plan.cost)
    }

    /// The worker groups as a list of dicts.
    #[getter]
    fn worker_groups(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        value_to_py(py, &self.plan.worker_groups)
    }

    /// The expected duration as a dict (`hours`, `basis`, `detail`).
    #[getter]
    fn duration(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        value_to_py(py, &self.plan.duration)
    }

    /// Warnings as a list of dicts (`code`, `group`, `message`).
    #[getter]
    fn warnings(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        value_to_py(py, &self.plan.warnings)
    }

    fn __repr__(&self) -> String {
        format!(
            "Plan(project={:?}, target={:?}, provider={:?})",
            self.plan.project, self.plan.target, self.plan.provider.name
        )
    }
}

/// Plans `manifest` for `target`; raises `ManifestError` when it is invalid
/// for that target and `PlanError` when it cannot be planned.
#[pyfunction]
#[pyo3(signature = (manifest, target, objective="balance", policy="manual", scenarios=None))]
pub fn plan_manifest(
    py: Python<'_>,
    manifest: &Manifest,
    target: &str,
    objective: &str,
    policy: &str,
    scenarios: Option<u32>,
) -> PyResult<Plan> {
    let bad = |what: &str, value: &str, allowed: &str| {
        pyo3::exceptions::PyValueError::new_err(format!(
            "`{value}` is not a planning {what}; use {allowed}"
        ))
    };
    let objective = scalable_plan::Objective::parse(objective)
        .ok_or_else(|| bad("objective", objective, "cost, time or balance"))?;
    let policy = scalable_plan::Policy::parse(policy)
        .ok_or_else(|| bad("policy", policy, "safe, aggressive or manual"))?;
    let request = scalable_plan::Request {
        objective,
        policy,
        scenarios,
        ..scalable_plan::Request::new(target)
    };
    match scalable_plan::plan_document(
        manifest.document(),
        request,
        scalable_plan::Machine::detect(),
        scalable_cli::run_history(manifest.document(), target),
    ) {
        Ok(plan) => Ok(Plan { plan }),
        Err(scalable_plan::Failure::Invalid(report)) => Err(manifest_error(
            py,
            report
                .errors()
                .next()
                .expect("an invalid report has an error"),
        )),
        Err(scalable_plan::Failure::Plan(e)) => Err(plan_error(py, &e)),
    }
}

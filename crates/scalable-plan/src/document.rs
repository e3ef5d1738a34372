//! Planning straight from a loaded manifest file: validate for the target,
//! resolve, lock, plan. The CLI and the Python API both call this.

use scalable_manifest::{Document, Report, digest};

use crate::error::PlanError;
use crate::model::{Machine, Plan};
use crate::request::{Context, History, Request};

/// Why planning a document stopped.
#[derive(Debug)]
pub enum Failure {
    /// The manifest is invalid for the target: the report says why.
    Invalid(Box<Report>),
    /// The manifest is valid but cannot be planned.
    Plan(PlanError),
}

/// Validates `doc` for `request.target` and plans it on `machine`.
pub fn plan_document(
    doc: &Document,
    mut request: Request,
    machine: Machine,
    history: Option<History>,
) -> Result<Plan, Failure> {
    let report = doc.validate(Some(&request.target));
    let Some(manifest) = &report.manifest else {
        return Err(Failure::Invalid(Box::new(report)));
    };
    request.overlay = doc.target_overlay(&request.target);
    // A manifest named without a directory lives in the working directory.
    let dir = if doc.dir.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        doc.dir.as_path()
    };
    let manifest_dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let ctx = Context {
        machine,
        manifest_dir,
        manifest_lock: doc.validate(None).manifest.as_ref().map(digest),
        history,
    };
    crate::planner::plan(manifest, &request, &ctx).map_err(Failure::Plan)
}

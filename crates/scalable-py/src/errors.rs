//! Python exceptions mirroring the library's error kinds. Each carries the
//! diagnostic's fields (`code`, `path`, `file`, `line`, `column`, `message`,
//! `hint`) so callers never parse a message string.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    scalable._core,
    ScalableError,
    PyException,
    "Base class of every error Scalable raises."
);
create_exception!(
    scalable._core,
    ManifestError,
    ScalableError,
    "A manifest that cannot be read or parsed, or a target that cannot be chosen."
);

create_exception!(
    scalable._core,
    PlanError,
    ScalableError,
    "A plan that cannot be made, or a plan file that is missing, malformed or of another schema version."
);

create_exception!(
    scalable._core,
    RunError,
    ScalableError,
    "A run record that cannot be created, found, read or written, or an event it refuses."
);

create_exception!(
    scalable._core,
    LaunchError,
    ScalableError,
    "A cluster that cannot be launched: a missing package, missing credentials, an option the provider cannot honour, or the provider refusing a request."
);

create_exception!(
    scalable._core,
    CacheError,
    ScalableError,
    "A cache that cannot be opened, read or written, an input that cannot be hashed, or an entry that cannot be found."
);

/// A `CacheError` carrying `code`, `message` and `hint`.
pub fn cache_error(py: Python<'_>, e: &scalable_cache::CacheError) -> PyErr {
    coded(
        py,
        CacheError::new_err(format!("[{}] {e}", e.code())),
        e.code(),
        e,
        e.hint(),
    )
}

create_exception!(
    scalable._core,
    OnboardError,
    ScalableError,
    "A model repository that cannot be analysed, or a file it cannot write."
);

/// An `OnboardError` carrying `code`, `message` and `hint`.
pub fn onboard_error(py: Python<'_>, e: &scalable_ai::OnboardError) -> PyErr {
    coded(
        py,
        OnboardError::new_err(format!("[{}] {e}", e.code())),
        e.code(),
        e,
        e.hint(),
    )
}

create_exception!(
    scalable._core,
    ComposeError,
    ScalableError,
    "A workflow that cannot be composed: an unusable manifest, a missing `include_docs` path, or a file it cannot write."
);

/// A `ComposeError` carrying `code`, `message` and `hint`.
pub fn compose_error(py: Python<'_>, e: &scalable_ai::ComposeError) -> PyErr {
    coded(
        py,
        ComposeError::new_err(format!("[{}] {e}", e.code())),
        e.code(),
        e,
        e.hint(),
    )
}

/// A `RunError` carrying `code`, `message` and `hint`.
pub fn run_error(py: Python<'_>, e: &scalable_runs::RunsError) -> PyErr {
    coded(
        py,
        RunError::new_err(format!("[{}] {e}", e.code())),
        e.code(),
        e,
        e.hint(),
    )
}

/// A `PlanError` carrying `code` and `hint`.
pub fn plan_error(py: Python<'_>, e: &scalable_plan::PlanError) -> PyErr {
    coded(
        py,
        PlanError::new_err(format!("[{}] {e}", e.code())),
        e.code(),
        e,
        e.hint(),
    )
}

/// `err` with the `code`, `message` and `hint` attributes every coded error has.
fn coded(
    py: Python<'_>,
    err: PyErr,
    code: &str,
    message: &impl std::fmt::Display,
    hint: impl for<'py> IntoPyObject<'py>,
) -> PyErr {
    let value = err.value(py);
    // Setting plain attributes on a fresh exception instance cannot fail.
    let _ = value.setattr("code", code);
    let _ = value.setattr("message", message.to_string());
    let _ = value.setattr("hint", hint);
    err
}

/// A `ManifestError` carrying the diagnostic's fields as attributes.
pub fn manifest_error(py: Python<'_>, d: &scalable_manifest::Diagnostic) -> PyErr {
    let text = if d.line > 0 {
        format!(
            "{}:{}:{}: [{}] {}",
            d.file, d.line, d.column, d.code, d.message
        )
    } else {
        format!("{}: [{}] {}", d.file, d.code, d.message)
    };
    let err = ManifestError::new_err(text);
    let value = err.value(py);
    // Setting plain attributes on a fresh exception instance cannot fail.
    let _ = value.setattr("code", d.code.as_str());
    let _ = value.setattr("path", &d.path);
    let _ = value.setattr("file", &d.file);
    let _ = value.setattr("line", d.line);
    let _ = value.setattr("column", d.column);
    let _ = value.setattr("message", &d.message);
    let _ = value.setattr("hint", d.hint.as_deref());
    err
}

/// A `ManifestError` for a migration that cannot be made or written: the
/// manifest's own diagnostic when there is one (for an invalid manifest, its
/// first error), else `code`, `message` and `hint`.
pub fn migrate_error(py: Python<'_>, e: &scalable_ai::MigrateError) -> PyErr {
    use scalable_ai::MigrateError;
    match e {
        MigrateError::Manifest(d) => manifest_error(py, d),
        MigrateError::Invalid(report) => match report.errors().next() {
            Some(d) => manifest_error(py, d),
            None => coded(
                py,
                ManifestError::new_err(e.to_string()),
                e.code(),
                e,
                e.hint(),
            ),
        },
        MigrateError::Usage { .. } | MigrateError::Generated(_) => coded(
            py,
            ManifestError::new_err(format!("[{}] {e}", e.code())),
            e.code(),
            e,
            e.hint(),
        ),
    }
}

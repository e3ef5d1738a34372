//! Manifest documents, validation reports and diagnostics as Python objects.

use pyo3::prelude::*;

use crate::errors::manifest_error;

/// One validation problem.
#[pyclass(frozen, get_all, module = "scalable._core")]
#[derive(Clone)]
pub struct Diagnostic {
    /// Stable code, e.g. `E_BAD_MEMORY`.
    code: String,
    /// `error` or `warning`.
    severity: String,
    /// Dotted path, e.g. `components.demeter.memory`.
    path: String,
    /// The manifest file.
    file: String,
    /// 1-based line (0 when the problem has no position).
    line: usize,
    /// 1-based column.
    column: usize,
    /// What is wrong.
    message: String,
    /// What to do about it.
    hint: Option<String>,
}

#[pymethods]
impl Diagnostic {
    fn __repr__(&self) -> String {
        format!(
            "Diagnostic(code={:?}, path={:?}, line={}, column={}, message={:?})",
            self.code, self.path, self.line, self.column, self.message
        )
    }
}

impl From<&scalable_manifest::Diagnostic> for Diagnostic {
    fn from(d: &scalable_manifest::Diagnostic) -> Self {
        Diagnostic {
            code: d.code.as_str().to_string(),
            severity: match d.severity {
                scalable_manifest::Severity::Error => "error",
                scalable_manifest::Severity::Warning => "warning",
            }
            .to_string(),
            path: d.path.clone(),
            file: d.file.clone(),
            line: d.line,
            column: d.column,
            message: d.message.clone(),
            hint: d.hint.clone(),
        }
    }
}

/// The outcome of validating a manifest.
#[pyclass(frozen, module = "scalable._core")]
pub struct ValidationReport {
    report: scalable_manifest::Report,
    source: String,
}

#[pymethods]
impl ValidationReport {
    /// True when there are no errors (warnings allowed).
    #[getter]
    fn ok(&self) -> bool {
        self.report.ok()
    }

    /// The errors, sorted by position.
    #[getter]
    fn errors(&self) -> Vec<Diagnostic> {
        self.report.errors().map(Diagnostic::from).collect()
    }

    /// The warnings, sorted by position.
    #[getter]
    fn warnings(&self) -> Vec<Diagnostic> {
        self.report.warnings().map(Diagnostic::from).collect()
    }

    /// The file validated.
    #[getter]
    fn file(&self) -> String {
        self.report.file.clone()
    }

    /// The compiler-style text `scalable validate` prints.
    fn to_text(&self) -> String {
        scalable_manifest::render::text(&self.report, &self.source)
    }

    /// The JSON `scalable validate --format json` prints.
    fn to_json(&self) -> String {
        scalable_manifest::render::json(&self.report)
    }

    /// The validated manifest as compact JSON with keys sorted, or None when
    /// invalid. Secrets are masked as `***`, as `scalable show` prints them:
    /// values of secret-named variables, and values under secret-named keys.
    fn manifest_json(&self) -> Option<String> {
        self.report
            .manifest
            .as_ref()
            .map(|m| m.redacted_json().to_string())
    }

    fn __bool__(&self) -> bool {
        self.report.ok()
    }

    fn __repr__(&self) -> String {
        format!(
            "ValidationReport(ok={}, errors={}, warnings={})",
            self.report.ok(),
            self.report.errors().count(),
            self.report.warnings().count()
        )
    }
}

/// A parsed manifest file.
#[pyclass(frozen, module = "scalable._core")]
pub struct Manifest {
    doc: scalable_manifest::Document,
}

impl Manifest {
    /// The parsed document, for other bindings.
    pub fn document(&self) -> &scalable_manifest::Document {
        &self.doc
    }
}

#[pymethods]
impl Manifest {
    /// Reads and parses `path`, then deep-merges each overlay file in
    /// `overlays` onto it (later files win; a target's own overlay still
    /// applies last); raises `ManifestError` when a file cannot be read or an
    /// overlay file is not a valid overlay (its first error).
    #[staticmethod]
    #[pyo3(signature = (path, overlays=Vec::new()))]
    fn load(
        py: Python<'_>,
        path: std::path::PathBuf,
        overlays: Vec<std::path::PathBuf>,
    ) -> PyResult<Manifest> {
        let mut doc = scalable_manifest::load(&path).map_err(|d| manifest_error(py, &d))?;
        for file in &overlays {
            doc = doc.with_overlay_file(file).map_err(|e| match e {
                scalable_manifest::OverlayFileError::Load(d) => manifest_error(py, &d),
                scalable_manifest::OverlayFileError::Invalid { report, .. } => {
                    match report.errors().next() {
                        Some(d) => manifest_error(py, d),
                        None => pyo3::exceptions::PyValueError::new_err(format!(
                            "`{}` is not a valid overlay file",
                            file.display()
                        )),
                    }
                }
            })?;
        }
        Ok(Manifest { doc })
    }

    /// The overlay files applied when loading, in order.
    #[getter]
    fn overlay_files(&self) -> Vec<String> {
        self.doc.overlay_files().to_vec()
    }

    /// The file as named when loading.
    #[getter]
    fn file(&self) -> String {
        self.doc.file.clone()
    }

    /// Target names in file order.
    #[getter]
    fn target_names(&self) -> Vec<String> {
        self.doc.target_names()
    }

    /// Validates the whole manifest, or as `target` resolves it.
    #[pyo3(signature = (target=None))]
    fn validate(&self, target: Option<&str>) -> ValidationReport {
        ValidationReport {
            report: self.doc.validate(target),
            source: self.doc.source.clone(),
        }
    }

    /// Chooses a target: `explicit`, else `from_env`, else the only one, else
    /// `local`; raises `ManifestError` naming the targets when none fits.
    #[pyo3(signature = (explicit=None, from_env=None))]
    fn select_target(
        &self,
        py: Python<'_>,
        explicit: Option<&str>,
        from_env: Option<&str>,
    ) -> PyResult<Option<String>> {
        self.doc
            .select_target(explicit, from_env)
            .map_err(|d| manifest_error(py, &d))
    }

    /// The `sha256:` lock digest of the whole manifest; raises when invalid.
    fn lock_digest(&self, py: Python<'_>) -> PyResult<String> {
        let report = self.doc.validate(None);
        match &report.manifest {
            Some(m) => Ok(scalable_manifest::digest(m)),
            None => Err(manifest_error(
                py,
                report.errors().next().expect("invalid means an error"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ValidationReport;

    #[test]
    fn manifest_json_masks_secrets_as_show_does() {
        let source = "version: 1\nproject: {name: p}\ntargets: {local: {provider: local}}\n\
            components: {c: {memory: 1G, env: {API: \"${MY_API_KEY}\", DB_PASSWORD: in-file, \
            PLAIN: \"${MY_PLAIN}\"}}}\ntasks: {t: {component: c}}\n";
        let env = scalable_manifest::Env::from_map(
            [("MY_API_KEY", "sk-abc123"), ("MY_PLAIN", "visible")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        let doc =
            scalable_manifest::load_str(source, "s.yaml", std::path::Path::new("."), env).unwrap();
        let report = ValidationReport {
            report: doc.validate(None),
            source: source.to_string(),
        };
        let json = report.manifest_json().expect("valid");
        for secret in ["sk-abc123", "in-file"] {
            assert!(!json.contains(secret), "{secret} leaked: {json}");
        }
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let manifest = report.report.manifest.as_ref().unwrap();
        assert_eq!(value, manifest.redacted_json());
        assert_eq!(value["components"]["c"]["env"]["API"], "***");
        assert_eq!(value["components"]["c"]["env"]["PLAIN"], "visible");
    }
}

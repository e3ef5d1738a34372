//! Run records as Python objects: the recorder the session feeds, and the
//! reports. Events cross as JSON text; the GIL is released while they are
//! written.

use std::path::PathBuf;

use pyo3::prelude::*;
use scalable_runs::{NewRun, Recorder, Report, RunStatus, Stream};

use crate::errors::run_error;

fn stream(py: Python<'_>, name: &str) -> PyResult<Stream> {
    Stream::parse(name).ok_or_else(|| {
        run_error(
            py,
            &scalable_runs::RunsError::UnknownStream(name.to_owned()),
        )
    })
}

/// `root` relative to the working directory, else the default runs directory.
pub(crate) fn root_or_default(root: Option<PathBuf>) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    match root {
        Some(root) => cwd.join(root),
        None => scalable_runs::runs_root(&cwd),
    }
}

/// The recorder of one run: appends events to its JSONL streams and closes it
/// with an honest final status (see docs/telemetry.md).
#[pyclass(frozen, module = "scalable._core")]
pub struct RunRecorder {
    inner: Recorder,
}

#[pymethods]
impl RunRecorder {
    /// Opens a new run under `root` (None: `$SCALABLE_RUNS_DIR` or
    /// `./.scalable/runs`) and writes `run.json` with status `running`.
    #[staticmethod]
    #[pyo3(signature = (root, project, manifest_text, plan_json, lock, argv))]
    fn create(
        py: Python<'_>,
        root: Option<PathBuf>,
        project: &str,
        manifest_text: &str,
        plan_json: &str,
        lock: Option<&str>,
        argv: Vec<String>,
    ) -> PyResult<RunRecorder> {
        let root = root_or_default(root);
        let new = NewRun {
            project,
            manifest_text,
            plan_json,
            lock,
            argv: &argv,
        };
        py.detach(|| Recorder::create(&root, &new))
            .map(|inner| RunRecorder { inner })
            .map_err(|e| run_error(py, &e))
    }

    /// Joins an existing run (e.g. `$SCALABLE_RUN_DIR`, opened by `scalable run`).
    #[staticmethod]
    fn open(py: Python<'_>, run_dir: PathBuf) -> PyResult<RunRecorder> {
        Recorder::open(&run_dir)
            .map(|inner| RunRecorder { inner })
            .map_err(|e| run_error(py, &e))
    }

    /// The run directory.
    #[getter]
    fn run_dir(&self) -> String {
        self.inner.dir().path().display().to_string()
    }

    /// The run id (the directory's name).
    #[getter]
    fn run_id(&self) -> String {
        self.inner.dir().id().to_owned()
    }

    /// Records one event (a JSON object) on `stream` (`tasks`, `workers`,
    /// `failures`, `cache`, `artifacts`, `cost` or `resources`).
    fn record(&self, py: Python<'_>, stream: &str, event_json: &str) -> PyResult<()> {
        let s = self::stream(py, stream)?;
        py.detach(|| self.inner.record_json(s, event_json))
            .map_err(|e| run_error(py, &e))
    }

    /// Records a batch of events on `stream`; if one is invalid, none is written.
    fn record_many(&self, py: Python<'_>, stream: &str, events: Vec<String>) -> PyResult<()> {
        let s = self::stream(py, stream)?;
        py.detach(|| self.inner.record_many(s, &events))
            .map_err(|e| run_error(py, &e))
    }

    /// Closes the run: the honest final status from the task events, the
    /// requested `status` (`succeeded`, `failed`, `interrupted` or None) and
    /// the workflow's `exit_code`; writes `run.json` and `summary.json` and
    /// returns the status.
    #[pyo3(signature = (status=None, exit_code=None))]
    fn close(
        &self,
        py: Python<'_>,
        status: Option<&str>,
        exit_code: Option<i32>,
    ) -> PyResult<String> {
        let requested = match status {
            None => None,
            Some(name) => match RunStatus::parse(name) {
                Some(s) if s != RunStatus::Running => Some(s),
                _ => {
                    return Err(run_error(
                        py,
                        &scalable_runs::RunsError::BadStatus(name.to_owned()),
                    ));
                }
            },
        };
        py.detach(|| self.inner.close(requested, exit_code))
            .map(|s| s.as_str().to_owned())
            .map_err(|e| run_error(py, &e))
    }

    fn __repr__(&self) -> String {
        format!(
            "RunRecorder({:?})",
            self.inner.dir().path().display().to_string()
        )
    }
}

fn load(py: Python<'_>, run_dir: PathBuf) -> PyResult<Report> {
    py.detach(|| Report::load(&run_dir))
        .map_err(|e| run_error(py, &e))
}

/// The text report of a run (what `scalable report` prints).
#[pyfunction]
pub fn report_text(py: Python<'_>, run_dir: PathBuf) -> PyResult<String> {
    Ok(load(py, run_dir)?.text())
}

/// The summary of a run as JSON (the shape of `summary.json`).
#[pyfunction]
pub fn report_json(py: Python<'_>, run_dir: PathBuf) -> PyResult<String> {
    Ok(load(py, run_dir)?.json())
}

/// Writes the self-contained HTML report of a run to `output` (default:
/// `RUN_DIR/report.html`) and returns its path.
#[pyfunction]
#[pyo3(signature = (run_dir, output=None))]
pub fn report_html(py: Python<'_>, run_dir: PathBuf, output: Option<PathBuf>) -> PyResult<String> {
    let report = load(py, run_dir)?;
    let path =
        output.unwrap_or_else(|| report.run.dir.file(scalable_runs::layout::REPORT_HTML_FILE));
    py.detach(|| std::fs::write(&path, report.html()))
        .map_err(|e| {
            run_error(
                py,
                &scalable_runs::RunsError::Io {
                    action: "write",
                    path: path.clone(),
                    source: e,
                },
            )
        })?;
    Ok(path.display().to_string())
}

/// The most recent run under `root` (None: `$SCALABLE_RUNS_DIR` or
/// `./.scalable/runs`), or None when there is none.
#[pyfunction]
#[pyo3(signature = (root=None))]
pub fn latest_run(py: Python<'_>, root: Option<PathBuf>) -> PyResult<Option<String>> {
    let root = root_or_default(root);
    match scalable_runs::latest(&root) {
        Ok(dir) => Ok(Some(dir.path().display().to_string())),
        Err(scalable_runs::RunsError::NoRuns(_)) => Ok(None),
        Err(e) => Err(run_error(py, &e)),
    }
}

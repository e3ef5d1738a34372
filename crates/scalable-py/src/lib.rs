//! `scalable._core`: the private extension module. It converts between Python
//! and the library crates and maps their errors onto Python exceptions; it
//! decides nothing itself.

mod ai;
mod cache;
mod compose;
mod errors;
mod manifest;
mod onboard;
mod plan;
mod runs;

use pyo3::prelude::*;

/// mimalloc: parsing and checking a large manifest allocates many small nodes,
/// and glibc's allocator measured 10–15% slower on them (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The module Python imports as `scalable._core`.
#[pymodule]
mod _core {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::ai::{
        diagnose_run_json, explain_plan_file, explain_plan_json, migrate_manifest_json,
    };
    #[pymodule_export]
    use crate::cache::{
        CacheCall, CacheFunction, blake3_hex, cache_evict, cache_hash_dir, cache_hash_file,
    };
    #[pymodule_export]
    use crate::compose::compose_workflow_json;
    #[pymodule_export]
    use crate::errors::ComposeError;
    #[pymodule_export]
    use crate::errors::{CacheError, LaunchError, OnboardError, RunError};
    #[pymodule_export]
    use crate::errors::{ManifestError, PlanError, ScalableError};
    #[pymodule_export]
    use crate::manifest::{Diagnostic, Manifest, ValidationReport};
    #[pymodule_export]
    use crate::onboard::{detect_language, estimate_resources, onboard_component};
    #[pymodule_export]
    use crate::plan::{Plan, plan_manifest};
    #[pymodule_export]
    use crate::runs::{RunRecorder, latest_run, report_html, report_json, report_text};

    #[pymodule_export]
    use super::{cli_main, is_secret_name, manifest_schema, parse_dotenv};

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}

/// Runs the `scalable` command line with `argv` (program name first) and
/// returns its exit code. The GIL is released while it runs.
#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> i32 {
    // Only the console script calls this, as the whole program.
    scalable_cli::restore_sigpipe();
    py.detach(|| scalable_cli::run(argv))
}

/// Parses the text of a `.env` file into its variables.
#[pyfunction]
fn parse_dotenv(text: &str) -> std::collections::BTreeMap<String, String> {
    scalable_manifest::parse_dotenv(text)
}

/// Whether a variable's value must never be shown (its name holds KEY, TOKEN,
/// SECRET or PASSWORD).
#[pyfunction]
fn is_secret_name(name: &str) -> bool {
    scalable_manifest::is_secret_name(name)
}

/// The JSON Schema of `scalable.yaml`.
#[pyfunction]
fn manifest_schema() -> String {
    scalable_manifest::manifest_schema()
}

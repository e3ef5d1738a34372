//! The `scalable.yaml` manifest: YAML parsed with positions, `${VAR}`
//! expansion, overlays, validation that reports every problem with a code,
//! a dotted path, a line:column and a hint, the lock, and the JSON Schema.
//!
//! ```
//! use scalable_manifest::{Env, load_str};
//! let doc = load_str("version: 1\nproject: {name: demo}\ntargets: {local: {provider: local}}\n\
//!                     components: {model: {cpus: 2, memory: 4G}}\ntasks: {run: {component: model}}\n",
//!                    "scalable.yaml", std::path::Path::new("."), Env::default()).unwrap();
//! let report = doc.validate(None);
//! assert!(report.ok());
//! ```

mod atomic;
mod check;
mod diagnostic;
mod document;
mod env;
mod expand;
mod lock;
mod model;
mod overlay;
mod overlay_file;
mod path;
pub mod render;
pub mod rules;
mod schema;
pub mod yaml;

pub use atomic::write as write_atomic;
pub use check::{OVERLAY_KEYS, PROVIDER_KEYS, TOP_KEYS};
pub use diagnostic::{Code, Diagnostic, Severity, did_you_mean};
pub use document::{Document, Report, default_limits, load, load_str};
pub use env::{Env, is_secret_name, parse_dotenv};
pub use lock::{LOCK_FILE, Lock, canonical_json, digest};
pub use model::*;
pub use overlay::merge;
pub use overlay_file::OverlayFileError;
pub use schema::manifest_schema;

//! Assistants: deterministic heuristics that read a plan (`explain`), a
//! model repository (`onboard`, behind `init-component`) or a run record
//! (`diagnose`) and say something useful about it, or port a manifest to
//! another provider (`migrate`). Heuristic mode is the default and the
//! fallback; an LLM mode will enrich its results, never replace them.

pub mod compose;
pub mod diagnose;
pub mod explain;
pub mod llm;
pub mod migrate;
pub mod onboard;

pub use compose::{ComposeError, Composition};
pub use diagnose::{Diagnosis, Finding, diagnose, diagnose_dir};
pub use explain::{Explanation, Risk, explain};
pub use migrate::{MigrateError, Migration, migrate, migrate_file};
pub use onboard::{OnboardError, Onboarding, estimate_resources};

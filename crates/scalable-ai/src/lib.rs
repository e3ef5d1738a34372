//! Assistants: deterministic heuristics that read a plan, a manifest or a
//! run record and say something useful about it. Heuristic mode is the default and the
//! fallback; an LLM mode will enrich its results, never replace them.

pub mod diagnose;
pub mod explain;

pub use diagnose::{Diagnosis, Finding, diagnose, diagnose_dir};
pub use explain::{Explanation, Risk, explain};

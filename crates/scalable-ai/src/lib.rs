//! Assistants: deterministic heuristics that read a plan (or a manifest) and
//! say something useful about it. Heuristic mode is the default and the
//! fallback; an LLM mode will enrich its results, never replace them.

pub mod explain;

pub use explain::{Explanation, Risk, explain};

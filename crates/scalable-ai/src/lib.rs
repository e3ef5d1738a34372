//! Assistants: deterministic heuristics that read a plan (`explain`) or a
//! model repository (`onboard`, behind `init-component`) and say something
//! useful about it. Heuristic mode is the default and the
//! fallback; an LLM mode will enrich its results, never replace them.

pub mod explain;
pub mod onboard;

pub use explain::{Explanation, Risk, explain};
pub use onboard::{OnboardError, Onboarding, estimate_resources};

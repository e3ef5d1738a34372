//! The stages a description asks for, from keywords. `run` is implied by a
//! model; `prepare` is also implied when a model reads one configuration
//! file per run and the runs fan out (see `generate`).

use serde::{Deserialize, Serialize};

use super::words::Word;

/// One stage of a pipeline, in the order a pipeline runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Write one configuration per run.
    Prepare,
    /// Run the model(s).
    Run,
    /// Post-process or plot each run's outputs.
    Plot,
    /// Collect every run into one summary.
    Aggregate,
    /// Build one document from everything.
    Report,
}

impl Stage {
    /// The stage's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Prepare => "prepare",
            Stage::Run => "run",
            Stage::Plot => "plot",
            Stage::Aggregate => "aggregate",
            Stage::Report => "report",
        }
    }
}

/// The keywords of each stage (besides `run`, which a model implies).
pub const RULES: &[(Stage, &[&str])] = &[
    (
        Stage::Prepare,
        &[
            "prepare",
            "preprocess",
            "pre-process",
            "preprocessing",
            "pre-processing",
            "configure",
            "config",
            "configs",
            "configuration",
            "configurations",
            "setup",
        ],
    ),
    (
        Stage::Plot,
        &[
            "plot",
            "plots",
            "plotting",
            "plotter",
            "visualise",
            "visualize",
            "visualisation",
            "visualization",
            "figure",
            "figures",
            "map",
            "maps",
            "chart",
            "charts",
            "post-process",
            "postprocess",
            "post-processor",
            "postprocessor",
            "post-processing",
            "postprocessing",
            "draw",
        ],
    ),
    (
        Stage::Aggregate,
        &[
            "aggregate",
            "aggregates",
            "aggregated",
            "aggregation",
            "combine",
            "collect",
            "merge",
            "summarise",
            "summarize",
            "summary",
            "summaries",
            "table",
            "tabulate",
            "gather",
        ],
    ),
    (
        Stage::Report,
        &[
            "report",
            "reports",
            "pdf",
            "document",
            "multi-page",
            "multipage",
        ],
    ),
];

/// Verbs that say "run the model" in other words; understood, no stage of
/// their own.
pub const RUN_WORDS: &[&str] = &[
    "downscale",
    "downscaling",
    "emulate",
    "emulation",
    "simulate",
    "simulation",
    "simulations",
    "execute",
    "compute",
    "build",
    "write",
    "produce",
    "generate",
    "compare",
    "comparing",
    "comparison",
];

/// The stages named in `words`, sorted; `run` when `has_model`.
pub fn find(words: &[Word], used: &mut [bool], has_model: bool) -> Vec<Stage> {
    let mut stages = Vec::new();
    if has_model {
        stages.push(Stage::Run);
    }
    for (i, word) in words.iter().enumerate() {
        for (stage, keys) in RULES {
            if keys.contains(&word.text.as_str()) {
                used[i] = true;
                if !stages.contains(stage) {
                    stages.push(*stage);
                }
            }
        }
        if RUN_WORDS.contains(&word.text.as_str()) {
            used[i] = true;
        }
    }
    stages.sort();
    stages
}

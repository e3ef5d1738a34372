//! What a description asks for, read by small keyword rules over its words
//! (one module per question): `models`, `stages`, `fanout`, `outputs`, and
//! parallel or sequential here. Every word a rule uses is marked, so the
//! rest can be reported as not understood.

pub mod fanout;
pub mod models;
pub mod outputs;
pub mod stages;
pub mod words;

use serde::{Deserialize, Serialize};

pub use fanout::{FanOut, ValueType};
pub use models::ModelIntent;
pub use outputs::OutputKind;
pub use stages::Stage;

use super::catalog::Catalog;

/// Words that ask for one run after another instead of all at once.
pub const SEQUENTIAL: &[&str] = &[
    "sequentially",
    "sequential",
    "serially",
    "serial",
    "sequence",
    "series",
    "another",
    "turn",
];

/// Words that ask for runs at the same time (the default when runs fan out).
pub const PARALLEL: &[&str] = &[
    "parallel",
    "concurrently",
    "concurrent",
    "simultaneously",
    "parallelly",
    "fan-out",
    "fan",
    "distributed",
];

/// At most this many words are listed as not understood.
pub const MAX_UNKNOWN: usize = 20;

/// The parsed description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// The models to run, in order (a chain when more than one).
    pub models: Vec<ModelIntent>,
    /// Models named only as the source of data (`GCAM` in "GCAM land allocations").
    pub inputs: Vec<String>,
    /// The stages, in pipeline order.
    pub stages: Vec<Stage>,
    /// What the runs fan out over.
    pub fanout: Option<FanOut>,
    /// Runs at the same time (`true`) or one after another.
    pub parallel: bool,
    /// The output formats named.
    pub outputs: Vec<OutputKind>,
    /// Words no rule used (stopwords aside), at most [`MAX_UNKNOWN`].
    pub not_understood: Vec<String>,
    /// How many more words were not understood than are listed.
    pub more_not_understood: usize,
    /// Whether only the first [`words::MAX_BYTES`] bytes were read.
    pub truncated: bool,
}

impl Intent {
    /// Whether the description named the stage.
    pub fn has(&self, stage: Stage) -> bool {
        self.stages.contains(&stage)
    }
}

/// Parses `description` against the models in `catalog`.
pub fn parse(description: &str, catalog: &Catalog) -> Intent {
    let (words, truncated) = words::split(description);
    let mut used = vec![false; words.len()];
    let (models, inputs) = models::find(&words, &mut used, catalog);
    let stages = stages::find(&words, &mut used, !models.is_empty());
    let (scenarios, display): (Vec<&str>, String) = match models.first() {
        Some(m) => (
            catalog
                .models
                .iter()
                .find(|c| c.key == m.key)
                .and_then(|c| c.known)
                .map(|k| k.scenarios.to_vec())
                .unwrap_or_default(),
            m.display.clone(),
        ),
        None => (Vec::new(), String::new()),
    };
    let fanout = fanout::find(&words, &mut used, &scenarios, &display);
    let outputs = outputs::find(&words, &mut used);
    let mut sequential = false;
    for (i, w) in words.iter().enumerate() {
        let t = w.text.as_str();
        if SEQUENTIAL.contains(&t)
            || (t == "after" && words.get(i + 1).is_some_and(|n| n.text == "another"))
        {
            // "one after another", "in sequence", "in turn".
            sequential |= t != "after";
            used[i] = true;
        } else if PARALLEL.contains(&t) {
            used[i] = true;
        }
    }
    let mut not_understood: Vec<String> = Vec::new();
    let mut more = 0;
    for (i, w) in words.iter().enumerate() {
        if used[i] || words::is_stopword(&w.text) || w.text.parse::<f64>().is_ok() {
            continue;
        }
        if not_understood.contains(&w.raw) {
            continue;
        }
        if not_understood.len() < MAX_UNKNOWN {
            not_understood.push(w.raw.chars().take(40).collect());
        } else {
            more += 1;
        }
    }
    Intent {
        models,
        inputs,
        stages,
        fanout,
        parallel: !sequential,
        outputs,
        not_understood,
        more_not_understood: more,
        truncated,
    }
}

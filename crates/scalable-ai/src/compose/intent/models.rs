//! Which models the description asks to run, and which it only names as
//! the source of data ("downscale GCAM land allocations").

use serde::{Deserialize, Serialize};

use super::words::Word;
use crate::compose::catalog::{Catalog, Source};

/// Words that, after a model's name, make it the source of data rather
/// than a model to run: "GCAM land allocations", "GCAM scenarios".
pub const DATA_NOUNS: &[&str] = &[
    "land",
    "allocation",
    "allocations",
    "output",
    "outputs",
    "data",
    "result",
    "results",
    "scenario",
    "scenarios",
    "input",
    "inputs",
    "projection",
    "projections",
    "emissions",
    "files",
    "file",
    "database",
    "databases",
    "runs",
    "temperature",
    "temperatures",
    "pathways",
    "fields",
];

/// Words that, before a model's name, make it a model to run even when a
/// data noun follows: "run GCAM scenarios".
pub const RUN_VERBS: &[&str] = &[
    "run", "runs", "running", "execute", "launch", "with", "using", "then", "simulate", "emulate",
    "start",
];

/// A model the description asks to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelIntent {
    /// The component name.
    pub key: String,
    /// As shown: `Demeter`.
    pub display: String,
    /// `built-in`, `manifest` or `capabilities`: the best source of it.
    pub source: String,
}

/// The models to run, in the order first named, and the models named as
/// data sources only.
pub fn find(
    words: &[Word],
    used: &mut [bool],
    catalog: &Catalog,
) -> (Vec<ModelIntent>, Vec<String>) {
    let mut run: Vec<(usize, usize)> = Vec::new(); // (word index, catalog index)
    let mut input: Vec<(usize, usize)> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let Some(m) = catalog
            .models
            .iter()
            .position(|m| m.names.contains(&word.text))
        else {
            continue;
        };
        used[i] = true;
        let next_is_data = words
            .get(i + 1)
            .is_some_and(|w| DATA_NOUNS.contains(&w.text.as_str()));
        let prev_is_verb = i > 0 && RUN_VERBS.contains(&words[i - 1].text.as_str());
        if next_is_data && !prev_is_verb {
            input.push((i, m));
            // "GCAM land allocations": the data nouns belong to the mention.
            let mut j = i + 1;
            while words
                .get(j)
                .is_some_and(|w| DATA_NOUNS.contains(&w.text.as_str()))
            {
                used[j] = true;
                j += 1;
            }
        } else {
            run.push((i, m));
        }
    }
    let mut models: Vec<ModelIntent> = Vec::new();
    for (_, m) in &run {
        let model = &catalog.models[*m];
        if models.iter().any(|x| x.key == model.key) {
            continue;
        }
        let source = if model.onboarded.is_some() {
            Source::Capabilities
        } else if model.in_manifest {
            Source::Manifest
        } else {
            Source::BuiltIn
        };
        models.push(ModelIntent {
            key: model.key.clone(),
            display: model.display.clone(),
            source: match source {
                Source::BuiltIn => "built-in",
                Source::Manifest => "manifest",
                Source::Capabilities => "capabilities",
            }
            .to_string(),
        });
    }
    let mut inputs: Vec<String> = Vec::new();
    for (_, m) in &input {
        let model = &catalog.models[*m];
        if !models.iter().any(|x| x.key == model.key) && !inputs.contains(&model.display) {
            inputs.push(model.display.clone());
        }
    }
    (models, inputs)
}

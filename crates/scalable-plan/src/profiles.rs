//! Model profiles (data/profiles.json): typical size and run time per task of
//! the models Scalable knows, used when the project has no run history.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// What a model typically needs per task.
#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    /// CPUs per worker.
    pub cpus: f64,
    /// Memory per worker, e.g. `16G`.
    pub memory: String,
    /// Minutes one task takes on such a worker.
    pub minutes_per_task: f64,
    /// Output written per task, GB.
    pub output_gb_per_task: f64,
    /// The input-data size, MB, these figures assume (`init-component`
    /// scales memory and time above it); none for the generic profiles.
    #[serde(default)]
    pub reference_input_mb: Option<f64>,
    /// Labels for a component running this model.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Where the figures come from.
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Deserialize)]
struct Table {
    default: Profile,
    support: Profile,
    languages: BTreeMap<String, Profile>,
    models: BTreeMap<String, Profile>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(include_str!("../data/profiles.json")).expect("profiles.json is valid")
    })
}

/// The profile of a known model whose name appears in `names` (component
/// name, image), with the model's name; else the default for a fan-out
/// (`fan_out`) or for a supporting step.
pub fn lookup<'a>(
    names: impl IntoIterator<Item = &'a str>,
    fan_out: bool,
) -> (Option<&'static str>, &'static Profile) {
    let names: Vec<String> = names.into_iter().map(str::to_ascii_lowercase).collect();
    for (model, profile) in &table().models {
        if names.iter().any(|n| n.contains(model.as_str())) {
            return (Some(model.as_str()), profile);
        }
    }
    (
        None,
        if fan_out {
            &table().default
        } else {
            &table().support
        },
    )
}

/// The profile of a model by exact name.
pub fn get(model: &str) -> Option<&'static Profile> {
    table().models.get(&model.to_ascii_lowercase())
}

/// Every known model name.
pub fn models() -> impl Iterator<Item = &'static str> {
    table().models.keys().map(String::as_str)
}

/// The generic profile for a model in `language` (`python`, `r`, `julia`,
/// `compiled`) that no model profile names; the fan-out default otherwise.
pub fn for_language(language: &str) -> &'static Profile {
    table()
        .languages
        .get(&language.to_ascii_lowercase())
        .unwrap_or(&table().default)
}

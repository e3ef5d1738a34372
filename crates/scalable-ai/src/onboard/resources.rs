//! Resources per worker and a walltime for an ensemble, from the model
//! profiles (`scalable-plan`'s `data/profiles.json`, shared with the
//! planner) scaled by input-data size and scenario count.

use serde::{Deserialize, Serialize};

use scalable_plan::profiles::{self, Profile};

use super::language::Lang;

/// Workers assumed to run scenarios side by side when estimating walltime:
/// the example manifest's adaptive maximum, a typical allocation.
pub const PARALLEL_WORKERS: u32 = 10;

/// The three figures `estimate_resources` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Estimate {
    /// CPUs per worker.
    pub cpus: u32,
    /// Memory per worker, e.g. `16G`.
    pub memory: String,
    /// Walltime for the ensemble, `HH:MM:SS`.
    pub walltime: String,
}

/// An estimate with its basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    /// CPUs per worker.
    pub cpus: u32,
    /// Memory per worker, e.g. `16G`.
    pub memory: String,
    /// Walltime for `scenarios` scenarios, `HH:MM:SS`.
    pub walltime: String,
    /// The model profile used (`demeter`), or none for a language default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Input data, MB, that the estimate was scaled for.
    pub input_size_mb: f64,
    /// Scenarios the walltime covers.
    pub scenarios: u32,
    /// How the figures were reached, in words.
    pub basis: String,
    /// Where the profile's figures come from.
    pub source: String,
    /// Labels for the component, from the profile.
    pub tags: Vec<String>,
}

impl Resources {
    /// The three figures alone.
    pub fn estimate(&self) -> Estimate {
        Estimate {
            cpus: self.cpus,
            memory: self.memory.clone(),
            walltime: self.walltime.clone(),
        }
    }
}

/// The profile of a known model among `names` (exact name first, then a
/// name containing a model's, e.g. `pyhector`), else none.
pub fn model_profile<'a>(names: impl IntoIterator<Item = &'a str> + Clone) -> Option<&'static str> {
    for name in names.clone() {
        let lower = name.to_ascii_lowercase();
        if let Some(m) = profiles::models().find(|m| *m == lower) {
            return Some(m);
        }
    }
    for name in names {
        let lower = name.to_ascii_lowercase();
        if let Some(m) = profiles::models().find(|m| lower.contains(m)) {
            return Some(m);
        }
    }
    None
}

/// Estimates for model `model` (a profile name, or none) written in `lang`.
///
/// - CPUs: the profile's (whole, at least 1).
/// - Memory: the profile's, times input size / the profile's reference
///   input size when the input is larger, rounded up to a power of two GB.
/// - Walltime: the profile's minutes per task, scaled like memory, times the
///   waves of [`PARALLEL_WORKERS`] workers `scenarios` need.
pub fn estimate(model: Option<&str>, lang: Lang, input_size_mb: f64, scenarios: u32) -> Resources {
    let (profile, generic): (&Profile, String) = match model.and_then(profiles::get) {
        Some(p) => (p, String::new()),
        None => (
            profiles::for_language(lang.as_str()),
            format!("generic {} profile", lang.as_str()),
        ),
    };
    let input = if input_size_mb.is_finite() && input_size_mb > 0.0 {
        input_size_mb
    } else {
        0.0
    };
    let factor = match profile.reference_input_mb {
        Some(reference) if reference > 0.0 && input > reference => input / reference,
        _ => 1.0,
    };
    let cpus = profile.cpus.ceil().max(1.0) as u32;
    let memory_gb = power_of_two_gb(memory_gb(&profile.memory) * factor);
    let scenarios = scenarios.max(1);
    let waves = scenarios.div_ceil(PARALLEL_WORKERS);
    let minutes = (profile.minutes_per_task * factor * f64::from(waves)).ceil();
    let name = match model {
        Some(m) if generic.is_empty() => format!("{m} profile"),
        _ => generic,
    };
    let reference = profile
        .reference_input_mb
        .map(|r| format!(" sized for up to {} of input", mb(r)))
        .unwrap_or_default();
    let scaled = if factor > 1.0 {
        format!(", scaled x{factor:.2} for {} of input", mb(input))
    } else {
        format!(", {} of input", mb(input))
    };
    Resources {
        cpus,
        memory: format!("{memory_gb}G"),
        walltime: hms(minutes),
        profile: model
            .filter(|m| profiles::get(m).is_some())
            .map(str::to_string),
        input_size_mb: (input * 10.0).round() / 10.0,
        scenarios,
        basis: format!(
            "{name} ({} CPUs, {}, {} min per task{reference}){scaled}; {scenarios} scenarios in {waves} wave(s) of {PARALLEL_WORKERS} workers",
            profile.cpus, profile.memory, profile.minutes_per_task
        ),
        source: profile.source.clone().unwrap_or_else(|| {
            "Scalable planning default (crates/scalable-plan/data/profiles.json)".to_string()
        }),
        tags: profile.tags.clone(),
    }
}

/// `estimate_resources(model_name="demeter", input_size_mb=512,
/// num_scenarios=50)` of the tutorial: a known model's profile, else the
/// generic default.
pub fn estimate_resources(model_name: &str, input_size_mb: f64, num_scenarios: u32) -> Estimate {
    let model = model_profile([model_name]);
    estimate(model, Lang::Unknown, input_size_mb, num_scenarios).estimate()
}

/// GB in a profile's memory text (`16G`, `512M`).
fn memory_gb(text: &str) -> f64 {
    let text = text.trim();
    let (number, scale) = match text.char_indices().last() {
        Some((i, 'G' | 'g')) => (&text[..i], 1.0),
        Some((i, 'M' | 'm')) => (&text[..i], 1.0 / 1024.0),
        Some((i, 'T' | 't')) => (&text[..i], 1024.0),
        _ => (text, 1.0),
    };
    number.parse::<f64>().unwrap_or(4.0) * scale
}

/// The smallest power of two GB at least `gb` (at least 1).
fn power_of_two_gb(gb: f64) -> u64 {
    let mut n = 1u64;
    while (n as f64) < gb && n < (1 << 20) {
        n *= 2;
    }
    n
}

/// Minutes as `HH:MM:SS` (hours may exceed 24, as Slurm accepts).
fn hms(minutes: f64) -> String {
    let total = minutes.max(1.0) as u64;
    format!("{:02}:{:02}:00", total / 60, total % 60)
}

/// MB shown in the unit a person would use.
pub fn mb(value: f64) -> String {
    if value >= 1024.0 {
        format!("{:.1} GB", value / 1024.0)
    } else if value >= 1.0 {
        format!("{value:.0} MB")
    } else {
        format!("{value:.2} MB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tutorial_figures() {
        let e = estimate_resources("demeter", 512.0, 50);
        assert_eq!(
            e,
            Estimate {
                cpus: 4,
                memory: "16G".into(),
                walltime: "02:30:00".into()
            }
        );
        // Twice the reference input: twice the memory and time.
        let big = estimate_resources("Demeter", 1024.0, 50);
        assert_eq!(
            (big.memory.as_str(), big.walltime.as_str()),
            ("32G", "05:00:00")
        );
        let unknown = estimate_resources("mystery", 10.0, 1);
        assert_eq!((unknown.cpus, unknown.memory.as_str()), (1, "4G"));
        assert_eq!(model_profile(["pyhector"]), Some("hector"));
        assert_eq!(hms(150.0), "02:30:00");
        assert_eq!(power_of_two_gb(17.0), 32);
    }
}

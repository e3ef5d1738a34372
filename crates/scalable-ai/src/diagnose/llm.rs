//! LLM mode for `diagnose`: the model rewords the summary and the
//! suggestions; the classes, counts, patterns and evidence stay the ones the
//! run record gave. A reply is kept only when it has one suggestion per
//! finding and every figure it writes is one of the diagnosis's; otherwise
//! the heuristic diagnosis is returned with the reason in `fallback`.

use serde_json::Value;

use super::{Diagnosis, diagnose_dir};
use crate::llm::{Config, LlmError, ask_json, invented};

const SYSTEM: &str = include_str!("../../templates/llm/diagnose.system.md");

/// Diagnoses the run in `dir`, worded by `config`'s model when there is one
/// and the run has failures.
pub fn diagnose_dir_with(
    dir: &std::path::Path,
    config: Option<&Config>,
) -> Result<Diagnosis, scalable_runs::RunsError> {
    let heuristic = diagnose_dir(dir)?;
    Ok(match config {
        Some(config) if heuristic.has_failures() => enrich(heuristic, config),
        _ => heuristic,
    })
}

fn enrich(heuristic: Diagnosis, config: &Config) -> Diagnosis {
    let facts = serde_json::to_string_pretty(&heuristic).unwrap_or_default();
    let user = format!("Diagnosis:\n{facts}\n");
    match ask_json(config, SYSTEM, &user).and_then(|reply| apply(&heuristic, &reply, &facts)) {
        Ok(mut d) => {
            d.mode = config.mode();
            d.provenance = format!(
                "{}; worded by {} (classes, counts and evidence from the record; figures checked)",
                heuristic.provenance,
                config.mode()
            );
            d
        }
        Err(e) => Diagnosis {
            fallback: Some(format!(
                "{} mode was asked, but {e}; this is the heuristic diagnosis",
                config.mode()
            )),
            ..heuristic
        },
    }
}

fn apply(heuristic: &Diagnosis, reply: &Value, facts: &str) -> Result<Diagnosis, LlmError> {
    let bad = LlmError::BadReply;
    let summary = reply
        .get("summary")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad("`summary` is missing or not text".to_owned()))?
        .to_owned();
    let suggestions: Vec<String> = reply
        .get("suggestions")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("`suggestions` is missing or not a list".to_owned()))?
        .iter()
        .map(|s| {
            s.as_str()
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
        })
        .collect::<Option<_>>()
        .ok_or_else(|| bad("a suggestion is not text".to_owned()))?;
    if suggestions.len() != heuristic.findings.len() {
        return Err(bad(format!(
            "it has {} suggestions for {} findings",
            suggestions.len(),
            heuristic.findings.len()
        )));
    }
    let written = std::iter::once(summary.as_str())
        .chain(suggestions.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("\n");
    let new = invented(&written, facts);
    if !new.is_empty() {
        return Err(bad(format!(
            "it writes figures the run record does not hold ({})",
            new.join(", ")
        )));
    }
    let mut d = heuristic.clone();
    d.summary = summary;
    for (f, s) in d.findings.iter_mut().zip(&suggestions) {
        f.suggestion = s.clone();
    }
    d.recommendations = Vec::new();
    for s in suggestions {
        if !d.recommendations.contains(&s) {
            d.recommendations.push(s);
        }
    }
    Ok(d)
}

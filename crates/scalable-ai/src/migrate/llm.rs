//! LLM mode for `migrate`: the model may improve the notes and the generated
//! manifest. Its manifest is kept only when it validates with no errors, has
//! the same components and tasks, and its one target is of the new provider;
//! every figure in its notes must be one of the input's or the migration's.
//! Otherwise the heuristic migration is returned with the reason in `fallback`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Migration;
use crate::llm::{Config, LlmError, ask_json, invented};

const SYSTEM: &str = include_str!("../../templates/llm/migrate.system.md");

/// `heuristic` (made from the manifest `doc`) reworded by `config`'s model.
pub fn enrich(
    heuristic: Migration,
    doc: &scalable_manifest::Document,
    config: &Config,
) -> Migration {
    let migration = serde_json::to_string_pretty(&heuristic).unwrap_or_default();
    let user = format!(
        "Input manifest ({}):\n{}\n\nMigration:\n{migration}\n",
        heuristic.file, doc.source
    );
    let facts = format!("{}\n{migration}", doc.source);
    match ask_json(config, SYSTEM, &user).and_then(|r| apply(&heuristic, doc, &r, &facts)) {
        Ok(mut m) => {
            m.mode = config.mode();
            m.provenance = format!(
                "{}; improved by {} (its manifest validated, components, tasks and provider checked)",
                heuristic.provenance,
                config.mode()
            );
            m
        }
        Err(e) => Migration {
            fallback: Some(format!(
                "{} mode was asked, but {e}; this is the heuristic migration",
                config.mode()
            )),
            ..heuristic
        },
    }
}

fn apply(
    heuristic: &Migration,
    doc: &scalable_manifest::Document,
    reply: &Value,
    facts: &str,
) -> Result<Migration, LlmError> {
    let bad = LlmError::BadReply;
    let notes: Vec<String> = reply
        .get("notes")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("`notes` is missing or not a list".to_owned()))?
        .iter()
        .map(|n| {
            n.as_str()
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
        })
        .collect::<Option<_>>()
        .ok_or_else(|| bad("a note is not text".to_owned()))?;
    let new = invented(&notes.join("\n"), facts);
    if !new.is_empty() {
        return Err(bad(format!(
            "its notes write figures the manifest does not hold ({})",
            new.join(", ")
        )));
    }
    let yaml = match reply.get("migrated_yaml").and_then(Value::as_str) {
        Some(y) if !y.trim().is_empty() => y.to_owned(),
        _ => heuristic.migrated_yaml.clone(),
    };
    check_manifest(heuristic, doc, &yaml)?;
    Ok(Migration {
        migrated_yaml: yaml,
        notes,
        ..heuristic.clone()
    })
}

/// The reply's manifest validates and keeps what the migration must keep.
fn check_manifest(
    heuristic: &Migration,
    doc: &scalable_manifest::Document,
    yaml: &str,
) -> Result<(), LlmError> {
    let bad = LlmError::BadReply;
    let parsed = scalable_manifest::load_str(yaml, "<reply>", &doc.dir, doc.env().clone())
        .map_err(|d| bad(format!("its manifest does not parse ({})", d.message)))?;
    let report = parsed.validate(None);
    if let Some(d) = report.errors().next() {
        return Err(bad(format!(
            "its manifest does not validate ({} at `{}`: {})",
            d.code, d.path, d.message
        )));
    }
    let Some(theirs) = report.manifest else {
        return Err(bad("its manifest does not validate".to_owned()));
    };
    let ours = scalable_manifest::load_str(
        &heuristic.migrated_yaml,
        "<heuristic>",
        &doc.dir,
        doc.env().clone(),
    )
    .ok()
    .and_then(|d| d.validate(None).manifest)
    .ok_or_else(|| bad("the heuristic manifest does not read back".to_owned()))?;
    let keys = |m: &BTreeSet<&String>| m.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    for (what, a, b) in [
        (
            "components",
            theirs.components.keys().collect::<BTreeSet<_>>(),
            ours.components.keys().collect::<BTreeSet<_>>(),
        ),
        (
            "tasks",
            theirs.tasks.keys().collect(),
            ours.tasks.keys().collect(),
        ),
    ] {
        if a != b {
            return Err(bad(format!(
                "its manifest has {what} [{}] instead of [{}]",
                keys(&a),
                keys(&b)
            )));
        }
    }
    let providers: Vec<_> = theirs.targets.values().map(|t| t.provider()).collect();
    if providers != [heuristic.to_provider] {
        return Err(bad(format!(
            "its manifest's targets are not one `{}` target",
            heuristic.to_provider.as_str()
        )));
    }
    Ok(())
}

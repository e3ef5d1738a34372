//! LLM mode for `explain`: the model rewords the heuristic explanation; its
//! reply is kept only when it keeps the facts (every figure it writes is one
//! of the plan's or the explanation's, the same risk codes, and the cost line
//! stays the heuristic's). Otherwise the heuristic explanation is returned
//! with the reason in `fallback`.

use serde_json::Value;

use super::{Explanation, Risk, explain};
use crate::llm::{Config, LlmError, ask_json, invented};

const SYSTEM: &str = include_str!("../../templates/llm/explain.system.md");

/// Explains `plan`, enriched by `config`'s model when there is one.
pub fn explain_with(plan: &scalable_plan::Plan, config: Option<&Config>) -> Explanation {
    let heuristic = explain(plan);
    let Some(config) = config else {
        return heuristic;
    };
    let plan_json = scalable_plan::to_json(plan);
    let heuristic_json = serde_json::to_string_pretty(&heuristic).unwrap_or_default();
    let user = format!("Plan:\n{plan_json}\n\nExplanation:\n{heuristic_json}\n");
    let facts = format!("{plan_json}\n{heuristic_json}");
    match ask_json(config, SYSTEM, &user).and_then(|reply| apply(&heuristic, &reply, &facts)) {
        Ok(mut enriched) => {
            enriched.mode = config.mode();
            enriched.provenance = format!(
                "{}; worded by {} (figures and risk codes checked against the plan)",
                heuristic.provenance,
                config.mode()
            );
            enriched
        }
        Err(e) => Explanation {
            fallback: Some(format!(
                "{} mode was asked, but {e}; this is the heuristic explanation",
                config.mode()
            )),
            ..heuristic
        },
    }
}

/// The heuristic explanation with the reply's wording, if the reply keeps
/// the facts.
fn apply(heuristic: &Explanation, reply: &Value, facts: &str) -> Result<Explanation, LlmError> {
    let bad = |why: String| LlmError::BadReply(why);
    let text = |v: Option<&Value>, what: &str| {
        v.and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned)
            .ok_or_else(|| bad(format!("`{what}` is missing or not text")))
    };
    let summary_line = text(reply.get("summary_line"), "summary_line")?;
    let steps: Vec<String> = reply
        .get("steps")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("`steps` is missing or not a list".to_owned()))?
        .iter()
        .enumerate()
        .map(|(i, s)| text(Some(s), &format!("steps[{i}]")))
        .collect::<Result<_, _>>()?;
    let mut risks = Vec::new();
    for (i, r) in reply
        .get("risks")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("`risks` is missing or not a list".to_owned()))?
        .iter()
        .enumerate()
    {
        risks.push(Risk {
            code: text(r.get("code"), &format!("risks[{i}].code"))?,
            text: text(r.get("text"), &format!("risks[{i}].text"))?,
        });
    }
    let codes = |rs: &[Risk]| {
        let mut c: Vec<String> = rs.iter().map(|r| r.code.clone()).collect();
        c.sort();
        c
    };
    if codes(&risks) != codes(&heuristic.risks) {
        return Err(bad(format!(
            "its risks {:?} are not the plan's {:?}",
            codes(&risks),
            codes(&heuristic.risks)
        )));
    }
    let written = std::iter::once(summary_line.as_str())
        .chain(steps.iter().map(String::as_str))
        .chain(risks.iter().map(|r| r.text.as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    let new = invented(&written, facts);
    if !new.is_empty() {
        return Err(bad(format!(
            "it writes figures the plan does not hold ({})",
            new.join(", ")
        )));
    }
    Ok(Explanation {
        summary_line,
        steps,
        risks,
        ..heuristic.clone()
    })
}

//! Asking for a JSON object and checking what comes back keeps the facts.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Config, LlmError, Message};

/// Asks `config`'s model with a system and a user message for one JSON
/// object; a reply wrapped in a Markdown code fence is accepted.
pub fn ask_json(config: &Config, system: &str, user: &str) -> Result<Value, LlmError> {
    let messages = [
        Message {
            role: "system",
            content: system.to_owned(),
        },
        Message {
            role: "user",
            content: user.to_owned(),
        },
    ];
    let text = config.chat(&messages, true)?;
    parse_object(&text)
}

/// The JSON object in a reply (fenced or not).
pub fn parse_object(text: &str) -> Result<Value, LlmError> {
    let trimmed = text.trim();
    let inner = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|t| t.strip_suffix("```"))
        .unwrap_or(trimmed);
    match serde_json::from_str::<Value>(inner.trim()) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(LlmError::BadReply(
            "the reply is JSON but not an object".to_owned(),
        )),
        Err(e) => Err(LlmError::BadReply(format!("the reply is not JSON ({e})"))),
    }
}

/// The figures in `text`: every run of digits (with its decimal part), so a
/// reply can be checked not to invent or change a number.
pub fn figures(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let decimal_point =
            c == '.' && !current.is_empty() && chars.peek().is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || decimal_point {
            current.push(c);
        } else if c == ',' && !current.is_empty() && chars.peek().is_some_and(char::is_ascii_digit)
        {
            // 1,000 is 1000.
        } else if !current.is_empty() {
            out.insert(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.insert(current);
    }
    out
}

/// Figures in `reply` that `facts` does not hold.
pub fn invented(reply: &str, facts: &str) -> Vec<String> {
    let known = figures(facts);
    figures(reply)
        .into_iter()
        .filter(|f| !known.contains(f))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_fenced_or_not_and_nothing_else() {
        assert_eq!(parse_object("```json\n{\"a\": 1}\n```").unwrap()["a"], 1);
        assert_eq!(parse_object(" {\"a\": 2} ").unwrap()["a"], 2);
        assert_eq!(parse_object("[1]").unwrap_err().code(), "E_AI_BAD_REPLY");
        assert_eq!(
            parse_object("Sure! Here").unwrap_err().code(),
            "E_AI_BAD_REPLY"
        );
    }

    #[test]
    fn figures_catch_changed_and_invented_numbers() {
        let facts = "$7.23 for 50 scenarios on 1,000 cores, 2.7 hours";
        assert!(invented("About $7.23 and 2.7 hours for the 50 scenarios.", facts).is_empty());
        assert_eq!(invented("$7.50 on 1000 cores", facts), ["7.50"]);
        assert_eq!(invented("version 3.", facts), ["3"]);
    }
}

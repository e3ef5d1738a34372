//! Where `${VAR}` values come from: the process environment over a `.env` file.

use std::collections::BTreeMap;
use std::path::Path;

/// Variables visible to expansion. The process environment wins over `.env`.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The process environment layered over `dir/.env` when that file exists.
    pub fn from_process(dir: &Path) -> Env {
        let mut vars = std::fs::read_to_string(dir.join(".env"))
            .map(|text| parse_dotenv(&text))
            .unwrap_or_default();
        vars.extend(std::env::vars());
        Env { vars }
    }

    /// Exactly these variables (tests, embedding).
    pub fn from_map(vars: BTreeMap<String, String>) -> Env {
        Env { vars }
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

/// Whether a variable's value must never be shown: its name contains KEY,
/// TOKEN, SECRET or PASSWORD (any case).
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["KEY", "TOKEN", "SECRET", "PASSWORD"]
        .iter()
        .any(|word| upper.contains(word))
}

/// Parses a `.env` file: `NAME=value` lines, optional `export `, `#` comments,
/// single quotes literal, double quotes with `\n`, `\"` and `\\` escapes.
/// Lines that are not assignments are skipped.
pub fn parse_dotenv(text: &str) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, raw)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        vars.insert(name.to_string(), dotenv_value(raw.trim()));
    }
    vars
}

fn dotenv_value(raw: &str) -> String {
    if let Some(inner) = raw.strip_prefix('\'').and_then(|r| r.split_once('\'')) {
        return inner.0.to_string();
    }
    if let Some(rest) = raw.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return out,
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => {}
                },
                c => out.push(c),
            }
        }
        return out;
    }
    match raw.find(" #") {
        Some(i) => raw[..i].trim_end().to_string(),
        None => raw.to_string(),
    }
}

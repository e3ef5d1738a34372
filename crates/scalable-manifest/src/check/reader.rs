//! Typed reads from the positioned tree. Every read that fails records a
//! diagnostic and returns `None`, so one pass finds every problem.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic, Sink, did_you_mean};
use crate::path::child;
use crate::yaml::{Kind, Node, Plain, Pos};

/// State of one checking pass.
pub(crate) struct Ctx<'s> {
    pub sink: &'s mut Sink,
    /// Checking an overlay on its own: required keys may be absent and
    /// cross-references are left to the resolved pass.
    pub partial: bool,
    /// Component names must be Kubernetes names (a kubernetes target is resolved).
    pub kubernetes: bool,
    /// Component sizes must fit Fargate (an aws fargate target is resolved).
    pub fargate: bool,
}

/// A mapping whose keys have been checked against the schema.
pub(crate) struct Map<'n> {
    pub node: &'n Node,
    pub path: String,
    /// Where a missing key is reported: the key this mapping is the value of
    /// (`model:` for `components.model`), else the mapping itself.
    pub at: Pos,
}

impl<'n> Map<'n> {
    /// The value under `key`; an explicit `null` counts as absent. A value
    /// whose `${VAR}` expansion failed is present (and already reported), even
    /// if it expanded to nothing.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.node.get(key).filter(|n| match n.scalar() {
            Some(s) => s.broken || s.plain_value() != Plain::Null,
            None => true,
        })
    }

    /// The dotted path of `key` under this mapping.
    pub fn path(&self, key: &str) -> String {
        child(&self.path, key)
    }

    /// Where `key` is written in this mapping (the mapping's own position
    /// when it is not).
    pub fn key_pos(&self, key: &str) -> Pos {
        self.node
            .entries()
            .and_then(|e| e.iter().find(|(k, _)| k.key_text() == key))
            .map_or(self.node.pos, |(k, _)| k.pos)
    }

    /// Reports a missing key at `at` instead of at the mapping.
    pub fn at(mut self, at: Pos) -> Self {
        self.at = at;
        self
    }
}

impl Ctx<'_> {
    pub fn report(&mut self, d: Diagnostic) {
        self.sink.push(d);
    }

    fn type_error(&mut self, node: &Node, path: &str, expected: &str) {
        // What a failed expansion left is not what the user wrote.
        if is_broken(node) {
            return;
        }
        let d = Diagnostic::new(
            Code::Type,
            path,
            node.pos,
            format!("expected {expected}, found {}", node.type_name()),
        );
        let d = match node.scalar() {
            Some(s) if !s.plain && expected.contains("number") => {
                d.hint(format!("remove the quotes: `{}`", s.shown()))
            }
            _ => d.hint(format!("`{path}` takes {expected}")),
        };
        self.report(d);
    }

    /// Opens a mapping and reports keys outside `known`, with a suggestion.
    pub fn map<'n>(&mut self, node: &'n Node, path: &str, known: &[&str]) -> Option<Map<'n>> {
        let Some(entries) = node.entries() else {
            self.type_error(node, path, "a mapping");
            return None;
        };
        for (k, _) in entries {
            let key = k.key_text();
            if !known.contains(&key) {
                let at = child(path, key);
                let d =
                    Diagnostic::new(Code::UnknownKey, &at, k.pos, format!("unknown key `{key}`"));
                let d = match did_you_mean(key, known.iter().copied()) {
                    Some(s) => d.hint(format!("did you mean `{s}`?")),
                    None => d.hint(format!("allowed here: {}", known.join(", "))),
                };
                self.report(d);
            }
        }
        Some(Map {
            node,
            path: path.to_string(),
            at: node.pos,
        })
    }

    /// A mapping whose keys are user-chosen names (components, tasks, ...).
    pub fn named<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [(Node, Node)]> {
        match node.entries() {
            Some(e) => Some(e),
            None => {
                self.type_error(node, path, "a mapping of names");
                None
            }
        }
    }

    /// The value under a required key; reports its absence unless partial.
    pub fn require<'n>(&mut self, m: &Map<'n>, key: &str, example: &str) -> Option<&'n Node> {
        let value = m.get(key);
        if value.is_none() && !self.partial {
            let what = if m.path.is_empty() {
                "the manifest".to_string()
            } else {
                format!("`{}`", m.path)
            };
            self.report(
                Diagnostic::new(
                    Code::MissingKey,
                    m.path(key),
                    m.at,
                    format!("{what} is missing required key `{key}`"),
                )
                .hint(format!("add `{key}: {example}`")),
            );
        }
        value
    }

    /// A string (plain numbers and booleans read as their text).
    pub fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        if is_broken(node) {
            return None;
        }
        match node.scalar() {
            Some(s) if s.plain_value() != Plain::Null => Some(s.text.clone()),
            _ => {
                self.type_error(node, path, "a string");
                None
            }
        }
    }

    /// An optional string field.
    pub fn opt_string(&mut self, m: &Map<'_>, key: &str) -> Option<String> {
        m.get(key).and_then(|n| self.string(n, &m.path(key)))
    }

    /// A non-negative integer no larger than `max`.
    pub fn uint(&mut self, node: &Node, path: &str, max: u64) -> Option<u64> {
        if is_broken(node) {
            return None;
        }
        match node.scalar().map(|s| s.plain_value()) {
            Some(Plain::Int(i)) if i >= 0 && (i as u64) <= max => Some(i as u64),
            Some(Plain::Int(i)) => {
                self.report(
                    Diagnostic::new(
                        Code::BadValue,
                        path,
                        node.pos,
                        format!("{i} is out of range"),
                    )
                    .hint(format!("use a whole number from 0 to {max}")),
                );
                None
            }
            _ => {
                self.type_error(node, path, "a whole number");
                None
            }
        }
    }

    /// An optional u32 field.
    pub fn opt_u32(&mut self, m: &Map<'_>, key: &str) -> Option<u32> {
        m.get(key)
            .and_then(|n| self.uint(n, &m.path(key), u32::MAX as u64))
            .map(|v| v as u32)
    }

    /// A number (integer or decimal).
    pub fn number(&mut self, node: &Node, path: &str) -> Option<f64> {
        if is_broken(node) {
            return None;
        }
        match node.scalar().map(|s| s.plain_value()) {
            Some(Plain::Int(i)) => Some(i as f64),
            Some(Plain::Float(f)) => Some(f),
            _ => {
                self.type_error(node, path, "a number");
                None
            }
        }
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        if is_broken(node) {
            return None;
        }
        match node.scalar().map(|s| s.plain_value()) {
            Some(Plain::Bool(b)) => Some(b),
            _ => {
                self.type_error(node, path, "`true` or `false`");
                None
            }
        }
    }

    /// One of a fixed set of words.
    pub fn choice<T: Copy>(&mut self, node: &Node, path: &str, options: &[(&str, T)]) -> Option<T> {
        let text = self.string(node, path)?;
        if let Some((_, v)) = options.iter().find(|(name, _)| *name == text) {
            return Some(*v);
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let shown = node.scalar().map(|s| s.shown()).unwrap_or_default();
        let d = Diagnostic::new(
            Code::BadValue,
            path,
            node.pos,
            format!("`{shown}` is not one of {}", names.join(", ")),
        );
        let d = match did_you_mean(&text, names.iter().copied()) {
            Some(s) => d.hint(format!("did you mean `{s}`?")),
            None => d.hint(format!("use one of: {}", names.join(", "))),
        };
        self.report(d);
        None
    }

    /// A list of strings.
    pub fn string_list(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        let Some(items) = node.items() else {
            self.type_error(node, path, "a list of strings");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match self.string(item, &format!("{path}[{i}]")) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A mapping of strings to strings.
    pub fn string_map(&mut self, node: &Node, path: &str) -> Option<BTreeMap<String, String>> {
        let entries = self.named(node, path)?;
        let mut out = BTreeMap::new();
        let mut ok = true;
        for (k, v) in entries {
            match self.string(v, &child(path, k.key_text())) {
                Some(s) => {
                    out.insert(k.key_text().to_string(), s);
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A list of free-form mappings (Kubernetes objects).
    pub fn object_list<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Node]> {
        let Some(items) = node.items() else {
            self.type_error(node, path, "a list of mappings");
            return None;
        };
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            if !matches!(item.kind, Kind::Map(_)) {
                self.type_error(item, &format!("{path}[{i}]"), "a mapping");
                ok = false;
            }
        }
        ok.then_some(items)
    }
}

/// A scalar whose expansion already failed (and was reported).
pub(crate) fn is_broken(node: &Node) -> bool {
    node.scalar().is_some_and(|s| s.broken)
}

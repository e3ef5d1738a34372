//! The manifest as an ordered, editable YAML tree, and its rendering.
//!
//! Migration rewrites the manifest *as written*: key order, quoting and
//! `${VAR}` references are kept, so the generated file reads like the input
//! and never holds an expanded secret. `serde_json` maps sort their keys, so
//! the tree keeps its own order.

use scalable_manifest::yaml::{Kind, Node};

use crate::onboard::component::scalar as quoted;

/// A YAML value in source order.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// A scalar: its text and whether it is written plain (unquoted), which
    /// decides whether `4` is a number.
    Scalar {
        /// The text.
        text: String,
        /// Written without quotes.
        plain: bool,
    },
    /// A sequence.
    Seq(Vec<Yaml>),
    /// A mapping in order.
    Map(Vec<(String, Yaml)>),
}

/// Sequences of scalars at most this long print on one line (`[a, b]`).
const FLOW_WIDTH: usize = 60;

impl Yaml {
    /// The tree of a parsed node, as written.
    pub fn from_node(node: &Node) -> Yaml {
        match &node.kind {
            Kind::Scalar(s) => Yaml::Scalar {
                text: s.text.clone(),
                plain: s.plain,
            },
            Kind::Seq(items) => Yaml::Seq(items.iter().map(Yaml::from_node).collect()),
            Kind::Map(entries) => Yaml::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.key_text().to_string(), Yaml::from_node(v)))
                    .collect(),
            ),
        }
    }

    /// A string, plain when that reads back as the same string.
    pub fn str(text: impl Into<String>) -> Yaml {
        let text = text.into();
        let plain = quoted(&text) == text;
        Yaml::Scalar { text, plain }
    }

    /// A number (or any plain token such as `true`).
    pub fn plain(text: impl std::fmt::Display) -> Yaml {
        Yaml::Scalar {
            text: text.to_string(),
            plain: true,
        }
    }

    /// An empty mapping.
    pub fn map() -> Yaml {
        Yaml::Map(Vec::new())
    }

    /// The scalar's text.
    pub fn text(&self) -> Option<&str> {
        match self {
            Yaml::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The mapping's entries.
    pub fn entries(&self) -> &[(String, Yaml)] {
        match self {
            Yaml::Map(e) => e,
            _ => &[],
        }
    }

    /// The value at `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        self.entries()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The value at `key`, mutable.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Yaml> {
        match self {
            Yaml::Map(e) => e.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The scalar text at `key`.
    pub fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Yaml::text)
    }

    /// Sets `key` in place, or appends it; a non-mapping becomes one.
    pub fn set(&mut self, key: &str, value: Yaml) {
        if !matches!(self, Yaml::Map(_)) {
            *self = Yaml::map();
        }
        if let Yaml::Map(e) = self {
            match e.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => e.push((key.to_string(), value)),
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Yaml> {
        match self {
            Yaml::Map(e) => {
                let i = e.iter().position(|(k, _)| k == key)?;
                Some(e.remove(i).1)
            }
            _ => None,
        }
    }

    /// The keys of a mapping, in order.
    pub fn keys(&self) -> Vec<String> {
        self.entries().iter().map(|(k, _)| k.clone()).collect()
    }

    /// The tree as a block-style YAML document.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self {
            Yaml::Map(entries) => write_entries(&mut out, entries, 0, true),
            other => {
                out.push_str(&inline(other).unwrap_or_default());
                out.push('\n');
            }
        }
        out
    }
}

/// A scalar as YAML: as written when plain and safe to reprint so, else a
/// double-quoted (JSON) string.
fn scalar_text(text: &str, plain: bool) -> String {
    let safe_plain = plain
        && !text.is_empty()
        && !text.contains(['\n', '\r', '\t', '#'])
        && !text.starts_with([
            '[', '{', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ' ', '-', '?', ':', ',',
        ])
        && !text.ends_with([' ', ':'])
        && !text.contains(": ");
    match (plain, text) {
        (true, "") => "null".to_string(),
        _ if safe_plain => text.to_string(),
        // A plain token such as `-1` or `- x`: numbers stay numbers.
        (true, _) if text.parse::<f64>().is_ok() => text.to_string(),
        _ => serde_json::Value::String(text.to_string()).to_string(),
    }
}

/// A value that fits on its key's line: a scalar, an empty collection, or a
/// short sequence of scalars.
fn inline(value: &Yaml) -> Option<String> {
    match value {
        Yaml::Scalar { text, plain } => Some(scalar_text(text, *plain)),
        Yaml::Map(e) if e.is_empty() => Some("{}".to_string()),
        Yaml::Seq(items) if items.is_empty() => Some("[]".to_string()),
        Yaml::Seq(items) => {
            let parts: Option<Vec<String>> = items
                .iter()
                .map(|i| match i {
                    Yaml::Scalar { text, plain } => {
                        let t = scalar_text(text, *plain);
                        // `,` `[` `]` end a plain scalar inside a flow sequence.
                        (!t.contains([',', '[', ']', '{', '}'])).then_some(t)
                    }
                    _ => None,
                })
                .collect();
            let line = format!("[{}]", parts?.join(", "));
            (line.len() <= FLOW_WIDTH).then_some(line)
        }
        Yaml::Map(_) => None,
    }
}

/// Writes mapping entries at `indent`; top-level entries are separated by a
/// blank line, as hand-written manifests are.
fn write_entries(out: &mut String, entries: &[(String, Yaml)], indent: usize, top: bool) {
    let pad = " ".repeat(indent);
    for (i, (key, value)) in entries.iter().enumerate() {
        if top && i > 0 {
            out.push('\n');
        }
        let key = quoted(key);
        match inline(value) {
            Some(v) => out.push_str(&format!("{pad}{key}: {v}\n")),
            None => {
                out.push_str(&format!("{pad}{key}:\n"));
                write_block(out, value, indent + 2);
            }
        }
    }
}

/// Writes a mapping or sequence that does not fit inline.
fn write_block(out: &mut String, value: &Yaml, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Yaml::Map(entries) => write_entries(out, entries, indent, false),
        Yaml::Seq(items) => {
            for item in items {
                match (item, inline(item)) {
                    (Yaml::Map(entries), None) => {
                        // `- key: value` with the rest of the mapping aligned under it.
                        let mut inner = String::new();
                        write_entries(&mut inner, entries, indent + 2, false);
                        let body = inner.get(indent + 2..).unwrap_or_default();
                        out.push_str(&format!("{pad}- {body}"));
                    }
                    (_, Some(v)) => out.push_str(&format!("{pad}- {v}\n")),
                    (_, None) => {
                        out.push_str(&format!("{pad}-\n"));
                        write_block(out, item, indent + 2);
                    }
                }
            }
        }
        Yaml::Scalar { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(source: &str) -> Yaml {
        let doc = scalable_manifest::load_str(
            source,
            "t.yaml",
            std::path::Path::new("."),
            scalable_manifest::Env::default(),
        )
        .unwrap();
        Yaml::from_node(doc.root())
    }

    #[test]
    fn renders_what_it_read() {
        let source = "version: 1\n\nproject:\n  name: p\n  default_storage: s3://${BUCKET}/x/\n\n\
            components:\n  c:\n    memory: \"16G\"\n    cpus: 0.5\n    tags: [a, b]\n    \
            volume_mounts:\n      - name: data\n        mountPath: /data\n    \
            volumes:\n      - name: data\n        persistentVolumeClaim:\n          claimName: data-pvc\n      \
            - name: tmp\n        emptyDir: {}\n    env:\n      WHEN: \"02:30:00\"\n      FLAG: \"yes\"\n";
        let rendered = tree(source).render();
        assert_eq!(rendered, source);
        assert_eq!(tree(&rendered), tree(source));
    }

    #[test]
    fn new_strings_are_quoted_when_needed() {
        let mut m = Yaml::map();
        m.set("a", Yaml::str("yes"));
        m.set("b", Yaml::str("ghcr.io/x/y:1.0"));
        m.set("c", Yaml::str("a: b"));
        m.set("d", Yaml::Seq(vec![Yaml::str("x,y")]));
        assert_eq!(
            m.render(),
            "a: \"yes\"\n\nb: ghcr.io/x/y:1.0\n\nc: \"a: b\"\n\nd:\n  - \"x,y\"\n"
        );
    }
}

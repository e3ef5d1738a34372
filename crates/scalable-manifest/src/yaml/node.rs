//! The raw YAML tree: every node keeps the position it was written at.

use std::sync::Arc;

/// Where a node starts in the source, 1-based line and column, plus how many
/// characters of that line it covers (for the caret under it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Characters covered on the start line (at least 1).
    pub len: usize,
}

/// A scalar as written: its text and whether it was plain (unquoted), which
/// decides whether `4` is a number or the string "4".
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The scalar's text after `${VAR}` expansion.
    pub text: String,
    /// Plain (unquoted, not a block scalar).
    pub plain: bool,
    /// The text holds the value of a secret-named variable; never echo it.
    pub secret: bool,
    /// Expansion failed and was reported; later checks stay quiet about it.
    pub broken: bool,
}

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub kind: Kind,
    /// Where it was written.
    pub pos: Pos,
}

/// The three shapes a YAML node can take. Collections are reference counted so
/// aliases share their anchor's subtree instead of copying it.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A scalar.
    Scalar(Scalar),
    /// A sequence.
    Seq(Arc<Vec<Node>>),
    /// A mapping, in source order; keys are scalars.
    Map(Arc<Vec<(Node, Node)>>),
}

/// How a plain scalar reads under the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Plain {
    /// `null`, `~` or empty.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Anything else.
    Str,
}

impl Scalar {
    /// Reads a plain scalar as the core schema does; quoted scalars are strings.
    pub fn plain_value(&self) -> Plain {
        if !self.plain {
            return Plain::Str;
        }
        let t = self.text.as_str();
        match t {
            "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
            "true" | "True" | "TRUE" => return Plain::Bool(true),
            "false" | "False" | "FALSE" => return Plain::Bool(false),
            _ => {}
        }
        if let Some(i) = parse_int(t) {
            return Plain::Int(i);
        }
        if looks_like_float(t)
            && let Ok(f) = t.parse::<f64>()
        {
            return Plain::Float(f);
        }
        match t {
            ".inf" | ".Inf" | ".INF" | "+.inf" => Plain::Float(f64::INFINITY),
            "-.inf" | "-.Inf" | "-.INF" => Plain::Float(f64::NEG_INFINITY),
            ".nan" | ".NaN" | ".NAN" => Plain::Float(f64::NAN),
            _ => Plain::Str,
        }
    }

    /// The text as it may appear in a message: secrets are masked.
    pub fn shown(&self) -> String {
        if self.secret {
            "***".to_string()
        } else {
            self.text.clone()
        }
    }
}

fn parse_int(t: &str) -> Option<i64> {
    let (sign, digits) = match t.as_bytes().first()? {
        b'-' => (-1, &t[1..]),
        b'+' => (1, &t[1..]),
        _ => (1, t),
    };
    if let Some(hex) = digits.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(|v| sign * v);
    }
    if let Some(oct) = digits.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(|v| sign * v);
    }
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.parse::<i64>().ok().map(|v| sign * v);
    }
    None
}

fn looks_like_float(t: &str) -> bool {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let mut digits = false;
    for (i, c) in body.char_indices() {
        match c {
            '0'..='9' => digits = true,
            '.' => {}
            'e' | 'E' => return digits && parse_exponent(&body[i + 1..]),
            _ => return false,
        }
    }
    digits
}

fn parse_exponent(t: &str) -> bool {
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

impl Node {
    /// The scalar, if this node is one.
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The mapping entries, if this node is a mapping.
    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items, if this node is a sequence.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.scalar().is_some_and(|s| s.text == key))
            .map(|(_, v)| v)
    }

    /// The key text of a mapping entry's key node (empty for non-scalars).
    pub fn key_text(&self) -> &str {
        self.scalar().map(|s| s.text.as_str()).unwrap_or("")
    }

    /// A short word for the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Map(_) => "a mapping",
            Kind::Seq(_) => "a list",
            Kind::Scalar(s) => match s.plain_value() {
                Plain::Null => "null",
                Plain::Bool(_) => "a boolean",
                Plain::Int(_) => "an integer",
                Plain::Float(_) => "a number",
                Plain::Str => "a string",
            },
        }
    }

    /// An empty mapping at `pos`.
    pub fn empty_map(pos: Pos) -> Node {
        Node {
            kind: Kind::Map(Arc::new(Vec::new())),
            pos,
        }
    }

    /// A scalar node.
    pub fn string(text: impl Into<String>, plain: bool, pos: Pos) -> Node {
        Node {
            kind: Kind::Scalar(Scalar {
                text: text.into(),
                plain,
                secret: false,
                broken: false,
            }),
            pos,
        }
    }

    /// Nodes in this subtree, counting shared subtrees once per use.
    pub fn size(&self) -> usize {
        match &self.kind {
            Kind::Scalar(_) => 1,
            Kind::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Kind::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }

    /// Converts to JSON, reading plain scalars by the core schema.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Scalar(s) => match s.plain_value() {
                Plain::Null => Value::Null,
                Plain::Bool(b) => Value::Bool(b),
                Plain::Int(i) => Value::from(i),
                Plain::Float(f) => serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(s.text.clone())),
                Plain::Str => Value::String(s.text.clone()),
            },
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.key_text().to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

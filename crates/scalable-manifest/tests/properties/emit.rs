//! Emitting generated manifests as YAML or JSON text, keys in a chosen order.

use super::*;

/// The order mapping keys are written in: sorted, or shuffled by a seed.
pub(crate) struct Order(pub(crate) Option<u64>);

impl Order {
    fn keys<'a>(&mut self, map: &'a serde_json::Map<String, Value>) -> Vec<&'a String> {
        let mut keys: Vec<&String> = map.keys().collect();
        if let Some(state) = &mut self.0 {
            // Fisher-Yates with xorshift64: deterministic for a seed.
            for i in (1..keys.len()).rev() {
                *state ^= *state << 13;
                *state ^= *state >> 7;
                *state ^= *state << 17;
                keys.swap(i, (*state % (i as u64 + 1)) as usize);
            }
        }
        keys
    }
}

/// JSON (which is YAML) with keys in `order`.
pub(crate) fn emit_json(v: &Value, order: &mut Order) -> String {
    match v {
        Value::Object(m) => {
            let items: Vec<String> = order
                .keys(m)
                .into_iter()
                .map(|k| format!("{}: {}", Value::from(k.as_str()), emit_json(&m[k], order)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(|x| emit_json(x, order)).collect();
            format!("[{}]", items.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// Block-style YAML with keys in `order`; collections inside lists are
/// written in flow style.
pub(crate) fn emit_block(v: &Value, order: &mut Order) -> String {
    let mut out = String::new();
    block(v, 0, order, &mut out);
    out
}

pub(crate) fn block(v: &Value, indent: usize, order: &mut Order, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for k in order.keys(m) {
                let value = &m[k];
                out.push_str(&format!("{pad}{}:", yaml_scalar(k)));
                match value {
                    Value::Object(inner) if !inner.is_empty() => {
                        out.push('\n');
                        block(value, indent + 2, order, out);
                    }
                    Value::Array(inner) if !inner.is_empty() => {
                        out.push('\n');
                        block(value, indent + 2, order, out);
                    }
                    _ => out.push_str(&format!(" {}\n", inline(value, order))),
                }
            }
        }
        Value::Array(a) => {
            for item in a {
                out.push_str(&format!("{pad}- {}\n", inline(item, order)));
            }
        }
        scalar => out.push_str(&format!("{pad}{}\n", inline(scalar, order))),
    }
}

pub(crate) fn inline(v: &Value, order: &mut Order) -> String {
    match v {
        Value::String(s) => yaml_scalar(s),
        other => emit_json(other, order),
    }
}

/// A string as a plain scalar when YAML reads it back as the same string,
/// else double-quoted (JSON escapes are YAML escapes).
pub(crate) fn yaml_scalar(s: &str) -> String {
    let first_ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '.');
    let chars_ok = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c));
    let reads_as_string = Scalar {
        text: s.to_string(),
        plain: true,
        secret: false,
        broken: false,
    }
    .plain_value()
        == Plain::Str;
    if first_ok && chars_ok && reads_as_string {
        s.to_string()
    } else {
        Value::from(s).to_string()
    }
}

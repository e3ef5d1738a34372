//! The canonical encoding of argument values: explicit, ordered and
//! platform-independent (never `std::hash::Hash`, whose output may change
//! between Rust versions). Equal values encode to equal bytes: dictionary
//! entries and set members are sorted by their own encoding, so insertion
//! order does not matter, and an integer encodes the same whether it arrived
//! as a machine integer or as the decimal text of a big one.

/// A value as the cache sees it. The bindings build it from Python objects.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `None`.
    None,
    /// `True` / `False` (distinct from the integers 1 and 0).
    Bool(bool),
    /// An integer that fits 64 bits.
    Int(i64),
    /// Any integer, as its decimal text (`-123`); for ones beyond 64 bits.
    BigInt(String),
    /// A float: every NaN encodes alike; `-0.0` and `0.0` differ.
    Float(f64),
    /// Text.
    Str(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A list.
    List(Vec<Value>),
    /// A tuple (distinct from a list of the same items).
    Tuple(Vec<Value>),
    /// A mapping; order does not matter.
    Dict(Vec<(Value, Value)>),
    /// A set or frozenset; order does not matter.
    Set(Vec<Value>),
    /// Anything else, as the stable serialisation the caller chose (a pickle).
    Opaque(Vec<u8>),
}

// One tag byte per kind. Never reuse or renumber one: keys would change.
const NONE: u8 = b'N';
const FALSE: u8 = b'f';
const TRUE: u8 = b't';
const INT: u8 = b'i';
const FLOAT: u8 = b'd';
const STR: u8 = b's';
const BYTES: u8 = b'b';
const LIST: u8 = b'l';
const TUPLE: u8 = b'u';
const DICT: u8 = b'm';
const SET: u8 = b'e';
const OPAQUE: u8 = b'o';

impl Value {
    /// The canonical bytes of this value.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        self.encode_into(&mut out);
        out
    }

    /// Appends the canonical bytes of this value to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Value::None => out.push(NONE),
            Value::Bool(false) => out.push(FALSE),
            Value::Bool(true) => out.push(TRUE),
            Value::Int(n) => {
                let mut buf = itoa(*n);
                out.push(INT);
                len(out, buf.len());
                out.append(&mut buf);
            }
            Value::BigInt(text) => {
                let text = normalise_int(text);
                out.push(INT);
                len(out, text.len());
                out.extend_from_slice(text.as_bytes());
            }
            Value::Float(x) => {
                let bits = if x.is_nan() {
                    0x7ff8_0000_0000_0000
                } else {
                    x.to_bits()
                };
                out.push(FLOAT);
                out.extend_from_slice(&bits.to_le_bytes());
            }
            Value::Str(s) => bytes(out, STR, s.as_bytes()),
            Value::Bytes(b) => bytes(out, BYTES, b),
            Value::Opaque(b) => bytes(out, OPAQUE, b),
            Value::List(items) => seq(out, LIST, items),
            Value::Tuple(items) => seq(out, TUPLE, items),
            Value::Set(items) => {
                let mut encoded: Vec<Vec<u8>> = items.iter().map(Value::encode).collect();
                encoded.sort_unstable();
                encoded.dedup();
                out.push(SET);
                len(out, encoded.len());
                for e in encoded {
                    out.extend_from_slice(&e);
                }
            }
            Value::Dict(entries) => {
                let mut encoded: Vec<(Vec<u8>, Vec<u8>)> = entries
                    .iter()
                    .map(|(k, v)| (k.encode(), v.encode()))
                    .collect();
                encoded.sort_unstable();
                out.push(DICT);
                len(out, encoded.len());
                for (k, v) in encoded {
                    out.extend_from_slice(&k);
                    out.extend_from_slice(&v);
                }
            }
        }
    }

    /// A short human-readable form for `cache explain` (never part of a key).
    pub fn preview(&self, max: usize) -> String {
        let mut s = String::new();
        self.preview_into(&mut s, max);
        if s.chars().count() > max {
            let cut: String = s.chars().take(max.saturating_sub(1)).collect();
            format!("{cut}…")
        } else {
            s
        }
    }

    fn preview_into(&self, s: &mut String, max: usize) {
        use std::fmt::Write;
        if s.len() > max * 4 {
            return;
        }
        match self {
            Value::None => s.push_str("None"),
            Value::Bool(b) => s.push_str(if *b { "True" } else { "False" }),
            Value::Int(n) => {
                let _ = write!(s, "{n}");
            }
            Value::BigInt(t) => s.push_str(t),
            Value::Float(x) => {
                let _ = write!(s, "{x:?}");
            }
            Value::Str(t) => {
                let _ = write!(s, "{t:?}");
            }
            Value::Bytes(b) => {
                let _ = write!(s, "<{} bytes>", b.len());
            }
            Value::Opaque(b) => {
                let _ = write!(s, "<object, {} bytes pickled>", b.len());
            }
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                let (open, close) = match self {
                    Value::List(_) => ('[', ']'),
                    Value::Tuple(_) => ('(', ')'),
                    _ => ('{', '}'),
                };
                s.push(open);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    item.preview_into(s, max);
                }
                s.push(close);
            }
            Value::Dict(entries) => {
                s.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    k.preview_into(s, max);
                    s.push_str(": ");
                    v.preview_into(s, max);
                }
                s.push('}');
            }
        }
    }
}

fn len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u64).to_le_bytes());
}

fn bytes(out: &mut Vec<u8>, tag: u8, b: &[u8]) {
    out.push(tag);
    len(out, b.len());
    out.extend_from_slice(b);
}

fn seq(out: &mut Vec<u8>, tag: u8, items: &[Value]) {
    out.push(tag);
    len(out, items.len());
    for item in items {
        item.encode_into(out);
    }
}

fn itoa(n: i64) -> Vec<u8> {
    n.to_string().into_bytes()
}

/// `+007` and `7` are the same integer; `-0` is `0`.
fn normalise_int(text: &str) -> String {
    let text = text.trim();
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        "0".to_owned()
    } else if neg {
        format!("-{digits}")
    } else {
        digits.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dict_order_does_not_matter() {
        let a = Value::Dict(vec![
            (Value::Str("a".into()), Value::Int(1)),
            (Value::Str("b".into()), Value::Int(2)),
        ]);
        let b = Value::Dict(vec![
            (Value::Str("b".into()), Value::Int(2)),
            (Value::Str("a".into()), Value::Int(1)),
        ]);
        assert_eq!(a.encode(), b.encode());
    }

    #[test]
    fn kinds_are_distinct() {
        let values = [
            Value::None,
            Value::Bool(true),
            Value::Int(1),
            Value::Float(1.0),
            Value::Str("1".into()),
            Value::Bytes(b"1".to_vec()),
            Value::List(vec![Value::Int(1)]),
            Value::Tuple(vec![Value::Int(1)]),
            Value::Set(vec![Value::Int(1)]),
            Value::Opaque(b"1".to_vec()),
        ];
        for (i, a) in values.iter().enumerate() {
            for b in &values[i + 1..] {
                assert_ne!(a.encode(), b.encode(), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn big_and_small_integers_agree() {
        assert_eq!(
            Value::Int(-42).encode(),
            Value::BigInt("-042".into()).encode()
        );
        assert_eq!(Value::Int(0).encode(), Value::BigInt("-0".into()).encode());
    }

    #[test]
    fn nans_agree() {
        assert_eq!(
            Value::Float(f64::NAN).encode(),
            Value::Float(-f64::NAN).encode()
        );
    }

    #[test]
    fn preview_is_short() {
        let v = Value::List((0..100).map(Value::Int).collect());
        let p = v.preview(20);
        assert_eq!(p.chars().count(), 20);
        assert!(p.ends_with('…'));
        assert_eq!(Value::Str("ssp1".into()).preview(20), "\"ssp1\"");
    }
}

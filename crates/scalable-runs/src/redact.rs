//! Secrets never reach a run record. Three rules, applied to every event, to
//! `run.json`'s command line and to the stored manifest and plan:
//!
//! 1. the value of any JSON key whose name holds `KEY`, `TOKEN`, `SECRET` or
//!    `PASSWORD` (any case) becomes `***`, at any depth (the Dask `key` field
//!    at the top of task, failure and cache events is a task key, not a secret);
//! 2. in any string, `NAME=value` with such a name keeps `NAME=` and loses the
//!    value (`--api-key=…`, `OPENAI_API_KEY=…` in a traceback);
//! 3. the value of every environment variable with such a name (the LLM API key
//!    among them) is replaced wherever it appears, if it is at least
//!    [`MIN_SECRET_LEN`] characters long (shorter values such as `1` would
//!    mask innocent text).

use std::borrow::Cow;

use serde_json::Value;

use crate::schema::Stream;

/// What a secret becomes.
pub const MASK: &str = "***";

/// Environment values shorter than this are not searched for.
pub const MIN_SECRET_LEN: usize = 8;

/// Whether a variable or key of this name holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["KEY", "TOKEN", "SECRET", "PASSWORD"]
        .iter()
        .any(|word| upper.contains(word))
}

/// Masks secrets; built once per recorder.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Secret values to search for, longest first.
    values: Vec<String>,
}

impl Redactor {
    /// A redactor knowing the secret-named variables of this process's environment.
    pub fn from_env() -> Redactor {
        Redactor::with_values(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .filter(|(k, _)| is_secret_name(k))
                .map(|(_, v)| v),
        )
    }

    /// A redactor searching for these secret values (short ones are ignored).
    pub fn with_values(values: impl IntoIterator<Item = String>) -> Redactor {
        let mut values: Vec<String> = values
            .into_iter()
            .filter(|v| v.len() >= MIN_SECRET_LEN)
            .collect();
        values.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        values.dedup();
        Redactor { values }
    }

    /// Redacts an event of `stream` in place.
    pub fn event(&self, stream: Stream, event: &mut Value) {
        let keyed = matches!(stream, Stream::Tasks | Stream::Failures | Stream::Cache);
        match event {
            Value::Object(map) => {
                for (name, value) in map.iter_mut() {
                    if keyed && name == "key" {
                        self.value(value);
                    } else if is_secret_name(name) {
                        mask(value);
                    } else {
                        self.value(value);
                    }
                }
            }
            other => self.value(other),
        }
    }

    /// Redacts any JSON value in place.
    pub fn value(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if let Cow::Owned(clean) = self.text(s) {
                    *s = clean;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            Value::Object(map) => {
                for (name, v) in map.iter_mut() {
                    if is_secret_name(name) {
                        mask(v);
                    } else {
                        self.value(v);
                    }
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Redacts free text: `NAME=value` assignments and known secret values.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = scrub_assignments(text);
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MASK));
            }
        }
        out
    }

    /// Redacts a command line: assignments, secret values, and the value after
    /// a secret-named flag (`--api-key VALUE`).
    pub fn argv(&self, argv: &[String]) -> Vec<String> {
        let mut out = Vec::with_capacity(argv.len());
        let mut mask_next = false;
        for arg in argv {
            if mask_next && !arg.starts_with('-') {
                out.push(MASK.to_owned());
                mask_next = false;
                continue;
            }
            mask_next = arg.starts_with('-') && !arg.contains('=') && is_secret_name(arg);
            out.push(self.text(arg).into_owned());
        }
        out
    }

    /// Redacts YAML text line by line: the value of a secret-named key (block
    /// or flow mapping, block scalars included) becomes `"***"`; a
    /// `${VAR:-default}` value keeps its variable and loses its default.
    pub fn yaml(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        // Indentation of a secret key whose block scalar (`|`, `>`) is being masked.
        let mut block: Option<usize> = None;
        for line in text.split_inclusive('\n') {
            let body = line.trim_end_matches(['\n', '\r']);
            let ending = &line[body.len()..];
            let indent = body.len() - body.trim_start().len();
            if let Some(key_indent) = block {
                if body.trim().is_empty() || indent > key_indent {
                    if !body.trim().is_empty() {
                        out.push_str(&body[..indent]);
                        out.push_str(MASK);
                    }
                    out.push_str(ending);
                    continue;
                }
                block = None;
            }
            let (masked, opens_block) = mask_yaml_line(body);
            if opens_block {
                block = Some(indent);
            }
            out.push_str(&self.text(&masked));
            out.push_str(ending);
        }
        out
    }
}

fn mask(value: &mut Value) {
    if !value.is_null() {
        *value = Value::String(MASK.to_owned());
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// `NAME=value` with a secret-named NAME keeps `NAME=` and masks the value.
fn scrub_assignments(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if !bytes.contains(&b'=') {
        return Cow::Borrowed(text);
    }
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `text` already in `out`
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'=' {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > 0 && is_name_byte(bytes[start - 1]) {
            start -= 1;
        }
        let name = &text[start..i];
        if name.is_empty() || !is_secret_name(name) {
            i += 1;
            continue;
        }
        let mut v = i + 1;
        let quote = bytes.get(v).copied().filter(|q| *q == b'"' || *q == b'\'');
        if quote.is_some() {
            v += 1;
        }
        let mut end = v;
        while end < bytes.len() {
            let b = bytes[end];
            let stop = match quote {
                Some(q) => b == q,
                None => {
                    b.is_ascii_whitespace()
                        || matches!(b, b'"' | b'\'' | b',' | b';' | b'&' | b')' | b']' | b'}')
                }
            };
            if stop {
                break;
            }
            end += 1;
        }
        if end > v && &text[v..end] != MASK {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..v]);
            o.push_str(MASK);
            copied = end;
        }
        i = end.max(i + 1);
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Masks `secret_name: value` pairs in one YAML line. Returns the line and
/// whether a secret key opens a block scalar on the lines below.
fn mask_yaml_line(line: &str) -> (Cow<'_, str>, bool) {
    let bytes = line.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut opens_block = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b':' || !(i + 1 == bytes.len() || bytes[i + 1] == b' ') {
            i += 1;
            continue;
        }
        // The key: a name, maybe quoted, right before the colon.
        let mut end = i;
        let quoted = end > 0 && matches!(bytes[end - 1], b'"' | b'\'');
        if quoted {
            end -= 1;
        }
        let mut start = end;
        while start > 0 && is_name_byte(bytes[start - 1]) {
            start -= 1;
        }
        if start == end || !is_secret_name(&line[start..end]) {
            i += 1;
            continue;
        }
        // The value: to the end of the line, a comment, or (in a flow
        // mapping) the next `,` or `}`.
        let in_flow = line[..start].matches('{').count() > line[..start].matches('}').count();
        let mut v = i + 1;
        while v < bytes.len() && bytes[v] == b' ' {
            v += 1;
        }
        let mut stop = v;
        let mut quote: Option<u8> = None;
        while stop < bytes.len() {
            let b = bytes[stop];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if (b == b'"' || b == b'\'') && stop == v => quote = Some(b),
                None if in_flow && (b == b',' || b == b'}') => break,
                None if b == b'#' && stop > v && bytes[stop - 1] == b' ' => break,
                None => {}
            }
            stop += 1;
        }
        let value = line[v..stop].trim_end();
        let value_end = v + value.len();
        let replacement: Option<String> = if value.is_empty() {
            None
        } else if value.starts_with('|') || value.starts_with('>') {
            opens_block = true;
            None
        } else if let Some(var) = value.strip_prefix("${") {
            // `${VAR}` names a variable, not a secret; a default is a literal.
            var.find(":-")
                .map(|d| format!("${{{}:-{MASK}}}", &var[..d]))
        } else if value.trim_matches(['"', '\'']) == MASK {
            None
        } else {
            Some(format!("\"{MASK}\""))
        };
        if let Some(r) = replacement {
            let o = out.get_or_insert_with(|| String::with_capacity(line.len() + 8));
            o.push_str(&line[copied..v]);
            o.push_str(&r);
            copied = value_end;
        }
        i = value_end.max(i + 1);
    }
    let line = match out {
        None => Cow::Borrowed(line),
        Some(mut o) => {
            o.push_str(&line[copied..]);
            Cow::Owned(o)
        }
    };
    (line, opens_block)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn masks_secret_named_keys_at_any_depth_but_not_the_task_key() {
        let r = Redactor::default();
        let mut event = json!({
            "key": "run-abc",
            "args": {"api_key": "sk-123", "Password": 5, "token": null, "scenario": "ssp1"},
            "extra": {"nested": [{"AWS_SECRET_ACCESS_KEY": {"a": 1}}]},
        });
        r.event(Stream::Tasks, &mut event);
        assert_eq!(
            event,
            json!({
                "key": "run-abc",
                "args": {"api_key": "***", "Password": "***", "token": null, "scenario": "ssp1"},
                "extra": {"nested": [{"AWS_SECRET_ACCESS_KEY": "***"}]},
            })
        );
        let mut worker = json!({"key": "abc"});
        r.event(Stream::Workers, &mut worker);
        assert_eq!(worker, json!({"key": "***"}));
    }

    #[test]
    fn masks_assignments_in_text() {
        let r = Redactor::default();
        assert_eq!(
            r.text("export OPENAI_API_KEY=sk-abc; run --token='t 1' x==y a=b"),
            "export OPENAI_API_KEY=***; run --token='***' x==y a=b"
        );
        assert_eq!(r.text("KeyError: 'scenario'"), "KeyError: 'scenario'");
        assert!(matches!(r.text("no secrets"), Cow::Borrowed(_)));
    }

    #[test]
    fn masks_known_secret_values_anywhere() {
        let r = Redactor::with_values(["sk-live-0123456789".to_owned(), "short".to_owned()]);
        assert_eq!(
            r.text("401: bad key sk-live-0123456789 (short)"),
            "401: bad key *** (short)"
        );
    }

    #[test]
    fn masks_argv() {
        let r = Redactor::default();
        let argv: Vec<String> = [
            "python",
            "wf.py",
            "--api-key",
            "abc",
            "--db-password=x",
            "-v",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            r.argv(&argv),
            [
                "python",
                "wf.py",
                "--api-key",
                "***",
                "--db-password=***",
                "-v"
            ]
        );
    }

    #[test]
    fn masks_yaml_values() {
        let r = Redactor::default();
        let yaml = "\
components:
  demeter:
    env:
      OMP_NUM_THREADS: \"1\"
      API_TOKEN: abc123 # from vault
      DB_PASSWORD: ${DB_PASSWORD}
      SECRET_WITH_DEFAULT: ${S:-hunter2}
      flow: {MY_KEY: v1, other: v2}
      CERT_KEY: |
        -----BEGIN-----
        abc
      after: 1
";
        insta::assert_snapshot!(r.yaml(yaml), @r#"
        components:
          demeter:
            env:
              OMP_NUM_THREADS: "1"
              API_TOKEN: "***" # from vault
              DB_PASSWORD: ${DB_PASSWORD}
              SECRET_WITH_DEFAULT: ${S:-***}
              flow: {MY_KEY: "***", other: v2}
              CERT_KEY: |
                ***
                ***
              after: 1
        "#);
    }
}

//! Provider artifacts rendered from a plan (never from the YAML): sbatch
//! scripts for Slurm, Dask Kubernetes Operator resources for Kubernetes and
//! ECS task definitions for AWS. `scalable plan --emit DIR` writes them.
//!
//! Each provider module turns the plan into a small context and renders a
//! template from `crates/scalable-plan/templates/` with it. The output is a
//! function of the plan alone: the same plan gives the same bytes. Values of
//! secret-named variables are `***` in the plan; artifacts never carry them
//! and instead take the value from where the worker runs (the job
//! environment, a Kubernetes Secret, SSM Parameter Store).

mod aws;
mod kubernetes;
mod slurm;

use std::sync::OnceLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};

use crate::model::Plan;

/// One file to write: a name relative to the output directory and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// File name relative to the directory artifacts are written to.
    pub path: String,
    /// The file's contents.
    pub contents: String,
}

/// The provider artifacts of `plan`; none for providers without any
/// (`local`, `gcp`).
pub fn emit(plan: &Plan) -> Vec<Artifact> {
    match plan.provider.name.as_str() {
        "slurm" => slurm::emit(plan),
        "kubernetes" => kubernetes::emit(plan),
        "aws" => aws::emit(plan),
        _ => Vec::new(),
    }
}

/// The image a worker runs when neither its component nor the target names
/// one: the image the Dask Kubernetes Operator defaults to.
pub const DEFAULT_IMAGE: &str = "ghcr.io/dask/dask:latest";

/// What plans show instead of a secret value.
const MASKED: &str = "***";

/// One environment variable of a worker: a value, or `None` when it is secret
/// and must come from where the worker runs.
#[derive(Debug, Clone, serde::Serialize)]
struct EnvVar {
    name: String,
    value: Option<String>,
}

/// `env` as artifact entries: secret-named variables and values with a
/// secret masked in them become pass-through (`value: None`).
fn env_vars<'a>(env: impl IntoIterator<Item = (&'a String, &'a String)>) -> Vec<EnvVar> {
    env.into_iter()
        .map(|(name, value)| EnvVar {
            name: name.clone(),
            value: (!value.contains(MASKED) && !scalable_manifest::is_secret_name(name))
                .then(|| value.clone()),
        })
        .collect()
}

/// A target option as a string.
fn option_str<'a>(plan: &'a Plan, key: &str) -> Option<&'a str> {
    plan.provider.options.get(key).and_then(|v| v.as_str())
}

/// An image reference for Kubernetes and ECS, which pull from registries
/// themselves (an Apptainer-style `docker://` prefix is dropped).
fn registry_image(image: &str) -> &str {
    image.strip_prefix("docker://").unwrap_or(image)
}

/// Renders template `name` with `ctx`. The templates are part of this crate
/// and their contexts are built here, so a failure is a bug.
fn render(name: &str, ctx: &impl serde::Serialize) -> String {
    let template = templates()
        .get_template(name)
        .expect("emit templates are built in");
    match template.render(Value::from(Serde(ctx))) {
        Ok(text) => text,
        Err(e) => panic!("cannot render `{name}`: {e:#}"),
    }
}

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("a valid syntax"),
        );
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.add_filter("sh", |s: String| shell_quote(&s));
        env.add_filter("yq", |v: Value| yaml_scalar_value(&v));
        env.add_filter("yaml", |v: Value, indent: usize| {
            let json = serde_json::to_value(&v).unwrap_or(serde_json::Value::Null);
            yaml_block(&json, indent)
        });
        for (name, source) in [
            ("sbatch.sh.j2", include_str!("../../templates/sbatch.sh.j2")),
            (
                "daskcluster.yaml.j2",
                include_str!("../../templates/daskcluster.yaml.j2"),
            ),
            (
                "ecs-taskdef.json.j2",
                include_str!("../../templates/ecs-taskdef.json.j2"),
            ),
        ] {
            env.add_template(name, source)
                .expect("emit templates parse");
        }
        env
    })
}

/// `s` as one bash word: as it is when it holds only characters bash leaves
/// alone, else single-quoted.
pub(crate) fn shell_quote(s: &str) -> String {
    let safe = |b: u8| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b);
    if !s.is_empty() && s.bytes().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A YAML scalar: plain when that cannot be read as anything but this
/// string, else double-quoted (JSON string syntax is valid YAML).
fn yaml_string(s: &str) -> String {
    const WORDS: &[&str] = &[
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    ];
    // A flag like `--resources` starts plain too; `-1` would read as a number.
    let first = s.trim_start_matches('-').bytes().next();
    let plain = first.is_some_and(|b| {
        b.is_ascii_alphabetic() || (b == b'_' || b == b'/') && !s.starts_with('-')
    }) && s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_./@+=:-".contains(&b))
        && !s.ends_with(':')
        && !WORDS.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

fn yaml_scalar_value(v: &Value) -> String {
    match serde_json::to_value(v).unwrap_or(serde_json::Value::Null) {
        serde_json::Value::String(s) => yaml_string(&s),
        other => yaml_inline(&other),
    }
}

/// Scalars and empty collections, on one line.
fn yaml_inline(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::Null => "null".to_string(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => yaml_string(s),
        J::Array(_) => "[]".to_string(),
        J::Object(_) => "{}".to_string(),
    }
}

fn is_block(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Array(a) => !a.is_empty(),
        serde_json::Value::Object(m) => !m.is_empty(),
        _ => false,
    }
}

/// `v` as block-style YAML, every line indented by `indent` spaces, no
/// trailing newline. Sequences sit at their key's indentation, as kubectl
/// writes them.
fn yaml_block(v: &serde_json::Value, indent: usize) -> String {
    let mut lines = Vec::new();
    block_lines(v, indent, &mut lines);
    lines.join("\n")
}

fn block_lines(v: &serde_json::Value, indent: usize, out: &mut Vec<String>) {
    use serde_json::Value as J;
    let pad = " ".repeat(indent);
    match v {
        J::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let key = yaml_string(k);
                match v {
                    J::Object(_) if is_block(v) => {
                        out.push(format!("{pad}{key}:"));
                        block_lines(v, indent + 2, out);
                    }
                    J::Array(_) if is_block(v) => {
                        out.push(format!("{pad}{key}:"));
                        block_lines(v, indent, out);
                    }
                    _ => out.push(format!("{pad}{key}: {}", yaml_inline(v))),
                }
            }
        }
        J::Array(items) if !items.is_empty() => {
            for item in items {
                if is_block(item) {
                    let mut inner = Vec::new();
                    block_lines(item, indent + 2, &mut inner);
                    let first = inner.remove(0);
                    out.push(format!("{pad}- {}", &first[indent + 2..]));
                    out.extend(inner);
                } else {
                    out.push(format!("{pad}- {}", yaml_inline(item)));
                }
            }
        }
        other => out.push(format!("{pad}{}", yaml_inline(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        assert_eq!(shell_quote("demeter=1"), "demeter=1");
        assert_eq!(shell_quote("/data/a,b:c"), "/data/a,b:c");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's $HOME"), r"'it'\''s $HOME'");
    }

    #[test]
    fn yaml_scalars() {
        assert_eq!(
            yaml_string("ghcr.io/dask/dask:latest"),
            "ghcr.io/dask/dask:latest"
        );
        assert_eq!(yaml_string("8788"), "\"8788\"");
        assert_eq!(yaml_string("16Gi"), "\"16Gi\"");
        assert_eq!(yaml_string("no"), "\"no\"");
        assert_eq!(
            yaml_string("$(DASK_WORKER_NAME)"),
            "\"$(DASK_WORKER_NAME)\""
        );
        assert_eq!(yaml_string("a: b"), "\"a: b\"");
        assert_eq!(yaml_string("line\nbreak"), "\"line\\nbreak\"");
        assert_eq!(yaml_string("--resources"), "--resources");
        assert_eq!(yaml_string("-1"), "\"-1\"");
    }

    #[test]
    fn yaml_blocks() {
        let v = serde_json::json!({
            "name": "data",
            "persistentVolumeClaim": {"claimName": "demeter-data", "readOnly": true},
            "items": [{"key": "a", "path": "b"}, "x", []],
            "empty": {},
        });
        assert_eq!(
            yaml_block(&v, 2),
            "  empty: {}\n  items:\n  - key: a\n    path: b\n  - x\n  - []\n  name: data\n  \
             persistentVolumeClaim:\n    claimName: demeter-data\n    readOnly: true"
        );
        let list = serde_json::json!([{"name": "a", "nested": [{"k": 1}]}]);
        assert_eq!(yaml_block(&list, 0), "- name: a\n  nested:\n  - k: 1");
    }
}

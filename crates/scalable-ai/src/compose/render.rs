//! A composition as files and text: the workflow from the templates in
//! `templates/compose/`, the manifest additions as YAML, and what
//! `scalable compose` prints (text or JSON).

use serde_json::{Map, Value};

use super::Composition;
use super::generate::{Additions, Workflow};
use crate::explain::render::{WIDTH, wrap};
use crate::onboard::component::scalar;

/// The templates, by file name, compiled into the binary.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "workflow.py.j2",
        include_str!("../../templates/compose/workflow.py.j2"),
    ),
    (
        "prepare_ini.py.j2",
        include_str!("../../templates/compose/prepare_ini.py.j2"),
    ),
    (
        "prepare_copy.py.j2",
        include_str!("../../templates/compose/prepare_copy.py.j2"),
    ),
    (
        "run_call.py.j2",
        include_str!("../../templates/compose/run_call.py.j2"),
    ),
    (
        "run_config_todo.py.j2",
        include_str!("../../templates/compose/run_config_todo.py.j2"),
    ),
    (
        "run_todo.py.j2",
        include_str!("../../templates/compose/run_todo.py.j2"),
    ),
    (
        "run_downstream.py.j2",
        include_str!("../../templates/compose/run_downstream.py.j2"),
    ),
    (
        "plot.py.j2",
        include_str!("../../templates/compose/plot.py.j2"),
    ),
    (
        "aggregate.py.j2",
        include_str!("../../templates/compose/aggregate.py.j2"),
    ),
    (
        "report.py.j2",
        include_str!("../../templates/compose/report.py.j2"),
    ),
];

/// The compiled templates.
pub struct Templates {
    env: minijinja::Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

impl Templates {
    /// Compiles every template of [`TEMPLATES`].
    pub fn new() -> Templates {
        let mut env = minijinja::Environment::new();
        for (name, source) in TEMPLATES {
            // The templates are ours and fixed; tests render every one.
            let _ = env.add_template(name, source);
        }
        Templates { env }
    }

    /// A function body from template `name`, without its final newline.
    pub fn body(&self, name: &str, context: minijinja::Value) -> String {
        self.render(name, context)
            .trim_end_matches('\n')
            .to_string()
    }

    fn render(&self, name: &str, context: minijinja::Value) -> String {
        match self.env.get_template(name).and_then(|t| t.render(context)) {
            Ok(text) => text,
            // A bug in our templates, caught by the corpus tests; never user input.
            Err(e) => format!("# template error in {name}: {e}\n"),
        }
    }

    /// The workflow's code.
    pub fn workflow(&self, wf: &Workflow) -> String {
        let text = self.render(
            "workflow.py.j2",
            minijinja::Value::from(minijinja::value::Serde(wf)),
        );
        tidy(&text)
    }
}

/// Collapses runs of more than two blank lines (left by template blocks),
/// and ends the file with one newline.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blanks = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blanks += 1;
            if blanks > 2 {
                continue;
            }
        } else {
            blanks = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    let trimmed = out.trim_end_matches('\n').len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

/// A `# TODO:` comment wrapped to fit 96 columns at `indent` spaces.
pub fn todo(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    wrap(text, &format!("{pad}# TODO: "), &format!("{pad}#   "), 96).join("\n")
}

/// A `#` comment wrapped to fit 96 columns at `indent` spaces (the
/// project's ruff allows 100).
pub fn comment(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    wrap(text, &format!("{pad}# "), &format!("{pad}# "), 96).join("\n")
}

/// The keys of a component in the order the manifest docs write them.
const KEY_ORDER: &[&str] = &[
    "image", "runtime", "cpus", "memory", "tags", "mounts", "env",
];

fn value_yaml(v: &Value) -> String {
    match v {
        Value::String(s) => scalar(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(value_yaml).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(_) => serde_json::to_string(v).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn component_yaml(name: &str, fields: &Map<String, Value>, out: &mut String) {
    out.push_str(&format!("  {}:\n", scalar(name)));
    let mut keys: Vec<&String> = fields.keys().collect();
    keys.sort_by_key(|k| {
        (
            KEY_ORDER
                .iter()
                .position(|o| o == k)
                .unwrap_or(KEY_ORDER.len()),
            k.to_string(),
        )
    });
    for key in keys {
        match &fields[key] {
            Value::Object(map) if !map.is_empty() => {
                out.push_str(&format!("    {}:\n", scalar(key)));
                for (k, v) in map {
                    out.push_str(&format!("      {}: {}\n", scalar(k), value_yaml(v)));
                }
            }
            Value::Object(_) | Value::Null => {}
            Value::Array(a) if a.is_empty() => {}
            v => out.push_str(&format!("    {}: {}\n", scalar(key), value_yaml(v))),
        }
    }
}

/// The additions as YAML: `components:` and `tasks:`, plus `version`,
/// `project` and a local target when there is no manifest to merge into.
pub fn additions_yaml(a: &Additions, manifest: Option<&str>) -> String {
    let mut out = String::new();
    match (&a.project, manifest) {
        (Some(project), _) => {
            out.push_str("# A whole manifest: no scalable.yaml was found to add to.\n");
            out.push_str("version: 1\n\nproject:\n");
            out.push_str(&format!("  name: {}\n", scalar(project)));
            out.push_str(&format!("  default_storage: {}\n", scalar(&a.storage)));
            out.push_str("  local_cache: ./.scalable/cache\n\n");
            out.push_str("targets:\n  local:\n    provider: local\n    containers: none\n\n");
        }
        (None, Some(m)) => {
            out.push_str(&format!(
                "# Merge into {m} (what it already declares is left out).\n"
            ));
        }
        (None, None) => {}
    }
    if a.components.is_empty() && a.tasks.is_empty() {
        out.push_str("# Nothing to add: the manifest declares every component and task.\n");
        return out;
    }
    if !a.components.is_empty() {
        out.push_str("components:\n");
        for (name, fields) in &a.components {
            component_yaml(name, fields, &mut out);
        }
    }
    if !a.tasks.is_empty() {
        if !a.components.is_empty() {
            out.push('\n');
        }
        out.push_str("tasks:\n");
        for (name, component) in &a.tasks {
            out.push_str(&format!(
                "  {}:\n    component: {}\n    cache: true\n",
                scalar(name),
                scalar(component)
            ));
        }
    }
    out
}

const RULE: &str = "═══════════════════";

fn push_wrapped(out: &mut String, text: &str, first: &str, rest: &str) {
    for line in wrap(text, first, rest, WIDTH) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// The text `scalable compose` prints: the workflow, the additions, the
/// dependencies (the tutorial's Step 5 layout), then what was understood.
pub fn text(c: &Composition) -> String {
    let mut out = String::new();
    if c.workflow_code.is_empty() {
        out.push_str("Nothing to compose: no model to run was recognised.\n");
    } else {
        out.push_str(&format!("Generated workflow:\n{RULE}\n\n# workflow.py\n"));
        out.push_str(&c.workflow_code);
        out.push_str(&format!("\n{RULE}\nSuggested manifest additions:\n\n"));
        out.push_str(&c.manifest_additions);
        out.push_str("\nDependencies:\n");
        for d in &c.dependencies {
            out.push_str(&format!("  • {d}\n"));
        }
    }
    out.push_str("\nUnderstood:\n");
    for line in &c.understood {
        push_wrapped(&mut out, line, "  ", "    ");
    }
    if !c.written.is_empty() {
        out.push_str("\nWritten:\n");
        for w in &c.written {
            out.push_str(&format!("  {w}\n"));
        }
    }
    if !c.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in &c.notes {
            push_wrapped(&mut out, n, "  • ", "    ");
        }
    }
    out.push_str(&format!("\n({} mode)\n", c.mode));
    out
}

/// One JSON document: every field, plus `text`.
pub fn json(c: &Composition) -> String {
    let mut value = serde_json::to_value(c).expect("a composition serialises");
    if let Some(map) = value.as_object_mut() {
        map.insert("text".to_string(), Value::String(text(c)));
    }
    let mut s = serde_json::to_string_pretty(&value).expect("JSON values serialise");
    s.push('\n');
    s
}

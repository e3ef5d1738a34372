//! An onboarding as text (the tutorial's Step 2 layout) or JSON.

use crate::explain::render::{WIDTH, wrap};

use super::Onboarding;

/// The text `scalable init-component` prints: what was detected, the
/// generated component and task binding, where the file went, then
/// recommendations, notes and the mode.
pub fn text(o: &Onboarding) -> String {
    let mut out = format!("Analyzing {}...\nDetected:\n", o.path);
    let language = match &o.language.reason {
        Some(reason) => format!("{} ({reason})", o.language.display),
        None => o.language.display.clone(),
    };
    push(&mut out, &format!("Language: {language}"), "  ", "    ");
    let deps = if o.dependencies.items.is_empty() {
        "none found".to_string()
    } else {
        o.dependencies
            .items
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let indent = " ".repeat("  Dependencies: ".len());
    push(&mut out, &format!("Dependencies: {deps}"), "  ", &indent);
    let entry = o
        .entry_point
        .as_ref()
        .map(|e| e.call.clone())
        .unwrap_or_else(|| "not found".to_string());
    // Entry points and image names are single tokens a reader copies: keep
    // them on one line even when long.
    out.push_str(&format!("  Entry point: {entry}\n"));
    let container = match &o.container {
        Some(c) => match &c.base_image {
            Some(base) => format!("{} ({base})", c.kind),
            None => c.kind.clone(),
        },
        None => "none found".to_string(),
    };
    out.push_str(&format!("  Container: {container}\n"));
    let cpus = if o.resources.cpus == 1 { "CPU" } else { "CPUs" };
    out.push_str(&format!(
        "  Estimated resources: {} {cpus}, {} memory\n",
        o.resources.cpus, o.resources.memory
    ));
    out.push_str("\nGenerated component configuration:\n\n");
    out.push_str(&o.component_yaml);
    out.push_str("\nSuggested task binding:\n\n");
    out.push_str(&o.task_yaml);
    if let Some(path) = &o.written_to {
        out.push_str(&format!("\nWritten to: {path}\n"));
    }
    if let Some(path) = &o.dockerfile_written {
        out.push_str(&format!("Dockerfile written to: {path}\n"));
    }
    for (title, items) in [("Recommendations", &o.recommendations), ("Notes", &o.notes)] {
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}:\n"));
        for item in items {
            for line in wrap(item, "  • ", "    ", WIDTH) {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out.push_str(&format!("\n({} mode)\n", o.mode));
    out
}

fn push(out: &mut String, text: &str, first: &str, rest: &str) {
    for line in wrap(text, first, rest, WIDTH) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// One JSON document: every field of the onboarding, plus `text`.
pub fn json(o: &Onboarding) -> String {
    let mut value = serde_json::to_value(o).expect("an onboarding serialises");
    if let Some(map) = value.as_object_mut() {
        map.insert("text".to_string(), serde_json::Value::String(text(o)));
    }
    let mut s = serde_json::to_string_pretty(&value).expect("JSON values serialise");
    s.push('\n');
    s
}

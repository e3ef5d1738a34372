//! A diagnosis as text (the tutorial's layout), JSON or Markdown.

use serde::Serialize;

use super::Diagnosis;
use super::recommend::{failures, label};
use crate::explain::render::{WIDTH, wrap};

/// The banner is at least this wide (the tutorial's), wider for a long run id.
const BANNER: usize = 59;

/// The text `scalable diagnose` prints: banner, status, the findings
/// (PRIMARY, SECONDARY, TERTIARY, then ALSO) with pattern and evidence, the
/// numbered recommendations, then the mode.
pub fn text(d: &Diagnosis) -> String {
    let mut out = String::new();
    let title = format!("Diagnosis: {}", d.run_id);
    let rule = "═".repeat(BANNER.max(title.chars().count()));
    out.push_str(&format!("{rule}\n{title}\n{rule}\n\n"));
    // One line, as the tutorial prints it, however long.
    out.push_str(&format!("Status: {}\n\n", d.status_line));
    for note in &d.notes {
        push_wrapped(&mut out, &format!("Note: {note}."), "", "  ");
    }
    if !d.notes.is_empty() {
        out.push('\n');
    }
    if d.findings.is_empty() {
        push_wrapped(&mut out, &format!("{}.", d.summary), "", "");
        out.push_str(&format!("\n({} mode)\n", d.mode));
        return out;
    }
    heading(&mut out, "Root Cause Analysis:");
    for f in &d.findings {
        out.push_str(&format!(
            "{}: {} ({} of {})\n",
            label(f.severity),
            f.title,
            f.count,
            failures(f.of)
        ));
        push_wrapped(&mut out, &format!("Pattern: {}", f.pattern), "  ", "  ");
        push_wrapped(&mut out, &format!("Evidence: {}", f.evidence), "  ", "  ");
        out.push('\n');
    }
    heading(&mut out, "Recommendations:");
    for (i, r) in d.recommendations.iter().enumerate() {
        let number = format!("{}. ", i + 1);
        let indent = " ".repeat(number.len());
        push_wrapped(&mut out, r, &number, &indent);
    }
    out.push_str(&format!("\n({} mode)\n", d.mode));
    out
}

/// The diagnosis as one pretty JSON document, with the text rendering in `text`.
pub fn json(d: &Diagnosis) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        #[serde(flatten)]
        diagnosis: &'a Diagnosis,
        text: String,
    }
    let doc = Document {
        diagnosis: d,
        text: text(d),
    };
    serde_json::to_string_pretty(&doc).expect("a diagnosis always serialises") + "\n"
}

/// The diagnosis as Markdown (unwrapped; categories and rule codes shown).
pub fn markdown(d: &Diagnosis) -> String {
    let mut out = format!(
        "# Diagnosis: {}\n\n**Status:** {}\n\n",
        d.run_id, d.status_line
    );
    for note in &d.notes {
        out.push_str(&format!("> Note: {note}.\n"));
    }
    if !d.notes.is_empty() {
        out.push('\n');
    }
    if d.findings.is_empty() {
        out.push_str(&format!("{}.\n\n_({} mode)_\n", d.summary, d.mode));
        return out;
    }
    out.push_str("## Root cause analysis\n\n");
    for f in &d.findings {
        let rules: Vec<String> = f.rules.keys().map(|c| format!("`{c}`")).collect();
        out.push_str(&format!(
            "### {}: {} ({} of {})\n\n- **Category:** `{}`\n- **Pattern:** {}\n- **Evidence:** {}\n- **Rules:** {}\n\n",
            label(f.severity),
            f.title,
            f.count,
            failures(f.of),
            f.category.as_str(),
            f.pattern,
            f.evidence,
            rules.join(", ")
        ));
    }
    out.push_str("## Recommendations\n\n");
    for (i, r) in d.recommendations.iter().enumerate() {
        out.push_str(&format!("{}. {r}\n", i + 1));
    }
    out.push_str(&format!("\n_({} mode)_\n", d.mode));
    out
}

fn heading(out: &mut String, title: &str) {
    out.push_str(title);
    out.push('\n');
    out.push_str(&"─".repeat(title.chars().count() + 1));
    out.push('\n');
}

fn push_wrapped(out: &mut String, text: &str, first: &str, rest: &str) {
    for line in wrap(text, first, rest, WIDTH) {
        out.push_str(&line);
        out.push('\n');
    }
}

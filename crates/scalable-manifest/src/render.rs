//! Diagnostics for people (compiler-style, with a source excerpt) and for
//! tools (one JSON object).

use std::fmt::Write;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::document::Report;

/// Renders one diagnostic: `file:line:col: error[CODE]: message`, the source
/// line with a caret under the problem and the dotted path, then `help:`.
pub fn diagnostic(d: &Diagnostic, source: &str) -> String {
    let line = source.lines().nth(d.line.wrapping_sub(1));
    excerpt(d, line)
}

/// [`diagnostic`] given the source line `d` points at.
fn excerpt(d: &Diagnostic, line: Option<&str>) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = String::new();
    if d.line == 0 {
        let _ = writeln!(out, "{}: {level}[{}]: {}", d.file, d.code, d.message);
    } else {
        let _ = writeln!(
            out,
            "{}:{}:{}: {level}[{}]: {}",
            d.file, d.line, d.column, d.code, d.message
        );
    }
    if let Some(text) = line.filter(|_| d.line > 0) {
        let number = d.line.to_string();
        let pad = " ".repeat(number.len());
        let text = text.replace('\t', " ");
        let width = d
            .len
            .min(text.chars().count().saturating_sub(d.column - 1).max(1));
        let label = if d.path.is_empty() {
            String::new()
        } else {
            format!(" {}", d.path)
        };
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{number} | {text}");
        let _ = writeln!(
            out,
            "{pad} | {}{}{label}",
            " ".repeat(d.column - 1),
            "^".repeat(width)
        );
        if let Some(h) = &d.hint {
            let _ = writeln!(out, "{pad} = help: {h}");
        }
    } else if let Some(h) = &d.hint {
        let _ = writeln!(out, "  = help: {h}");
    }
    out
}

/// Every diagnostic then a count line.
pub fn text(report: &Report, source: &str) -> String {
    let mut out = String::new();
    // Split once: finding each diagnostic's line afresh is quadratic.
    let lines: Vec<&str> = source.lines().collect();
    for d in &report.diagnostics {
        out.push_str(&excerpt(d, lines.get(d.line.wrapping_sub(1)).copied()));
        out.push('\n');
    }
    let errors = report.errors().count();
    let warnings = report.warnings().count();
    let verdict = if errors == 0 { "valid" } else { "invalid" };
    let _ = writeln!(
        out,
        "{}: {verdict} ({}, {})",
        report.file,
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    ok: bool,
    file: &'a str,
    errors: Vec<&'a Diagnostic>,
    warnings: Vec<&'a Diagnostic>,
}

/// The report as one JSON object: `ok`, `file`, `errors`, `warnings`.
pub fn json(report: &Report) -> String {
    let value = JsonReport {
        ok: report.ok(),
        file: &report.file,
        errors: report.errors().collect(),
        warnings: report.warnings().collect(),
    };
    serde_json::to_string_pretty(&value).expect("a report always serialises") + "\n"
}

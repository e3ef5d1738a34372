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
        let (text, column) = clip(text, d.column.max(1) - 1);
        let width = d
            .len
            .min(text.chars().count().saturating_sub(column).max(1));
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
            " ".repeat(column),
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

/// Characters of a source line shown at most: a longer line (a minified or
/// generated file can be one line of megabytes) is cut to a window around the
/// problem.
const EXCERPT: usize = 120;

/// The source line as shown, tabs as spaces, cut to [`EXCERPT`] characters
/// around the 0-based character `column` with `…` where text was left out; and
/// the column in what is shown.
fn clip(line: &str, column: usize) -> (String, usize) {
    let n = line.chars().count();
    if n <= EXCERPT {
        return (line.replace('\t', " "), column);
    }
    // The problem a third of the way in: it is followed by what it is about.
    let start = column.saturating_sub(EXCERPT / 3).min(n - EXCERPT);
    let end = start + EXCERPT;
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(
        line.chars()
            .skip(start)
            .take(EXCERPT)
            .map(|c| if c == '\t' { ' ' } else { c }),
    );
    if end < n {
        shown.push('…');
    }
    (shown, column - start + usize::from(start > 0))
}

/// Every diagnostic then a count line.
pub fn text(report: &Report, source: &str) -> String {
    let mut out = String::new();
    // Split once: finding each diagnostic's line afresh is quadratic. A
    // valid file needs no split.
    let lines: Vec<&str> = if report.diagnostics.is_empty() {
        Vec::new()
    } else {
        source.lines().collect()
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::yaml::Pos;

    fn at(column: usize, len: usize) -> Diagnostic {
        let mut d = Diagnostic::new(
            Code::Limit,
            "x",
            Pos {
                line: 1,
                column,
                len,
            },
            "m",
        );
        d.file = "f.yaml".into();
        d
    }

    /// The excerpt's source line and caret line.
    fn excerpt_lines(d: &Diagnostic, source: &str) -> (String, String) {
        let out = diagnostic(d, source);
        let lines: Vec<&str> = out.lines().collect();
        (lines[2].to_string(), lines[3].to_string())
    }

    #[test]
    fn short_lines_are_shown_whole() {
        let (line, caret) = excerpt_lines(&at(7, 3), "key:\t abc def");
        assert_eq!(line, "1 | key:  abc def");
        assert_eq!(caret, "  |       ^^^ x");
    }

    #[test]
    fn long_lines_are_clipped_around_the_problem() {
        let source = format!("{}TARGET{}", "a".repeat(5_000), "b".repeat(8_000_000));
        let d = at(5_001, 6);
        let (line, caret) = excerpt_lines(&d, &source);
        assert!(line.chars().count() < EXCERPT + 10, "{line}");
        assert!(line.starts_with("1 | …a") && line.ends_with("b…"), "{line}");
        // The caret is under the problem.
        let under = caret.find('^').unwrap();
        assert_eq!(caret.matches('^').count(), 6);
        let shown: Vec<char> = line.chars().collect();
        let chars_before = caret[..under].chars().count();
        assert_eq!(
            shown[chars_before..chars_before + 6]
                .iter()
                .collect::<String>(),
            "TARGET"
        );
        assert!(diagnostic(&d, &source).len() < 1_000);

        // At the start or the end of the line, one side is cut.
        let (line, caret) = excerpt_lines(&at(1, 1), &source);
        assert!(line.starts_with("1 | aaa") && line.ends_with('…'), "{line}");
        assert_eq!(caret, "  | ^ x");
        let end = source.chars().count();
        let (line, caret) = excerpt_lines(&at(end, 5), &source);
        assert!(line.starts_with("1 | …b") && line.ends_with('b'), "{line}");
        assert_eq!(caret.chars().count(), line.chars().count() + 2);
        assert!(caret.ends_with(" ^ x"), "{caret}");
    }
}

//! An explanation as text (the tutorial's layout), JSON or Markdown.

use serde::Serialize;

use super::Explanation;

/// Text lines are wrapped to this many columns. The tutorial's Step 4 output
/// breaks its lines exactly where this width (with numbers kept beside the
/// word they count) breaks them.
pub const WIDTH: usize = 69;

/// The text `scalable explain` prints: banner, summary, numbered steps,
/// estimated cost, risk bullets, then the mode.
pub fn text(e: &Explanation) -> String {
    let mut out = String::new();
    out.push_str(&e.title);
    out.push('\n');
    out.push_str(&"═".repeat(e.title.chars().count() + 1));
    out.push_str("\n\n");
    push_wrapped(&mut out, &e.summary_line, "", "");
    out.push_str("\nWhat will happen:\n");
    for (i, step) in e.steps.iter().enumerate() {
        let number = format!("{}. ", i + 1);
        let indent = " ".repeat(number.len());
        push_wrapped(&mut out, step, &number, &indent);
    }
    out.push('\n');
    push_wrapped(
        &mut out,
        &format!("Estimated cost: {}", e.cost_summary),
        "",
        "",
    );
    out.push('\n');
    if e.risks.is_empty() {
        out.push_str("Risks: none of the catalogued risks applies to this plan.\n");
    } else {
        out.push_str("Risks:\n");
        for risk in &e.risks {
            push_wrapped(&mut out, &risk.text, "• ", "  ");
        }
    }
    out.push_str(&format!("\n({} mode)\n", e.mode));
    out
}

/// The explanation as one pretty JSON document, with the text rendering in `text`.
pub fn json(e: &Explanation) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        #[serde(flatten)]
        explanation: &'a Explanation,
        text: String,
    }
    let doc = Document {
        explanation: e,
        text: text(e),
    };
    serde_json::to_string_pretty(&doc).expect("an explanation always serialises") + "\n"
}

/// The explanation as Markdown (unwrapped; risk codes shown).
pub fn markdown(e: &Explanation) -> String {
    let mut out = format!(
        "# {}\n\n{}\n\n## What will happen\n\n",
        e.title, e.summary_line
    );
    for (i, step) in e.steps.iter().enumerate() {
        out.push_str(&format!("{}. {step}\n", i + 1));
    }
    out.push_str(&format!(
        "\n## Estimated cost\n\n{}\n\n## Risks\n\n",
        e.cost_summary
    ));
    if e.risks.is_empty() {
        out.push_str("None of the catalogued risks applies to this plan.\n");
    }
    for risk in &e.risks {
        out.push_str(&format!("- **{}**: {}\n", risk.code, risk.text));
    }
    out.push_str(&format!("\n_({} mode)_\n", e.mode));
    out
}

/// Appends `text` wrapped at [`WIDTH`]: `first` before the first line,
/// `rest` before the others.
fn push_wrapped(out: &mut String, text: &str, first: &str, rest: &str) {
    for line in wrap(text, first, rest, WIDTH) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// Greedy word wrap that keeps a number with the word after it (`1 vCPU`,
/// `10 demeter`), as the tutorial does. A unit longer than the width stays
/// whole on its own line.
pub fn wrap(text: &str, first: &str, rest: &str, width: usize) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let mut glue = false;
    for word in text.split_whitespace() {
        match units.last_mut() {
            Some(last) if glue => {
                last.push(' ');
                last.push_str(word);
            }
            _ => units.push(word.to_string()),
        }
        glue = is_number(word);
    }
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for unit in units {
        let len = line.chars().count() + usize::from(!empty) + unit.chars().count();
        if !empty && len > width {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(&unit);
        empty = false;
    }
    lines.push(line);
    lines
}

fn is_number(word: &str) -> bool {
    !word.is_empty()
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().all(|c| c.is_ascii_digit() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tutorial's Step 4 lines break where ours do.
    #[test]
    fn wraps_like_the_tutorial() {
        let step = "A Dask cluster will be created with 1 preprocess worker (1 vCPU, 2 GiB), up to 10 demeter workers (4 vCPU, 16 GiB each), and 1 postprocess worker (2 vCPU, 8 GiB).";
        assert_eq!(
            wrap(step, "1. ", "   ", WIDTH),
            [
                "1. A Dask cluster will be created with 1 preprocess worker (1 vCPU,",
                "   2 GiB), up to 10 demeter workers (4 vCPU, 16 GiB each), and",
                "   1 postprocess worker (2 vCPU, 8 GiB).",
            ]
        );
        let summary = "This plan will execute the \"demeter-lulcc\" project on AWS (Fargate) in the us-east-1 region.";
        assert_eq!(
            wrap(summary, "", "", WIDTH),
            [
                "This plan will execute the \"demeter-lulcc\" project on AWS (Fargate)",
                "in the us-east-1 region.",
            ]
        );
        let risk = "Demeter's NetCDF writes are not atomic; partial writes on worker eviction will trigger a retry rather than corrupt downstream data. The cache key includes the input checksum, so retries are safe.";
        assert_eq!(
            wrap(risk, "• ", "  ", WIDTH),
            [
                "• Demeter's NetCDF writes are not atomic; partial writes on worker",
                "  eviction will trigger a retry rather than corrupt downstream data.",
                "  The cache key includes the input checksum, so retries are safe.",
            ]
        );
    }

    #[test]
    fn long_words_stay_whole() {
        let long = "x".repeat(80);
        assert_eq!(wrap(&format!("a {long} b"), "", "", 20), ["a", &long, "b"]);
    }
}

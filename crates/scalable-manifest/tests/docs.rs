//! `docs/manifest.md` must keep up with the code: a section for every
//! diagnostic code, every manifest key in backticks, and diagnostic examples
//! whose output is what the code prints today.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scalable_manifest::{
    Code, Env, OVERLAY_KEYS, PROVIDER_KEYS, Provider, Report, TOP_KEYS, load_str, render,
};

fn page_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/manifest.md")
}

fn page() -> String {
    let path = page_path();
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()))
}

#[test]
fn every_code_has_a_section() {
    let page = page();
    let headings: Vec<&str> = page
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .collect();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|code| !headings.contains(code))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/manifest.md has no `### CODE` section for: {}",
        missing.join(", ")
    );
}

#[test]
fn every_key_is_documented() {
    let page = page();
    let provider_keys = PROVIDER_KEYS
        .iter()
        .flat_map(|(_, keys)| keys.iter().copied());
    let providers = Provider::ALL.iter().map(|p| p.as_str());
    let missing: Vec<&str> = TOP_KEYS
        .iter()
        .chain(OVERLAY_KEYS)
        .copied()
        .chain(provider_keys)
        .chain(providers)
        .filter(|key| !page.contains(&format!("`{key}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/manifest.md does not mention these keys in backticks: {}",
        missing.join(", ")
    );
}

/// One example in the "Diagnostic codes" part: the YAML of a section and a
/// `$ scalable validate scalable.yaml [--target T]` block with its output.
struct Example {
    code: String,
    yaml: String,
    target: Option<String>,
    output: String,
}

/// The fenced blocks of `text` as (info string, body).
fn fences(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut body = String::new();
        for inner in lines.by_ref() {
            if inner.starts_with("```") {
                break;
            }
            body.push_str(inner);
            body.push('\n');
        }
        out.push((info.trim().to_string(), body));
    }
    out
}

fn examples(page: &str) -> Vec<Example> {
    let codes = page
        .split_once("\n## Diagnostic codes\n")
        .expect("docs/manifest.md has a `## Diagnostic codes` section")
        .1;
    let mut out = Vec::new();
    for section in codes.split("\n### ").skip(1) {
        let code = section
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let blocks = fences(section);
        let Some((_, yaml)) = blocks.iter().find(|(info, _)| info == "yaml") else {
            continue;
        };
        for (info, body) in &blocks {
            if info != "console" {
                continue;
            }
            let (command, output) = body.split_once('\n').unwrap_or((body, ""));
            let target = match command.strip_prefix("$ scalable validate scalable.yaml") {
                Some("") => None,
                Some(rest) => match rest.strip_prefix(" --target ") {
                    Some(t) if !t.contains(' ') => Some(t.to_string()),
                    _ => continue,
                },
                None => continue,
            };
            out.push(Example {
                code: code.clone(),
                yaml: yaml.clone(),
                target,
                output: output.to_string(),
            });
        }
    }
    out
}

/// What `scalable validate scalable.yaml` prints on stdout for `yaml`, with no
/// environment variables set.
fn validate(yaml: &str, target: Option<&str>) -> String {
    let env = Env::from_map(BTreeMap::new());
    let report = match load_str(yaml, "scalable.yaml", Path::new("."), env) {
        Ok(doc) => doc.validate(target),
        Err(d) => Report {
            file: d.file.clone(),
            diagnostics: vec![*d],
            manifest: None,
        },
    };
    render::text(&report, yaml)
}

#[test]
fn diagnostic_examples_show_real_output() {
    let page = page();
    let examples = examples(&page);
    assert!(
        examples.len() >= Code::ALL.len() - 3,
        "expected a checked example for almost every code, found {}",
        examples.len()
    );
    let mut stale = Vec::new();
    for ex in &examples {
        let actual = validate(&ex.yaml, ex.target.as_deref());
        if actual != ex.output {
            stale.push(format!(
                "### {}: the page shows\n{}\nbut the code prints\n{}",
                ex.code, ex.output, actual
            ));
        } else if !actual.contains(&format!("[{}]", ex.code)) {
            stale.push(format!(
                "### {}: the example does not produce this code:\n{actual}",
                ex.code
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/manifest.md is out of date; update these examples:\n\n{}",
        stale.join("\n")
    );
}

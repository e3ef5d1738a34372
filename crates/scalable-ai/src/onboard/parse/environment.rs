//! Conda's `environment.yml`: the `dependencies:` list, conda specs and the
//! nested `pip:` list. Read line by line: the file is a fixed, shallow
//! shape, and a YAML error elsewhere in it should not hide the list.

use super::{Requirement, requirement};

/// The dependencies listed, in file order, conda and pip alike; `python`
/// itself is left out (see [`python_floor`]).
pub fn parse(text: &str) -> Vec<Requirement> {
    specs(text)
        .into_iter()
        .filter_map(|spec| conda_requirement(&spec))
        .filter(|r| r.name != "python")
        .collect()
}

/// The Python floor a `python=3.9` / `python>=3.9` spec sets, e.g. `3.9`.
pub fn python_floor(text: &str) -> Option<String> {
    specs(text).into_iter().find_map(|spec| {
        let r = conda_requirement(&spec)?;
        if r.name != "python" {
            return None;
        }
        let version = r.specifier.trim_start_matches(['=', '>', ' ', '~']);
        let version: String = version
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        (!version.is_empty()).then_some(version)
    })
}

/// Every `- item` under `dependencies:` (and under its `- pip:`).
fn specs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let without_comment = line.split(" #").next().unwrap_or("");
        if without_comment.trim().is_empty() || without_comment.trim_start().starts_with('#') {
            continue;
        }
        let indented = line.starts_with([' ', '\t', '-']);
        if !indented {
            in_deps = without_comment.trim_end() == "dependencies:";
            continue;
        }
        if !in_deps {
            continue;
        }
        if let Some(item) = without_comment.trim_start().strip_prefix("- ") {
            let item = item.trim().trim_matches(['"', '\'']);
            if !item.ends_with(':') && !item.is_empty() {
                out.push(item.to_string());
            }
        }
    }
    out
}

/// `conda-forge::numpy=1.24` or `numpy>=1.24` or `numpy 1.24.*`.
fn conda_requirement(spec: &str) -> Option<Requirement> {
    let spec = spec.rsplit("::").next().unwrap_or(spec);
    requirement(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conda_and_pip() {
        let text = "name: tethys\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n  - conda-forge::numpy>=1.24\n  - gdal  # system\n  - pip:\n      - gcamreader>=1.2\nprefix: /x\n";
        let names: Vec<_> = parse(text).into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["numpy", "gdal", "gcamreader"]);
        assert_eq!(python_floor(text).as_deref(), Some("3.10"));
    }
}

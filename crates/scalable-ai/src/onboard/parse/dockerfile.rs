//! Container definitions: a Dockerfile's final base image (multi-stage and
//! `ARG` defaults resolved) and an Apptainer/Singularity definition's
//! `From:`; then what Python that base image carries.

use std::collections::BTreeMap;

/// The base image of the stage a Dockerfile ends with: `FROM` lines joined
/// over `\` continuations, `--platform=…` skipped, `${ARG}` replaced by the
/// default of a global `ARG`, and a `FROM` naming an earlier stage resolved
/// to that stage's image.
pub fn dockerfile_base(text: &str) -> Option<String> {
    let mut args: BTreeMap<String, String> = BTreeMap::new();
    let mut stages: BTreeMap<String, String> = BTreeMap::new();
    let mut last: Option<String> = None;
    for line in logical_lines(text) {
        let mut words = line.split_whitespace();
        let Some(instruction) = words.next() else {
            continue;
        };
        if instruction.eq_ignore_ascii_case("ARG") && last.is_none() {
            if let Some((k, v)) = words.next().and_then(|kv| kv.split_once('=')) {
                args.insert(k.to_string(), v.trim_matches('"').to_string());
            }
        } else if instruction.eq_ignore_ascii_case("FROM") {
            let rest: Vec<&str> = words.filter(|w| !w.starts_with("--")).collect();
            let Some(image) = rest.first() else {
                continue;
            };
            let mut image = substitute(image, &args);
            if let Some(base) = stages.get(&image.to_ascii_lowercase()) {
                image = base.clone();
            }
            if rest.len() >= 3 && rest[1].eq_ignore_ascii_case("AS") {
                stages.insert(rest[2].to_ascii_lowercase(), image.clone());
            }
            last = Some(image);
        }
    }
    last.filter(|i| !i.is_empty())
}

/// The `From:` of an Apptainer/Singularity definition whose `Bootstrap:` is
/// `docker` (or `library`, `oras`, `localimage`: reported as written).
pub fn definition_base(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim().eq_ignore_ascii_case("From") && !value.trim().is_empty())
            .then(|| value.trim().to_string())
    })
}

/// Whether text is an Apptainer/Singularity definition (it has a
/// `Bootstrap:` header).
pub fn is_definition(text: &str) -> bool {
    text.lines().any(|l| {
        l.trim_start()
            .to_ascii_lowercase()
            .starts_with("bootstrap:")
    })
}

/// The Python `(major, minor)` a base image carries, when its name says:
/// `python:3.11-slim` → 3.11, `…-python3.6.6` → 3.6, `py39` → 3.9; or, for a
/// few distribution images, the system Python of that release.
pub fn python_of_image(image: &str) -> Option<(u32, u32)> {
    let lower = image.to_ascii_lowercase();
    let (name, tag) = split_image(&lower);
    let repo = name.rsplit('/').next().unwrap_or(name);
    if (repo == "python" || repo.ends_with("-python") && !tag.contains("python"))
        && let Some(v) = version_at_start(tag)
    {
        return Some(v);
    }
    for marker in ["python", "py"] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(marker) {
            let after = &lower[from + i + marker.len()..];
            if let Some(v) = version_at_start(after) {
                return Some(v);
            }
            if marker == "py" {
                // `py39`, `py310`: digits without a dot.
                let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
                if digits.len() >= 2
                    && digits.starts_with('3')
                    && let Ok(minor) = digits[1..].parse()
                {
                    return Some((3, minor));
                }
            }
            from += i + marker.len();
        }
    }
    DISTRIBUTION_PYTHON
        .iter()
        .find(|(n, t, _)| *n == repo && tag.starts_with(t))
        .map(|(_, _, v)| *v)
}

/// System Python of distribution images people start from.
pub const DISTRIBUTION_PYTHON: &[(&str, &str, (u32, u32))] = &[
    ("ubuntu", "18.04", (3, 6)),
    ("ubuntu", "20.04", (3, 8)),
    ("ubuntu", "22.04", (3, 10)),
    ("ubuntu", "24.04", (3, 12)),
    ("debian", "buster", (3, 7)),
    ("debian", "bullseye", (3, 9)),
    ("debian", "bookworm", (3, 11)),
    ("debian", "10", (3, 7)),
    ("debian", "11", (3, 9)),
    ("debian", "12", (3, 11)),
];

/// `name[:tag][@digest]` split into name and tag (empty when none).
fn split_image(image: &str) -> (&str, &str) {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => (&image[..i], &image[i + 1..]),
        _ => (image, ""),
    }
}

/// `3.11…` at the start of `text` → (3, 11).
fn version_at_start(text: &str) -> Option<(u32, u32)> {
    let text = text.trim_start_matches(['-', '_', ':']);
    let mut parts = text.split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next()?.parse().ok()?;
    if !(2..=3).contains(&major) || !text[major.to_string().len()..].starts_with('.') {
        return None;
    }
    let minor: u32 = parts.next()?.parse().ok()?;
    Some((major, minor))
}

fn substitute(image: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = image.to_string();
    for (k, v) in args {
        out = out
            .replace(&format!("${{{k}}}"), v)
            .replace(&format!("${k}"), v);
    }
    out
}

/// Lines with `\` continuations joined and comments dropped.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        match line.trim_end().strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_and_pythons() {
        let multi = "ARG PY=3.11\nFROM python:${PY}-slim AS build\nRUN pip wheel .\nFROM --platform=linux/amd64 build\n";
        assert_eq!(dockerfile_base(multi).as_deref(), Some("python:3.11-slim"));
        assert_eq!(
            dockerfile_base("# x\nFROM rappdw/docker-java-python:openjdk1.8.0_171-python3.6.6\n")
                .as_deref(),
            Some("rappdw/docker-java-python:openjdk1.8.0_171-python3.6.6")
        );
        assert_eq!(
            python_of_image("rappdw/docker-java-python:openjdk1.8.0_171-python3.6.6"),
            Some((3, 6))
        );
        assert_eq!(python_of_image("python:3.11-slim"), Some((3, 11)));
        assert_eq!(python_of_image("ghcr.io/x/model:py39"), Some((3, 9)));
        assert_eq!(python_of_image("ubuntu:22.04"), Some((3, 10)));
        assert_eq!(python_of_image("rocker/r-ver:4.3"), None);
        assert_eq!(python_of_image("python"), None);
        let def = "Bootstrap: docker\nFrom: python:3.10-slim\n%post\n  pip install .\n";
        assert!(is_definition(def));
        assert_eq!(definition_base(def).as_deref(), Some("python:3.10-slim"));
    }
}

//! The container definition a repository ships, its base image, and whether
//! that image's Python is new enough for the package.

use serde::{Deserialize, Serialize};

use super::Evidence;
use super::parse::dockerfile;
use super::scan::Repo;

/// A container definition found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    /// `Dockerfile.scalable`, `Dockerfile`, `Containerfile` or
    /// `Apptainer definition`.
    pub kind: String,
    /// Its file.
    pub file: String,
    /// The base image (the final stage's), if it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_image: Option<String>,
    /// The Python of the base image, e.g. `3.6`, when its name says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,
    /// Set when the base image's Python is older than the package's floor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// The image `--write-dockerfile` starts from (newer when the package's
/// floor asks for more).
pub const TEMPLATE_PYTHON: (u32, u32) = (3, 11);

/// Where container definitions are looked for, in order of preference:
/// Scalable's own first, then the repository's.
pub const CONTAINER_FILES: &[(&str, Kind)] = &[
    ("Dockerfile.scalable", Kind::Docker),
    ("Dockerfile", Kind::Docker),
    ("Containerfile", Kind::Docker),
    ("Apptainer", Kind::Definition),
    ("Singularity", Kind::Definition),
    ("docker/Dockerfile", Kind::Docker),
    ("container/Dockerfile", Kind::Docker),
    ("containers/Dockerfile", Kind::Docker),
];

/// A definition's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Dockerfile syntax.
    Docker,
    /// Apptainer/Singularity definition syntax.
    Definition,
}

/// Finds the container definition; `floor` is the package's Python floor.
pub fn detect(
    repo: &Repo,
    floor: Option<&str>,
    evidence: &mut Vec<Evidence>,
    recommendations: &mut Vec<String>,
) -> Option<Container> {
    let mut found: Vec<(String, Kind)> = CONTAINER_FILES
        .iter()
        .filter(|(f, _)| repo.has(f))
        .map(|(f, k)| (f.to_string(), *k))
        .collect();
    // `*.def` at the top level: Apptainer/Singularity definitions by convention.
    found.extend(
        repo.files
            .keys()
            .filter(|f| !f.contains('/') && f.ends_with(".def"))
            .map(|f| (f.clone(), Kind::Definition)),
    );
    let mut chosen: Option<Container> = None;
    for (file, kind) in found {
        let Some(text) = repo.text(&file) else {
            continue;
        };
        let (label, base) = match kind {
            Kind::Docker => (
                file.rsplit('/').next().unwrap_or(&file).to_string(),
                dockerfile::dockerfile_base(&text),
            ),
            Kind::Definition => {
                if !dockerfile::is_definition(&text) {
                    continue;
                }
                (
                    "Apptainer definition".to_string(),
                    dockerfile::definition_base(&text),
                )
            }
        };
        if chosen.is_some() {
            evidence.push(Evidence::new(
                &file,
                "another container definition; the one above is used",
            ));
            continue;
        }
        let python = base.as_deref().and_then(dockerfile::python_of_image);
        let mut container = Container {
            kind: label,
            file: file.clone(),
            base_image: base.clone(),
            python: python.map(|(a, b)| format!("{a}.{b}")),
            warning: None,
        };
        let says = match &base {
            Some(b) => format!("container definition, base image `{b}`"),
            None => "container definition; base image not found".to_string(),
        };
        evidence.push(Evidence::new(&file, &says));
        if let (Some(have), Some(need)) = (python, floor.and_then(parse_version))
            && have < need
        {
            let text = format!(
                "The base image `{}` of `{file}` has Python {}.{}, older than the package's floor {}.{}, so the package will not install in it; run again with `--write-dockerfile` to write `Dockerfile.scalable` on {}.",
                base.as_deref().unwrap_or_default(),
                have.0,
                have.1,
                need.0,
                need.1,
                template_image(floor)
            );
            container.warning = Some(text.clone());
            recommendations.push(text);
        }
        chosen = Some(container);
    }
    chosen
}

/// `3.9` → (3, 9).
pub fn parse_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// The template's base image: `python:3.11-slim`, or the floor's when newer.
pub fn template_image(floor: Option<&str>) -> String {
    let v = floor
        .and_then(parse_version)
        .filter(|v| *v > TEMPLATE_PYTHON)
        .unwrap_or(TEMPLATE_PYTHON);
    format!("python:{}.{}-slim", v.0, v.1)
}

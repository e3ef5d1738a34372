//! Which file's dependency list the component reports, in a fixed order of
//! preference: `requirements.txt` verbatim, else `install_requires` (setup.py
//! or setup.cfg), else `pyproject.toml` dependencies, else DESCRIPTION
//! `Depends`/`Imports`, else `environment.yml`. A compiled model's link
//! libraries and a Julia project's `[deps]` come first for those languages.

use serde::{Deserialize, Serialize};

use super::language::Lang;
use super::meta::{Meta, Sourced};
use super::parse::Requirement;

/// The dependencies chosen and the file they come from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependencies {
    /// The file listing them, e.g. `requirements.txt`; none when no file does.
    pub source: Option<String>,
    /// Name and specifier of each, in the file's order.
    pub items: Vec<Requirement>,
}

/// Chooses the dependency list for a model in `lang`. Recommends checking
/// when `requirements.txt` and `install_requires` name different packages.
pub fn select(meta: &Meta, lang: Lang, recommendations: &mut Vec<String>) -> Dependencies {
    let from_requirements = meta.requirements_txt.as_ref().map(|r| Sourced {
        value: r.value.requirements.clone(),
        file: r.file.clone(),
    });
    let mut order: Vec<Option<&Sourced<Vec<Requirement>>>> = Vec::new();
    match lang {
        Lang::Compiled => order.push(meta.link_libraries.as_ref()),
        Lang::Julia => order.push(meta.julia_deps.as_ref()),
        _ => {}
    }
    order.extend([
        from_requirements.as_ref(),
        meta.install_requires.as_ref(),
        meta.pyproject_dependencies.as_ref(),
        meta.r_packages.as_ref(),
        meta.conda.as_ref(),
    ]);
    if let (Some(req), Some(install)) = (&from_requirements, &meta.install_requires)
        && let Some(text) = disagreement(req, install)
    {
        recommendations.push(text);
    }
    order
        .into_iter()
        .flatten()
        .find(|s| !s.value.is_empty())
        .map(|s| Dependencies {
            source: Some(s.file.clone()),
            items: s.value.clone(),
        })
        .unwrap_or_default()
}

/// PEP 503 normalisation, so `netCDF4` and `netcdf4` are one package.
fn normalise(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

fn disagreement(
    req: &Sourced<Vec<Requirement>>,
    install: &Sourced<Vec<Requirement>>,
) -> Option<String> {
    let names = |s: &Sourced<Vec<Requirement>>| -> Vec<String> {
        s.value.iter().map(|r| normalise(&r.name)).collect()
    };
    let (a, b) = (names(req), names(install));
    let only_a: Vec<&String> = a.iter().filter(|n| !b.contains(n)).collect();
    let only_b: Vec<&String> = b.iter().filter(|n| !a.contains(n)).collect();
    if only_a.is_empty() && only_b.is_empty() {
        return None;
    }
    let list = |v: &[&String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    Some(format!(
        "`{}` and the install_requires of `{}` name different packages (only in {}: {}; only in {}: {}); check which list is right.",
        req.file,
        install.file,
        req.file,
        list(&only_a),
        install.file,
        list(&only_b)
    ))
}

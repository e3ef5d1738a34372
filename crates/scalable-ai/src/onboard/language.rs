//! Which language a model is written in, from marker files ranked by where
//! they sit: evidence at the top level decides; markers in subfolders (an R
//! wrapper in `R_interface/`, a docs `Makefile`) are reported but do not
//! change the verdict.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Evidence;
use super::meta::Meta;
use super::scan::Repo;

/// A model's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// A Python package.
    Python,
    /// An R package (run from Python via rpy2).
    R,
    /// A Julia project.
    Julia,
    /// C, C++ or Fortran built with make, autotools or CMake.
    Compiled,
    /// Nothing conclusive.
    Unknown,
}

impl Lang {
    /// The lowercase name used in JSON and by `detect_language`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::R => "r",
            Lang::Julia => "julia",
            Lang::Compiled => "compiled",
            Lang::Unknown => "unknown",
        }
    }
}

/// A file whose presence says something about the language.
#[derive(Debug, Clone, Copy)]
pub struct Marker {
    /// The file name.
    pub file: &'static str,
    /// The language it points to.
    pub language: Lang,
    /// How strongly, at the top level (the top-level sum decides).
    pub weight: u32,
    /// What the file is, for the evidence.
    pub what: &'static str,
}

/// The marker files, strongest first within each language. Conditions on
/// top of presence (a `pyproject.toml` that is only tool settings, a
/// `DESCRIPTION` without `Package:`, a Makefile that builds docs, build files
/// without compiled sources) are applied in [`detect`].
pub const MARKERS: &[Marker] = &[
    Marker {
        file: "setup.py",
        language: Lang::Python,
        weight: 3,
        what: "setuptools packaging",
    },
    Marker {
        file: "pyproject.toml",
        language: Lang::Python,
        weight: 3,
        what: "Python packaging (PEP 621 or Poetry)",
    },
    Marker {
        file: "setup.cfg",
        language: Lang::Python,
        weight: 2,
        what: "setuptools configuration",
    },
    Marker {
        file: "_version.py",
        language: Lang::Python,
        weight: 1,
        what: "a Python version module",
    },
    Marker {
        file: "DESCRIPTION",
        language: Lang::R,
        weight: 3,
        what: "an R package description",
    },
    Marker {
        file: "NAMESPACE",
        language: Lang::R,
        weight: 1,
        what: "an R package namespace",
    },
    Marker {
        file: "Project.toml",
        language: Lang::Julia,
        weight: 3,
        what: "a Julia project",
    },
    Marker {
        file: "CMakeLists.txt",
        language: Lang::Compiled,
        weight: 3,
        what: "a CMake build",
    },
    Marker {
        file: "configure.ac",
        language: Lang::Compiled,
        weight: 2,
        what: "an autoconf script",
    },
    Marker {
        file: "configure",
        language: Lang::Compiled,
        weight: 2,
        what: "a configure script",
    },
    Marker {
        file: "Makefile.am",
        language: Lang::Compiled,
        weight: 2,
        what: "an automake file",
    },
    Marker {
        file: "Makefile",
        language: Lang::Compiled,
        weight: 2,
        what: "a Makefile",
    },
    Marker {
        file: "makefile",
        language: Lang::Compiled,
        weight: 2,
        what: "a Makefile",
    },
    Marker {
        file: "GNUmakefile",
        language: Lang::Compiled,
        weight: 2,
        what: "a Makefile",
    },
];

/// Source-file extensions counted for the census, by language family.
pub const SOURCE_EXTENSIONS: &[(&str, &str)] = &[
    ("py", "Python"),
    ("R", "R"),
    ("r", "R"),
    ("jl", "Julia"),
    ("c", "C"),
    ("h", "C"),
    ("cpp", "C++"),
    ("cc", "C++"),
    ("cxx", "C++"),
    ("hpp", "C++"),
    ("hh", "C++"),
    ("hxx", "C++"),
    ("f", "Fortran"),
    ("for", "Fortran"),
    ("f90", "Fortran"),
    ("f95", "Fortran"),
    ("f03", "Fortran"),
    ("F", "Fortran"),
    ("F90", "Fortran"),
];

/// Folders whose contents say nothing about the model's language: built
/// documentation, build outputs, vendored environments.
pub const IGNORED_FOLDERS: &[&str] = &[
    "docs",
    "doc",
    "build",
    "_build",
    "dist",
    "site",
    "html",
    "node_modules",
    "venv",
    "env",
    "site-packages",
];

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Language {
    /// `python`, `r`, `julia`, `compiled` or `unknown`.
    pub name: Lang,
    /// As shown: `Python (3.9+)`, `R (via rpy2)`, `compiled (C++)`, `unknown`.
    pub display: String,
    /// The language version floor, e.g. `3.9`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<String>,
    /// For compiled models, the main source language (`C++`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Why the verdict is `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A better folder to point at, when this one is not the package root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_path: Option<String>,
}

/// Whether a Makefile (or make.bat) only builds documentation: it drives
/// Sphinx and never a compiler.
pub fn docs_only_makefile(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let docs = lower.contains("sphinx") || lower.contains("mkdocs") || lower.contains("doxygen");
    let compiles = [
        "$(cc)", "$(cxx)", "$(fc)", "gcc", "g++", "gfortran", "clang", "-c $<", "%.o",
    ]
    .iter()
    .any(|w| lower.contains(w));
    docs && !compiles
}

/// The census of source files outside [`IGNORED_FOLDERS`]: family → count.
pub fn census(repo: &Repo) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for path in repo.files.keys() {
        if path.split('/').any(|part| IGNORED_FOLDERS.contains(&part)) {
            continue;
        }
        let Some(ext) = path.rsplit_once('.').map(|(_, e)| e) else {
            continue;
        };
        if let Some((_, family)) = SOURCE_EXTENSIONS.iter().find(|(e, _)| *e == ext) {
            *counts.entry(*family).or_insert(0) += 1;
        }
    }
    counts
}

/// The Python floor a `python_requires` states: `>=3.9` → `3.9`; also `~=`,
/// `^` (Poetry) and `==3.9.*`. `None` when it sets only an upper bound.
pub fn python_floor(requires: &str) -> Option<String> {
    requires.split(',').find_map(|clause| {
        let clause = clause.trim();
        let version = [">=", "~=", "^", "=="]
            .iter()
            .find_map(|op| clause.strip_prefix(op))?
            .trim();
        let parts: Vec<&str> = version
            .split('.')
            .take(2)
            .take_while(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            .collect();
        (parts.len() == 2).then(|| parts.join("."))
    })
}

/// The top-level package folders (a folder holding `__init__.py`).
pub fn top_packages(repo: &Repo) -> Vec<String> {
    repo.dirs
        .iter()
        .filter(|d| !d.contains('/') && repo.has(&format!("{d}/__init__.py")))
        .cloned()
        .collect()
}

/// Decides the language of `repo` (the folder `shown` as the user named
/// it), adding the reasons to `evidence`.
pub fn detect(repo: &Repo, meta: &Meta, shown: &str, evidence: &mut Vec<Evidence>) -> Language {
    let census = census(repo);
    let compiled_sources: usize = ["C", "C++", "Fortran"]
        .iter()
        .map(|f| census.get(f).copied().unwrap_or(0))
        .sum();
    let packages = top_packages(repo);
    let mut scores: BTreeMap<Lang, u32> = BTreeMap::new();
    let mut counted: Vec<&Marker> = Vec::new();
    for marker in MARKERS {
        let mut places: Vec<String> = Vec::new();
        if repo.has(marker.file) {
            places.push(marker.file.to_string());
        }
        if marker.file == "_version.py" {
            places.extend(
                packages
                    .iter()
                    .map(|p| format!("{p}/_version.py"))
                    .filter(|f| repo.has(f)),
            );
        }
        for file in places {
            match judge(repo, meta, marker, &file, compiled_sources) {
                Judgement::Counts => {
                    *scores.entry(marker.language).or_insert(0) += marker.weight;
                    counted.push(marker);
                    // setup.py, DESCRIPTION, … were described as they were read.
                    if !evidence.iter().any(|e| e.file == file) {
                        evidence.push(Evidence::new(&file, marker.what));
                    }
                }
                Judgement::Skip(Some(says)) => evidence.push(Evidence::new(&file, &says)),
                Judgement::Skip(None) => {}
            }
        }
    }
    if let Some(text) = repo.text("make.bat")
        && docs_only_makefile(&text)
    {
        evidence.push(Evidence::new(
            "make.bat",
            "builds the documentation only (Sphinx, Windows); not a build of the model",
        ));
    }
    let nested = nested_markers(repo, &packages);
    for (file, what) in nested.iter().take(MAX_NESTED_SHOWN) {
        evidence.push(Evidence::new(
            file,
            &format!("{what} in a subfolder; the top level decides the language"),
        ));
    }
    if nested.len() > MAX_NESTED_SHOWN {
        evidence.push(Evidence::new(
            "…",
            &format!(
                "and {} more marker files in subfolders",
                nested.len() - MAX_NESTED_SHOWN
            ),
        ));
    }
    // A folder without packaging of its own inside one that has it (an
    // import package, an R package's `R/`) is not the model's root, even if
    // it holds a `_version.py`.
    let packaged_here = counted.iter().any(|m| m.weight >= 2);
    if !packaged_here && let Some((parent, marker)) = parent_with_packaging(&repo.root, shown) {
        return Language {
            name: Lang::Unknown,
            display: "unknown".to_string(),
            floor: None,
            detail: None,
            reason: Some(format!(
                "no packaging files here, but the parent folder has `{marker}`: this looks like the package's inner folder"
            )),
            suggested_path: Some(parent),
        };
    }
    // Highest top-level score wins; ties go to the earlier language in
    // `Lang` order (an R package with C++ in `src/` is an R package).
    let best = scores
        .iter()
        .filter(|(_, s)| **s > 0)
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(l, _)| *l);
    match best {
        Some(Lang::Python) => {
            let floor = meta
                .python_requires
                .as_ref()
                .and_then(|r| python_floor(&r.value))
                .or_else(|| meta.conda_python.as_ref().map(|c| c.value.clone()));
            Language {
                name: Lang::Python,
                display: match &floor {
                    Some(f) => format!("Python ({f}+)"),
                    None => "Python".to_string(),
                },
                floor,
                detail: None,
                reason: None,
                suggested_path: None,
            }
        }
        Some(Lang::R) => Language {
            name: Lang::R,
            display: "R (via rpy2)".to_string(),
            floor: meta.r_floor.clone(),
            detail: None,
            reason: None,
            suggested_path: None,
        },
        Some(Lang::Julia) => Language {
            name: Lang::Julia,
            display: "Julia".to_string(),
            floor: None,
            detail: None,
            reason: None,
            suggested_path: None,
        },
        Some(Lang::Compiled) => {
            let family = ["C++", "C", "Fortran"]
                .into_iter()
                .max_by_key(|f| (census.get(f).copied().unwrap_or(0), f.len()))
                .map(str::to_string);
            evidence.push(Evidence::new(
                "(source files)",
                &format!(
                    "{compiled_sources} C/C++/Fortran source files ({})",
                    ["C++", "C", "Fortran"]
                        .iter()
                        .filter_map(|f| census.get(f).map(|n| format!("{f}: {n}")))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            Language {
                name: Lang::Compiled,
                display: match &family {
                    Some(f) => format!("compiled ({f})"),
                    None => "compiled".to_string(),
                },
                floor: None,
                detail: family,
                reason: None,
                suggested_path: None,
            }
        }
        Some(Lang::Unknown) | None => unknown(repo, shown, &nested, &census),
    }
}

/// At most this many subfolder markers are listed as evidence.
const MAX_NESTED_SHOWN: usize = 5;

/// Whether a top-level marker counts towards its language.
enum Judgement {
    Counts,
    /// Not counted; with the evidence to show, if the metadata reader has
    /// not already said why (a tool-only `pyproject.toml`).
    Skip(Option<String>),
}

fn judge(
    repo: &Repo,
    meta: &Meta,
    marker: &Marker,
    file: &str,
    compiled_sources: usize,
) -> Judgement {
    let no_sources = || {
        Judgement::Skip(Some(format!(
            "{}, but there are no C/C++/Fortran sources; not counted",
            marker.what
        )))
    };
    match marker.file {
        "pyproject.toml" if !meta.pyproject_is_package => Judgement::Skip(None),
        "DESCRIPTION" if !meta.description_is_package => Judgement::Skip(None),
        "Makefile" | "makefile" | "GNUmakefile" => match repo.text(file) {
            Some(text) if docs_only_makefile(&text) => Judgement::Skip(Some(
                "builds the documentation only (Sphinx); not a build of the model".to_string(),
            )),
            _ if compiled_sources == 0 => no_sources(),
            _ => Judgement::Counts,
        },
        _ if marker.language == Lang::Compiled && compiled_sources == 0 => no_sources(),
        _ => Judgement::Counts,
    }
}

/// Marker files one or two folders down (outside ignored folders and the
/// top-level packages' own `_version.py`), with what they are.
fn nested_markers(repo: &Repo, packages: &[String]) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for path in repo.files.keys() {
        let depth = path.matches('/').count();
        if depth == 0 || depth > 2 {
            continue;
        }
        if path.split('/').any(|part| IGNORED_FOLDERS.contains(&part)) {
            continue;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let Some(marker) = MARKERS.iter().find(|m| m.file == name) else {
            continue;
        };
        let own_version = name == "_version.py"
            && packages
                .iter()
                .any(|p| path.as_str() == format!("{p}/_version.py"));
        if !own_version {
            out.push((path.clone(), marker.what));
        }
    }
    out
}

fn unknown(
    repo: &Repo,
    shown: &str,
    nested: &[(String, &'static str)],
    census: &BTreeMap<&'static str, usize>,
) -> Language {
    let mut language = Language {
        name: Lang::Unknown,
        display: "unknown".to_string(),
        floor: None,
        detail: None,
        reason: None,
        suggested_path: None,
    };
    if repo.files.is_empty() {
        language.reason = Some("the folder holds no files (after `.gitignore`)".to_string());
        return language;
    }
    if let Some((file, _)) = nested.first() {
        let folder = file.rsplit_once('/').map(|(d, _)| d).unwrap_or(".");
        language.reason = Some(format!(
            "no packaging files at the top level; `{file}` is in a subfolder"
        ));
        language.suggested_path = Some(join_shown(shown, folder));
        return language;
    }
    let sources: Vec<String> = census
        .iter()
        .map(|(family, n)| format!("{n} {family}"))
        .collect();
    language.reason = Some(if sources.is_empty() {
        "no packaging or build files (setup.py, pyproject.toml, setup.cfg, DESCRIPTION, Project.toml, CMakeLists.txt, Makefile) and no source files".to_string()
    } else {
        format!(
            "source files ({}) but no packaging or build files (setup.py, pyproject.toml, setup.cfg, DESCRIPTION, Project.toml, CMakeLists.txt, Makefile)",
            sources.join(", ")
        )
    });
    language
}

/// The parent folder, as the user would name it, when it holds a packaging
/// file; with that file's name.
fn parent_with_packaging(root: &Path, shown: &str) -> Option<(String, &'static str)> {
    let parent = root.canonicalize().ok()?.parent()?.to_path_buf();
    let marker = [
        "setup.py",
        "pyproject.toml",
        "setup.cfg",
        "DESCRIPTION",
        "Project.toml",
    ]
    .into_iter()
    .find(|m| parent.join(m).is_file())?;
    let shown_path = Path::new(shown);
    let named = match shown_path.file_name() {
        Some(_) => match shown_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.display().to_string(),
            _ => ".".to_string(),
        },
        // `.`, `..`, `/`: the user's spelling has no parent to show.
        None => parent.display().to_string(),
    };
    Some((named, marker))
}

fn join_shown(shown: &str, folder: &str) -> String {
    if shown == "." {
        format!("./{folder}")
    } else {
        format!("{}/{folder}", shown.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors() {
        assert_eq!(python_floor(">=3.9").as_deref(), Some("3.9"));
        assert_eq!(python_floor(">=3.9.1, <4").as_deref(), Some("3.9"));
        assert_eq!(python_floor("~=3.10").as_deref(), Some("3.10"));
        assert_eq!(python_floor("^3.8").as_deref(), Some("3.8"));
        assert_eq!(python_floor("<4"), None);
        assert_eq!(python_floor(">=3"), None);
    }

    #[test]
    fn docs_makefiles() {
        assert!(docs_only_makefile(
            "SPHINXBUILD = sphinx-build\nhtml:\n\t$(SPHINXBUILD) -b html\n"
        ));
        assert!(!docs_only_makefile(
            "CXX = g++\nall: model\n\t$(CXX) -o model main.cpp\n"
        ));
        assert!(!docs_only_makefile("all:\n\tpython setup.py build\n"));
    }
}

//! Parsers of the files a model repository holds. Each takes text the user
//! wrote (or a tool generated) and must never panic on it: they are fuzzed
//! (`fuzz/fuzz_targets/onboard_parsers.rs`) and property-tested
//! (`tests/onboard_parsers.rs`).

pub mod build;
pub mod dcf;
pub mod dockerfile;
pub mod environment;
pub mod ini;
pub mod pyproject;
pub mod python;
pub mod requirements;

/// One dependency as a packaging file states it: its name and the rest of
/// its line (version bounds, extras, markers), kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Requirement {
    /// The package name as written, e.g. `numpy`.
    pub name: String,
    /// What follows the name, trimmed, e.g. `>=1.20`; empty when none.
    pub specifier: String,
}

/// Splits a PEP 508 requirement (`numpy >= 1.20 ; python_version < "4"`)
/// into its name and the rest; `None` when it does not start with a name
/// (a path or URL).
pub fn requirement(text: &str) -> Option<Requirement> {
    let text = text.trim();
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(text.len());
    let name = &text[..end];
    let rest = text[end..].trim();
    // `./pkg`, `../x`, `https://…`, `C:\…`: not a name followed by a specifier.
    let path_like = name.is_empty()
        || !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || rest.starts_with(':')
        || rest.starts_with('/')
        || rest.starts_with('\\')
        // `git+https://…`: a VCS URL, not `git` with a specifier.
        || (rest.contains("://") && !rest.starts_with('@'));
    if path_like {
        return None;
    }
    Some(Requirement {
        name: name.to_string(),
        specifier: rest.to_string(),
    })
}

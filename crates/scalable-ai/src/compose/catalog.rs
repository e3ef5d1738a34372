//! The models a description may name: the built-in ones, every component of
//! the project's manifest, and every component `init-component` onboarded
//! under `./capabilities/*/scalable-component.yaml`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::ComposeError;
use super::known::{self, Call, Known};
use crate::onboard::{self, COMPONENT_FILE};

/// Component names that are stage helpers, not models: a manifest's
/// `preprocess` is where prepare steps run, never a model to run.
pub const HELPERS: &[&str] = &["preprocess", "postprocess"];

/// Where a model in the catalog came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Built-in knowledge ([`known::KNOWN`]).
    BuiltIn,
    /// A component of the manifest.
    Manifest,
    /// A component file under `./capabilities/`.
    Capabilities,
}

/// A model the description may name.
#[derive(Debug, Clone)]
pub struct Model {
    /// The component name.
    pub key: String,
    /// As shown: `Demeter`.
    pub display: String,
    /// Lower-case words that name it.
    pub names: Vec<String>,
    /// Built-in knowledge of it.
    pub known: Option<&'static Known>,
    /// Whether the manifest declares its component.
    pub in_manifest: bool,
    /// The onboarded component (from `scalable-component.yaml`), as JSON.
    pub onboarded: Option<Map<String, Value>>,
    /// The onboarded model's folder.
    pub repo: Option<PathBuf>,
    /// Its component file, as the user would name it.
    pub component_file: Option<String>,
}

/// Every model known, plus what the manifest declares.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Models, built-in first, then manifest and capabilities ones.
    pub models: Vec<Model>,
    /// Component names the manifest declares.
    pub components: BTreeSet<String>,
    /// Task names the manifest declares.
    pub tasks: BTreeSet<String>,
    /// The manifest read, as the user named it.
    pub manifest: Option<String>,
    /// The manifest as validated, for merging additions into.
    pub manifest_json: Option<Value>,
    /// Oddities met (an unreadable component file, …).
    pub notes: Vec<String>,
}

impl Catalog {
    /// The built-in models, the manifest's components (when `manifest` is
    /// given) and the components onboarded under `capabilities`.
    pub fn load(manifest: Option<&Path>, capabilities: &Path) -> Result<Catalog, ComposeError> {
        let mut catalog = Catalog::default();
        for k in known::KNOWN {
            let mut names = vec![k.key.to_string()];
            names.extend(k.aliases.iter().map(|a| a.to_string()));
            catalog.models.push(Model {
                key: k.key.to_string(),
                display: k.display.to_string(),
                names,
                known: Some(k),
                in_manifest: false,
                onboarded: None,
                repo: None,
                component_file: None,
            });
        }
        if let Some(path) = manifest {
            catalog.read_manifest(path)?;
        }
        catalog.read_capabilities(capabilities);
        Ok(catalog)
    }

    fn read_manifest(&mut self, path: &Path) -> Result<(), ComposeError> {
        let shown = path.display().to_string();
        let doc = scalable_manifest::load(path).map_err(|d| ComposeError::Manifest {
            path: path.to_path_buf(),
            reason: d.message.clone(),
        })?;
        let report = doc.validate(None);
        let count = report.errors().count();
        let Some(manifest) = report.manifest else {
            return Err(ComposeError::Manifest {
                path: path.to_path_buf(),
                reason: format!(
                    "it does not validate ({count} error{})",
                    if count == 1 { "" } else { "s" }
                ),
            });
        };
        self.manifest_json = serde_json::to_value(&manifest).ok();
        self.tasks = manifest.tasks.keys().cloned().collect();
        for name in manifest.components.keys() {
            self.components.insert(name.clone());
            if HELPERS.contains(&name.as_str()) {
                continue;
            }
            self.model_mut(name).in_manifest = true;
        }
        self.manifest = Some(shown);
        Ok(())
    }

    fn read_capabilities(&mut self, capabilities: &Path) {
        let Ok(entries) = std::fs::read_dir(capabilities) else {
            return;
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join(COMPONENT_FILE).is_file())
            .collect();
        dirs.sort();
        for dir in dirs {
            let file = dir.join(COMPONENT_FILE);
            let shown = file.display().to_string();
            let Some(components) = read_component_file(&file) else {
                self.notes.push(format!(
                    "`{shown}` is not a valid component file (run `scalable init-component` again); it was skipped"
                ));
                continue;
            };
            for (name, component) in components {
                if HELPERS.contains(&name.as_str()) {
                    continue;
                }
                let model = self.model_mut(&name);
                if model.onboarded.is_none() {
                    model.onboarded = Some(component);
                    model.repo = Some(dir.clone());
                    model.component_file = Some(shown.clone());
                }
            }
        }
    }

    fn model_mut(&mut self, name: &str) -> &mut Model {
        let key = name.to_string();
        if let Some(i) = self.models.iter().position(|m| m.key == key) {
            return &mut self.models[i];
        }
        let lower = key.to_lowercase();
        let mut names = vec![lower.clone()];
        // `land-cover-plotter` is also written `land cover plotter` or
        // `LandCoverPlotter`: match the joined form too.
        let joined: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
        if joined != lower {
            names.push(joined);
        }
        self.models.push(Model {
            key,
            display: name.to_string(),
            names,
            known: None,
            in_manifest: false,
            onboarded: None,
            repo: None,
            component_file: None,
        });
        self.models.last_mut().expect("just pushed")
    }
}

/// The components of an `init-component` file, read by validating it inside
/// a minimal manifest (so a hand-edited file is checked the same way).
fn read_component_file(path: &Path) -> Option<Vec<(String, Map<String, Value>)>> {
    let text = std::fs::read_to_string(path).ok()?;
    if text.len() > 1 << 20 {
        return None;
    }
    let manifest = format!(
        "version: 1\nproject:\n  name: compose-check\ntargets:\n  local:\n    provider: local\n{text}"
    );
    let doc = scalable_manifest::load_str(
        &manifest,
        COMPONENT_FILE,
        path.parent().unwrap_or(Path::new(".")),
        scalable_manifest::Env::default(),
    )
    .ok()?;
    let manifest = doc.validate(None).manifest?;
    let value = serde_json::to_value(&manifest.components).ok()?;
    let map = value.as_object()?;
    Some(
        map.iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_object()?.clone())))
            .collect(),
    )
}

/// How to call the model in `repo`, as `init-component` finds it: only a
/// Python function entry point becomes a call.
pub fn detect_call(repo: &Path) -> Option<Call> {
    let scan = onboard::scan::Repo::scan(repo, false);
    let mut evidence = Vec::new();
    let meta = onboard::meta::read(&scan, &mut evidence);
    let shown = repo.display().to_string();
    let language = onboard::language::detect(&scan, &meta, &shown, &mut evidence);
    let entry = onboard::entry::detect(&scan, &meta, language.name, &mut evidence)?;
    if entry.kind != "function" {
        return None;
    }
    let path = entry.call.split('(').next()?.trim();
    let (module, function) = path.rsplit_once('.')?;
    let valid = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|part| {
                part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
    };
    if !valid(module) || !valid(function) {
        return None;
    }
    Some(Call {
        module: module.to_string(),
        function: function.to_string(),
        config_keyword: entry.config_keyword.clone(),
        extra: String::new(),
        returns: &[],
        source: format!("`{}` ({})", entry.call, entry.file),
    })
}

/// The file of `repo` that defines or re-exports `module.function`, found by
/// reading the module's own file only (no walk of the repository): how a
/// built-in call is confirmed in an onboarded copy of the model.
pub fn exports(repo: &Path, module: &str, function: &str) -> Option<String> {
    let parts: PathBuf = module.split('.').collect();
    let candidates = [
        repo.join(&parts).join("__init__.py"),
        repo.join(&parts).with_extension("py"),
        repo.join("src").join(&parts).join("__init__.py"),
    ];
    for file in candidates {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let named = text.match_indices(function).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + function.len()..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !ident(before) && !ident(after)
        });
        if named {
            return Some(file.display().to_string());
        }
    }
    None
}

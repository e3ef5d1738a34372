//! `compose`: a description in plain language → a runnable `workflow.py`,
//! manifest additions and dependencies (heuristic mode).
//!
//! `catalog` lists the models a description may name (built-in `known`
//! ones, the manifest's components, components onboarded under
//! `./capabilities/`); `intent` reads the description with keyword rules;
//! `generate` turns the intent into functions, steps, components and tasks;
//! `render` fills the templates in `templates/compose/` and prints the
//! result. Deterministic: the same description and project give the same
//! bytes.

pub mod additions;
pub mod catalog;
pub mod error;
pub mod generate;
pub mod intent;
pub mod known;
pub mod render;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use catalog::Catalog;
pub use error::ComposeError;
pub use intent::{Intent, Stage};

use crate::explain::HEURISTIC;
use crate::onboard::{OnboardError, write::write_file};

/// The workflow file `--write` writes.
pub const WORKFLOW_FILE: &str = "workflow.py";

/// The additions file `--write` writes (never the user's `scalable.yaml`).
pub const ADDITIONS_FILE: &str = "scalable.additions.yaml";

/// One generated function, as the result lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionInfo {
    /// Its name (and task name).
    pub name: String,
    /// Its stage.
    pub stage: Stage,
    /// The tag it is submitted with.
    pub tag: String,
}

/// What `compose` understood and generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Composition {
    /// `heuristic`.
    pub mode: String,
    /// What produced this result.
    pub provenance: String,
    /// `high` (every word understood), `medium` or `low` (no model).
    pub confidence: String,
    /// The parsed description.
    pub intent: Intent,
    /// The intent in sentences, as printed under "Understood".
    pub understood: Vec<String>,
    /// `workflow.py`; empty when there is nothing to compose.
    pub workflow_code: String,
    /// The functions of the workflow.
    pub functions: Vec<FunctionInfo>,
    /// Manifest additions, YAML (a whole manifest when there is none).
    pub manifest_additions: String,
    /// Python packages the workflow needs.
    pub dependencies: Vec<String>,
    /// The manifest the additions are for, if one was read.
    pub manifest: Option<String>,
    /// Errors validating the additions merged into that manifest (or
    /// alone); empty when they validate.
    pub validation_errors: Vec<String>,
    /// What the user should do or check.
    pub notes: Vec<String>,
    /// Files written by `--write`.
    pub written: Vec<String>,
}

/// How to run `compose`.
#[derive(Debug, Clone)]
pub struct Options {
    /// The description.
    pub description: String,
    /// The manifest to add to; `None` with `default_manifest` means
    /// `./scalable.yaml` when it exists.
    pub manifest: Option<PathBuf>,
    /// Use `./scalable.yaml` when `manifest` is `None` and it exists.
    pub default_manifest: bool,
    /// Where onboarded components are looked for (`./capabilities`).
    pub capabilities: PathBuf,
    /// Where `--write` writes.
    pub output_dir: PathBuf,
    /// Write `workflow.py` and `scalable.additions.yaml`.
    pub write: bool,
    /// Replace those files if they exist.
    pub force: bool,
    /// Documentation for LLM mode; checked, not read, in heuristic mode.
    pub include_docs: Option<PathBuf>,
}

impl Options {
    /// Compose `description` in the current folder, writing nothing.
    pub fn new(description: &str) -> Options {
        Options {
            description: description.to_string(),
            manifest: None,
            default_manifest: true,
            capabilities: PathBuf::from("capabilities"),
            output_dir: PathBuf::from("."),
            write: false,
            force: false,
            include_docs: None,
        }
    }
}

/// Composes (and, with `write`, writes) the workflow `options` describe.
pub fn run(options: &Options) -> Result<Composition, ComposeError> {
    let workflow_path = options.output_dir.join(WORKFLOW_FILE);
    let additions_path = options.output_dir.join(ADDITIONS_FILE);
    if options.write && !options.force {
        // Refuse before composing, so a refusal writes nothing.
        for path in [&workflow_path, &additions_path] {
            if path.exists() {
                return Err(ComposeError::Exists { path: path.clone() });
            }
        }
    }
    let mut c = compose(options)?;
    if options.write && !c.workflow_code.is_empty() {
        let map = |e: OnboardError| match e {
            OnboardError::Exists { path } => ComposeError::Exists { path },
            OnboardError::Write { path, reason } => ComposeError::Write { path, reason },
            other => ComposeError::Write {
                path: options.output_dir.clone(),
                reason: other.to_string(),
            },
        };
        write_file(&workflow_path, c.workflow_code.as_bytes(), options.force).map_err(map)?;
        write_file(
            &additions_path,
            c.manifest_additions.as_bytes(),
            options.force,
        )
        .map_err(map)?;
        c.written = vec![
            workflow_path.display().to_string(),
            additions_path.display().to_string(),
        ];
        c.notes.push(match &c.manifest {
            Some(m) => format!(
                "Merge `{}` into `{m}` (it was not edited), then run `scalable validate {m}` and `scalable run {m} --target local --workflow {}`",
                additions_path.display(),
                workflow_path.display()
            ),
            None => format!(
                "`{}` is a whole manifest: rename it to `scalable.yaml` (or merge it into yours), then `scalable run scalable.yaml --target local --workflow {}`",
                additions_path.display(),
                workflow_path.display()
            ),
        });
    }
    Ok(c)
}

/// Composes the workflow `options` describe; writes nothing.
pub fn compose(options: &Options) -> Result<Composition, ComposeError> {
    let mut notes = Vec::new();
    if let Some(docs) = &options.include_docs {
        if !docs.exists() {
            return Err(ComposeError::Docs { path: docs.clone() });
        }
        notes.push(format!(
            "Heuristic mode does not read `--include-docs` (`{}`); LLM mode will",
            docs.display()
        ));
    }
    let manifest = match &options.manifest {
        Some(path) => Some(path.clone()),
        None if options.default_manifest && Path::new("scalable.yaml").is_file() => {
            Some(PathBuf::from("scalable.yaml"))
        }
        None => None,
    };
    let catalog = Catalog::load(manifest.as_deref(), &options.capabilities)?;
    notes.extend(catalog.notes.iter().cloned());
    let intent = intent::parse(&options.description, &catalog);
    let templates = render::Templates::new();
    let generated = generate::generate(&intent, &catalog, &templates);
    let mut understood = understood(&intent, &catalog);
    let provenance = format!(
        "heuristic rules of scalable-ai {} ({} built-in models, {} stage rules, {} templates)",
        env!("CARGO_PKG_VERSION"),
        known::KNOWN.len(),
        intent::stages::RULES.len(),
        render::TEMPLATES.len()
    );
    let Some(g) = generated else {
        notes.push(format!(
            "Name a model to run: one of {}{}, or a component of the manifest or of ./capabilities",
            known::KNOWN
                .iter()
                .map(|k| k.display)
                .collect::<Vec<_>>()
                .join(", "),
            if catalog.models.len() > known::KNOWN.len() {
                " (or one of this project's)"
            } else {
                ""
            }
        ));
        return Ok(Composition {
            mode: HEURISTIC.to_string(),
            provenance,
            confidence: "low".to_string(),
            intent,
            understood,
            workflow_code: String::new(),
            functions: Vec::new(),
            manifest_additions: String::new(),
            dependencies: Vec::new(),
            manifest: catalog.manifest.clone(),
            validation_errors: Vec::new(),
            notes,
            written: Vec::new(),
        });
    };
    let workflow_code = templates.workflow(&g.workflow);
    let manifest_additions = render::additions_yaml(&g.additions, catalog.manifest.as_deref());
    let validation_errors = validate(&g.additions, &catalog, &manifest_additions);
    for e in &validation_errors {
        notes.push(format!("The additions do not validate: {e}"));
    }
    notes.extend(g.notes);
    let functions: Vec<FunctionInfo> = g
        .workflow
        .functions
        .iter()
        .map(|f| FunctionInfo {
            name: f.name.clone(),
            stage: f.stage,
            tag: f.tag.clone(),
        })
        .collect();
    understood.push(format!(
        "Functions: {}",
        functions
            .iter()
            .map(|f| format!("{} (tag {})", f.name, f.tag))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let confidence = if intent.not_understood.is_empty() && !intent.truncated {
        "high"
    } else {
        "medium"
    };
    Ok(Composition {
        mode: HEURISTIC.to_string(),
        provenance,
        confidence: confidence.to_string(),
        intent,
        understood,
        workflow_code,
        functions,
        manifest_additions,
        dependencies: g.dependencies,
        manifest: catalog.manifest.clone(),
        validation_errors,
        notes,
        written: Vec::new(),
    })
}

/// The intent in sentences.
fn understood(intent: &Intent, catalog: &Catalog) -> Vec<String> {
    let mut lines = Vec::new();
    if intent.models.is_empty() {
        lines.push("Models: none recognised".to_string());
    } else {
        let models: Vec<String> = intent
            .models
            .iter()
            .map(|m| {
                let from = match m.source.as_str() {
                    "capabilities" => catalog
                        .models
                        .iter()
                        .find(|c| c.key == m.key)
                        .and_then(|c| c.component_file.clone())
                        .map(|f| format!("onboarded: {f}"))
                        .unwrap_or_else(|| "onboarded".to_string()),
                    "manifest" => "a component of the manifest".to_string(),
                    _ => "built-in knowledge".to_string(),
                };
                format!("{} ({from})", m.display)
            })
            .collect();
        let label = if models.len() > 1 {
            "Models (a chain)"
        } else {
            "Model"
        };
        lines.push(format!("{label}: {}", models.join(" then ")));
    }
    if !intent.inputs.is_empty() {
        lines.push(format!("Input data from: {}", intent.inputs.join(", ")));
    }
    if !intent.stages.is_empty() {
        let stages: Vec<&str> = intent.stages.iter().map(|s| s.as_str()).collect();
        lines.push(format!("Stages named: {}", stages.join(", ")));
    }
    match &intent.fanout {
        Some(f) => {
            let shown: Vec<&str> = f.values.iter().take(8).map(String::as_str).collect();
            let values = if f.values.is_empty() {
                "no values".to_string()
            } else if f.values.len() > shown.len() {
                format!("{}, … ({} in all)", shown.join(", "), f.values.len())
            } else {
                shown.join(", ")
            };
            let from = if f.values_from == "description" {
                String::new()
            } else {
                format!(" ({})", f.values_from)
            };
            lines.push(format!(
                "Fan-out: one run per {} over {values}{from}",
                f.variable
            ));
            lines.push(format!(
                "Runs: {}",
                if intent.parallel {
                    "in parallel"
                } else {
                    "one after another"
                }
            ));
        }
        None => lines.push("Fan-out: none (one run)".to_string()),
    }
    if !intent.outputs.is_empty() {
        let kinds: Vec<String> = intent.outputs.iter().map(|k| format!("{k:?}")).collect();
        lines.push(format!("Outputs: {}", kinds.join(", ")));
    }
    if !intent.not_understood.is_empty() {
        let more = if intent.more_not_understood > 0 {
            format!(" and {} more", intent.more_not_understood)
        } else {
            String::new()
        };
        lines.push(format!(
            "Not understood: {}{more}",
            intent.not_understood.join(", ")
        ));
    }
    if intent.truncated {
        lines.push(format!(
            "Only the first {} bytes of the description were read",
            intent::words::MAX_BYTES
        ));
    }
    lines
}

/// Validates the additions merged into the manifest read (or alone, as the
/// whole manifest they are when there is none): the errors, as text.
fn validate(additions: &generate::Additions, catalog: &Catalog, text: &str) -> Vec<String> {
    let source = match &catalog.manifest_json {
        Some(base) => {
            let mut merged = base.clone();
            let Some(root) = merged.as_object_mut() else {
                return vec!["the manifest is not a mapping".to_string()];
            };
            for (key, entries) in [
                (
                    "components",
                    additions
                        .components
                        .iter()
                        .map(|(n, f)| (n.clone(), Value::Object(f.clone())))
                        .collect::<Vec<_>>(),
                ),
                (
                    "tasks",
                    additions
                        .tasks
                        .iter()
                        .map(|(n, c)| (n.clone(), json!({"component": c, "cache": true})))
                        .collect(),
                ),
            ] {
                let section = root.entry(key).or_insert_with(|| Value::Object(Map::new()));
                if let Some(map) = section.as_object_mut() {
                    for (name, value) in entries {
                        map.insert(name, value);
                    }
                }
            }
            serde_json::to_string(&merged).unwrap_or_default()
        }
        None => text.to_string(),
    };
    match scalable_manifest::load_str(
        &source,
        ADDITIONS_FILE,
        Path::new("."),
        scalable_manifest::Env::default(),
    ) {
        Ok(doc) => doc
            .validate(None)
            .errors()
            .map(|d| format!("{} at `{}`: {}", d.code.as_str(), d.path, d.message))
            .collect(),
        Err(d) => vec![format!("{}: {}", d.code.as_str(), d.message)],
    }
}

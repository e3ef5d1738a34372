//! `init-component`: onboard a model repository into a Scalable component.
//!
//! One walk of the repository (`scan`), the packaging files read (`meta`),
//! then one rule module per question: `language`, `dependencies`, `entry`,
//! `container`, `image`, `resources`; `component` builds and checks the
//! YAML, `render` prints it, `write` puts files on disk. Heuristic mode
//! only: offline, and the same repository always gives the same bytes.

pub mod component;
pub mod container;
pub mod dependencies;
pub mod entry;
pub mod error;
pub mod image;
pub mod language;
pub mod meta;
pub mod parse;
pub mod render;
pub mod resources;
pub mod scan;
pub mod write;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use component::{Component, Task};
pub use container::Container;
pub use dependencies::Dependencies;
pub use entry::EntryPoint;
pub use error::OnboardError;
pub use image::Image;
pub use language::{Lang, Language};
pub use resources::{Estimate, Resources, estimate_resources};
pub use scan::DATA_EXTENSIONS;

use crate::explain::HEURISTIC;
use scan::Repo;

/// One fact and the file that said it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The file, relative to the repository (`R_interface/DESCRIPTION`).
    pub file: String,
    /// What it says.
    pub says: String,
}

impl Evidence {
    /// Evidence that `file` says `says`.
    pub fn new(file: &str, says: &str) -> Evidence {
        Evidence {
            file: file.to_string(),
            says: says.to_string(),
        }
    }
}

/// The package the repository holds, as its packaging files name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Its repository or home page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// What `init-component` found and generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Onboarding {
    /// The component's name.
    pub name: String,
    /// The repository folder as the user named it.
    pub path: String,
    /// `heuristic`.
    pub mode: String,
    /// What produced this result.
    pub provenance: String,
    /// The language verdict.
    pub language: Language,
    /// The package's name, version and URL.
    pub package: Package,
    /// The dependencies and their file.
    pub dependencies: Dependencies,
    /// How a workflow calls the model.
    pub entry_point: Option<EntryPoint>,
    /// The container definition found.
    pub container: Option<Container>,
    /// The image reference and where it came from.
    pub image: Image,
    /// Resources per worker and a walltime.
    pub resources: Resources,
    /// The generated component.
    pub component: Component,
    /// The suggested task binding.
    pub task: Task,
    /// `components:` YAML.
    pub component_yaml: String,
    /// `tasks:` YAML.
    pub task_yaml: String,
    /// What the user should do or check.
    pub recommendations: Vec<String>,
    /// Oddities met on the way (unreadable files, symlink loops, …).
    pub notes: Vec<String>,
    /// Which file said what, in the order the rules read them.
    pub evidence: Vec<Evidence>,
    /// Where the component file was written, as the user would name it.
    pub written_to: Option<String>,
    /// Where `--write-dockerfile` wrote `Dockerfile.scalable`.
    pub dockerfile_written: Option<String>,
}

/// How to run `init-component`.
#[derive(Debug, Clone)]
pub struct Options {
    /// The model's repository folder.
    pub path: PathBuf,
    /// The component's name.
    pub name: String,
    /// A folder of input data to size instead of the repository's data files.
    pub data_dir: Option<PathBuf>,
    /// Scenarios the walltime estimate covers.
    pub scenarios: u32,
    /// Write the component file (to `output`, else `PATH/scalable-component.yaml`).
    pub write: bool,
    /// Where to write the component file.
    pub output: Option<PathBuf>,
    /// Replace files that exist.
    pub force: bool,
    /// Write `Dockerfile.scalable` (Python packages only) before analysing.
    pub write_dockerfile: bool,
}

impl Options {
    /// Analyse `path` as component `name`, writing nothing.
    pub fn new(path: impl Into<PathBuf>, name: &str) -> Options {
        Options {
            path: path.into(),
            name: name.to_string(),
            data_dir: None,
            scenarios: scalable_plan::DEFAULT_SCENARIOS,
            write: false,
            output: None,
            force: false,
            write_dockerfile: false,
        }
    }
}

/// The file name `init-component` writes in the model's folder.
pub const COMPONENT_FILE: &str = "scalable-component.yaml";

/// The file `--write-dockerfile` writes in the model's folder.
pub const DOCKERFILE: &str = "Dockerfile.scalable";

/// Runs `init-component`: checks what would be overwritten first (so a
/// refusal writes nothing), writes `Dockerfile.scalable` if asked, analyses
/// the repository, then writes the component file if asked.
pub fn run(options: &Options) -> Result<Onboarding, OnboardError> {
    check_name(&options.name)?;
    check_dir(&options.path)?;
    let target = options
        .output
        .clone()
        .unwrap_or_else(|| options.path.join(COMPONENT_FILE));
    let dockerfile = options.path.join(DOCKERFILE);
    if options.write && !options.force && target.exists() {
        return Err(OnboardError::Exists { path: target });
    }
    if options.write_dockerfile && !options.force && dockerfile.exists() {
        return Err(OnboardError::Exists { path: dockerfile });
    }
    let mut dockerfile_written = None;
    if options.write_dockerfile {
        let first = analyze(options)?;
        if first.language.name != Lang::Python {
            return Err(OnboardError::Dockerfile {
                language: first.language.display.clone(),
            });
        }
        let text = write::dockerfile_text(&first);
        write::write_file(&dockerfile, text.as_bytes(), options.force)?;
        dockerfile_written = Some(dockerfile.display().to_string());
    }
    let mut onboarding = analyze(options)?;
    onboarding.dockerfile_written = dockerfile_written;
    if options.write {
        let text = component::file_text(
            &onboarding.component,
            &onboarding.task,
            &onboarding.provenance,
        );
        write::write_file(&target, text.as_bytes(), options.force)?;
        onboarding.written_to = Some(target.display().to_string());
    }
    Ok(onboarding)
}

/// Analyses the repository at `options.path`; writes nothing.
pub fn analyze(options: &Options) -> Result<Onboarding, OnboardError> {
    check_name(&options.name)?;
    check_dir(&options.path)?;
    let name = options.name.as_str();
    let shown = options.path.display().to_string();
    let repo = Repo::scan(&options.path, false);
    let mut evidence = Vec::new();
    let mut recommendations = Vec::new();
    let meta = meta::read(&repo, &mut evidence);
    let language = language::detect(&repo, &meta, &shown, &mut evidence);
    if let Some(parent) = &language.suggested_path {
        recommendations.push(format!(
            "Point `init-component` at the package's root instead: `scalable init-component {parent} --name {name}`."
        ));
    }
    let dependencies = dependencies::select(&meta, language.name, &mut recommendations);
    let entry_point = entry::detect(&repo, &meta, language.name, &mut evidence);
    if entry_point.is_none() && language.name != Lang::Unknown {
        recommendations.push(
            "No entry point found (an exported `run_model`, `run` or `main`, a console script or a `__main__` module); call the model from the workflow by hand.".to_string(),
        );
    }
    let container = container::detect(
        &repo,
        language
            .floor
            .as_deref()
            .filter(|_| language.name == Lang::Python),
        &mut evidence,
        &mut recommendations,
    );
    if container.is_none() {
        recommendations.push(match language.name {
            Lang::Python => format!(
                "No Dockerfile or Apptainer definition found; run again with `--write-dockerfile` to write `{DOCKERFILE}` on {}, then build the image.",
                container::template_image(language.floor.as_deref())
            ),
            _ => "No Dockerfile or Apptainer definition found; write one that builds the model, then build the image.".to_string(),
        });
    }
    let image = image::infer(
        &meta.urls,
        meta.version.as_ref().map(|v| v.value.as_str()),
        name,
    );
    if !image.versioned {
        recommendations.push(format!(
            "No package version found, so the image is tagged `dev`; pin a version tag once the image is built (`{}`).",
            image.reference
        ));
    }
    if image.from_url.is_none() {
        recommendations.push(format!(
            "No GitHub or GitLab URL found to make a registry path from; push the image to a registry the workers can pull from and set `image` (now `{}`).",
            image.reference
        ));
    }
    if language.suggested_path.is_some() {
        // Pointed at the wrong folder: advice about this one's container,
        // version or URL would only distract from the one that matters.
        recommendations.truncate(1);
    }
    let input_mb = input_size_mb(&repo, options.data_dir.as_deref(), &mut evidence)?;
    let model = resources::model_profile(
        [Some(name), meta.name.as_ref().map(|n| n.value.as_str())]
            .into_iter()
            .flatten(),
    );
    let resources = resources::estimate(model, language.name, input_mb, options.scenarios);
    let mut tags = resources.tags.clone();
    if tags.is_empty() && language.name != Lang::Unknown {
        tags.push(language.name.as_str().to_string());
    }
    let component = Component {
        name: name.to_string(),
        image: image.reference.clone(),
        runtime: "apptainer".to_string(),
        cpus: resources.cpus,
        memory: resources.memory.clone(),
        tags,
        mounts: vec![(
            component::data_folder(name),
            component::DATA_MOUNT.to_string(),
        )],
        env: vec![(component::data_env(name), component::DATA_MOUNT.to_string())],
    };
    let task = Task {
        name: component::task_name(name),
        component: name.to_string(),
        cache: true,
        outputs: vec![("output_dir".to_string(), "dir".to_string())],
    };
    let provenance = format!(
        "heuristic rules of scalable-ai {} ({} language markers, {} model profiles)",
        env!("CARGO_PKG_VERSION"),
        language::MARKERS.len(),
        scalable_plan::profiles::models().count()
    );
    let file = component::file_text(&component, &task, &provenance);
    let mut notes = repo.notes();
    for error in component::validation_errors(&file) {
        notes.push(format!("The generated YAML does not validate: {error}."));
    }
    Ok(Onboarding {
        name: name.to_string(),
        path: shown,
        mode: HEURISTIC.to_string(),
        provenance,
        language,
        package: Package {
            name: meta.name.as_ref().map(|n| n.value.clone()),
            version: meta.version.as_ref().map(|v| v.value.clone()),
            url: meta.urls.first().map(|u| u.value.clone()),
        },
        dependencies,
        entry_point,
        container,
        image,
        resources,
        component_yaml: component::component_yaml(&component),
        task_yaml: component::task_yaml(&task),
        component,
        task,
        recommendations,
        notes,
        evidence,
        written_to: None,
        dockerfile_written: None,
    })
}

/// The language of the repository at `path` (`python`, `r`, `julia`,
/// `compiled`, `unknown`), as `init-component` decides it.
pub fn detect_language(path: &Path) -> Result<Language, OnboardError> {
    check_dir(path)?;
    let repo = Repo::scan(path, false);
    let mut evidence = Vec::new();
    let meta = meta::read(&repo, &mut evidence);
    Ok(language::detect(
        &repo,
        &meta,
        &path.display().to_string(),
        &mut evidence,
    ))
}

/// MB of input data: `data_dir` measured whole, else the repository's data
/// files (by extension), never read, only sized.
fn input_size_mb(
    repo: &Repo,
    data_dir: Option<&Path>,
    evidence: &mut Vec<Evidence>,
) -> Result<f64, OnboardError> {
    const MB: f64 = 1024.0 * 1024.0;
    if let Some(dir) = data_dir {
        if !dir.is_dir() {
            return Err(OnboardError::DataDir {
                path: dir.to_path_buf(),
                reason: if dir.exists() {
                    "it is not a folder".to_string()
                } else {
                    "it does not exist".to_string()
                },
            });
        }
        let data = Repo::scan(dir, true);
        let bytes: u64 = data.files.values().filter_map(|f| f.size).sum();
        for note in data.notes() {
            repo.note(format!("in `--data-dir`: {note}"));
        }
        evidence.push(Evidence::new(
            &dir.display().to_string(),
            &format!(
                "input data: {} in {} files (`--data-dir`)",
                resources::mb(bytes as f64 / MB),
                data.files.len()
            ),
        ));
        return Ok(bytes as f64 / MB);
    }
    let mut bytes = 0u64;
    let mut count = 0usize;
    let mut folders: Vec<&str> = Vec::new();
    for (path, info) in &repo.files {
        let in_docs = path
            .split('/')
            .any(|p| language::IGNORED_FOLDERS.contains(&p));
        if in_docs || !scan::is_data_file(path) {
            continue;
        }
        bytes += info.size.unwrap_or(0);
        count += 1;
        let folder = path.rsplit_once('/').map(|(d, _)| d).unwrap_or(".");
        if !folders.contains(&folder) {
            folders.push(folder);
        }
    }
    if count > 0 {
        let shown: Vec<String> = folders.iter().take(3).map(|f| format!("`{f}`")).collect();
        let more = if folders.len() > 3 {
            format!(" and {} more folders", folders.len() - 3)
        } else {
            String::new()
        };
        evidence.push(Evidence::new(
            "(data files)",
            &format!(
                "input data: {} in {count} files under {}{more} (sized, not read)",
                resources::mb(bytes as f64 / MB),
                shown.join(", ")
            ),
        ));
    }
    Ok(bytes as f64 / MB)
}

/// A component name is a manifest key and the prefix of its `_DATA`
/// variable: a letter, then letters, digits, `-` or `_`.
fn check_name(name: &str) -> Result<(), OnboardError> {
    let ok = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        && name.len() <= 63;
    if ok {
        Ok(())
    } else {
        Err(OnboardError::Name {
            name: name.to_string(),
        })
    }
}

fn check_dir(path: &Path) -> Result<(), OnboardError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(OnboardError::Path {
            path: path.to_path_buf(),
            reason: "it is a file, not the model's folder".to_string(),
        }),
        Err(e) => Err(OnboardError::Path {
            path: path.to_path_buf(),
            reason: match e.kind() {
                std::io::ErrorKind::NotFound => "no such folder".to_string(),
                _ => e.to_string(),
            },
        }),
    }
}

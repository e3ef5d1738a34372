//! `migrate`: ports a manifest from one provider to another (heuristic mode).
//!
//! The manifest is rewritten *as written* ([`tree`]): one target, the one
//! migrated, is replaced by a target of the new provider with options derived
//! from it ([`providers`]); components keep their sizes, tags and environment,
//! with data locations translated ([`mounts`]), Kubernetes names made DNS-1123
//! and Fargate sizes rounded up to a pair AWS accepts; tasks follow renamed
//! components; the overlays of the source provider's targets are carried
//! under the new target's prefix. The result must validate with no errors,
//! or migration fails. Nothing is written unless asked ([`write`]).
//!
//! The generated manifest holds only the new target: the original targets
//! stay in the input, and a manifest for one provider is what the tutorial
//! shows. Same input, same output, byte for byte.

pub mod llm;
pub mod mounts;
pub mod providers;
pub mod render;
pub mod tree;

use std::collections::BTreeMap;
use std::path::Path;

use scalable_manifest::rules::{self, ImageTag};
use scalable_manifest::{Diagnostic, Manifest, Provider, Report};
use serde::Serialize;

use crate::explain::HEURISTIC;
use providers::{display, keys};
use tree::Yaml;

/// What to migrate, and to what.
#[derive(Debug, Clone)]
pub struct Options {
    /// The provider of the new target.
    pub to: Provider,
    /// The target to migrate; default: [`providers::default_source`].
    pub from_target: Option<String>,
    /// The new target's name; default: [`providers::default_name`].
    pub target_name: Option<String>,
}

/// One numbered group of changes, as "Changes required" lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `target`, `images`, `mounts`, `names`, `resources` or `overlays`.
    pub kind: &'static str,
    /// The group's first line.
    pub title: String,
    /// Its points.
    pub items: Vec<String>,
}

/// A migration: what changes, the generated manifest and what must exist
/// before it can run.
#[derive(Debug, Clone, Serialize)]
pub struct Migration {
    /// The input manifest, as named.
    pub file: String,
    /// The target migrated.
    pub from_target: String,
    /// Its provider.
    pub from_provider: Provider,
    /// The new target's name.
    pub to_target: String,
    /// The new provider.
    pub to_provider: Provider,
    /// What changes, grouped.
    pub changes: Vec<Change>,
    /// The generated manifest (it validates with no errors).
    pub migrated_yaml: String,
    /// What must exist before deploying, what was kept, what was not verified.
    pub notes: Vec<String>,
    /// `heuristic`.
    pub mode: String,
    /// What produced this.
    pub provenance: String,
    /// Where the manifest was written (`--output`), if it was.
    pub written_to: Option<String>,
    /// Why LLM mode fell back to this heuristic migration, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

/// Why a migration could not be made or written.
#[derive(Debug)]
pub enum MigrateError {
    /// The manifest cannot be read or parsed, or names no such target.
    Manifest(Box<Diagnostic>),
    /// The manifest does not validate; migration starts from a valid one.
    Invalid(Box<Report>),
    /// An argument or the output file is unusable.
    Usage {
        /// A stable code.
        code: &'static str,
        /// What is wrong.
        message: String,
        /// What to do.
        hint: String,
    },
    /// The generated manifest does not validate: a bug in these rules.
    Generated(Vec<String>),
}

impl MigrateError {
    /// The stable code.
    pub fn code(&self) -> &str {
        match self {
            MigrateError::Manifest(d) => d.code.as_str(),
            MigrateError::Invalid(r) => r.errors().next().map_or("E_INVALID", |d| d.code.as_str()),
            MigrateError::Usage { code, .. } => code,
            MigrateError::Generated(_) => "E_MIGRATE_GENERATED_INVALID",
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            MigrateError::Manifest(d) => d.hint.clone().unwrap_or_default(),
            MigrateError::Invalid(r) => format!(
                "fix the errors `scalable validate {}` reports, then migrate",
                r.file
            ),
            MigrateError::Usage { hint, .. } => hint.clone(),
            MigrateError::Generated(_) => {
                "this is a bug in `scalable migrate`: please report it with the input manifest"
                    .to_string()
            }
        }
    }
}

impl std::fmt::Display for MigrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MigrateError::Manifest(d) => write!(f, "{}", d.message),
            MigrateError::Invalid(r) => write!(
                f,
                "`{}` does not validate; migration starts from a valid manifest",
                r.file
            ),
            MigrateError::Usage { message, .. } => write!(f, "{message}"),
            MigrateError::Generated(errors) => write!(
                f,
                "the generated manifest does not validate: {}",
                errors.join("; ")
            ),
        }
    }
}

impl std::error::Error for MigrateError {}

fn usage(code: &'static str, message: String, hint: impl Into<String>) -> MigrateError {
    MigrateError::Usage {
        code,
        message,
        hint: hint.into(),
    }
}

/// Parses a provider name, for callers holding a string (Python).
pub fn parse_provider(name: &str) -> Result<Provider, MigrateError> {
    Provider::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Provider::ALL.iter().map(|p| p.as_str()).collect();
        usage(
            "E_UNKNOWN_PROVIDER",
            format!("unknown provider `{name}`"),
            format!("use one of: {}", names.join(", ")),
        )
    })
}

/// Loads the manifest at `path` and migrates it.
pub fn migrate_file(path: &Path, options: &Options) -> Result<Migration, MigrateError> {
    let doc = scalable_manifest::load(path).map_err(MigrateError::Manifest)?;
    migrate(&doc, options)
}

/// Everything the rewrite reads off the source.
struct Source<'a> {
    doc: &'a scalable_manifest::Document,
    manifest: &'a Manifest,
    /// The manifest as the source target resolves it (its overlay applied).
    resolved: Option<Manifest>,
    name: String,
    from: Provider,
    to: Provider,
    to_target: String,
    root: Yaml,
}

/// Migrates a loaded manifest. It must validate; the result validates too.
pub fn migrate(
    doc: &scalable_manifest::Document,
    options: &Options,
) -> Result<Migration, MigrateError> {
    let report = doc.validate(None);
    let Some(manifest) = report.manifest.as_ref().filter(|_| report.ok()) else {
        return Err(MigrateError::Invalid(Box::new(report)));
    };
    let to = options.to;
    let names = doc.target_names();
    let targets: Vec<(String, Provider)> = names
        .iter()
        .filter_map(|n| Some((n.clone(), manifest.targets.get(n)?.provider())))
        .collect();
    let name = match &options.from_target {
        Some(n) => {
            doc.select_target(Some(n), None)
                .map_err(MigrateError::Manifest)?;
            n.clone()
        }
        None => providers::default_source(&targets, to)
            .ok_or_else(|| {
                usage(
                    "E_MIGRATE_NO_TARGET",
                    format!("`{}` defines no targets to migrate", doc.file),
                    "add a target (e.g. `targets: {local: {provider: local}}`) or write the new target by hand",
                )
            })?
            .to_string(),
    };
    let from = targets
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, p)| *p)
        .ok_or_else(|| {
            usage(
                "E_MIGRATE_NO_TARGET",
                format!("target `{name}` has no provider"),
                "give it `provider:`",
            )
        })?;
    let to_target = match &options.target_name {
        Some(n) => check_target_name(n)?,
        None => providers::default_name(to, &names, &name),
    };
    let source = Source {
        doc,
        manifest,
        resolved: doc.validate(Some(&name)).manifest,
        name,
        from,
        to,
        to_target,
        root: Yaml::from_node(doc.root()),
    };
    let mut m = build(&source);
    check_generated(&source, &m.migrated_yaml)?;
    m.file = doc.file.clone();
    Ok(m)
}

/// A target name from the command line: a plain manifest key.
fn check_target_name(name: &str) -> Result<String, MigrateError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(name.to_string())
    } else {
        Err(usage(
            "E_MIGRATE_TARGET_NAME",
            format!("`{name}` cannot name a target"),
            "use letters, digits, `-`, `_` or `.` (at most 63), e.g. `--target-name k8s`",
        ))
    }
}

/// Validates the generated text as the source was validated (same
/// variables); any error is a bug in these rules.
fn check_generated(s: &Source<'_>, text: &str) -> Result<(), MigrateError> {
    let doc = scalable_manifest::load_str(text, "<migrated>", &s.doc.dir, s.doc.env().clone())
        .map_err(|d| MigrateError::Generated(vec![format!("{}: {}", d.code, d.message)]))?;
    let errors: Vec<String> = doc
        .validate(None)
        .errors()
        .map(|d| format!("{} at `{}`: {}", d.code, d.path, d.message))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(MigrateError::Generated(errors))
    }
}

/// What is built up while rewriting.
#[derive(Default)]
struct Out {
    images: Vec<String>,
    mounts: Vec<String>,
    names: Vec<String>,
    resources: Vec<String>,
    overlays: Vec<String>,
    notes: Vec<String>,
}

impl Out {
    fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }
}

fn cloud(p: Provider) -> bool {
    matches!(p, Provider::Kubernetes | Provider::Aws | Provider::Gcp)
}

fn build(s: &Source<'_>) -> Migration {
    let mut out = Out::default();
    let empty = Yaml::map();
    let components_in = s.root.get("components").unwrap_or(&empty);
    let source_target = s
        .root
        .get("targets")
        .and_then(|t| t.get(&s.name))
        .unwrap_or(&empty);

    let renames = renames(s, components_in, &mut out);
    let rename = |n: &str| renames.get(n).cloned().unwrap_or_else(|| n.to_string());

    // Fargate rules apply unless the target stays an EC2 cluster.
    let ec2_source = s.from == Provider::Aws && source_target.str_at("cluster_type") == Some("ec2");
    let fargate = s.to == Provider::Aws && !ec2_source;
    let too_big: Vec<String> = if fargate { oversized(s) } else { Vec::new() };
    let fargate = fargate && too_big.is_empty();

    let image = main_image(s, components_in);
    let any_image = components_in
        .entries()
        .iter()
        .any(|(_, c)| c.get("image").is_some());

    // The target.
    let inputs = providers::Inputs {
        from: s.from,
        source: source_target,
        project: s
            .root
            .get("project")
            .and_then(|p| p.str_at("name"))
            .unwrap_or("scalable"),
        image: image.as_deref(),
        needs_ec2: !too_big.is_empty(),
        any_image,
    };
    let options = providers::target_options(s.to, &inputs);
    let (carried, dropped) = overlays_to_carry(s);
    let applied = source_target.str_at("overlay").map(str::to_string);
    let overlay_names: BTreeMap<String, String> = carried
        .iter()
        .map(|o| (o.clone(), overlay_name(s, o)))
        .collect();
    let mut target = Yaml::Map(vec![("provider".into(), Yaml::str(s.to.as_str()))]);
    if let Some(new) = applied.as_ref().and_then(|o| overlay_names.get(o)) {
        target.set("overlay", Yaml::str(new));
    }
    for (k, v) in &options {
        target.set(k, v.clone());
    }
    let target_change = target_change(s, source_target, &options);

    // Components.
    let mut components = Vec::new();
    for (name, c) in components_in.entries() {
        let new_name = rename(name);
        let mut c = c.clone();
        transform_component(s, &mut c, &new_name, &mut out);
        if fargate {
            round_fargate(s, name, &new_name, &mut c, &mut out);
        }
        components.push((new_name, c));
    }
    image_changes(s, components_in, image.as_deref(), &mut out);
    env_and_walltime(s, components_in, source_target, &mut out);

    // Tasks follow renamed components.
    let mut tasks = s.root.get("tasks").cloned().unwrap_or_else(Yaml::map);
    if let Yaml::Map(entries) = &mut tasks {
        for (_, t) in entries.iter_mut() {
            if let Some(c) = t.str_at("component").map(rename) {
                t.set("component", Yaml::str(c));
            }
        }
    }

    // Overlays.
    let mut overlays = Vec::new();
    for o in &carried {
        let Some(body) = s.root.get("overlays").and_then(|ov| ov.get(o)) else {
            continue;
        };
        let new = overlay_names.get(o).cloned().unwrap_or_else(|| o.clone());
        let is_applied = applied.as_deref() == Some(o.as_str());
        let body = transform_overlay(s, body, is_applied, &rename, fargate, &mut out);
        let how = if is_applied {
            format!("applied by `{}`", s.to_target)
        } else {
            let by: Vec<String> = referencing(s, o).iter().map(|t| format!("`{t}`")).collect();
            if by.is_empty() {
                "no target applies it".to_string()
            } else {
                format!("{} applied it; no target applies it here", by.join(", "))
            }
        };
        out.overlays.push(format!("`{o}` → `{new}` ({how})"));
        out.note(overlay_note(s, o, &new, &body, is_applied));
        overlays.push((new, body));
    }
    for o in &dropped {
        out.overlays.push(format!(
            "`{o}` dropped: only targets of other providers apply it"
        ));
    }

    // The document, in the source's key order.
    let mut doc = Vec::new();
    for (key, value) in s.root.entries() {
        match key.as_str() {
            "targets" => doc.push((
                key.clone(),
                Yaml::Map(vec![(s.to_target.clone(), target.clone())]),
            )),
            "components" => doc.push((key.clone(), Yaml::Map(components.clone()))),
            "tasks" => doc.push((key.clone(), tasks.clone())),
            "overlays" if !overlays.is_empty() => {
                doc.push((key.clone(), Yaml::Map(overlays.clone())));
            }
            "overlays" => {}
            _ => doc.push((key.clone(), value.clone())),
        }
    }
    let file_name = Path::new(&s.doc.file)
        .file_name()
        .map_or_else(|| s.doc.file.clone(), |f| f.to_string_lossy().into_owned());
    let migrated_yaml = format!(
        "# Generated by `scalable migrate` from target `{}` ({}) of {file_name}.\n\
         # Advisory: read the migration notes before deploying.\n{}",
        s.name,
        s.from.as_str(),
        Yaml::Map(doc).render()
    );

    for name in &too_big {
        out.resources.push(format!(
            "`{name}` is larger than the largest Fargate task (16 vCPU, 120 GiB): \
             the target uses `cluster_type: ec2`"
        ));
    }
    if !too_big.is_empty() {
        out.note(
            "EC2 clusters need an `instance_type` large enough for the biggest component; \
             set it on the target."
                .to_string(),
        );
    }
    closing_notes(s, &target, image.as_deref(), &dropped, &mut out);

    let mut changes = vec![target_change];
    for (kind, title, items) in [
        ("images", "Images:", std::mem::take(&mut out.images)),
        (
            "mounts",
            "Environment / mount changes:",
            std::mem::take(&mut out.mounts),
        ),
        (
            "names",
            "Kubernetes names (DNS-1123 labels):",
            std::mem::take(&mut out.names),
        ),
        (
            "resources",
            "Fargate sizes:",
            std::mem::take(&mut out.resources),
        ),
        ("overlays", "Overlays:", std::mem::take(&mut out.overlays)),
    ] {
        if !items.is_empty() {
            changes.push(Change {
                kind,
                title: title.to_string(),
                items,
            });
        }
    }
    Migration {
        file: s.doc.file.clone(),
        from_target: s.name.clone(),
        from_provider: s.from,
        to_target: s.to_target.clone(),
        to_provider: s.to,
        changes,
        migrated_yaml,
        notes: out.notes,
        mode: HEURISTIC.to_string(),
        provenance: format!(
            "heuristic rules of `scalable migrate` (no language model) applied to target `{}` of {file_name}",
            s.name
        ),
        written_to: None,
        fallback: None,
    }
}

/// Component names Kubernetes would refuse, and the DNS-1123 label each
/// becomes (unique among the components).
fn renames(s: &Source<'_>, components: &Yaml, out: &mut Out) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    if s.to != Provider::Kubernetes {
        return map;
    }
    let mut taken: Vec<String> = components
        .keys()
        .into_iter()
        .filter(|n| rules::is_dns1123_label(n))
        .collect();
    for name in components.keys() {
        if rules::is_dns1123_label(&name) {
            continue;
        }
        let base = match rules::dns1123_suggestion(&name) {
            b if b.is_empty() => "component".to_string(),
            b => b,
        };
        let mut new = base.clone();
        let mut i = 2;
        while taken.contains(&new) {
            let suffix = format!("-{i}");
            let mut stem = base.clone();
            stem.truncate(63 - suffix.len());
            new = format!("{}{suffix}", stem.trim_end_matches('-'));
            i += 1;
        }
        taken.push(new.clone());
        out.names.push(format!("component `{name}` → `{new}`"));
        map.insert(name, new);
    }
    if !map.is_empty() {
        out.names
            .push("tasks and overlays refer to the new names".to_string());
    }
    map
}

/// Components (base, or as the source target's overlay resolves them) too
/// big for any Fargate size.
fn oversized(s: &Source<'_>) -> Vec<String> {
    let mut names = Vec::new();
    for m in [Some(s.manifest), s.resolved.as_ref()]
        .into_iter()
        .flatten()
    {
        for (name, c) in &m.components {
            if providers::fargate_fit(c.cpus.0, c.memory.bytes as f64).is_none()
                && !names.contains(name)
            {
                names.push(name.clone());
            }
        }
    }
    names
}

/// The image most tasks run: of the components naming a registry image,
/// the one the most tasks use (the first in file order on a tie).
fn main_image(s: &Source<'_>, components: &Yaml) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for (name, c) in components.entries() {
        let Some(image) = c.str_at("image") else {
            continue;
        };
        if rules::image_tag(image) == ImageTag::File {
            continue;
        }
        let uses = s
            .manifest
            .tasks
            .values()
            .filter(|t| &t.component == name)
            .count();
        if best.as_ref().is_none_or(|(n, _)| uses > *n) {
            best = Some((uses, image.to_string()));
        }
    }
    best.map(|(_, image)| image)
}

/// "Target 'hpc' → new target 'k8s'" with the options removed, added and changed.
fn target_change(s: &Source<'_>, source: &Yaml, options: &[(String, Yaml)]) -> Change {
    let old: Vec<String> = source
        .keys()
        .into_iter()
        .filter(|k| k != "provider" && k != "overlay")
        .collect();
    let new: Vec<&str> = options.iter().map(|(k, _)| k.as_str()).collect();
    let removed: Vec<&str> = old
        .iter()
        .map(String::as_str)
        .filter(|k| !new.contains(k))
        .collect();
    let added: Vec<&str> = new
        .iter()
        .copied()
        .filter(|k| !old.iter().any(|o| o == k))
        .collect();
    let changed: Vec<String> = options
        .iter()
        .filter_map(|(k, v)| {
            let before = source.get(k)?;
            (before != v).then(|| match (before.text(), v.text()) {
                (Some(a), Some(b)) => format!("{k} ({a} → {b})"),
                _ => k.clone(),
            })
        })
        .collect();
    let mut items = Vec::new();
    if !removed.is_empty() {
        items.push(format!("Remove: {}", removed.join(", ")));
    }
    if !added.is_empty() {
        items.push(format!("Add: {}", added.join(", ")));
    }
    if !changed.is_empty() {
        items.push(format!("Change: {}", changed.join(", ")));
    }
    if items.is_empty() {
        items.push("Options kept as written".to_string());
    }
    Change {
        kind: "target",
        title: format!("Target '{}' → new target '{}'", s.name, s.to_target),
        items,
    }
}

/// Drops what the new provider has no use for and translates data locations.
fn transform_component(s: &Source<'_>, c: &mut Yaml, name: &str, out: &mut Out) {
    if cloud(s.to)
        && !cloud(s.from)
        && let Some(runtime) = c.remove("runtime")
        && let Some(r) = runtime.text()
    {
        out.images.push(format!(
            "`{name}`: `runtime: {r}` dropped ({} runs images itself)",
            display(s.to)
        ));
    }
    let t = mounts::translate(c, name, s.from, s.to);
    out.mounts.extend(t.changes);
    for n in t.notes {
        out.note(n);
    }
    if let Some(Yaml::Map(env)) = c.get("env") {
        for (var, value) in env {
            let Some(v) = value.text() else { continue };
            if let Some(path) = t.container_paths.iter().find(|p| v.starts_with(p.as_str())) {
                out.mounts.push(format!(
                    "{var} points at `{path}`, which {} workers do not have: set it to the bucket URI",
                    display(s.to)
                ));
            }
        }
    }
}

/// Rounds a component up to the smallest Fargate size that holds it.
fn round_fargate(s: &Source<'_>, name: &str, new_name: &str, c: &mut Yaml, out: &mut Out) {
    let Some(typed) = s.manifest.components.get(name) else {
        return;
    };
    let Some((units, mib)) = providers::fargate_fit(typed.cpus.0, typed.memory.bytes as f64) else {
        return;
    };
    let exact = f64::from(units) == typed.cpus.0 * 1024.0
        && u64::from(mib) * 1024 * 1024 == typed.memory.bytes;
    if exact {
        return;
    }
    let cpus = providers::cpus_text(units);
    let memory = providers::memory_text(mib);
    out.resources.push(format!(
        "`{new_name}`: {} CPU, {} → {cpus} CPU, {memory} ({units} CPU units, {mib} MiB)",
        c.str_at("cpus").unwrap_or("1"),
        typed.memory.text,
    ));
    c.set("cpus", Yaml::plain(cpus));
    c.set("memory", Yaml::str(memory));
}

fn image_changes(s: &Source<'_>, components: &Yaml, image: Option<&str>, out: &mut Out) {
    let with: Vec<(&str, &str)> = components
        .entries()
        .iter()
        .filter_map(|(n, c)| Some((n.as_str(), c.str_at("image")?)))
        .collect();
    let without: Vec<&str> = components
        .entries()
        .iter()
        .filter(|(_, c)| c.get("image").is_none())
        .map(|(n, _)| n.as_str())
        .collect();
    if !cloud(s.to) {
        if !with.is_empty() {
            let how = match s.to {
                Provider::Slurm => {
                    "Slurm workers run them with Apptainer (`container_runtime: apptainer`), which pulls `docker://` references"
                }
                _ => {
                    "the local target runs workers in this Python environment unless it sets `containers: docker` or `apptainer`"
                }
            };
            out.images
                .insert(0, format!("Components keep their images; {how}."));
        }
        return;
    }
    let mut lines = Vec::new();
    for (name, img) in &with {
        if rules::image_tag(img) == ImageTag::File {
            lines.push(format!(
                "The {name} component's image `{img}` is a local file: {} pulls from a registry; push an OCI image and name it.",
                display(s.to)
            ));
        } else {
            lines.push(format!(
                "The {name} component already has an image ({img}); no change needed."
            ));
        }
    }
    if !without.is_empty() {
        let names = listed(&without);
        let verb = if without.len() == 1 {
            "inherits"
        } else {
            "inherit"
        };
        lines.push(match image {
            Some(img) => format!(
                "{names} {verb} the target image ({img}); no per-component image required."
            ),
            None => format!(
                "{names} name no image and the target has none: build and push an image with the model and its Python environment, then set `image` on the target."
            ),
        });
    }
    let mut rest = std::mem::take(&mut out.images);
    out.images = lines;
    out.images.append(&mut rest);
}

fn env_and_walltime(s: &Source<'_>, components: &Yaml, target: &Yaml, out: &mut Out) {
    // Variables naming a data path that is still mounted stay as they are.
    if s.to == Provider::Kubernetes || !cloud(s.to) {
        for (_, c) in components.entries() {
            let (mounts, _) = mounts::read(c);
            if mounts.is_empty() {
                continue;
            }
            for (var, value) in c.get("env").map(Yaml::entries).unwrap_or_default() {
                let Some(v) = value.text() else { continue };
                if mounts.iter().any(|m| v.starts_with(&m.container)) && s.from != s.to {
                    out.mounts.push(format!("{var} env var stays the same."));
                }
            }
        }
    }
    if let Some(w) = target
        .str_at("walltime")
        .filter(|_| s.from == Provider::Slurm)
    {
        let seconds = rules::parse_walltime(w)
            .map(|n| format!(" (`{w}` is {n} seconds)"))
            .unwrap_or_default();
        let line = match s.to {
            Provider::Kubernetes => format!(
                "Slurm walltime is replaced by pod `activeDeadlineSeconds`{seconds}; the manifest sets none, so pods run until the cluster scales them down."
            ),
            Provider::Aws | Provider::Gcp => format!(
                "Slurm walltime `{w}` has no counterpart on {}: bound long tasks in the workflow (e.g. a timeout on `distributed.wait`).",
                display(s.to)
            ),
            Provider::Local => format!("Slurm walltime `{w}` does not apply to local runs."),
            Provider::Slurm => return,
        };
        out.mounts.push(line);
    }
}

/// Overlays to carry: all but those only targets of other providers apply.
/// Returns (carried, dropped), in file order.
fn overlays_to_carry(s: &Source<'_>) -> (Vec<String>, Vec<String>) {
    let (mut carried, mut dropped) = (Vec::new(), Vec::new());
    for name in s.root.get("overlays").map(Yaml::keys).unwrap_or_default() {
        let by = referencing(s, &name);
        let ours = by.is_empty()
            || by.iter().any(|t| {
                *t == s.name
                    || s.manifest.targets.get(t.as_str()).map(|t| t.provider()) == Some(s.from)
            });
        if ours {
            carried.push(name);
        } else {
            dropped.push(name);
        }
    }
    (carried, dropped)
}

/// The targets that apply overlay `name`, in file order.
fn referencing(s: &Source<'_>, name: &str) -> Vec<String> {
    s.root
        .get("targets")
        .map(Yaml::entries)
        .unwrap_or_default()
        .iter()
        .filter(|(_, t)| t.str_at("overlay") == Some(name))
        .map(|(n, _)| n.clone())
        .collect()
}

/// `hpc-fine-resolution` → `k8s-fine-resolution`: the source provider's
/// prefix replaced by the new target's name, else the name prefixed.
fn overlay_name(s: &Source<'_>, name: &str) -> String {
    let prefixes = [
        providers::short_name(s.from),
        s.from.as_str(),
        s.name.as_str(),
    ];
    let rest = prefixes
        .iter()
        .find_map(|p| name.strip_prefix(&format!("{p}-")))
        .unwrap_or(name);
    format!("{}-{rest}", s.to_target)
}

/// An overlay as the new target would apply it: components renamed and
/// translated like the base ones (Fargate sizes rounded as resolved), task
/// references renamed, and of `targets` only the source target's entry, as
/// the new target, with the options the new provider takes.
fn transform_overlay(
    s: &Source<'_>,
    body: &Yaml,
    applied: bool,
    rename: &dyn Fn(&str) -> String,
    fargate: bool,
    out: &mut Out,
) -> Yaml {
    let mut new = Vec::new();
    for (key, value) in body.entries() {
        match key.as_str() {
            "components" => {
                let mut comps = Vec::new();
                for (name, c) in value.entries() {
                    let new_name = rename(name);
                    let mut c = c.clone();
                    if cloud(s.to) && !cloud(s.from) {
                        c.remove("runtime");
                    }
                    overlay_mounts(s, name, &mut c, &new_name, out);
                    if fargate && applied {
                        overlay_fargate(s, name, &new_name, &mut c, out);
                    }
                    if !c.entries().is_empty() {
                        comps.push((new_name, c));
                    }
                }
                if !comps.is_empty() {
                    new.push((key.clone(), Yaml::Map(comps)));
                }
            }
            "tasks" => {
                let mut tasks = value.clone();
                if let Yaml::Map(entries) = &mut tasks {
                    for (_, t) in entries.iter_mut() {
                        if let Some(c) = t.str_at("component").map(rename) {
                            t.set("component", Yaml::str(c));
                        }
                    }
                }
                new.push((key.clone(), tasks));
            }
            "targets" => {
                let own = value.get(&s.name).filter(|_| applied);
                let allowed = keys(s.to);
                let kept: Vec<(String, Yaml)> = own
                    .map(Yaml::entries)
                    .unwrap_or_default()
                    .iter()
                    .filter(|(k, _)| {
                        allowed.contains(&k.as_str())
                            && (s.from == s.to || keys(s.from).contains(&k.as_str()))
                    })
                    .cloned()
                    .collect();
                if !kept.is_empty() {
                    new.push((
                        key.clone(),
                        Yaml::Map(vec![(s.to_target.clone(), Yaml::Map(kept))]),
                    ));
                }
            }
            _ => new.push((key.clone(), value.clone())),
        }
    }
    Yaml::Map(new)
}

/// Mount keys in an overlay component: translated as the merged result
/// (base mounts with the overlay's over them) so the lists the overlay
/// replaces still hold the base's volumes.
fn overlay_mounts(s: &Source<'_>, name: &str, c: &mut Yaml, new_name: &str, out: &mut Out) {
    const KEYS: [&str; 3] = ["mounts", "volume_mounts", "volumes"];
    if !KEYS.iter().any(|k| c.get(k).is_some()) {
        return;
    }
    let mut merged = s
        .root
        .get("components")
        .and_then(|cs| cs.get(name))
        .cloned()
        .unwrap_or_else(Yaml::map);
    for key in KEYS {
        if let Some(v) = c.get(key) {
            let value = match (key, merged.get(key)) {
                ("mounts", Some(Yaml::Map(base))) => {
                    let mut m = base.clone();
                    for (h, p) in v.entries() {
                        match m.iter_mut().find(|(k, _)| k == h) {
                            Some((_, old)) => *old = p.clone(),
                            None => m.push((h.clone(), p.clone())),
                        }
                    }
                    Yaml::Map(m)
                }
                _ => v.clone(),
            };
            merged.set(key, value);
        }
    }
    let t = mounts::translate(&mut merged, new_name, s.from, s.to);
    for n in t.notes {
        out.note(n);
    }
    for key in KEYS {
        c.remove(key);
        if let Some(v) = merged.get(key) {
            c.set(key, v.clone());
        }
    }
}

/// Sizes an overlay component as the new target resolves it.
fn overlay_fargate(s: &Source<'_>, name: &str, new_name: &str, c: &mut Yaml, out: &mut Out) {
    if c.get("cpus").is_none() && c.get("memory").is_none() {
        return;
    }
    let (Some(resolved), Some(base)) = (
        s.resolved.as_ref().and_then(|m| m.components.get(name)),
        s.manifest.components.get(name),
    ) else {
        return;
    };
    let (Some(fit), Some(base_fit)) = (
        providers::fargate_fit(resolved.cpus.0, resolved.memory.bytes as f64),
        providers::fargate_fit(base.cpus.0, base.memory.bytes as f64),
    ) else {
        return;
    };
    let (units, mib) = fit;
    let cpus_exact = f64::from(units) == resolved.cpus.0 * 1024.0;
    let memory_exact = u64::from(mib) * 1024 * 1024 == resolved.memory.bytes;
    if cpus_exact && memory_exact {
        return;
    }
    if c.get("cpus").is_some() || units != base_fit.0 {
        c.set("cpus", Yaml::plain(providers::cpus_text(units)));
    }
    if c.get("memory").is_some() || mib != base_fit.1 {
        c.set("memory", Yaml::str(providers::memory_text(mib)));
    }
    out.resources.push(format!(
        "`{new_name}` under its overlay: {} CPU, {} → {} CPU, {} ({units} CPU units, {mib} MiB)",
        providers::cpus_text((resolved.cpus.0 * 1024.0) as u32),
        resolved.memory.text,
        providers::cpus_text(units),
        providers::memory_text(mib),
    ));
}

/// `a`, `a and b`, `a, b and c`.
fn listed(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What an overlay sets, for a note: `demeter.memory: 64G`.
fn leaves(prefix: &str, value: &Yaml, out: &mut Vec<String>) {
    match value {
        Yaml::Map(entries) => {
            for (k, v) in entries {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&path, v, out);
            }
        }
        Yaml::Scalar { text, .. } => out.push(format!("{prefix}: {text}")),
        Yaml::Seq(_) => out.push(format!("{prefix}: [...]")),
    }
}

fn overlay_note(s: &Source<'_>, old: &str, new: &str, body: &Yaml, applied: bool) -> String {
    let mut sets = Vec::new();
    for (k, v) in body.entries() {
        // `components.demeter.memory` reads as `demeter.memory`.
        let prefix = if k == "components" { "" } else { k.as_str() };
        leaves(prefix, v, &mut sets);
    }
    let what = if sets.is_empty() {
        String::new()
    } else {
        let shown: Vec<String> = sets.iter().take(3).map(|l| format!("`{l}`")).collect();
        let more = if sets.len() > 3 { ", ..." } else { "" };
        format!(" ({}{more})", shown.join(", "))
    };
    if applied {
        format!(
            "The overlay `{old}`{what} is preserved as `{new}`, which the new target `{}` applies.",
            s.to_target
        )
    } else {
        format!(
            "The {} overlay `{old}`{what} is preserved as `{new}`; no target applies it yet: \
             copy the `{}` target under a new name with `overlay: {new}` to re-apply it \
             (e.g. for fine-resolution scenarios).",
            display(s.from),
            s.to_target
        )
    }
}

fn closing_notes(
    s: &Source<'_>,
    target: &Yaml,
    image: Option<&str>,
    dropped: &[String],
    out: &mut Out,
) {
    let image_text = image.map_or_else(|| "the worker images".to_string(), |i| format!("`{i}`"));
    let prerequisites = match s.to {
        Provider::Kubernetes => format!(
            "Before deploying to Kubernetes: the namespace `{}` must exist with the Dask Kubernetes operator installed, and {image_text} must be pullable by the cluster's nodes.",
            target.str_at("namespace").unwrap_or("default")
        ),
        Provider::Aws => format!(
            "Before deploying to AWS: credentials for `{}`, and {image_text} in a registry ECS can pull (ECR or public); without `vpc`, `subnets` and `security_groups` dask-cloudprovider uses the default VPC.",
            target.str_at("region").unwrap_or(providers::DEFAULT_AWS_REGION)
        ),
        Provider::Gcp => format!(
            "Before deploying to GCP: set `project_id` on the target, authenticate (`gcloud auth application-default login`), and push {image_text} to a registry the VMs can pull (e.g. Artifact Registry)."
        ),
        Provider::Slurm => "Before deploying to Slurm: set `queue`, `account` and `walltime` for your cluster (Slurm's partition defaults apply until you do), and make the images available to Apptainer (a `docker://` pull or a prebuilt `.sif`).".to_string(),
        Provider::Local => "The local target runs every worker on this machine: check that the largest component's memory fits.".to_string(),
    };
    if s.from != s.to {
        out.note(prerequisites);
    }
    // Where outputs land, as the new target resolves the project.
    let storage = s
        .resolved
        .as_ref()
        .and_then(|m| m.project.default_storage.clone())
        .or_else(|| s.manifest.project.default_storage.clone());
    if let Some(storage) = storage {
        let bucket = storage.starts_with("s3://") || storage.starts_with("gs://");
        let note = match s.to {
            Provider::Aws if !storage.starts_with("s3://") => Some(format!(
                "Outputs go to `{storage}`: AWS workers cannot write there; set `project.default_storage` to an `s3://` URI (in the project or an overlay)."
            )),
            Provider::Gcp if !storage.starts_with("gs://") => Some(format!(
                "Outputs go to `{storage}`: GCP workers cannot write there; set `project.default_storage` to a `gs://` URI (in the project or an overlay)."
            )),
            Provider::Kubernetes if !bucket => Some(format!(
                "Outputs go to `{storage}`, inside the pods: point `project.default_storage` at a bucket (`s3://`, `gs://`) or a path on a mounted volume."
            )),
            Provider::Slurm | Provider::Local if bucket => Some(format!(
                "Outputs go to `{storage}`: the workers need credentials for that bucket."
            )),
            _ => None,
        };
        if let Some(note) = note.filter(|_| s.from != s.to) {
            out.note(note);
        }
    }
    if !dropped.is_empty() {
        let names: Vec<String> = dropped.iter().map(|o| format!("`{o}`")).collect();
        let (noun, verb) = if names.len() == 1 {
            ("Overlay", "belongs")
        } else {
            ("Overlays", "belong")
        };
        out.note(format!(
            "{noun} {} {verb} to targets of other providers and {} not carried.",
            names.join(", "),
            if names.len() == 1 { "is" } else { "are" }
        ));
    }
    let others: Vec<String> = s
        .doc
        .target_names()
        .into_iter()
        .filter(|n| *n != s.name)
        .map(|n| format!("`{n}`"))
        .collect();
    let kept = if others.is_empty() {
        String::new()
    } else {
        format!(
            "; the other targets ({}) stay in the input",
            others.join(", ")
        )
    };
    out.note(format!(
        "The generated manifest holds only the new target `{}`{kept}.",
        s.to_target
    ));
    out.note(format!(
        "Migration is advisory: the generated manifest validates, but clusters, claims, buckets, credentials and images were not checked. Review the plan with `scalable plan FILE --target {} --dry-run`.",
        s.to_target
    ));
}

/// Writes the generated manifest to `output` (temp file + rename). Refuses
/// to write over `input`, and over any existing file without `force`.
pub fn write(
    m: &mut Migration,
    output: &Path,
    input: &Path,
    force: bool,
) -> Result<(), MigrateError> {
    let shown = output.display().to_string();
    let same = match (output.canonicalize(), input.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(usage(
            "E_MIGRATE_OUTPUT_IS_INPUT",
            format!("`{shown}` is the input manifest; migrate never replaces it"),
            "write the migrated manifest to another file, e.g. `--output scalable.k8s.yaml`",
        ));
    }
    if output.is_dir() {
        return Err(usage(
            "E_MIGRATE_OUTPUT",
            format!("`{shown}` is a directory"),
            "name the file to write, e.g. `--output scalable.k8s.yaml`",
        ));
    }
    if output.exists() && !force {
        return Err(usage(
            "E_MIGRATE_OUTPUT_EXISTS",
            format!("`{shown}` exists"),
            "pass `--force` to replace it, or choose another `--output`",
        ));
    }
    scalable_manifest::write_atomic(output, m.migrated_yaml.as_bytes()).map_err(|e| {
        usage(
            "E_MIGRATE_OUTPUT",
            format!("cannot write `{shown}`: {e}"),
            "check that the folder exists and is writable",
        )
    })?;
    m.written_to = Some(shown);
    Ok(())
}

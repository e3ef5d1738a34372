//! A loaded manifest file and the questions asked of it: validate, resolve a
//! target, choose a target.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::check::{self, Ctx};
use crate::diagnostic::{Code, Diagnostic, Sink, did_you_mean};
use crate::env::{Env, is_secret_name};
use crate::expand::expand;
use crate::model::{Manifest, Provider};
use crate::overlay;
use crate::path::child;
use crate::yaml::{self, Limits, Node, Pos};

/// A parsed manifest file. Parsing problems that do not stop the parse
/// (duplicate keys) are kept and reported by every validation.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file as the user named it.
    pub file: String,
    /// The directory relative paths in the manifest resolve against.
    pub dir: PathBuf,
    /// The file's text, for source excerpts.
    pub source: String,
    pub(crate) root: Node,
    pub(crate) env: Env,
    pub(crate) parse_diagnostics: Vec<Diagnostic>,
    /// Overlay files merged onto `root` (see `with_overlay_file`).
    pub(crate) overlay_files: Vec<String>,
    /// Their texts, for the secret-value scan.
    pub(crate) overlay_sources: Vec<String>,
}

/// The outcome of validating a document.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file validated.
    pub file: String,
    /// Every problem, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// The manifest, when there are no errors.
    pub manifest: Option<Manifest>,
}

impl Report {
    /// No errors (warnings allowed).
    pub fn ok(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}

/// Reads and parses a manifest file, expanding variables from the process
/// environment over `.env` in the working directory.
pub fn load(path: &Path) -> Result<Document, Box<Diagnostic>> {
    let file = path.display().to_string();
    let io_error = |message: String, hint: String| {
        let mut d = Diagnostic::new(Code::Io, "", Pos::default(), message).hint(hint);
        d.file = file.clone();
        Box::new(d)
    };
    if path.is_dir() {
        return Err(io_error(
            format!("cannot read `{file}`: it is a directory"),
            format!(
                "name the manifest file in it, e.g. `{}`",
                path.join("scalable.yaml").display()
            ),
        ));
    }
    let source = std::fs::read_to_string(path).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::NotFound => {
                "check the path (the default is `./scalable.yaml`, or `$SCALABLE_MANIFEST`)"
            }
            std::io::ErrorKind::InvalidData => {
                "a manifest is UTF-8 text; check the file's encoding"
            }
            _ => "check the file's permissions",
        };
        io_error(format!("cannot read `{file}`: {e}"), hint.to_string())
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let cwd = std::env::current_dir().unwrap_or_default();
    load_str(&source, &file, &dir, Env::from_process(&cwd))
}

/// Parses manifest text. `file` names it in messages; `dir` anchors relative paths.
pub fn load_str(
    source: &str,
    file: &str,
    dir: &Path,
    env: Env,
) -> Result<Document, Box<Diagnostic>> {
    let mut sink = Sink::default();
    let root = yaml::parse(source, Limits::default(), &mut sink).map_err(|mut d| {
        d.file = file.to_string();
        d
    })?;
    Ok(Document {
        file: file.to_string(),
        dir: dir.to_path_buf(),
        source: source.to_string(),
        root,
        env,
        parse_diagnostics: sink.finish(file),
        overlay_files: Vec::new(),
        overlay_sources: Vec::new(),
    })
}

impl Document {
    /// The names under `targets`, in file order.
    pub fn target_names(&self) -> Vec<String> {
        self.root
            .get("targets")
            .and_then(Node::entries)
            .unwrap_or_default()
            .iter()
            .map(|(k, _)| k.key_text().to_string())
            .collect()
    }

    /// The tree as written: before `${VAR}` expansion and overlays, with
    /// positions. Assistants that rewrite a manifest (`migrate`) start from
    /// it so variables stay variables and secrets are never written out.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// The variables `${VAR}` expands from, for checking text derived from
    /// this document the way the document itself was checked.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// `project.name` as written (before `${VAR}` expansion), if present.
    pub fn project_name(&self) -> Option<String> {
        let name = self.root.get("project")?.get("name")?;
        name.scalar().map(|s| s.text.clone())
    }

    /// The overlay target `name` applies, as written.
    pub fn target_overlay(&self, name: &str) -> Option<String> {
        let overlay = self.root.get("targets")?.get(name)?.get("overlay")?;
        overlay.scalar().map(|s| s.text.clone())
    }

    /// Validates the whole document (`target` = `None`), or the manifest as
    /// `target` resolves it (its overlay applied, other targets dropped).
    pub fn validate(&self, target: Option<&str>) -> Report {
        let mut sink = Sink::default();
        for d in &self.parse_diagnostics {
            sink.push(d.clone());
        }
        let manifest = match target {
            None => {
                let expanded = expand(&self.root, &self.env, &mut sink);
                let base = check::manifest(&mut ctx(&mut sink, false, false), &expanded);
                // A target without an overlay resolves to the base manifest
                // with only itself: its pass can add only the provider rules on
                // components (Kubernetes names, Fargate sizes), which are the
                // same for every such target of a kind. One pass per kind, and
                // none for the plain kind (the base pass), keeps validation
                // linear in the number of targets.
                let mut seen = vec![(false, false)];
                for name in self.target_names() {
                    self.check_resolved(&name, &mut sink, Some(&mut seen));
                }
                base
            }
            Some(name) => match self.unknown_target(name) {
                Some(d) => {
                    sink.push(d);
                    None
                }
                None => self.check_resolved(name, &mut sink, None),
            },
        };
        let ok = !sink.has_errors();
        Report {
            file: self.file.clone(),
            diagnostics: sink.finish(&self.file),
            manifest: manifest.filter(|_| ok).map(|mut m| {
                m.secret_values = self.secret_values();
                m
            }),
        }
    }

    /// Values of the secret-named variables this file refers to as `${NAME}`.
    fn secret_values(&self) -> Vec<String> {
        std::iter::once(&self.source)
            .chain(&self.overlay_sources)
            .flat_map(|source| source.split("${").skip(1))
            .filter_map(|rest| rest.split(['}', ':']).next())
            .filter(|name| is_secret_name(name))
            .filter_map(|name| self.env.get(name))
            .map(str::to_string)
            .collect()
    }

    /// Checks the manifest as target `name` resolves it. With `seen` (the
    /// provider kinds already checked), a target without an overlay whose kind
    /// is in it is skipped: its pass would report nothing new.
    fn check_resolved(
        &self,
        name: &str,
        sink: &mut Sink,
        seen: Option<&mut Vec<(bool, bool)>>,
    ) -> Option<Manifest> {
        let target = self.root.get("targets")?.get(name)?;
        let overlays = self.root.get("overlays");
        let written = target.get("overlay").and_then(|n| Some((n, n.scalar()?)));
        let overlay = written.and_then(|(_, o)| overlays?.get(&o.text));
        match (written, overlay) {
            // Reported as the whole-manifest pass reports it.
            (Some((node, o)), None) => {
                let known: BTreeSet<&str> = overlays
                    .and_then(Node::entries)
                    .unwrap_or_default()
                    .iter()
                    .map(|(k, _)| k.key_text())
                    .collect();
                check::unknown_name(
                    &mut ctx(sink, false, false),
                    Code::UnknownOverlay,
                    &format!("{}.overlay", child("targets", name)),
                    node.pos,
                    "overlay",
                    &o.text,
                    &known,
                );
            }
            // What resolving drops from it is reported where it is written.
            (Some((_, o)), Some(overlay)) => {
                let path = child("overlays", &o.text);
                check::overlay_keys(&mut ctx(sink, false, false), overlay, &path, Some(name));
            }
            (None, _) => {}
        }
        if let Some(seen) = seen
            && overlay.is_none()
        {
            // Unresolved, the target is as written; its expansion problems
            // were reported by the base pass.
            let kind = kind(Some(&expand(target, &self.env, &mut Sink::default())));
            if seen.contains(&kind) {
                return None;
            }
            seen.push(kind);
        }
        let resolved = overlay::resolve(&self.root, name)?;
        let expanded = expand(&resolved, &self.env, sink);
        let (kubernetes, fargate) = kind(expanded.get("targets").and_then(|t| t.get(name)));
        check::manifest(&mut ctx(sink, kubernetes, fargate), &expanded)
    }

    /// Where the `targets` key is written (a name given on the command line has
    /// no place in the file; this is where it would be defined).
    fn targets_pos(&self) -> Pos {
        self.root
            .entries()
            .and_then(|e| e.iter().find(|(k, _)| k.key_text() == "targets"))
            .map_or(
                Pos {
                    line: 1,
                    column: 1,
                    len: 1,
                },
                |(k, _)| k.pos,
            )
    }

    fn unknown_target(&self, name: &str) -> Option<Diagnostic> {
        let names = self.target_names();
        if names.iter().any(|n| n == name) {
            return None;
        }
        let pos = self.targets_pos();
        let listed = if names.is_empty() {
            "none are defined".to_string()
        } else {
            format!("defined: {}", names.join(", "))
        };
        let d = Diagnostic::new(
            Code::UnknownTarget,
            format!("targets.{name}"),
            pos,
            format!("unknown target `{name}`"),
        );
        let mut d = match did_you_mean(name, names.iter().map(String::as_str)) {
            Some(s) => d.hint(format!("did you mean `{s}`? {listed}")),
            None => d.hint(listed),
        };
        d.file = self.file.clone();
        Some(d)
    }

    /// Chooses the target: `explicit`, else `from_env` (`SCALABLE_TARGET`), else
    /// the only target, else the one named `local`. `Ok(None)` when the
    /// manifest defines no targets (validation reports that).
    pub fn select_target(
        &self,
        explicit: Option<&str>,
        from_env: Option<&str>,
    ) -> Result<Option<String>, Box<Diagnostic>> {
        if let Some(name) = explicit.or(from_env).filter(|n| !n.is_empty()) {
            return match self.unknown_target(name) {
                Some(d) => Err(Box::new(d)),
                None => Ok(Some(name.to_string())),
            };
        }
        let names = self.target_names();
        match names.as_slice() {
            [] => Ok(None),
            [only] => Ok(Some(only.clone())),
            _ if names.iter().any(|n| n == "local") => Ok(Some("local".to_string())),
            _ => {
                let pos = self.targets_pos();
                let mut d = Diagnostic::new(
                    Code::UnknownTarget,
                    "targets",
                    pos,
                    format!("several targets and none chosen: {}", names.join(", ")),
                )
                .hint("pass `--target NAME` (Python: `target=`) or set `SCALABLE_TARGET`");
                d.file = self.file.clone();
                Err(Box::new(d))
            }
        }
    }
}

/// Which provider rules apply to components under a target: (Kubernetes
/// names, Fargate sizes).
fn kind(target: Option<&Node>) -> (bool, bool) {
    let provider = target
        .and_then(|t| t.get("provider"))
        .and_then(Node::scalar)
        .and_then(|s| Provider::parse(&s.text));
    let ec2 = target
        .and_then(|t| t.get("cluster_type"))
        .and_then(Node::scalar)
        .is_some_and(|s| s.text == "ec2");
    (
        provider == Some(Provider::Kubernetes),
        provider == Some(Provider::Aws) && !ec2,
    )
}

fn ctx(sink: &mut Sink, kubernetes: bool, fargate: bool) -> Ctx<'_> {
    Ctx {
        sink,
        partial: false,
        kubernetes,
        fargate,
    }
}

/// The default size limits, for callers that parse YAML themselves.
pub fn default_limits() -> Limits {
    Limits::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET_MANIFEST: &str = r#"version: 1
project: {name: p}
targets: {local: {provider: local}}
components:
  c:
    memory: 1G
    env:
      API: "${MY_API_KEY}"
      DB_PASSWORD: in-file
      HEADER: "Bearer ${MY_TOKEN}"
      PLAIN: "${MY_PLAIN}"
tasks: {t: {component: c}}
"#;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn redacted_json_masks_secret_values_and_secret_named_entries() {
        let vars = env(&[
            ("MY_API_KEY", "sk-abc123"),
            ("MY_TOKEN", "tok999"),
            ("MY_PLAIN", "visible"),
        ]);
        let doc = load_str(SECRET_MANIFEST, "s.yaml", Path::new("."), vars).unwrap();
        let manifest = doc.validate(None).manifest.expect("valid");
        let shown = manifest.redacted_json().to_string();
        for secret in ["sk-abc123", "tok999", "in-file"] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
        assert!(shown.contains("Bearer ***"));
        assert!(shown.contains("visible"));
        // The lock still covers the real values.
        assert!(crate::canonical_json(&manifest).contains("sk-abc123"));
    }

    #[test]
    fn secret_values_never_reach_messages() {
        let source = "version: 1\nproject: {name: p}\ntargets: {local: {provider: local}}\n\
            components: {c: {memory: \"${MY_SECRET}\"}}\ntasks: {t: {component: c}}\n";
        let doc = load_str(
            source,
            "s.yaml",
            Path::new("."),
            env(&[("MY_SECRET", "hunter2")]),
        )
        .unwrap();
        let report = doc.validate(None);
        let text = crate::render::text(&report, source) + &crate::render::json(&report);
        assert!(!report.ok());
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("`***` is not a memory size"), "{text}");
    }

    fn doc(source: &str) -> Document {
        load_str(source, "t.yaml", Path::new("."), env(&[])).unwrap()
    }

    /// (code, line, column) of each problem.
    fn found(report: &Report) -> Vec<(Code, usize, usize)> {
        report
            .diagnostics
            .iter()
            .map(|d| (d.code, d.line, d.column))
            .collect()
    }

    #[test]
    fn unset_variable_in_a_required_key_is_only_unset() {
        // Plain scalars: an expansion to nothing would read as null.
        let doc = doc("version: ${V}
project:
  name: ${NAME}
targets:
  local:
    provider: ${P}
components:
  c:
    memory: ${MEM}
    volumes:
      - name: ${VOL}
tasks:
  t:
    component: ${C}
");
        for target in [None, Some("local")] {
            let report = doc.validate(target);
            let codes: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
            assert_eq!(codes, [Code::UnsetVariable; 6], "{target:?}: {report:?}");
        }
    }

    #[test]
    fn unknown_overlay_is_reported_alike_with_and_without_target() {
        let doc = doc("version: 1\nproject: {name: p}\n\
            targets: {hpc: {provider: slurm, overlay: fien}}\n\
            components: {c: {memory: 1G}}\ntasks: {t: {component: c}}\n\
            overlays: {fine: {components: {c: {memory: 2G}}}}\n");
        let whole = doc.validate(None).diagnostics;
        let resolved = doc.validate(Some("hpc")).diagnostics;
        assert_eq!(whole.len(), 1, "{whole:?}");
        assert_eq!(whole, resolved);
        assert_eq!(
            whole[0].hint.as_deref(),
            Some("did you mean `fine`? defined: fine")
        );
    }

    const OVERLAY_MANIFEST: &str = "version: 1
project: {name: p}
targets:
  hpc: {provider: slurm, overlay: fine}
  aws: {provider: aws}
components: {c: {memory: 1G}}
tasks: {t: {component: c}}
overlays:
  fine:
    version: 2
    overlays: {x: {}}
    targets:
      hpc: {overlay: other, walltime: \"06:00:00\"}
      aws: {region: eu-west-1}
      k8s: {provider: kubernetes}
  other:
    targets:
      hpc: {overlay: fine}
";

    #[test]
    fn resolving_merges_only_the_target_and_the_keys_an_overlay_may_hold() {
        let resolved = overlay::resolve(&doc(OVERLAY_MANIFEST).root, "hpc").unwrap();
        let json = resolved.to_json();
        let targets: Vec<&String> = json["targets"].as_object().unwrap().keys().collect();
        assert_eq!(targets, ["hpc"]);
        assert_eq!(json["targets"]["hpc"]["walltime"], "06:00:00");
        assert!(json["targets"]["hpc"].get("overlay").is_none(), "{json}");
        assert_eq!(json["version"], 1);
        assert!(json.get("overlays").is_none(), "{json}");
    }

    #[test]
    fn what_resolving_drops_is_reported_where_it_is_written() {
        let doc = doc(OVERLAY_MANIFEST);
        let unknown = |line, column| (Code::UnknownKey, line, column);
        // `version`, `overlays` and the chained `overlay` of `fine`.
        let hpc = doc.validate(Some("hpc"));
        assert_eq!(
            found(&hpc),
            [unknown(10, 5), unknown(11, 5), unknown(13, 13)],
            "{hpc:?}"
        );
        let chained = &hpc.diagnostics[2];
        assert_eq!(chained.path, "overlays.fine.targets.hpc.overlay");
        assert_eq!(
            chained.hint.as_deref(),
            Some("overlays cannot chain: name one overlay on the target")
        );
        // `aws` uses no overlay; the whole manifest has every overlay checked.
        assert!(doc.validate(Some("aws")).ok());
        assert_eq!(
            found(&doc.validate(None)),
            [
                unknown(10, 5),
                unknown(11, 5),
                unknown(13, 13),
                unknown(18, 13)
            ]
        );
    }

    #[test]
    fn missing_key_points_at_the_key_of_the_mapping() {
        let doc = doc("version: 1\nproject: {default_storage: ./out}\n\
            targets: {local: {max_workers: 2}}\n\
            components:\n  c:\n    cpus: 2\ntasks:\n  t: {cache: true}\n");
        let report = doc.validate(None);
        let missing: Vec<(&str, usize, usize)> = report
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::MissingKey)
            .map(|d| (d.path.as_str(), d.line, d.column))
            .collect();
        assert_eq!(
            missing,
            [
                ("project.name", 2, 1),
                ("targets.local.provider", 3, 11),
                ("components.c.memory", 5, 3),
                ("tasks.t.component", 8, 3),
            ]
        );
    }

    #[test]
    fn volume_names_are_checked_only_for_kubernetes() {
        let source = |provider: &str| {
            format!(
                "version: 1\nproject: {{name: p}}\ntargets: {{t: {{provider: {provider}}}}}\n\
                 components: {{c: {{memory: 1G, volumes: [{{name: Scratch_Data, emptyDir: {{}}}}]}}}}\n\
                 tasks: {{t: {{component: c}}}}\n"
            )
        };
        for provider in ["local", "slurm", "aws", "gcp"] {
            let doc = doc(&source(provider));
            assert!(doc.validate(None).ok(), "{provider}");
            assert!(doc.validate(Some("t")).ok(), "{provider}");
        }
        let doc = doc(&source("kubernetes"));
        for target in [None, Some("t")] {
            let report = doc.validate(target);
            assert_eq!(found(&report), [(Code::Dns1123Name, 4, 47)], "{target:?}");
        }
    }
}

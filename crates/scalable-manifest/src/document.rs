//! A loaded manifest file and the questions asked of it: validate, resolve a
//! target, choose a target.

use std::path::{Path, PathBuf};

use crate::check::{self, Ctx};
use crate::diagnostic::{Code, Diagnostic, Sink, did_you_mean};
use crate::env::{Env, is_secret_name};
use crate::expand::expand;
use crate::model::{Manifest, Provider};
use crate::overlay;
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
    root: Node,
    env: Env,
    parse_diagnostics: Vec<Diagnostic>,
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
pub fn load(path: &Path) -> Result<Document, Diagnostic> {
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| {
        let mut d = Diagnostic::new(Code::Io, "", Pos::default(), format!("cannot read `{file}`: {e}"))
            .hint(match e.kind() {
                std::io::ErrorKind::NotFound => "check the path, or create one with `scalable init-component` and `scalable compose`",
                _ => "check the file's permissions",
            });
        d.file = file.clone();
        d
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let cwd = std::env::current_dir().unwrap_or_default();
    load_str(&source, &file, &dir, Env::from_process(&cwd))
}

/// Parses manifest text. `file` names it in messages; `dir` anchors relative paths.
pub fn load_str(source: &str, file: &str, dir: &Path, env: Env) -> Result<Document, Diagnostic> {
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
        self.source
            .split("${")
            .skip(1)
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
        if let Some(o) = target.get("overlay").and_then(Node::scalar) {
            if self
                .root
                .get("overlays")
                .and_then(|n| n.get(&o.text))
                .is_none()
            {
                let pos = target.get("overlay").map_or(target.pos, |n| n.pos);
                sink.push(
                    Diagnostic::new(
                        Code::UnknownOverlay,
                        format!("targets.{name}.overlay"),
                        pos,
                        format!("unknown overlay `{}`", o.text),
                    )
                    .hint("define it under `overlays:` or remove the `overlay` key"),
                );
            }
        }
        if let Some(seen) = seen {
            let overlay = target
                .get("overlay")
                .and_then(Node::scalar)
                .and_then(|o| self.root.get("overlays")?.get(&o.text));
            if overlay.is_none() {
                // Unresolved, the target is as written; its expansion problems
                // were reported by the base pass.
                let kind = kind(Some(&expand(target, &self.env, &mut Sink::default())));
                if seen.contains(&kind) {
                    return None;
                }
                seen.push(kind);
            }
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
    ) -> Result<Option<String>, Diagnostic> {
        if let Some(name) = explicit.or(from_env).filter(|n| !n.is_empty()) {
            return match self.unknown_target(name) {
                Some(d) => Err(d),
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
                Err(d)
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
}

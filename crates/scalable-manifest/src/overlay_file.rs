//! Overlay files: a partial manifest kept in its own file (what `scalable
//! diagnose --write-overlay` writes) and applied on top of a manifest with
//! `--overlay FILE`, without editing the manifest.

use std::path::Path;

use crate::check::{self, Ctx};
use crate::diagnostic::Sink;
use crate::document::{Document, Report, load};
use crate::overlay::merge;

/// Why an overlay file could not be applied.
#[derive(Debug)]
pub enum OverlayFileError {
    /// It could not be read or parsed (one diagnostic, naming the file).
    Load(Box<crate::Diagnostic>),
    /// It parsed but is not a valid overlay: every problem, with the file's
    /// text for source excerpts.
    Invalid {
        /// The problems, each naming the overlay file.
        report: Box<Report>,
        /// The overlay file's text.
        source: String,
    },
}

impl Document {
    /// This manifest with the overlay file at `path` deep-merged onto it (maps
    /// merge key by key and the file wins; lists and scalars are replaced),
    /// before any target's own overlay. The file holds what an `overlays.<name>`
    /// entry holds (`project`, `targets`, `components`, `tasks`) and is checked
    /// as one, so its mistakes are reported against its own lines. Later
    /// problems in the merged manifest (a task naming a component neither file
    /// defines) are reported against the manifest.
    pub fn with_overlay_file(&self, path: &Path) -> Result<Document, OverlayFileError> {
        let overlay = load(path).map_err(OverlayFileError::Load)?;
        let mut sink = Sink::default();
        for d in &overlay.parse_diagnostics {
            sink.push(d.clone());
        }
        let mut cx = Ctx {
            sink: &mut sink,
            partial: true,
            kubernetes: false,
            fargate: false,
        };
        let expanded = crate::expand::expand(&overlay.root, &overlay.env, cx.sink);
        check::overlay(&mut cx, &expanded, "");
        if sink.has_errors() {
            return Err(OverlayFileError::Invalid {
                report: Box::new(Report {
                    file: overlay.file.clone(),
                    diagnostics: sink.finish(&overlay.file),
                    manifest: None,
                }),
                source: overlay.source,
            });
        }
        let mut merged = self.clone();
        merged.root = merge(&self.root, &overlay.root);
        merged.overlay_files.push(overlay.file);
        merged.overlay_sources.push(overlay.source);
        Ok(merged)
    }

    /// The overlay files applied to this document, in order.
    pub fn overlay_files(&self) -> &[String] {
        &self.overlay_files
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Env, load_str};

    const BASE: &str = "version: 1\nproject: {name: p}\n\
        targets: {local: {provider: local}, big: {provider: local, overlay: big}}\n\
        components: {model: {cpus: 1, memory: 512M}}\ntasks: {run: {component: model}}\n\
        overlays: {big: {components: {model: {memory: 4G}}}}\n";

    fn base() -> Document {
        load_str(BASE, "scalable.yaml", Path::new("."), Env::default()).unwrap()
    }

    fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fix.yaml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn memory(doc: &Document, target: &str) -> String {
        let m = doc.validate(Some(target)).manifest.unwrap();
        m.components["model"].memory.text.clone()
    }

    #[test]
    fn the_file_merges_under_every_target_and_a_target_overlay_still_wins() {
        let (_d, path) = file("components:\n  model:\n    memory: 2G\n");
        let doc = base().with_overlay_file(&path).unwrap();
        assert_eq!(memory(&doc, "local"), "2G");
        assert_eq!(memory(&doc, "big"), "4G");
        assert_eq!(doc.overlay_files(), [path.display().to_string()]);
        assert!(doc.validate(None).ok());
    }

    #[test]
    fn new_components_and_tasks_are_added() {
        let (_d, path) =
            file("components: {post: {cpus: 2, memory: 1G}}\ntasks: {agg: {component: post}}\n");
        let m = base()
            .with_overlay_file(&path)
            .unwrap()
            .validate(Some("local"))
            .manifest
            .unwrap();
        assert_eq!(m.tasks["agg"].component, "post");
        assert_eq!(m.tasks["run"].component, "model");
    }

    #[test]
    fn mistakes_are_reported_against_the_file() {
        let (_d, path) = file("version: 1\ncomponents:\n  model:\n    memroy: 2G\n");
        let Err(OverlayFileError::Invalid { report, source }) = base().with_overlay_file(&path)
        else {
            panic!("accepted an invalid overlay file");
        };
        assert!(source.contains("memroy"));
        let found: Vec<(&str, &str, usize)> = report
            .diagnostics
            .iter()
            .map(|d| (d.file.as_str(), d.path.as_str(), d.line))
            .collect();
        let file = path.display().to_string();
        assert!(found.contains(&(file.as_str(), "version", 1)), "{found:?}");
        assert!(
            found.contains(&(file.as_str(), "components.model.memroy", 4)),
            "{found:?}"
        );
    }

    #[test]
    fn a_missing_or_broken_file_is_one_load_error() {
        let missing = Path::new("/nonexistent/fix.yaml");
        match base().with_overlay_file(missing) {
            Err(OverlayFileError::Load(d)) => assert!(d.message.contains("/nonexistent/fix.yaml")),
            other => panic!("{other:?}"),
        }
        let (_d, path) = file("components: [unclosed\n");
        assert!(matches!(
            base().with_overlay_file(&path),
            Err(OverlayFileError::Load(_))
        ));
    }
}

//! (5) Overlay files: applying one is the same as writing its values into the
//! manifest, and no text in one makes applying it panic.

use super::manifests::load;
use super::robustness::yamlish;
use super::*;

fn write(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("fix.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn an_overlay_file_equals_editing_the_manifest(m in manifest(), mem in memory(64)) {
        let Some(name) = m["components"].as_object().and_then(|c| c.keys().next().cloned()) else {
            return Ok(());
        };
        let dir = tempfile::tempdir().unwrap();
        let overlay = json!({"components": {name.clone(): {"memory": mem.clone()}}});
        let file = write(&dir, &emit_block(&overlay, &mut Order(None)));
        let applied = load(&emit_block(&m, &mut Order(None)))
            .with_overlay_file(&file)
            .unwrap();
        let mut edited = m.clone();
        edited["components"][&name]["memory"] = json!(mem);
        let edited = load(&emit_block(&edited, &mut Order(None)));
        for target in edited.target_names() {
            let a = applied.validate(Some(&target)).manifest.map(|m| canonical_json(&m));
            let b = edited.validate(Some(&target)).manifest.map(|m| canonical_json(&m));
            prop_assert_eq!(a, b, "target {}", target);
        }
    }

    #[test]
    fn arbitrary_overlay_text_never_panics(s in yamlish()) {
        let dir = tempfile::tempdir().unwrap();
        let file = write(&dir, &s);
        if let Ok(doc) = load(EXAMPLE).with_overlay_file(&file) {
            for target in doc.target_names() {
                let _ = doc.validate(Some(&target));
            }
        }
    }
}

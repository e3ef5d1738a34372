//! Arbitrary bytes (read as UTF-8, lossily) through the whole validate path:
//! parse, validate every target and one, render the report as text and JSON,
//! choose a target. Nothing may panic, and the renderings must agree with the
//! report.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use scalable_manifest::{Env, load_str, render};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let doc = match load_str(&text, "fuzz.yaml", Path::new("."), Env::default()) {
        Ok(doc) => doc,
        Err(d) => {
            // A fatal parse error still renders, with its excerpt.
            let out = render::diagnostic(&d, &text);
            assert!(out.starts_with("fuzz.yaml"), "{out}");
            return;
        }
    };

    let whole = doc.validate(None);
    check_rendering(&whole, &doc.source);

    let names = doc.target_names();
    if let Some(first) = names.first() {
        let one = doc.validate(Some(first));
        check_rendering(&one, &doc.source);
    }
    // An empty name (`--target ""`) means "not chosen", so only named ones.
    if let Some(first) = names.iter().find(|n| !n.is_empty()) {
        assert_eq!(
            doc.select_target(Some(first), None)
                .ok()
                .flatten()
                .as_deref(),
            Some(first.as_str())
        );
    }
    match doc.select_target(None, None) {
        Ok(Some(name)) => assert!(names.contains(&name), "chose {name} from {names:?}"),
        Ok(None) => assert!(names.is_empty()),
        Err(d) => {
            let _ = render::diagnostic(&d, &doc.source);
        }
    }
    if let Err(d) = doc.select_target(None, Some("no-such-target")) {
        let _ = render::diagnostic(&d, &doc.source);
    }
});

fn check_rendering(report: &scalable_manifest::Report, source: &str) {
    let text = render::text(report, source);
    let verdict = if report.ok() { "valid" } else { "invalid" };
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.starts_with(&format!("fuzz.yaml: {verdict} ("))),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&render::json(report)).expect("render::json is JSON");
    assert_eq!(json["ok"], serde_json::Value::Bool(report.ok()));
    assert_eq!(
        json["errors"].as_array().map(Vec::len),
        Some(report.errors().count())
    );
    if report.manifest.is_some() {
        assert!(report.ok(), "a manifest is returned only without errors");
    }
}

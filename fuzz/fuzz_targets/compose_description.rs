//! Arbitrary bytes (read as UTF-8, lossily) as a `scalable compose`
//! description, with no manifest and no ./capabilities. Nothing may panic,
//! and: the answer is bounded (at most 20 words listed as not understood, at
//! most 1,000 fan-out values); code is generated exactly when a model was
//! recognised; every submitted tag is declared by the additions; and the
//! additions, a whole manifest here, validate.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scalable_ai::compose::{self, Options};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let options = Options {
        default_manifest: false,
        capabilities: "/nonexistent/scalable-fuzz-capabilities".into(),
        ..Options::new(&text)
    };
    let c = compose::compose(&options).expect("no manifest, no docs: compose cannot fail");
    assert!(c.intent.not_understood.len() <= 20);
    if let Some(f) = &c.intent.fanout {
        assert!(f.values.len() <= 1000);
    }
    assert_eq!(c.workflow_code.is_empty(), c.intent.models.is_empty());
    for f in &c.functions {
        assert!(c.manifest_additions.contains(&format!("  {}:\n", f.tag)), "{}", f.tag);
    }
    assert!(c.validation_errors.is_empty(), "{:?}", c.validation_errors);
});

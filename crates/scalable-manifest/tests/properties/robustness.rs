//! (4) Robustness: nothing panics, whatever the input.

use super::*;

/// Loads, validates (whole and per target), renders, and locks what it can.
pub(crate) fn exercise(source: &str) {
    let env = Env::from_map(BTreeMap::from([
        ("MY_TOKEN".to_string(), "tok3n".to_string()),
        ("ARTIFACT_STORAGE".to_string(), "bucket".to_string()),
        ("EMPTY".to_string(), String::new()),
    ]));
    match load_str(source, "fuzz.yaml", Path::new("."), env) {
        Ok(doc) => {
            let report = doc.validate(None);
            let _ = render::text(&report, &doc.source);
            let _ = render::json(&report);
            if let Some(m) = &report.manifest {
                let _ = digest(m);
            }
            for target in doc.target_names() {
                let report = doc.validate(Some(&target));
                let _ = render::text(&report, &doc.source);
            }
            let _ = doc.validate(Some("no-such-target"));
            let _ = doc.select_target(None, None);
        }
        Err(d) => {
            assert!(d.is_error(), "a fatal load problem is an error: {d:?}");
            let _ = render::diagnostic(&d, source);
        }
    }
}

/// Fragments that steer random text towards interesting YAML.
pub(crate) const TOKENS: &[&str] = &[
    "version",
    "project",
    "targets",
    "components",
    "tasks",
    "overlays",
    "provider",
    "local",
    "slurm",
    "kubernetes",
    "aws",
    "memory",
    "cpus",
    "component",
    "overlay",
    "walltime",
    "namespace",
    "mounts",
    "name",
    "16G",
    "0",
    "-1",
    "1.5",
    ": ",
    ":",
    "\n",
    "  ",
    "    ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ", ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "${MY_TOKEN}",
    "${UNSET}",
    "${EMPTY:-x}",
    "$${",
    "${",
    "\"",
    "'",
    "# c",
    "---\n",
    "...\n",
    "\t",
    "é",
    "日本",
    "~",
    "null",
    "true",
    "!!str ",
    "!custom ",
    "|\n",
    ">-\n",
    "? ",
    "%YAML 1.2\n",
    "\u{feff}",
    "\r\n",
    "\\",
    "\0",
];

pub(crate) fn yamlish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..80).prop_map(|t| t.concat())
}

#[derive(Debug, Clone)]
pub(crate) enum Edit {
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Token(Index, &'static str),
}

pub(crate) fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<Index>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<Index>(), prop::sample::select(TOKENS)).prop_map(|(i, t)| Edit::Token(i, t)),
    ]
}

pub(crate) fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match e {
            Edit::Set(i, b) if !bytes.is_empty() => bytes[i.index(len)] = *b,
            Edit::Insert(i, b) => {
                let at = i.index(len + 1).min(bytes.len());
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Delete(i, n) if !bytes.is_empty() => {
                let at = i.index(len);
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Edit::Token(i, t) => {
                let at = i.index(len + 1).min(bytes.len());
                bytes.splice(at..at, t.bytes());
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        exercise(&s);
    }

    #[test]
    fn yamlish_text_never_panics(s in yamlish()) {
        exercise(&s);
    }

    #[test]
    fn mutated_example_never_panics(edits in prop::collection::vec(edit(), 1..8)) {
        let bytes = mutate(EXAMPLE.as_bytes().to_vec(), &edits);
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_generated_manifest_never_panics(
        m in manifest(),
        edits in prop::collection::vec(edit(), 1..6),
        block_style in any::<bool>(),
    ) {
        let text = if block_style {
            emit_block(&m, &mut Order(None))
        } else {
            emit_json(&m, &mut Order(None))
        };
        exercise(&String::from_utf8_lossy(&mutate(text.into_bytes(), &edits)));
    }
}

#[test]
pub(crate) fn hostile_shapes_are_refused_not_crashed() {
    let deep_flow = "[".repeat(100_000);
    let deep_block: String = (0..2_000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let many_aliases = format!(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: [{}]\n",
        vec!["*a"; 200_000].join(", ")
    );
    let long_line = format!("project: {{name: {}}}\n", "x".repeat(1_000_000));
    let too_big = "#".repeat(9 * 1024 * 1024);
    for (what, source, code) in [
        ("deep flow nesting", deep_flow.as_str(), Some("E_LIMIT")),
        ("deep block nesting", deep_block.as_str(), Some("E_LIMIT")),
        ("many aliases", many_aliases.as_str(), Some("E_LIMIT")),
        ("a long line", long_line.as_str(), None),
        ("an oversized file", too_big.as_str(), Some("E_LIMIT")),
    ] {
        let start = std::time::Instant::now();
        exercise(source);
        let result = load_str(source, "x.yaml", Path::new("."), Env::default());
        if let Some(code) = code {
            let d = result.expect_err(what);
            assert_eq!(d.code.as_str(), code, "{what}: {d:?}");
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "{what} took {:?}",
            start.elapsed()
        );
    }
}

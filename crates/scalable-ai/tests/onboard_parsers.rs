//! Properties of the parsers `init-component` runs on files users wrote:
//! none panics on any input, and what each returns comes from the input.
//! `fuzz/fuzz_targets/onboard_parsers.rs` checks the same properties on
//! bytes libFuzzer mutates.

use proptest::prelude::*;
use scalable_ai::onboard::parse::{
    self, build, dcf, dockerfile, environment, ini::Ini, pyproject, python::Module, requirements,
};

/// Text built from the characters these formats care about, so the
/// generator reaches their syntax, plus arbitrary Unicode.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(
            prop_oneof![
                Just("\n".to_string()),
                Just(" ".to_string()),
                Just("\t".to_string()),
                Just("#".to_string()),
                Just("\\".to_string()),
                Just("=".to_string()),
                Just(":".to_string()),
                Just(",".to_string()),
                Just("[".to_string()),
                Just("]".to_string()),
                Just("(".to_string()),
                Just(")".to_string()),
                Just("\"".to_string()),
                Just("'".to_string()),
                Just(">=".to_string()),
                Just("-r ".to_string()),
                Just("- ".to_string()),
                Just("numpy".to_string()),
                Just("Package: x".to_string()),
                Just("Imports: a (>= 1),".to_string()),
                Just("[project]".to_string()),
                Just("dependencies = [".to_string()),
                Just("FROM ".to_string()),
                Just("ARG A=${A}".to_string()),
                Just("setup(".to_string()),
                Just("name=".to_string()),
                Just("def run_model(**kwargs):".to_string()),
                Just("kwargs.get('config_file')".to_string()),
                Just("AC_CHECK_LIB([".to_string()),
                Just("find_package(".to_string()),
                Just("-lxerces-c".to_string()),
                Just("dependencies:".to_string()),
                "[a-z0-9_.]{1,8}",
                any::<char>().prop_map(|c| c.to_string()),
            ],
            0..60,
        )
        .prop_map(|parts| parts.concat()),
        any::<String>(),
    ]
}

fn name_chars(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn requirements_txt(text in texty()) {
        let parsed = requirements::parse(&text);
        for r in &parsed.requirements {
            prop_assert!(name_chars(&r.name), "{:?}", r.name);
            prop_assert!(text.contains(&r.name));
        }
        prop_assert!(parsed.requirements.len() + parsed.skipped.len() <= text.lines().count() + 1);
    }

    #[test]
    fn pep508(text in texty()) {
        if let Some(r) = parse::requirement(&text) {
            prop_assert!(name_chars(&r.name));
            prop_assert!(text.trim_start().starts_with(&r.name));
        }
    }

    #[test]
    fn description(text in texty()) {
        let fields = dcf::parse(&text);
        for key in fields.keys() {
            prop_assert!(text.contains(key.as_str()));
        }
        for value in fields.values() {
            for p in dcf::packages(value) {
                prop_assert!(!p.name.is_empty() && p.name != "R");
                prop_assert!(text.contains(&p.name));
            }
            let _ = dcf::r_floor(value);
        }
    }

    #[test]
    fn setup_cfg(text in texty()) {
        let ini = Ini::parse(&text);
        for key in ["name", "version", "python_requires", "install_requires"] {
            for section in ["metadata", "options"] {
                let _ = ini.lines(section, key);
                if let Some(v) = ini.get(section, key) {
                    // Values are trimmed pieces of the text, joined by newlines.
                    for line in v.lines() {
                        prop_assert!(text.contains(line));
                    }
                }
            }
        }
    }

    #[test]
    fn pyproject_toml(text in texty()) {
        if let Ok(p) = pyproject::parse(&text)
            && !p.is_package {
                prop_assert!(p.name.is_none() && p.dependencies.is_empty());
            }
    }

    #[test]
    fn environment_yml(text in texty()) {
        for r in environment::parse(&text) {
            prop_assert!(name_chars(&r.name) && r.name != "python");
        }
        if let Some(floor) = environment::python_floor(&text) {
            prop_assert!(floor.chars().all(|c| c.is_ascii_digit() || c == '.'));
        }
    }

    #[test]
    fn container_definitions(text in texty()) {
        if let Some(base) = dockerfile::dockerfile_base(&text) {
            prop_assert!(!base.is_empty());
            let _ = dockerfile::python_of_image(&base);
        }
        let _ = dockerfile::definition_base(&text);
        let _ = dockerfile::python_of_image(&text);
    }

    #[test]
    fn build_files(text in texty()) {
        for lib in build::link_libraries(&text)
            .into_iter()
            .chain(build::autoconf_libraries(&text))
        {
            prop_assert!(!build::SYSTEM_LIBRARIES.contains(&lib.as_str()));
            prop_assert!(text.contains(&lib));
        }
        let _ = build::cmake_packages(&text);
        let _ = build::programs(Some(&text), Some(&text));
        let _ = build::autoconf_init(&text);
        let _ = build::cmake_project(&text);
    }

    #[test]
    fn python_source(text in texty()) {
        let module = Module::parse(&text).expect("the grammar loads");
        let _ = module.call_keywords(&["setup"]);
        let _ = module.assigned("__version__");
        let _ = module.imports_from();
        for f in module.functions() {
            prop_assert!(text.contains(&f.name));
        }
        let _ = module.classes();
        let _ = module.has_main_guard();
    }
}

/// Inputs shaped to hurt: deep nesting and long lines finish quickly.
#[test]
fn hostile_shapes() {
    let deep = format!("x = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
    let m = Module::parse(&deep).unwrap();
    let _ = m.assigned("x");
    let calls = "AC_CHECK_LIB(".repeat(10_000);
    assert!(build::autoconf_libraries(&calls).is_empty());
    let long = "numpy".repeat(100_000);
    assert_eq!(requirements::parse(&long).requirements.len(), 1);
}

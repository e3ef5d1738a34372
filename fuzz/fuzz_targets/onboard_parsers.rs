//! Arbitrary bytes (read as UTF-8, lossily) through every parser
//! `init-component` runs on files users wrote: requirements.txt, R's
//! DESCRIPTION, setup.cfg, pyproject.toml, environment.yml, Dockerfiles and
//! Apptainer definitions, Makefiles/configure.ac/CMakeLists.txt, and Python
//! source (setup.py, `__init__.py`, modules). Nothing may panic, and what
//! each parser returns must come from the input (the properties of
//! crates/scalable-ai/tests/onboard_parsers.rs).

#![no_main]

use libfuzzer_sys::fuzz_target;
use scalable_ai::onboard::parse::{
    self, build, dcf, dockerfile, environment, ini::Ini, pyproject, python::Module, requirements,
};

fn name_chars(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    let parsed = requirements::parse(text);
    for r in &parsed.requirements {
        assert!(name_chars(&r.name) && text.contains(&r.name), "{r:?}");
    }
    if let Some(r) = parse::requirement(text) {
        assert!(text.trim_start().starts_with(&r.name));
    }

    let fields = dcf::parse(text);
    for value in fields.values() {
        for p in dcf::packages(value) {
            assert!(!p.name.is_empty() && p.name != "R" && text.contains(&p.name));
        }
        let _ = dcf::r_floor(value);
    }

    let ini = Ini::parse(text);
    for (section, key) in [("metadata", "name"), ("options", "install_requires")] {
        for line in ini.lines(section, key) {
            assert!(text.contains(&line));
        }
    }

    if let Ok(p) = pyproject::parse(text) {
        assert!(p.is_package || (p.name.is_none() && p.dependencies.is_empty()));
    }

    for r in environment::parse(text) {
        assert!(name_chars(&r.name) && r.name != "python");
    }
    let _ = environment::python_floor(text);

    if let Some(base) = dockerfile::dockerfile_base(text) {
        assert!(!base.is_empty());
        let _ = dockerfile::python_of_image(&base);
    }
    let _ = dockerfile::definition_base(text);

    for lib in build::link_libraries(text)
        .into_iter()
        .chain(build::autoconf_libraries(text))
    {
        assert!(!build::SYSTEM_LIBRARIES.contains(&lib.as_str()) && text.contains(&lib));
    }
    let _ = build::cmake_packages(text);
    let _ = build::programs(Some(text), Some(text));
    let _ = build::autoconf_init(text);
    let _ = build::cmake_project(text);

    let module = Module::parse(text).expect("the Python grammar loads");
    let _ = module.call_keywords(&["setup", "setuptools.setup"]);
    let _ = module.assigned("__version__");
    let _ = module.imports_from();
    for f in module.functions() {
        assert!(text.contains(&f.name));
    }
    let _ = module.classes();
    let _ = module.string_literals();
});

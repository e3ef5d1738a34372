//! What the top-level packaging files say: name, version, URL, Python
//! floor, dependencies and scripts, each with the file that said it.
//!
//! Every file is read once and only if the walk found it at the top level
//! (plus the version module a `setup.py` or `setup.cfg` points to).

use super::Evidence;
use super::parse::python::{Literal, Module};
use super::parse::{self, Requirement, build, dcf, environment, ini::Ini, pyproject};
use super::scan::Repo;

/// A fact and the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The fact.
    pub value: T,
    /// The file, relative to the repository.
    pub file: String,
}

fn sourced<T>(value: T, file: &str) -> Sourced<T> {
    Sourced {
        value,
        file: file.to_string(),
    }
}

/// Everything the packaging files say.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// The distribution or package name (`setup(name=…)`, `Package:`, …).
    pub name: Option<Sourced<String>>,
    /// Its version.
    pub version: Option<Sourced<String>>,
    /// Repository or home-page URLs, best first.
    pub urls: Vec<Sourced<String>>,
    /// `python_requires` / `requires-python`, as written.
    pub python_requires: Option<Sourced<String>>,
    /// A Python floor from a conda `environment.yml`.
    pub conda_python: Option<Sourced<String>>,
    /// `requirements.txt`, when present and readable.
    pub requirements_txt: Option<Sourced<parse::requirements::Parsed>>,
    /// `install_requires` of setup.py or setup.cfg.
    pub install_requires: Option<Sourced<Vec<Requirement>>>,
    /// `[project].dependencies` (or Poetry's).
    pub pyproject_dependencies: Option<Sourced<Vec<Requirement>>>,
    /// DESCRIPTION `Depends` (R itself left out) then `Imports`.
    pub r_packages: Option<Sourced<Vec<Requirement>>>,
    /// The R floor in `Depends: R (>= …)`.
    pub r_floor: Option<String>,
    /// `environment.yml` dependencies.
    pub conda: Option<Sourced<Vec<Requirement>>>,
    /// Libraries a compiled build links or looks for.
    pub link_libraries: Option<Sourced<Vec<Requirement>>>,
    /// Julia `[deps]`.
    pub julia_deps: Option<Sourced<Vec<Requirement>>>,
    /// Console scripts: command and `module:function`.
    pub scripts: Vec<Sourced<(String, String)>>,
    /// Programs a compiled build makes.
    pub programs: Vec<Sourced<String>>,
    /// Whether `pyproject.toml` describes a package (not only tool settings).
    pub pyproject_is_package: bool,
    /// Whether `DESCRIPTION` names an R package.
    pub description_is_package: bool,
    /// Functions an R package exports (NAMESPACE `export(…)`).
    pub r_exports: Vec<String>,
}

/// Reads the top-level packaging files of `repo`, adding what each says to
/// `evidence`.
pub fn read(repo: &Repo, evidence: &mut Vec<Evidence>) -> Meta {
    let mut meta = Meta::default();
    setup_py(repo, &mut meta, evidence);
    setup_cfg(repo, &mut meta, evidence);
    pyproject_toml(repo, &mut meta, evidence);
    if meta.version.is_none() && meta.name.is_some() {
        version_module(repo, &mut meta, &[], evidence);
    }
    requirements_txt(repo, &mut meta, evidence);
    description(repo, &mut meta, evidence);
    environment_yml(repo, &mut meta, evidence);
    julia(repo, &mut meta, evidence);
    compiled(repo, &mut meta, evidence);
    git_remote(repo, &mut meta);
    meta
}

fn set<T>(slot: &mut Option<Sourced<T>>, value: T, file: &str) {
    if slot.is_none() {
        *slot = Some(sourced(value, file));
    }
}

fn requirements_of(lines: &[String]) -> Vec<Requirement> {
    lines
        .iter()
        .filter_map(|l| parse::requirement(l.split(" #").next().unwrap_or(l)))
        .collect()
}

fn setup_py(repo: &Repo, meta: &mut Meta, evidence: &mut Vec<Evidence>) {
    let file = "setup.py";
    let Some(text) = repo.text(file) else {
        return;
    };
    let Some(module) = Module::parse(&text) else {
        return;
    };
    if module.has_errors() {
        repo.note(format!(
            "`{file}` has syntax errors; read what the parser could recover"
        ));
    }
    let Some(keywords) = module.call_keywords(&["setup", "setuptools.setup"]) else {
        evidence.push(Evidence::new(
            file,
            "Python packaging, but no `setup()` call",
        ));
        return;
    };
    let get = |k: &str| keywords.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    let mut said = Vec::new();
    // What the version module says goes after what setup.py says.
    let mut later = Vec::new();
    if let Some(name) = get("name").and_then(Literal::as_str) {
        set(&mut meta.name, name.to_string(), file);
        said.push(format!("package `{name}`"));
    }
    match get("version") {
        Some(Literal::Str(v)) => {
            set(&mut meta.version, v.clone(), file);
            said.push(format!("version {v}"));
        }
        Some(Literal::Unknown(_)) => {
            // Read at build time, usually from a version module the script
            // names; look there (the literals name it, e.g. `demeter/_version.py`).
            let hints: Vec<String> = module
                .string_literals()
                .into_iter()
                .filter(|s| s.ends_with(".py") || s.ends_with("VERSION"))
                .collect();
            version_module(repo, meta, &hints, &mut later);
            if let Some(v) = &meta.version {
                said.push(format!("version read from `{}`", v.file));
            }
        }
        _ => {}
    }
    if let Some(req) = get("python_requires").and_then(Literal::as_str) {
        set(&mut meta.python_requires, req.to_string(), file);
        said.push(format!("python_requires `{req}`"));
    }
    for key in ["url", "download_url"] {
        if let Some(url) = get(key).and_then(Literal::as_str) {
            meta.urls.push(sourced(url.to_string(), file));
        }
    }
    if let Some(Literal::Dict(urls)) = get("project_urls") {
        for (_, url) in urls {
            if let Some(url) = url.as_str() {
                meta.urls.push(sourced(url.to_string(), file));
            }
        }
    }
    if let Some(reqs) = get("install_requires").and_then(Literal::strings) {
        said.push(format!("{} install_requires", reqs.len()));
        set(&mut meta.install_requires, requirements_of(&reqs), file);
    }
    if let Some(scripts) = get("entry_points")
        .and_then(|e| e.get("console_scripts"))
        .and_then(Literal::strings)
    {
        for line in scripts {
            if let Some((cmd, target)) = line.split_once('=') {
                meta.scripts.push(sourced(
                    (cmd.trim().to_string(), target.trim().to_string()),
                    file,
                ));
            }
        }
    }
    let says = if said.is_empty() {
        "Python packaging (`setup()`)".to_string()
    } else {
        format!("Python packaging: {}", said.join(", "))
    };
    evidence.push(Evidence::new(file, &says));
    evidence.append(&mut later);
}

fn setup_cfg(repo: &Repo, meta: &mut Meta, evidence: &mut Vec<Evidence>) {
    let file = "setup.cfg";
    let Some(text) = repo.text(file) else {
        return;
    };
    let ini = Ini::parse(&text);
    let mut said = Vec::new();
    if let Some(name) = ini.get("metadata", "name") {
        set(&mut meta.name, name.to_string(), file);
        said.push(format!("package `{name}`"));
    }
    if let Some(version) = ini.get("metadata", "version") {
        if let Some(attr) = version.strip_prefix("attr:") {
            // `attr: pkg._version.__version__` → pkg/_version.py
            let parts: Vec<&str> = attr.trim().split('.').collect();
            if parts.len() >= 2 {
                let hint = format!("{}.py", parts[..parts.len() - 1].join("/"));
                version_module(repo, meta, &[hint], evidence);
            }
        } else if !version.starts_with("file:") {
            set(&mut meta.version, version.to_string(), file);
            said.push(format!("version {version}"));
        }
    }
    if let Some(req) = ini.get("options", "python_requires") {
        set(&mut meta.python_requires, req.to_string(), file);
        said.push(format!("python_requires `{req}`"));
    }
    if let Some(url) = ini
        .get("metadata", "url")
        .or(ini.get("metadata", "home_page"))
    {
        meta.urls.push(sourced(url.to_string(), file));
    }
    for line in ini.lines("metadata", "project_urls") {
        if let Some((_, url)) = line.split_once('=') {
            meta.urls.push(sourced(url.trim().to_string(), file));
        }
    }
    let reqs = ini.lines("options", "install_requires");
    if !reqs.is_empty() {
        said.push(format!("{} install_requires", reqs.len()));
        set(&mut meta.install_requires, requirements_of(&reqs), file);
    }
    for line in ini.lines("options.entry_points", "console_scripts") {
        if let Some((cmd, target)) = line.split_once('=') {
            meta.scripts.push(sourced(
                (cmd.trim().to_string(), target.trim().to_string()),
                file,
            ));
        }
    }
    if !said.is_empty() {
        evidence.push(Evidence::new(
            file,
            &format!("Python packaging: {}", said.join(", ")),
        ));
    }
}

fn pyproject_toml(repo: &Repo, meta: &mut Meta, evidence: &mut Vec<Evidence>) {
    let file = "pyproject.toml";
    let Some(text) = repo.text(file) else {
        return;
    };
    let p = match pyproject::parse(&text) {
        Ok(p) => p,
        Err(e) => {
            repo.note(format!(
                "`{file}` is not valid TOML ({}); ignored",
                e.trim()
            ));
            return;
        }
    };
    if !p.is_package {
        evidence.push(Evidence::new(
            file,
            "tool settings only (no `[project]` or `[tool.poetry]`); not packaging",
        ));
        return;
    }
    meta.pyproject_is_package = true;
    let mut said = Vec::new();
    if let Some(name) = &p.name {
        set(&mut meta.name, name.clone(), file);
        said.push(format!("package `{name}`"));
    }
    if let Some(v) = &p.version {
        set(&mut meta.version, v.clone(), file);
        said.push(format!("version {v}"));
    } else if p.dynamic_version {
        said.push("dynamic version".to_string());
    }
    if let Some(req) = &p.requires_python {
        set(&mut meta.python_requires, req.clone(), file);
        said.push(format!("requires-python `{req}`"));
    }
    // Repository links first: they are what an image name is made from.
    let mut urls = p.urls.clone();
    urls.sort_by_key(|(label, _)| {
        let l = label.to_ascii_lowercase();
        !(l.contains("source") || l.contains("repository") || l.contains("code"))
    });
    for (_, url) in urls {
        meta.urls.push(sourced(url, file));
    }
    if !p.dependencies.is_empty() {
        said.push(format!("{} dependencies", p.dependencies.len()));
        set(
            &mut meta.pyproject_dependencies,
            requirements_of(&p.dependencies),
            file,
        );
    }
    for (cmd, target) in p.scripts {
        meta.scripts.push(sourced((cmd, target), file));
    }
    evidence.push(Evidence::new(
        file,
        &format!("Python packaging: {}", said.join(", ")),
    ));
}

/// Finds `__version__ = "…"` in the version module: the files `hints` name
/// first (those a setup script reads), then `<pkg>/_version.py`,
/// `<pkg>/version.py`, `<pkg>/__init__.py` (also under `src/`), and a plain
/// `VERSION` file.
fn version_module(repo: &Repo, meta: &mut Meta, hints: &[String], evidence: &mut Vec<Evidence>) {
    let mut candidates: Vec<String> = hints
        .iter()
        .map(|h| h.trim_start_matches("./").to_string())
        .collect();
    if let Some(name) = &meta.name {
        let pkg = name.value.replace('-', "_").to_ascii_lowercase();
        for base in [pkg.clone(), format!("src/{pkg}")] {
            for file in ["_version.py", "version.py", "__init__.py"] {
                candidates.push(format!("{base}/{file}"));
            }
        }
    }
    candidates.push("_version.py".to_string());
    candidates.push("VERSION".to_string());
    for file in candidates {
        if !repo.has(&file) {
            continue;
        }
        let Some(text) = repo.text(&file) else {
            continue;
        };
        let version = if file.ends_with(".py") {
            Module::parse(&text)
                .and_then(|m| m.assigned("__version__"))
                .and_then(|v| v.as_str().map(str::to_string))
        } else {
            let line = text.lines().next().unwrap_or("").trim().to_string();
            (!line.is_empty() && line.len() < 64).then_some(line)
        };
        if let Some(v) = version {
            evidence.push(Evidence::new(&file, &format!("version {v}")));
            set(&mut meta.version, v, &file);
            return;
        }
    }
}

fn requirements_txt(repo: &Repo, meta: &mut Meta, evidence: &mut Vec<Evidence>) {
    let file = "requirements.txt";
    let Some(text) = repo.text(file) else {
        return;
    };
    let parsed = parse::requirements::parse(&text);
    let mut says = format!("{} requirements", parsed.requirements.len());
    if !parsed.skipped.is_empty() {
        says.push_str(&format!(
            "; not followed: {}",
            parsed
                .skipped
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    evidence.push(Evidence::new(file, &says));
    meta.requirements_txt = Some(sourced(parsed, file));
}

fn description(repo: &Repo, meta: &mut Meta, evidence: &mut Vec<Evidence>) {
    let file = "DESCRIPTION";
    let Some(text) = repo.text(file) else {
        return;
    };
    let fields = dcf::parse(&text);
    let Some(package) = fields.get("Package") else {
        evidence.push(Evidence::new(file, "no `Package:` field; not an R package"));
        return;
    };
    meta.description_is_package = true;
    set(&mut meta.name, package.clone(), file);
    if let Some(v) = fields.get("Version") {
        set(&mut meta.version, v.clone(), file);
    }
    for key in ["URL", "BugReports"] {
        if let Some(value) = fields.get(key) {
            for url in value.split([',', ' ', '\n']).filter(|u| u.contains("://")) {
                let url = url.trim().trim_end_matches("/issues");
                meta.urls.push(sourced(url.to_string(), file));
            }
        }
    }
    let mut packages = Vec::new();
    for key in ["Depends", "Imports"] {
        if let Some(value) = fields.get(key) {
            packages.extend(dcf::packages(value));
        }
    }
    meta.r_floor = fields.get("Depends").and_then(|d| dcf::r_floor(d));
    let says = format!(
        "R package `{package}`{}, {} packages in Depends/Imports",
        fields
            .get("Version")
            .map(|v| format!(" version {v}"))
            .unwrap_or_default(),
        packages.len()
    );
    evidence.push(Evidence::new(file, &says));
    set(&mut meta.r_packages, packages, file);
    if let Some(ns) = repo.text("NAMESPACE") {
        meta.r_exports = r_exports(&ns);
    }
}

/// `export(a, b)` directives of an R NAMESPACE file, in order.
fn r_exports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(inner) = line
            .strip_prefix("export(")
            .and_then(|rest| rest.strip_suffix(')'))
        else {
            continue;
        };
        for name in inner.split(',') {
            let name = name.trim().trim_matches(['"', '`', '\'']);
            if !name.is_empty() {
                out.push(name.to_string());
            }
        }
    }
    out
}

fn environment_yml(repo: &Repo, meta: &mut Meta, evidence: &mut Vec<Evidence>) {
    for file in ["environment.yml", "environment.yaml"] {
        let Some(text) = repo.text(file) else {
            continue;
        };
        let deps = environment::parse(&text);
        if let Some(floor) = environment::python_floor(&text) {
            meta.conda_python = Some(sourced(floor, file));
        }
        evidence.push(Evidence::new(
            file,
            &format!("conda environment, {} dependencies", deps.len()),
        ));
        set(&mut meta.conda, deps, file);
        return;
    }
}

fn julia(repo: &Repo, meta: &mut Meta, evidence: &mut Vec<Evidence>) {
    let file = "Project.toml";
    let Some(text) = repo.text(file) else {
        return;
    };
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let e: toml::de::Error = e;
            repo.note(format!(
                "`{file}` is not valid TOML ({}); ignored",
                e.message().trim()
            ));
            return;
        }
    };
    let name = table.get("name").and_then(|v| v.as_str());
    if let Some(name) = name {
        set(&mut meta.name, name.to_string(), file);
    }
    if let Some(v) = table.get("version").and_then(|v| v.as_str()) {
        set(&mut meta.version, v.to_string(), file);
    }
    let deps: Vec<Requirement> = table
        .get("deps")
        .and_then(|d| d.as_table())
        .map(|t| {
            t.keys()
                .map(|k| Requirement {
                    name: k.clone(),
                    specifier: String::new(),
                })
                .collect()
        })
        .unwrap_or_default();
    evidence.push(Evidence::new(
        file,
        &format!(
            "Julia project{}, {} dependencies",
            name.map(|n| format!(" `{n}`")).unwrap_or_default(),
            deps.len()
        ),
    ));
    set(&mut meta.julia_deps, deps, file);
}

fn compiled(repo: &Repo, meta: &mut Meta, evidence: &mut Vec<Evidence>) {
    let mut libs: Vec<Requirement> = Vec::new();
    let mut files = Vec::new();
    let mut add = |names: Vec<String>, file: &str, files: &mut Vec<String>| {
        if names.is_empty() {
            return;
        }
        files.push(file.to_string());
        for name in names {
            if !libs.iter().any(|l| l.name == name) {
                libs.push(Requirement {
                    name,
                    specifier: String::new(),
                });
            }
        }
    };
    for file in [
        "Makefile",
        "makefile",
        "GNUmakefile",
        "Makefile.am",
        "Makefile.in",
    ] {
        if let Some(text) = repo.text(file)
            && !super::language::docs_only_makefile(&text)
        {
            add(build::link_libraries(&text), file, &mut files);
        }
    }
    let configure_ac = repo.text("configure.ac");
    if let Some(text) = &configure_ac {
        add(build::autoconf_libraries(text), "configure.ac", &mut files);
        if let Some((name, version, url)) = build::autoconf_init(text) {
            set(&mut meta.name, name, "configure.ac");
            if let Some(v) = version {
                set(&mut meta.version, v, "configure.ac");
            }
            if let Some(u) = url {
                meta.urls.push(sourced(u, "configure.ac"));
            }
        }
    }
    let cmake = repo.text("CMakeLists.txt");
    if let Some(text) = &cmake {
        add(build::cmake_packages(text), "CMakeLists.txt", &mut files);
        if let Some((name, version)) = build::cmake_project(text) {
            set(&mut meta.name, name, "CMakeLists.txt");
            if let Some(v) = version {
                set(&mut meta.version, v, "CMakeLists.txt");
            }
        }
    }
    let makefile_am = repo.text("Makefile.am");
    for program in build::programs(makefile_am.as_deref(), cmake.as_deref()) {
        let file = if makefile_am
            .as_deref()
            .is_some_and(|t| t.contains(program.as_str()))
        {
            "Makefile.am"
        } else {
            "CMakeLists.txt"
        };
        meta.programs.push(sourced(program, file));
    }
    if !libs.is_empty() {
        evidence.push(Evidence::new(
            &files.join(", "),
            &format!(
                "links or looks for {}",
                libs.iter()
                    .map(|l| format!("`{}`", l.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
        meta.link_libraries = Some(sourced(libs, &files.join(", ")));
    }
}

/// The `origin` remote of a git checkout, as a last source for the URL.
fn git_remote(repo: &Repo, meta: &mut Meta) {
    // `.git` is hidden, so the walk skipped it; read its config directly.
    let config = repo.root.join(".git/config");
    let Ok(meta_info) = std::fs::metadata(&config) else {
        return;
    };
    if !meta_info.is_file() || meta_info.len() > super::scan::MAX_TEXT_BYTES {
        return;
    }
    let Ok(text) = std::fs::read_to_string(&config) else {
        return;
    };
    let ini = Ini::parse(&text);
    if let Some(url) = ini.get("remote \"origin\"", "url") {
        meta.urls.push(sourced(url.to_string(), ".git/config"));
    }
}

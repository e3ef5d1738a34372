//! How a workflow calls the model: a function the package exports (with the
//! keyword it reads its configuration from), else a console script, else a
//! `__main__` module; an R package's exported function; a compiled
//! model's program; a Julia package.

use serde::{Deserialize, Serialize};

use super::Evidence;
use super::language::{Lang, top_packages};
use super::meta::Meta;
use super::parse::python::{Function, Module, ParamKind};
use super::scan::Repo;

/// The entry point found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPoint {
    /// As shown: `demeter.run_model(config_file=...)`, `python -m demeter`.
    pub call: String,
    /// `function`, `console_script`, `module`, `r_function`, `program` or
    /// `julia_package`.
    pub kind: String,
    /// The keyword the model reads its configuration from, if found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_keyword: Option<String>,
    /// The file that defines it.
    pub file: String,
}

/// Exported functions preferred as the entry point, best first; after
/// them, any exported function whose name starts with `run`.
pub const PREFERRED_FUNCTIONS: &[&str] = &[
    "run_model",
    "run",
    "main",
    "run_simulation",
    "simulate",
    "execute",
    "start",
];

/// Whether a parameter or key name is a configuration input: it mentions
/// `config`/`cfg`/`settings`, or is an INI file.
pub fn is_config_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("config") || n.contains("cfg") || n.contains("settings") || n.contains("ini_file")
}

/// Finds the entry point of a model in `lang`.
pub fn detect(
    repo: &Repo,
    meta: &Meta,
    lang: Lang,
    evidence: &mut Vec<Evidence>,
) -> Option<EntryPoint> {
    let found = match lang {
        Lang::Python | Lang::Unknown => python(repo, meta),
        Lang::R => r_function(repo, meta),
        Lang::Compiled => meta.programs.first().map(|p| EntryPoint {
            call: format!("{} (program)", p.value),
            kind: "program".to_string(),
            config_keyword: None,
            file: p.file.clone(),
        }),
        Lang::Julia => meta.name.as_ref().map(|n| EntryPoint {
            call: format!("using {}", n.value),
            kind: "julia_package".to_string(),
            config_keyword: None,
            file: n.file.clone(),
        }),
    };
    if let Some(e) = &found {
        let keyword = e
            .config_keyword
            .as_ref()
            .map(|k| format!("; configuration keyword `{k}`"))
            .unwrap_or_default();
        evidence.push(Evidence::new(
            &e.file,
            &format!(
                "entry point `{}` ({}){keyword}",
                e.call,
                e.kind.replace('_', " ")
            ),
        ));
    }
    found
}

/// The import package: the folder named like the distribution (also under
/// `src/`), else the only top-level package that is not tests or docs.
fn import_package(repo: &Repo, meta: &Meta) -> Option<String> {
    if let Some(name) = &meta.name {
        let pkg = name.value.replace('-', "_").to_ascii_lowercase();
        for dir in [pkg.clone(), format!("src/{pkg}")] {
            if repo.has(&format!("{dir}/__init__.py")) {
                return Some(dir);
            }
        }
    }
    let packages: Vec<String> = top_packages(repo)
        .into_iter()
        .filter(|p| !matches!(p.as_str(), "tests" | "test" | "docs" | "doc" | "examples"))
        .collect();
    (packages.len() == 1).then(|| packages[0].clone())
}

fn python(repo: &Repo, meta: &Meta) -> Option<EntryPoint> {
    let dir = import_package(repo, meta);
    if let Some(dir) = &dir
        && let Some(e) = exported_function(repo, dir)
    {
        return Some(e);
    }
    if let Some(script) = meta.scripts.first() {
        let (command, target) = &script.value;
        return Some(EntryPoint {
            call: format!("{command} (console script → {target})"),
            kind: "console_script".to_string(),
            config_keyword: None,
            file: script.file.clone(),
        });
    }
    let dir = dir?;
    let main = format!("{dir}/__main__.py");
    if repo.has(&main) {
        return Some(EntryPoint {
            call: format!("python -m {}", module_path(&dir)),
            kind: "module".to_string(),
            config_keyword: None,
            file: main,
        });
    }
    None
}

/// `src/demeter` → `demeter`; `a/b` → `a.b`.
fn module_path(dir: &str) -> String {
    dir.trim_start_matches("src/").replace('/', ".")
}

/// One function the package's `__init__` makes available, with the file
/// that defines it.
struct Exported {
    name: String,
    function: Function,
    file: String,
}

fn exported_function(repo: &Repo, dir: &str) -> Option<EntryPoint> {
    let init_file = format!("{dir}/__init__.py");
    let init = Module::parse(&repo.text(&init_file)?)?;
    let mut exported: Vec<Exported> = init
        .functions()
        .into_iter()
        .filter(|f| !f.name.starts_with('_'))
        .map(|f| Exported {
            name: f.name.clone(),
            function: f,
            file: init_file.clone(),
        })
        .collect();
    for import in init.imports_from() {
        let Some(file) = module_file(repo, dir, &import.module) else {
            continue;
        };
        let Some(module) = repo.text(&file).and_then(|t| Module::parse(&t)) else {
            continue;
        };
        let functions = module.functions();
        for (bound, original) in &import.names {
            if bound.starts_with('_') {
                continue;
            }
            for f in &functions {
                let name = if original == "*" && !f.name.starts_with('_') {
                    f.name.clone()
                } else if &f.name == original {
                    bound.clone()
                } else {
                    continue;
                };
                exported.push(Exported {
                    name,
                    function: f.clone(),
                    file: file.clone(),
                });
            }
        }
    }
    let rank = |e: &Exported| match PREFERRED_FUNCTIONS.iter().position(|p| *p == e.name) {
        Some(i) => Some(i),
        None if e.name.starts_with("run") => Some(PREFERRED_FUNCTIONS.len()),
        None => None,
    };
    let best = exported
        .iter()
        .filter_map(|e| rank(e).map(|r| (r, e)))
        .min_by_key(|(r, _)| *r)
        .map(|(_, e)| e)?;
    // The classes the function hands its kwargs to live beside it.
    let module = repo.text(&best.file).and_then(|t| Module::parse(&t))?;
    let keyword = config_keyword(&best.function, &module);
    let args = keyword
        .as_ref()
        .map(|k| format!("{k}=..."))
        .unwrap_or_else(|| "...".to_string());
    Some(EntryPoint {
        call: format!("{}.{}({args})", module_path(dir), best.name),
        kind: "function".to_string(),
        config_keyword: keyword,
        file: best.file.clone(),
    })
}

/// The file of a module imported in `dir/__init__.py`: `.model` →
/// `dir/model.py` or `dir/model/__init__.py`; an absolute import of the
/// package itself (`demeter.model`) likewise.
fn module_file(repo: &Repo, dir: &str, module: &str) -> Option<String> {
    let package = module_path(dir);
    let rel = if let Some(rest) = module.strip_prefix('.') {
        if rest.starts_with('.') {
            return None;
        }
        rest.to_string()
    } else {
        module.strip_prefix(&format!("{package}."))?.to_string()
    };
    if rel.is_empty() {
        return None;
    }
    let base = format!("{dir}/{}", rel.replace('.', "/"));
    [format!("{base}.py"), format!("{base}/__init__.py")]
        .into_iter()
        .find(|f| repo.has(f))
}

/// The configuration keyword of `f`, in order of trust: a parameter named
/// like one; a key its `**kwargs` handling reads; a key read by the
/// `__init__` of a class it calls with those kwargs; a `:param NAME:` (or
/// `NAME :`) entry of its docstring; an identifier with `_` in the
/// docstring.
fn config_keyword(f: &Function, module: &Module) -> Option<String> {
    let plain = f
        .params
        .iter()
        .filter(|p| matches!(p.kind, ParamKind::Plain | ParamKind::Default))
        .map(|p| p.name.clone());
    let from_kwargs = f.kwargs_keys.iter().cloned();
    let classes = module.classes();
    let from_classes = f
        .calls
        .iter()
        .filter_map(|c| classes.iter().find(|k| &k.name == c))
        .filter_map(|k| k.init.as_ref())
        .flat_map(|init| {
            init.params
                .iter()
                .filter(|p| matches!(p.kind, ParamKind::Plain | ParamKind::Default))
                .map(|p| p.name.clone())
                .chain(init.kwargs_keys.iter().cloned())
                .collect::<Vec<_>>()
        });
    let doc = f.docstring.as_deref().unwrap_or("");
    plain
        .chain(from_kwargs)
        .chain(from_classes)
        .chain(docstring_params(doc))
        .chain(docstring_identifiers(doc))
        .find(|n| is_config_name(n) && n != "self")
}

/// `:param config_file: …` (Sphinx) and `config_file : str` (NumPy style).
fn docstring_params(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in doc.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix(":param ") {
            if let Some((name, _)) = rest.split_once(':') {
                // `:param str config_file:` names the type first.
                if let Some(last) = name.split_whitespace().last() {
                    out.push(last.to_string());
                }
            }
        } else if let Some((name, _)) = line.split_once(" : ")
            && is_identifier(name)
        {
            out.push(name.to_string());
        }
    }
    out
}

/// Identifiers with an underscore in free docstring text (`config_file`),
/// which plain English words never are.
fn docstring_identifiers(doc: &str) -> Vec<String> {
    doc.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.contains('_') && is_identifier(w))
        .map(str::to_string)
        .collect()
}

fn is_identifier(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An R package's exported function (`run*` preferred), with a
/// configuration argument read from its definition under `R/`.
fn r_function(repo: &Repo, meta: &Meta) -> Option<EntryPoint> {
    let package = meta.name.as_ref()?.value.clone();
    let name = meta
        .r_exports
        .iter()
        .find(|e| PREFERRED_FUNCTIONS.contains(&e.as_str()) || e.starts_with("run"))
        .or(meta.r_exports.first())?
        .clone();
    let mut keyword = None;
    let mut file = "NAMESPACE".to_string();
    for path in repo
        .files
        .keys()
        .filter(|p| p.starts_with("R/") && (p.ends_with(".R") || p.ends_with(".r")))
    {
        let Some(text) = repo.text(path) else {
            continue;
        };
        if let Some(args) = r_formals(&text, &name) {
            keyword = args.into_iter().find(|a| is_config_name(a));
            file = path.clone();
            break;
        }
    }
    let args = keyword
        .as_ref()
        .map(|k| format!("{k} = ..."))
        .unwrap_or_else(|| "...".to_string());
    Some(EntryPoint {
        call: format!("{package}::{name}({args})"),
        kind: "r_function".to_string(),
        config_keyword: keyword,
        file,
    })
}

/// The argument names of `name <- function(a, b = 1, ...)` in R source.
fn r_formals(text: &str, name: &str) -> Option<Vec<String>> {
    for start in text.match_indices(name).map(|(i, _)| i) {
        // `run_landsim_helper <- …` and `x$run_landsim` are other names.
        let before = text[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '$')) {
            continue;
        }
        let rest = text[start + name.len()..].trim_start();
        let Some(rest) = rest.strip_prefix("<-").or_else(|| rest.strip_prefix('=')) else {
            continue;
        };
        let Some(args) = rest.trim_start().strip_prefix("function") else {
            continue;
        };
        let Some(args) = args.trim_start().strip_prefix('(') else {
            continue;
        };
        let end = args.find(')').unwrap_or(args.len());
        return Some(
            args[..end]
                .split(',')
                .map(|a| a.split('=').next().unwrap_or("").trim().to_string())
                .filter(|a| !a.is_empty())
                .collect(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docstrings() {
        let doc = "Run it.\n\n:param config_file: Full path to the INI file\n:param str write_logfile: x\n\nParameters\n----------\nsettings_path : str\n";
        assert_eq!(
            docstring_params(doc),
            ["config_file", "write_logfile", "settings_path"]
        );
        assert_eq!(
            docstring_identifiers("reads the configuration from config_file"),
            ["config_file"]
        );
        assert!(is_config_name("config_file") && !is_config_name("output_dir"));
        assert_eq!(
            r_formals(
                "run_model_helper <- function(x) x\nrun_model <- function(config_file, verbose = TRUE) {\n}",
                "run_model"
            ),
            Some(vec!["config_file".to_string(), "verbose".to_string()])
        );
    }
}

//! `pyproject.toml`: the `[project]` table (PEP 621) and, for Poetry
//! projects, `[tool.poetry]`.

use toml::{Table, Value};

/// What a `pyproject.toml` says about the package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pyproject {
    /// `project.name` or `tool.poetry.name`.
    pub name: Option<String>,
    /// A literal version.
    pub version: Option<String>,
    /// `version` is listed in `project.dynamic` (set by the build backend).
    pub dynamic_version: bool,
    /// `requires-python`, or Poetry's `python` dependency.
    pub requires_python: Option<String>,
    /// Dependencies as PEP 508 strings, in file order.
    pub dependencies: Vec<String>,
    /// `project.urls` (or Poetry's `homepage`/`repository`), label and URL.
    pub urls: Vec<(String, String)>,
    /// Console scripts: command name and `module:function`.
    pub scripts: Vec<(String, String)>,
    /// Whether there is a `[project]` or `[tool.poetry]` table at all (a
    /// pyproject.toml holding only tool settings does not make a package).
    pub is_package: bool,
}

/// Reads pyproject text; the error is the TOML parser's message.
pub fn parse(text: &str) -> Result<Pyproject, String> {
    let table: Table = text
        .parse()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    let mut p = Pyproject::default();
    if let Some(project) = table.get("project").and_then(Value::as_table) {
        p.is_package = true;
        p.name = string(project, "name");
        p.version = string(project, "version");
        p.dynamic_version = project
            .get("dynamic")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("version")));
        p.requires_python = string(project, "requires-python");
        p.dependencies = strings(project.get("dependencies"));
        p.urls = pairs(project.get("urls"));
        p.scripts = pairs(project.get("scripts"));
    }
    let poetry = table
        .get("tool")
        .and_then(Value::as_table)
        .and_then(|t| t.get("poetry"))
        .and_then(Value::as_table);
    if let Some(poetry) = poetry {
        p.is_package = true;
        p.name = p.name.or_else(|| string(poetry, "name"));
        p.version = p.version.or_else(|| string(poetry, "version"));
        if p.urls.is_empty() {
            for key in ["repository", "homepage"] {
                if let Some(url) = string(poetry, key) {
                    p.urls.push((key.to_string(), url));
                }
            }
        }
        if p.scripts.is_empty() {
            p.scripts = pairs(poetry.get("scripts"));
        }
        if let Some(deps) = poetry.get("dependencies").and_then(Value::as_table) {
            for (name, spec) in deps {
                let spec = match spec {
                    Value::String(s) => s.clone(),
                    Value::Table(t) => string(t, "version").unwrap_or_default(),
                    _ => String::new(),
                };
                if name == "python" {
                    p.requires_python = p.requires_python.or(Some(spec));
                } else if p.dependencies.iter().all(|d| !d.starts_with(name.as_str())) {
                    p.dependencies.push(format!("{name}{}", poetry_spec(&spec)));
                }
            }
        }
    }
    Ok(p)
}

/// Poetry's `^1.2` means `>=1.2,<2`; shown as written, after a space, so the
/// name stays separable.
fn poetry_spec(spec: &str) -> String {
    if spec.is_empty() || spec == "*" {
        String::new()
    } else {
        format!(" {spec}")
    }
}

fn string(table: &Table, key: &str) -> Option<String> {
    table.get(key).and_then(Value::as_str).map(str::to_string)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(value: Option<&Value>) -> Vec<(String, String)> {
    value
        .and_then(Value::as_table)
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_and_poetry() {
        let p = parse(
            "[project]\nname = \"stitches\"\nversion = \"0.13.0\"\nrequires-python = \">=3.10\"\ndependencies = [\"pandas>=2\", \"xarray\"]\n[project.urls]\nRepository = \"https://github.com/JGCRI/stitches\"\n[project.scripts]\nstitches = \"stitches.cli:main\"\n",
        )
        .unwrap();
        assert_eq!(p.name.as_deref(), Some("stitches"));
        assert_eq!(p.requires_python.as_deref(), Some(">=3.10"));
        assert_eq!(p.dependencies, ["pandas>=2", "xarray"]);
        assert_eq!(p.scripts, [("stitches".into(), "stitches.cli:main".into())]);
        let q = parse("[tool.poetry]\nname = \"m\"\n[tool.poetry.dependencies]\npython = \"^3.9\"\nnumpy = \"^1.24\"\n").unwrap();
        assert_eq!(q.requires_python.as_deref(), Some("^3.9"));
        assert_eq!(q.dependencies, ["numpy ^1.24"]);
        assert!(parse("[project\n").is_err());
        assert!(!parse("[tool.ruff]\nline-length = 88\n").unwrap().is_package);
    }
}

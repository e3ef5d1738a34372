//! R's `DESCRIPTION` file (Debian control format): `Field: value` lines,
//! values continued on indented lines.

use std::collections::BTreeMap;

use super::Requirement;

/// The fields of a DESCRIPTION, continuation lines joined with a space.
/// The first of a repeated field wins, as R's `read.dcf` keeps one.
pub fn parse(text: &str) -> BTreeMap<String, String> {
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(value) = current.as_ref().and_then(|k| fields.get_mut(k)) {
                let more = line.trim();
                if !more.is_empty() {
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(more);
                }
            }
            continue;
        }
        current = None;
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim();
        let valid = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
        if !valid || fields.contains_key(key) {
            continue;
        }
        fields.insert(key.to_string(), value.trim().to_string());
        current = Some(key.to_string());
    }
    fields
}

/// The packages of a `Depends:`/`Imports:` value: `dplyr (>= 1.0), sf`
/// gives `dplyr` with `(>= 1.0)` and `sf`. R itself (`R (>= 4.0)`) is left
/// out: it is the language, not a package.
pub fn packages(value: &str) -> Vec<Requirement> {
    value
        .split(',')
        .filter_map(|part| {
            let part = part.trim();
            let end = part
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                .unwrap_or(part.len());
            let name = &part[..end];
            if name.is_empty() || name == "R" {
                return None;
            }
            Some(Requirement {
                name: name.to_string(),
                specifier: part[end..].trim().to_string(),
            })
        })
        .collect()
}

/// The R version floor in `Depends: R (>= 3.5.0), …`, e.g. `3.5.0`.
pub fn r_floor(depends: &str) -> Option<String> {
    depends.split(',').find_map(|part| {
        let part = part.trim();
        let rest = part.strip_prefix('R')?.trim_start();
        let inner = rest.strip_prefix('(')?.trim_end().strip_suffix(')')?;
        let version = inner.trim().strip_prefix(">=")?.trim();
        (!version.is_empty()).then(|| version.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_packages() {
        let text = "Package: demeter\nVersion: 2.0.1\nDepends: R (>= 3.5.0),\n    reticulate (>= 1.20)\nImports: dplyr, sf (>= 1.0),\n\tjsonlite\n";
        let f = parse(text);
        assert_eq!(f["Package"], "demeter");
        assert_eq!(f["Depends"], "R (>= 3.5.0), reticulate (>= 1.20)");
        assert_eq!(r_floor(&f["Depends"]).as_deref(), Some("3.5.0"));
        let names: Vec<_> = packages(&f["Imports"])
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["dplyr", "sf", "jsonlite"]);
        assert_eq!(packages(&f["Depends"])[0].specifier, "(>= 1.20)");
    }
}

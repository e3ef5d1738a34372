//! Build files of compiled models: Makefiles, `configure.ac`/`Makefile.am`
//! (autotools) and `CMakeLists.txt`. Only what `init-component` reports is
//! read: the libraries linked or looked for, the programs built, and the
//! project's name, version and URL.

/// Libraries every C/C++/Fortran toolchain provides; naming them as the
/// model's dependencies would be noise.
pub const SYSTEM_LIBRARIES: &[&str] = &[
    "c", "m", "dl", "rt", "pthread", "stdc++", "gcc", "gfortran", "util",
];

/// The libraries linked with `-lNAME` in Makefile-style text (comments
/// skipped), in order of first appearance, system libraries left out.
pub fn link_libraries(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        for token in line.split(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
            if let Some(lib) = token.strip_prefix("-l") {
                push_library(&mut out, lib);
            }
        }
    }
    out
}

/// Libraries an autoconf script checks for: `AC_CHECK_LIB([xerces-c], …)`,
/// `AC_SEARCH_LIBS([f], [a b])` and `PKG_CHECK_MODULES([X], [gsl >= 2])`.
pub fn autoconf_libraries(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (macro_name, arg) in [
        ("AC_CHECK_LIB", 0usize),
        ("AC_SEARCH_LIBS", 1),
        ("PKG_CHECK_MODULES", 1),
    ] {
        for args in macro_calls(text, macro_name) {
            if let Some(value) = args.get(arg) {
                for word in value.split_whitespace() {
                    // Skip version comparisons in PKG_CHECK_MODULES lists.
                    if word.starts_with(|c: char| c.is_ascii_alphabetic()) {
                        push_library(&mut out, word);
                    }
                }
            }
        }
    }
    out
}

/// `find_package(Boost …)` names in a CMakeLists.txt, in order.
pub fn cmake_packages(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for args in command_calls(text, "find_package") {
        if let Some(name) = args.first()
            && !out.contains(name)
        {
            out.push(name.clone());
        }
    }
    out
}

/// Programs built: `bin_PROGRAMS = a b` (Makefile.am) and
/// `add_executable(name …)` (CMake).
pub fn programs(makefile_am: Option<&str>, cmake: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(text) = makefile_am {
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            if key
                .trim()
                .trim_end_matches('+')
                .trim()
                .ends_with("bin_PROGRAMS")
            {
                out.extend(value.split_whitespace().map(str::to_string));
            }
        }
    }
    if let Some(text) = cmake {
        for args in command_calls(text, "add_executable") {
            if let Some(name) = args.first() {
                out.push(name.clone());
            }
        }
    }
    out.dedup();
    out
}

/// `AC_INIT([name], [version], [bug-report], [tarname], [url])`'s name,
/// version and URL.
pub fn autoconf_init(text: &str) -> Option<(String, Option<String>, Option<String>)> {
    let args = macro_calls(text, "AC_INIT").into_iter().next()?;
    let name = args.first()?.clone();
    let nonempty = |i: usize| args.get(i).filter(|s| !s.is_empty()).cloned();
    Some((name, nonempty(1), nonempty(4)))
}

/// `project(Name VERSION 1.2.3)` in a CMakeLists.txt.
pub fn cmake_project(text: &str) -> Option<(String, Option<String>)> {
    let args = command_calls(text, "project").into_iter().next()?;
    let name = args.first()?.clone();
    let version = args
        .iter()
        .position(|a| a == "VERSION")
        .and_then(|i| args.get(i + 1))
        .cloned();
    Some((name, version))
}

fn push_library(out: &mut Vec<String>, lib: &str) {
    let lib = lib.trim_matches(|c: char| matches!(c, ',' | ';' | ')' | '('));
    let valid = !lib.is_empty()
        && lib
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '.'));
    if valid && !SYSTEM_LIBRARIES.contains(&lib) && !out.iter().any(|l| l == lib) {
        out.push(lib.to_string());
    }
}

/// The comma-separated arguments of each `NAME(…)` m4 macro call, quotes
/// (`[…]`) removed. Nested parentheses inside an argument are kept whole.
fn macro_calls(text: &str, name: &str) -> Vec<Vec<String>> {
    calls(text, name)
        .into_iter()
        .map(|inner| {
            split_top(&inner, ',')
                .into_iter()
                .map(|a| {
                    a.trim()
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .trim()
                        .to_string()
                })
                .collect()
        })
        .collect()
}

/// The whitespace-separated arguments of each `name(…)` CMake command
/// (case-insensitive, as CMake is), quotes removed.
fn command_calls(text: &str, name: &str) -> Vec<Vec<String>> {
    let lowered = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = lowered[from..].find(name) {
        let start = from + found;
        from = start + name.len();
        let before_ok = start == 0
            || !lowered.as_bytes()[start - 1].is_ascii_alphanumeric()
                && lowered.as_bytes()[start - 1] != b'_';
        let rest = text[from..].trim_start();
        if !before_ok || !rest.starts_with('(') {
            continue;
        }
        let Some(end) = rest.find(')') else {
            break;
        };
        let args = rest[1..end]
            .split_whitespace()
            .map(|a| a.trim_matches('"').to_string())
            .filter(|a| !a.is_empty())
            .collect();
        out.push(args);
    }
    out
}

/// The text between the parentheses of each `name(` … `)` call, honouring
/// nesting; an unclosed call ends the search.
fn calls(text: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(name) {
        let start = from + found;
        from = start + name.len();
        let before_ok = start == 0 || {
            let b = text.as_bytes()[start - 1];
            !b.is_ascii_alphanumeric() && b != b'_'
        };
        if !before_ok || !text[from..].starts_with('(') {
            continue;
        }
        let mut depth = 0usize;
        let mut end = None;
        for (i, c) in text[from..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(from + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            break;
        };
        out.push(text[from + 1..end].to_string());
        from = end;
    }
    out
}

/// Splits on `sep` outside parentheses and brackets.
fn split_top(text: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ => {}
        }
        if c == sep && depth <= 0 {
            out.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    out.push(current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gridlabd_like() {
        let mk = "LIBS = -lxerces-c -lpthread -lm # link\nall: gridlabd\n";
        assert_eq!(link_libraries(mk), ["xerces-c"]);
        let ac = "AC_INIT([GridLAB-D],[4.3],[gridlabd@pnnl.gov],[gridlabd],[https://github.com/gridlab-d/gridlab-d])\nAC_CHECK_LIB([xerces-c], [main])\nPKG_CHECK_MODULES([CPPUNIT], [cppunit >= 1.12])\n";
        assert_eq!(autoconf_libraries(ac), ["xerces-c", "cppunit"]);
        let (name, version, url) = autoconf_init(ac).unwrap();
        assert_eq!(name, "GridLAB-D");
        assert_eq!(version.as_deref(), Some("4.3"));
        assert_eq!(
            url.as_deref(),
            Some("https://github.com/gridlab-d/gridlab-d")
        );
        let cm = "cmake_minimum_required(VERSION 3.10)\nPROJECT(sim VERSION 1.2.0)\nfind_package(Boost REQUIRED)\nfind_package( NetCDF )\nadd_executable(sim main.cpp)\n";
        assert_eq!(cmake_packages(cm), ["Boost", "NetCDF"]);
        assert_eq!(
            cmake_project(cm),
            Some(("sim".into(), Some("1.2.0".into())))
        );
        assert_eq!(
            programs(Some("bin_PROGRAMS = gridlabd\n"), Some(cm)),
            ["gridlabd", "sim"]
        );
        // Unbalanced input ends quietly.
        assert!(autoconf_libraries("AC_CHECK_LIB([x]").is_empty());
        assert!(cmake_packages("find_package(").is_empty());
    }
}

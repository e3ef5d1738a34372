//! `requirements.txt`: one requirement per line, as pip reads it.

use super::{Requirement, requirement};

/// A requirements file read: the requirements in file order, and the lines
/// that are not plain requirements (options, includes, paths, URLs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Requirements in file order.
    pub requirements: Vec<Requirement>,
    /// Lines kept out: `-r other.txt`, `-e .`, `--index-url …`, paths, URLs.
    pub skipped: Vec<String>,
}

/// Reads requirements text. Comments (`#` at the start or after
/// whitespace) and blank lines are dropped; a line ending in `\` continues
/// on the next.
pub fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = strip_comment(raw);
        if let Some(head) = line.trim_end().strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let full = std::mem::take(&mut logical);
        take(full.trim(), &mut parsed);
    }
    take(logical.trim(), &mut parsed);
    parsed
}

fn take(line: &str, parsed: &mut Parsed) {
    if line.is_empty() {
        return;
    }
    if line.starts_with('-') {
        parsed.skipped.push(line.to_string());
        return;
    }
    match requirement(line) {
        Some(r) => parsed.requirements.push(r),
        None => parsed.skipped.push(line.to_string()),
    }
}

/// pip's rule: `#` starts a comment at the start of a line or after
/// whitespace (so a URL's `#egg=` fragment survives).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pip_lines() {
        let text = "# pinned\nconfigobj>=5.0.6\nnumpy >= 1.20  # arrays\n\
                    requests[socks]>=2.20; python_version >= \"3.9\"\n-r dev.txt\n\
                    -e .\ngit+https://github.com/x/y#egg=y\nscipy\\\n  >=1.6\n\n";
        let p = parse(text);
        let names: Vec<_> = p.requirements.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["configobj", "numpy", "requests", "scipy"]);
        assert_eq!(p.requirements[1].specifier, ">= 1.20");
        assert_eq!(
            p.requirements[2].specifier,
            "[socks]>=2.20; python_version >= \"3.9\""
        );
        assert_eq!(p.requirements[3].specifier, ">=1.6");
        assert_eq!(
            p.skipped,
            ["-r dev.txt", "-e .", "git+https://github.com/x/y#egg=y"]
        );
    }
}

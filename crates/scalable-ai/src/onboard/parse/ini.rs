//! `setup.cfg`: INI sections as Python's `configparser` reads them (keys
//! lower-cased, `=` or `:`, values continued on indented lines).

/// An INI file: sections in file order, each with its keys in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ini {
    sections: Vec<(String, Vec<(String, String)>)>,
}

impl Ini {
    /// Parses INI text. Lines outside any section are ignored.
    pub fn parse(text: &str) -> Ini {
        let mut ini = Ini::default();
        let mut has_key = false;
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if line.starts_with([' ', '\t']) && has_key {
                if let Some((_, value)) = ini.sections.last_mut().and_then(|(_, kv)| kv.last_mut())
                    && !trimmed.is_empty()
                {
                    if !value.is_empty() {
                        value.push('\n');
                    }
                    value.push_str(trimmed);
                }
                continue;
            }
            if trimmed.is_empty() {
                continue;
            }
            if let Some(name) = trimmed
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
            {
                ini.sections.push((name.trim().to_string(), Vec::new()));
                has_key = false;
                continue;
            }
            let Some(split) = trimmed.find(['=', ':']) else {
                has_key = false;
                continue;
            };
            let Some((_, keys)) = ini.sections.last_mut() else {
                continue;
            };
            let key = trimmed[..split].trim().to_ascii_lowercase();
            let value = trimmed[split + 1..].trim().to_string();
            keys.push((key, value));
            has_key = true;
        }
        ini
    }

    /// The value of `key` in `section` (the last one written wins, as in
    /// `configparser` with `strict=False`).
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.sections
            .iter()
            .filter(|(name, _)| name == section)
            .flat_map(|(_, keys)| keys.iter())
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The non-empty lines of a multi-line value.
    pub fn lines(&self, section: &str, key: &str) -> Vec<String> {
        self.get(section, key)
            .map(|v| {
                v.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_values() {
        let text = "[metadata]\nname = xanthos\nVersion: 2.4\n\n[options]\npython_requires = >=3.8\ninstall_requires =\n    numpy>=1.19\n    pandas  # data\n\n[options.entry_points]\nconsole_scripts =\n    xanthos = xanthos.cli:main\n";
        let ini = Ini::parse(text);
        assert_eq!(ini.get("metadata", "version"), Some("2.4"));
        assert_eq!(ini.get("options", "python_requires"), Some(">=3.8"));
        assert_eq!(
            ini.lines("options", "install_requires"),
            ["numpy>=1.19", "pandas  # data"]
        );
        assert_eq!(
            ini.lines("options.entry_points", "console_scripts"),
            ["xanthos = xanthos.cli:main"]
        );
    }
}

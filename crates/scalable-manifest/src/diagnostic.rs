//! Problems found in a manifest: a stable code, where it is, what is wrong and
//! what to do about it.

use serde::Serialize;

use crate::yaml::Pos;

/// Every problem the manifest layer reports. Codes are stable: tools and docs
/// depend on them, so variants are only ever added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Code {
    /// The file could not be read.
    Io,
    /// The YAML is malformed.
    YamlSyntax,
    /// A mapping repeats a key.
    DuplicateKey,
    /// A key the schema does not know.
    UnknownKey,
    /// A required key is absent.
    MissingKey,
    /// A value has the wrong type.
    Type,
    /// A value is outside the allowed set or range.
    BadValue,
    /// `version` is not 1.
    BadVersion,
    /// A target names a provider Scalable does not have.
    UnknownProvider,
    /// A memory size that does not parse.
    BadMemory,
    /// A memory size of zero or less.
    NonpositiveMemory,
    /// A CPU count that is not a positive number.
    BadCpus,
    /// A task names a component that is not defined.
    UnknownComponent,
    /// A target names an overlay that is not defined.
    UnknownOverlay,
    /// A target asked for that the manifest does not define.
    UnknownTarget,
    /// A container mount path that is not absolute.
    RelativeContainerMount,
    /// A Slurm walltime that is not `HH:MM:SS` or `D-HH:MM:SS`.
    BadWalltime,
    /// A Fargate CPU/memory pair AWS does not accept.
    FargateCpuMemory,
    /// A name Kubernetes will refuse (not DNS-1123).
    Dns1123Name,
    /// `${VAR}` with VAR unset and no default.
    UnsetVariable,
    /// The file exceeds a size, depth or alias-expansion bound.
    Limit,
    /// `manifest.lock` does not match the manifest.
    StaleLock,
    /// No tasks are defined.
    NoTasks,
    /// No targets are defined.
    NoTargets,
    /// A component no task uses.
    UnusedComponent,
    /// An image reference without a tag.
    ImageNoTag,
    /// An image pinned to `latest`.
    LatestTag,
}

/// Errors stop a manifest from being used; warnings do not (unless `--strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks use of the manifest.
    Error,
    /// Worth a look; does not block.
    Warning,
}

impl Code {
    /// Every code, in documentation order.
    pub const ALL: &'static [Code] = &[
        Code::Io,
        Code::YamlSyntax,
        Code::DuplicateKey,
        Code::UnknownKey,
        Code::MissingKey,
        Code::Type,
        Code::BadValue,
        Code::BadVersion,
        Code::UnknownProvider,
        Code::BadMemory,
        Code::NonpositiveMemory,
        Code::BadCpus,
        Code::UnknownComponent,
        Code::UnknownOverlay,
        Code::UnknownTarget,
        Code::RelativeContainerMount,
        Code::BadWalltime,
        Code::FargateCpuMemory,
        Code::Dns1123Name,
        Code::UnsetVariable,
        Code::Limit,
        Code::StaleLock,
        Code::NoTasks,
        Code::NoTargets,
        Code::UnusedComponent,
        Code::ImageNoTag,
        Code::LatestTag,
    ];

    /// The stable identifier users see, e.g. `E_BAD_MEMORY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Io => "E_IO",
            Code::YamlSyntax => "E_YAML_SYNTAX",
            Code::DuplicateKey => "E_DUPLICATE_KEY",
            Code::UnknownKey => "E_UNKNOWN_KEY",
            Code::MissingKey => "E_MISSING_KEY",
            Code::Type => "E_TYPE",
            Code::BadValue => "E_BAD_VALUE",
            Code::BadVersion => "E_BAD_VERSION",
            Code::UnknownProvider => "E_UNKNOWN_PROVIDER",
            Code::BadMemory => "E_BAD_MEMORY",
            Code::NonpositiveMemory => "E_NONPOSITIVE_MEMORY",
            Code::BadCpus => "E_BAD_CPUS",
            Code::UnknownComponent => "E_UNKNOWN_COMPONENT",
            Code::UnknownOverlay => "E_UNKNOWN_OVERLAY",
            Code::UnknownTarget => "E_UNKNOWN_TARGET",
            Code::RelativeContainerMount => "E_RELATIVE_CONTAINER_MOUNT",
            Code::BadWalltime => "E_BAD_WALLTIME",
            Code::FargateCpuMemory => "E_FARGATE_CPU_MEMORY",
            Code::Dns1123Name => "E_DNS1123_NAME",
            Code::UnsetVariable => "E_UNSET_VARIABLE",
            Code::Limit => "E_LIMIT",
            Code::StaleLock => "E_STALE_LOCK",
            Code::NoTasks => "W_NO_TASKS",
            Code::NoTargets => "W_NO_TARGETS",
            Code::UnusedComponent => "W_UNUSED_COMPONENT",
            Code::ImageNoTag => "W_IMAGE_NO_TAG",
            Code::LatestTag => "W_LATEST_TAG",
        }
    }

    /// Whether the code is an error or a warning.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with("W_") {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem, located precisely enough to jump to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Stable code.
    #[serde(serialize_with = "code_str")]
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Dotted path in the manifest, e.g. `components.demeter.memory`.
    pub path: String,
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line (0 when the problem has no position, e.g. an unreadable file).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Characters to underline.
    #[serde(skip)]
    pub len: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

fn code_str<S: serde::Serializer>(code: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.as_str())
}

impl Diagnostic {
    /// A diagnostic at `pos`; the file is filled in by the caller that knows it.
    pub fn new(code: Code, path: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            path: path.into(),
            file: String::new(),
            line: pos.line,
            column: pos.column,
            len: pos.len.max(1),
            message: message.into(),
            hint: None,
        }
    }

    /// Adds the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Collects diagnostics during a pass.
#[derive(Debug, Default)]
pub struct Sink {
    items: Vec<Diagnostic>,
    secrets: Vec<String>,
}

impl Sink {
    /// Records one.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Records the value of a secret-named variable that was expanded: no
    /// message or hint may show it, whichever check quotes it.
    pub fn secret(&mut self, value: &str) {
        if !value.is_empty() && !self.secrets.iter().any(|s| s == value) {
            self.secrets.push(value.to_string());
        }
    }

    /// Whether `text` holds a recorded secret value.
    pub fn shows_secret(&self, text: &str) -> bool {
        self.secrets.iter().any(|s| text.contains(s.as_str()))
    }

    /// How many have been recorded.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether any error (not warning) was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// All recorded, sorted by position then code, duplicates removed, secret
    /// values masked as `***`.
    pub fn finish(mut self, file: &str) -> Vec<Diagnostic> {
        // Longest first, so a secret that contains another is masked whole.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for d in &mut self.items {
            d.file = file.to_string();
            for secret in &self.secrets {
                d.message = d.message.replace(secret.as_str(), "***");
                if let Some(h) = &mut d.hint {
                    *h = h.replace(secret.as_str(), "***");
                }
            }
        }
        // Stable: of two reports at one place, the first pass's (whose path is
        // the one written in the file) is kept.
        self.items.sort_by_key(|d| (d.line, d.column, d.code));
        self.items
            .dedup_by(|a, b| a.code == b.code && a.line == b.line && a.column == b.column);
        self.items
    }
}

/// "did you mean" for a misspelled name among `known`: the closest name by
/// edit distance (transpositions count once), if it is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(word, k), k))
        .filter(|(distance, k)| *distance <= limit || strsim::jaro_winkler(word, k) > 0.9)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

//! Errors of the cache. Each kind has a stable code and a hint saying what to do.

use std::path::PathBuf;

/// Why the cache could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// A file or directory of the cache (or an input being hashed) could not
    /// be created, read, written or renamed.
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        /// What was being done (`read`, `write`, `hash`, ...).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An input typed `FileType` is not a regular file (or `DirType` not a directory).
    #[error("`{path}` is not a {expected}")]
    NotA {
        /// The path given.
        path: PathBuf,
        /// `file` or `directory`.
        expected: &'static str,
    },
    /// A key that is not 64 hex digits, or a prefix that names no entry.
    #[error("no cache entry matches `{0}`")]
    UnknownKey(String),
    /// A key prefix that matches more than one entry.
    #[error("`{prefix}` matches {} entries: {}", matches.len(), matches.join(", "))]
    AmbiguousKey {
        /// What was asked for.
        prefix: String,
        /// The keys it matches (at most a few).
        matches: Vec<String>,
    },
    /// No entry of the function is in the cache.
    #[error("no cache entries of function `{0}`")]
    UnknownFunction(String),
    /// A size or age that does not parse (`10G`, `30d`).
    #[error("cannot read {what} `{text}`")]
    BadQuantity {
        /// `size` or `age`.
        what: &'static str,
        /// The text given.
        text: String,
    },
    /// A value that could not be encoded for a key (e.g. an integer too large).
    #[error("cannot encode argument `{name}` for the cache key: {reason}")]
    BadArgument {
        /// The argument's name.
        name: String,
        /// Why.
        reason: String,
    },
}

impl CacheError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            CacheError::Io { .. } => "E_CACHE_IO",
            CacheError::NotA { .. } => "E_CACHE_INPUT",
            CacheError::UnknownKey(_) => "E_CACHE_UNKNOWN_KEY",
            CacheError::AmbiguousKey { .. } => "E_CACHE_AMBIGUOUS_KEY",
            CacheError::UnknownFunction(_) => "E_CACHE_UNKNOWN_FUNCTION",
            CacheError::BadQuantity { .. } => "E_CACHE_BAD_QUANTITY",
            CacheError::BadArgument { .. } => "E_CACHE_ARGUMENT",
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            CacheError::Io { path, .. } => format!(
                "check that `{}` exists and is writable, or point `SCALABLE_CACHE_DIR` (or `project.local_cache`) at a writable directory",
                path.display()
            ),
            CacheError::NotA { expected, .. } => format!(
                "pass the path of an existing {expected}, or type the argument differently in `@cacheable(...)`"
            ),
            CacheError::UnknownKey(_) => {
                "list the entries with `scalable cache ls`; a unique prefix of a key is enough".into()
            }
            CacheError::AmbiguousKey { .. } => "give more digits of the key".into(),
            CacheError::UnknownFunction(_) => {
                "list the functions with `scalable cache stats`; the name is the function's qualified name".into()
            }
            CacheError::BadQuantity { what, .. } => match *what {
                "age" => "write an age as a number and a unit: `90s`, `45m`, `12h`, `30d`, `2w`".into(),
                _ => "write a size as a number and a unit: `500M`, `10G`, `1T` (powers of 1024)".into(),
            },
            CacheError::BadArgument { .. } => {
                "type the argument `ObjectType` (hashed by its pickle) or `UtilityType` (left out of the key)".into()
            }
        }
    }

    /// An I/O error on `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CacheError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Results of this crate.
pub type Result<T, E = CacheError> = std::result::Result<T, E>;

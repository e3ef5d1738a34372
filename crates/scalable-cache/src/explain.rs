//! `scalable cache explain`: why a call was not a hit. For an entry of a
//! function, find the earlier entry of the same function that differs from it
//! in the fewest key parts, and say which parts differ: the format version,
//! the function body, an argument (which one, from what to what; for a
//! directory, which files inside it), or the image.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::cache::Cache;
use crate::digest::Digest;
use crate::entry::Meta;
use crate::error::{CacheError, Result};
use crate::inputs::DirFile;
use crate::key::{ArgPart, KeyParts};

/// One entry as `explain` names it.
#[derive(Debug, Clone, Serialize)]
pub struct EntryRef {
    /// Its key.
    pub key: String,
    /// When it was stored.
    pub created: f64,
}

/// What differs between two entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "part", rename_all = "snake_case")]
pub enum Change {
    /// The cache format version.
    Version {
        /// Before.
        from: u32,
        /// After.
        to: u32,
    },
    /// The function's normalised source.
    Body,
    /// An argument's value or content.
    Argument {
        /// Its name.
        name: String,
        /// How it is keyed.
        kind: String,
        /// Before (a value, or the path).
        from: Option<String>,
        /// After.
        to: Option<String>,
        /// For a directory: its files that were added, removed or changed.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        files: Vec<FileChange>,
    },
    /// The component's image.
    Image {
        /// Before.
        from: Option<String>,
        /// After.
        to: Option<String>,
    },
}

/// A file inside a directory argument.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileChange {
    /// Relative path.
    pub path: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
}

/// The explanation of one entry.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The function.
    pub function: String,
    /// The entry explained.
    pub entry: EntryRef,
    /// The closest earlier entry, if any.
    pub previous: Option<EntryRef>,
    /// What differs (empty with no previous entry).
    pub changes: Vec<Change>,
}

/// Explains the latest entry of `function`, or, when `keys` is given (a run's
/// cache keys), each of the function's entries among them.
pub fn explain(cache: &Cache, function: &str, keys: Option<&[String]>) -> Result<Vec<Explanation>> {
    let mut entries: Vec<Meta> = cache
        .store()
        .list()
        .into_iter()
        .filter_map(|l| l.meta.ok())
        .filter(|m| matches_function(&m.function, function))
        .collect();
    if entries.is_empty() {
        return Err(CacheError::UnknownFunction(function.to_owned()));
    }
    entries.sort_by(|a, b| a.created.total_cmp(&b.created));
    let targets: Vec<&Meta> = match keys {
        Some(keys) => entries.iter().filter(|m| keys.contains(&m.key)).collect(),
        None => entries.last().into_iter().collect(),
    };
    Ok(targets
        .into_iter()
        .map(|target| {
            let previous = entries
                .iter()
                .filter(|m| m.created < target.created && m.key != target.key)
                .map(|m| (diff(cache, &m.parts, &target.parts), m))
                .min_by(|(a, ma), (b, mb)| {
                    a.len()
                        .cmp(&b.len())
                        .then(mb.created.total_cmp(&ma.created))
                });
            Explanation {
                function: target.function.clone(),
                entry: EntryRef {
                    key: target.key.clone(),
                    created: target.created,
                },
                previous: previous.as_ref().map(|(_, m)| EntryRef {
                    key: m.key.clone(),
                    created: m.created,
                }),
                changes: previous.map(|(c, _)| c).unwrap_or_default(),
            }
        })
        .collect())
}

fn matches_function(stored: &str, asked: &str) -> bool {
    stored == asked || stored.rsplit('.').next() == Some(asked) && !asked.contains('.')
}

/// The key parts that differ from `old` to `new`.
pub fn diff(cache: &Cache, old: &KeyParts, new: &KeyParts) -> Vec<Change> {
    let mut out = Vec::new();
    if old.version != new.version {
        out.push(Change::Version {
            from: old.version,
            to: new.version,
        });
    }
    if old.function.source != new.function.source {
        out.push(Change::Body);
    }
    let old_args: BTreeMap<&str, &ArgPart> =
        old.args.iter().map(|a| (a.name.as_str(), a)).collect();
    let mut names: Vec<&str> = new.args.iter().map(|a| a.name.as_str()).collect();
    for a in &old.args {
        if !names.contains(&a.name.as_str()) {
            names.push(&a.name);
        }
    }
    for name in names {
        let before = old_args.get(name).copied();
        let after = new.args.iter().find(|a| a.name == name);
        let same = matches!((before, after), (Some(b), Some(a)) if b.digest == a.digest && b.kind == a.kind);
        if same {
            continue;
        }
        let files = match (before, after) {
            (Some(b), Some(a)) => match (b.listing, a.listing) {
                (Some(lb), Some(la)) => dir_changes(cache, &lb, &la),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        out.push(Change::Argument {
            name: name.to_owned(),
            kind: after
                .or(before)
                .map_or("value", |a| a.kind.as_str())
                .to_owned(),
            from: before.map(|b| b.shown.clone().unwrap_or_else(|| b.digest.to_hex())),
            to: after.map(|a| a.shown.clone().unwrap_or_else(|| a.digest.to_hex())),
            files,
        });
    }
    if old.image != new.image {
        out.push(Change::Image {
            from: old.image.clone(),
            to: new.image.clone(),
        });
    }
    out
}

fn dir_changes(cache: &Cache, old: &Digest, new: &Digest) -> Vec<FileChange> {
    let (Some(old), Some(new)) = (cache.listing(old), cache.listing(new)) else {
        return Vec::new();
    };
    let index = |files: Vec<DirFile>| -> BTreeMap<String, Digest> {
        files.into_iter().map(|f| (f.path, f.digest)).collect()
    };
    let (old, new) = (index(old), index(new));
    let mut out = Vec::new();
    for (path, d) in &new {
        match old.get(path) {
            None => out.push(FileChange {
                path: path.clone(),
                change: "added",
            }),
            Some(o) if o != d => out.push(FileChange {
                path: path.clone(),
                change: "changed",
            }),
            Some(_) => {}
        }
    }
    for path in old.keys() {
        if !new.contains_key(path) {
            out.push(FileChange {
                path: path.clone(),
                change: "removed",
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The explanations as text, `when` rendering a time.
pub fn to_text(list: &[Explanation], when: &dyn Fn(f64) -> String) -> String {
    let mut s = String::new();
    for e in list {
        let _ = writeln!(
            s,
            "{} entry {} (stored {})",
            e.function,
            short(&e.entry.key),
            when(e.entry.created)
        );
        let Some(prev) = &e.previous else {
            let _ = writeln!(
                s,
                "  the first entry of this function: nothing earlier to compare with"
            );
            continue;
        };
        let _ = writeln!(
            s,
            "  compared with {} (stored {}), the closest earlier entry:",
            short(&prev.key),
            when(prev.created)
        );
        if e.changes.is_empty() {
            let _ = writeln!(s, "  no key part differs");
        }
        for c in &e.changes {
            match c {
                Change::Version { from, to } => {
                    let _ = writeln!(s, "  - cache format version changed: {from} -> {to}");
                }
                Change::Body => {
                    let _ = writeln!(s, "  - the function body changed");
                }
                Change::Argument {
                    name,
                    kind,
                    from,
                    to,
                    files,
                } => {
                    let what = match kind.as_str() {
                        "file" => "file content changed",
                        "dir" => "directory content changed",
                        _ => "value changed",
                    };
                    match (from, to) {
                        (None, Some(to)) => {
                            let _ = writeln!(s, "  - argument `{name}` is new: {to}");
                        }
                        (Some(from), None) => {
                            let _ = writeln!(s, "  - argument `{name}` is gone (was {from})");
                        }
                        (Some(from), Some(to)) if kind == "file" || kind == "dir" => {
                            if from == to {
                                let _ = writeln!(s, "  - argument `{name}`: {what} ({to})");
                            } else {
                                let _ =
                                    writeln!(s, "  - argument `{name}`: {what} ({from} -> {to})");
                            }
                        }
                        (Some(from), Some(to)) => {
                            let _ = writeln!(s, "  - argument `{name}`: {what}: {from} -> {to}");
                        }
                        (None, None) => {}
                    }
                    for f in files {
                        let _ = writeln!(s, "      {} {}", f.change, f.path);
                    }
                }
                Change::Image { from, to } => {
                    let none = "(none)".to_owned();
                    let _ = writeln!(
                        s,
                        "  - the image changed: {} -> {}",
                        from.as_ref().unwrap_or(&none),
                        to.as_ref().unwrap_or(&none)
                    );
                }
            }
        }
    }
    s
}

/// The first 12 hex digits of a key.
pub fn short(key: &str) -> &str {
    &key[..key.len().min(12)]
}

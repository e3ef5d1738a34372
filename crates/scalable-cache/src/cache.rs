//! The cache as the decorator uses it: a store plus input hashing, opened
//! once per process and directory, with settings from the environment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::canon::Value;
use crate::digest::Digest;
use crate::entry::OutputRef;
use crate::error::{CacheError, Result};
use crate::inputs::{DirFile, Inputs};
use crate::key::{ArgKind, ArgPart};
use crate::memo::{FileStat, Memo, memo_dir};
use crate::store::{Hit, Store};

/// Characters of a value kept for `explain`.
const SHOWN_CHARS: usize = 120;

/// How long a lease lasts unless `SCALABLE_CACHE_LEASE_SECONDS` says otherwise.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(600);

/// Settings of an open cache.
#[derive(Debug, Clone)]
pub struct Options {
    /// Use the stat memo (off with `SCALABLE_CACHE_PARANOID=1`).
    pub memo: bool,
    /// Lease time; zero turns leases off.
    pub lease: Duration,
}

impl Options {
    /// From `SCALABLE_CACHE_PARANOID` and `SCALABLE_CACHE_LEASE_SECONDS`.
    pub fn from_env() -> Options {
        let paranoid = std::env::var("SCALABLE_CACHE_PARANOID")
            .is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "no"));
        let lease = std::env::var("SCALABLE_CACHE_LEASE_SECONDS")
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map_or(DEFAULT_LEASE, Duration::from_secs_f64);
        Options {
            memo: !paranoid,
            lease,
        }
    }
}

/// At most this many entries are remembered in memory per process.
const HOT_ENTRIES: usize = 4096;

/// An open cache directory.
#[derive(Debug)]
pub struct Cache {
    store: Store,
    inputs: Inputs,
    options: Options,
    hot: Mutex<HashMap<Digest, Hot>>,
}

/// An entry this process has read and verified (or written), remembered with
/// the stat of its file: a repeated hit costs one `stat`, not an open, a read
/// and a verification. Any change to the file (replaced by `recompute`,
/// removed by `prune`/`clear`, moved to quarantine, rewritten) changes its
/// stat, and the entry is read from disk again.
#[derive(Debug, Clone)]
pub struct Hot {
    stat: FileStat,
    /// The value bytes.
    pub value: Arc<Vec<u8>>,
    /// The key (hex).
    pub key: String,
    /// What a hit saves, seconds.
    pub compute_s: f64,
    /// The output to re-check, if any.
    pub output: Option<OutputRef>,
}

/// The cache directory: `$SCALABLE_CACHE_DIR` (relative to `cwd`), else `fallback`
/// (the manifest's `project.local_cache`), else `cwd/.scalable/cache`.
pub fn resolve_dir(cwd: &Path, fallback: Option<&Path>) -> PathBuf {
    match std::env::var_os("SCALABLE_CACHE_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => cwd.join(dir),
        None => match fallback {
            Some(dir) => cwd.join(dir),
            None => cwd.join(".scalable").join("cache"),
        },
    }
}

impl Cache {
    /// Opens (creating) the cache in `dir`.
    pub fn open(dir: &Path, options: Options) -> Result<Cache> {
        let store = Store::open(dir)?;
        let memo = Memo::new(Some(memo_dir(dir)), options.memo);
        Ok(Cache {
            store,
            inputs: Inputs::new(memo),
            options,
            hot: Mutex::new(HashMap::new()),
        })
    }

    /// The remembered entry of `key`, if its file is unchanged since.
    pub fn hot(&self, key: &Digest) -> Option<Hot> {
        let hot = self.hot.lock().ok()?.get(key)?.clone();
        let meta = std::fs::metadata(self.store.entry_path(key)).ok()?;
        (FileStat::of(&meta) == hot.stat).then_some(hot)
    }

    /// Remembers a verified small entry (values up to the inline limit; a
    /// larger one is only passed through, never copied).
    pub fn remember(&self, key: &Digest, hit: Hit) -> Hot {
        let inline = hit.meta.value.inline;
        let hot = Hot {
            stat: FileStat {
                dev: 0,
                ino: 0,
                size: 0,
                mtime_ns: 0,
                ctime_ns: 0,
            },
            value: Arc::new(hit.value),
            key: hit.meta.key,
            compute_s: hit.meta.compute_s,
            output: hit.meta.output,
        };
        if !inline {
            return hot;
        }
        let Ok(meta) = std::fs::metadata(self.store.entry_path(key)) else {
            return hot;
        };
        let hot = Hot {
            stat: FileStat::of(&meta),
            ..hot
        };
        if let Ok(mut map) = self.hot.lock() {
            if map.len() >= HOT_ENTRIES {
                map.clear();
            }
            map.insert(*key, hot.clone());
        }
        hot
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Input hashing.
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// The settings.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// A keyed argument by value (`kind` Value, Object or Pickle).
    pub fn arg_value(&self, name: &str, kind: ArgKind, value: &Value) -> ArgPart {
        ArgPart {
            name: name.to_owned(),
            kind,
            digest: Digest::of(&value.encode()),
            shown: Some(value.preview(SHOWN_CHARS)),
            listing: None,
        }
    }

    /// A keyed `FileType` argument: the file's content digest.
    pub fn arg_file(&self, name: &str, path: &Path) -> Result<ArgPart> {
        Ok(ArgPart {
            name: name.to_owned(),
            kind: ArgKind::File,
            digest: self.inputs.file(path)?,
            shown: Some(path.display().to_string()),
            listing: None,
        })
    }

    /// A keyed `DirType` argument: the directory's digest; its file listing
    /// is kept as a blob for `explain`.
    pub fn arg_dir(&self, name: &str, path: &Path) -> Result<ArgPart> {
        let dir = self.inputs.dir(path)?;
        let listing = serde_json::to_vec(&dir.files).unwrap_or_default();
        let listing = self.store.put_blob(&listing)?;
        Ok(ArgPart {
            name: name.to_owned(),
            kind: ArgKind::Dir,
            digest: dir.digest,
            shown: Some(path.display().to_string()),
            listing: Some(listing),
        })
    }

    /// Records a returned path (`kind` `file` or `dir`) for `check_output`.
    pub fn output(&self, kind: &str, path: &Path) -> Result<OutputRef> {
        let digest = self.output_digest(kind, path)?;
        Ok(OutputRef {
            kind: kind.to_owned(),
            path: path.display().to_string(),
            digest,
        })
    }

    fn output_digest(&self, kind: &str, path: &Path) -> Result<Digest> {
        match kind {
            "file" => self.inputs.file(path),
            "dir" => Ok(self.inputs.dir(path)?.digest),
            other => Err(CacheError::BadArgument {
                name: "return_type".into(),
                reason: format!("`{other}` is not `file` or `dir`"),
            }),
        }
    }

    /// Why a recorded output no longer matches (None: it does).
    pub fn output_changed(&self, output: &OutputRef) -> Option<String> {
        match self.output_digest(&output.kind, Path::new(&output.path)) {
            Ok(d) if d == output.digest => None,
            Ok(_) => Some(format!("output `{}` changed", output.path)),
            Err(_) => Some(format!("output `{}` is gone", output.path)),
        }
    }

    /// The files of a stored directory listing, if it is still there.
    pub fn listing(&self, digest: &Digest) -> Option<Vec<DirFile>> {
        serde_json::from_slice(&self.store.read_blob(digest)?).ok()
    }
}

//! The content-addressed store on disk.
//!
//! ```text
//! CACHE/
//!   entries-v1/ab/<key>      one entry per key (metadata + small value), see entry.rs
//!   blobs-v1/ab/<digest>     large values and directory listings, named by BLAKE3
//!   leases-v1/<key>          "being computed by host:pid until T" (optional, expiring)
//!   memo-v1/ab/<stat>        the stat memo, see memo.rs
//!   quarantine/              damaged files moved aside, kept for inspection
//! ```
//!
//! Layouts are versioned by directory name: a new format gets new directories
//! and never misreads old ones. Every file is published by temp + rename in
//! its own directory and verified against its digest when read, so
//! correctness needs no file lock and holds on NFS: concurrent writers of one
//! key each rename a complete entry into place and the last one stays.

use std::path::{Path, PathBuf};

use crate::atomic;
use crate::digest::Digest;
use crate::entry::{self, INLINE_MAX, Meta, OutputRef, ValueRef};
use crate::error::{CacheError, Result};
use crate::key::KeyParts;

/// Entry directory name.
pub const ENTRIES: &str = "entries-v1";
/// Blob directory name.
pub const BLOBS: &str = "blobs-v1";
/// Lease directory name.
pub const LEASES: &str = "leases-v1";
/// Quarantine directory name.
pub const QUARANTINE: &str = "quarantine";

/// One cache directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup {
    /// A verified entry and its value.
    Hit(Box<Hit>),
    /// No entry for the key.
    Miss,
    /// An entry (or its blob) that failed verification; it has been moved to
    /// `quarantine/`.
    Corrupt(Corruption),
}

/// A verified entry.
#[derive(Debug)]
pub struct Hit {
    /// Its metadata.
    pub meta: Meta,
    /// The value bytes.
    pub value: Vec<u8>,
}

/// A damaged file found on read.
#[derive(Debug, Clone)]
pub struct Corruption {
    /// The damaged file.
    pub path: PathBuf,
    /// What is wrong.
    pub reason: String,
    /// Where it was moved (None if another process moved it first).
    pub quarantined: Option<PathBuf>,
}

/// What to store.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// The key's parts (the key is computed from them).
    pub parts: &'a KeyParts,
    /// How long the computation took, seconds.
    pub compute_s: f64,
    /// A returned path to re-check on hits.
    pub output: Option<OutputRef>,
    /// The serialised value.
    pub value: &'a [u8],
}

impl Store {
    /// The store in `dir`, creating its directories when missing.
    pub fn open(dir: &Path) -> Result<Store> {
        for sub in [ENTRIES, BLOBS, LEASES] {
            let path = dir.join(sub);
            std::fs::create_dir_all(&path).map_err(|e| CacheError::io("create", path, e))?;
        }
        Ok(Store {
            dir: dir.to_path_buf(),
        })
    }

    /// The store in `dir` without creating anything (for reading tools).
    pub fn at(dir: &Path) -> Store {
        Store {
            dir: dir.to_path_buf(),
        }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry file of `key`.
    pub fn entry_path(&self, key: &Digest) -> PathBuf {
        sharded(&self.dir.join(ENTRIES), &key.to_hex())
    }

    /// The blob file of `digest`.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        sharded(&self.dir.join(BLOBS), &digest.to_hex())
    }

    /// Looks `key` up and verifies what it finds.
    pub fn get(&self, key: &Digest) -> Result<Lookup> {
        let path = self.entry_path(key);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lookup::Miss),
            Err(e) => return Err(CacheError::io("read", path, e)),
        };
        self.verify_entry(&path, &bytes, Some(key))
    }

    /// Verifies an entry file's bytes (and its blob), quarantining what is damaged.
    pub(crate) fn verify_entry(
        &self,
        path: &Path,
        bytes: &[u8],
        key: Option<&Digest>,
    ) -> Result<Lookup> {
        let (meta, inline) = match entry::decode(bytes) {
            Ok(x) => x,
            Err(damage) => return Ok(Lookup::Corrupt(self.quarantine(path, damage.0))),
        };
        if let Some(key) = key
            && meta.key != key.to_hex()
        {
            let reason = format!("holds key `{}`", meta.key);
            return Ok(Lookup::Corrupt(self.quarantine(path, reason)));
        }
        let value = if meta.value.inline {
            inline.to_vec()
        } else {
            let blob = self.blob_path(&meta.value.digest);
            match std::fs::read(&blob) {
                Ok(v) if Digest::of(&v) == meta.value.digest => v,
                Ok(_) => {
                    let c = self.quarantine(&blob, "blob digest mismatch".into());
                    self.quarantine(
                        path,
                        format!("its value blob `{}` is damaged", blob.display()),
                    );
                    return Ok(Lookup::Corrupt(c));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let reason = format!("its value blob `{}` is missing", blob.display());
                    return Ok(Lookup::Corrupt(self.quarantine(path, reason)));
                }
                Err(e) => return Err(CacheError::io("read", blob, e)),
            }
        };
        Ok(Lookup::Hit(Box::new(Hit { meta, value })))
    }

    /// Stores a value under its key's entry; returns the metadata written.
    pub fn put(&self, new: &NewEntry<'_>) -> Result<Meta> {
        let key = new.parts.key();
        let inline = new.value.len() <= INLINE_MAX;
        let digest = Digest::of(new.value);
        if !inline {
            self.put_blob_as(&digest, new.value)?;
        }
        let meta = Meta {
            key: key.to_hex(),
            function: new.parts.function.name.clone(),
            created: now_s(),
            compute_s: new.compute_s,
            value: ValueRef {
                digest,
                bytes: new.value.len() as u64,
                inline,
            },
            output: new.output.clone(),
            parts: new.parts.clone(),
        };
        let bytes = entry::encode(&meta, if inline { new.value } else { &[] });
        let path = self.entry_path(&key);
        atomic::write_creating_dir(&path, &bytes).map_err(|e| CacheError::io("write", path, e))?;
        Ok(meta)
    }

    /// Stores `bytes` as a blob and returns its digest.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<Digest> {
        let digest = Digest::of(bytes);
        self.put_blob_as(&digest, bytes)?;
        Ok(digest)
    }

    fn put_blob_as(&self, digest: &Digest, bytes: &[u8]) -> Result<()> {
        let path = self.blob_path(digest);
        // Same name, same content: an existing blob of the right size is kept
        // (readers verify it anyway).
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64) {
            return Ok(());
        }
        atomic::write_creating_dir(&path, bytes).map_err(|e| CacheError::io("write", path, e))
    }

    /// A verified blob, or None when it is missing or damaged (then quarantined).
    pub fn read_blob(&self, digest: &Digest) -> Option<Vec<u8>> {
        let path = self.blob_path(digest);
        let bytes = std::fs::read(&path).ok()?;
        if Digest::of(&bytes) == *digest {
            Some(bytes)
        } else {
            self.quarantine(&path, "blob digest mismatch".into());
            None
        }
    }

    /// Moves a damaged file into `quarantine/` (named after it and the time).
    pub fn quarantine(&self, path: &Path, reason: String) -> Corruption {
        let dir = self.dir.join(QUARANTINE);
        let _ = std::fs::create_dir_all(&dir);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = dir.join(format!(
            "{name}.{}.{}",
            (now_s() * 1e6) as u64,
            std::process::id()
        ));
        let quarantined = std::fs::rename(path, &target).ok().map(|()| target);
        Corruption {
            path: path.to_path_buf(),
            reason,
            quarantined,
        }
    }
}

fn sharded(root: &Path, hex: &str) -> PathBuf {
    root.join(&hex[..2]).join(hex)
}

/// Now, seconds since the epoch.
pub fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{FORMAT_VERSION, FunctionPart};

    fn parts(n: u8) -> KeyParts {
        KeyParts {
            version: FORMAT_VERSION,
            function: FunctionPart {
                name: "f".into(),
                source: Digest::of(&[n]),
            },
            args: vec![],
            image: None,
        }
    }

    fn put(store: &Store, p: &KeyParts, value: &[u8]) -> Meta {
        store
            .put(&NewEntry {
                parts: p,
                compute_s: 1.5,
                output: None,
                value,
            })
            .unwrap()
    }

    #[test]
    fn stores_and_finds_small_and_large_values() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let small = b"small".to_vec();
        let large: Vec<u8> = (0..INLINE_MAX * 2).map(|i| (i % 253) as u8).collect();
        for (n, value) in [(1, &small), (2, &large)] {
            let p = parts(n);
            assert!(matches!(store.get(&p.key()).unwrap(), Lookup::Miss));
            let meta = put(&store, &p, value);
            assert_eq!(meta.value.inline, value.len() <= INLINE_MAX);
            match store.get(&p.key()).unwrap() {
                Lookup::Hit(hit) => {
                    assert_eq!(&hit.value, value);
                    assert_eq!(hit.meta.compute_s, 1.5);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_damaged_blob_is_quarantined_with_its_entry() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let p = parts(3);
        let large = vec![9u8; INLINE_MAX + 1];
        let meta = put(&store, &p, &large);
        let blob = store.blob_path(&meta.value.digest);
        let mut bytes = std::fs::read(&blob).unwrap();
        bytes[100] ^= 1;
        std::fs::write(&blob, bytes).unwrap();
        match store.get(&p.key()).unwrap() {
            Lookup::Corrupt(c) => {
                assert_eq!(c.path, blob);
                assert!(c.quarantined.unwrap().exists());
            }
            other => panic!("{other:?}"),
        }
        assert!(!blob.exists());
        assert!(!store.entry_path(&p.key()).exists());
        assert!(matches!(store.get(&p.key()).unwrap(), Lookup::Miss));
    }

    #[test]
    fn a_damaged_entry_is_quarantined() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let p = parts(4);
        put(&store, &p, b"value");
        let path = store.entry_path(&p.key());
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(matches!(
            store.get(&p.key()).unwrap(),
            Lookup::Corrupt(Corruption {
                quarantined: Some(_),
                ..
            })
        ));
        assert!(matches!(store.get(&p.key()).unwrap(), Lookup::Miss));
        let quarantined = std::fs::read_dir(dir.path().join(QUARANTINE))
            .unwrap()
            .count();
        assert_eq!(quarantined, 1);
    }

    #[test]
    fn an_entry_under_another_key_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (a, b) = (parts(5), parts(6));
        put(&store, &a, b"a");
        std::fs::create_dir_all(store.entry_path(&b.key()).parent().unwrap()).unwrap();
        std::fs::copy(store.entry_path(&a.key()), store.entry_path(&b.key())).unwrap();
        assert!(matches!(store.get(&b.key()).unwrap(), Lookup::Corrupt(_)));
    }
}

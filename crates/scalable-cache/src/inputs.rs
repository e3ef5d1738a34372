//! Digests of `FileType` and `DirType` inputs (and outputs): content only,
//! never the path, through the stat memo.
//!
//! A directory's digest is BLAKE3 over its regular files sorted by relative
//! path (`/`-separated), each as (path, content digest). Files are hashed in
//! parallel. Symbolic links are followed (what a program reads is the
//! target's content); empty directories do not count.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::error::{CacheError, Result};
use crate::hash::{self, Strategy};
use crate::memo::{FileStat, Memo, now_ns};

/// One file of a directory digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirFile {
    /// Path relative to the directory, `/`-separated.
    pub path: String,
    /// Content digest.
    pub digest: Digest,
    /// Size in bytes.
    pub bytes: u64,
}

/// A directory's digest and the files it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirDigest {
    /// The digest over every file.
    pub digest: Digest,
    /// The files, sorted by path.
    pub files: Vec<DirFile>,
}

/// Hashes inputs, remembering unchanged files in the memo.
#[derive(Debug)]
pub struct Inputs {
    memo: Memo,
    strategy: Strategy,
}

impl Inputs {
    /// Hashing through `memo`.
    pub fn new(memo: Memo) -> Inputs {
        Inputs {
            memo,
            strategy: Strategy::Auto,
        }
    }

    /// The memo in use.
    pub fn memo(&self) -> &Memo {
        &self.memo
    }

    /// The content digest of the regular file at `path`.
    pub fn file(&self, path: &Path) -> Result<Digest> {
        let file = std::fs::File::open(path).map_err(|e| CacheError::io("read input", path, e))?;
        let meta = file
            .metadata()
            .map_err(|e| CacheError::io("read input", path, e))?;
        if !meta.is_file() {
            return Err(CacheError::NotA {
                path: path.to_path_buf(),
                expected: "file",
            });
        }
        let stat = FileStat::of(&meta);
        if let Some(d) = self.memo.get(&stat) {
            return Ok(d);
        }
        let started = now_ns();
        let digest = hash::hash_file(&file, stat.size, self.strategy)
            .map_err(|e| CacheError::io("hash", path, e))?;
        self.memo.put(&stat, digest, started);
        Ok(digest)
    }

    /// The digest of the directory at `path` and its files.
    pub fn dir(&self, path: &Path) -> Result<DirDigest> {
        if !path.is_dir() {
            return Err(CacheError::NotA {
                path: path.to_path_buf(),
                expected: "directory",
            });
        }
        let mut found: Vec<(String, PathBuf)> = Vec::new();
        for entry in walkdir::WalkDir::new(path).follow_links(true) {
            let entry = entry.map_err(|e| {
                let at = e.path().unwrap_or(path).to_path_buf();
                CacheError::io("walk", at, e.into())
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(path).unwrap_or(entry.path());
            found.push((relative(rel), entry.path().to_path_buf()));
        }
        // Byte order of the `/`-separated text: the same on every platform.
        found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let files: Vec<DirFile> = found
            .into_par_iter()
            .map(|(rel, full)| {
                let digest = self.file(&full)?;
                let bytes = std::fs::metadata(&full).map(|m| m.len()).unwrap_or(0);
                Ok(DirFile {
                    path: rel,
                    digest,
                    bytes,
                })
            })
            .collect::<Result<_>>()?;
        Ok(DirDigest {
            digest: dir_digest(&files),
            files,
        })
    }
}

/// The digest over a directory's files (sorted by path).
pub fn dir_digest(files: &[DirFile]) -> Digest {
    let mut h = blake3::Hasher::new();
    h.update(b"scalable-dir-v1\0");
    h.update(&(files.len() as u64).to_le_bytes());
    for f in files {
        h.update(&(f.path.len() as u64).to_le_bytes());
        h.update(f.path.as_bytes());
        h.update(&f.digest.0);
    }
    h.finalize().into()
}

fn relative(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Inputs {
        Inputs::new(Memo::new(None, true))
    }

    #[test]
    fn directory_digest_follows_content_and_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/x.txt"), "x").unwrap();
        std::fs::write(dir.path().join("y.txt"), "y").unwrap();
        let first = inputs().dir(dir.path()).unwrap();
        assert_eq!(
            first
                .files
                .iter()
                .map(|f| f.path.as_str())
                .collect::<Vec<_>>(),
            ["a/b/x.txt", "y.txt"]
        );
        // An empty directory does not count.
        std::fs::create_dir(dir.path().join("empty")).unwrap();
        assert_eq!(inputs().dir(dir.path()).unwrap().digest, first.digest);
        std::fs::write(dir.path().join("a/b/x.txt"), "X").unwrap();
        assert_ne!(inputs().dir(dir.path()).unwrap().digest, first.digest);
        std::fs::write(dir.path().join("a/b/x.txt"), "x").unwrap();
        std::fs::rename(dir.path().join("y.txt"), dir.path().join("z.txt")).unwrap();
        assert_ne!(inputs().dir(dir.path()).unwrap().digest, first.digest);
    }

    #[test]
    fn the_same_content_elsewhere_has_the_same_digest() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for d in [a.path(), b.path()] {
            std::fs::write(d.join("f"), "same").unwrap();
        }
        let i = inputs();
        assert_eq!(
            i.file(&a.path().join("f")).unwrap(),
            i.file(&b.path().join("f")).unwrap()
        );
        assert_eq!(
            i.dir(a.path()).unwrap().digest,
            i.dir(b.path()).unwrap().digest
        );
    }

    #[test]
    fn wrong_kinds_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = inputs().file(dir.path()).unwrap_err();
        assert_eq!(err.code(), "E_CACHE_INPUT");
        std::fs::write(dir.path().join("f"), "").unwrap();
        let err = inputs().dir(&dir.path().join("f")).unwrap_err();
        assert!(err.to_string().contains("is not a directory"), "{err}");
        let err = inputs().file(&dir.path().join("missing")).unwrap_err();
        assert_eq!(err.code(), "E_CACHE_IO");
    }
}

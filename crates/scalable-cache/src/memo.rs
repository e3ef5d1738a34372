//! The stat memo: (device, inode, size, mtime_ns, ctime_ns) → content digest,
//! so an unchanged large input is not read again.
//!
//! Two layers: a map in this process, and one small file per stat under
//! `memo-v1/` in the cache directory, shared by every process of the project
//! (a worker reuses what another hashed). A file whose times are within
//! [`RACY_NS`] of when it was hashed is not memoised: a write in the same
//! timestamp tick would leave the stat unchanged (git's "racily clean"
//! problem). `SCALABLE_CACHE_PARANOID=1` turns the memo off.

use std::collections::HashMap;
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::atomic;
use crate::digest::Digest;

/// Files changed this recently (ns) are hashed every time.
pub const RACY_NS: i128 = 2_000_000_000;

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileStat {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i128,
    /// Status-change time, ns since the epoch (changes on every write and rename).
    pub ctime_ns: i128,
}

impl FileStat {
    /// The stat of a file's metadata.
    #[cfg(unix)]
    pub fn of(m: &Metadata) -> FileStat {
        use std::os::unix::fs::MetadataExt;
        FileStat {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
            ctime_ns: i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()),
        }
    }

    /// The stat of a file's metadata (no inode here: never memoised).
    #[cfg(not(unix))]
    pub fn of(m: &Metadata) -> FileStat {
        FileStat {
            dev: 0,
            ino: 0,
            size: m.len(),
            mtime_ns: 0,
            ctime_ns: 0,
        }
    }

    fn bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..8].copy_from_slice(&self.dev.to_le_bytes());
        out[8..16].copy_from_slice(&self.ino.to_le_bytes());
        out[16..24].copy_from_slice(&self.size.to_le_bytes());
        out[24..40].copy_from_slice(&self.mtime_ns.to_le_bytes());
        out[40..56].copy_from_slice(&self.ctime_ns.to_le_bytes());
        out
    }

    /// Whether the file changed too recently (relative to `now_ns`) to memoise.
    pub fn racy(&self, now_ns: i128) -> bool {
        self.ino == 0 || now_ns - self.mtime_ns.max(self.ctime_ns) < RACY_NS
    }
}

/// The memo of one process over one cache directory.
#[derive(Debug)]
pub struct Memo {
    dir: Option<PathBuf>,
    enabled: bool,
    mem: Mutex<HashMap<FileStat, Digest>>,
}

impl Memo {
    /// A memo kept under `dir` (None: in this process only); `enabled` false
    /// never reads or writes it.
    pub fn new(dir: Option<PathBuf>, enabled: bool) -> Memo {
        Memo {
            dir,
            enabled,
            mem: Mutex::new(HashMap::new()),
        }
    }

    /// Whether it is used at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn file(&self, stat: &FileStat) -> Option<PathBuf> {
        let name = Digest::of(&stat.bytes()).to_hex();
        Some(self.dir.as_ref()?.join(&name[..2]).join(&name[..40]))
    }

    /// The digest memoised for `stat`, if any.
    pub fn get(&self, stat: &FileStat) -> Option<Digest> {
        if !self.enabled {
            return None;
        }
        if let Some(d) = self.mem.lock().ok()?.get(stat) {
            return Some(*d);
        }
        let bytes = std::fs::read(self.file(stat)?).ok()?;
        let digest = decode(stat, &bytes)?;
        if let Ok(mut mem) = self.mem.lock() {
            mem.insert(*stat, digest);
        }
        Some(digest)
    }

    /// Remembers `digest` for `stat`, unless the file changed too recently
    /// (`now_ns`). A memo that cannot be written is only a lost shortcut.
    pub fn put(&self, stat: &FileStat, digest: Digest, now_ns: i128) {
        if !self.enabled || stat.racy(now_ns) {
            return;
        }
        if let Ok(mut mem) = self.mem.lock() {
            mem.insert(*stat, digest);
        }
        if let Some(path) = self.file(stat) {
            let _ = atomic::write_creating_dir(&path, &encode(stat, &digest));
        }
    }
}

/// The digest, then 8 bytes of a checksum over stat and digest, so a damaged
/// memo file reads as absent rather than as a wrong digest.
fn encode(stat: &FileStat, digest: &Digest) -> Vec<u8> {
    let mut out = digest.0.to_vec();
    out.extend_from_slice(&check(stat, digest));
    out
}

fn decode(stat: &FileStat, bytes: &[u8]) -> Option<Digest> {
    if bytes.len() != 40 {
        return None;
    }
    let digest = Digest(bytes[..32].try_into().ok()?);
    (bytes[32..] == check(stat, &digest)).then_some(digest)
}

fn check(stat: &FileStat, digest: &Digest) -> [u8; 8] {
    let mut h = blake3::Hasher::new();
    h.update(&stat.bytes());
    h.update(&digest.0);
    let mut out = [0u8; 8];
    out.copy_from_slice(&h.finalize().as_bytes()[..8]);
    out
}

/// Now, in ns since the epoch.
pub fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// The memo directory inside a cache directory.
pub fn memo_dir(cache: &Path) -> PathBuf {
    cache.join("memo-v1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(mtime_ns: i128) -> FileStat {
        FileStat {
            dev: 1,
            ino: 2,
            size: 3,
            mtime_ns,
            ctime_ns: mtime_ns,
        }
    }

    #[test]
    fn remembers_across_instances_through_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = Digest::of(b"x");
        let m = Memo::new(Some(dir.path().to_path_buf()), true);
        m.put(&stat(0), d, RACY_NS * 10);
        let again = Memo::new(Some(dir.path().to_path_buf()), true);
        assert_eq!(again.get(&stat(0)), Some(d));
        assert_eq!(again.get(&stat(1)), None);
    }

    #[test]
    fn skips_racy_files_and_when_disabled() {
        let dir = tempfile::tempdir().unwrap();
        let d = Digest::of(b"x");
        let m = Memo::new(Some(dir.path().to_path_buf()), true);
        m.put(&stat(100), d, 100 + RACY_NS / 2);
        assert_eq!(m.get(&stat(100)), None);
        let off = Memo::new(Some(dir.path().to_path_buf()), false);
        off.put(&stat(0), d, RACY_NS * 10);
        assert_eq!(off.get(&stat(0)), None);
    }

    #[test]
    fn a_damaged_memo_reads_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        let m = Memo::new(Some(dir.path().to_path_buf()), true);
        m.put(&stat(0), Digest::of(b"x"), RACY_NS * 10);
        let path = m.file(&stat(0)).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[0] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        let fresh = Memo::new(Some(dir.path().to_path_buf()), true);
        assert_eq!(fresh.get(&stat(0)), None);
    }
}

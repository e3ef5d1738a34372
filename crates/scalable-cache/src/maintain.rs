//! Looking after a cache directory: listing, statistics, verification,
//! pruning and clearing. Each is safe to run while workers use the cache:
//! entries are removed by unlinking whole files, and a blob is removed only
//! when no entry refers to it and it is older than [`GRACE`] (a writer
//! publishes its blob before its entry).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::atomic::TMP_PREFIX;
use crate::digest::Digest;
use crate::entry::{self, Meta};
use crate::error::{CacheError, Result};
use crate::lease;
use crate::store::{BLOBS, ENTRIES, LEASES, Lookup, QUARANTINE, Store, now_s};

/// Unreferenced blobs and temp files younger than this are left alone: they
/// may belong to a write in progress.
pub const GRACE: Duration = Duration::from_secs(3600);

/// One entry file as listed.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The entry file.
    pub path: PathBuf,
    /// Its size on disk, plus its value blob's when the value is not inline.
    pub bytes: u64,
    /// The metadata, or why it does not read.
    pub meta: std::result::Result<Meta, String>,
}

fn files_in(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(shards) = std::fs::read_dir(root) else {
        return out;
    };
    for shard in shards.flatten() {
        let Ok(files) = std::fs::read_dir(shard.path()) else {
            continue;
        };
        for f in files.flatten() {
            let name = f.file_name();
            if !name.to_string_lossy().starts_with(TMP_PREFIX) {
                out.push(f.path());
            }
        }
    }
    out.sort();
    out
}

fn temp_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [root.join(ENTRIES), root.join(BLOBS), root.join("memo-v1")] {
        let Ok(shards) = std::fs::read_dir(&dir) else {
            continue;
        };
        for shard in shards.flatten() {
            for f in std::fs::read_dir(shard.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if f.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                    out.push(f.path());
                }
            }
        }
    }
    out
}

fn aged(path: &Path, age: Duration) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|a| a > age)
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

impl Store {
    /// Every entry, sorted by creation time (unreadable ones first).
    pub fn list(&self) -> Vec<Listed> {
        let mut out: Vec<Listed> = files_in(&self.dir().join(ENTRIES))
            .into_iter()
            .map(|path| {
                let bytes = std::fs::read(&path);
                let meta = match &bytes {
                    Ok(b) => entry::decode(b).map(|(m, _)| m).map_err(|d| d.0),
                    Err(e) => Err(e.to_string()),
                };
                let mut total = bytes.as_ref().map_or(0, |b| b.len() as u64);
                if let Ok(m) = &meta
                    && !m.value.inline
                {
                    total += size(&self.blob_path(&m.value.digest));
                }
                Listed {
                    path,
                    bytes: total,
                    meta,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            let t = |l: &Listed| l.meta.as_ref().map_or(f64::MIN, |m| m.created);
            t(a).total_cmp(&t(b)).then_with(|| a.path.cmp(&b.path))
        });
        out
    }

    /// The entry whose key starts with `prefix` (at least 4 hex digits).
    pub fn find(&self, prefix: &str) -> Result<Listed> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(CacheError::UnknownKey(prefix));
        }
        let dir = self.dir().join(ENTRIES).join(&prefix[..2]);
        let mut matches: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
            })
            .collect();
        matches.sort();
        match matches.len() {
            0 => Err(CacheError::UnknownKey(prefix)),
            1 => {
                let path = matches.remove(0);
                let listed = self
                    .list_one(&path)
                    .ok_or_else(|| CacheError::UnknownKey(prefix.clone()))?;
                Ok(listed)
            }
            _ => Err(CacheError::AmbiguousKey {
                prefix,
                matches: matches
                    .iter()
                    .take(5)
                    .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .collect(),
            }),
        }
    }

    fn list_one(&self, path: &Path) -> Option<Listed> {
        let bytes = std::fs::read(path).ok()?;
        let meta = entry::decode(&bytes).map(|(m, _)| m).map_err(|d| d.0);
        let mut total = bytes.len() as u64;
        if let Ok(m) = &meta
            && !m.value.inline
        {
            total += size(&self.blob_path(&m.value.digest));
        }
        Some(Listed {
            path: path.to_path_buf(),
            bytes: total,
            meta,
        })
    }

    /// Counts and sizes.
    pub fn stats(&self) -> Stats {
        let listed = self.list();
        let mut s = Stats {
            dir: self.dir().display().to_string(),
            ..Stats::default()
        };
        for l in &listed {
            match &l.meta {
                Ok(m) => {
                    s.entries += 1;
                    s.bytes += l.bytes;
                    s.value_bytes += m.value.bytes;
                    let f = s.functions.entry(m.function.clone()).or_default();
                    f.entries += 1;
                    f.bytes += l.bytes;
                    f.compute_s += m.compute_s;
                    f.newest = f.newest.max(m.created);
                    s.oldest = Some(s.oldest.map_or(m.created, |o: f64| o.min(m.created)));
                    s.newest = Some(s.newest.map_or(m.created, |o: f64| o.max(m.created)));
                }
                Err(_) => s.damaged += 1,
            }
        }
        let blobs = files_in(&self.dir().join(BLOBS));
        s.blobs = blobs.len() as u64;
        s.disk_bytes = blobs.iter().map(|p| size(p)).sum::<u64>()
            + listed.iter().map(|l| size(&l.path)).sum::<u64>();
        s.quarantined =
            std::fs::read_dir(self.dir().join(QUARANTINE)).map_or(0, |d| d.count() as u64);
        s.leases = std::fs::read_dir(self.dir().join(LEASES)).map_or(0, |d| d.count() as u64);
        s
    }

    /// Verifies every entry and blob. `repair` quarantines what is damaged,
    /// removes entries whose blob is missing, temp files older than
    /// [`GRACE`] and stale leases. `progress` gets (bytes done, bytes total).
    pub fn verify(&self, repair: bool, progress: &mut dyn FnMut(u64, u64)) -> VerifyReport {
        let entries = files_in(&self.dir().join(ENTRIES));
        let blobs = files_in(&self.dir().join(BLOBS));
        let total: u64 = entries.iter().chain(&blobs).map(|p| size(p)).sum();
        let mut done = 0;
        let mut report = VerifyReport::default();
        progress(0, total);
        let verifier = Store::at(self.dir());
        for path in &entries {
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    report.problem(path, format!("unreadable: {e}"), false);
                    continue;
                }
            };
            done += bytes.len() as u64;
            report.entries += 1;
            report.bytes += bytes.len() as u64;
            match entry::decode(&bytes) {
                Err(d) => {
                    let moved =
                        repair && verifier.quarantine(path, d.0.clone()).quarantined.is_some();
                    report.problem(path, d.0, moved);
                }
                Ok((meta, _)) if !meta.value.inline => {
                    let blob = self.blob_path(&meta.value.digest);
                    if !blob.exists() {
                        let reason = format!("its value blob `{}` is missing", blob.display());
                        let moved = repair
                            && verifier
                                .quarantine(path, reason.clone())
                                .quarantined
                                .is_some();
                        report.problem(path, reason, moved);
                    }
                }
                Ok(_) => {}
            }
            progress(done, total);
        }
        for path in &blobs {
            let digest = path
                .file_name()
                .and_then(|n| Digest::from_hex(&n.to_string_lossy()));
            let bytes = std::fs::read(path).unwrap_or_default();
            done += bytes.len() as u64;
            report.blobs += 1;
            report.bytes += bytes.len() as u64;
            if digest != Some(Digest::of(&bytes)) {
                let reason = "blob digest mismatch".to_owned();
                let moved = repair
                    && verifier
                        .quarantine(path, reason.clone())
                        .quarantined
                        .is_some();
                report.problem(path, reason, moved);
            }
            progress(done, total);
        }
        if repair {
            // Entries whose blob was just quarantined.
            for path in &entries {
                if let Ok(bytes) = std::fs::read(path)
                    && let Ok(Lookup::Corrupt(c)) = verifier.verify_entry(path, &bytes, None)
                {
                    report.problem(&c.path, c.reason, c.quarantined.is_some());
                }
            }
            report.removed_temps = self.remove_temps();
            report.removed_leases = self.remove_stale_leases();
        }
        report
    }

    fn remove_temps(&self) -> u64 {
        let mut n = 0;
        for t in temp_files(self.dir()) {
            if aged(&t, GRACE) && std::fs::remove_file(&t).is_ok() {
                n += 1;
            }
        }
        n
    }

    fn remove_stale_leases(&self) -> u64 {
        let mut n = 0;
        for l in std::fs::read_dir(self.dir().join(LEASES))
            .into_iter()
            .flatten()
            .flatten()
        {
            if lease::stale(&l.path()) && std::fs::remove_file(l.path()).is_ok() {
                n += 1;
            }
        }
        n
    }

    /// Removes entries created more than `older_than` ago, then the oldest
    /// until the cache holds at most `max_size` bytes, then blobs no entry
    /// refers to (older than [`GRACE`]), old temp files and stale leases.
    pub fn prune(&self, older_than: Option<Duration>, max_size: Option<u64>) -> PruneReport {
        let mut listed = self.list();
        let mut report = PruneReport::default();
        let cutoff = older_than.map(|a| now_s() - a.as_secs_f64());
        let mut keep = Vec::with_capacity(listed.len());
        for l in listed.drain(..) {
            let too_old = match (&l.meta, cutoff) {
                (Ok(m), Some(c)) => m.created < c,
                (Ok(_), None) => false,
                // Unreadable entries are never worth keeping.
                (Err(_), _) => true,
            };
            if too_old {
                report.remove(&l);
            } else {
                keep.push(l);
            }
        }
        if let Some(max) = max_size {
            let mut total: u64 = keep.iter().map(|l| l.bytes).sum();
            // `keep` is oldest first.
            let mut rest = Vec::with_capacity(keep.len());
            for l in keep.drain(..) {
                if total > max {
                    total -= l.bytes;
                    report.remove(&l);
                } else {
                    rest.push(l);
                }
            }
            keep = rest;
        }
        let referenced: HashSet<Digest> = keep
            .iter()
            .filter_map(|l| l.meta.as_ref().ok())
            .flat_map(|m| {
                std::iter::once(m.value.digest).chain(m.parts.args.iter().filter_map(|a| a.listing))
            })
            .collect();
        for blob in files_in(&self.dir().join(BLOBS)) {
            let digest = blob
                .file_name()
                .and_then(|n| Digest::from_hex(&n.to_string_lossy()));
            let unreferenced = digest.is_none_or(|d| !referenced.contains(&d));
            if unreferenced && aged(&blob, GRACE) {
                let n = size(&blob);
                if std::fs::remove_file(&blob).is_ok() {
                    report.blobs += 1;
                    report.bytes += n;
                }
            }
        }
        report.removed_temps = self.remove_temps();
        report.removed_leases = self.remove_stale_leases();
        report.kept = keep.len() as u64;
        report.kept_bytes = keep.iter().map(|l| l.bytes).sum();
        report
    }

    /// Removes every entry, blob, lease, memo and quarantined file (only the
    /// cache's own directories: nothing else in `dir`). Returns entries removed.
    pub fn clear(&self) -> Result<u64> {
        let entries = files_in(&self.dir().join(ENTRIES)).len() as u64;
        for sub in [ENTRIES, BLOBS, LEASES, "memo-v1", QUARANTINE] {
            let path = self.dir().join(sub);
            match std::fs::remove_dir_all(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(CacheError::io("remove", path, e)),
            }
        }
        Ok(entries)
    }
}

/// What `stats` reports.
#[derive(Debug, Default, Serialize)]
pub struct Stats {
    /// The cache directory.
    pub dir: String,
    /// Readable entries.
    pub entries: u64,
    /// Entries that do not read.
    pub damaged: u64,
    /// Bytes of readable entries and their value blobs.
    pub bytes: u64,
    /// Bytes of the stored values.
    pub value_bytes: u64,
    /// Bytes of every entry and blob file.
    pub disk_bytes: u64,
    /// Blob files.
    pub blobs: u64,
    /// Files in `quarantine/`.
    pub quarantined: u64,
    /// Lease files.
    pub leases: u64,
    /// Oldest and newest entry, seconds since the epoch.
    pub oldest: Option<f64>,
    /// Newest entry.
    pub newest: Option<f64>,
    /// Per function.
    pub functions: BTreeMap<String, FunctionStats>,
}

/// Per-function counts.
#[derive(Debug, Default, Serialize)]
pub struct FunctionStats {
    /// Entries.
    pub entries: u64,
    /// Their bytes.
    pub bytes: u64,
    /// The compute time they hold (what hits on all of them would save once).
    pub compute_s: f64,
    /// The newest entry's creation time.
    pub newest: f64,
}

/// One damaged file.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub reason: String,
    /// Moved to `quarantine/` (with `--repair`).
    pub quarantined: bool,
}

/// What `verify` found.
#[derive(Debug, Default, Serialize)]
pub struct VerifyReport {
    /// Entries checked.
    pub entries: u64,
    /// Blobs checked.
    pub blobs: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Damaged files.
    pub problems: Vec<Problem>,
    /// Temp files removed (repair).
    pub removed_temps: u64,
    /// Stale leases removed (repair).
    pub removed_leases: u64,
}

impl VerifyReport {
    fn problem(&mut self, path: &Path, reason: String, quarantined: bool) {
        let path = path.display().to_string();
        if let Some(p) = self.problems.iter_mut().find(|p| p.path == path) {
            p.quarantined |= quarantined;
            return;
        }
        self.problems.push(Problem {
            path,
            reason,
            quarantined,
        });
    }

    /// No damage found.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What `prune` removed.
#[derive(Debug, Default, Serialize)]
pub struct PruneReport {
    /// Entries removed.
    pub entries: u64,
    /// Blobs removed.
    pub blobs: u64,
    /// Bytes freed.
    pub bytes: u64,
    /// Entries kept.
    pub kept: u64,
    /// Their bytes.
    pub kept_bytes: u64,
    /// Temp files removed.
    pub removed_temps: u64,
    /// Stale leases removed.
    pub removed_leases: u64,
}

impl PruneReport {
    fn remove(&mut self, l: &Listed) {
        let n = size(&l.path);
        if std::fs::remove_file(&l.path).is_ok() {
            self.entries += 1;
            self.bytes += n;
        }
    }
}

//! Leases: "host:pid is computing this key until T", so concurrent callers of
//! one key wait for the first instead of all computing it.
//!
//! A lease is an optimisation, never needed for correctness: it is created
//! with `O_EXCL` (atomic on local file systems and on NFSv3+), expires, and is
//! taken over when it has expired or its holder is a dead process on this
//! host. If two callers end up computing anyway, both publish complete entries
//! and the last rename stays.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::error::{CacheError, Result};
use crate::store::{LEASES, Lookup, Store, now_s};

/// A held lease; dropping it releases it.
#[derive(Debug)]
pub struct Lease {
    path: PathBuf,
    token: String,
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Release only our own lease: it may have expired and been taken over.
        if let Ok(text) = std::fs::read_to_string(&self.path)
            && serde_json::from_str::<Holder>(&text).is_ok_and(|h| h.token == self.token)
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Holder {
    host: String,
    pid: u32,
    expires: f64,
    token: String,
}

/// What [`Store::acquire`] came back with.
#[derive(Debug)]
pub enum Acquired {
    /// The entry exists now (a hit, or a damaged entry now quarantined).
    Found(Lookup),
    /// No entry: compute it. The lease is held unless leases are off or the
    /// wait ran out.
    Compute(Option<Lease>),
}

impl Store {
    /// The lease file of `key`.
    pub fn lease_path(&self, key: &Digest) -> PathBuf {
        self.dir().join(LEASES).join(key.to_hex())
    }

    /// Looks `key` up; on a miss takes its lease (valid for `ttl`; zero: no
    /// leases) or, while another live caller holds it, waits for its entry.
    /// Waits at most `ttl` in all.
    pub fn acquire(&self, key: &Digest, ttl: Duration) -> Result<Acquired> {
        let deadline = Instant::now() + ttl;
        let mut pause = Duration::from_millis(5);
        loop {
            match self.get(key)? {
                Lookup::Miss => {}
                found => return Ok(Acquired::Found(found)),
            }
            if ttl.is_zero() || Instant::now() >= deadline {
                return Ok(Acquired::Compute(None));
            }
            if let Some(lease) = self.try_lease(key, ttl)? {
                // It may have been published between our look and our lease.
                return Ok(match self.get(key)? {
                    Lookup::Miss => Acquired::Compute(Some(lease)),
                    found => Acquired::Found(found),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 3 / 2).min(Duration::from_millis(200));
        }
    }

    /// Takes the lease of `key` for `ttl`, or None while someone else holds it.
    pub fn try_lease(&self, key: &Digest, ttl: Duration) -> Result<Option<Lease>> {
        let path = self.lease_path(key);
        let holder = Holder {
            host: hostname(),
            pid: std::process::id(),
            expires: now_s() + ttl.as_secs_f64(),
            token: format!("{}-{}-{}", std::process::id(), now_s(), rand_u64()),
        };
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let text = serde_json::to_string(&holder).unwrap_or_default();
                    f.write_all(text.as_bytes())
                        .map_err(|e| CacheError::io("write", &path, e))?;
                    return Ok(Some(Lease {
                        path,
                        token: holder.token,
                    }));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if !stale(&path) {
                        return Ok(None);
                    }
                    // Expired or abandoned: take it over (once).
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    std::fs::create_dir_all(self.dir().join(LEASES))
                        .map_err(|e| CacheError::io("create", self.dir().join(LEASES), e))?;
                }
                Err(e) => return Err(CacheError::io("create", path, e)),
            }
        }
        Ok(None)
    }
}

/// Whether the lease at `path` has expired or its holder is gone.
pub(crate) fn stale(path: &std::path::Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    match serde_json::from_str::<Holder>(&text) {
        Ok(h) => h.expires < now_s() || (h.host == hostname() && !alive(h.pid)),
        // Being written right now, or damaged: stale once it is a few seconds old.
        Err(_) => std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(10)),
    }
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
}

/// This machine's name.
pub fn hostname() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is writable for its whole length.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc == 0 {
            let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
            return String::from_utf8_lossy(&buf[..end]).into_owned();
        }
    }
    "localhost".into()
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::Instant::now().elapsed().as_nanos());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_release_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let key = Digest::of(b"k");
        let ttl = Duration::from_secs(60);
        let lease = store.try_lease(&key, ttl).unwrap().expect("free");
        assert!(store.try_lease(&key, ttl).unwrap().is_none());
        drop(lease);
        assert!(store.try_lease(&key, ttl).unwrap().is_some());
    }

    #[test]
    fn expired_and_orphaned_leases_are_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let key = Digest::of(b"k");
        let held = store.try_lease(&key, Duration::from_millis(1)).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let again = store.try_lease(&key, Duration::from_secs(60)).unwrap();
        assert!(again.is_some(), "an expired lease is taken over");
        // The first holder's drop must not release the new holder's lease.
        drop(held);
        assert!(store.lease_path(&key).exists());
        drop(again);
        // A lease of a process that no longer exists on this host.
        let orphan = Holder {
            host: hostname(),
            pid: i32::MAX as u32 - 7,
            expires: now_s() + 3600.0,
            token: "t".into(),
        };
        std::fs::write(
            store.lease_path(&key),
            serde_json::to_string(&orphan).unwrap(),
        )
        .unwrap();
        assert!(
            store
                .try_lease(&key, Duration::from_secs(60))
                .unwrap()
                .is_some()
        );
    }
}

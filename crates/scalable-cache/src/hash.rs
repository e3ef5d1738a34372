//! Hashing one file's content with BLAKE3, by the fastest route for where
//! its pages are.
//!
//! Measured on this project's 2-core machine (docs/performance.md): a file
//! already in the page cache hashes fastest memory-mapped and split across
//! threads (rayon), while a file that must come from disk hashes fastest as a
//! plain sequential read — faulting a cold mapping in page by page was several
//! times slower than streaming it. `Strategy::Auto` asks the kernel
//! (`mincore`) how much of the file is resident and picks accordingly.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::digest::Digest;

/// Files smaller than this are read in one go: a mapping costs more than it saves.
const SMALL: u64 = 1 << 20;
/// The read size when streaming.
const CHUNK: usize = 1 << 20;
/// At least this fraction resident counts as warm.
const WARM: f64 = 0.9;

/// How to read a file for hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Memory-map when the file is in the page cache, else stream.
    Auto,
    /// Sequential reads into a buffer, hashed on one thread.
    Stream,
    /// Memory-map and hash on every core.
    MmapRayon,
}

/// The BLAKE3 digest of the content of `path`.
pub fn hash_path(path: &Path, strategy: Strategy) -> std::io::Result<Digest> {
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    hash_file(&file, size, strategy)
}

/// The BLAKE3 digest of the content of an open file of `size` bytes.
pub fn hash_file(file: &File, size: u64, strategy: Strategy) -> std::io::Result<Digest> {
    if size < SMALL || strategy == Strategy::Stream {
        return stream(file, size);
    }
    // SAFETY: the map is read while the file may change underneath; that
    // yields some bytes of the file (a digest that will not match the next
    // read), never undefined behaviour for plain bytes on Linux.
    let map = unsafe { memmap2::Mmap::map(file)? };
    if strategy == Strategy::Auto && resident_fraction(&map) < WARM {
        drop(map);
        return stream(file, size);
    }
    let mut hasher = blake3::Hasher::new();
    hasher.update_rayon(&map);
    Ok(hasher.finalize().into())
}

fn stream(mut file: &File, size: u64) -> std::io::Result<Digest> {
    advise_sequential(file);
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; CHUNK.min(usize::try_from(size).unwrap_or(CHUNK).max(8192))];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

#[cfg(target_os = "linux")]
fn advise_sequential(file: &File) {
    use std::os::fd::AsRawFd;
    // SAFETY: advisory only, on a valid descriptor.
    unsafe {
        libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_SEQUENTIAL);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_sequential(_file: &File) {}

/// The fraction of a mapping's pages in the page cache (0 when unknown).
#[cfg(unix)]
pub fn resident_fraction(map: &memmap2::Mmap) -> f64 {
    if map.is_empty() {
        return 1.0;
    }
    // SAFETY: sysconf has no preconditions.
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    let pages = map.len().div_ceil(page);
    let mut vec = vec![0u8; pages];
    // SAFETY: `map` is a live mapping of `map.len()` bytes and `vec` has one
    // byte per page of it, as mincore requires; only residency is queried.
    let rc = unsafe {
        libc::mincore(
            map.as_ptr() as *mut libc::c_void,
            map.len(),
            vec.as_mut_ptr().cast(),
        )
    };
    if rc != 0 {
        return 0.0;
    }
    let resident = vec.iter().filter(|b| **b & 1 == 1).count();
    resident as f64 / pages as f64
}

/// The fraction of a mapping's pages in the page cache (0 when unknown).
#[cfg(not(unix))]
pub fn resident_fraction(_map: &memmap2::Mmap) -> f64 {
    0.0
}

/// Asks the kernel to drop the file's clean pages from the page cache, so the
/// next read comes from disk (benchmarks of cold hashing use it).
#[cfg(target_os = "linux")]
pub fn evict(path: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let file = File::open(path)?;
    // SAFETY: advisory only, on a valid descriptor.
    let rc = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::from_raw_os_error(rc))
    }
}

/// Not supported off Linux: does nothing.
#[cfg(not(target_os = "linux"))]
pub fn evict(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_agree() {
        let dir = tempfile::tempdir().unwrap();
        for size in [0usize, 1, 8191, SMALL as usize + 12345] {
            let path = dir.path().join(format!("f{size}"));
            let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            std::fs::write(&path, &data).unwrap();
            let expected = Digest::of(&data);
            for s in [Strategy::Auto, Strategy::Stream, Strategy::MmapRayon] {
                assert_eq!(hash_path(&path, s).unwrap(), expected, "{size} {s:?}");
            }
        }
    }

    #[test]
    fn residency_is_a_fraction() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![7u8; 1 << 16]).unwrap();
        let file = File::open(&path).unwrap();
        let map = unsafe { memmap2::Mmap::map(&file).unwrap() };
        let r = resident_fraction(&map);
        assert!((0.0..=1.0).contains(&r));
    }
}

//! Publishing a file by writing a temp file in the same directory and renaming
//! it into place: a reader sees no file or the whole file, never part of one,
//! on local file systems and over NFS alike (rename within a directory is
//! atomic there too). Temp files start with `.tmp-` so listings skip them;
//! ones a killed writer left behind are removed by `verify --repair` and
//! `prune`.

use std::io::Write;
use std::path::Path;

/// The prefix of temp files; readers ignore such names.
pub const TMP_PREFIX: &str = ".tmp-";

/// Writes `bytes` to `path` via a temp file and a rename.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(TMP_PREFIX);
    // Cache files are shared by every user of the project's cache (0666 less
    // the umask), unlike tempfile's private default.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    // No fsync: a reader verifies every entry and blob against its digest, so
    // a file a power cut left empty or short reads as corrupt (quarantined and
    // recomputed), never as a wrong value.
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// [`write`], creating the parent directory first when it is missing.
pub fn write_creating_dir(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    match write(path, bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            write(path, bytes)
        }
        other => other,
    }
}

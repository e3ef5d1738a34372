//! `manifest.lock`: the SHA-256 of the canonical manifest (resolved values,
//! keys sorted, compact JSON), so a changed manifest is noticed.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Manifest;

/// The lock file's name, written beside the manifest.
pub const LOCK_FILE: &str = "manifest.lock";

/// The canonical JSON text of a manifest: keys sorted at every level.
pub fn canonical_json(manifest: &Manifest) -> String {
    let value = serde_json::to_value(manifest).expect("a manifest always serialises");
    // serde_json's Map is a BTreeMap (no preserve_order), so keys come out sorted.
    serde_json::to_string(&value).expect("a JSON value always serialises")
}

/// `sha256:<hex>` of the canonical form.
pub fn digest(manifest: &Manifest) -> String {
    let hash = Sha256::digest(canonical_json(manifest).as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// What `manifest.lock` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    /// Lock format version.
    pub version: u32,
    /// The manifest file the lock was computed from (its file name).
    pub manifest: String,
    /// `sha256:<hex>` of the canonical manifest.
    pub sha256: String,
}

impl Lock {
    /// The lock for `manifest`, read from file `manifest_file`.
    pub fn new(manifest: &Manifest, manifest_file: &Path) -> Lock {
        Lock {
            version: 1,
            manifest: manifest_file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256: digest(manifest),
        }
    }

    /// Writes the lock atomically (temp file in the same directory, then rename).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).expect("a lock always serialises") + "\n";
        crate::atomic::write(path, text.as_bytes())
    }

    /// Reads a lock file.
    pub fn read(path: &Path) -> Result<Lock, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("`{}` is not a manifest lock: {e}", path.display()))
    }
}

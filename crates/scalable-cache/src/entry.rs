//! The entry file: one file per key, read whole on a hit.
//!
//! ```text
//! "SCE1"  u32 LE meta length  u64 LE inline length  32-byte BLAKE3(meta ‖ inline)
//! meta (JSON)  inline value bytes
//! ```
//!
//! A value up to [`INLINE_MAX`] bytes lives in the entry itself, so a hit is
//! one open and one read; a larger one is a blob named by its digest. The
//! checksum covers metadata and inline value, so any damaged byte is found.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::key::KeyParts;

/// Values up to this size are stored inside the entry.
pub const INLINE_MAX: usize = 64 * 1024;

const MAGIC: &[u8; 4] = b"SCE1";
const HEADER: usize = 4 + 4 + 8 + 32;

/// Where the value is and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueRef {
    /// BLAKE3 of the value bytes.
    pub digest: Digest,
    /// Size in bytes.
    pub bytes: u64,
    /// Stored inside the entry (else in `blobs-v1/`).
    pub inline: bool,
}

/// A `FileType`/`DirType` output recorded for `check_output`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRef {
    /// `file` or `dir`.
    pub kind: String,
    /// The path the function returned.
    pub path: String,
    /// Its content digest when stored.
    pub digest: Digest,
}

/// An entry's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The key (hex).
    pub key: String,
    /// The function's qualified name.
    pub function: String,
    /// When stored, seconds since the epoch.
    pub created: f64,
    /// How long the computation took, seconds (what a hit saves).
    pub compute_s: f64,
    /// The value.
    pub value: ValueRef,
    /// The output to re-check on a hit, when the function returns a path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputRef>,
    /// The parts of the key.
    pub parts: KeyParts,
}

/// Why an entry file does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage(pub String);

/// Serialises an entry; `inline` is the value when it is stored inline.
pub fn encode(meta: &Meta, inline: &[u8]) -> Vec<u8> {
    let meta_bytes = serde_json::to_vec(meta).unwrap_or_default();
    let mut h = blake3::Hasher::new();
    h.update(&meta_bytes);
    h.update(inline);
    let mut out = Vec::with_capacity(HEADER + meta_bytes.len() + inline.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(meta_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&(inline.len() as u64).to_le_bytes());
    out.extend_from_slice(h.finalize().as_bytes());
    out.extend_from_slice(&meta_bytes);
    out.extend_from_slice(inline);
    out
}

/// Parses and verifies an entry file's bytes: its metadata and the inline
/// value (empty when the value is a blob).
pub fn decode(bytes: &[u8]) -> Result<(Meta, &[u8]), Damage> {
    if bytes.len() < HEADER || &bytes[..4] != MAGIC {
        return Err(Damage(format!(
            "not an entry of this format ({} bytes, no `SCE1` header)",
            bytes.len()
        )));
    }
    let meta_len = u32::from_le_bytes(bytes[4..8].try_into().unwrap_or_default()) as usize;
    let inline_len = u64::from_le_bytes(bytes[8..16].try_into().unwrap_or_default());
    let body = &bytes[HEADER..];
    if u64::try_from(body.len()).ok() != Some(meta_len as u64 + inline_len) {
        return Err(Damage(format!(
            "truncated or padded: {} bytes after the header, expected {}",
            body.len(),
            meta_len as u64 + inline_len
        )));
    }
    if blake3::hash(body).as_bytes() != &bytes[16..48] {
        return Err(Damage("checksum mismatch".into()));
    }
    let meta: Meta = serde_json::from_slice(&body[..meta_len])
        .map_err(|e| Damage(format!("unreadable metadata: {e}")))?;
    let inline = &body[meta_len..];
    if meta.value.inline && inline.len() as u64 != meta.value.bytes {
        return Err(Damage("inline value of the wrong size".into()));
    }
    Ok((meta, inline))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{FORMAT_VERSION, FunctionPart};

    fn meta(value: &[u8]) -> Meta {
        Meta {
            key: "k".into(),
            function: "f".into(),
            created: 1.0,
            compute_s: 2.0,
            value: ValueRef {
                digest: Digest::of(value),
                bytes: value.len() as u64,
                inline: true,
            },
            output: None,
            parts: KeyParts {
                version: FORMAT_VERSION,
                function: FunctionPart {
                    name: "f".into(),
                    source: Digest::of(b""),
                },
                args: vec![],
                image: None,
            },
        }
    }

    #[test]
    fn round_trips() {
        let bytes = encode(&meta(b"value"), b"value");
        let (m, inline) = decode(&bytes).unwrap();
        assert_eq!(m, meta(b"value"));
        assert_eq!(inline, b"value");
    }

    #[test]
    fn every_flipped_byte_is_found() {
        let bytes = encode(&meta(b"value"), b"value");
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            assert!(decode(&bad).is_err(), "byte {i} flipped went unnoticed");
        }
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "truncated to {n}");
        }
    }
}

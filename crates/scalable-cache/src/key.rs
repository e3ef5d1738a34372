//! Cache keys. A key is BLAKE3 over an explicit, ordered encoding of its
//! parts: the cache format version, the function's identity (qualified name
//! and the digest of its normalised source), each keyed argument (name, kind,
//! digest) in the function's parameter order, and the component's image.
//! Paths, hosts, times and run ids are never part of it, so the same call
//! has the same key in every run and on every machine.
//!
//! The parts are stored in each entry (with a preview or path for people) so
//! `scalable cache explain` can say which one changed between two calls.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// The cache format version in every key: bump it when the meaning of any
/// part changes, and every key changes with it.
pub const FORMAT_VERSION: u32 = 1;

/// How an argument enters the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArgKind {
    /// By canonical value (`ValueType`, and untyped primitives and containers).
    Value,
    /// By the content of the file it names (`FileType`).
    File,
    /// By the contents of the directory it names (`DirType`).
    Dir,
    /// By a stable serialisation of the object (`ObjectType`).
    Object,
    /// Untyped and not a primitive: by its pickle.
    Pickle,
}

impl ArgKind {
    fn tag(self) -> u8 {
        match self {
            ArgKind::Value => b'v',
            ArgKind::File => b'f',
            ArgKind::Dir => b'd',
            ArgKind::Object => b'o',
            ArgKind::Pickle => b'p',
        }
    }

    /// `value`, `file`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ArgKind::Value => "value",
            ArgKind::File => "file",
            ArgKind::Dir => "dir",
            ArgKind::Object => "object",
            ArgKind::Pickle => "pickle",
        }
    }

    /// Parses `value`, `file`, `dir`, `object` or `pickle`.
    pub fn parse(text: &str) -> Option<ArgKind> {
        Some(match text {
            "value" => ArgKind::Value,
            "file" => ArgKind::File,
            "dir" => ArgKind::Dir,
            "object" => ArgKind::Object,
            "pickle" => ArgKind::Pickle,
            _ => return None,
        })
    }
}

/// One keyed argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArgPart {
    /// The parameter's name.
    pub name: String,
    /// How it is keyed.
    pub kind: ArgKind,
    /// The digest that enters the key.
    pub digest: Digest,
    /// For people only (not in the key): a short form of a value, or the
    /// path a file or directory argument named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<String>,
    /// `Dir` only (not in the key): the blob listing its files and their
    /// digests, for `explain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<Digest>,
}

/// The function's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionPart {
    /// Qualified name (`Class.method`, `prepare_config`).
    pub name: String,
    /// Digest of the normalised source.
    pub source: Digest,
}

/// Everything a key is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyParts {
    /// [`FORMAT_VERSION`] when made.
    pub version: u32,
    /// The function.
    pub function: FunctionPart,
    /// Keyed arguments in parameter order (`UtilityType` ones left out).
    pub args: Vec<ArgPart>,
    /// The component's container image, when it has one.
    #[serde(default)]
    pub image: Option<String>,
}

impl KeyParts {
    /// The key: BLAKE3 over the parts' explicit encoding.
    pub fn key(&self) -> Digest {
        let mut h = blake3::Hasher::new();
        h.update(b"scalable-cache-key\0");
        h.update(&self.version.to_le_bytes());
        text(&mut h, &self.function.name);
        h.update(&self.function.source.0);
        h.update(&(self.args.len() as u64).to_le_bytes());
        for a in &self.args {
            text(&mut h, &a.name);
            h.update(&[a.kind.tag()]);
            h.update(&a.digest.0);
        }
        match &self.image {
            None => {
                h.update(&[0]);
            }
            Some(image) => {
                h.update(&[1]);
                text(&mut h, image);
            }
        }
        h.finalize().into()
    }
}

fn text(h: &mut blake3::Hasher, s: &str) {
    h.update(&(s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> KeyParts {
        KeyParts {
            version: FORMAT_VERSION,
            function: FunctionPart {
                name: "f".into(),
                source: Digest::of(b"def f(x): return x"),
            },
            args: vec![ArgPart {
                name: "x".into(),
                kind: ArgKind::Value,
                digest: Digest::of(b"1"),
                shown: Some("1".into()),
                listing: None,
            }],
            image: None,
        }
    }

    #[test]
    fn shown_values_and_listings_are_not_in_the_key() {
        let a = parts();
        let mut b = parts();
        b.args[0].shown = Some("/some/path".into());
        b.args[0].listing = Some(Digest::of(b"l"));
        assert_eq!(a.key(), b.key());
    }

    #[test]
    fn every_part_is_in_the_key() {
        let base = parts().key();
        let mut p = parts();
        p.version += 1;
        assert_ne!(p.key(), base);
        let mut p = parts();
        p.function.name = "g".into();
        assert_ne!(p.key(), base);
        let mut p = parts();
        p.function.source = Digest::of(b"other");
        assert_ne!(p.key(), base);
        let mut p = parts();
        p.args[0].name = "y".into();
        assert_ne!(p.key(), base);
        let mut p = parts();
        p.args[0].kind = ArgKind::Object;
        assert_ne!(p.key(), base);
        let mut p = parts();
        p.args[0].digest = Digest::of(b"2");
        assert_ne!(p.key(), base);
        let mut p = parts();
        p.image = Some("ghcr.io/x:1".into());
        assert_ne!(p.key(), base);
    }

    #[test]
    fn the_key_is_stable() {
        // A key written today must be found tomorrow: this pins the encoding.
        assert_eq!(
            parts().key().to_hex(),
            "47b5ca9cf733affa70b095b9faba6b2d884754e9c6251586423163c673df20e4"
        );
    }
}

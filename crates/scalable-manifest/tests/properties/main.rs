//! Properties of the manifest layer, checked on generated input:
//!
//! 1. every generated valid manifest validates, for the whole file and for each
//!    target, and its canonical JSON parses back to the same model and digest;
//! 2. overlay merge laws on YAML trees;
//! 3. the lock digest does not depend on the order keys are written in;
//! 4. no input makes loading, validating or rendering panic (as the fuzz
//!    target does, but on every `cargo test`);
//! 5. an overlay file is the same as writing its values into the manifest.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::Index;
use scalable_manifest::yaml::{Kind, Node, Plain, Pos, Scalar};
use scalable_manifest::{
    Document, Env, Manifest, canonical_json, digest, load_str, manifest_schema, merge, render,
};
use serde_json::{Value, json};

pub(crate) const EXAMPLE: &str = include_str!("../../../../docs/examples/scalable.demeter.yaml");

mod emit;
mod generate;
mod manifests;
mod overlay;
mod overlay_file;
mod robustness;

pub(crate) use emit::*;
pub(crate) use generate::*;

//! One pass over the positioned tree that reports every problem and, when
//! there are none, yields the typed [`Manifest`](crate::Manifest).

mod component;
mod manifest;
mod reader;
mod target;

pub use manifest::{OVERLAY_KEYS, TOP_KEYS};
pub(crate) use manifest::{manifest, overlay, overlay_keys, unknown_name};
pub(crate) use reader::Ctx;
pub use target::PROVIDER_KEYS;

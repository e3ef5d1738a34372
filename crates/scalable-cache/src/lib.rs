//! The result cache behind `@cacheable`: BLAKE3 cache keys over an explicit
//! canonical encoding, file and directory hashing with a stat memo, and a
//! content-addressed store that is safe to share between many processes on
//! many nodes over NFS (temp + rename publishing, verified reads, optional
//! expiring leases, no reliance on locks). See docs/caching.md.

pub mod atomic;
pub mod cache;
pub mod canon;
pub mod digest;
pub mod entry;
pub mod error;
pub mod explain;
pub mod hash;
pub mod inputs;
pub mod key;
pub mod lease;
pub mod maintain;
pub mod memo;
pub mod store;
pub mod units;

pub use cache::{Cache, Options, resolve_dir};
pub use canon::Value;
pub use digest::Digest;
pub use entry::{Meta, OutputRef};
pub use error::{CacheError, Result};
pub use key::{ArgKind, ArgPart, FORMAT_VERSION, FunctionPart, KeyParts};
pub use lease::{Acquired, Lease};
pub use store::{Corruption, Hit, Lookup, NewEntry, Store};

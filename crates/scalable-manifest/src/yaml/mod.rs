//! YAML with positions: a tree where every node knows its line and column.

mod load;
mod node;

pub use load::{Limits, parse};
pub use node::{Kind, Node, Plain, Pos, Scalar};

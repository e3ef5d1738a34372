//! Plans: a manifest resolved for one target becomes a deterministic plan
//! (worker groups, sizing per provider, scaling, storage, duration, cost).
//! Everything downstream reads the plan, never the YAML.

mod cost;
mod document;
mod duration;
pub mod emit;
mod error;
mod model;
mod planner;
mod policy;
mod prices;
pub mod profiles;
mod read;
pub mod render;
mod request;
mod sizing;

pub use document::{Failure, plan_document};
pub use error::PlanError;
pub use model::*;
pub use planner::plan;
pub use read::{from_str, read, schema, to_json};
pub use request::{Context, DEFAULT_SCENARIOS, History, Request};

//! What the caller asks for and what the planner may know about the world.

use std::path::PathBuf;

use crate::model::{Machine, Objective, Policy};

/// Scenarios planned for when the caller does not say.
pub const DEFAULT_SCENARIOS: u32 = 10;

/// The knobs of one planning request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The target (the manifest passed in is already resolved for it).
    pub target: String,
    /// The overlay that target applied, if any.
    pub overlay: Option<String>,
    /// Objective.
    pub objective: Objective,
    /// Policy.
    pub policy: Policy,
    /// Scenarios to plan for (default [`DEFAULT_SCENARIOS`]).
    pub scenarios: Option<u32>,
}

/// Facts from outside the manifest.
#[derive(Debug, Clone)]
pub struct Context {
    /// This machine (used by `local` targets).
    pub machine: Machine,
    /// The manifest's directory: relative host paths resolve against it.
    pub manifest_dir: PathBuf,
    /// `sha256:` digest of the canonical manifest, when it validates as a whole.
    pub manifest_lock: Option<String>,
    /// Median minutes per task name from this project's earlier runs.
    pub history: Option<History>,
}

/// Task durations observed in earlier runs.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Task name -> median minutes.
    pub median_minutes: std::collections::BTreeMap<String, f64>,
    /// How many runs they come from.
    pub runs: usize,
}

impl Machine {
    /// This machine: logical CPUs and physical memory.
    pub fn detect() -> Machine {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        let memory_bytes = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
                let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
                Some(kib * 1024)
            })
            .unwrap_or(8 << 30);
        Machine { cpus, memory_bytes }
    }
}

impl Request {
    /// A request for `target` with default objective, policy and scenarios.
    pub fn new(target: impl Into<String>) -> Request {
        Request {
            target: target.into(),
            overlay: None,
            objective: Objective::default(),
            policy: Policy::default(),
            scenarios: None,
        }
    }
}

/// Resolves `path` against `dir` unless it is absolute; no filesystem access.
pub fn absolute(dir: &std::path::Path, path: &str) -> String {
    let p = std::path::Path::new(path);
    let joined: PathBuf = if p.is_absolute() {
        p.to_path_buf()
    } else {
        dir.join(p)
    };
    normalise(&joined)
}

fn normalise(path: &std::path::Path) -> String {
    use std::path::Component;
    let mut out: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            Component::RootDir => out.clear(),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(s) => out.push(s.to_string_lossy().into_owned()),
            Component::Prefix(_) => {}
        }
    }
    format!("/{}", out.join("/"))
}

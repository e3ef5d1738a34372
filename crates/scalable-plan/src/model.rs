//! The plan: everything a launcher, `explain`, a run record or `diagnose`
//! needs to know about where and how a manifest runs. It is the contract
//! between crates and processes, so it is versioned and documented field by
//! field in docs/planning.md.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The plan schema version this crate writes and reads.
pub const PLAN_SCHEMA_VERSION: u32 = 1;

/// A resolved, deterministic execution plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Plan schema version (1).
    pub schema_version: u32,
    /// The project's name.
    pub project: String,
    /// The target planned for.
    pub target: String,
    /// The provider and its resolved options.
    pub provider: ProviderPlan,
    /// The overlay applied, if the target names one.
    pub overlay: Option<String>,
    /// Planning objective.
    pub objective: Objective,
    /// Planning policy.
    pub policy: Policy,
    /// Scenarios (fan-out tasks) planned for.
    pub scenarios: u32,
    /// The machine a `local` target runs on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<Machine>,
    /// One worker group per component, sorted by name.
    pub worker_groups: Vec<WorkerGroup>,
    /// Task bindings, sorted by name.
    pub tasks: Vec<TaskBinding>,
    /// Where outputs and the cache live.
    pub storage: Storage,
    /// Expected wall-clock duration.
    pub duration: Duration,
    /// Cost estimate.
    pub cost: Cost,
    /// Things to look at before running (e.g. a component larger than this machine).
    pub warnings: Vec<PlanWarning>,
    /// `sha256:` digest of the canonical manifest (see `manifest.lock`); null
    /// when another part of the manifest has errors and it cannot be locked.
    pub manifest_lock: Option<String>,
}

/// The provider and what the target says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderPlan {
    /// `local`, `slurm`, `kubernetes`, `aws` or `gcp`.
    pub name: String,
    /// The target's options as resolved (overlay applied), without `provider`/`overlay`.
    pub options: serde_json::Map<String, serde_json::Value>,
}

/// What the objective optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// Fewest worker-hours: a quarter of the possible fan-out workers.
    Cost,
    /// Shortest wall time: as many fan-out workers as scenarios allow.
    Time,
    /// Half of the possible fan-out workers.
    #[default]
    Balance,
}

/// How much margin and retrying the plan adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// +25% memory, 2 retries.
    Safe,
    /// No margin, no retries, spot/preemptible capacity where the provider has it.
    Aggressive,
    /// Exactly as written: no margin, no retries, no spot.
    #[default]
    Manual,
}

/// This machine, for `local` plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Machine {
    /// Logical CPUs.
    pub cpus: u32,
    /// Physical memory, bytes.
    pub memory_bytes: u64,
}

/// The workers of one component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerGroup {
    /// The component's name; also the Dask resource tasks are routed by (`tag=`).
    pub name: String,
    /// CPUs per worker as the component asks.
    pub cpus: f64,
    /// Memory per worker as the component asks, e.g. `16G`.
    pub memory: String,
    /// Memory per worker after the policy's margin (and, locally, fitting), bytes.
    pub memory_bytes: u64,
    /// Container image.
    pub image: Option<String>,
    /// Container runtime (`apptainer`, `docker`, `none`).
    pub runtime: Option<String>,
    /// Bind mounts with absolute host paths.
    pub mounts: Vec<Mount>,
    /// Environment; values of secret-named variables are `***`.
    pub env: BTreeMap<String, String>,
    /// Kubernetes volume mounts of the component (`name`, `mountPath`, ...), as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<serde_json::Value>,
    /// Kubernetes volumes of the component (`name` and a source), as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<serde_json::Value>,
    /// Free-form labels.
    pub tags: Vec<String>,
    /// How many workers.
    pub scaling: Scaling,
    /// Whether this group runs the scenario fan-out.
    pub fan_out: bool,
    /// Times Dask retries a failed task of this group.
    pub retries: u32,
    /// Runs on spot / preemptible capacity.
    pub spot: bool,
    /// What the provider is asked for, per worker.
    pub sizing: Sizing,
    /// Tasks bound to this component.
    pub tasks: Vec<String>,
}

/// A bind mount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mount {
    /// Absolute path on the host (relative paths resolve against the manifest's directory).
    pub host: String,
    /// Absolute path in the container.
    pub container: String,
}

/// A fixed number of workers or adaptive bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "lowercase", deny_unknown_fields)]
pub enum Scaling {
    /// Exactly `count` workers.
    Fixed {
        /// Workers.
        count: u32,
    },
    /// Between `minimum` and `maximum` workers, scaled with the backlog.
    Adaptive {
        /// Fewest workers.
        minimum: u32,
        /// Most workers.
        maximum: u32,
    },
}

impl Scaling {
    /// The most workers this scaling can run.
    pub fn max(&self) -> u32 {
        match *self {
            Scaling::Fixed { count } => count,
            Scaling::Adaptive { maximum, .. } => maximum,
        }
    }
}

/// What one worker asks of its provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Sizing {
    /// A local worker process.
    Local {
        /// Threads per worker.
        threads: u32,
        /// Dask memory limit per worker, bytes.
        memory_limit_bytes: u64,
    },
    /// One Slurm job per worker.
    Slurm {
        /// `--cpus-per-task`.
        cores: u32,
        /// `--mem`, e.g. `20G`.
        memory: String,
        /// `--time`.
        walltime: String,
        /// `--partition`.
        queue: Option<String>,
        /// `--account`.
        account: Option<String>,
        /// `--job-name`.
        job_name: String,
    },
    /// A pod; requests equal limits.
    Kubernetes {
        /// CPU request and limit, e.g. `4`.
        cpu: String,
        /// Memory request and limit, e.g. `16Gi`.
        memory: String,
    },
    /// A Fargate task, rounded up to a size AWS accepts.
    Fargate {
        /// CPU units (1024 = 1 vCPU).
        cpu_units: u32,
        /// Memory, MiB.
        memory_mib: u32,
    },
    /// An EC2 or GCE instance per worker.
    Instance {
        /// Instance / machine type.
        instance_type: String,
        /// Its vCPUs.
        vcpus: u32,
        /// Its memory, GiB.
        memory_gib: f64,
    },
}

/// A task bound to a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskBinding {
    /// Task name.
    pub name: String,
    /// The component (worker group) it runs on.
    pub component: String,
    /// Whether results are cached.
    pub cache: bool,
    /// Declared outputs: name -> `dir` | `file` | `value`.
    pub outputs: BTreeMap<String, String>,
}

/// Where outputs and cached results live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// Output location as written; variables unset at plan time stay `${LIKE_THIS}`.
    pub outputs: Option<String>,
    /// `local`, `s3` or `gs`.
    pub kind: String,
    /// Variables in `outputs` not yet set (resolved at run time).
    pub unresolved: Vec<String>,
    /// The result cache directory (absolute).
    pub cache: String,
}

/// How long the plan expects to run, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Duration {
    /// Expected wall-clock hours.
    pub hours: f64,
    /// `profile` (model profiles) or `history` (this project's earlier runs).
    pub basis: String,
    /// The reasoning in one sentence.
    pub detail: String,
}

/// The cost estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    /// `USD`.
    pub currency: String,
    /// One line per priced thing.
    pub items: Vec<CostItem>,
    /// Sum of the hourly rates of compute items.
    pub hourly: f64,
    /// Total for the expected duration (compute) plus a month of storage.
    pub total: f64,
    /// CPU core-hours for the expected duration.
    pub core_hours: f64,
    /// Whether money could be estimated (false for HPC/local without a core-hour price).
    pub priced: bool,
    /// Where the prices come from, and their date.
    pub price_source: String,
}

/// One priced line of the estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostItem {
    /// The worker group, or `storage`.
    pub group: String,
    /// What is priced, e.g. `10 x Fargate 4 vCPU / 16384 MiB`.
    pub description: String,
    /// Price per hour for all units (compute) or per month (storage).
    pub rate: f64,
    /// `hour` or `month`.
    pub per: String,
    /// Cost for the expected duration (or one month of storage).
    pub total: f64,
}

/// Something the user should look at before running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanWarning {
    /// Stable code, e.g. `W_EXCEEDS_MACHINE`.
    pub code: String,
    /// The worker group concerned, if any.
    pub group: Option<String>,
    /// What and why, with numbers.
    pub message: String,
}

impl Objective {
    /// Parses `cost`, `time`, `balance` (also `minimize cost`, `minimize-time`, ...).
    pub fn parse(text: &str) -> Option<Objective> {
        let t = text.trim().to_ascii_lowercase().replace(['-', '_'], " ");
        match t.strip_prefix("minimize ").unwrap_or(&t) {
            "cost" => Some(Objective::Cost),
            "time" => Some(Objective::Time),
            "balance" | "balanced" => Some(Objective::Balance),
            _ => None,
        }
    }
}

impl Objective {
    /// The word used in manifests, flags and plans.
    pub fn as_str(self) -> &'static str {
        match self {
            Objective::Cost => "cost",
            Objective::Time => "time",
            Objective::Balance => "balance",
        }
    }
}

impl Policy {
    /// The word used in flags and plans.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Safe => "safe",
            Policy::Aggressive => "aggressive",
            Policy::Manual => "manual",
        }
    }

    /// Parses `safe`, `aggressive`, `manual`.
    pub fn parse(text: &str) -> Option<Policy> {
        match text.trim().to_ascii_lowercase().as_str() {
            "safe" => Some(Policy::Safe),
            "aggressive" => Some(Policy::Aggressive),
            "manual" => Some(Policy::Manual),
            _ => None,
        }
    }
}

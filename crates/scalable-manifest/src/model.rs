//! The validated manifest. It is built only by the checker (which reports every
//! problem with a position); serialising it gives the canonical form that the
//! lock hashes, and its derived JSON Schema is what `scalable schema manifest`
//! prints.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

/// A `scalable.yaml`, schema version 1.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "scalable.yaml (schema version 1)")]
pub struct Manifest {
    /// Schema version; must be 1.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// Project metadata.
    pub project: Project,
    /// Named execution targets.
    pub targets: BTreeMap<String, Target>,
    /// Worker profiles that tasks run under.
    pub components: BTreeMap<String, Component>,
    /// Logical tasks, each bound to a component.
    pub tasks: BTreeMap<String, Task>,
    /// Partial manifests a target can deep-merge onto this one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub overlays: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// Values of secret-named variables the manifest expanded; shown as `***`.
    #[serde(skip)]
    #[schemars(skip)]
    pub secret_values: Vec<String>,
}

impl Manifest {
    /// The manifest as JSON with secrets masked: values of secret-named
    /// variables it expanded, and `env` entries whose names are secret-named.
    pub fn redacted_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).expect("a manifest always serialises");
        redact(&mut value, &self.secret_values, false);
        value
    }
}

fn redact(value: &mut serde_json::Value, secrets: &[String], secret_key: bool) {
    use serde_json::Value;
    match value {
        Value::String(s) if secret_key => *s = "***".to_string(),
        Value::String(s) => {
            for secret in secrets.iter().filter(|v| !v.is_empty()) {
                if s.contains(secret.as_str()) {
                    *s = s.replace(secret.as_str(), "***");
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact(v, secrets, false)),
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                redact(v, secrets, crate::env::is_secret_name(k) && v.is_string());
            }
        }
        _ => {}
    }
}

/// The `project` block.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Project identifier, used in run ids.
    pub name: String,
    /// Where outputs land: a local path, `s3://` or `gs://` URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_storage: Option<String>,
    /// The result cache directory (default `.scalable/cache`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_cache: Option<String>,
}

/// The providers a target can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// This machine, a Dask LocalCluster.
    Local,
    /// Dask workers as Slurm jobs.
    Slurm,
    /// The Dask Kubernetes Operator.
    Kubernetes,
    /// Dask on AWS ECS (Fargate or EC2).
    Aws,
    /// Dask on Google Cloud.
    Gcp,
}

impl Provider {
    /// Every provider, in the order docs list them.
    pub const ALL: &'static [Provider] = &[
        Provider::Local,
        Provider::Slurm,
        Provider::Kubernetes,
        Provider::Aws,
        Provider::Gcp,
    ];

    /// The name written in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Local => "local",
            Provider::Slurm => "slurm",
            Provider::Kubernetes => "kubernetes",
            Provider::Aws => "aws",
            Provider::Gcp => "gcp",
        }
    }

    /// Parses a provider name.
    pub fn parse(name: &str) -> Option<Provider> {
        Provider::ALL.iter().copied().find(|p| p.as_str() == name)
    }
}

/// A named execution target: a provider, its options and an optional overlay.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum Target {
    /// `provider: local`.
    Local(LocalTarget),
    /// `provider: slurm`.
    Slurm(SlurmTarget),
    /// `provider: kubernetes`.
    Kubernetes(KubernetesTarget),
    /// `provider: aws`.
    Aws(AwsTarget),
    /// `provider: gcp`.
    Gcp(GcpTarget),
}

impl Target {
    /// The target's provider.
    pub fn provider(&self) -> Provider {
        match self {
            Target::Local(_) => Provider::Local,
            Target::Slurm(_) => Provider::Slurm,
            Target::Kubernetes(_) => Provider::Kubernetes,
            Target::Aws(_) => Provider::Aws,
            Target::Gcp(_) => Provider::Gcp,
        }
    }

    /// The overlay this target applies, if any.
    pub fn overlay(&self) -> Option<&str> {
        match self {
            Target::Local(t) => t.overlay.as_deref(),
            Target::Slurm(t) => t.overlay.as_deref(),
            Target::Kubernetes(t) => t.overlay.as_deref(),
            Target::Aws(t) => t.overlay.as_deref(),
            Target::Gcp(t) => t.overlay.as_deref(),
        }
    }
}

/// Options of a `local` target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalTarget {
    /// Overlay to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
    /// Most workers to start on this machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_workers: Option<u32>,
    /// Threads in each worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads_per_worker: Option<u32>,
    /// Workers as processes (true) or threads of one process (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processes: Option<bool>,
    /// Whether components run in containers locally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containers: Option<ContainerRuntime>,
    /// What a core-hour costs here, for cost estimates (none: core-hours only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_core_hour: Option<f64>,
}

/// Options of a `slurm` target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlurmTarget {
    /// Overlay to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
    /// Partition (`#SBATCH --partition`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Account to charge (`#SBATCH --account`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Job time limit, `HH:MM:SS` or `D-HH:MM:SS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walltime: Option<String>,
    /// Network interface workers and scheduler talk over (e.g. `ib0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// Scheduler port workers connect to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comm_port: Option<u16>,
    /// Container runtime wrapping the worker command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_runtime: Option<SlurmContainerRuntime>,
    /// Extra `#SBATCH` lines, e.g. `--constraint=haswell`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub job_extra_directives: Vec<String>,
    /// What a core-hour costs on this cluster, for cost estimates (none: core-hours only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_core_hour: Option<f64>,
}

/// Options of a `kubernetes` target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubernetesTarget {
    /// Overlay to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
    /// Namespace the DaskCluster lives in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Default worker image for components without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Fixed worker count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_workers: Option<u32>,
    /// Adaptive scaling bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adaptive: Option<Adaptive>,
    /// Service account the worker pods run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_service_account: Option<String>,
    /// Extra pod resources (Kubernetes `resources` block).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<serde_json::Map<String, serde_json::Value>>,
    /// Environment for every worker pod.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Pod tolerations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<serde_json::Value>,
    /// Pod node selector.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
}

/// Options of an `aws` target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwsTarget {
    /// Overlay to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
    /// AWS region, e.g. `us-east-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `fargate` (default) or `ec2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_type: Option<ClusterType>,
    /// EC2 instance type (cluster_type ec2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    /// Default worker image for components without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Fixed worker count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_workers: Option<u32>,
    /// Fargate CPU units per worker (256..16384).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_cpu: Option<u32>,
    /// Fargate memory per worker, MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_mem: Option<u32>,
    /// VPC id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<String>,
    /// Subnet ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<String>,
    /// Security group ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    /// Task execution role ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// Task role ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    /// Adaptive scaling bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adaptive: Option<Adaptive>,
}

/// Options of a `gcp` target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GcpTarget {
    /// Overlay to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
    /// GCP region, e.g. `us-central1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// GCP project id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Machine type, e.g. `n2-standard-8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    /// Default worker image for components without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Fixed worker count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_workers: Option<u32>,
}

/// Adaptive scaling bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Adaptive {
    /// Fewest workers.
    pub minimum: u32,
    /// Most workers.
    pub maximum: u32,
}

/// Container runtimes a component or local target can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContainerRuntime {
    /// No container.
    None,
    /// Docker.
    Docker,
    /// Apptainer.
    Apptainer,
}

/// Container runtimes Slurm workers can be wrapped in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SlurmContainerRuntime {
    /// Apptainer.
    Apptainer,
    /// Singularity (Apptainer's predecessor).
    Singularity,
    /// No container.
    None,
}

/// AWS cluster types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClusterType {
    /// Serverless ECS tasks.
    Fargate,
    /// ECS on EC2 instances.
    Ec2,
}

/// A worker profile: what one worker of this component gets.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Container image reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Container runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<ContainerRuntime>,
    /// CPUs per worker (> 0; default 1).
    #[serde(default = "Cpus::one")]
    pub cpus: Cpus,
    /// Memory per worker, e.g. `16G`.
    pub memory: Memory,
    /// Free-form labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Host path -> absolute container path.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mounts: BTreeMap<String, String>,
    /// Environment for the component's workers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Kubernetes volume mounts (`name`, `mountPath`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<serde_json::Value>,
    /// Kubernetes volumes (`name` and a source).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<serde_json::Value>,
}

/// A CPU count, greater than 0; whole numbers serialise as integers.
#[derive(Debug, Clone, Copy, PartialEq, JsonSchema)]
#[schemars(transparent)]
pub struct Cpus(#[schemars(extend("exclusiveMinimum" = 0))] pub f64);

impl Cpus {
    /// One CPU, what a component gets when it does not say.
    pub fn one() -> Cpus {
        Cpus(1.0)
    }
}

impl Serialize for Cpus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 && self.0 < 1e15 {
            s.serialize_u64(self.0 as u64)
        } else {
            s.serialize_f64(self.0)
        }
    }
}

/// A memory size as written (`16G`) and in bytes.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(transparent)]
pub struct Memory {
    /// As written in the manifest.
    // The units `rules::parse_memory` takes: `B` alone, or a binary or
    // decimal prefix with an optional `i`/`iB`/`B` (any case).
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?([Bb]|[KkMmGgTtPp]([Ii][Bb]?|[Bb])?)$"))]
    pub text: String,
    /// In bytes.
    #[schemars(skip)]
    pub bytes: u64,
}

impl Serialize for Memory {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// A task: which component runs it, whether results are cached, its outputs.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// The component whose workers run this task.
    pub component: String,
    /// Cache results.
    #[serde(default)]
    pub cache: bool,
    /// Declared outputs: name -> kind.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, OutputKind>,
}

/// What a declared output is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    /// A directory.
    Dir,
    /// A file.
    File,
    /// A value returned by the task.
    Value,
}

//! Per-provider sizing: what one worker of a group asks its provider for.

use scalable_manifest::rules::FARGATE_SIZES;
use scalable_manifest::{ClusterType, Target};

use crate::error::PlanError;
use crate::model::{Machine, Sizing};
use crate::prices::{cheapest_fitting, prices};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// A group's request before provider rounding.
pub struct Need<'a> {
    /// Group name.
    pub group: &'a str,
    /// Project name (Slurm job names).
    pub project: &'a str,
    /// CPUs per worker.
    pub cpus: f64,
    /// Memory per worker after margin, bytes.
    pub memory_bytes: u64,
    /// Walltime for batch jobs when the target sets none, seconds.
    pub walltime_seconds: u64,
}

/// Sizes one worker for `target`.
pub fn size(target: &Target, need: &Need<'_>, machine: &Machine) -> Result<Sizing, PlanError> {
    Ok(match target {
        Target::Local(t) => Sizing::Local {
            threads: t
                .threads_per_worker
                .unwrap_or_else(|| (need.cpus.ceil() as u32).clamp(1, machine.cpus.max(1))),
            memory_limit_bytes: need.memory_bytes,
        },
        Target::Slurm(t) => Sizing::Slurm {
            cores: need.cpus.ceil().max(1.0) as u32,
            memory: slurm_memory(need.memory_bytes),
            walltime: t
                .walltime
                .clone()
                .unwrap_or_else(|| format_walltime(need.walltime_seconds)),
            queue: t.queue.clone(),
            account: t.account.clone(),
            job_name: format!("{}-{}", need.project, need.group),
        },
        Target::Kubernetes(_) => Sizing::Kubernetes {
            cpu: kubernetes_cpu(need.cpus),
            memory: kubernetes_memory(need.memory_bytes),
        },
        Target::Aws(t) if t.cluster_type == Some(ClusterType::Ec2) => {
            instance(&t.instance_type, &prices().ec2, need, "EC2")?
        }
        Target::Aws(_) => fargate(need)?,
        Target::Gcp(t) => instance(&t.instance_type, &prices().gce, need, "GCE")?,
    })
}

/// Rounds up to the smallest Fargate CPU/memory pair that holds the need.
fn fargate(need: &Need<'_>) -> Result<Sizing, PlanError> {
    let cpu_needed = (need.cpus * 1024.0).ceil() as u32;
    let mib_needed = need.memory_bytes.div_ceil(MIB) as u32;
    for &(cpu, lo, hi, step) in FARGATE_SIZES {
        if cpu < cpu_needed || hi < mib_needed {
            continue;
        }
        let steps = mib_needed.saturating_sub(lo).div_ceil(step);
        let mut mib = lo + steps * step;
        if cpu == 256 && mib == 1536 {
            mib = 2048;
        }
        return Ok(Sizing::Fargate {
            cpu_units: cpu,
            memory_mib: mib,
        });
    }
    Err(PlanError::TooLarge {
        group: need.group.to_string(),
        what: format!("{} vCPU and {} MiB", need.cpus, mib_needed),
        provider: "Fargate (16 vCPU, 120 GiB at most)".to_string(),
    })
}

fn instance(
    named: &Option<String>,
    table: &std::collections::BTreeMap<String, crate::prices::InstanceRate>,
    need: &Need<'_>,
    provider: &str,
) -> Result<Sizing, PlanError> {
    let memory_gib = need.memory_bytes as f64 / GIB as f64;
    let chosen = match named {
        Some(name) => table.get(name).map(|r| (name.as_str(), *r)),
        None => cheapest_fitting(table, need.cpus, memory_gib),
    };
    match (chosen, named) {
        (Some((name, rate)), _) => Ok(Sizing::Instance {
            instance_type: name.to_string(),
            vcpus: rate.vcpus,
            memory_gib: rate.memory_gib,
        }),
        // An instance type outside the price table is still planned; it just cannot be priced.
        (None, Some(name)) => Ok(Sizing::Instance {
            instance_type: name.clone(),
            vcpus: need.cpus.ceil() as u32,
            memory_gib,
        }),
        (None, None) => Err(PlanError::TooLarge {
            group: need.group.to_string(),
            what: format!("{} vCPU and {memory_gib:.1} GiB", need.cpus),
            provider: format!("any {provider} instance in the price table"),
        }),
    }
}

/// `--mem` for Slurm: whole GiB as `20G`, else MiB as `20480M`.
pub fn slurm_memory(bytes: u64) -> String {
    if bytes.is_multiple_of(GIB) {
        format!("{}G", bytes / GIB)
    } else {
        format!("{}M", bytes.div_ceil(MIB))
    }
}

/// Kubernetes memory quantity: `16Gi` or `2560Mi`.
pub fn kubernetes_memory(bytes: u64) -> String {
    if bytes.is_multiple_of(GIB) {
        format!("{}Gi", bytes / GIB)
    } else {
        format!("{}Mi", bytes.div_ceil(MIB))
    }
}

/// Kubernetes CPU quantity: `4` or `500m`.
pub fn kubernetes_cpu(cpus: f64) -> String {
    if cpus.fract() == 0.0 {
        format!("{}", cpus as u64)
    } else {
        format!("{}m", (cpus * 1000.0).ceil() as u64)
    }
}

/// `HH:MM:SS` (hours may exceed 24).
pub fn format_walltime(seconds: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        (seconds % 3600) / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(cpus: f64, gib: f64) -> Need<'static> {
        Need {
            group: "g",
            project: "p",
            cpus,
            memory_bytes: (gib * GIB as f64) as u64,
            walltime_seconds: 3600,
        }
    }

    fn fargate_of(cpus: f64, gib: f64) -> (u32, u32) {
        match fargate(&need(cpus, gib)).unwrap() {
            Sizing::Fargate {
                cpu_units,
                memory_mib,
            } => (cpu_units, memory_mib),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fargate_rounds_up_to_accepted_pairs() {
        assert_eq!(fargate_of(4.0, 16.0), (4096, 16384));
        assert_eq!(fargate_of(1.0, 2.0), (1024, 2048));
        assert_eq!(fargate_of(2.0, 8.0), (2048, 8192));
        assert_eq!(fargate_of(4.0, 20.0), (4096, 20480));
        assert_eq!(fargate_of(0.25, 1.5), (256, 2048));
        assert_eq!(fargate_of(3.0, 2.0), (4096, 8192));
        assert_eq!(fargate_of(4.0, 40.0), (8192, 40960));
        assert_eq!(fargate_of(8.0, 61.0), (16384, 65536));
        assert!(fargate(&need(16.0, 121.0)).is_err());
    }

    #[test]
    fn quantities() {
        assert_eq!(slurm_memory(20 * GIB), "20G");
        assert_eq!(slurm_memory(2560 * MIB), "2560M");
        assert_eq!(kubernetes_memory(16 * GIB), "16Gi");
        assert_eq!(kubernetes_cpu(0.5), "500m");
        assert_eq!(kubernetes_cpu(4.0), "4");
        assert_eq!(format_walltime(9000), "02:30:00");
    }
}

//! The risk catalogue: one rule per risk, each triggered by a fact of the plan
//! and naming that fact in its text. docs/assistants.md lists the same table
//! (a test keeps the two in step).
//!
//! Rules run in catalogue order and say nothing when their fact is absent, so
//! a plan's risks are deterministic.

use scalable_manifest::is_secret_name;
use scalable_manifest::rules::parse_walltime;
use scalable_plan::render::gib;
use scalable_plan::{Plan, Scaling, Sizing, WorkerGroup};

use super::{Kind, Risk, join_and, kind, option, running_groups};

/// One catalogue entry.
pub struct Rule {
    /// Stable code, e.g. `R_SPOT_INTERRUPTION`.
    pub code: &'static str,
    /// The fact of the plan that triggers it.
    pub trigger: &'static str,
    /// Returns one text per occurrence (usually zero or one).
    pub check: fn(&Plan) -> Vec<String>,
}

/// Worker memory at or above this share of its node's memory is a risk.
pub const MEMORY_SHARE: f64 = 0.9;

/// Plan warnings a catalogue rule already explains.
const COVERED_WARNINGS: &[&str] = &["W_WALLTIME_SHORT"];

/// Every rule, in the order risks are reported.
pub const CATALOGUE: &[Rule] = &[
    Rule {
        code: "R_NON_ATOMIC_OUTPUTS",
        trigger: "a task declares `dir` or `file` outputs and its workers can be lost mid-task (Spot capacity, Kubernetes pods, Fargate tasks)",
        check: non_atomic_outputs,
    },
    Rule {
        code: "R_COLD_START",
        trigger: "the provider is AWS or Google Cloud, where each new worker is provisioned before its first task",
        check: cold_start,
    },
    Rule {
        code: "R_SPOT_INTERRUPTION",
        trigger: "a worker group runs on Spot / preemptible capacity (`spot: true`)",
        check: spot_interruption,
    },
    Rule {
        code: "R_MEMORY_HEADROOM",
        trigger: "a worker's memory is within 10% of its node's: this machine's memory (local) or the instance's (EC2, Compute Engine)",
        check: memory_headroom,
    },
    Rule {
        code: "R_WALLTIME_SHORT",
        trigger: "the Slurm walltime is shorter than the expected duration",
        check: walltime_short,
    },
    Rule {
        code: "R_MUTABLE_IMAGE",
        trigger: "a worker group's image has no tag or the tag `latest` (and no digest)",
        check: mutable_image,
    },
    Rule {
        code: "R_SECRET_IN_ENV",
        trigger: "a secret-named variable (or a masked value) is in a worker group's or the target's `env`",
        check: secret_in_env,
    },
    Rule {
        code: "R_STORAGE_UNSET",
        trigger: "the output location has variables unset at plan time (`storage.unresolved`)",
        check: storage_unset,
    },
    Rule {
        code: "R_SINGLE_WORKER",
        trigger: "the fan-out group has at most one worker while there are several scenarios",
        check: single_worker,
    },
    Rule {
        code: "R_CROSS_REGION_EGRESS",
        trigger: "outputs go to another cloud's object storage, or to a bucket whose name carries a region other than the target's",
        check: cross_region_egress,
    },
    Rule {
        code: "R_PLAN_WARNING",
        trigger: "the plan carries a warning no rule above explains (e.g. `W_SCALED_TO_FIT`)",
        check: plan_warnings,
    },
];

/// Runs every rule on `plan`.
pub fn assess(plan: &Plan) -> Vec<Risk> {
    CATALOGUE
        .iter()
        .flat_map(|rule| {
            (rule.check)(plan).into_iter().map(|text| Risk {
                code: rule.code.to_string(),
                text,
            })
        })
        .collect()
}

/// Why workers of `g` can disappear mid-task, if they can.
fn eviction(plan: &Plan, g: &WorkerGroup) -> Option<&'static str> {
    match (kind(plan), g.spot) {
        (Kind::Fargate, true) => Some("Fargate Spot can reclaim them"),
        (Kind::Ec2, true) => Some("EC2 Spot can reclaim them"),
        (Kind::Gcp, true) => Some("Spot VMs can be preempted"),
        (_, true) => Some("Spot capacity can be reclaimed"),
        (Kind::Kubernetes, false) => {
            Some("Kubernetes evicts pods when a node is drained or short of memory")
        }
        (Kind::Fargate, false) => Some("AWS retires Fargate tasks for platform maintenance"),
        _ => None,
    }
}

fn non_atomic_outputs(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    for g in running_groups(plan) {
        let Some(why) = eviction(plan, g) else {
            continue;
        };
        let tasks: Vec<_> = plan
            .tasks
            .iter()
            .filter(|t| t.component == g.name)
            .filter(|t| t.outputs.values().any(|k| k == "dir" || k == "file"))
            .collect();
        if tasks.is_empty() {
            continue;
        }
        let writes: Vec<String> = tasks
            .iter()
            .map(|t| {
                let outs: Vec<String> = t
                    .outputs
                    .iter()
                    .filter(|(_, k)| *k == "dir" || *k == "file")
                    .map(|(name, k)| {
                        let what = if k == "dir" { "directory" } else { "file" };
                        format!("`{name}` {what}")
                    })
                    .collect();
                format!("`{}` writes its {}", t.name, join_and(&outs))
            })
            .collect();
        let uncached: Vec<String> = tasks
            .iter()
            .filter(|t| !t.cache)
            .map(|t| format!("`{}`", t.name))
            .collect();
        let cache = if uncached.is_empty() {
            "results enter the cache only when a task completes, so a partial write is never reused"
                .to_string()
        } else {
            format!(
                "{} {} not cached, so anything reading its outputs before the rerun finishes can see partial files",
                join_and(&uncached),
                if uncached.len() == 1 { "is" } else { "are" }
            )
        };
        out.push(format!(
            "{} in place, not atomically, and {} workers can be lost mid-write ({why}). Dask reruns a lost task over the partial files; {cache}.",
            join_and(&writes),
            g.name
        ));
    }
    out
}

fn cold_start(plan: &Plan) -> Vec<String> {
    let groups = running_groups(plan);
    let images: Vec<String> = {
        let mut v: Vec<String> = groups.iter().filter_map(|g| g.image.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let pull = match images.as_slice() {
        [] => String::new(),
        [one] => format!(" and pulls {one}"),
        _ => " and pulls its image".to_string(),
    };
    let first = match kind(plan) {
        Kind::Fargate => format!(
            "Fargate cold start adds 30-90 s to the first task on each worker while AWS provisions the task{pull}."
        ),
        Kind::Ec2 => format!(
            "Each EC2 worker boots its instance{pull} before its first task, typically 1-3 minutes."
        ),
        Kind::Gcp => format!(
            "Each Compute Engine worker boots its VM{pull} before its first task, typically 1-3 minutes."
        ),
        _ => return Vec::new(),
    };
    let adaptive: Vec<String> = groups
        .iter()
        .filter(|g| matches!(g.scaling, Scaling::Adaptive { .. }))
        .map(|g| g.name.clone())
        .collect();
    let again = if adaptive.is_empty() {
        String::new()
    } else {
        format!(
            " Adaptive scaling pays it again for every {} worker it adds.",
            join_and(&adaptive)
        )
    };
    vec![format!("{first}{again}")]
}

fn spot_interruption(plan: &Plan) -> Vec<String> {
    let spot: Vec<String> = running_groups(plan)
        .iter()
        .filter(|g| g.spot)
        .map(|g| g.name.clone())
        .collect();
    if spot.is_empty() {
        return Vec::new();
    }
    let (what, notice) = match kind(plan) {
        Kind::Fargate => ("Fargate Spot", "2 minutes'"),
        Kind::Ec2 => ("EC2 Spot", "2 minutes'"),
        Kind::Gcp => ("Spot VM", "30 seconds'"),
        _ => ("Spot", "short"),
    };
    vec![format!(
        "{what} workers ({}) can be reclaimed with {notice} notice; Dask reruns the tasks they held elsewhere, so each reclaim costs the work in progress and stretches the expected duration.",
        spot.join(", ")
    )]
}

fn memory_headroom(plan: &Plan) -> Vec<String> {
    let mut tight = Vec::new();
    for g in running_groups(plan) {
        let (node, words) = match (&g.sizing, plan.machine) {
            (Sizing::Local { .. }, Some(m)) => (
                m.memory_bytes,
                format!("of this machine's {}", gib(m.memory_bytes)),
            ),
            (
                Sizing::Instance {
                    instance_type,
                    memory_gib,
                    ..
                },
                _,
            ) => {
                let bytes = (memory_gib * (1u64 << 30) as f64) as u64;
                (bytes, format!("of {} on {instance_type}", gib(bytes)))
            }
            _ => continue,
        };
        if node > 0 && g.memory_bytes as f64 >= MEMORY_SHARE * node as f64 {
            tight.push(format!(
                "{} asks for {} {words} ({:.0}%)",
                g.name,
                gib(g.memory_bytes),
                100.0 * g.memory_bytes as f64 / node as f64
            ));
        }
    }
    if tight.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "Worker memory is within 10% of the node's: {}. The operating system and the Dask nanny need room too, so the kernel may kill a worker before Dask's own memory limit acts.",
        tight.join("; ")
    )]
}

fn walltime_short(plan: &Plan) -> Vec<String> {
    let expected = plan.duration.hours * 3600.0;
    let mut walltimes: Vec<&str> = plan
        .worker_groups
        .iter()
        .filter(|g| g.scaling.max() > 0)
        .filter_map(|g| match &g.sizing {
            Sizing::Slurm { walltime, .. } => Some(walltime.as_str()),
            _ => None,
        })
        .filter(|w| parse_walltime(w).is_some_and(|s| (s as f64) < expected))
        .collect();
    walltimes.sort();
    walltimes.dedup();
    walltimes
        .into_iter()
        .map(|w| {
            format!(
                "Slurm walltime {w} is shorter than the expected {:.2} hours; worker jobs are killed at the limit and the scenarios still running are lost.",
                plan.duration.hours
            )
        })
        .collect()
}

/// Whether an image reference can change under the same name.
pub fn is_mutable_image(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) => tag == "latest",
        None => true,
    }
}

fn mutable_image(plan: &Plan) -> Vec<String> {
    let found: Vec<String> = running_groups(plan)
        .iter()
        .filter_map(|g| {
            let image = g.image.as_deref()?;
            is_mutable_image(image).then(|| format!("{} ({image})", g.name))
        })
        .collect();
    if found.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "Images without a pinned tag can change between runs: {}. A rerun may use a different model build while the cache still returns results of the old one; pin a version tag or a digest.",
        found.join(", ")
    )]
}

fn secret_in_env(plan: &Plan) -> Vec<String> {
    let mut found = Vec::new();
    for g in running_groups(plan) {
        let names: Vec<String> = g
            .env
            .iter()
            .filter(|(k, v)| is_secret_name(k) || v.as_str() == "***")
            .map(|(k, _)| format!("`{k}`"))
            .collect();
        if !names.is_empty() {
            found.push(format!("{} passes {}", g.name, join_and(&names)));
        }
    }
    if let Some(env) = plan.provider.options.get("env").and_then(|e| e.as_object()) {
        let names: Vec<String> = env
            .iter()
            .filter(|(k, v)| is_secret_name(k) || v.as_str() == Some("***"))
            .map(|(k, _)| format!("`{k}`"))
            .collect();
        if !names.is_empty() {
            found.push(format!(
                "target `{}` passes {}",
                plan.target,
                join_and(&names)
            ));
        }
    }
    if found.is_empty() {
        return Vec::new();
    }
    let seen = match kind(plan) {
        Kind::Kubernetes => "the pod spec",
        Kind::Fargate | Kind::Ec2 => "the ECS task definition",
        Kind::Slurm => "the job's environment (`scontrol show job`)",
        Kind::Gcp => "the VM's metadata",
        Kind::Local | Kind::Other => "the worker processes' environment",
    };
    vec![format!(
        "Secrets are passed in environment variables: {}. Anyone who can read {seen} sees them; use the provider's secret store instead.",
        found.join("; ")
    )]
}

fn storage_unset(plan: &Plan) -> Vec<String> {
    let Some(outputs) = &plan.storage.outputs else {
        return Vec::new();
    };
    let vars: Vec<String> = plan
        .storage
        .unresolved
        .iter()
        .map(|v| format!("`{v}`"))
        .collect();
    if vars.is_empty() {
        return Vec::new();
    }
    let (was, it, is) = if vars.len() == 1 {
        ("was", "it", "is")
    } else {
        ("were", "they", "are")
    };
    vec![format!(
        "{} {was} unset when this plan was made; unless {it} {is} set where the run starts (environment or `.env`), {outputs} names no real location and outputs have nowhere to land.",
        join_and(&vars),
    )]
}

fn single_worker(plan: &Plan) -> Vec<String> {
    let Some(g) = running_groups(plan).into_iter().find(|g| g.fan_out) else {
        return Vec::new();
    };
    if g.scaling.max() > 1 || plan.scenarios < 2 {
        return Vec::new();
    }
    vec![format!(
        "All {} scenarios run one at a time on a single {} worker, which bounds the whole run; allow more workers (`max_workers`, `n_workers` or `adaptive.maximum`) or plan with `--objective time`.",
        plan.scenarios, g.name
    )]
}

/// The cloud whose object storage a URL names.
fn storage_cloud(kind: &str) -> Option<&'static str> {
    match kind {
        "s3" => Some("AWS"),
        "gs" => Some("Google Cloud"),
        _ => None,
    }
}

/// A region code inside `text` (e.g. a bucket named `demeter-us-west-2`):
/// AWS style `us-west-2` or Google style `europe-west4`.
pub fn region_in(text: &str) -> Option<String> {
    const AREAS: &[&str] = &[
        "us",
        "eu",
        "ap",
        "sa",
        "ca",
        "me",
        "af",
        "il",
        "mx",
        "europe",
        "asia",
        "australia",
        "northamerica",
        "southamerica",
        "africa",
    ];
    for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        let parts: Vec<&str> = token.split('-').collect();
        for i in 0..parts.len() {
            if !AREAS.contains(&parts[i]) {
                continue;
            }
            let alpha = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase());
            let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
            // us-west-2
            if let (Some(dir), Some(n)) = (parts.get(i + 1), parts.get(i + 2))
                && alpha(dir)
                && digits(n)
            {
                return Some(format!("{}-{dir}-{n}", parts[i]));
            }
            // europe-west4
            if let Some(dir) = parts.get(i + 1)
                && let Some(at) = dir.find(|c: char| c.is_ascii_digit())
                && at > 0
                && alpha(&dir[..at])
                && digits(&dir[at..])
            {
                return Some(format!("{}-{dir}", parts[i]));
            }
        }
    }
    None
}

fn cross_region_egress(plan: &Plan) -> Vec<String> {
    let Some(outputs) = &plan.storage.outputs else {
        return Vec::new();
    };
    let here = match kind(plan) {
        Kind::Fargate | Kind::Ec2 => "AWS",
        Kind::Gcp => "Google Cloud",
        _ => return Vec::new(),
    };
    let region = option(plan, "region");
    let at = region.map(|r| format!(" in {r}")).unwrap_or_default();
    if let Some(there) = storage_cloud(&plan.storage.kind)
        && there != here
    {
        return vec![format!(
            "Outputs go to {outputs} ({there} storage) while workers run on {here}{at}: every byte written leaves {here} and is billed as data transfer out, which this estimate does not include."
        )];
    }
    match (region, region_in(outputs)) {
        (Some(r), Some(bucket)) if bucket != r => vec![format!(
            "Outputs go to {outputs}, whose name points to {bucket}, while workers run in {r}: cross-region transfer is billed per GB and is not in this estimate."
        )],
        _ => Vec::new(),
    }
}

fn plan_warnings(plan: &Plan) -> Vec<String> {
    plan.warnings
        .iter()
        .filter(|w| !COVERED_WARNINGS.contains(&w.code.as_str()))
        .map(|w| format!("The planner warns ({}): {}.", w.code, w.message))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutable_images() {
        assert!(is_mutable_image("ghcr.io/jgcri/demeter"));
        assert!(is_mutable_image("ghcr.io/jgcri/demeter:latest"));
        assert!(is_mutable_image("localhost:5000/demeter"));
        assert!(!is_mutable_image("localhost:5000/demeter:2.0.1"));
        assert!(!is_mutable_image("ghcr.io/jgcri/demeter:2.0.1"));
        assert!(!is_mutable_image("ghcr.io/jgcri/demeter@sha256:abc"));
    }

    #[test]
    fn regions_in_names() {
        assert_eq!(
            region_in("s3://demeter-us-west-2/out/").as_deref(),
            Some("us-west-2")
        );
        assert_eq!(
            region_in("gs://runs-europe-west4/x").as_deref(),
            Some("europe-west4")
        );
        assert_eq!(region_in("s3://${ARTIFACT_STORAGE}/demeter-lulcc/"), None);
        assert_eq!(region_in("s3://user-data/"), None);
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<&str> = CATALOGUE.iter().map(|r| r.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), CATALOGUE.len());
    }
}

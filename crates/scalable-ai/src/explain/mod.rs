//! `explain`: a plan in plain language for someone who will not read JSON —
//! where it runs, which workers it starts, how they scale, what is cached,
//! where outputs land, what it costs and what could go wrong.
//!
//! Everything here is read off the plan; the same plan always gives the same
//! explanation, byte for byte.

pub mod llm;
pub mod render;
pub mod risks;

use scalable_plan::render::{gib, money};
use scalable_plan::{Plan, Scaling, Sizing, TaskBinding, WorkerGroup};
use serde::{Deserialize, Serialize};

/// The mode every explanation is made in so far.
pub const HEURISTIC: &str = "heuristic";

/// A plan explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// `Plan Explanation`.
    pub title: String,
    /// `This plan will execute the "…" project on … in the … region.`
    pub summary_line: String,
    /// What will happen, in order (unnumbered).
    pub steps: Vec<String>,
    /// The estimate and its basis, e.g. `$7.23 (≈ 2.7 hours of Fargate compute + S3 storage for 50 scenarios)`.
    pub cost_summary: String,
    /// Risks found by the catalogue, in catalogue order.
    pub risks: Vec<Risk>,
    /// `heuristic`.
    pub mode: String,
    /// What produced this explanation from what.
    pub provenance: String,
    /// Why LLM mode fell back to this heuristic explanation, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

/// One risk: the catalogue rule that found it and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Risk {
    /// Stable code, e.g. `R_SPOT_INTERRUPTION` (see docs/assistants.md).
    pub code: String,
    /// The risk, naming the fact of the plan that triggered it.
    pub text: String,
}

/// Explains `plan` with the heuristic rules.
pub fn explain(plan: &Plan) -> Explanation {
    let lock = plan
        .manifest_lock
        .as_deref()
        .map(|l| format!(", manifest {l}"))
        .unwrap_or_default();
    Explanation {
        title: "Plan Explanation".to_string(),
        summary_line: summary_line(plan),
        steps: steps(plan),
        cost_summary: cost_summary(plan),
        risks: risks::assess(plan),
        mode: HEURISTIC.to_string(),
        provenance: format!(
            "heuristic rules of scalable-ai {} ({} risk rules) over plan schema {} for target `{}` of `{}`{lock}",
            env!("CARGO_PKG_VERSION"),
            risks::CATALOGUE.len(),
            plan.schema_version,
            plan.target,
            plan.project,
        ),
        fallback: None,
    }
}

/// The provider as the plan's facts describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Local,
    Slurm,
    Kubernetes,
    Fargate,
    Ec2,
    Gcp,
    Other,
}

pub(crate) fn kind(plan: &Plan) -> Kind {
    match plan.provider.name.as_str() {
        "local" => Kind::Local,
        "slurm" => Kind::Slurm,
        "kubernetes" => Kind::Kubernetes,
        "aws" => {
            let ec2 = option(plan, "cluster_type") == Some("ec2")
                || plan
                    .worker_groups
                    .iter()
                    .any(|g| matches!(g.sizing, Sizing::Instance { .. }));
            if ec2 { Kind::Ec2 } else { Kind::Fargate }
        }
        "gcp" => Kind::Gcp,
        _ => Kind::Other,
    }
}

/// A string option of the target, e.g. `region`.
pub(crate) fn option<'a>(plan: &'a Plan, key: &str) -> Option<&'a str> {
    plan.provider.options.get(key).and_then(|v| v.as_str())
}

fn summary_line(plan: &Plan) -> String {
    let word = |key: &str, default: &str| {
        option(plan, key)
            .map(|v| format!("{key} {v}"))
            .unwrap_or_else(|| default.to_string())
    };
    let provider = match kind(plan) {
        Kind::Local => "this machine (Dask LocalCluster)".to_string(),
        Kind::Slurm => format!("Slurm ({})", word("queue", "default queue")),
        Kind::Kubernetes => format!("Kubernetes ({})", word("namespace", "default namespace")),
        Kind::Fargate => "AWS (Fargate)".to_string(),
        Kind::Ec2 => "AWS (EC2)".to_string(),
        Kind::Gcp => "Google Cloud".to_string(),
        Kind::Other => format!("`{}`", plan.provider.name),
    };
    let region = option(plan, "region")
        .map(|r| format!(" in the {r} region"))
        .unwrap_or_default();
    format!(
        "This plan will execute the \"{}\" project on {provider}{region}.",
        plan.project
    )
}

/// Groups that start workers, in pipeline order: preparation steps, then the
/// fan-out, then the rest; by name within each.
pub(crate) fn running_groups(plan: &Plan) -> Vec<&WorkerGroup> {
    let mut groups: Vec<&WorkerGroup> = plan
        .worker_groups
        .iter()
        .filter(|g| g.scaling.max() > 0)
        .collect();
    groups.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.name.cmp(&b.name)));
    groups
}

fn rank(g: &WorkerGroup) -> u8 {
    let prepares = |n: &str| n.starts_with("pre") || n.contains("setup") || n.contains("config");
    if g.fan_out {
        1
    } else if prepares(&g.name) || g.tasks.iter().any(|t| prepares(t)) {
        0
    } else {
        2
    }
}

/// Tasks in pipeline order (their group's order, then by name).
fn ordered_tasks<'a>(plan: &'a Plan, groups: &[&WorkerGroup]) -> Vec<&'a TaskBinding> {
    let position = |t: &TaskBinding| {
        groups
            .iter()
            .position(|g| g.name == t.component)
            .unwrap_or(usize::MAX)
    };
    let mut tasks: Vec<&TaskBinding> = plan.tasks.iter().collect();
    tasks.sort_by(|a, b| position(a).cmp(&position(b)).then(a.name.cmp(&b.name)));
    tasks
}

fn steps(plan: &Plan) -> Vec<String> {
    let groups = running_groups(plan);
    let mut steps = vec![cluster_step(plan, &groups)];
    if let Some(s) = scaling_step(plan, &groups) {
        steps.push(s);
    }
    steps.push(cache_step(plan, &groups));
    steps.push(outputs_step(plan));
    steps
}

fn cluster_step(plan: &Plan, groups: &[&WorkerGroup]) -> String {
    if groups.is_empty() {
        return "No workers will be started: no task is bound to a component.".to_string();
    }
    let parts: Vec<String> = groups.iter().map(|g| group_words(g)).collect();
    let how = match kind(plan) {
        Kind::Local => {
            let threads = plan.provider.options.get("processes") == Some(&false.into());
            let what = if threads {
                "threads of one process"
            } else {
                "processes"
            };
            match plan.machine {
                Some(m) => format!(
                    " Workers are {what} on this machine ({} CPUs, {}).",
                    m.cpus,
                    gib(m.memory_bytes)
                ),
                None => format!(" Workers are {what} on this machine."),
            }
        }
        Kind::Slurm => slurm_words(groups),
        // The summary line already says where cloud and Kubernetes workers run.
        _ => String::new(),
    };
    format!(
        "A Dask cluster will be created with {}.{how}",
        join_and(&parts)
    )
}

fn spot_word(plan: &Plan, what: &str) -> String {
    if plan.worker_groups.iter().any(|g| g.spot) {
        format!("{what} Spot")
    } else {
        what.to_string()
    }
}

fn slurm_words(groups: &[&WorkerGroup]) -> String {
    let Some(Sizing::Slurm {
        walltime,
        queue,
        account,
        ..
    }) = groups.iter().map(|g| &g.sizing).next()
    else {
        return String::new();
    };
    let mut details = Vec::new();
    if let Some(q) = queue {
        details.push(format!("queue {q}"));
    }
    if let Some(a) = account {
        details.push(format!("account {a}"));
    }
    details.push(format!("walltime {walltime}"));
    format!(" Each worker is one Slurm job ({}).", details.join(", "))
}

/// `1 preprocess worker (1 vCPU, 2 GiB)`, `up to 10 demeter workers (4 vCPU, 16 GiB each)`.
fn group_words(g: &WorkerGroup) -> String {
    let (count, many) = match g.scaling {
        Scaling::Fixed { count } => (count.to_string(), count != 1),
        Scaling::Adaptive { maximum, .. } => (format!("up to {maximum}"), maximum != 1),
    };
    let each = if many { " each" } else { "" };
    let plural = if many { "s" } else { "" };
    format!("{count} {} worker{plural} ({}{each})", g.name, resources(g))
}

/// What one worker gets, in the provider's terms.
fn resources(g: &WorkerGroup) -> String {
    match &g.sizing {
        Sizing::Local {
            threads,
            memory_limit_bytes,
        } => format!(
            "{threads} thread{}, {}",
            if *threads == 1 { "" } else { "s" },
            gib(*memory_limit_bytes)
        ),
        Sizing::Slurm { cores, .. } => format!(
            "{cores} core{}, {}",
            if *cores == 1 { "" } else { "s" },
            gib(g.memory_bytes)
        ),
        Sizing::Kubernetes { .. } => format!("{} CPU, {}", number(g.cpus), gib(g.memory_bytes)),
        Sizing::Fargate {
            cpu_units,
            memory_mib,
        } => format!(
            "{} vCPU, {}",
            number(*cpu_units as f64 / 1024.0),
            gib(*memory_mib as u64 * (1 << 20))
        ),
        Sizing::Instance {
            instance_type,
            vcpus,
            memory_gib,
        } => format!(
            "{instance_type}: {vcpus} vCPU, {}",
            gib((memory_gib * (1u64 << 30) as f64) as u64)
        ),
    }
}

fn scaling_step(plan: &Plan, groups: &[&WorkerGroup]) -> Option<String> {
    let g = groups.iter().find(|g| g.fan_out)?;
    let s = plan.scenarios;
    let scenarios = if s == 1 {
        "the single scenario".to_string()
    } else {
        format!("the {s} scenarios")
    };
    Some(match g.scaling {
        Scaling::Adaptive { minimum, maximum } => {
            let unit = match kind(plan) {
                Kind::Kubernetes => "pods",
                Kind::Fargate => "Fargate tasks",
                Kind::Ec2 | Kind::Gcp => "instances",
                _ => "workers",
            };
            format!(
                "Workers auto-scale between {minimum} (minimum) and {maximum} (maximum) {} {unit} based on the scenario backlog.",
                g.name
            )
        }
        Scaling::Fixed { count: 1 } => format!(
            "Worker counts are fixed: 1 {} worker runs {scenarios} one at a time.",
            g.name
        ),
        Scaling::Fixed { count } => {
            let waves = s.div_ceil(count);
            let when = if waves == 1 {
                "at once".to_string()
            } else {
                format!("{} at a time ({waves} waves)", count.min(s))
            };
            format!(
                "Worker counts are fixed: {count} {} workers run {scenarios} {when}.",
                g.name
            )
        }
    })
}

fn cache_step(plan: &Plan, groups: &[&WorkerGroup]) -> String {
    let fan_out = groups.iter().find(|g| g.fan_out).map(|g| g.name.as_str());
    let tasks = ordered_tasks(plan, groups);
    let names = |pick: &dyn Fn(&TaskBinding) -> bool| -> Vec<String> {
        tasks
            .iter()
            .filter(|t| pick(t))
            .map(|t| format!("`{}`", t.name))
            .collect()
    };
    let is_fan_out = |t: &TaskBinding| Some(t.component.as_str()) == fan_out;
    let cached_fan_out = names(&|t| t.cache && is_fan_out(t));
    let cached_other = names(&|t| t.cache && !is_fan_out(t));
    let uncached = names(&|t| !t.cache);
    if tasks.is_empty() {
        return "No tasks are bound, so nothing is cached.".to_string();
    }
    if cached_fan_out.is_empty() && cached_other.is_empty() {
        return "No task results are cached, so a rerun recomputes every scenario and step."
            .to_string();
    }
    let mut parts = Vec::new();
    if !cached_fan_out.is_empty() {
        parts.push(format!(
            "{} results are cached per scenario so reruns skip already-completed scenarios",
            join_and(&cached_fan_out)
        ));
    }
    if !cached_other.is_empty() {
        let too = if cached_fan_out.is_empty() {
            " so reruns skip them"
        } else {
            " too"
        };
        parts.push(format!(
            "{} results are cached{too}",
            join_and(&cached_other)
        ));
    }
    if !uncached.is_empty() {
        let verb = if uncached.len() == 1 {
            "is not cached and reruns"
        } else {
            "are not cached and rerun"
        };
        parts.push(format!("{} {verb} every time", join_and(&uncached)));
    }
    format!("{}.", parts.join("; "))
}

fn outputs_step(plan: &Plan) -> String {
    let Some(outputs) = &plan.storage.outputs else {
        return "No output location is set (`project.default_storage`), so tasks write wherever their code says.".to_string();
    };
    let mut text = format!("Outputs land in {outputs}.");
    let vars: Vec<String> = plan
        .storage
        .unresolved
        .iter()
        .map(|v| format!("`{v}`"))
        .collect();
    match vars.len() {
        0 => {}
        1 => text.push_str(&format!(
            " {} is not set yet; it is resolved when the run starts.",
            vars[0]
        )),
        _ => text.push_str(&format!(
            " {} are not set yet; they are resolved when the run starts.",
            join_and(&vars)
        )),
    }
    text
}

fn cost_summary(plan: &Plan) -> String {
    let cost = &plan.cost;
    let compute = match kind(plan) {
        Kind::Local => "local".to_string(),
        Kind::Slurm => "Slurm".to_string(),
        Kind::Kubernetes => "Kubernetes".to_string(),
        Kind::Fargate => spot_word(plan, "Fargate"),
        Kind::Ec2 => spot_word(plan, "EC2"),
        Kind::Gcp => spot_word(plan, "Compute Engine"),
        Kind::Other => plan.provider.name.clone(),
    };
    let storage = if cost.items.iter().any(|i| i.group == "storage") {
        match plan.storage.kind.as_str() {
            "s3" => " + S3 storage".to_string(),
            "gs" => " + Cloud Storage".to_string(),
            other => format!(" + {other} storage"),
        }
    } else {
        String::new()
    };
    let scenarios = if plan.scenarios == 1 {
        "1 scenario".to_string()
    } else {
        format!("{} scenarios", plan.scenarios)
    };
    let basis = format!(
        "≈ {} of {compute} compute{storage} for {scenarios}",
        hours(plan.duration.hours)
    );
    if cost.priced {
        format!("{} ({basis})", money(cost.total))
    } else {
        format!(
            "{} core-hours ({basis}; not priced)",
            number(cost.core_hours)
        )
    }
}

/// `2.7 hours`, `1 hour`, `40 minutes`.
pub(crate) fn hours(h: f64) -> String {
    if h < 0.95 {
        let m = (h * 60.0).round().max(1.0) as u64;
        return format!("{m} minute{}", if m == 1 { "" } else { "s" });
    }
    let r = (h * 10.0).round() / 10.0;
    if r == 1.0 {
        "1 hour".to_string()
    } else {
        format!("{} hours", number(r))
    }
}

/// A number without a trailing `.0`: `4`, `0.25`, `2.7`.
pub(crate) fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// `a`, `a and b`, `a, b, and c`.
pub(crate) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(hours(2.67), "2.7 hours");
        assert_eq!(hours(1.0), "1 hour");
        assert_eq!(hours(12.0), "12 hours");
        assert_eq!(hours(0.5), "30 minutes");
        assert_eq!(hours(0.001), "1 minute");
        assert_eq!(number(4.0), "4");
        assert_eq!(number(0.25), "0.25");
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join_and(&s(&["a"])), "a");
        assert_eq!(join_and(&s(&["a", "b"])), "a and b");
        assert_eq!(join_and(&s(&["a", "b", "c"])), "a, b, and c");
    }
}

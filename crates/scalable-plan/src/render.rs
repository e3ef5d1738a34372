//! The plan as a short readable summary (what `scalable plan` prints).

use std::fmt::Write;

use crate::model::{Plan, Scaling, Sizing, WorkerGroup};

/// Worker count as people say it: `1`, `1..10`.
pub fn workers(s: &Scaling) -> String {
    match *s {
        Scaling::Fixed { count } => count.to_string(),
        Scaling::Adaptive { minimum, maximum } => format!("{minimum}..{maximum}"),
    }
}

/// What one worker is asked for, in the provider's terms.
pub fn sizing(s: &Sizing) -> String {
    match s {
        Sizing::Local {
            threads,
            memory_limit_bytes,
        } => {
            format!(
                "local, {threads} threads, limit {}",
                gib(*memory_limit_bytes)
            )
        }
        Sizing::Slurm {
            cores,
            memory,
            walltime,
            ..
        } => format!("sbatch -c {cores} --mem {memory} -t {walltime}"),
        Sizing::Kubernetes { cpu, memory } => format!("pod cpu {cpu}, memory {memory}"),
        Sizing::Fargate {
            cpu_units,
            memory_mib,
        } => format!("Fargate {cpu_units} CPU units / {memory_mib} MiB"),
        Sizing::Instance { instance_type, .. } => format!("instance {instance_type}"),
    }
}

/// Bytes as GiB with one decimal when needed: `16 GiB`, `2.5 GiB`.
pub fn gib(bytes: u64) -> String {
    let g = bytes as f64 / (1u64 << 30) as f64;
    if (g - g.round()).abs() < 0.05 {
        format!("{} GiB", g.round())
    } else {
        format!("{g:.1} GiB")
    }
}

/// Money to cents.
pub fn money(x: f64) -> String {
    format!("${x:.2}")
}

/// The summary `scalable plan --format text` prints.
pub fn text(plan: &Plan) -> String {
    let mut out = String::new();
    let overlay = plan
        .overlay
        .as_deref()
        .map(|o| format!(", overlay {o}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Plan for {} on target {} ({}{overlay})",
        plan.project, plan.target, plan.provider.name
    );
    let _ = writeln!(
        out,
        "objective {}, policy {}, {} scenarios",
        plan.objective.as_str(),
        plan.policy.as_str(),
        plan.scenarios
    );
    let _ = writeln!(out, "\nWorker groups:");
    table(&mut out, &plan.worker_groups);
    let _ = writeln!(out, "\nStorage:");
    let outputs = plan.storage.outputs.as_deref().unwrap_or("(not set)");
    let pending = if plan.storage.unresolved.is_empty() {
        String::new()
    } else {
        format!(
            "  ({} resolved at run time)",
            plan.storage.unresolved.join(", ")
        )
    };
    let _ = writeln!(out, "  outputs  {outputs}{pending}");
    let _ = writeln!(out, "  cache    {}", plan.storage.cache);
    let hours = if plan.duration.hours < 0.01 {
        "under a minute".to_string()
    } else {
        format!("{} h", plan.duration.hours)
    };
    let _ = writeln!(
        out,
        "\nExpected duration: {hours} ({})",
        plan.duration.basis
    );
    let _ = writeln!(out, "  {}", plan.duration.detail);
    let _ = writeln!(out, "\nCost:");
    if plan.cost.priced {
        let _ = writeln!(
            out,
            "  {} for the expected duration, {}/hour while running",
            money(plan.cost.total),
            money(plan.cost.hourly)
        );
    } else {
        let _ = writeln!(
            out,
            "  no price for this target; {} core-hours",
            plan.cost.core_hours
        );
    }
    for item in &plan.cost.items {
        let _ = writeln!(
            out,
            "  {:<12} {}: {}/{} -> {}",
            item.group,
            item.description,
            money(item.rate),
            item.per,
            money(item.total)
        );
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings:");
        for w in &plan.warnings {
            let _ = writeln!(out, "  {}: {}", w.code, w.message);
        }
    }
    let lock = plan
        .manifest_lock
        .as_deref()
        .unwrap_or("none (other targets have errors)");
    let _ = writeln!(out, "\nManifest lock: {lock}");
    out
}

fn table(out: &mut String, groups: &[WorkerGroup]) {
    let rows: Vec<[String; 6]> = groups
        .iter()
        .map(|g| {
            [
                g.name.clone(),
                workers(&g.scaling),
                format!("{}", g.cpus),
                gib(g.memory_bytes),
                sizing(&g.sizing),
                g.tasks.join(", "),
            ]
        })
        .collect();
    let header = [
        "group",
        "workers",
        "cpus",
        "memory",
        "asks provider for",
        "tasks",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    for row in std::iter::once(header.map(str::to_string)).chain(rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
    }
}

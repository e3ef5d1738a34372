//! Manifest (resolved for one target) + request + context -> plan.

use std::collections::BTreeMap;

use scalable_manifest::{Component, Manifest, Provider, Target, is_secret_name};

use crate::cost;
use crate::duration;
use crate::error::PlanError;
use crate::model::{
    Machine, Mount, PLAN_SCHEMA_VERSION, Plan, PlanWarning, ProviderPlan, Scaling, Sizing, Storage,
    TaskBinding, WorkerGroup,
};
use crate::policy;
use crate::request::{Context, DEFAULT_SCENARIOS, Request, absolute};
use crate::sizing::{self, Need};

/// Plans `manifest`, which must be the manifest as `request.target` resolves
/// it (one target, its overlay applied; see `Document::validate(Some(target))`).
pub fn plan(manifest: &Manifest, request: &Request, ctx: &Context) -> Result<Plan, PlanError> {
    let target = manifest
        .targets
        .get(&request.target)
        .or_else(|| manifest.targets.values().next())
        .expect("a validated, resolved manifest has its target");
    let provider = target.provider();
    let scenarios = request.scenarios.unwrap_or(DEFAULT_SCENARIOS).max(1);
    let mut warnings = Vec::new();

    let tasks_of = tasks_by_component(manifest);
    let fan_out = fan_out_component(manifest, &tasks_of);
    let margin = policy::memory_margin(request.policy);
    let spot = policy::spot(request.policy) && matches!(provider, Provider::Aws | Provider::Gcp);

    let mut groups = Vec::new();
    for (name, component) in &manifest.components {
        let tasks = tasks_of.get(name.as_str()).cloned().unwrap_or_default();
        let is_fan_out = fan_out == Some(name.as_str());
        let scaling = if tasks.is_empty() {
            Scaling::Fixed { count: 0 }
        } else if is_fan_out {
            fan_out_scaling(target, request, scenarios, manifest, &ctx.machine)
        } else {
            Scaling::Fixed { count: 1 }
        };
        let memory_bytes = round_mib(component.memory.bytes as f64 * margin);
        groups.push(WorkerGroup {
            name: name.clone(),
            cpus: component.cpus.0,
            memory: component.memory.text.clone(),
            memory_bytes,
            image: component.image.clone().or_else(|| target_image(target)),
            runtime: component.runtime.map(|r| format!("{r:?}").to_lowercase()),
            mounts: mounts(component, ctx),
            env: redacted_env(&component.env, &manifest.secret_values),
            volume_mounts: component.volume_mounts.clone(),
            volumes: component.volumes.clone(),
            tags: component.tags.clone(),
            scaling,
            fan_out: is_fan_out,
            retries: policy::retries(request.policy),
            spot,
            // Filled below, once the expected duration gives batch jobs a walltime.
            sizing: Sizing::Local {
                threads: 1,
                memory_limit_bytes: memory_bytes,
            },
            tasks,
        });
    }

    let duration = duration::estimate(&groups, scenarios, ctx.history.as_ref());
    // Batch walltime when the target sets none: the expected duration plus half again.
    let walltime_seconds = ((duration.hours * 3600.0 * 1.5).ceil() as u64).max(900);
    for g in &mut groups {
        let need = Need {
            group: &g.name,
            project: &manifest.project.name,
            cpus: g.cpus,
            memory_bytes: g.memory_bytes,
            walltime_seconds,
        };
        g.sizing = sizing::size(target, &need, &ctx.machine)?;
    }
    if provider == Provider::Local {
        fit_to_machine(&mut groups, &ctx.machine, &mut warnings);
    }
    if let (Target::Slurm(t), true) = (target, duration.hours > 0.0) {
        walltime_warning(t.walltime.as_deref(), &groups, &duration, &mut warnings);
    }

    let storage = storage(manifest, ctx);
    let cost = cost::estimate(target, &groups, &storage, duration.hours, scenarios);
    if let Target::Aws(t) = target
        && let Some(r) = t
            .region
            .as_deref()
            .filter(|r| !crate::prices::prices().fargate.contains_key(*r))
    {
        warnings.push(PlanWarning {
            code: "W_PRICE_REGION".to_string(),
            group: None,
            message: format!(
                "no prices for region `{r}`; costed at {} prices",
                cost::DEFAULT_REGION
            ),
        });
    }

    Ok(Plan {
        schema_version: PLAN_SCHEMA_VERSION,
        project: manifest.project.name.clone(),
        target: request.target.clone(),
        provider: provider_plan(manifest, request),
        overlay: request.overlay.clone(),
        objective: request.objective,
        policy: request.policy,
        scenarios,
        machine: (provider == Provider::Local).then_some(ctx.machine),
        worker_groups: groups,
        tasks: manifest
            .tasks
            .iter()
            .map(|(name, t)| TaskBinding {
                name: name.clone(),
                component: t.component.clone(),
                cache: t.cache,
                outputs: t
                    .outputs
                    .iter()
                    .map(|(k, v)| (k.clone(), format!("{v:?}").to_lowercase()))
                    .collect(),
            })
            .collect(),
        storage,
        duration,
        cost,
        warnings,
        manifest_lock: ctx.manifest_lock.clone(),
    })
}

fn tasks_by_component(manifest: &Manifest) -> BTreeMap<&str, Vec<String>> {
    let mut map: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, task) in &manifest.tasks {
        map.entry(task.component.as_str())
            .or_default()
            .push(name.clone());
    }
    map
}

/// The component the scenario fan-out runs on: of the components tasks use,
/// the one with the most CPUs, then the most memory, then the first by name.
fn fan_out_component<'a>(
    manifest: &'a Manifest,
    tasks_of: &BTreeMap<&str, Vec<String>>,
) -> Option<&'a str> {
    manifest
        .components
        .iter()
        .filter(|(name, _)| tasks_of.contains_key(name.as_str()))
        .max_by(|(an, a), (bn, b)| {
            a.cpus
                .0
                .total_cmp(&b.cpus.0)
                .then(a.memory.bytes.cmp(&b.memory.bytes))
                .then(bn.cmp(an))
        })
        .map(|(name, _)| name.as_str())
}

/// The target's explicit `n_workers` / `adaptive` win; otherwise the objective
/// picks a count out of what the provider allows.
fn fan_out_scaling(
    target: &Target,
    request: &Request,
    scenarios: u32,
    manifest: &Manifest,
    machine: &Machine,
) -> Scaling {
    let (n_workers, adaptive) = match target {
        Target::Kubernetes(t) => (t.n_workers, t.adaptive),
        Target::Aws(t) => (t.n_workers, t.adaptive),
        Target::Gcp(t) => (t.n_workers, None),
        Target::Local(_) | Target::Slurm(_) => (None, None),
    };
    if let Some(a) = adaptive {
        return Scaling::Adaptive {
            minimum: a.minimum,
            maximum: a.maximum,
        };
    }
    if let Some(count) = n_workers {
        return Scaling::Fixed { count };
    }
    match target {
        // This machine is there whatever the objective: use what it allows.
        Target::Local(t) => {
            let others = manifest.components.len().saturating_sub(1) as u32;
            let ceiling = t
                .max_workers
                .unwrap_or(machine.cpus)
                .saturating_sub(others)
                .max(1);
            Scaling::Fixed {
                count: ceiling.min(scenarios).max(1),
            }
        }
        _ => Scaling::Fixed {
            count: policy::fan_out_workers(request.objective, scenarios, scenarios),
        },
    }
}

fn target_image(target: &Target) -> Option<String> {
    match target {
        Target::Kubernetes(t) => t.image.clone(),
        Target::Aws(t) => t.image.clone(),
        Target::Gcp(t) => t.image.clone(),
        Target::Local(_) | Target::Slurm(_) => None,
    }
}

fn mounts(component: &Component, ctx: &Context) -> Vec<Mount> {
    component
        .mounts
        .iter()
        .map(|(host, container)| Mount {
            host: absolute(&ctx.manifest_dir, host),
            container: container.clone(),
        })
        .collect()
}

/// Env with secret-named entries and expanded secret values masked.
fn redacted_env(env: &BTreeMap<String, String>, secrets: &[String]) -> BTreeMap<String, String> {
    env.iter()
        .map(|(k, v)| {
            let masked = is_secret_name(k)
                || secrets
                    .iter()
                    .any(|s| !s.is_empty() && v.contains(s.as_str()));
            (
                k.clone(),
                if masked { "***".to_string() } else { v.clone() },
            )
        })
        .collect()
}

fn round_mib(bytes: f64) -> u64 {
    const MIB: f64 = 1048576.0;
    ((bytes / MIB).ceil() * MIB) as u64
}

/// Locally, workers share this machine: warn about components larger than it
/// and scale memory limits down (proportionally) when together they exceed 90%
/// of its memory.
fn fit_to_machine(groups: &mut [WorkerGroup], machine: &Machine, warnings: &mut Vec<PlanWarning>) {
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    for g in groups.iter() {
        if g.cpus > machine.cpus as f64 || g.memory_bytes > machine.memory_bytes {
            warnings.push(PlanWarning {
                code: "W_EXCEEDS_MACHINE".to_string(),
                group: Some(g.name.clone()),
                message: format!(
                    "`{}` asks for {} CPUs and {:.1} GiB per worker; this machine has {} CPUs and {:.1} GiB",
                    g.name,
                    g.cpus,
                    gib(g.memory_bytes),
                    machine.cpus,
                    gib(machine.memory_bytes)
                ),
            });
        }
    }
    let budget = (machine.memory_bytes as f64 * 0.9) as u64;
    let total: u64 = groups
        .iter()
        .map(|g| g.memory_bytes * g.scaling.max() as u64)
        .sum();
    if total <= budget || total == 0 {
        return;
    }
    let factor = budget as f64 / total as f64;
    for g in groups.iter_mut() {
        if let Sizing::Local {
            memory_limit_bytes, ..
        } = &mut g.sizing
        {
            *memory_limit_bytes =
                round_mib(*memory_limit_bytes as f64 * factor).min(*memory_limit_bytes);
        }
    }
    warnings.push(PlanWarning {
        code: "W_SCALED_TO_FIT".to_string(),
        group: None,
        message: format!(
            "workers together ask for {:.1} GiB; local memory limits are scaled by {:.2} to fit 90% of this machine's {:.1} GiB",
            gib(total),
            factor,
            gib(machine.memory_bytes)
        ),
    });
}

fn walltime_warning(
    walltime: Option<&str>,
    groups: &[WorkerGroup],
    duration: &crate::model::Duration,
    warnings: &mut Vec<PlanWarning>,
) {
    let Some(seconds) = walltime.and_then(scalable_manifest::rules::parse_walltime) else {
        return;
    };
    if (seconds as f64) < duration.hours * 3600.0 {
        let group = groups.iter().find(|g| g.fan_out).map(|g| g.name.clone());
        warnings.push(PlanWarning {
            code: "W_WALLTIME_SHORT".to_string(),
            group,
            message: format!(
                "walltime {} is shorter than the expected {:.2} hours; workers may be killed before the ensemble finishes",
                walltime.unwrap_or_default(),
                duration.hours
            ),
        });
    }
}

fn storage(manifest: &Manifest, ctx: &Context) -> Storage {
    let outputs = manifest.project.default_storage.clone();
    let kind = match outputs.as_deref() {
        Some(s) if s.starts_with("s3://") => "s3",
        Some(s) if s.starts_with("gs://") => "gs",
        _ => "local",
    };
    let unresolved = outputs
        .as_deref()
        .unwrap_or_default()
        .split("${")
        .skip(1)
        .filter_map(|rest| rest.split('}').next())
        .map(str::to_string)
        .collect();
    let outputs = outputs.map(|o| {
        if kind == "local" {
            absolute(&ctx.manifest_dir, &o)
        } else {
            o
        }
    });
    let cache = absolute(
        &ctx.manifest_dir,
        manifest
            .project
            .local_cache
            .as_deref()
            .unwrap_or(".scalable/cache"),
    );
    Storage {
        outputs,
        kind: kind.to_string(),
        unresolved,
        cache,
    }
}

/// The target's options, redacted as `scalable show` prints them: values of
/// secret-named variables and expanded secret values are `***`.
fn provider_plan(manifest: &Manifest, request: &Request) -> ProviderPlan {
    let redacted = manifest.redacted_json();
    let targets = redacted.get("targets").and_then(|t| t.as_object());
    let target = targets.and_then(|t| t.get(&request.target).or_else(|| t.values().next()));
    let mut options = match target {
        Some(serde_json::Value::Object(map)) => map.clone(),
        _ => serde_json::Map::new(),
    };
    let name = options
        .remove("provider")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    options.remove("overlay");
    ProviderPlan { name, options }
}

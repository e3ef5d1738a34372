//! Slurm: one sbatch script per worker group, `sbatch-<group>.sh`. Each job
//! runs one Dask worker that advertises the group as a resource; the plan's
//! worker count says how many times to submit it. The scheduler address
//! comes from `$SCALABLE_SCHEDULER_ADDRESS` in the submitting environment
//! (sbatch passes it on).
//!
//! When the group runs in Apptainer or Singularity (the target's
//! `container_runtime`, else the component's `runtime`) and has an image,
//! the worker command is wrapped in `apptainer exec` with the component's
//! binds and environment. Secret variables are never written: the job takes
//! them from the environment it was submitted from.

use serde::Serialize;

use super::{Artifact, EnvVar, env_vars, option_str, render};
use crate::model::{Plan, Scaling, Sizing, WorkerGroup};

#[derive(Serialize)]
struct Script {
    project: String,
    target: String,
    group: String,
    workers: String,
    job_name: String,
    cores: u32,
    memory: String,
    walltime: String,
    partition: Option<String>,
    account: Option<String>,
    output: String,
    directives: Vec<String>,
    /// Secret variables the job must find in its environment (shell names).
    secrets: Vec<String>,
    /// Secret variables whose names bash cannot expand: passed on by the
    /// container runtime's environment handling only.
    odd_secrets: Vec<String>,
    container: Option<Container>,
    /// `NAME=value` words for `env` when the worker runs without a container.
    env: Vec<String>,
    worker: Vec<String>,
}

#[derive(Serialize)]
struct Container {
    exec: String,
    image: String,
    binds: Vec<String>,
    /// `--env` values.
    env: Vec<String>,
    /// `(PREFIXED_NAME, NAME)`: exported as `APPTAINERENV_NAME="$NAME"`.
    pass: Vec<(String, String)>,
    /// `(PREFIXED_NAME, value)`: values `--env` cannot carry.
    export: Vec<(String, String)>,
}

pub(super) fn emit(plan: &Plan) -> Vec<Artifact> {
    plan.worker_groups
        .iter()
        .filter_map(|g| {
            let script = script(plan, g)?;
            Some(Artifact {
                path: format!("sbatch-{}.sh", g.name),
                contents: render("sbatch.sh.j2", &script),
            })
        })
        .collect()
}

fn script(plan: &Plan, g: &WorkerGroup) -> Option<Script> {
    let Sizing::Slurm {
        cores,
        memory,
        walltime,
        queue,
        account,
        job_name,
    } = &g.sizing
    else {
        return None;
    };
    let env = env_vars(&g.env);
    let runtime = runtime(plan, g);
    let container = match (runtime, g.image.as_deref()) {
        (Some(exec), Some(image)) => Some(container(exec, image, g, &env)),
        _ => None,
    };
    let secret_names = env.iter().filter(|e| e.value.is_none()).map(|e| &e.name);
    let (secrets, odd_secrets) = secret_names.cloned().partition(|n: &String| is_name(n));

    let mut worker = vec![
        "dask".to_string(),
        "worker".to_string(),
        "\"$SCALABLE_SCHEDULER_ADDRESS\"".to_string(),
    ];
    let mut flag = |k: &str, v: String| {
        worker.push(k.to_string());
        worker.push(super::shell_quote(&v));
    };
    flag("--nthreads", cores.to_string());
    flag("--memory-limit", g.memory_bytes.to_string());
    flag("--resources", format!("{}=1", g.name));
    worker.push("--name".to_string());
    let quoted = super::shell_quote(job_name);
    worker.push(if quoted == *job_name {
        format!("\"{job_name}-$SLURM_JOB_ID\"")
    } else {
        format!("{quoted}\"-$SLURM_JOB_ID\"")
    });
    worker.push("--nanny".to_string());
    if let Some(interface) = option_str(plan, "interface") {
        worker.push("--interface".to_string());
        worker.push(super::shell_quote(interface));
    }

    Some(Script {
        project: plan.project.clone(),
        target: plan.target.clone(),
        group: g.name.clone(),
        workers: workers(g.scaling),
        job_name: job_name.clone(),
        cores: *cores,
        memory: memory.clone(),
        walltime: walltime.clone(),
        partition: queue.clone(),
        account: account.clone(),
        output: format!("{job_name}-%j.out"),
        directives: directives(plan),
        secrets,
        odd_secrets,
        env: match container {
            Some(_) => Vec::new(),
            None => env
                .iter()
                .filter_map(|e| Some(format!("{}={}", e.name, e.value.as_ref()?)))
                .collect(),
        },
        container,
        worker,
    })
}

/// `apptainer` or `singularity` when the group's worker runs in one.
fn runtime(plan: &Plan, g: &WorkerGroup) -> Option<&'static str> {
    // A component that says `runtime: none` runs on the host.
    if g.runtime.as_deref() == Some("none") {
        return None;
    }
    let runtime = option_str(plan, "container_runtime").or(g.runtime.as_deref());
    match runtime {
        Some("apptainer") => Some("apptainer"),
        Some("singularity") => Some("singularity"),
        _ => None,
    }
}

fn container(exec: &str, image: &str, g: &WorkerGroup, env: &[EnvVar]) -> Container {
    let prefix = format!("{}ENV_", exec.to_ascii_uppercase());
    let mut out = Container {
        exec: exec.to_string(),
        image: apptainer_image(image),
        binds: g
            .mounts
            .iter()
            .map(|m| format!("{}:{}", m.host, m.container))
            .collect(),
        env: Vec::new(),
        pass: Vec::new(),
        export: Vec::new(),
    };
    for e in env {
        match &e.value {
            // The runtime passes the job's environment on by default; a name
            // bash cannot expand is left to that.
            None if !is_name(&e.name) => {}
            None => out
                .pass
                .push((format!("{prefix}{}", e.name), e.name.clone())),
            Some(v) => match env_flag(&e.name, v) {
                Some(flag) => out.env.push(flag),
                None => out.export.push((format!("{prefix}{}", e.name), v.clone())),
            },
        }
    }
    out
}

/// Whether bash can expand `$name`.
fn is_name(name: &str) -> bool {
    name.bytes().next().is_some_and(|b| !b.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The value of one `--env` flag. Apptainer reads it as `NAME=value` when it
/// holds one `=`, else as a CSV record; `None` when neither form carries the
/// value intact.
fn env_flag(name: &str, value: &str) -> Option<String> {
    if !value.contains('=') {
        return (!value.ends_with('"')).then(|| format!("{name}={value}"));
    }
    Some(format!(
        "\"{}\"",
        format!("{name}={value}").replace('"', "\"\"")
    ))
}

/// Registry images are pulled through `docker://`; `.sif` files and
/// references with a scheme are used as they are.
fn apptainer_image(image: &str) -> String {
    let local = image.ends_with(".sif")
        || image.starts_with('/')
        || image.starts_with("./")
        || image.starts_with("../");
    if local || image.contains("://") {
        image.to_string()
    } else {
        format!("docker://{image}")
    }
}

/// `job_extra_directives`, one `#SBATCH` line each (a leading `#SBATCH` is
/// dropped; line breaks would end the comment, so they become spaces).
fn directives(plan: &Plan) -> Vec<String> {
    plan.provider
        .options
        .get("job_extra_directives")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .map(|d| {
            let d = d.replace(['\n', '\r'], " ");
            d.trim()
                .strip_prefix("#SBATCH")
                .unwrap_or(d.trim())
                .trim()
                .to_string()
        })
        .filter(|d| !d.is_empty())
        .collect()
}

fn workers(scaling: Scaling) -> String {
    match scaling {
        Scaling::Fixed { count: 1 } => "1 worker".to_string(),
        Scaling::Fixed { count } => format!("{count} workers"),
        Scaling::Adaptive { minimum, maximum } => {
            format!("{minimum} to {maximum} workers (adaptive)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        assert_eq!(
            apptainer_image("ghcr.io/jgcri/demeter:2.0.1"),
            "docker://ghcr.io/jgcri/demeter:2.0.1"
        );
        assert_eq!(
            apptainer_image("/images/demeter.sif"),
            "/images/demeter.sif"
        );
        assert_eq!(apptainer_image("demeter.sif"), "demeter.sif");
        assert_eq!(apptainer_image("oras://x/y:1"), "oras://x/y:1");
    }

    #[test]
    fn env_flags() {
        assert_eq!(env_flag("A", "/data"), Some("A=/data".to_string()));
        assert_eq!(env_flag("A", "x,y"), Some("A=x,y".to_string()));
        assert_eq!(env_flag("A", "k=v,w"), Some("\"A=k=v,w\"".to_string()));
        assert_eq!(env_flag("A", "say \"hi\""), None);
    }
}

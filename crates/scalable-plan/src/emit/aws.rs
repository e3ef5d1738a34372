//! AWS: one ECS task definition per worker group, `taskdef-<group>.json`,
//! in the shape of ECS `RegisterTaskDefinition` input. Family
//! `<project>-<group>`, `awsvpc` networking, Fargate (or EC2 for
//! `cluster_type: ec2`) with the CPU and memory the plan sized.
//!
//! The container runs `dask worker` advertising the group as a resource; it
//! finds the scheduler through `DASK_SCHEDULER_ADDRESS`, which the launcher
//! sets per task at `RunTask` time (container overrides), so the definition
//! does not change from run to run. Secret variables are not written: the
//! task reads them from SSM Parameter Store, `/scalable/<project>/<NAME>`
//! (the execution role needs `ssm:GetParameters` on them). Logs go to
//! CloudWatch, group `/scalable/<project>`.

use serde::Serialize;

use super::{Artifact, DEFAULT_IMAGE, env_vars, option_str, registry_image, render};
use crate::model::{Plan, Sizing, WorkerGroup};

#[derive(Serialize)]
struct TaskDefinition {
    family: String,
    task_role_arn: Option<String>,
    execution_role_arn: Option<String>,
    compatibility: &'static str,
    cpu: String,
    memory: String,
    container: String,
    image: String,
    command: Vec<String>,
    environment: Vec<(String, String)>,
    secrets: Vec<(String, String)>,
    log_group: String,
    region: Option<String>,
    stream_prefix: String,
}

pub(super) fn emit(plan: &Plan) -> Vec<Artifact> {
    plan.worker_groups
        .iter()
        .filter_map(|g| {
            let taskdef = task_definition(plan, g)?;
            Some(Artifact {
                path: format!("taskdef-{}.json", g.name),
                contents: render("ecs-taskdef.json.j2", &taskdef),
            })
        })
        .collect()
}

fn task_definition(plan: &Plan, g: &WorkerGroup) -> Option<TaskDefinition> {
    const MIB: u64 = 1 << 20;
    let (compatibility, cpu, memory) = match &g.sizing {
        Sizing::Fargate {
            cpu_units,
            memory_mib,
        } => ("FARGATE", *cpu_units, *memory_mib as u64),
        // On EC2 the task asks for what the component needs, not the whole instance.
        Sizing::Instance { .. } => (
            "EC2",
            (g.cpus * 1024.0).ceil() as u32,
            g.memory_bytes.div_ceil(MIB),
        ),
        _ => return None,
    };
    let project = ecs_name(&plan.project);
    let group = ecs_name(&g.name);
    let env = env_vars(&g.env);
    Some(TaskDefinition {
        family: format!("{project}-{group}"),
        task_role_arn: option_str(plan, "task_role_arn").map(str::to_string),
        execution_role_arn: option_str(plan, "execution_role_arn").map(str::to_string),
        compatibility,
        cpu: cpu.to_string(),
        memory: memory.to_string(),
        container: group.clone(),
        image: registry_image(g.image.as_deref().unwrap_or(DEFAULT_IMAGE)).to_string(),
        command: vec![
            "dask".to_string(),
            "worker".to_string(),
            "--nthreads".to_string(),
            (g.cpus.ceil().max(1.0) as u32).to_string(),
            "--memory-limit".to_string(),
            g.memory_bytes.to_string(),
            "--resources".to_string(),
            format!("{}=1", g.name),
        ],
        environment: env
            .iter()
            .filter_map(|e| Some((e.name.clone(), e.value.clone()?)))
            .collect(),
        secrets: env
            .iter()
            .filter(|e| e.value.is_none())
            .map(|e| (e.name.clone(), format!("/scalable/{project}/{}", e.name)))
            .collect(),
        log_group: format!("/scalable/{project}"),
        region: option_str(plan, "region").map(str::to_string),
        stream_prefix: group,
    })
}

/// Letters, digits, `-` and `_`: what ECS accepts in family and container
/// names (other characters become `-`).
fn ecs_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

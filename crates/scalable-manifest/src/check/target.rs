//! `targets.<name>`: the provider and the options that provider takes.

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::{
    Adaptive, AwsTarget, ClusterType, ContainerRuntime, GcpTarget, KubernetesTarget, LocalTarget,
    Provider, SlurmContainerRuntime, SlurmTarget, Target,
};
use crate::path::child;
use crate::rules;
use crate::yaml::{Node, Pos};

use super::component::{DnsRule, dns_error};
use super::reader::{Ctx, Map};

const COMMON: &[&str] = &["provider", "overlay"];

/// The option keys each provider takes, beside `provider` and `overlay`.
pub const PROVIDER_KEYS: &[(Provider, &[&str])] = &[
    (
        Provider::Local,
        &[
            "max_workers",
            "threads_per_worker",
            "processes",
            "containers",
            "price_per_core_hour",
        ],
    ),
    (
        Provider::Slurm,
        &[
            "queue",
            "account",
            "walltime",
            "interface",
            "comm_port",
            "container_runtime",
            "job_extra_directives",
            "price_per_core_hour",
        ],
    ),
    (
        Provider::Kubernetes,
        &[
            "namespace",
            "image",
            "n_workers",
            "adaptive",
            "worker_service_account",
            "resources",
            "env",
            "tolerations",
            "node_selector",
        ],
    ),
    (
        Provider::Aws,
        &[
            "region",
            "cluster_type",
            "instance_type",
            "image",
            "n_workers",
            "worker_cpu",
            "worker_mem",
            "vpc",
            "subnets",
            "security_groups",
            "execution_role_arn",
            "task_role_arn",
            "adaptive",
        ],
    ),
    (
        Provider::Gcp,
        &[
            "region",
            "project_id",
            "instance_type",
            "image",
            "n_workers",
        ],
    ),
];

fn keys_of(provider: Provider) -> &'static [&'static str] {
    PROVIDER_KEYS
        .iter()
        .find(|(p, _)| *p == provider)
        .map_or(&[], |(_, k)| k)
}

/// Checks one target; `None` when anything is wrong. `at` is where its name
/// is written, for a missing key.
pub(crate) fn target(cx: &mut Ctx<'_>, node: &Node, path: &str, at: Pos) -> Option<Target> {
    let Some(entries) = node.entries() else {
        cx.map(node, path, COMMON);
        return None;
    };
    let m = Map {
        node,
        path: path.to_string(),
        at,
    };
    let provider = match cx.require(&m, "provider", "local") {
        Some(n) => Some(provider(cx, n, &m.path("provider"))?),
        None => None,
    };
    check_keys(cx, entries, path, provider);
    let provider = provider?;
    let overlay = cx.opt_string(&m, "overlay");
    Some(match provider {
        Provider::Local => Target::Local(LocalTarget {
            overlay,
            max_workers: cx.opt_u32(&m, "max_workers"),
            threads_per_worker: cx.opt_u32(&m, "threads_per_worker"),
            processes: m
                .get("processes")
                .and_then(|n| cx.boolean(n, &m.path("processes"))),
            containers: m.get("containers").and_then(|n| {
                cx.choice(
                    n,
                    &m.path("containers"),
                    &[
                        ("none", ContainerRuntime::None),
                        ("docker", ContainerRuntime::Docker),
                        ("apptainer", ContainerRuntime::Apptainer),
                    ],
                )
            }),
            price_per_core_hour: price(cx, &m),
        }),
        Provider::Slurm => Target::Slurm(slurm(cx, &m, overlay)),
        Provider::Kubernetes => Target::Kubernetes(kubernetes(cx, &m, overlay)),
        Provider::Aws => Target::Aws(aws(cx, &m, overlay)),
        Provider::Gcp => Target::Gcp(GcpTarget {
            overlay,
            region: cx.opt_string(&m, "region"),
            project_id: cx.opt_string(&m, "project_id"),
            instance_type: cx.opt_string(&m, "instance_type"),
            image: cx.opt_string(&m, "image"),
            n_workers: cx.opt_u32(&m, "n_workers"),
        }),
    })
}

fn provider(cx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Provider> {
    let name = cx.string(node, path)?;
    if let Some(p) = Provider::parse(&name) {
        return Some(p);
    }
    let names: Vec<&str> = Provider::ALL.iter().map(|p| p.as_str()).collect();
    let d = Diagnostic::new(
        Code::UnknownProvider,
        path,
        node.pos,
        format!("unknown provider `{name}`"),
    );
    cx.report(match did_you_mean(&name, names.iter().copied()) {
        Some(s) => d.hint(format!(
            "did you mean `{s}`? providers: {}",
            names.join(", ")
        )),
        None => d.hint(format!("use one of: {}", names.join(", "))),
    });
    None
}

/// Unknown option keys, naming the provider a misplaced key belongs to.
fn check_keys(cx: &mut Ctx<'_>, entries: &[(Node, Node)], path: &str, provider: Option<Provider>) {
    let own: Vec<&str> = match provider {
        Some(p) => COMMON.iter().chain(keys_of(p)).copied().collect(),
        None => COMMON
            .iter()
            .chain(PROVIDER_KEYS.iter().flat_map(|(_, k)| k.iter()))
            .copied()
            .collect(),
    };
    for (k, _) in entries {
        let key = k.key_text();
        if own.contains(&key) {
            continue;
        }
        let d = Diagnostic::new(
            Code::UnknownKey,
            child(path, key),
            k.pos,
            format!("unknown key `{key}`"),
        );
        let owners: Vec<&str> = PROVIDER_KEYS
            .iter()
            .filter(|(_, keys)| keys.contains(&key))
            .map(|(p, _)| p.as_str())
            .collect();
        let hint = match (provider, did_you_mean(key, own.iter().copied())) {
            (_, Some(s)) => format!("did you mean `{s}`?"),
            (Some(p), None) if !owners.is_empty() => format!(
                "`{key}` is an option of {} targets; {} targets take: {}",
                listed(&owners, "and"),
                p.as_str(),
                keys_of(p).join(", ")
            ),
            _ => format!("allowed here: {}", own.join(", ")),
        };
        cx.report(d.hint(hint));
    }
}

/// `a`, `a and b`, `a, b and c` (with `word` = `and`).
fn listed<T: std::fmt::Display>(items: &[T], word: &str) -> String {
    let items: Vec<String> = items.iter().map(T::to_string).collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    }
}

fn slurm(cx: &mut Ctx<'_>, m: &Map<'_>, overlay: Option<String>) -> SlurmTarget {
    let walltime = cx.opt_string(m, "walltime");
    if let (Some(w), Some(n)) = (&walltime, m.get("walltime"))
        && rules::parse_walltime(w).is_none()
    {
        let shown = n.scalar().map(|s| s.shown()).unwrap_or_default();
        cx.report(
            Diagnostic::new(
                Code::BadWalltime,
                m.path("walltime"),
                n.pos,
                format!("walltime `{shown}` is not `HH:MM:SS` or `D-HH:MM:SS`"),
            )
            .hint(
                "write e.g. `02:30:00` for two and a half hours, or `1-12:00:00` for a day and a half",
            ),
        );
    }
    SlurmTarget {
        overlay,
        queue: cx.opt_string(m, "queue"),
        account: cx.opt_string(m, "account"),
        walltime,
        interface: cx.opt_string(m, "interface"),
        comm_port: m
            .get("comm_port")
            .and_then(|n| cx.uint(n, &m.path("comm_port"), u16::MAX as u64))
            .map(|v| v as u16),
        container_runtime: m.get("container_runtime").and_then(|n| {
            cx.choice(
                n,
                &m.path("container_runtime"),
                &[
                    ("apptainer", SlurmContainerRuntime::Apptainer),
                    ("singularity", SlurmContainerRuntime::Singularity),
                    ("none", SlurmContainerRuntime::None),
                ],
            )
        }),
        job_extra_directives: m
            .get("job_extra_directives")
            .and_then(|n| cx.string_list(n, &m.path("job_extra_directives")))
            .unwrap_or_default(),
        price_per_core_hour: price(cx, m),
    }
}

fn kubernetes(cx: &mut Ctx<'_>, m: &Map<'_>, overlay: Option<String>) -> KubernetesTarget {
    let namespace = cx.opt_string(m, "namespace");
    if let (Some(ns), Some(n)) = (&namespace, m.get("namespace"))
        && !rules::is_dns1123_label(ns)
    {
        let path = m.path("namespace");
        dns_error(cx, &path, n.pos, ns, DnsRule::Label, "namespace");
    }
    let account = cx.opt_string(m, "worker_service_account");
    if let (Some(sa), Some(n)) = (&account, m.get("worker_service_account"))
        && !rules::is_dns1123_subdomain(sa)
    {
        let path = m.path("worker_service_account");
        dns_error(cx, &path, n.pos, sa, DnsRule::Subdomain, "service account");
    }
    KubernetesTarget {
        overlay,
        namespace,
        image: cx.opt_string(m, "image"),
        n_workers: cx.opt_u32(m, "n_workers"),
        adaptive: adaptive(cx, m),
        worker_service_account: account,
        resources: m.get("resources").and_then(|n| {
            cx.named(n, &m.path("resources"))?;
            n.to_json().as_object().cloned()
        }),
        env: m
            .get("env")
            .and_then(|n| cx.string_map(n, &m.path("env")))
            .unwrap_or_default(),
        tolerations: m
            .get("tolerations")
            .and_then(|n| cx.object_list(n, &m.path("tolerations")))
            .map(|items| items.iter().map(Node::to_json).collect())
            .unwrap_or_default(),
        node_selector: m
            .get("node_selector")
            .and_then(|n| cx.string_map(n, &m.path("node_selector")))
            .unwrap_or_default(),
    }
}

fn aws(cx: &mut Ctx<'_>, m: &Map<'_>, overlay: Option<String>) -> AwsTarget {
    let cluster_type = m.get("cluster_type").and_then(|n| {
        cx.choice(
            n,
            &m.path("cluster_type"),
            &[("fargate", ClusterType::Fargate), ("ec2", ClusterType::Ec2)],
        )
    });
    let worker_cpu = cx.opt_u32(m, "worker_cpu");
    let worker_mem = cx.opt_u32(m, "worker_mem");
    if cluster_type != Some(ClusterType::Ec2) {
        fargate_pair(cx, m, worker_cpu, worker_mem);
    }
    AwsTarget {
        overlay,
        region: cx.opt_string(m, "region"),
        cluster_type,
        instance_type: cx.opt_string(m, "instance_type"),
        image: cx.opt_string(m, "image"),
        n_workers: cx.opt_u32(m, "n_workers"),
        worker_cpu,
        worker_mem,
        vpc: cx.opt_string(m, "vpc"),
        subnets: m
            .get("subnets")
            .and_then(|n| cx.string_list(n, &m.path("subnets")))
            .unwrap_or_default(),
        security_groups: m
            .get("security_groups")
            .and_then(|n| cx.string_list(n, &m.path("security_groups")))
            .unwrap_or_default(),
        execution_role_arn: cx.opt_string(m, "execution_role_arn"),
        task_role_arn: cx.opt_string(m, "task_role_arn"),
        adaptive: adaptive(cx, m),
    }
}

fn fargate_pair(cx: &mut Ctx<'_>, m: &Map<'_>, cpu: Option<u32>, mem: Option<u32>) {
    let cpus: Vec<String> = rules::FARGATE_SIZES
        .iter()
        .map(|s| s.0.to_string())
        .collect();
    match (cpu, mem) {
        (Some(c), _) if rules::fargate_range(c).is_none() => {
            let n = m.get("worker_cpu").expect("worker_cpu was read");
            cx.report(
                Diagnostic::new(
                    Code::FargateCpuMemory,
                    m.path("worker_cpu"),
                    n.pos,
                    format!("Fargate does not offer {c} CPU units"),
                )
                .hint(format!("use one of: {}", cpus.join(", "))),
            );
        }
        (Some(c), Some(mib)) if !rules::fargate_pair_ok(c, mib) => {
            let n = m.get("worker_mem").expect("worker_mem was read");
            let (lo, hi, step) = rules::fargate_range(c).expect("checked above");
            let options = rules::fargate_memory_options(c);
            // A range with a step only when it has no gaps (256 units skip 1536).
            let allowed = if options.len() as u32 == (hi - lo) / step + 1 {
                format!("from {lo} to {hi} in steps of {step}")
            } else {
                listed(&options, "or")
            };
            cx.report(
                Diagnostic::new(
                    Code::FargateCpuMemory,
                    m.path("worker_mem"),
                    n.pos,
                    format!("Fargate does not accept {mib} MiB with {c} CPU units"),
                )
                .hint(format!("with worker_cpu {c}, use worker_mem {allowed}")),
            );
        }
        _ => {}
    }
}

fn adaptive(cx: &mut Ctx<'_>, m: &Map<'_>) -> Option<Adaptive> {
    let node = m.get("adaptive")?;
    let path = m.path("adaptive");
    let a = cx
        .map(node, &path, &["minimum", "maximum"])?
        .at(m.key_pos("adaptive"));
    let minimum = cx
        .require(&a, "minimum", "1")
        .and_then(|n| cx.uint(n, &a.path("minimum"), u32::MAX as u64));
    let maximum = cx
        .require(&a, "maximum", "10")
        .and_then(|n| cx.uint(n, &a.path("maximum"), u32::MAX as u64));
    let (minimum, maximum) = (minimum? as u32, maximum? as u32);
    if minimum > maximum || maximum == 0 {
        cx.report(
            Diagnostic::new(
                Code::BadValue,
                &path,
                node.pos,
                format!("adaptive bounds {minimum}..{maximum} are empty"),
            )
            .hint("`minimum` must be at most `maximum`, and `maximum` at least 1"),
        );
        return None;
    }
    Some(Adaptive { minimum, maximum })
}

fn price(cx: &mut Ctx<'_>, m: &Map<'_>) -> Option<f64> {
    let node = m.get("price_per_core_hour")?;
    let path = m.path("price_per_core_hour");
    let value = cx.number(node, &path)?;
    if value >= 0.0 && value.is_finite() {
        return Some(value);
    }
    cx.report(
        Diagnostic::new(
            Code::BadValue,
            &path,
            node.pos,
            format!("a price cannot be {value}"),
        )
        .hint("give the cost of one core-hour in your currency, e.g. `price_per_core_hour: 0.02`"),
    );
    None
}

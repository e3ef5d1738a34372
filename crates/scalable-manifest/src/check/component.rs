//! `components.<name>`: sizes, images, mounts and the per-provider rules.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Component, ContainerRuntime, Cpus, Memory};
use crate::rules::{self, ImageTag, MemoryError};
use crate::yaml::{Node, Pos};

use super::reader::{Ctx, Map, is_broken};

const KEYS: &[&str] = &[
    "image",
    "runtime",
    "cpus",
    "memory",
    "tags",
    "mounts",
    "env",
    "volume_mounts",
    "volumes",
];

const RUNTIMES: &[(&str, ContainerRuntime)] = &[
    ("apptainer", ContainerRuntime::Apptainer),
    ("docker", ContainerRuntime::Docker),
    ("none", ContainerRuntime::None),
];

/// Checks one component and builds it when everything read. `at` is where
/// its name is written, for a missing key.
pub(crate) fn component(cx: &mut Ctx<'_>, node: &Node, path: &str, at: Pos) -> Option<Component> {
    let m = cx.map(node, path, KEYS)?.at(at);
    let image = cx.opt_string(&m, "image");
    if let (Some(image), Some(n)) = (&image, m.get("image")) {
        image_warning(cx, image, n, &m.path("image"));
    }
    let runtime = m
        .get("runtime")
        .and_then(|n| cx.choice(n, &m.path("runtime"), RUNTIMES));
    let cpus = match m.get("cpus") {
        Some(n) => cpus(cx, n, &m.path("cpus")),
        None => Some(1.0),
    };
    let memory = cx
        .require(&m, "memory", "4G")
        .and_then(|n| memory(cx, n, &m.path("memory")));
    let tags = m
        .get("tags")
        .and_then(|n| cx.string_list(n, &m.path("tags")));
    let mounts = m
        .get("mounts")
        .and_then(|n| cx.string_map(n, &m.path("mounts")));
    if let (Some(mounts), Some(n)) = (&mounts, m.get("mounts")) {
        check_mounts(cx, mounts, n, &m.path("mounts"));
    }
    let env = m.get("env").and_then(|n| cx.string_map(n, &m.path("env")));
    let volume_mounts = m
        .get("volume_mounts")
        .and_then(|n| cx.object_list(n, &m.path("volume_mounts")));
    let volumes = m
        .get("volumes")
        .and_then(|n| cx.object_list(n, &m.path("volumes")));
    kubernetes_objects(
        cx,
        volume_mounts,
        &m.path("volume_mounts"),
        &["name", "mountPath"],
    );
    kubernetes_objects(cx, volumes, &m.path("volumes"), &["name"]);
    fargate_rules(cx, &m, cpus, memory.as_ref());

    Some(Component {
        image,
        runtime,
        cpus: Cpus(cpus?),
        memory: memory?,
        tags: tags.unwrap_or_default(),
        mounts: mounts.unwrap_or_default(),
        env: env.unwrap_or_default(),
        volume_mounts: volume_mounts
            .unwrap_or_default()
            .iter()
            .map(Node::to_json)
            .collect(),
        volumes: volumes
            .unwrap_or_default()
            .iter()
            .map(Node::to_json)
            .collect(),
    })
}

fn cpus(cx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<f64> {
    let n = cx.number(node, path)?;
    if n > 0.0 && n.is_finite() {
        return Some(n);
    }
    cx.report(
        Diagnostic::new(
            Code::BadCpus,
            path,
            node.pos,
            format!("cpus must be greater than 0, found {n}"),
        )
        .hint("give the CPUs one worker needs, e.g. `cpus: 4` (fractions like 0.5 are allowed)"),
    );
    None
}

fn memory(cx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Memory> {
    let scalar = match node.scalar() {
        Some(s) if s.broken => return None,
        Some(s) => s,
        None => {
            cx.string(node, path);
            return None;
        }
    };
    let shown = scalar.shown();
    match rules::parse_memory(&scalar.text) {
        Ok(bytes) if bytes >= 1.0 => Some(Memory {
            text: scalar.text.clone(),
            bytes: bytes as u64,
        }),
        Ok(_) => {
            cx.report(
                Diagnostic::new(
                    Code::NonpositiveMemory,
                    path,
                    node.pos,
                    format!("memory must be at least 1 byte, found `{shown}`"),
                )
                .hint("give the memory one worker needs, e.g. `memory: 16G`"),
            );
            None
        }
        Err(MemoryError::NoUnit) => {
            cx.report(
                Diagnostic::new(
                    Code::BadMemory,
                    path,
                    node.pos,
                    format!("memory `{shown}` has no unit"),
                )
                .hint(format!(
                    "add a unit: `{shown}G` for gibibytes, `{shown}M` for mebibytes"
                )),
            );
            None
        }
        Err(MemoryError::Malformed) => {
            cx.report(
                Diagnostic::new(
                    Code::BadMemory,
                    path,
                    node.pos,
                    format!("`{shown}` is not a memory size"),
                )
                .hint("write a number and a unit with no space, e.g. `512M`, `16G`, `1Ti`"),
            );
            None
        }
    }
}

fn image_warning(cx: &mut Ctx<'_>, image: &str, node: &Node, path: &str) {
    match rules::image_tag(image) {
        ImageTag::Missing => cx.report(
            Diagnostic::new(
                Code::ImageNoTag,
                path,
                node.pos,
                format!("image `{image}` has no tag"),
            )
            .hint(format!(
                "pin a version, e.g. `{image}:1.0.0`, so reruns use the same software"
            )),
        ),
        ImageTag::Latest => cx.report(
            Diagnostic::new(
                Code::LatestTag,
                path,
                node.pos,
                format!("image `{image}` uses the `latest` tag"),
            )
            .hint("pin a version so reruns (and cache keys) use the same software"),
        ),
        ImageTag::Pinned | ImageTag::File => {}
    }
}

fn check_mounts(
    cx: &mut Ctx<'_>,
    mounts: &std::collections::BTreeMap<String, String>,
    node: &Node,
    path: &str,
) {
    for (host, container) in mounts {
        if container.starts_with('/') {
            continue;
        }
        let pos = node.get(host).map_or(node.pos, |n| n.pos);
        cx.report(
            Diagnostic::new(
                Code::RelativeContainerMount,
                crate::path::child(path, host),
                pos,
                format!("container path `{container}` is not absolute"),
            )
            .hint(format!(
                "mount inside the container at an absolute path, e.g. `{host}: /{}`",
                container.trim_start_matches("./")
            )),
        );
    }
}

fn kubernetes_objects(cx: &mut Ctx<'_>, items: Option<&[Node]>, path: &str, required: &[&str]) {
    for (i, item) in items.unwrap_or_default().iter().enumerate() {
        let at = format!("{path}[{i}]");
        for key in required {
            if item.get(key).is_none() {
                cx.report(
                    Diagnostic::new(
                        Code::MissingKey,
                        format!("{at}.{key}"),
                        item.pos,
                        format!("`{at}` is missing `{key}`"),
                    )
                    .hint(format!("Kubernetes needs `{key}` on every entry")),
                );
            }
        }
        // Volume names only matter to Kubernetes.
        if cx.kubernetes
            && let Some(node) = item.get("name").filter(|n| !is_broken(n))
            && let Some(name) = node.scalar()
            && !rules::is_dns1123_label(&name.text)
        {
            dns_error(
                cx,
                &format!("{at}.name"),
                node.pos,
                &name.text,
                DnsRule::Label,
                "volume name",
            );
        }
    }
}

/// Which DNS-1123 rule a Kubernetes name must follow.
#[derive(Clone, Copy)]
pub(crate) enum DnsRule {
    /// One label: at most 63 of `a-z0-9-`.
    Label,
    /// Labels joined by `.`, at most 253 in all.
    Subdomain,
}

/// Reports a name Kubernetes would refuse under `rule`.
pub(crate) fn dns_error(
    cx: &mut Ctx<'_>,
    path: &str,
    pos: Pos,
    name: &str,
    rule: DnsRule,
    what: &str,
) {
    let (rule_text, allowed, suggestion) = match rule {
        DnsRule::Label => (
            "DNS-1123 label: lowercase letters, digits and `-`, at most 63",
            "use only lowercase letters, digits and `-`, starting and ending with a letter or digit",
            rules::dns1123_suggestion(name),
        ),
        DnsRule::Subdomain => (
            "DNS-1123 subdomain: lowercase letters, digits, `-` and `.`, at most 253",
            "use parts of lowercase letters, digits and `-` joined by `.`",
            rules::dns1123_subdomain_suggestion(name),
        ),
    };
    // A spelling derived from a secret would give it away.
    let hint = if suggestion.is_empty() || cx.sink.shows_secret(name) {
        allowed.to_string()
    } else {
        format!("use `{suggestion}`")
    };
    cx.report(
        Diagnostic::new(
            Code::Dns1123Name,
            path,
            pos,
            format!("{what} `{name}` is not a valid Kubernetes name ({rule_text})"),
        )
        .hint(hint),
    );
}

fn fargate_rules(cx: &mut Ctx<'_>, m: &Map<'_>, cpus: Option<f64>, memory: Option<&Memory>) {
    if !cx.fargate {
        return;
    }
    if let (Some(c), Some(n)) = (cpus, m.get("cpus"))
        && c > rules::FARGATE_MAX_CPUS
    {
        cx.report(
            Diagnostic::new(
                Code::FargateCpuMemory,
                m.path("cpus"),
                n.pos,
                format!("{c} CPUs is more than the largest Fargate task (16 vCPU)"),
            )
            .hint("lower `cpus` to 16 or less, or use `cluster_type: ec2` with a larger instance"),
        );
    }
    if let (Some(mem), Some(n)) = (memory, m.get("memory"))
        && mem.bytes as f64 > rules::FARGATE_MAX_BYTES
    {
        cx.report(
            Diagnostic::new(
                Code::FargateCpuMemory,
                m.path("memory"),
                n.pos,
                format!(
                    "memory `{}` is more than the largest Fargate task (120 GiB)",
                    mem.text
                ),
            )
            .hint(
                "lower `memory` to 120G or less, or use `cluster_type: ec2` with a larger instance",
            ),
        );
    }
}

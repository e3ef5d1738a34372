//! The whole document: top-level keys, project, tasks, overlays and the
//! cross-references between them.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::{Component, Manifest, OutputKind, Project, Target, Task};
use crate::path::child;
use crate::rules;
use crate::yaml::{Node, Plain, Pos};

use super::component::{component, dns_error};
use super::reader::{Ctx, Map};
use super::target::target;

/// Top-level keys of a manifest.
pub const TOP_KEYS: &[&str] = &[
    "version",
    "project",
    "targets",
    "components",
    "tasks",
    "overlays",
];
/// Top-level keys an overlay may set.
pub const OVERLAY_KEYS: &[&str] = &["project", "targets", "components", "tasks"];
const PROJECT_KEYS: &[&str] = &["name", "default_storage", "local_cache"];
const TASK_KEYS: &[&str] = &["component", "cache", "outputs"];

/// Checks a whole manifest; builds it when every part read.
pub(crate) fn manifest(cx: &mut Ctx<'_>, root: &Node) -> Option<Manifest> {
    let m = cx.map(root, "", TOP_KEYS)?;
    let version = cx.require(&m, "version", "1").and_then(|n| version(cx, n));
    let project = cx
        .require(&m, "project", "{name: my-project}")
        .and_then(|n| project(cx, n, "project"));
    let targets = cx
        .require(&m, "targets", "{local: {provider: local}}")
        .and_then(|n| named_each(cx, n, "targets", |cx, _, v, path| target(cx, v, path)));
    let components = cx.require(&m, "components", "{}").and_then(|n| {
        named_each(cx, n, "components", |cx, k, v, path| {
            if cx.kubernetes && !rules::is_dns1123_label(k.key_text()) {
                dns_error(
                    cx,
                    path,
                    k.pos,
                    k.key_text(),
                    "component (worker group) name",
                );
            }
            component(cx, v, path)
        })
    });
    let tasks = cx
        .require(&m, "tasks", "{}")
        .and_then(|n| named_each(cx, n, "tasks", |cx, _, v, path| task(cx, v, path)));
    let overlays = m.get("overlays").and_then(|n| overlays(cx, n));
    cross_references(
        cx,
        &m,
        targets.as_ref(),
        components.as_ref(),
        tasks.as_ref(),
        overlays.as_ref(),
    );
    Some(Manifest {
        version: version?,
        project: project?,
        targets: targets?,
        components: components?,
        tasks: tasks?,
        overlays: overlays.unwrap_or_default(),
        secret_values: Vec::new(),
    })
}

fn version(cx: &mut Ctx<'_>, node: &Node) -> Option<u32> {
    if let Some(Plain::Int(1)) = node.scalar().map(|s| s.plain_value()) {
        return Some(1);
    }
    let found = node.scalar().map_or_else(
        || node.type_name().to_string(),
        |s| format!("`{}`", s.shown()),
    );
    cx.report(
        Diagnostic::new(
            Code::BadVersion,
            "version",
            node.pos,
            format!("unsupported manifest version {found}"),
        )
        .hint("this Scalable reads schema version 1: write `version: 1`"),
    );
    None
}

fn project(cx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Project> {
    let m = cx.map(node, path, PROJECT_KEYS)?;
    let name = cx
        .require(&m, "name", "my-project")
        .and_then(|n| cx.string(n, &m.path("name")));
    Some(Project {
        name: name?,
        default_storage: cx.opt_string(&m, "default_storage"),
        local_cache: cx.opt_string(&m, "local_cache"),
    })
}

fn task(cx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Task> {
    let m = cx.map(node, path, TASK_KEYS)?;
    let component = cx
        .require(&m, "component", "<component name>")
        .and_then(|n| cx.string(n, &m.path("component")));
    let cache = m.get("cache").and_then(|n| cx.boolean(n, &m.path("cache")));
    let outputs = m.get("outputs").and_then(|n| {
        named_each(cx, n, &m.path("outputs"), |cx, _, v, path| {
            cx.choice(
                v,
                path,
                &[
                    ("dir", OutputKind::Dir),
                    ("file", OutputKind::File),
                    ("value", OutputKind::Value),
                ],
            )
        })
    });
    Some(Task {
        component: component?,
        cache: if m.get("cache").is_some() {
            cache?
        } else {
            false
        },
        outputs: if m.get("outputs").is_some() {
            outputs?
        } else {
            BTreeMap::new()
        },
    })
}

/// Reads every entry of a name-keyed mapping; `None` if any entry failed.
fn named_each<T>(
    cx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    mut read: impl FnMut(&mut Ctx<'_>, &Node, &Node, &str) -> Option<T>,
) -> Option<BTreeMap<String, T>> {
    let entries = cx.named(node, path)?;
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (k, v) in entries {
        match read(cx, k, v, &child(path, k.key_text())) {
            Some(t) => {
                out.insert(k.key_text().to_string(), t);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Overlays are partial manifests: their keys and values are checked where
/// they stand; what they mean together is checked on each resolved target.
fn overlays(
    cx: &mut Ctx<'_>,
    node: &Node,
) -> Option<BTreeMap<String, serde_json::Map<String, serde_json::Value>>> {
    let was = std::mem::replace(&mut cx.partial, true);
    let out = named_each(cx, node, "overlays", |cx, _, v, path| {
        let m = cx.map(v, path, OVERLAY_KEYS)?;
        if let Some(n) = m.get("project") {
            project(cx, n, &m.path("project"));
        }
        for (key, read) in [
            ("targets", target_fn as PartFn),
            ("components", component_fn),
            ("tasks", task_fn),
        ] {
            if let Some(n) = m.get(key) {
                named_each(cx, n, &m.path(key), |cx, _, v, path| {
                    read(cx, v, path);
                    Some(())
                });
            }
        }
        v.to_json().as_object().cloned()
    });
    cx.partial = was;
    out
}

type PartFn = fn(&mut Ctx<'_>, &Node, &str);
fn target_fn(cx: &mut Ctx<'_>, v: &Node, path: &str) {
    target(cx, v, path);
}
fn component_fn(cx: &mut Ctx<'_>, v: &Node, path: &str) {
    component(cx, v, path);
}
fn task_fn(cx: &mut Ctx<'_>, v: &Node, path: &str) {
    task(cx, v, path);
}

fn cross_references(
    cx: &mut Ctx<'_>,
    m: &Map<'_>,
    targets: Option<&BTreeMap<String, Target>>,
    components: Option<&BTreeMap<String, Component>>,
    tasks: Option<&BTreeMap<String, Task>>,
    overlays: Option<&BTreeMap<String, serde_json::Map<String, serde_json::Value>>>,
) {
    if cx.partial {
        return;
    }
    let component_names: BTreeSet<&str> = m
        .get("components")
        .and_then(Node::entries)
        .unwrap_or_default()
        .iter()
        .map(|(k, _)| k.key_text())
        .collect();
    let mut used = BTreeSet::new();
    for (k, v) in m.get("tasks").and_then(Node::entries).unwrap_or_default() {
        let Some(c) = v.get("component").and_then(Node::scalar) else {
            continue;
        };
        used.insert(c.text.as_str());
        if m.get("components").is_some() && !component_names.contains(c.text.as_str()) {
            let path = format!("tasks.{}.component", k.key_text());
            let pos = v.get("component").map_or(v.pos, |n| n.pos);
            unknown_name(
                cx,
                Code::UnknownComponent,
                &path,
                pos,
                "component",
                &c.text,
                &component_names,
            );
        }
    }
    let overlay_names: BTreeSet<&str> = m
        .get("overlays")
        .and_then(Node::entries)
        .unwrap_or_default()
        .iter()
        .map(|(k, _)| k.key_text())
        .collect();
    for (k, v) in m.get("targets").and_then(Node::entries).unwrap_or_default() {
        let Some(o) = v.get("overlay").and_then(Node::scalar) else {
            continue;
        };
        if !overlay_names.contains(o.text.as_str()) {
            let path = format!("targets.{}.overlay", k.key_text());
            let pos = v.get("overlay").map_or(v.pos, |n| n.pos);
            unknown_name(
                cx,
                Code::UnknownOverlay,
                &path,
                pos,
                "overlay",
                &o.text,
                &overlay_names,
            );
        }
    }
    let _ = overlays;
    if targets.is_some_and(BTreeMap::is_empty) {
        let pos = m.get("targets").map_or(m.node.pos, |n| n.pos);
        cx.report(
            Diagnostic::new(
                Code::NoTargets,
                "targets",
                pos,
                "no targets are defined; nothing can run",
            )
            .hint("add one, e.g. `local: {provider: local}`"),
        );
    }
    if tasks.is_some_and(BTreeMap::is_empty) {
        let pos = m.get("tasks").map_or(m.node.pos, |n| n.pos);
        cx.report(
            Diagnostic::new(
                Code::NoTasks,
                "tasks",
                pos,
                "no tasks are defined; plans will have nothing to bind",
            )
            .hint("bind each task function to a component, e.g. `run_model: {component: model}`"),
        );
        return;
    }
    if components.is_some() && tasks.is_some() {
        for (k, _) in m
            .get("components")
            .and_then(Node::entries)
            .unwrap_or_default()
        {
            let name = k.key_text();
            if !used.contains(name) {
                cx.report(
                    Diagnostic::new(
                        Code::UnusedComponent,
                        child("components", name),
                        k.pos,
                        format!("component `{name}` is not used by any task"),
                    )
                    .hint(format!(
                        "bind a task to it (`component: {name}`) or remove it"
                    )),
                );
            }
        }
    }
}

fn unknown_name(
    cx: &mut Ctx<'_>,
    code: Code,
    path: &str,
    pos: Pos,
    what: &str,
    name: &str,
    known: &BTreeSet<&str>,
) {
    let d = Diagnostic::new(code, path, pos, format!("unknown {what} `{name}`"));
    let listed = if known.is_empty() {
        "none are defined".to_string()
    } else {
        format!(
            "defined: {}",
            known.iter().copied().collect::<Vec<_>>().join(", ")
        )
    };
    cx.report(match did_you_mean(name, known.iter().copied()) {
        Some(s) => d.hint(format!("did you mean `{s}`? {listed}")),
        None => d.hint(format!("{listed}; define `{what}s.{name}` or fix the name")),
    });
}

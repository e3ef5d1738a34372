//! The whole document: top-level keys, project, tasks, overlays and the
//! cross-references between them.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::{Component, Manifest, OutputKind, Project, Target, Task};
use crate::path::child;
use crate::rules;
use crate::yaml::{Node, Plain, Pos};

use super::component::{DnsRule, component, dns_error};
use super::reader::{Ctx, Map, is_broken};
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
        .and_then(|n| project(cx, n, "project", m.key_pos("project")));
    let targets = cx
        .require(&m, "targets", "{local: {provider: local}}")
        .and_then(|n| {
            named_each(cx, n, "targets", |cx, k, v, path| {
                target(cx, v, path, k.pos)
            })
        });
    let components = cx.require(&m, "components", "{}").and_then(|n| {
        named_each(cx, n, "components", |cx, k, v, path| {
            if cx.kubernetes && !rules::is_dns1123_label(k.key_text()) {
                dns_error(
                    cx,
                    path,
                    k.pos,
                    k.key_text(),
                    DnsRule::Label,
                    "component (worker group) name",
                );
            }
            component(cx, v, path, k.pos)
        })
    });
    let tasks = cx
        .require(&m, "tasks", "{}")
        .and_then(|n| named_each(cx, n, "tasks", |cx, k, v, path| task(cx, v, path, k.pos)));
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
    if is_broken(node) {
        return None;
    }
    let d = match node.scalar() {
        Some(s) if s.plain_value() == Plain::Int(1) => return Some(1),
        // `version: "1"`: a string, whatever it says.
        Some(s) if !s.plain => Diagnostic::new(
            Code::BadVersion,
            "version",
            node.pos,
            format!(
                "manifest version is the string `{}`, not a number",
                s.shown()
            ),
        )
        .hint("remove the quotes: `version: 1`"),
        scalar => Diagnostic::new(
            Code::BadVersion,
            "version",
            node.pos,
            format!(
                "unsupported manifest version {}",
                scalar.map_or_else(
                    || node.type_name().to_string(),
                    |s| format!("`{}`", s.shown())
                )
            ),
        )
        .hint("this Scalable reads schema version 1: write `version: 1`"),
    };
    cx.report(d);
    None
}

fn project(cx: &mut Ctx<'_>, node: &Node, path: &str, at: Pos) -> Option<Project> {
    let m = cx.map(node, path, PROJECT_KEYS)?.at(at);
    let name = cx
        .require(&m, "name", "my-project")
        .and_then(|n| cx.string(n, &m.path("name")));
    Some(Project {
        name: name?,
        default_storage: cx.opt_string(&m, "default_storage"),
        local_cache: cx.opt_string(&m, "local_cache"),
    })
}

fn task(cx: &mut Ctx<'_>, node: &Node, path: &str, at: Pos) -> Option<Task> {
    let m = cx.map(node, path, TASK_KEYS)?.at(at);
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
    let out = named_each(cx, node, "overlays", |cx, _, v, path| overlay(cx, v, path));
    cx.partial = was;
    out
}

/// Checks one overlay body (a partial manifest) at `path` (`""` for an
/// overlay file); its JSON form when it is a mapping of allowed keys.
pub(crate) fn overlay(
    cx: &mut Ctx<'_>,
    v: &Node,
    path: &str,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let was = std::mem::replace(&mut cx.partial, true);
    let m = overlay_keys(cx, v, path, None);
    if let Some(m) = &m {
        if let Some(n) = m.get("project") {
            project(cx, n, &m.path("project"), m.key_pos("project"));
        }
        for (key, read) in [
            ("targets", target_fn as PartFn),
            ("components", component_fn),
            ("tasks", task_fn),
        ] {
            if let Some(n) = m.get(key) {
                named_each(cx, n, &m.path(key), |cx, k, v, path| {
                    read(cx, v, path, k.pos);
                    Some(())
                });
            }
        }
    }
    cx.partial = was;
    m?;
    v.to_json().as_object().cloned()
}

/// Reports what resolving a target drops from overlay `node`, where it is
/// written: top-level keys an overlay may not hold (`version`, `overlays`),
/// and an `overlay` key in one of its targets (overlays do not chain). With
/// `target`, only that target's entry is looked at: no other reaches its
/// resolved form.
pub(crate) fn overlay_keys<'n>(
    cx: &mut Ctx<'_>,
    node: &'n Node,
    path: &str,
    target: Option<&str>,
) -> Option<Map<'n>> {
    let m = cx.map(node, path, OVERLAY_KEYS)?;
    let targets = m.get("targets").and_then(Node::entries).unwrap_or_default();
    for (k, v) in targets {
        if target.is_some_and(|t| t != k.key_text()) {
            continue;
        }
        let entries = v.entries().unwrap_or_default();
        let Some((key, _)) = entries.iter().find(|(key, _)| key.key_text() == "overlay") else {
            continue;
        };
        cx.report(
            Diagnostic::new(
                Code::UnknownKey,
                child(&child(&m.path("targets"), k.key_text()), "overlay"),
                key.pos,
                "`overlay` is not allowed in an overlay's target",
            )
            .hint("overlays cannot chain: name one overlay on the target"),
        );
    }
    Some(m)
}

type PartFn = fn(&mut Ctx<'_>, &Node, &str, Pos);
fn target_fn(cx: &mut Ctx<'_>, v: &Node, path: &str, at: Pos) {
    target(cx, v, path, at);
}
fn component_fn(cx: &mut Ctx<'_>, v: &Node, path: &str, at: Pos) {
    component(cx, v, path, at);
}
fn task_fn(cx: &mut Ctx<'_>, v: &Node, path: &str, at: Pos) {
    task(cx, v, path, at);
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
        let Some(c) = v
            .get("component")
            .filter(|n| !is_broken(n))
            .and_then(Node::scalar)
        else {
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
        let Some(o) = v
            .get("overlay")
            .filter(|n| !is_broken(n))
            .and_then(Node::scalar)
        else {
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

/// Reports a reference to a name `known` does not hold, with a suggestion.
pub(crate) fn unknown_name(
    cx: &mut Ctx<'_>,
    code: Code,
    path: &str,
    pos: Pos,
    what: &str,
    name: &str,
    known: &BTreeSet<&str>,
) {
    let d = Diagnostic::new(code, path, pos, format!("unknown {what} `{name}`"));
    // Every unknown name repeats this list: with thousands of names, listing
    // them all makes the report quadratic in the manifest's size.
    const LISTED: usize = 20;
    let listed = if known.is_empty() {
        "none are defined".to_string()
    } else if known.len() > LISTED {
        format!(
            "defined: {} and {} more",
            known
                .iter()
                .take(LISTED)
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            known.len() - LISTED
        )
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

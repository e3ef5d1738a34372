//! Overlays: a partial manifest deep-merged onto the base when a target names it.

use std::rc::Rc;

use crate::yaml::{Kind, Node};

/// Deep merge: mappings merge key by key (the overlay wins), anything else
/// (lists, scalars, a mapping over a scalar) is replaced by the overlay.
pub fn merge(base: &Node, overlay: &Node) -> Node {
    match (&base.kind, &overlay.kind) {
        (Kind::Map(b), Kind::Map(o)) => {
            let mut entries: Vec<(Node, Node)> = b
                .iter()
                .map(|(k, v)| match overlay.get(k.key_text()) {
                    Some(ov) => (k.clone(), merge(v, ov)),
                    None => (k.clone(), v.clone()),
                })
                .collect();
            for (k, v) in o.iter() {
                if base.get(k.key_text()).is_none() {
                    entries.push((k.clone(), v.clone()));
                }
            }
            Node {
                kind: Kind::Map(Rc::new(entries)),
                pos: base.pos,
            }
        }
        _ => overlay.clone(),
    }
}

/// The manifest as target `name` sees it: only that target, its overlay
/// applied, and the `overlays` block and `overlay` key dropped. `None` when the
/// target does not exist; an undefined overlay is ignored here (validation
/// reports it).
pub fn resolve(root: &Node, name: &str) -> Option<Node> {
    let target = root.get("targets")?.get(name)?;
    let overlay = target
        .get("overlay")
        .and_then(Node::scalar)
        .and_then(|o| root.get("overlays")?.get(&o.text));
    let target = without(target, &["overlay"]);
    let mut base = without(root, &["overlays"]);
    if let Kind::Map(entries) = &mut base.kind {
        let entries = Rc::make_mut(entries);
        for (k, v) in entries.iter_mut() {
            if k.key_text() == "targets" {
                let only = v
                    .entries()
                    .unwrap_or_default()
                    .iter()
                    .find(|(tk, _)| tk.key_text() == name);
                let kept: Vec<(Node, Node)> = only
                    .map(|(tk, _)| (tk.clone(), target.clone()))
                    .into_iter()
                    .collect();
                *v = Node {
                    kind: Kind::Map(Rc::new(kept)),
                    pos: v.pos,
                };
            }
        }
    }
    let merged = match overlay {
        Some(o) => merge(&base, &strip_target_overlays(o)),
        None => base,
    };
    Some(merged)
}

/// A mapping without `keys`; anything else unchanged.
fn without(node: &Node, keys: &[&str]) -> Node {
    match &node.kind {
        Kind::Map(entries) => Node {
            kind: Kind::Map(Rc::new(
                entries
                    .iter()
                    .filter(|(k, _)| !keys.contains(&k.key_text()))
                    .cloned()
                    .collect(),
            )),
            pos: node.pos,
        },
        _ => node.clone(),
    }
}

/// An overlay cannot chain to another overlay: drop `overlay` keys in its targets.
fn strip_target_overlays(overlay: &Node) -> Node {
    let Some(entries) = overlay.entries() else {
        return overlay.clone();
    };
    let entries = entries
        .iter()
        .map(|(k, v)| {
            if k.key_text() != "targets" {
                return (k.clone(), v.clone());
            }
            let targets = v
                .entries()
                .unwrap_or_default()
                .iter()
                .map(|(tk, tv)| (tk.clone(), without(tv, &["overlay"])))
                .collect();
            (
                k.clone(),
                Node {
                    kind: Kind::Map(Rc::new(targets)),
                    pos: v.pos,
                },
            )
        })
        .collect();
    Node {
        kind: Kind::Map(Rc::new(entries)),
        pos: overlay.pos,
    }
}

//! Overlays: a partial manifest deep-merged onto the base when a target names it.

use std::sync::Arc;

use crate::check::OVERLAY_KEYS;
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
                kind: Kind::Map(Arc::new(entries)),
                pos: base.pos,
            }
        }
        _ => overlay.clone(),
    }
}

/// The manifest as target `name` sees it: only that target, its overlay
/// applied (see [`for_target`]), and the `overlays` block and `overlay` key
/// dropped. `None` when the target does not exist; an undefined overlay, or
/// one that is not a mapping, is ignored here (validation reports it).
pub fn resolve(root: &Node, name: &str) -> Option<Node> {
    let target = root.get("targets")?.get(name)?;
    let overlay = target
        .get("overlay")
        .and_then(Node::scalar)
        .and_then(|o| root.get("overlays")?.get(&o.text));
    let target = without(target, &["overlay"]);
    let mut base = without(root, &["overlays"]);
    if let Kind::Map(entries) = &mut base.kind {
        let entries = Arc::make_mut(entries);
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
                    kind: Kind::Map(Arc::new(kept)),
                    pos: v.pos,
                };
            }
        }
    }
    let merged = match overlay.and_then(|o| for_target(o, name)) {
        Some(o) => merge(&base, &o),
        None => base,
    };
    Some(merged)
}

/// A mapping without `keys`; anything else unchanged.
fn without(node: &Node, keys: &[&str]) -> Node {
    match &node.kind {
        Kind::Map(entries) => Node {
            kind: Kind::Map(Arc::new(
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

/// What of `overlay` merges onto the manifest target `name` sees: the keys an
/// overlay may hold (others, such as `version`, are dropped), and of its
/// `targets` only `name`'s entry, without an `overlay` key (overlays do not
/// chain). Validation reports what is dropped. `None` when the overlay is not
/// a mapping.
fn for_target(overlay: &Node, name: &str) -> Option<Node> {
    let entries = overlay
        .entries()?
        .iter()
        .filter(|(k, _)| OVERLAY_KEYS.contains(&k.key_text()))
        .map(|(k, v)| match v.entries() {
            Some(targets) if k.key_text() == "targets" => {
                let only = targets
                    .iter()
                    .filter(|(tk, _)| tk.key_text() == name)
                    .map(|(tk, tv)| (tk.clone(), without(tv, &["overlay"])))
                    .collect();
                let only = Node {
                    kind: Kind::Map(Arc::new(only)),
                    pos: v.pos,
                };
                (k.clone(), only)
            }
            _ => (k.clone(), v.clone()),
        })
        .collect();
    Some(Node {
        kind: Kind::Map(Arc::new(entries)),
        pos: overlay.pos,
    })
}

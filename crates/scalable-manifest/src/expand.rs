//! `${VAR}` and `${VAR:-default}` expansion over the tree, with `$${` as an
//! escape for a literal `${`.

use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic, Sink};
use crate::env::{Env, is_secret_name};
use crate::path::child;
use crate::yaml::{Kind, Node, Pos, Scalar};

/// Expands every scalar value (keys are left alone). Unset variables are errors,
/// except in storage URIs, where they stay literal for the run to resolve.
/// Subtrees without a `$` are shared with `root`, not copied.
pub fn expand(root: &Node, env: &Env, sink: &mut Sink) -> Node {
    walk(root, &mut Vec::new(), env, sink).unwrap_or_else(|| root.clone())
}

/// One step of the path to a node: a mapping key or a list index.
enum Step<'n> {
    Key(&'n str),
    Index(usize),
}

/// The dotted path of `steps`, built only when a scalar needs it.
fn dotted(steps: &[Step<'_>]) -> String {
    let mut path = String::new();
    for step in steps {
        match step {
            Step::Key(k) => path = child(&path, k),
            Step::Index(i) => path.push_str(&format!("[{i}]")),
        }
    }
    path
}

/// The node with its variables expanded, or `None` when nothing under it
/// changes (the caller keeps sharing the original).
fn walk<'n>(node: &'n Node, steps: &mut Vec<Step<'n>>, env: &Env, sink: &mut Sink) -> Option<Node> {
    match &node.kind {
        Kind::Scalar(s) if s.text.contains('$') => {
            let path = dotted(steps);
            let keep_unset = is_storage_path(&path);
            let before = sink.len();
            let (text, secret) =
                expand_text(&s.text, node.pos, s.plain, &path, env, keep_unset, sink);
            let broken = sink.len() > before;
            Some(Node {
                kind: Kind::Scalar(Scalar {
                    text,
                    plain: s.plain,
                    secret: s.secret || secret,
                    broken,
                }),
                pos: node.pos,
            })
        }
        Kind::Scalar(_) => None,
        Kind::Seq(items) => {
            let mut changed: Option<Vec<Node>> = None;
            for (i, item) in items.iter().enumerate() {
                steps.push(Step::Index(i));
                let new = walk(item, steps, env, sink);
                steps.pop();
                match (new, &mut changed) {
                    (Some(new), None) => {
                        let mut v = items[..i].to_vec();
                        v.push(new);
                        changed = Some(v);
                    }
                    (Some(new), Some(v)) => v.push(new),
                    (None, Some(v)) => v.push(item.clone()),
                    (None, None) => {}
                }
            }
            changed.map(|v| Node {
                kind: Kind::Seq(Arc::new(v)),
                pos: node.pos,
            })
        }
        Kind::Map(entries) => {
            let mut changed: Option<Vec<(Node, Node)>> = None;
            for (i, (k, v)) in entries.iter().enumerate() {
                steps.push(Step::Key(k.key_text()));
                let new = walk(v, steps, env, sink);
                steps.pop();
                match (new, &mut changed) {
                    (Some(new), None) => {
                        let mut out = entries[..i].to_vec();
                        out.push((k.clone(), new));
                        changed = Some(out);
                    }
                    (Some(new), Some(out)) => out.push((k.clone(), new)),
                    (None, Some(out)) => out.push((k.clone(), v.clone())),
                    (None, None) => {}
                }
            }
            changed.map(|out| Node {
                kind: Kind::Map(Arc::new(out)),
                pos: node.pos,
            })
        }
    }
}

/// `project.default_storage`, directly or inside an overlay.
fn is_storage_path(path: &str) -> bool {
    path == "project.default_storage"
        || (path.starts_with("overlays.") && path.ends_with(".project.default_storage"))
}

fn expand_text(
    text: &str,
    pos: Pos,
    plain: bool,
    path: &str,
    env: &Env,
    keep_unset: bool,
    sink: &mut Sink,
) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut secret = false;
    let mut rest = text;
    let mut offset = 0;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(literal) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = literal;
            offset += i + 3;
            continue;
        }
        if !after.starts_with("${") {
            out.push('$');
            rest = &after[1..];
            offset += i + 1;
            continue;
        }
        let at = var_pos(pos, plain, text, offset + i);
        let Some(end) = after.find('}') else {
            sink.push(
                Diagnostic::new(Code::BadValue, path, at, "`${` is not closed by `}`")
                    .hint("write `${NAME}`, or `$${` for a literal `${`"),
            );
            out.push_str(after);
            return (out, secret);
        };
        let inner = &after[2..end];
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        match (
            env.get(name).filter(|v| !v.is_empty() || default.is_none()),
            default,
        ) {
            (Some(value), _) => {
                if is_secret_name(name) {
                    secret = true;
                    sink.secret(value);
                }
                out.push_str(value);
            }
            (None, Some(d)) => out.push_str(d),
            (None, None) if keep_unset => out.push_str(&after[..=end]),
            (None, None) => {
                sink.push(
                    Diagnostic::new(
                        Code::UnsetVariable,
                        path,
                        Pos { len: end + 1, ..at },
                        format!("environment variable `{name}` is not set"),
                    )
                    .hint(format!(
                        "export `{name}`, add it to `.env`, or give a default: `${{{name}:-value}}`"
                    )),
                );
            }
        }
        rest = &after[end + 1..];
        offset += i + end + 1;
    }
    out.push_str(rest);
    (out, secret)
}

/// The column of the `${` inside a single-line scalar (quoted ones start one
/// character later than their node).
fn var_pos(pos: Pos, plain: bool, text: &str, byte_offset: usize) -> Pos {
    if text.contains('\n') {
        return pos;
    }
    let chars = text[..byte_offset].chars().count();
    Pos {
        column: pos.column + chars + usize::from(!plain),
        ..pos
    }
}

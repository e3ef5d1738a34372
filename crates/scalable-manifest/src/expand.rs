//! `${VAR}` and `${VAR:-default}` expansion over the tree, with `$${` as an
//! escape for a literal `${`.

use std::rc::Rc;

use crate::diagnostic::{Code, Diagnostic, Sink};
use crate::env::{Env, is_secret_name};
use crate::path::child;
use crate::yaml::{Kind, Node, Pos, Scalar};

/// Expands every scalar value (keys are left alone). Unset variables are errors,
/// except in storage URIs, where they stay literal for the run to resolve.
pub fn expand(root: &Node, env: &Env, sink: &mut Sink) -> Node {
    walk(root, "", env, sink)
}

fn walk(node: &Node, path: &str, env: &Env, sink: &mut Sink) -> Node {
    match &node.kind {
        Kind::Scalar(s) if s.text.contains('$') => {
            let keep_unset = is_storage_path(path);
            let before = sink.len();
            let (text, secret) =
                expand_text(&s.text, node.pos, s.plain, path, env, keep_unset, sink);
            let broken = sink.len() > before;
            Node {
                kind: Kind::Scalar(Scalar {
                    text,
                    plain: s.plain,
                    secret: s.secret || secret,
                    broken,
                }),
                pos: node.pos,
            }
        }
        Kind::Scalar(_) => node.clone(),
        Kind::Seq(items) => Node {
            kind: Kind::Seq(Rc::new(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| walk(item, &format!("{path}[{i}]"), env, sink))
                    .collect(),
            )),
            pos: node.pos,
        },
        Kind::Map(entries) => Node {
            kind: Kind::Map(Rc::new(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), walk(v, &child(path, k.key_text()), env, sink)))
                    .collect(),
            )),
            pos: node.pos,
        },
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
        if after.starts_with("$${") {
            out.push_str("${");
            rest = &after[3..];
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
                secret |= is_secret_name(name);
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

//! Builds the positioned tree from saphyr's event stream, enforcing the bounds
//! that keep a hostile file (billion laughs, deep nesting) cheap to refuse.

use std::collections::HashMap;
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::node::{Kind, Node, Pos, Scalar};
use crate::diagnostic::{Code, Diagnostic, Sink};
use crate::path::child;

/// Bounds on what a manifest may cost to load.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_bytes: usize,
    /// Most nodes after alias expansion.
    pub max_nodes: usize,
    /// Deepest nesting of collections.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 8 * 1024 * 1024,
            max_nodes: 1_000_000,
            max_depth: 64,
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        /// Nodes so far (aliases counted per use), this one included.
        size: usize,
        pos: Pos,
        anchor: usize,
        path: String,
    },
    Map {
        entries: Vec<(Node, Node)>,
        seen: HashMap<String, Pos>,
        key: Option<Node>,
        key_size: usize,
        merges: Vec<Node>,
        /// Nodes so far (aliases counted per use), this one included.
        size: usize,
        pos: Pos,
        anchor: usize,
        path: String,
    },
}

struct Builder<'s> {
    limits: Limits,
    sink: &'s mut Sink,
    frames: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
    documents: usize,
}

/// Parses `source` into a tree. Syntax errors and exceeded bounds are fatal and
/// returned; duplicate keys are recorded in `sink` and the first value kept.
pub fn parse(source: &str, limits: Limits, sink: &mut Sink) -> Result<Node, Diagnostic> {
    if source.len() > limits.max_bytes {
        return Err(Diagnostic::new(
            Code::Limit,
            "",
            Pos {
                line: 1,
                column: 1,
                len: 1,
            },
            format!(
                "the file is {} bytes; manifests are limited to {} bytes",
                source.len(),
                limits.max_bytes
            ),
        )
        .hint("split large generated sections into separate manifests"));
    }
    let mut b = Builder {
        limits,
        sink,
        frames: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        documents: 0,
    };
    for item in Parser::new_from_str(source) {
        let (event, span) = item.map_err(|e| {
            let m = e.marker();
            let pos = Pos {
                line: m.line(),
                column: m.col() + 1,
                len: 1,
            };
            // The scanner's own nesting bound (deep `[[[...` / `{{{...`) is a
            // limit, not a syntax error.
            if e.info() == "recursion limit exceeded" {
                return Diagnostic::new(
                    Code::Limit,
                    "",
                    pos,
                    "flow collections are nested too deeply",
                )
                .hint("a manifest needs only a few levels; check for runaway brackets");
            }
            Diagnostic::new(
                Code::YamlSyntax,
                "",
                pos,
                format!("YAML syntax error: {}", e.info()),
            )
            .hint("check indentation and quoting around this position")
        })?;
        b.event(event, span)?;
    }
    Ok(b.root.unwrap_or_else(|| {
        Node::empty_map(Pos {
            line: 1,
            column: 1,
            len: 1,
        })
    }))
}

fn pos_of(span: &Span) -> Pos {
    let (s, e) = (span.start, span.end);
    let len = if e.line() == s.line() && e.col() > s.col() {
        e.col() - s.col()
    } else {
        1
    };
    Pos {
        line: s.line(),
        column: s.col() + 1,
        len,
    }
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Diagnostic> {
        let pos = pos_of(&span);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(Diagnostic::new(
                        Code::YamlSyntax,
                        "",
                        pos,
                        "a manifest holds one YAML document; found a second",
                    )
                    .hint("remove the `---` separator and merge the documents"));
                }
            }
            Event::Scalar(text, style, anchor, _tag) => {
                // The scanner reserves 128 bytes for every plain scalar.
                let mut text = text.into_owned();
                text.shrink_to_fit();
                let node = Node {
                    kind: Kind::Scalar(Scalar {
                        text,
                        plain: style == ScalarStyle::Plain,
                        secret: false,
                        broken: false,
                    }),
                    pos,
                };
                self.count(1, pos)?;
                self.complete(node, anchor, 1)?;
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id).cloned() else {
                    return Err(Diagnostic::new(
                        Code::YamlSyntax,
                        "",
                        pos,
                        "alias to an unknown anchor",
                    ));
                };
                self.count(size, pos)?;
                self.complete(node, 0, size)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.enter(pos)?;
                let path = self.child_path();
                self.frames.push(Frame::Seq {
                    items: Vec::new(),
                    size: 1,
                    pos,
                    anchor,
                    path,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.enter(pos)?;
                let path = self.child_path();
                self.frames.push(Frame::Map {
                    entries: Vec::new(),
                    seen: HashMap::new(),
                    key: None,
                    key_size: 0,
                    merges: Vec::new(),
                    size: 1,
                    pos,
                    anchor,
                    path,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    mut items,
                    size,
                    pos,
                    anchor,
                    ..
                }) = self.frames.pop()
                {
                    items.shrink_to_fit();
                    let node = Node {
                        kind: Kind::Seq(Rc::new(items)),
                        pos,
                    };
                    self.complete(node, anchor, size)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    mut entries,
                    mut seen,
                    merges,
                    size,
                    pos,
                    anchor,
                    ..
                }) = self.frames.pop()
                {
                    let size = size + apply_merges(&mut entries, &mut seen, &merges);
                    entries.shrink_to_fit();
                    let node = Node {
                        kind: Kind::Map(Rc::new(entries)),
                        pos,
                    };
                    self.complete(node, anchor, size)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The dotted path of the collection about to start, for messages.
    fn child_path(&self) -> String {
        match self.frames.last() {
            None => String::new(),
            Some(Frame::Seq { items, path, .. }) => format!("{path}[{}]", items.len()),
            Some(Frame::Map { key, path, .. }) => {
                child(path, key.as_ref().map_or("", Node::key_text))
            }
        }
    }

    fn enter(&mut self, pos: Pos) -> Result<(), Diagnostic> {
        self.count(1, pos)?;
        if self.frames.len() >= self.limits.max_depth {
            return Err(Diagnostic::new(
                Code::Limit,
                "",
                pos,
                format!("nesting is deeper than {} levels", self.limits.max_depth),
            )
            .hint("a manifest needs only a few levels; check for runaway indentation"));
        }
        Ok(())
    }

    fn count(&mut self, n: usize, pos: Pos) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(Diagnostic::new(
                Code::Limit,
                "",
                pos,
                format!(
                    "the document expands to more than {} nodes (aliases included)",
                    self.limits.max_nodes
                ),
            )
            .hint(
                "anchors and aliases that refer to each other multiply; use fewer nested aliases",
            ));
        }
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), Diagnostic> {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.frames.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq {
                items, size: total, ..
            }) => {
                items.push(node);
                *total += size;
            }
            Some(Frame::Map {
                entries,
                seen,
                key,
                key_size,
                merges,
                size: total,
                path,
                ..
            }) => match key.take() {
                None => {
                    *key = Some(node);
                    *key_size = size;
                }
                Some(k) => {
                    let text = k.key_text().to_string();
                    let is_merge = text == "<<" && k.scalar().is_some_and(|s| s.plain);
                    if is_merge {
                        merges.push(node);
                    } else if let Some(first) = seen.get(&text) {
                        self.sink.push(
                            Diagnostic::new(
                                Code::DuplicateKey,
                                child(path, &text),
                                k.pos,
                                format!("duplicate key `{text}`"),
                            )
                            .hint(format!(
                                "`{text}` is first defined at line {}; keep one of them",
                                first.line
                            )),
                        );
                    } else {
                        seen.insert(text, k.pos);
                        entries.push((k, node));
                        *total += *key_size + size;
                    }
                }
            },
        }
        Ok(())
    }
}

/// YAML merge keys (`<<: *base` or `<<: [*a, *b]`): keys written in the mapping
/// win over merged ones, earlier merged mappings over later ones. Returns the
/// size of the entries added.
fn apply_merges(
    entries: &mut Vec<(Node, Node)>,
    seen: &mut HashMap<String, Pos>,
    merges: &[Node],
) -> usize {
    let mut added = 0;
    for merge in merges {
        let sources: Vec<&Node> = match &merge.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![merge],
        };
        for source in sources {
            for (k, v) in source.entries().unwrap_or_default() {
                let text = k.key_text();
                if !seen.contains_key(text) {
                    seen.insert(text.to_string(), k.pos);
                    added += k.size() + v.size();
                    entries.push((k.clone(), v.clone()));
                }
            }
        }
    }
    added
}

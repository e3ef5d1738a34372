//! Builds the positioned tree from saphyr's event stream, enforcing the bounds
//! that keep a hostile file (billion laughs, deep nesting) cheap to refuse.

use std::collections::HashMap;
use std::sync::Arc;

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
    },
    Map {
        entries: Vec<(Node, Node)>,
        seen: Keys,
        key: Option<Node>,
        key_size: usize,
        merges: Vec<Node>,
        /// Nodes so far (aliases counted per use), this one included.
        size: usize,
        pos: Pos,
        anchor: usize,
    },
}

/// The keys of a mapping being built, to find duplicates: a scan while the
/// mapping is small, a hash index once it is large (most mappings are small;
/// an index for each costs more than the scan).
#[derive(Default)]
struct Keys {
    index: HashMap<String, Pos>,
}

/// Largest mapping searched by a scan.
const SCAN: usize = 16;

impl Keys {
    /// Where `text` is first defined in `entries`.
    fn find(&self, entries: &[(Node, Node)], text: &str) -> Option<Pos> {
        if entries.len() <= SCAN {
            entries
                .iter()
                .find(|(k, _)| k.key_text() == text)
                .map(|(k, _)| k.pos)
        } else {
            self.index.get(text).copied()
        }
    }

    /// Records the entry just pushed onto `entries`.
    fn pushed(&mut self, entries: &[(Node, Node)]) {
        if entries.len() == SCAN + 1 {
            self.index.extend(
                entries
                    .iter()
                    .map(|(k, _)| (k.key_text().to_string(), k.pos)),
            );
        } else if let Some((k, _)) = entries.last().filter(|_| entries.len() > SCAN) {
            self.index.insert(k.key_text().to_string(), k.pos);
        }
    }
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
pub fn parse(source: &str, limits: Limits, sink: &mut Sink) -> Result<Node, Box<Diagnostic>> {
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
        .hint("split large generated sections into separate manifests")
        .into());
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
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Box<Diagnostic>> {
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
                    .hint("remove the `---` separator and merge the documents")
                    .into());
                }
            }
            Event::Scalar(text, style, anchor, _tag) => {
                // The scanner reserves 128 bytes for every plain scalar. An
                // exact copy keeps the tree small and hands the buffer back
                // whole for the next scalar; shrinking in place left glibc a
                // small fragment per scalar and cost ~25 % of a large
                // manifest's validation in fragment consolidation.
                let text = text.into_owned();
                let text = if text.capacity() > text.len() + 16 {
                    text.as_str().to_owned()
                } else {
                    text
                };
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
                    )
                    .into());
                };
                self.count(size, pos)?;
                self.complete(node, 0, size)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.enter(pos)?;
                self.frames.push(Frame::Seq {
                    items: Vec::new(),
                    size: 1,
                    pos,
                    anchor,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.enter(pos)?;
                self.frames.push(Frame::Map {
                    entries: Vec::new(),
                    seen: Keys::default(),
                    key: None,
                    key_size: 0,
                    merges: Vec::new(),
                    size: 1,
                    pos,
                    anchor,
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
                        kind: Kind::Seq(Arc::new(items)),
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
                        kind: Kind::Map(Arc::new(entries)),
                        pos,
                    };
                    self.complete(node, anchor, size)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The dotted path of the innermost collection, for messages: each outer
    /// one is at the index or key of the item it is building. Built only when
    /// a message needs it.
    fn path(&self) -> String {
        let outer = &self.frames[..self.frames.len().saturating_sub(1)];
        let mut path = String::new();
        for frame in outer {
            match frame {
                Frame::Seq { items, .. } => path.push_str(&format!("[{}]", items.len())),
                Frame::Map { key, .. } => {
                    path = child(&path, key.as_ref().map_or("", Node::key_text));
                }
            }
        }
        path
    }

    fn enter(&mut self, pos: Pos) -> Result<(), Box<Diagnostic>> {
        self.count(1, pos)?;
        if self.frames.len() >= self.limits.max_depth {
            return Err(Diagnostic::new(
                Code::Limit,
                "",
                pos,
                format!("nesting is deeper than {} levels", self.limits.max_depth),
            )
            .hint("a manifest needs only a few levels; check for runaway indentation")
            .into());
        }
        Ok(())
    }

    fn count(&mut self, n: usize, pos: Pos) -> Result<(), Box<Diagnostic>> {
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
            .hint("anchors and aliases that refer to each other multiply; use fewer nested aliases")
            .into());
        }
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), Box<Diagnostic>> {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let mut duplicate = None;
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
                    } else if let Some(first) = seen.find(entries, &text) {
                        duplicate = Some((text, k.pos, first));
                    } else {
                        entries.push((k, node));
                        seen.pushed(entries);
                        *total += *key_size + size;
                    }
                }
            },
        }
        if let Some((text, pos, first)) = duplicate {
            let path = child(&self.path(), &text);
            self.sink.push(
                Diagnostic::new(
                    Code::DuplicateKey,
                    path,
                    pos,
                    format!("duplicate key `{text}`"),
                )
                .hint(format!(
                    "`{text}` is first defined at line {}; keep one of them",
                    first.line
                )),
            );
        }
        Ok(())
    }
}

/// YAML merge keys (`<<: *base` or `<<: [*a, *b]`): keys written in the mapping
/// win over merged ones, earlier merged mappings over later ones. Returns the
/// size of the entries added.
fn apply_merges(entries: &mut Vec<(Node, Node)>, seen: &mut Keys, merges: &[Node]) -> usize {
    let mut added = 0;
    for merge in merges {
        let sources: Vec<&Node> = match &merge.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![merge],
        };
        for source in sources {
            for (k, v) in source.entries().unwrap_or_default() {
                if seen.find(entries, k.key_text()).is_none() {
                    added += k.size() + v.size();
                    entries.push((k.clone(), v.clone()));
                    seen.pushed(entries);
                }
            }
        }
    }
    added
}

//! Python source read with a real parser (tree-sitter's Python grammar):
//! `setup()` keywords evaluated as literals, `from … import …` lines,
//! functions with their parameters, docstrings and the `**kwargs` keys they
//! read. tree-sitter recovers from syntax errors, so a repository with one
//! broken or Python 2 file still yields what the rest of the file says.

use tree_sitter::{Node, Parser, Tree};

/// A Python value as far as it can be known without running code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// A string literal (or concatenation, or a name bound to one).
    Str(String),
    /// A list or tuple.
    List(Vec<Literal>),
    /// A dict with string keys.
    Dict(Vec<(String, Literal)>),
    /// Anything computed; holds the source text.
    Unknown(String),
}

impl Literal {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Literal::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The strings of a list (a lone string counts as a list of one, as
    /// setuptools accepts for `install_requires`).
    pub fn strings(&self) -> Option<Vec<String>> {
        match self {
            Literal::Str(s) => Some(s.lines().map(str::to_string).collect()),
            Literal::List(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The value under `key` of a dict.
    pub fn get(&self, key: &str) -> Option<&Literal> {
        match self {
            Literal::Dict(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// A parameter's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// `x`, `x: int`.
    Plain,
    /// `x=1`, `x: int = 1`.
    Default,
    /// `*args`.
    Args,
    /// `**kwargs`.
    Kwargs,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Its name (without stars).
    pub name: String,
    /// Its kind.
    pub kind: ParamKind,
}

/// A function (or method) definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// Its parameters in order.
    pub params: Vec<Param>,
    /// Its docstring, if the body starts with one.
    pub docstring: Option<String>,
    /// String keys read from its `**kwargs`: `kwargs.get('k')`,
    /// `kwargs['k']`, `kwargs.pop('k')`, `'k' in kwargs`, in order.
    pub kwargs_keys: Vec<String>,
    /// Names called in its body (`Model(**kwargs)` gives `Model`), in order.
    pub calls: Vec<String>,
}

/// A class definition and its `__init__`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// Its name.
    pub name: String,
    /// Its docstring.
    pub docstring: Option<String>,
    /// `__init__`, if defined in the class body.
    pub init: Option<Function>,
}

/// `from MODULE import a, b as c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFrom {
    /// The module as written, with its leading dots (`.model`, `..x`, `os`).
    pub module: String,
    /// The names imported (`*` for a wildcard), as bound (`b` for `a as b`)
    /// with the original name.
    pub names: Vec<(String, String)>,
}

/// A parsed Python file.
pub struct Module {
    source: String,
    tree: Tree,
}

/// How deep a name may refer to another name before we give up (`a = b`,
/// `b = a` must not loop).
const MAX_INDIRECTION: usize = 4;

/// How deep literals are evaluated (`[[[…]]]`): deeper is `Unknown`, so a
/// hostile file cannot exhaust the stack.
const MAX_NESTING: usize = 32;

impl Module {
    /// Parses `source`. `None` only if the parser could not be set up.
    pub fn parse(source: &str) -> Option<Module> {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .ok()?;
        let tree = parser.parse(source, None)?;
        Some(Module {
            source: source.to_string(),
            tree,
        })
    }

    /// Whether the parser had to recover from syntax errors.
    pub fn has_errors(&self) -> bool {
        self.tree.root_node().has_error()
    }

    fn text(&self, node: Node<'_>) -> &str {
        node.utf8_text(self.source.as_bytes()).unwrap_or("")
    }

    /// The keyword arguments of the first call to one of `names` (`setup`,
    /// `setuptools.setup`) anywhere in the file, evaluated.
    pub fn call_keywords(&self, names: &[&str]) -> Option<Vec<(String, Literal)>> {
        let call = find(self.tree.root_node(), &|n| {
            n.kind() == "call"
                && n.child_by_field_name("function")
                    .is_some_and(|f| names.contains(&self.text(f)))
        })?;
        let args = call.child_by_field_name("arguments")?;
        let mut out = Vec::new();
        let mut cursor = args.walk();
        for arg in args.named_children(&mut cursor) {
            if arg.kind() != "keyword_argument" {
                continue;
            }
            let (Some(name), Some(value)) = (
                arg.child_by_field_name("name"),
                arg.child_by_field_name("value"),
            ) else {
                continue;
            };
            out.push((self.text(name).to_string(), self.eval(value, 0)));
        }
        Some(out)
    }

    /// The value last bound to `name` at module level (outside functions
    /// and classes), evaluated.
    pub fn assigned(&self, name: &str) -> Option<Literal> {
        let value = self.assignment(name)?;
        Some(self.eval(value, 0))
    }

    fn assignment(&self, name: &str) -> Option<Node<'_>> {
        let mut found = None;
        visit_module_level(self.tree.root_node(), &mut |n| {
            if n.kind() == "assignment" {
                let left = n.child_by_field_name("left");
                if left.is_some_and(|l| l.kind() == "identifier" && self.text(l) == name)
                    && let Some(right) = n.child_by_field_name("right")
                {
                    found = Some(right);
                }
            }
        });
        found
    }

    /// Every string literal in the file, in order (used for hints such as
    /// the name of the file a version is read from).
    pub fn string_literals(&self) -> Vec<String> {
        let mut out = Vec::new();
        visit(self.tree.root_node(), &mut |n| {
            if n.kind() == "string"
                && let Some(s) = self.string(n)
            {
                out.push(s);
            }
        });
        out
    }

    fn eval(&self, node: Node<'_>, depth: usize) -> Literal {
        self.eval_nested(node, depth, 0)
    }

    fn eval_nested(&self, node: Node<'_>, depth: usize, nesting: usize) -> Literal {
        let unknown = || Literal::Unknown(self.text(node).to_string());
        if nesting > MAX_NESTING {
            return unknown();
        }
        let nest = nesting + 1;
        match node.kind() {
            "string" => self.string(node).map(Literal::Str).unwrap_or_else(unknown),
            "concatenated_string" => {
                let mut out = String::new();
                let mut cursor = node.walk();
                for part in node.named_children(&mut cursor) {
                    match self.string(part) {
                        Some(s) => out.push_str(&s),
                        None => return unknown(),
                    }
                }
                Literal::Str(out)
            }
            "list" | "tuple" => {
                let mut cursor = node.walk();
                let items = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .map(|c| self.eval_nested(c, depth, nest))
                    .collect();
                Literal::List(items)
            }
            "dictionary" => {
                let mut cursor = node.walk();
                let mut entries = Vec::new();
                for pair in node.named_children(&mut cursor) {
                    if pair.kind() != "pair" {
                        continue;
                    }
                    let key = pair.child_by_field_name("key").and_then(|k| {
                        self.eval_nested(k, depth, nest)
                            .as_str()
                            .map(str::to_string)
                    });
                    if let (Some(key), Some(value)) = (key, pair.child_by_field_name("value")) {
                        entries.push((key, self.eval_nested(value, depth, nest)));
                    }
                }
                Literal::Dict(entries)
            }
            "parenthesized_expression" => node
                .named_child(0)
                .map(|c| self.eval_nested(c, depth, nest))
                .unwrap_or_else(unknown),
            "binary_operator" => {
                let op = node.child_by_field_name("operator").map(|o| self.text(o));
                let (Some(l), Some(r)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return unknown();
                };
                match (
                    op,
                    self.eval_nested(l, depth, nest),
                    self.eval_nested(r, depth, nest),
                ) {
                    (Some("+"), Literal::Str(a), Literal::Str(b)) => Literal::Str(a + &b),
                    (Some("+"), Literal::List(mut a), Literal::List(b)) => {
                        a.extend(b);
                        Literal::List(a)
                    }
                    _ => unknown(),
                }
            }
            "identifier" if depth < MAX_INDIRECTION => {
                let name = self.text(node);
                match self.assignment(name) {
                    // `x = x` must not refer to itself.
                    Some(value) if value.id() != node.id() => {
                        self.eval_nested(value, depth + 1, nest)
                    }
                    _ => unknown(),
                }
            }
            _ => unknown(),
        }
    }

    /// A string literal's value; `None` for an f-string with replacements.
    fn string(&self, node: Node<'_>) -> Option<String> {
        if node.kind() != "string" {
            return None;
        }
        let mut cursor = node.walk();
        let mut prefix = "";
        let mut body = String::new();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "string_start" => prefix = self.text(child),
                "string_content" => body.push_str(self.text(child)),
                "escape_sequence" => body.push_str(self.text(child)),
                "interpolation" => return None,
                _ => {}
            }
        }
        let raw = prefix
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .any(|c| c.eq_ignore_ascii_case(&'r'));
        Some(if raw { body } else { unescape(&body) })
    }

    /// The `from … import …` statements at module level, in order.
    pub fn imports_from(&self) -> Vec<ImportFrom> {
        let mut out = Vec::new();
        visit_module_level(self.tree.root_node(), &mut |n| {
            if n.kind() != "import_from_statement" {
                return;
            }
            let Some(module) = n.child_by_field_name("module_name") else {
                return;
            };
            let mut names = Vec::new();
            let mut cursor = n.walk();
            for child in n.children_by_field_name("name", &mut cursor) {
                match child.kind() {
                    "aliased_import" => {
                        let name = child.child_by_field_name("name").map(|x| self.text(x));
                        let alias = child.child_by_field_name("alias").map(|x| self.text(x));
                        if let (Some(name), Some(alias)) = (name, alias) {
                            names.push((alias.to_string(), name.to_string()));
                        }
                    }
                    _ => {
                        let name = self.text(child).to_string();
                        names.push((name.clone(), name));
                    }
                }
            }
            let mut cursor = n.walk();
            if n.children(&mut cursor)
                .any(|c| c.kind() == "wildcard_import")
            {
                names.push(("*".to_string(), "*".to_string()));
            }
            out.push(ImportFrom {
                module: self.text(module).to_string(),
                names,
            });
        });
        out
    }

    /// The module's top-level functions (decorated ones too), in order.
    pub fn functions(&self) -> Vec<Function> {
        let root = self.tree.root_node();
        let mut cursor = root.walk();
        root.named_children(&mut cursor)
            .filter_map(|n| definition(n, "function_definition"))
            .map(|f| self.function(f))
            .collect()
    }

    /// The module's top-level classes, in order.
    pub fn classes(&self) -> Vec<Class> {
        let root = self.tree.root_node();
        let mut cursor = root.walk();
        root.named_children(&mut cursor)
            .filter_map(|n| definition(n, "class_definition"))
            .map(|c| {
                let body = c.child_by_field_name("body");
                let init = body.and_then(|b| {
                    let mut cursor = b.walk();
                    b.named_children(&mut cursor)
                        .filter_map(|n| definition(n, "function_definition"))
                        .find(|f| {
                            f.child_by_field_name("name")
                                .is_some_and(|n| self.text(n) == "__init__")
                        })
                        .map(|f| self.function(f))
                });
                Class {
                    name: c
                        .child_by_field_name("name")
                        .map(|n| self.text(n).to_string())
                        .unwrap_or_default(),
                    docstring: body.and_then(|b| self.docstring(b)),
                    init,
                }
            })
            .collect()
    }

    /// Whether the module runs something under `if __name__ == "__main__":`.
    pub fn has_main_guard(&self) -> bool {
        let root = self.tree.root_node();
        let mut cursor = root.walk();
        root.named_children(&mut cursor).any(|n| {
            n.kind() == "if_statement"
                && n.child_by_field_name("condition").is_some_and(|c| {
                    let t = self.text(c);
                    t.contains("__name__") && t.contains("__main__")
                })
        })
    }

    fn function(&self, f: Node<'_>) -> Function {
        let name = f
            .child_by_field_name("name")
            .map(|n| self.text(n).to_string())
            .unwrap_or_default();
        let mut params = Vec::new();
        if let Some(ps) = f.child_by_field_name("parameters") {
            let mut cursor = ps.walk();
            for p in ps.named_children(&mut cursor) {
                let (kind, name_node) = match p.kind() {
                    "identifier" => (ParamKind::Plain, Some(p)),
                    "typed_parameter" => {
                        // `*args: int` and `**kw: Any` are typed too.
                        let inner = p.named_child(0);
                        match inner.map(|i| i.kind()) {
                            Some("list_splat_pattern") => {
                                (ParamKind::Args, inner.and_then(|i| i.named_child(0)))
                            }
                            Some("dictionary_splat_pattern") => {
                                (ParamKind::Kwargs, inner.and_then(|i| i.named_child(0)))
                            }
                            _ => (ParamKind::Plain, inner),
                        }
                    }
                    "default_parameter" | "typed_default_parameter" => {
                        (ParamKind::Default, p.child_by_field_name("name"))
                    }
                    "list_splat_pattern" => (ParamKind::Args, p.named_child(0)),
                    "dictionary_splat_pattern" => (ParamKind::Kwargs, p.named_child(0)),
                    _ => continue,
                };
                if let Some(n) = name_node {
                    params.push(Param {
                        name: self.text(n).to_string(),
                        kind,
                    });
                }
            }
        }
        let body = f.child_by_field_name("body");
        let kwargs = params
            .iter()
            .find(|p| p.kind == ParamKind::Kwargs)
            .map(|p| p.name.clone());
        let mut kwargs_keys = Vec::new();
        let mut calls = Vec::new();
        if let Some(body) = body {
            visit(body, &mut |n| {
                if n.kind() == "call"
                    && let Some(func) = n.child_by_field_name("function")
                    && func.kind() == "identifier"
                {
                    push_unique(&mut calls, self.text(func));
                }
                if let Some(kw) = &kwargs
                    && let Some(key) = self.kwargs_key(n, kw)
                {
                    push_unique(&mut kwargs_keys, &key);
                }
            });
        }
        Function {
            name,
            params,
            docstring: body.and_then(|b| self.docstring(b)),
            kwargs_keys,
            calls,
        }
    }

    /// The key `n` reads from the dict named `kw`, if it is such a read.
    fn kwargs_key(&self, n: Node<'_>, kw: &str) -> Option<String> {
        match n.kind() {
            "call" => {
                let func = n.child_by_field_name("function")?;
                if func.kind() != "attribute" {
                    return None;
                }
                let object = func.child_by_field_name("object")?;
                let method = func.child_by_field_name("attribute")?;
                let reads = matches!(self.text(method), "get" | "pop" | "setdefault");
                if self.text(object) != kw || !reads {
                    return None;
                }
                let args = n.child_by_field_name("arguments")?;
                self.string(args.named_child(0)?)
            }
            "subscript" => {
                let value = n.child_by_field_name("value")?;
                if self.text(value) != kw {
                    return None;
                }
                self.string(n.child_by_field_name("subscript")?)
            }
            "comparison_operator" => {
                // `'config_file' in kwargs`
                let left = n.named_child(0)?;
                let right = n.named_child(1)?;
                let is_in = self.text(n).contains(" in ");
                (is_in && self.text(right) == kw)
                    .then(|| self.string(left))
                    .flatten()
            }
            _ => None,
        }
    }

    fn docstring(&self, body: Node<'_>) -> Option<String> {
        let first = body.named_child(0)?;
        if first.kind() != "expression_statement" {
            return None;
        }
        let expr = first.named_child(0)?;
        match self.eval(expr, MAX_INDIRECTION) {
            Literal::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// The definition inside `n` if it is one of `kind`, decorated or not.
fn definition<'t>(n: Node<'t>, kind: &str) -> Option<Node<'t>> {
    if n.kind() == kind {
        return Some(n);
    }
    if n.kind() == "decorated_definition" {
        return n
            .child_by_field_name("definition")
            .filter(|d| d.kind() == kind);
    }
    None
}

fn push_unique(out: &mut Vec<String>, item: &str) {
    if !out.iter().any(|x| x == item) {
        out.push(item.to_string());
    }
}

/// The first node in document order for which `pred` holds.
fn find<'t>(root: Node<'t>, pred: &dyn Fn(Node<'t>) -> bool) -> Option<Node<'t>> {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if pred(node) {
            return Some(node);
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

/// Calls `f` on every node under `root` (iteratively: deep nesting in a
/// hostile file must not overflow the stack).
fn visit<'t>(root: Node<'t>, f: &mut dyn FnMut(Node<'t>)) {
    walk(root, f, false);
}

/// Like [`visit`], without entering function or class bodies.
fn visit_module_level<'t>(root: Node<'t>, f: &mut dyn FnMut(Node<'t>)) {
    walk(root, f, true);
}

fn walk<'t>(root: Node<'t>, f: &mut dyn FnMut(Node<'t>), skip_definitions: bool) {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        f(node);
        let enter = !(skip_definitions
            && node.id() != root.id()
            && matches!(node.kind(), "function_definition" | "class_definition"));
        if enter && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node().id() == root.id() {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Python's simple escapes; others (`\N{…}`, `\x..`) are kept as written.
fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\n') => {}
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_call_and_names() {
        let m = Module::parse(
            "import re\nfrom setuptools import setup\nREQS = ['numpy>=1.2', 'pandas']\n\
             with open('demeter/_version.py') as f:\n    version = re.search(r\"__version__ = '(.*)'\", f.read()).group(1)\n\
             setup(name='demeter', version=version, python_requires='>=' '3.9',\n      install_requires=REQS + ['scipy'],\n      entry_points={'console_scripts': ['demeter = demeter.cli:main']})\n",
        )
        .unwrap();
        let kw = m.call_keywords(&["setup", "setuptools.setup"]).unwrap();
        let get = |k: &str| {
            kw.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(get("name"), Literal::Str("demeter".into()));
        assert_eq!(get("python_requires"), Literal::Str(">=3.9".into()));
        assert!(matches!(get("version"), Literal::Unknown(_)));
        assert_eq!(
            get("install_requires").strings().unwrap(),
            ["numpy>=1.2", "pandas", "scipy"]
        );
        assert_eq!(
            get("entry_points")
                .get("console_scripts")
                .unwrap()
                .strings()
                .unwrap(),
            ["demeter = demeter.cli:main"]
        );
        assert!(
            m.string_literals()
                .contains(&"demeter/_version.py".to_string())
        );
    }

    #[test]
    fn functions_classes_imports() {
        let m = Module::parse(
            "from .model import Model, run_model as run\nfrom . import *\n\n\
             class Model:\n    \"\"\"The model.\"\"\"\n    def __init__(self, **kwargs):\n        self.config_file = kwargs.get('config_file', None)\n\n\
             @decorated\ndef run_model(*args, **kwargs):\n    '''Run it.\n\n    :param config_file: path\n    '''\n    if 'write_logfile' in kwargs:\n        pass\n    m = Model(**kwargs)\n    return kwargs['x']\n\n\
             if __name__ == '__main__':\n    run_model()\n",
        )
        .unwrap();
        assert!(!m.has_errors());
        let imports = m.imports_from();
        assert_eq!(imports[0].module, ".model");
        assert_eq!(
            imports[0].names,
            [
                ("Model".into(), "Model".into()),
                ("run".into(), "run_model".into())
            ]
        );
        assert_eq!(imports[1].names, [("*".to_string(), "*".to_string())]);
        let f = &m.functions()[0];
        assert_eq!(f.name, "run_model");
        assert_eq!(
            f.params[1],
            Param {
                name: "kwargs".into(),
                kind: ParamKind::Kwargs
            }
        );
        assert!(
            f.docstring
                .as_deref()
                .unwrap()
                .contains(":param config_file:")
        );
        assert_eq!(f.kwargs_keys, ["write_logfile", "x"]);
        assert_eq!(f.calls, ["Model"]);
        let c = &m.classes()[0];
        assert_eq!(c.init.as_ref().unwrap().kwargs_keys, ["config_file"]);
        assert!(m.has_main_guard());
    }

    #[test]
    fn broken_and_self_referring_source() {
        let m = Module::parse("x = x\ny = (\nsetup(name=x, version='1.0'").unwrap();
        assert!(m.has_errors());
        assert!(matches!(m.assigned("x"), Some(Literal::Unknown(_))));
    }
}

//! Python front end: tree-sitter-python syntax → [`FileFacts`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use tree_sitter::{Node, Parser, Query, QueryCursor, StreamingIterator};

use crate::facts::{
    Arg, Assignment, Call, CallExpr, Check, Class, Decorator, Dispatch, Exit, Expr, Field,
    FileFacts, Function, Import, Language, Param, Span,
};
use crate::lang::assign_scopes;

const QUERY_SOURCE: &str = include_str!("../../queries/python/facts.scm");

/// Deeper expressions than this are summarised as `Other`, so that pathological input cannot
/// exhaust the stack.
const MAX_EXPR_DEPTH: usize = 48;

struct Compiled {
    language: tree_sitter::Language,
    query: Query,
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let query = Query::new(&language, QUERY_SOURCE)
            .unwrap_or_else(|e| panic!("queries/python/facts.scm does not compile: {e}"));
        Compiled { language, query }
    })
}

/// Compiles the query up front (it is otherwise compiled on first use).
pub fn warm_up() {
    compiled();
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// The dotted module path of a Python file: `pkg/sub/mod.py` → `pkg.sub.mod`,
/// `pkg/__init__.py` → `pkg`.
pub fn module_name(rel_path: &str) -> String {
    let without_ext = rel_path
        .strip_suffix(".pyi")
        .or_else(|| rel_path.strip_suffix(".py"))
        .unwrap_or(rel_path);
    let without_init = without_ext
        .strip_suffix("/__init__")
        .or_else(|| (without_ext == "__init__").then_some(""))
        .unwrap_or(without_ext);
    without_init.replace('/', ".")
}

/// Parses with this thread's parser (created on first use).
fn parse_tree(source: &str) -> Option<tree_sitter::Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut p = Parser::new();
            p.set_language(&compiled().language)
                .expect("tree-sitter-python is ABI compatible");
            p
        });
        parser.parse(source, None)
    })
}

/// Parses `source` into a syntax tree and nothing else: the baseline the benchmark compares a
/// full scan with. Returns the number of nodes with errors (0 or more) so the work is not
/// optimised away.
pub fn parse_tree_only(source: &str) -> usize {
    parse_tree(source).map_or(0, |t| usize::from(t.root_node().has_error()))
}

/// Parses one file. `package_prefix` is the dotted package the scan root itself sits in
/// (`langchain_community.tools` when scanning that folder), so imports resolve the same way
/// whether a project is scanned whole or in part.
pub fn parse(rel_path: &str, source: &str, package_prefix: &str) -> FileFacts {
    let module = join_path(package_prefix, &module_name(rel_path));
    let mut facts = FileFacts::new(rel_path.to_string(), Language::Python, module);
    facts.lines = source.lines().count() as u32;
    let compiled = compiled();
    let tree = parse_tree(source);
    let Some(tree) = tree else {
        facts.syntax_error_line = Some(1);
        return facts;
    };
    let root = tree.root_node();
    if root.has_error() {
        facts.syntax_error_line = Some(first_error_line(root));
    }
    let is_package = rel_path.ends_with("__init__.py") || rel_path.ends_with("__init__.pyi");
    let mut extractor = Extractor {
        src: source.as_bytes(),
        facts: &mut facts,
        is_package,
        class_by_start: HashMap::new(),
        function_by_start: HashMap::new(),
    };
    let capture_names = compiled.query.capture_names();
    let mut cursor = QueryCursor::new();
    let mut nodes: Vec<(usize, &str, Node)> = Vec::new();
    let mut matches = cursor.matches(&compiled.query, root, source.as_bytes());
    while let Some(m) = matches.next() {
        for capture in m.captures() {
            let name = capture_names[capture.index as usize];
            nodes.push((capture.node.start_byte(), name, capture.node));
        }
    }
    // Definitions must be seen before what they contain: sort by start, outer before inner.
    nodes.sort_by_key(|(start, _, node)| (*start, std::cmp::Reverse(node.end_byte())));
    for (_, name, node) in nodes {
        match name {
            "function" => extractor.function(node),
            "class" => extractor.class(node),
            "import" => extractor.import(node),
            "call" => extractor.call(node),
            "assignment" => extractor.assignment(node),
            "with" => extractor.with_item(node),
            "dispatch" => extractor.dispatch(node),
            "check" => extractor.check(node),
            "loop" => extractor.loop_regions(node),
            "region" => extractor.region(node),
            "branches" => extractor.branches(node),
            "try" => extractor.try_regions(node),
            _ => {}
        }
    }
    assign_scopes(&mut facts);
    facts
}

/// The line of the first ERROR or MISSING node, found without recursion.
fn first_error_line(root: Node) -> u32 {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            return line(node);
        }
        // Descend only into subtrees that contain an error.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return line(root);
            }
        }
    }
}

struct Extractor<'a> {
    src: &'a [u8],
    facts: &'a mut FileFacts,
    is_package: bool,
    class_by_start: HashMap<usize, usize>,
    function_by_start: HashMap<usize, usize>,
}

fn span(node: Node) -> Span {
    Span {
        start_line: node.start_position().row as u32 + 1,
        end_line: node.end_position().row as u32 + 1,
        start_byte: node.start_byte(),
        end_byte: node.end_byte(),
    }
}

fn line(node: Node) -> u32 {
    node.start_position().row as u32 + 1
}

impl<'a> Extractor<'a> {
    fn text(&self, node: Node) -> &'a str {
        node.utf8_text(self.src).unwrap_or("")
    }

    /// The nearest enclosing function or class definition (skipping blocks and decorators).
    fn enclosing_definition(node: Node) -> Option<Node> {
        let mut current = node.parent();
        while let Some(n) = current {
            if matches!(n.kind(), "function_definition" | "class_definition") {
                return Some(n);
            }
            current = n.parent();
        }
        None
    }

    fn qualname(&self, node: Node, name: &str) -> String {
        let mut parts = vec![name.to_string()];
        let mut current = Self::enclosing_definition(node);
        while let Some(n) = current {
            if let Some(name) = n.child_by_field_name("name") {
                parts.push(self.text(name).to_string());
            }
            current = Self::enclosing_definition(n);
        }
        parts.reverse();
        parts.join(".")
    }

    fn function(&mut self, node: Node) {
        let Some(name_node) = node.child_by_field_name("name") else {
            return;
        };
        let name = self.text(name_node).to_string();
        let qualname = self.qualname(node, &name);
        let (class, parent) = match Self::enclosing_definition(node) {
            Some(def) if def.kind() == "class_definition" => {
                (self.class_by_start.get(&def.start_byte()).copied(), None)
            }
            Some(def) => (None, self.function_by_start.get(&def.start_byte()).copied()),
            None => (None, None),
        };
        let mut decorators = Vec::new();
        if let Some(parent) = node.parent().filter(|p| p.kind() == "decorated_definition") {
            let mut cursor = parent.walk();
            for child in parent.named_children(&mut cursor) {
                if child.kind() == "decorator"
                    && let Some(expr) = child.named_child(0)
                {
                    decorators.push(Decorator {
                        expr: self.expr(expr, 0),
                        line: line(child),
                    });
                }
            }
        }
        let params = node
            .child_by_field_name("parameters")
            .map(|p| self.params(p))
            .unwrap_or_default();
        let docstring = node
            .child_by_field_name("body")
            .and_then(|b| self.docstring(b));
        let index = self.facts.functions.len();
        self.function_by_start.insert(node.start_byte(), index);
        self.facts.functions.push(Function {
            name,
            qualname,
            class,
            parent,
            // Decorators run at definition time, outside the function: the span starts at `def`.
            span: span(node),
            def_line: line(node),
            decorators,
            params,
            docstring,
        });
    }

    fn params(&self, node: Node) -> Vec<Param> {
        let mut params = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            let (name, annotation, default) = match child.kind() {
                "identifier" => (Some(child), None, None),
                "typed_parameter" => (
                    child.named_child(0).filter(|n| n.kind() == "identifier"),
                    child.child_by_field_name("type"),
                    None,
                ),
                "default_parameter" | "typed_default_parameter" => (
                    child.child_by_field_name("name"),
                    child.child_by_field_name("type"),
                    child.child_by_field_name("value"),
                ),
                _ => (None, None, None),
            };
            if let Some(name) = name {
                params.push(Param {
                    name: self.text(name).to_string(),
                    annotation: annotation.map(|t| self.type_expr(t)),
                    default: default.map(|d| self.expr(d, 0)),
                });
            }
        }
        params
    }

    /// A `type` node wraps the annotation expression.
    fn type_expr(&self, node: Node) -> Expr {
        match node.named_child(0) {
            Some(inner) if node.kind() == "type" => self.expr(inner, 0),
            _ => self.expr(node, 0),
        }
    }

    fn docstring(&self, body: Node) -> Option<String> {
        let first = body.named_child(0)?;
        if first.kind() != "expression_statement" {
            return None;
        }
        let string = first.named_child(0)?;
        match self.expr(string, 0) {
            Expr::Str(s) => Some(clean_docstring(&s)),
            _ => None,
        }
    }

    fn class(&mut self, node: Node) {
        let Some(name_node) = node.child_by_field_name("name") else {
            return;
        };
        let name = self.text(name_node).to_string();
        let qualname = self.qualname(node, &name);
        let mut bases = Vec::new();
        if let Some(superclasses) = node.child_by_field_name("superclasses") {
            let mut cursor = superclasses.walk();
            for base in superclasses.named_children(&mut cursor) {
                if !matches!(base.kind(), "keyword_argument" | "comment") {
                    bases.push(self.expr(base, 0));
                }
            }
        }
        let mut fields = Vec::new();
        let body = node.child_by_field_name("body");
        if let Some(body) = body {
            let mut cursor = body.walk();
            for statement in body.named_children(&mut cursor) {
                if statement.kind() != "expression_statement" {
                    continue;
                }
                let Some(assignment) = statement.named_child(0) else {
                    continue;
                };
                if assignment.kind() != "assignment" {
                    continue;
                }
                let Some(left) = assignment.child_by_field_name("left") else {
                    continue;
                };
                if left.kind() != "identifier" {
                    continue;
                }
                fields.push(Field {
                    name: self.text(left).to_string(),
                    annotation: assignment
                        .child_by_field_name("type")
                        .map(|t| self.type_expr(t)),
                    value: assignment
                        .child_by_field_name("right")
                        .map(|r| self.expr(r, 0)),
                    line: line(assignment),
                });
            }
        }
        let docstring = body.and_then(|b| self.docstring(b));
        let outer = node
            .parent()
            .filter(|p| p.kind() == "decorated_definition")
            .unwrap_or(node);
        self.class_by_start
            .insert(node.start_byte(), self.facts.classes.len());
        self.facts.classes.push(Class {
            name,
            qualname,
            bases,
            span: span(outer),
            fields,
            docstring,
        });
    }

    fn import(&mut self, node: Node) {
        let at = line(node);
        if node.kind() == "import_statement" {
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                match name.kind() {
                    "dotted_name" => {
                        // `import a.b` binds `a`.
                        let full = self.text(name);
                        let first = full.split('.').next().unwrap_or(full).trim();
                        self.facts.imports.push(Import {
                            local: first.to_string(),
                            target: first.to_string(),
                            line: at,
                        });
                    }
                    "aliased_import" => {
                        if let (Some(target), Some(alias)) = (
                            name.child_by_field_name("name"),
                            name.child_by_field_name("alias"),
                        ) {
                            self.facts.imports.push(Import {
                                local: self.text(alias).to_string(),
                                target: compact(self.text(target)),
                                line: at,
                            });
                        }
                    }
                    _ => {}
                }
            }
            return;
        }
        // import_from_statement
        let Some(module_node) = node.child_by_field_name("module_name") else {
            return;
        };
        let module = if module_node.kind() == "relative_import" {
            self.relative_module(module_node)
        } else {
            compact(self.text(module_node))
        };
        let mut cursor = node.walk();
        let mut any = false;
        for name in node.children_by_field_name("name", &mut cursor) {
            any = true;
            let (target, local) = match name.kind() {
                "dotted_name" => (compact(self.text(name)), compact(self.text(name))),
                "aliased_import" => match (
                    name.child_by_field_name("name"),
                    name.child_by_field_name("alias"),
                ) {
                    (Some(t), Some(a)) => (compact(self.text(t)), self.text(a).to_string()),
                    _ => continue,
                },
                _ => continue,
            };
            self.facts.imports.push(Import {
                local,
                target: join_path(&module, &target),
                line: at,
            });
        }
        if !any {
            // `from x import *`
            self.facts.imports.push(Import {
                local: "*".into(),
                target: module,
                line: at,
            });
        }
    }

    /// `from ..x import y` inside `a.b.c` → `a.x`.
    fn relative_module(&self, node: Node) -> String {
        let mut dots = 0;
        let mut rest = String::new();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "import_prefix" => dots = self.text(child).chars().filter(|c| *c == '.').count(),
                "dotted_name" => rest = compact(self.text(child)),
                _ => {}
            }
        }
        let mut parts: Vec<&str> = if self.facts.module.is_empty() {
            Vec::new()
        } else {
            self.facts.module.split('.').collect()
        };
        if !self.is_package {
            parts.pop();
        }
        for _ in 1..dots {
            parts.pop();
        }
        join_path(&parts.join("."), &rest)
    }

    fn call(&mut self, node: Node) {
        if let Expr::Call(call) = self.expr(node, 0) {
            let callee_text = node
                .child_by_field_name("function")
                .map(|f| collapse_whitespace(self.text(f), 80))
                .unwrap_or_default();
            self.facts.calls.push(Call {
                call: *call,
                callee_text,
                span: span(node),
                scope: None,
            });
        }
    }

    fn assignment(&mut self, node: Node) {
        // Class-level assignments are class fields, not bindings in a scope.
        let in_class_body = node
            .parent()
            .and_then(|p| p.parent())
            .and_then(|p| p.parent())
            .is_some_and(|p| p.kind() == "class_definition");
        if in_class_body {
            return;
        }
        let (Some(left), Some(mut right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        // `a = b = value`
        while right.kind() == "assignment" {
            match right.child_by_field_name("right") {
                Some(r) => right = r,
                None => return,
            }
        }
        if !matches!(left.kind(), "identifier" | "attribute") {
            return;
        }
        let target = self.expr(left, 0);
        let value = self.expr(right, 0);
        let annotation = node.child_by_field_name("type").map(|t| self.type_expr(t));
        self.facts.assignments.push(Assignment {
            target,
            value,
            annotation,
            span: span(node),
            scope: None,
        });
    }

    fn with_item(&mut self, node: Node) {
        let Some(pattern) = node.child_by_field_name("value") else {
            return;
        };
        let value = pattern.named_child(0);
        let alias = pattern
            .child_by_field_name("alias")
            .and_then(|a| a.named_child(0));
        if let (Some(value), Some(alias)) = (value, alias)
            && alias.kind() == "identifier"
        {
            let value = self.expr(value, 0);
            self.facts.assignments.push(Assignment {
                target: Expr::Name(self.text(alias).to_string()),
                value,
                annotation: None,
                span: span(node),
                scope: None,
            });
        }
    }

    fn dispatch(&mut self, node: Node) {
        if node.kind() == "case_clause" {
            let subject = node
                .parent()
                .and_then(|block| block.parent())
                .filter(|m| m.kind() == "match_statement")
                .and_then(|m| m.child_by_field_name("subject"))
                .filter(|s| s.kind() == "identifier");
            let Some(subject) = subject else { return };
            let Some(body) = node.child_by_field_name("consequence") else {
                return;
            };
            let mut cursor = node.walk();
            for pattern in node.named_children(&mut cursor) {
                if pattern.kind() != "case_pattern" {
                    continue;
                }
                if let Some(Expr::Str(value)) = pattern.named_child(0).map(|n| self.expr(n, 0)) {
                    self.facts.dispatches.push(Dispatch {
                        subject: self.text(subject).to_string(),
                        value,
                        line: line(node),
                        span: span(body),
                        scope: None,
                    });
                }
            }
            return;
        }
        let (Some(condition), Some(body)) = (
            node.child_by_field_name("condition"),
            node.child_by_field_name("consequence"),
        ) else {
            return;
        };
        if condition.named_child_count() != 2 || self.comparison_operator(condition) != Some("==") {
            return;
        }
        let (Some(a), Some(b)) = (condition.named_child(0), condition.named_child(1)) else {
            return;
        };
        let (subject, value) = match (a.kind(), b.kind()) {
            ("identifier", "string") => (a, b),
            ("string", "identifier") => (b, a),
            _ => return,
        };
        if let Expr::Str(value) = self.expr(value, 0) {
            self.facts.dispatches.push(Dispatch {
                subject: self.text(subject).to_string(),
                value,
                line: line(node),
                span: span(body),
                scope: None,
            });
        }
    }

    /// `if`, `elif` and `assert`: what the test reads, what it gates and whether its body
    /// leaves.
    fn check(&mut self, node: Node) {
        let Some(condition) = node
            .child_by_field_name("condition")
            .or_else(|| (node.kind() == "assert_statement").then(|| node.named_child(0))?)
        else {
            return;
        };
        if node.kind() == "assert_statement" {
            self.facts.checks.push(Check {
                span: span(node),
                condition: span(condition),
                words: self.words(condition),
                text: collapse_whitespace(self.text(node), 80),
                exit: Some(Exit::Raise),
                body: None,
                orelse: None,
                scope: None,
            });
            return;
        }
        let body = node.child_by_field_name("consequence");
        // What runs when the test fails: the `elif`/`else` clauses of this `if`, or the
        // clauses after this `elif`.
        let orelse = if node.kind() == "elif_clause" {
            let first = node.next_named_sibling();
            let mut last = first;
            while let Some(next) = last.and_then(|n| n.next_named_sibling()) {
                last = Some(next);
            }
            first.zip(last).map(|(a, b)| join_spans(span(a), span(b)))
        } else {
            let mut cursor = node.walk();
            let alternatives: Vec<Node> = node
                .children_by_field_name("alternative", &mut cursor)
                .collect();
            for alternative in &alternatives {
                if alternative.kind() == "else_clause" {
                    self.facts.regions.push(span(*alternative));
                }
            }
            match (alternatives.first(), alternatives.last()) {
                (Some(a), Some(b)) => Some(join_spans(span(*a), span(*b))),
                _ => None,
            }
        };
        if let Some(body) = body {
            self.facts.regions.push(span(body));
        }
        let keyword = if node.kind() == "elif_clause" {
            "elif"
        } else {
            "if"
        };
        let first_statement = body
            .and_then(|b| b.named_child(0))
            .map(|s| self.text(s))
            .unwrap_or("");
        let text = format!(
            "{keyword} {}: {}",
            self.text(condition),
            first_statement.lines().next().unwrap_or("")
        );
        self.facts.checks.push(Check {
            span: span(node),
            condition: span(condition),
            words: self.words(condition),
            text: collapse_whitespace(&text, 80),
            exit: body.and_then(block_exit),
            body: body.map(span),
            orelse,
            scope: None,
        });
    }

    /// Identifiers and attribute names in an expression, in source order (bounded).
    fn words(&self, node: Node) -> Vec<String> {
        let mut out = Vec::new();
        let mut cursor = node.walk();
        let mut visited = 0;
        loop {
            let n = cursor.node();
            visited += 1;
            if n.kind() == "identifier" {
                out.push(self.text(n).to_string());
            }
            if visited < 256 && n.kind() != "string" && cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.node() == node {
                    return out;
                }
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return out;
                }
            }
        }
    }

    /// A loop body (and its `else`) may run zero times.
    fn loop_regions(&mut self, node: Node) {
        if let Some(body) = node.child_by_field_name("body") {
            self.facts.regions.push(span(body));
        }
        if let Some(alternative) = node.child_by_field_name("alternative") {
            self.facts.regions.push(span(alternative));
        }
    }

    fn region(&mut self, node: Node) {
        self.facts.regions.push(span(node));
    }

    /// `a if c else b` runs one of `a` and `b`; `x and y` may skip `y`.
    fn branches(&mut self, node: Node) {
        if node.kind() == "boolean_operator" {
            if let Some(right) = node.child_by_field_name("right") {
                self.facts.regions.push(span(right));
            }
            return;
        }
        for i in [0, 2] {
            if let Some(branch) = node.named_child(i) {
                self.facts.regions.push(span(branch));
            }
        }
    }

    /// A `try`'s `else` runs only when nothing was raised (its handlers are regions of their own).
    fn try_regions(&mut self, node: Node) {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind() == "else_clause" {
                self.facts.regions.push(span(child));
            }
        }
    }

    fn comparison_operator(&self, node: Node) -> Option<&'a str> {
        let mut cursor = node.walk();
        node.children(&mut cursor)
            .find(|c| !c.is_named())
            .map(|c| self.text(c))
    }

    fn expr(&self, node: Node, depth: usize) -> Expr {
        if depth > MAX_EXPR_DEPTH {
            return Expr::Other("...".into());
        }
        let d = depth + 1;
        match node.kind() {
            "identifier" => {
                let name = self.text(node);
                if name == "self" || name == "cls" {
                    Expr::This
                } else {
                    Expr::Name(name.to_string())
                }
            }
            "attribute" => match (
                node.child_by_field_name("object"),
                node.child_by_field_name("attribute"),
            ) {
                (Some(object), Some(attr)) => {
                    Expr::Attr(Box::new(self.expr(object, d)), self.text(attr).to_string())
                }
                _ => self.other(node),
            },
            "call" => {
                let Some(function) = node.child_by_field_name("function") else {
                    return self.other(node);
                };
                let callee = self.expr(function, d);
                let mut args = Vec::new();
                if let Some(arguments) = node.child_by_field_name("arguments") {
                    let mut cursor = arguments.walk();
                    for arg in arguments.named_children(&mut cursor) {
                        match arg.kind() {
                            "keyword_argument" => {
                                if let (Some(name), Some(value)) = (
                                    arg.child_by_field_name("name"),
                                    arg.child_by_field_name("value"),
                                ) {
                                    args.push(Arg {
                                        name: Some(self.text(name).to_string()),
                                        value: self.expr(value, d),
                                        spread: false,
                                    });
                                }
                            }
                            "list_splat" | "dictionary_splat" => args.push(Arg {
                                name: None,
                                value: arg
                                    .named_child(0)
                                    .map(|v| self.expr(v, d))
                                    .unwrap_or(Expr::Other(String::new())),
                                spread: true,
                            }),
                            "comment" => {}
                            _ => args.push(Arg {
                                name: None,
                                value: self.expr(arg, d),
                                spread: false,
                            }),
                        }
                    }
                }
                Expr::Call(Box::new(CallExpr { callee, args }))
            }
            "subscript" => match node.child_by_field_name("value") {
                Some(value) => {
                    let mut cursor = node.walk();
                    let index = node
                        .children_by_field_name("subscript", &mut cursor)
                        .map(|i| self.expr(i, d))
                        .collect();
                    Expr::Subscript(Box::new(self.expr(value, d)), index)
                }
                None => self.other(node),
            },
            "string" => Expr::Str(self.string_content(node)),
            "concatenated_string" => {
                let mut out = String::new();
                let mut cursor = node.walk();
                for part in node.named_children(&mut cursor) {
                    if part.kind() == "string" {
                        out.push_str(&self.string_content(part));
                    }
                }
                Expr::Str(out)
            }
            "integer" | "float" => Expr::Num(self.text(node).to_string()),
            "true" => Expr::Bool(true),
            "false" => Expr::Bool(false),
            "none" => Expr::Null,
            "list" | "tuple" | "set" => {
                let mut cursor = node.walk();
                Expr::List(
                    node.named_children(&mut cursor)
                        .filter(|c| c.kind() != "comment")
                        .map(|c| self.expr(c, d))
                        .collect(),
                )
            }
            "dictionary" => {
                let mut cursor = node.walk();
                let mut pairs = Vec::new();
                for pair in node.named_children(&mut cursor) {
                    if pair.kind() == "pair"
                        && let (Some(k), Some(v)) = (
                            pair.child_by_field_name("key"),
                            pair.child_by_field_name("value"),
                        )
                    {
                        pairs.push((self.expr(k, d), self.expr(v, d)));
                    }
                }
                Expr::Dict(pairs)
            }
            "lambda" => Expr::Lambda(span(node)),
            // `base / "name"` joins paths: the result has the type of the left operand.
            "binary_operator"
                if node
                    .child_by_field_name("operator")
                    .is_some_and(|op| self.text(op) == "/") =>
            {
                match node.child_by_field_name("left") {
                    Some(left) => self.expr(left, d),
                    None => self.other(node),
                }
            }
            // `Annotated[str, Field(...)]` in an annotation.
            "generic_type" => {
                let Some(base) = node.named_child(0) else {
                    return self.other(node);
                };
                let mut index = Vec::new();
                if let Some(params) = node.named_child(1) {
                    let mut cursor = params.walk();
                    for param in params.named_children(&mut cursor) {
                        index.push(self.expr(param, d));
                    }
                }
                Expr::Subscript(Box::new(self.expr(base, d)), index)
            }
            "await" | "parenthesized_expression" | "type" => match node.named_child(0) {
                Some(inner) => self.expr(inner, d),
                None => self.other(node),
            },
            _ => self.other(node),
        }
    }

    fn string_content(&self, node: Node) -> String {
        let mut out = String::new();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "string_start" | "string_end" => {}
                _ => out.push_str(self.text(child)),
            }
        }
        out
    }

    fn other(&self, node: Node) -> Expr {
        let text = self.text(node);
        let short: String = text.chars().take(60).collect();
        Expr::Other(short)
    }
}

/// How a block leaves when its last statement runs.
fn block_exit(block: Node) -> Option<Exit> {
    let mut cursor = block.walk();
    let last = block
        .named_children(&mut cursor)
        .filter(|c| c.kind() != "comment")
        .last()?;
    match last.kind() {
        "raise_statement" => Some(Exit::Raise),
        "return_statement" => Some(Exit::Return),
        "continue_statement" | "break_statement" => Some(Exit::Loop),
        _ => None,
    }
}

fn join_spans(a: Span, b: Span) -> Span {
    Span {
        start_line: a.start_line,
        end_line: b.end_line,
        start_byte: a.start_byte,
        end_byte: b.end_byte,
    }
}

/// At most `max` characters of `text` on one line.
fn collapse_whitespace(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        return collapsed;
    }
    let mut out: String = collapsed.chars().take(max).collect();
    out.push_str("...");
    out
}

/// `a . b` → `a.b`
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn join_path(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}.{b}"),
    }
}

/// Strips the common indentation of a docstring and trims it.
fn clean_docstring(raw: &str) -> String {
    let mut lines = raw.lines();
    let first = lines.next().unwrap_or("").trim().to_string();
    let rest: Vec<&str> = lines.collect();
    let indent = rest
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = vec![first];
    for l in rest {
        out.push(
            l.get(indent..)
                .unwrap_or(l.trim_start())
                .trim_end()
                .to_string(),
        );
    }
    out.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names() {
        assert_eq!(module_name("a/b/c.py"), "a.b.c");
        assert_eq!(module_name("a/b/__init__.py"), "a.b");
        assert_eq!(module_name("__init__.py"), "");
        assert_eq!(module_name("x.py"), "x");
    }

    #[test]
    fn relative_imports_resolve_against_the_package() {
        let f = parse(
            "pkg/sub/mod.py",
            "from . import a\nfrom ..b import c as d\n",
            "",
        );
        let targets: Vec<_> = f
            .imports
            .iter()
            .map(|i| (i.local.as_str(), i.target.as_str()))
            .collect();
        assert_eq!(targets, vec![("a", "pkg.sub.a"), ("d", "pkg.b.c")]);
        let f = parse("pkg/__init__.py", "from .x import y\n", "");
        assert_eq!(f.imports[0].target, "pkg.x.y");
    }

    #[test]
    fn checks_know_what_they_gate_and_how_they_leave() {
        let f = parse(
            "m.py",
            "def f(confirm, p):\n    if not confirm:\n        raise ValueError('no')\n    for x in p:\n        if x in ALLOWED:\n            go(x)\n        elif x:\n            continue\n        else:\n            pass\n    assert p.ok\n",
            "",
        );
        let summary: Vec<_> = f
            .checks
            .iter()
            .map(|c| (c.text.as_str(), c.words.clone(), c.exit, c.scope))
            .collect();
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            summary,
            vec![
                (
                    "if not confirm: raise ValueError('no')",
                    words(&["confirm"]),
                    Some(Exit::Raise),
                    Some(0)
                ),
                (
                    "if x in ALLOWED: go(x)",
                    words(&["x", "ALLOWED"]),
                    None,
                    Some(0)
                ),
                ("elif x: continue", words(&["x"]), Some(Exit::Loop), Some(0)),
                (
                    "assert p.ok",
                    words(&["p", "ok"]),
                    Some(Exit::Raise),
                    Some(0)
                ),
            ]
        );
        let go = f.calls.iter().find(|c| c.callee_text == "go").unwrap();
        assert!(f.checks[1].body.unwrap().contains(&go.span));
        assert!(!f.checks[1].orelse.unwrap().contains(&go.span));
        // The loop body, the `if` body, the `elif` and `else` branches.
        assert!(f.regions.iter().any(|r| r.contains(&go.span)));
        assert_eq!(f.regions.iter().filter(|r| r.contains(&go.span)).count(), 2);
    }

    #[test]
    fn calls_get_their_enclosing_function() {
        let f = parse(
            "m.py",
            "import requests as r\nclass A:\n    def go(self):\n        def inner():\n            r.post('u')\n        self.x.run()\n",
            "",
        );
        let go = f.functions.iter().position(|f| f.qualname == "A.go");
        let inner = f.functions.iter().position(|f| f.qualname == "A.go.inner");
        assert_eq!(f.calls[0].scope, inner);
        assert_eq!(f.calls[1].scope, go);
        assert_eq!(f.functions[1].parent, go);
        assert_eq!(f.functions[0].class, Some(0));
    }
}

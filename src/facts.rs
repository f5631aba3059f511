//! Language-neutral facts extracted from one source file.
//!
//! Every front end (Python today; TypeScript, JavaScript and Rust later) turns a file into a
//! [`FileFacts`]. Everything after the front end — linking, tool detection, effect matching and
//! reporting — reads only these types and never a syntax tree.

use serde::{Deserialize, Serialize};

/// The source language of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    #[serde(rename = "typescript")]
    TypeScript,
    #[serde(rename = "javascript")]
    JavaScript,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Python, Language::TypeScript, Language::JavaScript];

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::TypeScript => "typescript",
            Language::JavaScript => "javascript",
        }
    }

    /// One language of each family: the languages whose files share a catalog.
    pub const FAMILIES: [Language; 2] = [Language::Python, Language::JavaScript];

    /// TypeScript and JavaScript import each other and share one catalog.
    pub fn family(self) -> Language {
        match self {
            Language::TypeScript => Language::JavaScript,
            other => other,
        }
    }
}

/// A 1-based line range plus the byte range it covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    pub start_line: u32,
    pub end_line: u32,
    pub start_byte: usize,
    pub end_byte: usize,
}

impl Span {
    pub fn contains(&self, other: &Span) -> bool {
        self.start_byte <= other.start_byte && other.end_byte <= self.end_byte
    }
}

/// A short string of source text (an identifier, a literal): kept inline up to 24 bytes, so
/// the hundreds of thousands of names in a large tree cost no allocation each.
pub type Name = compact_str::CompactString;

/// An expression, reduced to what the analysis needs. Anything else is `Other`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A bare identifier.
    Name(Name),
    /// The receiver of a method (`self`/`cls` in Python, `this` in JS).
    This,
    /// `base.attr`
    Attr(Box<Expr>, Name),
    /// `callee(args)`; shared with the [`Call`] fact of the same call and with the calls
    /// around it, so that a chain or a nested call is stored once.
    Call(std::sync::Arc<CallExpr>),
    /// `base[index, ...]`
    Subscript(Box<Expr>, Vec<Expr>),
    Str(Name),
    Num(Name),
    Bool(bool),
    Null,
    List(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    /// One of several values (`"a" if append else "w"`).
    Choice(Vec<Expr>),
    /// An inline function (lambda, arrow function); the span locates its body.
    Lambda(Span),
    /// Something the analysis does not model; keeps a short source excerpt.
    Other(Name),
}

/// A call expression: callee and arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct CallExpr {
    pub callee: Expr,
    pub args: Vec<Arg>,
}

impl CallExpr {
    /// The `index`-th positional argument.
    pub fn positional(&self, index: usize) -> Option<&Expr> {
        self.args
            .iter()
            .filter(|a| a.name.is_none() && !a.spread)
            .nth(index)
            .map(|a| &a.value)
    }

    /// The keyword argument called `name`.
    pub fn keyword(&self, name: &str) -> Option<&Expr> {
        self.args
            .iter()
            .find(|a| a.name.as_deref() == Some(name))
            .map(|a| &a.value)
    }
}

/// One argument of a call. `name` is set for keyword arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<Name>,
    pub value: Expr,
    /// `*args` / `**kwargs` / `...spread`
    pub spread: bool,
}

impl Expr {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_call(&self) -> Option<&CallExpr> {
        match self {
            Expr::Call(c) => Some(c),
            _ => None,
        }
    }

    /// The last identifier of a name or attribute chain (`a.b.c` gives `c`).
    pub fn last_name(&self) -> Option<&str> {
        match self {
            Expr::Name(n) => Some(n),
            Expr::Attr(_, a) => Some(a),
            _ => None,
        }
    }

    /// A short human-readable rendering used in reports (`self.db.execute`).
    pub fn display(&self) -> String {
        match self {
            Expr::Name(n) => n.to_string(),
            Expr::This => "self".into(),
            Expr::Attr(base, attr) => format!("{}.{}", base.display(), attr),
            Expr::Call(call) => format!("{}()", call.callee.display()),
            Expr::Subscript(base, _) => format!("{}[]", base.display()),
            Expr::Str(s) => format!("{s:?}"),
            Expr::Num(n) => n.to_string(),
            Expr::Bool(b) => b.to_string(),
            Expr::Null => "None".into(),
            Expr::List(_) => "[...]".into(),
            Expr::Dict(_) => "{...}".into(),
            Expr::Choice(options) => options
                .iter()
                .map(Expr::display)
                .collect::<Vec<_>>()
                .join(" | "),
            Expr::Lambda(_) => "lambda".into(),
            Expr::Other(s) => s.to_string(),
        }
    }
}

/// `local` is bound to `target` by an import; `target` is a dotted path (`os.path.join`).
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub local: String,
    pub target: String,
    pub line: u32,
}

/// A parameter of a function.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub annotation: Option<Expr>,
    pub default: Option<Expr>,
}

/// A function, method or named closure.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    /// Dotted path inside the module: `Class.method`, `outer.inner`.
    pub qualname: String,
    /// Index into [`FileFacts::classes`] when this is a method.
    pub class: Option<usize>,
    /// Index into [`FileFacts::functions`] of the enclosing function, for closures.
    pub parent: Option<usize>,
    pub span: Span,
    /// Line of the `def` keyword (decorators come before it).
    pub def_line: u32,
    pub decorators: Vec<Decorator>,
    pub params: Vec<Param>,
    pub docstring: Option<String>,
    /// The declared return type (`-> Path`).
    pub returns: Option<Expr>,
    /// What the language runs this method for implicitly, as its front end knows it.
    pub role: Role,
}

/// A method the language calls without naming it: the constructor that builds an instance
/// (Python `__init__`, JavaScript `constructor`), the method that runs when an instance is
/// called (Python `__call__`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Role {
    #[default]
    Plain,
    Constructor,
    Call,
}

impl Function {
    /// Whether the first parameter is the receiver (`self`/`cls` of a Python method), which a
    /// call like `obj.method(a)` does not pass positionally.
    pub fn takes_receiver(&self) -> bool {
        self.class.is_some()
            && self
                .params
                .first()
                .is_some_and(|p| p.name == "self" || p.name == "cls")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decorator {
    pub expr: Expr,
    pub line: u32,
}

/// A class and what its body declares at class level.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub name: String,
    pub qualname: String,
    pub bases: Vec<Expr>,
    pub span: Span,
    /// Class-level fields: `name: str = "terminal"`, `process: BashProcess`.
    pub fields: Vec<Field>,
    pub docstring: Option<String>,
    /// `@tool` above `class Done(BaseModel)`: a schema made a tool by a decorator.
    pub decorators: Vec<Decorator>,
    /// A type with no code of its own (a TypeScript `interface`, or a `type` alias of an
    /// object type): its fields are typed properties, its `bases` the types it extends, and
    /// the code behind it is whatever implements it.
    pub interface: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub annotation: Option<Expr>,
    pub value: Option<Expr>,
    pub line: u32,
}

/// A call anywhere in the file, with the innermost function that contains it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub call: std::sync::Arc<CallExpr>,
    /// The callee as written, whitespace collapsed (`(NOTES / name).read_text`).
    pub callee_text: Name,
    pub span: Span,
    /// Index into [`FileFacts::functions`]; `None` at module or class level.
    pub scope: Option<usize>,
}

/// `target = value` (also `with value as target`, `self.attr = value`).
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub target: Expr,
    pub value: Expr,
    /// The declared type, when the assignment has one (`path: Path = ...`).
    pub annotation: Option<Expr>,
    pub span: Span,
    pub scope: Option<usize>,
}

/// `return value` inside a function.
#[derive(Debug, Clone, PartialEq)]
pub struct Return {
    pub value: Expr,
    pub span: Span,
    pub scope: Option<usize>,
}

/// A branch that runs when `subject` equals the string `value`
/// (`if name == "x":`, `case "x":`, `case 'x':` in a switch).
#[derive(Debug, Clone, PartialEq)]
pub struct Dispatch {
    pub subject: String,
    /// The name tested for; empty when it is written as a constant (`Tools.RUN`), then
    /// `value_ref` holds that expression for the linker to evaluate.
    pub value: String,
    pub value_ref: Option<Expr>,
    /// Line of the `if`/`case` that tests the value.
    pub line: u32,
    /// The branch body.
    pub span: Span,
    pub scope: Option<usize>,
}

/// How a block of code leaves when it has run to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `raise` / `throw`
    Raise,
    /// `return`
    Return,
    /// `continue` / `break`: the rest of the loop body is skipped.
    Loop,
}

/// A test that decides whether code runs: `if cond: ...`, `elif`, `assert cond`.
///
/// The guard judge reads these: a check whose body leaves the function stops everything
/// after it; a check gates the code in its `body` and `orelse`.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The whole statement.
    pub span: Span,
    /// The test expression.
    pub condition: Span,
    /// Identifiers and attribute names in the test, in order (`not self.root_dir` gives
    /// `self`, `root_dir`).
    pub words: Vec<Name>,
    /// The first line of the statement, whitespace collapsed, for evidence.
    pub text: Name,
    /// How the body leaves, when it always does (`assert` raises).
    pub exit: Option<Exit>,
    /// Runs only when the test holds.
    pub body: Option<Span>,
    /// Runs only when the test fails (`else`, `elif`).
    pub orelse: Option<Span>,
    pub scope: Option<usize>,
}

/// Everything the analysis knows about one file.
#[derive(Debug, Clone)]
pub struct FileFacts {
    /// Relative POSIX path from the scan root.
    pub path: String,
    pub language: Language,
    /// The module path other files import this file by (`pkg.sub.mod`).
    pub module: String,
    pub imports: Vec<Import>,
    pub functions: Vec<Function>,
    pub classes: Vec<Class>,
    pub calls: Vec<Call>,
    pub assignments: Vec<Assignment>,
    pub dispatches: Vec<Dispatch>,
    pub checks: Vec<Check>,
    pub returns: Vec<Return>,
    /// Code that may not run every time the code around it does: branches, loop bodies,
    /// exception handlers, the right side of `and`/`or`, comprehensions, lambdas.
    pub regions: Vec<Span>,
    /// The first line with a syntax error, if any (analysis still ran on what parsed).
    pub syntax_error_line: Option<u32>,
    /// Comments addressed to agent-audit (inline suppressions).
    pub directives: Vec<Directive>,
    /// List literals of strings only, in source order.
    pub string_lists: Vec<StringList>,
    pub lines: u32,
    /// For a notebook, where each line of its joined code cells comes from. Every line in the
    /// facts (spans, `def_line`, directives) counts in the joined source; [`FileFacts::place`]
    /// turns one into what a reader sees.
    pub cells: Option<Cells>,
}

/// The code cells of a notebook, joined into one source in order: the line each starts at and
/// its number among all the notebook's cells (markdown and raw cells count, as the reader sees
/// them in Jupyter), both 1-based.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cells {
    starts: Vec<(u32, u32)>,
}

impl Cells {
    /// Cell `number` starts at `first_line` of the joined source; cells come in order.
    pub fn push(&mut self, first_line: u32, number: u32) {
        debug_assert!(
            self.starts
                .last()
                .is_none_or(|&(l, n)| l <= first_line && n < number)
        );
        self.starts.push((first_line, number));
    }

    /// Line `line` of the joined source as (cell number, line within the cell).
    pub fn locate(&self, line: u32) -> (u32, u32) {
        let i = self.starts.partition_point(|&(first, _)| first <= line);
        match i.checked_sub(1).map(|i| self.starts[i]) {
            Some((first, number)) => (number, line - first + 1),
            // Before the first code cell (line 0 of an empty notebook): keep the line.
            None => (self.starts.first().map_or(1, |&(_, n)| n), line),
        }
    }
}

/// A list literal whose items are all string literals (`["Read", "Bash"]`), with the line each
/// item is on: where a tool granted by name is written.
#[derive(Debug, Clone, PartialEq)]
pub struct StringList {
    pub span: Span,
    pub items: Vec<(Name, u32)>,
}

/// A comment holding `agent-audit:` (see [`crate::suppress`] for what it may say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The line of the comment.
    pub line: u32,
    /// The comment's text after `agent-audit:`.
    pub text: String,
    /// The line of the code it applies to: where the statement that follows a comment on its
    /// own lines starts, or the line a trailing comment ends. `None` when nothing follows it.
    pub target: Option<u32>,
}

impl FileFacts {
    pub fn new(path: String, language: Language, module: String) -> Self {
        FileFacts {
            path,
            language,
            module,
            imports: Vec::new(),
            functions: Vec::new(),
            classes: Vec::new(),
            calls: Vec::new(),
            assignments: Vec::new(),
            dispatches: Vec::new(),
            checks: Vec::new(),
            returns: Vec::new(),
            regions: Vec::new(),
            syntax_error_line: None,
            directives: Vec::new(),
            string_lists: Vec::new(),
            lines: 0,
            cells: None,
        }
    }

    /// Where line `line` of these facts is for a reader: `(None, line)` in an ordinary file,
    /// `(Some(cell), line within the cell)` in a notebook. Everything that reaches output goes
    /// through here, once, when the inventory's locations are built.
    pub fn place(&self, line: u32) -> (Option<u32>, u32) {
        match &self.cells {
            Some(cells) => {
                let (cell, line) = cells.locate(line);
                (Some(cell), line)
            }
            None => (None, line),
        }
    }
    /// The line of each string of `items` where they are written as a list literal inside
    /// `within` (the first such list), if they are.
    pub fn string_lines(&self, within: Span, items: &[&str]) -> Option<Vec<u32>> {
        self.string_lists
            .iter()
            .filter(|l| within.contains(&l.span))
            .find(|l| {
                l.items.len() == items.len() && l.items.iter().zip(items).all(|((a, _), b)| a == b)
            })
            .map(|l| l.items.iter().map(|(_, line)| *line).collect())
    }
}

//! The TypeScript and JavaScript front end (tree-sitter-typescript, tree-sitter-javascript).
//!
//! One iterative walk over each file's syntax tree visits every node once, in document order,
//! and turns the constructs the analysis needs into [`FileFacts`]. The walk keeps the stack of
//! ancestors and of enclosing definitions (functions, classes, named object literals), which
//! give functions their contextual names and qualified names.

use rustc_hash::FxHashMap;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use tree_sitter::{Node, Parser, TreeCursor};

use crate::facts::{
    Arg, Assignment, Call, CallExpr, Check, Class, Decorator, Dispatch, Exit, Expr, Field,
    FileFacts, Function, Import, Language, Name, Param, Return, Role, Span, StringList,
};
use crate::lang::assign_scopes;
use crate::lang::syntax::{fields, first_error_line, join_spans, kinds, line, span};

/// Which grammar parses a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `.ts`, `.mts`, `.cts`
    TypeScript,
    /// `.tsx`
    Tsx,
    /// `.js`, `.jsx`, `.mjs`, `.cjs`
    JavaScript,
}

impl Dialect {
    pub fn of(path: &str) -> Dialect {
        match path.rsplit_once('.').map(|(_, e)| e) {
            Some("ts" | "mts" | "cts") => Dialect::TypeScript,
            Some("tsx") => Dialect::Tsx,
            _ => Dialect::JavaScript,
        }
    }

    pub fn language(self) -> Language {
        match self {
            Dialect::TypeScript | Dialect::Tsx => Language::TypeScript,
            Dialect::JavaScript => Language::JavaScript,
        }
    }

    fn index(self) -> usize {
        match self {
            Dialect::TypeScript => 0,
            Dialect::Tsx => 1,
            Dialect::JavaScript => 2,
        }
    }
}

/// Deeper expressions than this are summarised as `Other`, so that pathological input cannot
/// exhaust the stack.
const MAX_EXPR_DEPTH: usize = 32;

/// Finding the child at a byte reads the children before it: the walk jumps between the
/// children of nodes with at most this many.
const MAX_CHILDREN_TO_JUMP: u32 = 16;

/// Extensions stripped from import specifiers.
const EXTENSIONS: &[&str] = &[".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"];

/// Node kinds whose subtrees the walk does not enter: nothing in them becomes a fact.
const OPAQUE: &[&str] = &[
    "string",
    "number",
    "regex",
    "comment",
    "type_annotation",
    "type_arguments",
    "type_parameters",
    "interface_declaration",
    "type_alias_declaration",
    "ambient_declaration",
    "jsx_text",
    "property_identifier",
    "identifier",
];

kinds! {
    AbstractClassDeclaration = "abstract_class_declaration",
    AccessibilityModifier = "accessibility_modifier",
    Arguments = "arguments",
    Array = "array",
    ArrayType = "array_type",
    ArrowFunction = "arrow_function",
    AsExpression = "as_expression",
    AssignmentExpression = "assignment_expression",
    AssignmentPattern = "assignment_pattern",
    AugmentedAssignmentExpression = "augmented_assignment_expression",
    AwaitExpression = "await_expression",
    BinaryExpression = "binary_expression",
    BreakStatement = "break_statement",
    CallExpression = "call_expression",
    CatchClause = "catch_clause",
    Class = "class",
    ClassBody = "class_body",
    ClassDeclaration = "class_declaration",
    ClassHeritage = "class_heritage",
    Comment = "comment",
    ContinueStatement = "continue_statement",
    Decorator = "decorator",
    DoStatement = "do_statement",
    ElseClause = "else_clause",
    ExportClause = "export_clause",
    ExportSpecifier = "export_specifier",
    EnumAssignment = "enum_assignment",
    EnumBody = "enum_body",
    EnumDeclaration = "enum_declaration",
    ExportStatement = "export_statement",
    ExtendsClause = "extends_clause",
    ExtendsTypeClause = "extends_type_clause",
    False = "false",
    FieldDefinition = "field_definition",
    ForInStatement = "for_in_statement",
    ForStatement = "for_statement",
    FunctionDeclaration = "function_declaration",
    FunctionExpression = "function_expression",
    GeneratorFunction = "generator_function",
    GeneratorFunctionDeclaration = "generator_function_declaration",
    GenericType = "generic_type",
    Identifier = "identifier",
    LexicalDeclaration = "lexical_declaration",
    IfStatement = "if_statement",
    ImplementsClause = "implements_clause",
    InterfaceBody = "interface_body",
    InterfaceDeclaration = "interface_declaration",
    Import = "import",
    ImportClause = "import_clause",
    ImportRequireClause = "import_require_clause",
    ImportSpecifier = "import_specifier",
    ImportStatement = "import_statement",
    MemberExpression = "member_expression",
    MethodDefinition = "method_definition",
    NamedImports = "named_imports",
    NamespaceExport = "namespace_export",
    NamespaceImport = "namespace_import",
    NestedTypeIdentifier = "nested_type_identifier",
    NewExpression = "new_expression",
    NonNullExpression = "non_null_expression",
    Null = "null",
    Number = "number",
    Object = "object",
    ObjectAssignmentPattern = "object_assignment_pattern",
    ObjectPattern = "object_pattern",
    ObjectType = "object_type",
    OptionalParameter = "optional_parameter",
    Pair = "pair",
    PairPattern = "pair_pattern",
    ParenthesizedExpression = "parenthesized_expression",
    PredefinedType = "predefined_type",
    PrivatePropertyIdentifier = "private_property_identifier",
    PropertyIdentifier = "property_identifier",
    PropertySignature = "property_signature",
    PublicFieldDefinition = "public_field_definition",
    RequiredParameter = "required_parameter",
    RestPattern = "rest_pattern",
    ReturnStatement = "return_statement",
    SatisfiesExpression = "satisfies_expression",
    SequenceExpression = "sequence_expression",
    ShorthandPropertyIdentifier = "shorthand_property_identifier",
    ShorthandPropertyIdentifierPattern = "shorthand_property_identifier_pattern",
    SpreadElement = "spread_element",
    StatementBlock = "statement_block",
    String = "string",
    SubscriptExpression = "subscript_expression",
    Super = "super",
    SwitchCase = "switch_case",
    SwitchDefault = "switch_default",
    SwitchStatement = "switch_statement",
    TemplateString = "template_string",
    TemplateSubstitution = "template_substitution",
    TernaryExpression = "ternary_expression",
    This = "this",
    ThrowStatement = "throw_statement",
    True = "true",
    TypeAnnotation = "type_annotation",
    TypeAliasDeclaration = "type_alias_declaration",
    UnionType = "union_type",
    TypeAssertion = "type_assertion",
    TypeIdentifier = "type_identifier",
    Undefined = "undefined",
    VariableDeclaration = "variable_declaration",
    VariableDeclarator = "variable_declarator",
    WhileStatement = "while_statement",
}

fields! {
    alias = "alias",
    alternative = "alternative",
    arguments = "arguments",
    body = "body",
    condition = "condition",
    consequence = "consequence",
    constructor = "constructor",
    declaration = "declaration",
    function = "function",
    index = "index",
    key = "key",
    left = "left",
    module = "module",
    name = "name",
    object = "object",
    operator = "operator",
    parameter = "parameter",
    parameters = "parameters",
    pattern = "pattern",
    property = "property",
    return_type = "return_type",
    right = "right",
    source = "source",
    type_ = "type",
    type_arguments = "type_arguments",
    value = "value",
}

/// A grammar with its kind table and field ids.
struct Compiled {
    language: tree_sitter::Language,
    kinds: Vec<K>,
    /// Kinds whose subtrees hold nothing the front end reads (strings, types).
    opaque: Vec<bool>,
    fields: Fields,
}

fn compiled(dialect: Dialect) -> &'static Compiled {
    static COMPILED: [OnceLock<Compiled>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    COMPILED[dialect.index()].get_or_init(|| {
        let language: tree_sitter::Language = match dialect {
            Dialect::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Dialect::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Dialect::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        };
        let kinds = kind_table(&language, true);
        let fields = Fields::new(&language);
        let opaque = (0..language.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .filter(|id| language.node_kind_is_named(*id))
                    .and_then(|id| language.node_kind_for_id(id))
                    .is_some_and(|name| OPAQUE.contains(&name))
            })
            .collect();
        Compiled {
            language,
            kinds,
            opaque,
            fields,
        }
    })
}

/// Keywords that every node the walk reads (or that holds one) contains: a stretch of source
/// without them, and without the punctuation [`TokenMarks::mark`] looks for, holds no fact.
const KEYWORDS: &[&[u8]] = &[
    b"function",
    b"class",
    b"import",
    b"export",
    b"new",
    b"return",
    b"if",
    b"for",
    b"while",
    b"do",
    b"catch",
    b"switch",
    // `let manager: GraphManager;` has none of the punctuation below.
    b"let",
    b"var",
];

/// Whether `word` is one of [`KEYWORDS`].
fn is_keyword(word: &[u8]) -> bool {
    matches!(
        word,
        b"function"
            | b"class"
            | b"import"
            | b"export"
            | b"new"
            | b"return"
            | b"if"
            | b"for"
            | b"while"
            | b"do"
            | b"catch"
            | b"switch"
            | b"let"
            | b"var"
    )
}

/// Where the tokens that facts need start in one file.
type TokenMarks = super::marks::ByteMarks;

/// Marks the tokens of `src`, conservatively: keywords are marked wherever a word is one
/// (also in strings and comments), and punctuation wherever it is. Punctuation: `(`
/// (calls, methods), `` ` `` (tagged templates), `{` (objects, class bodies), `=`
/// (declarations, assignments, arrows), `?`, `&`, `|` (branches), `@` (decorators) and
/// `/*` (comments: JSDoc).
fn mark_tokens(src: &[u8], marks: &mut TokenMarks) {
    const OTHER: u8 = 0;
    const PUNCTUATION: u8 = 1;
    const WORD: u8 = 2;
    const SLASH: u8 = 3;
    let mut class = [OTHER; 256];
    for byte in 0..=u8::MAX {
        if byte.is_ascii_alphanumeric() || byte == b'_' {
            class[usize::from(byte)] = WORD;
        }
    }
    for &byte in b"(`{=?&|@" {
        class[usize::from(byte)] = PUNCTUATION;
    }
    class[usize::from(b'/')] = SLASH;
    marks.reset(src.len());
    let mut i = 0;
    while i < src.len() {
        let kind = class[usize::from(src[i])];
        if kind != WORD {
            if kind == PUNCTUATION || (kind == SLASH && src.get(i + 1) == Some(&b'*')) {
                marks.set(i);
            }
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < src.len() && class[usize::from(src[i])] == WORD {
            i += 1;
        }
        let word = &src[start..i];
        let found = if word[0].is_ascii_digit() {
            // Not a keyword in valid code; conservatively, any keyword inside.
            KEYWORDS
                .iter()
                .any(|k| word.windows(k.len()).any(|w| w == *k))
        } else {
            is_keyword(word)
        };
        if found {
            marks.set(start);
        }
    }
    marks.seal();
}

thread_local! {
    static TOKEN_MARKS: RefCell<TokenMarks> = RefCell::new(TokenMarks::default());
    static PARSERS: RefCell<[Option<Parser>; 3]> = const { RefCell::new([None, None, None]) };
}

/// Parses with this thread's parser for the dialect (created on first use).
fn parse_tree(source: &str, dialect: Dialect) -> Option<tree_sitter::Tree> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[dialect.index()];
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(&compiled(dialect).language).ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(source, None)
    })
}

/// Parses one file into facts.
pub fn parse(rel_path: &str, source: &str, dialect: Dialect) -> FileFacts {
    let mut facts = FileFacts::new(
        rel_path.to_string(),
        dialect.language(),
        module_name(rel_path),
    );
    // `source.lines().count()`, counting newline bytes.
    let newlines = source.bytes().filter(|b| *b == b'\n').count();
    facts.lines = (newlines + usize::from(!source.is_empty() && !source.ends_with('\n'))) as u32;
    let Some(tree) = parse_tree(source, dialect) else {
        facts.syntax_error_line = Some(1);
        return facts;
    };
    let root = tree.root_node();
    if root.has_error() {
        facts.syntax_error_line = Some(first_error_line(root));
    }
    facts.directives = super::syntax::directives(root, source);
    let compiled = compiled(dialect);
    let dir = rel_path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut walker = Walker {
        src: source,
        kinds: &compiled.kinds,
        f: &compiled.fields,
        opaque: &compiled.opaque,
        comment: compiled.language.id_for_node_kind("comment", true),
        cursors: Rc::default(),
        visiting: 0,
        cut: Cell::new(false),
        read_calls: RefCell::default(),
        arg_stack: RefCell::default(),
        option_stack: RefCell::default(),
        pair_stack: RefCell::default(),
        expr_stack: RefCell::default(),
        string_lists: RefCell::default(),
        dir,
        facts: &mut facts,
        ancestors: Vec::new(),
        defs: Vec::new(),
        doc: None,
        decorators: Vec::new(),
    };
    TOKEN_MARKS.with_borrow_mut(|marks| {
        mark_tokens(source.as_bytes(), marks);
        walker.walk(root, marks);
    });
    let string_lists = walker.string_lists.take();
    drop(walker);
    facts.string_lists = super::sorted_string_lists(string_lists);
    drop(tree);
    assign_scopes(&mut facts);
    // The lists are kept until the end of the scan: no spare room.
    facts.imports.shrink_to_fit();
    facts.functions.shrink_to_fit();
    facts.classes.shrink_to_fit();
    facts.calls.shrink_to_fit();
    facts.assignments.shrink_to_fit();
    facts.dispatches.shrink_to_fit();
    facts.checks.shrink_to_fit();
    facts.returns.shrink_to_fit();
    facts.regions.shrink_to_fit();
    facts
}

/// Parses `source` and drops the tree (the benchmark's baseline). Returns 1 when the tree has
/// errors, else 0, so the work is not optimised away.
pub fn parse_tree_only(source: &str, dialect: Dialect) -> usize {
    parse_tree(source, dialect).map_or(0, |t| usize::from(t.root_node().has_error()))
}

/// The module key other files import this file by: its path without the extension
/// (`src/tools/db.ts` → `src/tools/db`).
pub fn module_name(rel_path: &str) -> String {
    match rel_path.rsplit_once('.') {
        Some((stem, _)) => stem.to_string(),
        None => rel_path.to_string(),
    }
}

/// The module an import specifier names, as a root-relative path for relative specifiers
/// (`../db/index.js` in `src/tools/a.ts` → `src/db/index`), else as written (`node:fs` → `fs`).
pub fn normalize_specifier(spec: &str, dir: &str) -> String {
    let spec = spec.strip_prefix("node:").unwrap_or(spec);
    // A package name may end like a file (`highlight.js`); only a path inside it is a file.
    let slashes = spec.matches('/').count();
    let has_file = is_relative(spec) || slashes >= if spec.starts_with('@') { 2 } else { 1 };
    if !has_file {
        return spec.to_string();
    }
    let spec = EXTENSIONS
        .iter()
        .find_map(|ext| spec.strip_suffix(ext).filter(|s| !s.is_empty()))
        .unwrap_or(spec);
    let relative = spec == "." || spec == ".." || spec.starts_with("./") || spec.starts_with("../");
    if !relative {
        return spec.to_string();
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for segment in spec.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return spec.to_string();
                }
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn is_relative(spec: &str) -> bool {
    spec == "." || spec == ".." || spec.starts_with("./") || spec.starts_with("../")
}

/// The callee as written, on one line and without the line breaks of a method chain
/// (`client\n  .query` gives `client.query`).
fn callee_text(text: &str) -> Name {
    let text = text.strip_prefix("await ").unwrap_or(text);
    let collapsed = collapse(&[text], 80);
    if collapsed.contains(" .") || collapsed.contains(". ") {
        Name::from(collapsed.replace(" .", ".").replace(". ", "."))
    } else {
        collapsed
    }
}

/// The children of a node, in order, read with a cursor of their own. `named` skips anonymous
/// tokens and comments.
struct Kids<'a> {
    pool: Rc<RefCell<Vec<TreeCursor<'a>>>>,
    cursor: Option<TreeCursor<'a>>,
    started: bool,
    done: bool,
    named: bool,
    comment: u16,
}

impl Drop for Kids<'_> {
    fn drop(&mut self) {
        if let Some(cursor) = self.cursor.take()
            && let Ok(mut pool) = self.pool.try_borrow_mut()
        {
            pool.push(cursor);
        }
    }
}

impl<'a> Iterator for Kids<'a> {
    type Item = Node<'a>;

    fn next(&mut self) -> Option<Node<'a>> {
        loop {
            if self.done {
                return None;
            }
            let cursor = self.cursor.as_mut()?;
            let moved = if self.started {
                cursor.goto_next_sibling()
            } else {
                self.started = true;
                cursor.goto_first_child()
            };
            if !moved {
                self.done = true;
                return None;
            }
            let node = cursor.node();
            if !self.named || (node.is_named() && node.kind_id() != self.comment) {
                return Some(node);
            }
        }
    }
}

/// An enclosing function, class or named object literal.
struct Def {
    /// How many ancestors the defining node has (its depth in the tree).
    depth: usize,
    name: Name,
    kind: DefKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DefKind {
    Function(usize),
    Class(usize),
    Object,
}

struct Walker<'a, 'f> {
    src: &'a str,
    kinds: &'a [K],
    f: &'a Fields,
    opaque: &'a [bool],
    /// The kind id of comments.
    comment: u16,
    /// Spare cursors for reading children.
    cursors: Rc<RefCell<Vec<TreeCursor<'a>>>>,
    /// Where the node being visited starts.
    visiting: usize,
    /// Set when an expression was cut short at [`MAX_EXPR_DEPTH`].
    cut: Cell<bool>,
    /// Calls read as part of something else before the walk visits them, by node id.
    read_calls: RefCell<FxHashMap<usize, Arc<CallExpr>>>,
    /// Scratch stacks that lists are built on before they are copied out at their exact
    /// size; each reading takes from the top what it pushed (readings nest).
    arg_stack: RefCell<Vec<Arg>>,
    option_stack: RefCell<Vec<Arg>>,
    pair_stack: RefCell<Vec<(Expr, Expr)>>,
    expr_stack: RefCell<Vec<Expr>>,
    /// Array literals of strings, as they are read (an array may be read more than once).
    string_lists: RefCell<Vec<StringList>>,
    /// The directory of the file, for relative imports.
    dir: &'a str,
    facts: &'f mut FileFacts,
    /// The ancestors of the node being visited, root first.
    ancestors: Vec<Node<'a>>,
    /// The definitions among the ancestors (and the node itself), outermost first.
    defs: Vec<Def>,
    /// The last JSDoc comment seen: start and end byte.
    doc: Option<(usize, usize)>,
    /// Decorators seen in a class body (TypeScript puts them before the member), for the
    /// member that follows them.
    decorators: Vec<Node<'a>>,
}

/// How the value a declaration binds is read: an import, or an ordinary value.
enum Bound {
    /// `require('m')`, `__importStar(require('m'))`: the module.
    Module(String),
    /// `require('m').a`: a member of the module.
    Member(String, Name),
}

impl<'a> Walker<'a, '_> {
    fn text(&self, node: Node) -> &'a str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    fn kind(&self, node: Node) -> K {
        self.kinds
            .get(usize::from(node.kind_id()))
            .copied()
            .unwrap_or(K::Other)
    }

    fn field(&self, node: Node<'a>, field: u16) -> Option<Node<'a>> {
        if field == 0 {
            return None;
        }
        node.child_by_field_id(field)
    }

    /// Named children without comments.
    fn named(&self, node: Node<'a>) -> Kids<'a> {
        self.kids(node, true)
    }

    fn kids(&self, node: Node<'a>, named: bool) -> Kids<'a> {
        let spare = self.cursors.try_borrow_mut().ok().and_then(|mut p| p.pop());
        let cursor = match spare {
            Some(mut cursor) => {
                cursor.reset(node);
                cursor
            }
            None => node.walk(),
        };
        Kids {
            pool: Rc::clone(&self.cursors),
            cursor: Some(cursor),
            started: false,
            done: false,
            named,
            comment: self.comment,
        }
    }

    fn first_named(&self, node: Node<'a>) -> Option<Node<'a>> {
        let first = node.named_child(0)?;
        if first.kind_id() != self.comment {
            return Some(first);
        }
        self.named(node).next()
    }

    fn last_named(&self, node: Node<'a>) -> Option<Node<'a>> {
        let count = node.named_child_count();
        let last = node.named_child(u32::try_from(count.checked_sub(1)?).ok()?)?;
        if last.kind_id() != self.comment {
            return Some(last);
        }
        self.named(node).last()
    }

    /// Visits every node once in document order, without recursion.
    fn walk(&mut self, root: Node<'a>, marks: &TokenMarks) {
        let comment = self.comment;
        let any_errors = root.has_error();
        let mut cursor = root.walk();
        // For each of the ancestors: its end when the walk jumps between its children.
        let mut jumps: Vec<Option<usize>> = Vec::new();
        loop {
            let node = cursor.node();
            let kind_id = node.kind_id();
            let kind = self
                .kinds
                .get(usize::from(kind_id))
                .copied()
                .unwrap_or(K::Other);
            if kind_id == comment {
                self.comment(node);
            } else {
                self.visiting = node.start_byte();
                self.visit(node, kind);
            }
            let opaque = self
                .opaque
                .get(usize::from(kind_id))
                .copied()
                .unwrap_or(false);
            // A subtree without any of the tokens that facts need (and without errors) holds
            // no fact: it is not entered. Of the children of a node without errors, only
            // those holding such tokens are visited (the walk jumps from one to the next),
            // except in class bodies, where every field counts (it ends the decorators
            // before it).
            let has_error = any_errors && node.has_error();
            if !opaque && (has_error || marks.any_in(node.start_byte(), node.end_byte())) {
                let end = node.end_byte();
                let jump = !has_error
                    && node.child_count() <= MAX_CHILDREN_TO_JUMP
                    && kind != K::ClassBody;
                let moved = if jump {
                    marks
                        .next(node.start_byte(), end)
                        .is_some_and(|at| cursor.goto_first_child_for_byte(at).is_some())
                } else {
                    cursor.goto_first_child()
                };
                if moved {
                    self.ancestors.push(node);
                    jumps.push(jump.then_some(end));
                    continue;
                }
            }
            self.done_with(self.ancestors.len());
            let mut done = node;
            loop {
                let Some(&jump) = jumps.last() else {
                    return;
                };
                let moved = match jump {
                    Some(parent_end) => {
                        let next = marks.next(done.end_byte(), parent_end);
                        cursor.goto_parent();
                        next.is_some_and(|at| cursor.goto_first_child_for_byte(at).is_some())
                    }
                    None => cursor.goto_next_sibling() || !cursor.goto_parent(),
                };
                if moved {
                    break;
                }
                jumps.pop();
                if let Some(parent) = self.ancestors.pop() {
                    done = parent;
                }
                self.done_with(self.ancestors.len());
            }
        }
    }

    /// The node at `depth` is done: its definitions end.
    fn done_with(&mut self, depth: usize) {
        while self.defs.last().is_some_and(|d| d.depth >= depth) {
            self.defs.pop();
        }
    }

    fn comment(&mut self, node: Node<'a>) {
        if self.text(node).starts_with("/**") {
            self.doc = Some((node.start_byte(), node.end_byte()));
        }
    }

    fn parent(&self) -> Option<Node<'a>> {
        self.ancestors.last().copied()
    }

    fn visit(&mut self, node: Node<'a>, kind: K) {
        match kind {
            K::FunctionDeclaration
            | K::GeneratorFunctionDeclaration
            | K::FunctionExpression
            | K::GeneratorFunction
            | K::ArrowFunction
            | K::MethodDefinition => self.function(node),
            K::ClassDeclaration | K::Class | K::AbstractClassDeclaration => self.class(node),
            K::InterfaceDeclaration | K::TypeAliasDeclaration => self.interface(node),
            K::EnumDeclaration => self.enumeration(node),
            K::Object => self.object(node),
            K::ImportStatement => self.import(node),
            K::ExportStatement => self.export(node),
            K::CallExpression | K::NewExpression => self.call(node),
            K::VariableDeclarator => self.declarator(node),
            K::LexicalDeclaration | K::VariableDeclaration => self.typed_declarations(node),
            K::AssignmentExpression => self.assignment(node),
            K::AugmentedAssignmentExpression => {
                let op = self.field(node, self.f.operator).map(|o| self.text(o));
                if matches!(op, Some("||=" | "&&=" | "??="))
                    && let Some(right) = self.field(node, self.f.right)
                {
                    self.add_region(span(right));
                }
            }
            K::ReturnStatement => {
                if let Some(value) = self.first_named(node) {
                    let value = self.expr(value, 0);
                    self.facts.returns.push(Return {
                        value,
                        span: span(node),
                        scope: None,
                    });
                }
            }
            K::IfStatement => self.if_statement(node),
            K::ForStatement | K::ForInStatement | K::WhileStatement | K::DoStatement => {
                if let Some(body) = self.field(node, self.f.body) {
                    self.add_region(span(body));
                }
            }
            K::CatchClause => self.add_region(span(node)),
            K::SwitchStatement => self.switch(node),
            K::TernaryExpression => {
                for field in [self.f.consequence, self.f.alternative] {
                    if let Some(branch) = self.field(node, field) {
                        self.add_region(span(branch));
                    }
                }
            }
            K::BinaryExpression => {
                let op = self.field(node, self.f.operator).map(|o| self.text(o));
                if matches!(op, Some("&&" | "||" | "??"))
                    && let Some(right) = self.field(node, self.f.right)
                {
                    self.add_region(span(right));
                }
            }
            K::Decorator if self.parent().is_some_and(|p| self.kind(p) == K::ClassBody) => {
                self.decorators.push(node);
            }
            // Decorators of a field are not kept; they do not carry over to a later member.
            K::PublicFieldDefinition | K::FieldDefinition
                if self
                    .field(node, self.f.value)
                    .is_none_or(|v| !self.is_function(v)) =>
            {
                self.decorators.clear();
            }
            _ => {}
        }
    }

    fn is_function(&self, node: Node) -> bool {
        matches!(
            self.kind(node),
            K::FunctionExpression | K::GeneratorFunction | K::ArrowFunction
        )
    }

    /// Where the name of a value comes from: the declaration, property, assignment or class
    /// field it is the value of. `through_calls` also looks past a call the value is an
    /// argument of (`const t = tool({...})` names the object `t`).
    fn context_name(&self, node: Node<'a>, through_calls: bool) -> Option<Name> {
        let f = self.f;
        let mut child = node;
        let mut i = self.ancestors.len();
        loop {
            i = i.checked_sub(1)?;
            let parent = self.ancestors[i];
            match self.kind(parent) {
                K::ParenthesizedExpression
                | K::AsExpression
                | K::SatisfiesExpression
                | K::NonNullExpression
                | K::AwaitExpression => child = parent,
                // A callback is named after the call it is given to and the call's first
                // argument, when that names something: `server.tool("read_file", ..., async
                // () => ...)` runs `tool(read_file)`, `arr.map(x => ...)` runs `map()`.
                K::Arguments if !through_calls => {
                    let call = self.ancestors.get(i.checked_sub(1)?).copied()?;
                    if !matches!(self.kind(call), K::CallExpression | K::NewExpression) {
                        return None;
                    }
                    let callee = self
                        .field(call, f.function)
                        .or_else(|| self.field(call, f.constructor))?;
                    let last = match self.kind(callee) {
                        K::MemberExpression => self.field(callee, f.property)?,
                        _ => callee,
                    };
                    let first = self.named(parent).next().filter(|&a| a != child);
                    let what = match first.map(|a| (self.kind(a), a)) {
                        Some((K::String, a)) => self.text(a).trim_matches(['"', '\'', '`']),
                        Some((K::Identifier, a)) => self.text(a),
                        _ => "",
                    };
                    let name = format!("{}({what})", self.text(last));
                    return (name.len() <= 80).then(|| name.into());
                }
                K::Arguments if through_calls => {
                    i = i.checked_sub(1)?;
                    child = self.ancestors[i];
                    if !matches!(self.kind(child), K::CallExpression | K::NewExpression) {
                        return None;
                    }
                }
                K::VariableDeclarator => {
                    let name = self.field(parent, f.name)?;
                    return (self.field(parent, f.value) == Some(child)
                        && self.kind(name) == K::Identifier)
                        .then(|| self.text(name).into());
                }
                K::Pair => {
                    return if self.field(parent, f.value) == Some(child) {
                        self.field(parent, f.key).and_then(|k| self.key_name(k))
                    } else {
                        None
                    };
                }
                K::AssignmentExpression => {
                    if self.field(parent, f.right) != Some(child) {
                        return None;
                    }
                    let left = self.field(parent, f.left)?;
                    if self.is_module_exports(left) {
                        return None;
                    }
                    return match self.kind(left) {
                        K::Identifier => Some(self.text(left).into()),
                        K::MemberExpression => {
                            self.field(left, f.property).map(|p| self.text(p).into())
                        }
                        _ => None,
                    };
                }
                K::FieldDefinition | K::PublicFieldDefinition => {
                    let name = self
                        .field(parent, f.property)
                        .or_else(|| self.field(parent, f.name))?;
                    return Some(self.text(name).into());
                }
                _ => return None,
            }
        }
    }

    /// The text of a property key: `a`, `'a'`, `1`; `None` for computed keys.
    fn key_name(&self, key: Node<'a>) -> Option<Name> {
        match self.kind(key) {
            K::PropertyIdentifier | K::Identifier | K::PrivatePropertyIdentifier | K::Number => {
                Some(self.text(key).into())
            }
            K::String => Some(self.string_content(key)),
            _ => None,
        }
    }

    /// `module.exports`
    fn is_module_exports(&self, node: Node<'a>) -> bool {
        self.kind(node) == K::MemberExpression
            && self
                .field(node, self.f.object)
                .is_some_and(|o| self.kind(o) == K::Identifier && self.text(o) == "module")
            && self
                .field(node, self.f.property)
                .is_some_and(|p| self.text(p) == "exports")
    }

    fn qualname(&self, name: &str) -> String {
        let mut qualname = String::new();
        for def in &self.defs {
            qualname.push_str(&def.name);
            qualname.push('.');
        }
        qualname.push_str(name);
        qualname
    }

    /// The JSDoc comment right before `anchor_start` (only whitespace between).
    fn docstring(&self, anchor_start: usize) -> Option<String> {
        let (start, end) = self.doc?;
        if end > anchor_start {
            return None;
        }
        let gap = self.src.get(end..anchor_start)?;
        if !gap.bytes().all(|b| b.is_ascii_whitespace()) {
            return None;
        }
        clean_jsdoc(self.src.get(start..end)?)
    }

    /// Where the declaration of `node` starts: the statement, property or field it is the
    /// value of (a JSDoc comment goes before that).
    fn anchor_start(&self, node: Node<'a>) -> usize {
        let mut start = node.start_byte();
        for parent in self.ancestors.iter().rev() {
            match self.kind(*parent) {
                K::VariableDeclarator
                | K::ExportStatement
                | K::Pair
                | K::FieldDefinition
                | K::PublicFieldDefinition
                | K::AssignmentExpression
                | K::ParenthesizedExpression => start = parent.start_byte(),
                K::Other
                    if matches!(
                        parent.kind(),
                        "lexical_declaration" | "variable_declaration" | "expression_statement"
                    ) =>
                {
                    start = parent.start_byte()
                }
                _ => break,
            }
        }
        start
    }

    fn function(&mut self, node: Node<'a>) {
        let f = self.f;
        let kind = self.kind(node);
        let name_node = self.field(node, f.name);
        let parent = self.parent();
        let parent_kind = parent.map_or(K::Other, |p| self.kind(p));
        let name: Name = match name_node {
            Some(n) if kind == K::MethodDefinition => {
                self.key_name(n).unwrap_or_else(|| self.text(n).into())
            }
            Some(n) => self.text(n).into(),
            None => self.context_name(node, false).unwrap_or_else(|| {
                if parent_kind == K::ExportStatement {
                    "default".into()
                } else {
                    "<anonymous>".into()
                }
            }),
        };
        // A method or a class field's function belongs to the class.
        let class_member = match parent_kind {
            K::ClassBody => true,
            K::FieldDefinition | K::PublicFieldDefinition => {
                self.ancestors.len() >= 2
                    && self.kind(self.ancestors[self.ancestors.len() - 2]) == K::ClassBody
            }
            _ => false,
        };
        let mut class = None;
        let mut parent_fn = None;
        for def in self.defs.iter().rev() {
            match def.kind {
                DefKind::Object => {}
                DefKind::Function(i) => {
                    parent_fn = Some(i);
                    break;
                }
                DefKind::Class(i) => {
                    if class_member {
                        class = Some(i);
                    }
                    break;
                }
            }
        }
        let qualname = self.qualname(&name);
        // Decorators: JavaScript keeps them inside the method, TypeScript before it.
        let mut decorators = Vec::new();
        let mut first_decorator = None;
        if kind == K::MethodDefinition {
            for child in self.named(node) {
                if self.kind(child) == K::Decorator {
                    first_decorator = first_decorator.or(Some(child.start_byte()));
                    decorators.push(child);
                }
            }
            if parent_kind == K::ClassBody && !self.decorators.is_empty() {
                first_decorator = Some(self.decorators[0].start_byte());
                let mut before = std::mem::take(&mut self.decorators);
                before.append(&mut decorators);
                decorators = before;
            }
        } else if class_member {
            // A class field's function: the decorators before the field.
            if !self.decorators.is_empty() {
                first_decorator = Some(self.decorators[0].start_byte());
            }
            decorators = std::mem::take(&mut self.decorators);
        }
        let decorators: Vec<Decorator> = decorators
            .into_iter()
            .filter_map(|d| {
                self.first_named(d).map(|e| Decorator {
                    expr: self.expr(e, 0),
                    line: line(d),
                })
            })
            .collect();
        let def_line = match name_node {
            Some(n) if !decorators.is_empty() && kind == K::MethodDefinition => line(n),
            _ => line(node),
        };
        let mut params = Vec::new();
        if let Some(p) = self.field(node, f.parameters) {
            self.params(p, &mut params);
        } else if let Some(p) = self.field(node, f.parameter) {
            self.param(p, None, None, &mut params);
        }
        let returns = self.field(node, f.return_type).map(|t| {
            let t = self.type_expr(t, 0);
            match t {
                Expr::Subscript(base, mut args)
                    if args.len() == 1 && matches!(&*base, Expr::Name(n) if n == "Promise") =>
                {
                    args.pop().unwrap_or(Expr::Null)
                }
                other => other,
            }
        });
        let mut anchor = self.anchor_start(node);
        if let Some(first) = first_decorator {
            anchor = anchor.min(first);
        }
        let docstring = self.docstring(anchor);
        // An arrow function with an expression body returns it.
        if kind == K::ArrowFunction
            && let Some(body) = self.field(node, f.body)
            && self.kind(body) != K::StatementBlock
        {
            let value = self.expr(body, 0);
            self.facts.returns.push(Return {
                value,
                span: span(body),
                scope: None,
            });
        }
        let index = self.facts.functions.len();
        let role = if class.is_some() && name == "constructor" {
            Role::Constructor
        } else {
            Role::Plain
        };
        self.facts.functions.push(Function {
            name: name.to_string(),
            qualname,
            class,
            parent: parent_fn,
            span: span(node),
            def_line,
            decorators,
            params,
            docstring,
            returns,
            role,
        });
        self.defs.push(Def {
            depth: self.ancestors.len(),
            name,
            kind: DefKind::Function(index),
        });
    }

    fn params(&self, node: Node<'a>, out: &mut Vec<Param>) {
        let f = self.f;
        for child in self.named(node) {
            match self.kind(child) {
                K::RequiredParameter | K::OptionalParameter => {
                    let Some(pattern) = self
                        .field(child, f.pattern)
                        .or_else(|| self.field(child, f.name))
                    else {
                        continue;
                    };
                    let annotation = self.field(child, f.type_);
                    let default = self.field(child, f.value);
                    self.param(pattern, annotation, default, out);
                }
                K::Decorator => {}
                _ => self.param(child, None, None, out),
            }
        }
    }

    /// One parameter pattern; destructured objects give one parameter per property.
    fn param(
        &self,
        pattern: Node<'a>,
        annotation: Option<Node<'a>>,
        default: Option<Node<'a>>,
        out: &mut Vec<Param>,
    ) {
        let f = self.f;
        let annotation_expr = || annotation.map(|t| self.type_expr(t, 0));
        match self.kind(pattern) {
            K::Identifier => out.push(Param {
                name: self.text(pattern).to_string(),
                annotation: annotation_expr(),
                default: default.map(|d| self.expr(d, 0)),
            }),
            K::AssignmentPattern => {
                if let (Some(left), Some(right)) =
                    (self.field(pattern, f.left), self.field(pattern, f.right))
                {
                    self.param(left, annotation, Some(right), out);
                }
            }
            K::RestPattern => {
                if let Some(inner) = self.first_named(pattern)
                    && self.kind(inner) == K::Identifier
                {
                    out.push(Param {
                        name: self.text(inner).to_string(),
                        annotation: annotation_expr(),
                        default: None,
                    });
                }
            }
            K::ObjectPattern => {
                for property in self.named(pattern) {
                    let (name, default) = match self.kind(property) {
                        K::ShorthandPropertyIdentifierPattern => (Some(property), None),
                        K::PairPattern => (self.field(property, f.key), None),
                        K::ObjectAssignmentPattern => {
                            (self.field(property, f.left), self.field(property, f.right))
                        }
                        _ => (None, None),
                    };
                    let Some(name) = name.and_then(|n| {
                        self.key_name(n).or_else(|| {
                            (self.kind(n) == K::ShorthandPropertyIdentifierPattern)
                                .then(|| self.text(n).into())
                        })
                    }) else {
                        continue;
                    };
                    // `{ db }: Options` reads the `db` property of an `Options`, written as
                    // TypeScript's indexed access type `Options["db"]`.
                    let annotation = annotation_expr()
                        .map(|ty| Expr::Subscript(Box::new(ty), vec![Expr::Str(name.clone())]));
                    out.push(Param {
                        name: name.to_string(),
                        annotation,
                        default: default.map(|d| self.expr(d, 0)),
                    });
                }
            }
            _ => {}
        }
    }

    fn class(&mut self, node: Node<'a>) {
        let f = self.f;
        self.decorators.clear();
        let name: Name = match self.field(node, f.name) {
            Some(n) => self.text(n).into(),
            None => self.context_name(node, false).unwrap_or_else(|| {
                if self
                    .parent()
                    .is_some_and(|p| self.kind(p) == K::ExportStatement)
                {
                    "default".into()
                } else {
                    "<anonymous>".into()
                }
            }),
        };
        let qualname = self.qualname(&name);
        let mut bases = Vec::new();
        let mut body = None;
        for child in self.named(node) {
            match self.kind(child) {
                K::ClassHeritage => {
                    for clause in self.named(child) {
                        match self.kind(clause) {
                            K::ExtendsClause => {
                                if let Some(value) = self.field(clause, f.value) {
                                    bases.push(self.expr(value, 0));
                                }
                            }
                            K::ImplementsClause => {
                                for t in self.named(clause) {
                                    bases.push(self.type_expr(t, 0));
                                }
                            }
                            _ => bases.push(self.expr(clause, 0)),
                        }
                    }
                }
                K::ClassBody => body = Some(child),
                _ => {}
            }
        }
        let mut fields = Vec::new();
        if let Some(body) = body {
            for member in self.named(body) {
                match self.kind(member) {
                    K::FieldDefinition | K::PublicFieldDefinition => {
                        let Some(name) = self
                            .field(member, f.property)
                            .or_else(|| self.field(member, f.name))
                        else {
                            continue;
                        };
                        fields.push(Field {
                            name: self.text(name).to_string(),
                            annotation: self.field(member, f.type_).map(|t| self.type_expr(t, 0)),
                            value: self.field(member, f.value).map(|v| self.expr(v, 0)),
                            line: line(member),
                        });
                    }
                    K::MethodDefinition => {
                        let is_constructor = self
                            .field(member, f.name)
                            .is_some_and(|n| self.text(n) == "constructor");
                        if !is_constructor {
                            continue;
                        }
                        let Some(params) = self.field(member, f.parameters) else {
                            continue;
                        };
                        for param in self.named(params) {
                            if !matches!(
                                self.kind(param),
                                K::RequiredParameter | K::OptionalParameter
                            ) || !self.is_parameter_property(param)
                            {
                                continue;
                            }
                            let Some(pattern) = self.field(param, f.pattern) else {
                                continue;
                            };
                            if self.kind(pattern) != K::Identifier {
                                continue;
                            }
                            fields.push(Field {
                                name: self.text(pattern).to_string(),
                                annotation: self
                                    .field(param, f.type_)
                                    .map(|t| self.type_expr(t, 0)),
                                value: None,
                                line: line(param),
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        let docstring = self.docstring(self.anchor_start(node));
        let index = self.facts.classes.len();
        self.facts.classes.push(Class {
            name: name.to_string(),
            qualname,
            bases,
            span: span(node),
            fields,
            docstring,
            decorators: Vec::new(),
            interface: false,
        });
        self.defs.push(Def {
            depth: self.ancestors.len(),
            name,
            kind: DefKind::Class(index),
        });
    }

    /// `constructor(private db: Database)`, `constructor(readonly x)`.
    fn is_parameter_property(&self, param: Node<'a>) -> bool {
        self.kids(param, false).any(|c| {
            self.kind(c) == K::AccessibilityModifier
                || (!c.is_named() && matches!(self.text(c), "readonly" | "override"))
        })
    }

    /// `interface Ops { db: Database }` or `type Ops = { db: Database }`: a class without code
    /// whose properties say what the values typed by it hold. Only top-level declarations
    /// count (the linker binds them by name); other type aliases describe no one object.
    fn interface(&mut self, node: Node<'a>) {
        let f = self.f;
        if !self.defs.is_empty() {
            return;
        }
        let Some(name) = self.field(node, f.name) else {
            return;
        };
        let body = match self.kind(node) {
            K::InterfaceDeclaration => self.field(node, f.body),
            _ => self
                .field(node, f.value)
                .filter(|v| self.kind(*v) == K::ObjectType),
        };
        let Some(body) = body else {
            return;
        };
        let mut bases = Vec::new();
        for clause in self.named(node) {
            if self.kind(clause) == K::ExtendsTypeClause {
                bases.extend(self.named(clause).map(|t| self.type_expr(t, 0)));
            }
        }
        let mut fields = Vec::new();
        for member in self.named(body) {
            if self.kind(member) != K::PropertySignature {
                continue;
            }
            let Some(key) = self.field(member, f.name).and_then(|k| self.key_name(k)) else {
                continue;
            };
            fields.push(Field {
                name: key.to_string(),
                annotation: self.field(member, f.type_).map(|t| self.type_expr(t, 0)),
                value: None,
                line: line(member),
            });
        }
        let name = self.text(name).to_string();
        self.facts.classes.push(Class {
            qualname: name.clone(),
            name,
            bases,
            span: span(node),
            fields,
            docstring: None,
            decorators: Vec::new(),
            interface: true,
        });
    }

    /// `enum ToolName { READ = "read_file" }` binds `ToolName` as the object it compiles to
    /// (`{ READ: "read_file" }`), so `case ToolName.READ:` names its tool. A member without a
    /// value is the number after the one before it, as TypeScript numbers them.
    fn enumeration(&mut self, node: Node<'a>) {
        let f = self.f;
        let (Some(name), Some(body)) = (self.field(node, f.name), self.field(node, f.body)) else {
            return;
        };
        let mut pairs = Vec::new();
        let mut next = Some(0u64);
        for member in self.named(body) {
            let (key, value) = match self.kind(member) {
                K::EnumAssignment => {
                    let key = self.field(member, f.name).and_then(|k| self.key_name(k));
                    let value = self.field(member, f.value).map(|v| self.expr(v, 0));
                    next = match &value {
                        Some(Expr::Num(n)) => n.parse::<u64>().ok().map(|n| n + 1),
                        _ => None,
                    };
                    (key, value)
                }
                _ => {
                    let key = self.key_name(member);
                    let value = next.map(|n| Expr::Num(n.to_string().into()));
                    next = next.map(|n| n + 1);
                    (key, value)
                }
            };
            if let (Some(key), Some(value)) = (key, value) {
                pairs.push((Expr::Str(key), value));
            }
        }
        let target = Expr::Name(self.text(name).into());
        self.push_assignment(target, Expr::Dict(pairs), None, span(node));
    }

    /// An object literal with a name (`const t = tool({...})`, `{ a: {...} }`) qualifies the
    /// functions in it.
    fn object(&mut self, node: Node<'a>) {
        if let Some(name) = self.context_name(node, true) {
            self.defs.push(Def {
                depth: self.ancestors.len(),
                name,
                kind: DefKind::Object,
            });
        }
    }

    fn import(&mut self, node: Node<'a>) {
        let f = self.f;
        // `import type { McpServer } from ...` binds names too: parameter annotations resolve
        // through them (`server: McpServer`).
        let at = line(node);
        let Some(source) = self.field(node, f.source) else {
            // `import fs = require('fs')`
            for child in self.named(node) {
                if self.kind(child) == K::ImportRequireClause
                    && let (Some(local), Some(source)) =
                        (self.first_named(child), self.field(child, f.source))
                {
                    let module = self.module_of(source);
                    self.facts.imports.push(Import {
                        local: self.text(local).to_string(),
                        target: module,
                        line: at,
                    });
                }
            }
            return;
        };
        let spec = self.string_content(source);
        let module = normalize_specifier(&spec, self.dir);
        let Some(clause) = self.named(node).find(|c| self.kind(*c) == K::ImportClause) else {
            return;
        };
        for part in self.named(clause) {
            match self.kind(part) {
                K::Identifier => {
                    let target = if is_relative(spec.strip_prefix("node:").unwrap_or(&spec)) {
                        format!("{module}.default")
                    } else {
                        module.clone()
                    };
                    self.facts.imports.push(Import {
                        local: self.text(part).to_string(),
                        target,
                        line: at,
                    });
                }
                K::NamespaceImport => {
                    if let Some(local) = self.first_named(part) {
                        self.facts.imports.push(Import {
                            local: self.text(local).to_string(),
                            target: module.clone(),
                            line: at,
                        });
                    }
                }
                K::NamedImports => {
                    for spec in self.named(part) {
                        if self.kind(spec) != K::ImportSpecifier {
                            continue;
                        }
                        let Some(name) = self.field(spec, f.name) else {
                            continue;
                        };
                        let local = self.field(spec, f.alias).unwrap_or(name);
                        let member = self.key_name(name).unwrap_or_default();
                        self.facts.imports.push(Import {
                            local: self.text(local).to_string(),
                            target: format!("{module}.{member}"),
                            line: at,
                        });
                    }
                }
                _ => {}
            }
        }
    }

    fn module_of(&self, string: Node<'a>) -> String {
        normalize_specifier(&self.string_content(string), self.dir)
    }

    fn export(&mut self, node: Node<'a>) {
        let f = self.f;
        let at = line(node);
        if let Some(source) = self.field(node, f.source) {
            let module = self.module_of(source);
            let mut any = false;
            for child in self.named(node) {
                match self.kind(child) {
                    K::ExportClause => {
                        any = true;
                        for spec in self.named(child) {
                            if self.kind(spec) != K::ExportSpecifier {
                                continue;
                            }
                            let Some(name) = self.field(spec, f.name) else {
                                continue;
                            };
                            let local = self.field(spec, f.alias).unwrap_or(name);
                            let member = self.key_name(name).unwrap_or_default();
                            self.facts.imports.push(Import {
                                local: self.key_name(local).unwrap_or_default().to_string(),
                                target: format!("{module}.{member}"),
                                line: at,
                            });
                        }
                    }
                    K::NamespaceExport => {
                        any = true;
                        if let Some(local) = self.first_named(child) {
                            self.facts.imports.push(Import {
                                local: self.text(local).to_string(),
                                target: module.clone(),
                                line: at,
                            });
                        }
                    }
                    _ => {}
                }
            }
            if !any {
                self.facts.imports.push(Import {
                    local: "*".into(),
                    target: module,
                    line: at,
                });
            }
            return;
        }
        let is_default = self
            .kids(node, false)
            .any(|c| !c.is_named() && self.text(c) == "default");
        if let Some(declaration) = self.field(node, f.declaration) {
            if is_default && let Some(name) = self.field(declaration, f.name) {
                self.push_assignment(
                    Expr::Name("default".into()),
                    Expr::Name(self.text(name).into()),
                    None,
                    span(node),
                );
            }
            return;
        }
        if let Some(value) = self.field(node, f.value) {
            let value = self.expr(value, 0);
            self.push_assignment(Expr::Name("default".into()), value, None, span(node));
            return;
        }
        for child in self.named(node) {
            match self.kind(child) {
                K::ExportClause => {
                    for spec in self.named(child) {
                        if self.kind(spec) != K::ExportSpecifier {
                            continue;
                        }
                        let (Some(name), Some(alias)) =
                            (self.field(spec, f.name), self.field(spec, f.alias))
                        else {
                            continue;
                        };
                        let (name, alias) = (self.text(name), self.key_name(alias));
                        if let Some(alias) = alias
                            && alias != name
                        {
                            self.push_assignment(
                                Expr::Name(alias),
                                Expr::Name(name.into()),
                                None,
                                span(spec),
                            );
                        }
                    }
                }
                // TypeScript's `export = value`
                K::Decorator => {}
                _ if !is_default => {
                    let value = self.expr(child, 0);
                    self.push_assignment(Expr::Name("default".into()), value, None, span(node));
                    break;
                }
                _ => {}
            }
        }
    }

    fn push_assignment(&mut self, target: Expr, value: Expr, annotation: Option<Expr>, at: Span) {
        self.facts.assignments.push(Assignment {
            target,
            value,
            annotation,
            span: at,
            scope: None,
        });
    }

    /// `require('m')`, `require('m').a`, `__importDefault(require('m'))`, `await import('m')`.
    fn bound_module(&self, value: Node<'a>) -> Option<Bound> {
        let f = self.f;
        let value = self.unwrap(value);
        match self.kind(value) {
            K::CallExpression => {
                let callee = self.unwrap(self.field(value, f.function)?);
                let args = self.field(value, f.arguments)?;
                let callee_name = match self.kind(callee) {
                    K::Identifier => self.text(callee),
                    K::Import => "import",
                    K::MemberExpression => self.text(self.field(callee, f.property)?),
                    _ => return None,
                };
                match callee_name {
                    "require" | "import" => {
                        let first = self.first_named(args)?;
                        (self.kind(first) == K::String)
                            .then(|| Bound::Module(self.module_of(first)))
                    }
                    "__importDefault"
                    | "__importStar"
                    | "__toESM"
                    | "_interopRequireDefault"
                    | "_interopRequireWildcard" => {
                        match self.bound_module(self.first_named(args)?)? {
                            Bound::Module(m) => Some(Bound::Module(m)),
                            Bound::Member(..) => None,
                        }
                    }
                    _ => None,
                }
            }
            K::MemberExpression => {
                let object = self.field(value, f.object)?;
                let property = self.field(value, f.property)?;
                match self.bound_module(object)? {
                    Bound::Module(m) => Some(Bound::Member(m, self.text(property).into())),
                    Bound::Member(..) => None,
                }
            }
            _ => None,
        }
    }

    /// Looks through parentheses, `await`, `as`, `!` and `satisfies`.
    fn unwrap(&self, mut node: Node<'a>) -> Node<'a> {
        for _ in 0..MAX_EXPR_DEPTH {
            let inner = match self.kind(node) {
                K::ParenthesizedExpression => self.last_named(node),
                K::AwaitExpression
                | K::AsExpression
                | K::SatisfiesExpression
                | K::NonNullExpression => self.first_named(node),
                _ => None,
            };
            match inner {
                Some(inner) => node = inner,
                None => break,
            }
        }
        node
    }

    /// `let manager: GraphManager;`, set later: the name holds what its type says. Read from
    /// the declaration, as the walk skips a declarator without a value (it holds no token
    /// the pre-scan marks).
    fn typed_declarations(&mut self, node: Node<'a>) {
        let f = self.f;
        for declarator in self.named(node) {
            if self.kind(declarator) != K::VariableDeclarator
                || self.field(declarator, f.value).is_some()
            {
                continue;
            }
            if let (Some(name), Some(ty)) = (
                self.field(declarator, f.name),
                self.field(declarator, f.type_),
            ) && self.kind(name) == K::Identifier
            {
                let target = Expr::Name(self.text(name).into());
                let annotation = self.type_expr(ty, 0);
                self.push_assignment(target, Expr::Null, Some(annotation), span(declarator));
            }
        }
    }

    fn declarator(&mut self, node: Node<'a>) {
        let f = self.f;
        let Some(name) = self.field(node, f.name) else {
            return;
        };
        let Some(value) = self.field(node, f.value) else {
            return;
        };
        let at = line(node);
        let name_kind = self.kind(name);
        if matches!(name_kind, K::Identifier | K::ObjectPattern)
            && let Some(bound) = self.bound_module(value)
        {
            let (module, member) = match bound {
                Bound::Module(m) => (m, None),
                Bound::Member(m, member) => (m, Some(member)),
            };
            if name_kind == K::Identifier {
                let target = match member {
                    Some(member) => format!("{module}.{member}"),
                    None => module,
                };
                self.facts.imports.push(Import {
                    local: self.text(name).to_string(),
                    target,
                    line: at,
                });
            } else {
                let base = match member {
                    Some(member) => format!("{module}.{member}"),
                    None => module,
                };
                for (local, key) in self.pattern_names(name) {
                    self.facts.imports.push(Import {
                        local: local.to_string(),
                        target: format!("{base}.{key}"),
                        line: at,
                    });
                }
            }
            return;
        }
        match name_kind {
            K::Identifier => {
                let target = Expr::Name(self.text(name).into());
                // `const ops = { ... } satisfies Ops` declares the type as `const ops: Ops`.
                let annotation = self.field(node, f.type_).or_else(|| {
                    (self.kind(value) == K::SatisfiesExpression)
                        .then(|| self.last_named(value))
                        .flatten()
                });
                let annotation = annotation.map(|t| self.type_expr(t, 0));
                let value = self.expr(value, 0);
                self.push_assignment(target, value, annotation, span(node));
            }
            K::ObjectPattern => {
                let object = self.expr(value, 0);
                let defaults = self.pattern_defaults(name);
                for (local, key) in self.pattern_names(name) {
                    let read = Expr::Attr(Box::new(object.clone()), key);
                    // `{ name = "purge" } = options`: the property, else the default.
                    let value = match defaults.iter().find(|(n, _)| *n == local) {
                        Some((_, default)) => Expr::Choice(vec![read, default.clone()]),
                        None => read,
                    };
                    self.push_assignment(Expr::Name(local), value, None, span(node));
                }
            }
            _ => {}
        }
    }

    /// The defaults an object pattern gives its shorthand names (`{ name = "purge" }`).
    fn pattern_defaults(&self, pattern: Node<'a>) -> Vec<(Name, Expr)> {
        let f = self.f;
        self.named(pattern)
            .filter(|p| self.kind(*p) == K::ObjectAssignmentPattern)
            .filter_map(|p| {
                let left = self.field(p, f.left)?;
                let right = self.field(p, f.right)?;
                (self.kind(left) == K::ShorthandPropertyIdentifierPattern)
                    .then(|| (Name::from(self.text(left)), self.expr(right, 0)))
            })
            .collect()
    }

    /// The names an object pattern binds with the keys they read: `{a, b: c, d = 1}` gives
    /// `(a, a)`, `(c, b)`, `(d, d)`. Nested patterns and rest elements are skipped.
    fn pattern_names(&self, pattern: Node<'a>) -> Vec<(Name, Name)> {
        let f = self.f;
        let mut out = Vec::new();
        for property in self.named(pattern) {
            match self.kind(property) {
                K::ShorthandPropertyIdentifierPattern => {
                    let name: Name = self.text(property).into();
                    out.push((name.clone(), name));
                }
                K::PairPattern => {
                    let key = self.field(property, f.key).and_then(|k| self.key_name(k));
                    let value = self.field(property, f.value).map(|v| {
                        if self.kind(v) == K::AssignmentPattern {
                            self.field(v, f.left).unwrap_or(v)
                        } else {
                            v
                        }
                    });
                    if let (Some(key), Some(value)) = (key, value)
                        && self.kind(value) == K::Identifier
                    {
                        out.push((self.text(value).into(), key));
                    }
                }
                K::ObjectAssignmentPattern => {
                    if let Some(left) = self.field(property, f.left)
                        && self.kind(left) == K::ShorthandPropertyIdentifierPattern
                    {
                        let name: Name = self.text(left).into();
                        out.push((name.clone(), name));
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn assignment(&mut self, node: Node<'a>) {
        let f = self.f;
        let (Some(left), Some(mut right)) = (self.field(node, f.left), self.field(node, f.right))
        else {
            return;
        };
        // `a = b = value`
        for _ in 0..MAX_EXPR_DEPTH {
            if self.kind(right) != K::AssignmentExpression {
                break;
            }
            match self.field(right, f.right) {
                Some(r) => right = r,
                None => return,
            }
        }
        let at = span(node);
        // `module.exports = value`
        if self.is_module_exports(left) {
            let value = self.expr(right, 0);
            if let Expr::Dict(pairs) = &value {
                for (key, value) in pairs {
                    if let Expr::Str(key) = key {
                        self.push_assignment(Expr::Name(key.clone()), value.clone(), None, at);
                    }
                }
            }
            self.push_assignment(Expr::Name("default".into()), value, None, at);
            return;
        }
        match self.kind(left) {
            K::Identifier => {
                let target = Expr::Name(self.text(left).into());
                let value = self.expr(right, 0);
                self.push_assignment(target, value, None, at);
            }
            K::MemberExpression | K::SubscriptExpression => {
                // `exports.k = v`, `module.exports.k = v`
                if let (Some(object), Some(property)) =
                    (self.field(left, f.object), self.field(left, f.property))
                    && ((self.kind(object) == K::Identifier && self.text(object) == "exports")
                        || self.is_module_exports(object))
                {
                    let value = self.expr(right, 0);
                    self.push_assignment(Expr::Name(self.text(property).into()), value, None, at);
                    return;
                }
                let target = self.expr(left, 0);
                if !matches!(target, Expr::Attr(..)) {
                    return;
                }
                let value = self.expr(right, 0);
                self.push_assignment(target, value, None, at);
            }
            _ => {}
        }
    }

    /// Outside an `async` function the JavaScript grammar reads `await (x)` as a call of a
    /// function named `await`; it is `x`.
    fn misparsed_await(&self, node: Node<'a>, callee: Node<'a>) -> Option<Node<'a>> {
        let f = self.f;
        if self.kind(callee) != K::Identifier || self.text(callee) != "await" {
            return None;
        }
        let arguments = self.field(node, f.arguments)?;
        let mut args = self.named(arguments);
        let first = args.next()?;
        args.next().is_none().then_some(first)
    }

    fn call(&mut self, node: Node<'a>) {
        let f = self.f;
        let function = self.field(node, f.function);
        if function.is_some_and(|callee| self.misparsed_await(node, callee).is_some()) {
            return;
        }
        let Some(callee_node) = function.or_else(|| self.field(node, f.constructor)) else {
            return;
        };
        let read = self.read_calls.get_mut().remove(&node.id());
        let call = read.unwrap_or_else(|| Arc::new(self.call_expr(node, callee_node, 0)));
        // `assert(cond)`, `assert.ok(cond)`, `invariant(cond, ...)`
        let is_assert = match &call.callee {
            Expr::Name(n) => n == "assert" || n == "invariant",
            Expr::Attr(base, attr) => {
                attr == "ok" && matches!(&**base, Expr::Name(n) if n == "assert")
            }
            _ => false,
        };
        if is_assert
            && self.kind(node) == K::CallExpression
            && let Some(condition) = self
                .field(node, f.arguments)
                .filter(|a| self.kind(*a) == K::Arguments)
                .and_then(|a| self.first_named(a))
        {
            self.facts.checks.push(Check {
                span: span(node),
                condition: span(condition),
                words: self.words(condition),
                text: collapse(&[self.text(node)], 80),
                exit: Some(Exit::Raise),
                body: None,
                orelse: None,
                scope: None,
            });
        }
        let call = Call {
            call,
            callee_text: callee_text(self.text(callee_node)),
            span: span(node),
            scope: None,
        };
        // Keep the list in the order `assign_scopes` sorts it into (by start, then end): a
        // call that starts where the calls before it start but ends earlier (`a.b` in
        // `a.b().c()`) goes before them. Far back, append and leave it to the sort.
        let calls = &mut self.facts.calls;
        let key = (call.span.start_byte, call.span.end_byte);
        let mut at = calls.len();
        while at > 0 && calls.len() - at < 32 {
            let before = &calls[at - 1].span;
            if (before.start_byte, before.end_byte) <= key {
                break;
            }
            at -= 1;
        }
        calls.insert(at, call);
    }

    /// [`Self::call_expr`] for a call inside what is being read. When the walk has yet to
    /// visit the call and nothing in it was cut short (so that reading it on its own gives
    /// the same), a copy is kept for that visit.
    fn nested_call_expr(&self, node: Node<'a>, callee: Node<'a>, d: usize) -> Arc<CallExpr> {
        let outer_cut = self.cut.replace(false);
        let call = Arc::new(self.call_expr(node, callee, d));
        let cut = self.cut.get();
        self.cut.set(outer_cut || cut);
        if !cut && node.start_byte() >= self.visiting {
            self.read_calls.borrow_mut().insert(node.id(), call.clone());
        }
        call
    }

    /// A call's (or `new`'s) callee and arguments; `d` is the depth of the call.
    fn call_expr(&self, node: Node<'a>, callee: Node<'a>, d: usize) -> CallExpr {
        let f = self.f;
        let callee = self.expr(callee, d + 1);
        let mut args = Vec::new();
        if let Some(arguments) = self.field(node, f.arguments) {
            if self.kind(arguments) == K::TemplateString {
                // A tagged template: the tag is called with the template.
                args = vec![Arg {
                    name: None,
                    value: self.expr(arguments, d + 1),
                    spread: false,
                }];
            } else {
                let base = self.arg_stack.borrow().len();
                let options_base = self.option_stack.borrow().len();
                for arg in self.named(arguments) {
                    if self.kind(arg) == K::SpreadElement {
                        let value = self
                            .first_named(arg)
                            .map_or(Expr::Other(Name::default()), |v| self.expr(v, d + 1));
                        self.arg_stack.borrow_mut().push(Arg {
                            name: None,
                            value,
                            spread: true,
                        });
                        continue;
                    }
                    let value = self.expr(arg, d + 1);
                    // Options objects are keyword arguments too.
                    if let Expr::Dict(pairs) = &value {
                        let mut options = self.option_stack.borrow_mut();
                        for (key, value) in pairs {
                            if let Expr::Str(key) = key {
                                options.push(Arg {
                                    name: Some(key.clone()),
                                    value: value.clone(),
                                    spread: false,
                                });
                            }
                        }
                    }
                    self.arg_stack.borrow_mut().push(Arg {
                        name: None,
                        value,
                        spread: false,
                    });
                }
                let mut stack = self.arg_stack.borrow_mut();
                let mut options = self.option_stack.borrow_mut();
                let count = stack.len() - base + options.len() - options_base;
                if count > 0 {
                    args = Vec::with_capacity(count);
                    args.extend(stack.drain(base..));
                    args.extend(options.drain(options_base..));
                }
            }
        }
        CallExpr { callee, args }
    }

    /// A TypeScript type as an expression: `A` → Name, `a.B` → Attr, `X<Y>` → Subscript.
    fn type_expr(&self, node: Node<'a>, depth: usize) -> Expr {
        if depth > MAX_EXPR_DEPTH {
            return Expr::Other("...".into());
        }
        let f = self.f;
        let d = depth + 1;
        match self.kind(node) {
            K::TypeAnnotation => match self.first_named(node) {
                Some(inner) => self.type_expr(inner, d),
                None => self.other(node),
            },
            K::TypeIdentifier | K::PredefinedType | K::Identifier => {
                Expr::Name(self.text(node).into())
            }
            K::NestedTypeIdentifier => {
                match (self.field(node, f.module), self.field(node, f.name)) {
                    (Some(module), Some(name)) => {
                        Expr::Attr(Box::new(self.type_expr(module, d)), self.text(name).into())
                    }
                    _ => self.other(node),
                }
            }
            K::MemberExpression => match (self.field(node, f.object), self.field(node, f.property))
            {
                (Some(object), Some(property)) => Expr::Attr(
                    Box::new(self.type_expr(object, d)),
                    self.text(property).into(),
                ),
                _ => self.other(node),
            },
            // `Handler[]` is `Array<Handler>`.
            K::ArrayType => match self.first_named(node) {
                Some(element) => Expr::Subscript(
                    Box::new(Expr::Name("Array".into())),
                    vec![self.type_expr(element, d)],
                ),
                None => self.other(node),
            },
            // `Container | undefined`: the one type that is a value.
            K::UnionType => {
                let mut members = self.named(node).map(|m| self.type_expr(m, d)).filter(|t| {
                    !matches!(t, Expr::Name(n) | Expr::Other(n)
                            if n == "undefined" || n == "null" || n == "void")
                });
                match (members.next(), members.next()) {
                    (Some(only), None) => only,
                    _ => self.other(node),
                }
            }
            // `{ db: Database; dryRun?: boolean }`: the type of each property by its name.
            K::ObjectType => {
                let mut pairs = Vec::new();
                for member in self.named(node) {
                    if self.kind(member) != K::PropertySignature {
                        continue;
                    }
                    if let (Some(key), Some(ty)) = (
                        self.field(member, f.name).and_then(|k| self.key_name(k)),
                        self.field(member, f.type_),
                    ) {
                        pairs.push((Expr::Str(key), self.type_expr(ty, d)));
                    }
                }
                Expr::Dict(pairs)
            }
            K::GenericType => {
                let Some(base) = self.field(node, f.name) else {
                    return self.other(node);
                };
                let mut args = Vec::new();
                if let Some(arguments) = self.field(node, f.type_arguments) {
                    for arg in self.named(arguments) {
                        args.push(self.type_expr(arg, d));
                    }
                }
                Expr::Subscript(Box::new(self.type_expr(base, d)), args)
            }
            _ => self.other(node),
        }
    }

    fn expr(&self, node: Node<'a>, depth: usize) -> Expr {
        if depth > MAX_EXPR_DEPTH {
            self.cut.set(true);
            return Expr::Other("...".into());
        }
        let f = self.f;
        let d = depth + 1;
        match self.kind(node) {
            K::Identifier => {
                let name = self.text(node);
                if name == "undefined" {
                    Expr::Null
                } else {
                    Expr::Name(name.into())
                }
            }
            K::ShorthandPropertyIdentifier => Expr::Name(self.text(node).into()),
            K::This => Expr::This,
            K::Super => Expr::Name("super".into()),
            K::Import => Expr::Name("import".into()),
            K::Undefined | K::Null => Expr::Null,
            K::True => Expr::Bool(true),
            K::False => Expr::Bool(false),
            K::Number => Expr::Num(self.text(node).into()),
            K::String => Expr::Str(self.string_content(node)),
            // With substitutions kept as written (`DROP TABLE ${t}`), as Python f-strings are:
            // the SQL verb or the HTTP method at the front still tells what the text does.
            K::TemplateString => {
                let text = self.text(node);
                Expr::Str(
                    text.get(1..text.len().saturating_sub(1))
                        .unwrap_or("")
                        .into(),
                )
            }
            K::MemberExpression => {
                match (self.field(node, f.object), self.field(node, f.property)) {
                    (Some(object), Some(property)) => {
                        Expr::Attr(Box::new(self.expr(object, d)), self.text(property).into())
                    }
                    _ => self.other(node),
                }
            }
            K::SubscriptExpression => {
                match (self.field(node, f.object), self.field(node, f.index)) {
                    (Some(object), Some(index)) => {
                        let object = Box::new(self.expr(object, d));
                        if self.kind(index) == K::String {
                            Expr::Attr(object, self.string_content(index))
                        } else {
                            Expr::Subscript(object, vec![self.expr(index, d)])
                        }
                    }
                    _ => self.other(node),
                }
            }
            K::CallExpression | K::NewExpression => {
                let function = self.field(node, f.function);
                if let Some(awaited) = function.and_then(|c| self.misparsed_await(node, c)) {
                    return self.expr(awaited, d);
                }
                match function.or_else(|| self.field(node, f.constructor)) {
                    Some(callee) => Expr::Call(self.nested_call_expr(node, callee, d)),
                    None => self.other(node),
                }
            }
            K::Array => {
                let base = self.expr_stack.borrow().len();
                let mut strings = Vec::new();
                let mut all_strings = true;
                for c in self.named(node) {
                    if self.kind(c) == K::Comment {
                        continue;
                    }
                    if self.kind(c) != K::SpreadElement {
                        let value = self.expr(c, d);
                        match &value {
                            Expr::Str(s) if self.kind(c) == K::String => {
                                strings.push((s.clone(), line(c)));
                            }
                            _ => all_strings = false,
                        }
                        self.expr_stack.borrow_mut().push(value);
                    } else {
                        all_strings = false;
                    }
                }
                if all_strings && !strings.is_empty() {
                    self.string_lists.borrow_mut().push(StringList {
                        span: span(node),
                        items: strings,
                    });
                }
                Expr::List(take_from(&mut self.expr_stack.borrow_mut(), base))
            }
            K::Object => {
                let base = self.pair_stack.borrow().len();
                for property in self.named(node) {
                    match self.kind(property) {
                        K::Pair => {
                            if let (Some(key), Some(value)) =
                                (self.field(property, f.key), self.field(property, f.value))
                                && let Some(key) = self.key_name(key)
                            {
                                let value = self.expr(value, d);
                                self.pair_stack.borrow_mut().push((Expr::Str(key), value));
                            }
                        }
                        K::ShorthandPropertyIdentifier => {
                            let name: Name = self.text(property).into();
                            self.pair_stack
                                .borrow_mut()
                                .push((Expr::Str(name.clone()), Expr::Name(name)));
                        }
                        K::MethodDefinition => {
                            if let Some(key) =
                                self.field(property, f.name).and_then(|k| self.key_name(k))
                            {
                                self.pair_stack
                                    .borrow_mut()
                                    .push((Expr::Str(key), Expr::Lambda(span(property))));
                            }
                        }
                        _ => {}
                    }
                }
                Expr::Dict(take_from(&mut self.pair_stack.borrow_mut(), base))
            }
            K::ArrowFunction | K::FunctionExpression | K::GeneratorFunction => {
                Expr::Lambda(span(node))
            }
            K::TernaryExpression => {
                let options = [
                    self.field(node, f.consequence),
                    self.field(node, f.alternative),
                ]
                .into_iter()
                .flatten()
                .map(|n| self.expr(n, d))
                .collect();
                Expr::Choice(options)
            }
            K::BinaryExpression => {
                let op = self.field(node, f.operator).map(|o| self.text(o));
                if matches!(op, Some("??" | "||"))
                    && let (Some(left), Some(right)) =
                        (self.field(node, f.left), self.field(node, f.right))
                {
                    Expr::Choice(vec![self.expr(left, d), self.expr(right, d)])
                } else {
                    self.other(node)
                }
            }
            K::ParenthesizedExpression | K::SequenceExpression => match self.last_named(node) {
                Some(inner) => self.expr(inner, d),
                None => self.other(node),
            },
            K::AwaitExpression
            | K::AsExpression
            | K::SatisfiesExpression
            | K::NonNullExpression => match self.first_named(node) {
                Some(inner) => self.expr(inner, d),
                None => self.other(node),
            },
            K::TypeAssertion => match self.last_named(node) {
                Some(inner) => self.expr(inner, d),
                None => self.other(node),
            },
            K::TypeIdentifier
            | K::PredefinedType
            | K::NestedTypeIdentifier
            | K::GenericType
            | K::TypeAnnotation => self.type_expr(node, d),
            _ => self.other(node),
        }
    }

    /// The text of a string literal without its quotes (escapes stay as written).
    fn string_content(&self, node: Node<'a>) -> Name {
        let text = self.text(node);
        if text.len() >= 2 {
            text.get(1..text.len() - 1).unwrap_or("").into()
        } else {
            Name::default()
        }
    }

    /// At most 60 characters of the node's source.
    fn other(&self, node: Node) -> Expr {
        let text = self.text(node);
        let short = match text.char_indices().nth(60) {
            Some((end, _)) => &text[..end],
            None => text,
        };
        Expr::Other(short.into())
    }

    fn if_statement(&mut self, node: Node<'a>) {
        let f = self.f;
        let Some(condition) = self.field(node, f.condition) else {
            return;
        };
        // The test inside the parentheses.
        let condition = if self.kind(condition) == K::ParenthesizedExpression {
            self.first_named(condition).unwrap_or(condition)
        } else {
            condition
        };
        let body = self.field(node, f.consequence);
        let orelse = self
            .field(node, f.alternative)
            .map(|a| self.first_named(a).unwrap_or(a));
        if let Some(body) = body {
            self.add_region(span(body));
        }
        if let Some(orelse) = orelse {
            self.add_region(span(orelse));
        }
        let first_statement = body
            .map(|b| {
                if self.kind(b) == K::StatementBlock {
                    self.first_named(b).map_or("", |s| self.text(s))
                } else {
                    self.text(b)
                }
            })
            .unwrap_or("");
        let first_line = first_statement.lines().next().unwrap_or("");
        let text = collapse(&["if (", self.text(condition), ") ", first_line], 80);
        let exit = body.and_then(|b| self.exit(b));
        self.facts.checks.push(Check {
            span: span(node),
            condition: span(condition),
            words: self.words(condition),
            text,
            exit,
            body: body.map(span),
            orelse: orelse.map(span),
            scope: None,
        });
        // `if (x === 'a') {...}`: a dispatch on `x`; `if (x !== 'a') throw ...`: everything
        // after the test in the same block serves `a`.
        let operator = self
            .field(condition, f.operator)
            .map_or("", |o| self.text(o));
        let negated = matches!(operator, "!==" | "!=");
        let served = match (negated, exit, orelse, self.parent()) {
            (false, _, _, _) => body.map(span),
            (true, Some(Exit::Raise | Exit::Return), None, Some(block)) => Some(Span {
                start_line: node.end_position().row as u32 + 1,
                end_line: block.end_position().row as u32 + 1,
                start_byte: node.end_byte(),
                end_byte: block.end_byte(),
            }),
            _ => None,
        };
        if let Some(body) = served
            && self.kind(condition) == K::BinaryExpression
            && matches!(operator, "===" | "==" | "!==" | "!=")
            && let (Some(a), Some(b)) = (
                self.field(condition, f.left),
                self.field(condition, f.right),
            )
        {
            let (subject, value) = if self.kind(b) == K::String {
                (a, b)
            } else {
                (b, a)
            };
            if self.kind(value) == K::String
                && matches!(self.kind(subject), K::Identifier | K::MemberExpression)
            {
                self.facts.dispatches.push(Dispatch {
                    subject: collapse(&[self.text(subject)], 80).to_string(),
                    value: self.string_content(value).to_string(),
                    value_ref: None,
                    line: line(node),
                    span: body,
                    scope: None,
                });
            }
        }
    }

    /// Adds a region where `assign_scopes` sorts it to (by start, longest first), so that it
    /// need not sort (unless the place is far back).
    fn add_region(&mut self, region: Span) {
        let key = |r: &Span| (r.start_byte, std::cmp::Reverse(r.end_byte));
        let regions = &mut self.facts.regions;
        let mut at = regions.len();
        while at > 0 && regions.len() - at < 32 && key(&regions[at - 1]) > key(&region) {
            at -= 1;
        }
        regions.insert(at, region);
    }

    /// How a statement (or the last statement of a block) leaves, when it always does.
    fn exit(&self, statement: Node<'a>) -> Option<Exit> {
        let last = if self.kind(statement) == K::StatementBlock {
            self.last_named(statement)?
        } else {
            statement
        };
        match self.kind(last) {
            K::ThrowStatement => Some(Exit::Raise),
            K::ReturnStatement => Some(Exit::Return),
            K::ContinueStatement | K::BreakStatement => Some(Exit::Loop),
            _ => None,
        }
    }

    fn switch(&mut self, node: Node<'a>) {
        let f = self.f;
        let subject = self.field(node, f.value).map(|v| {
            let inner = if self.kind(v) == K::ParenthesizedExpression {
                self.first_named(v).unwrap_or(v)
            } else {
                v
            };
            collapse(&[self.text(inner)], 80).to_string()
        });
        let Some(body) = self.field(node, f.body) else {
            return;
        };
        // Cases without a body fall through to the next case's body.
        // Each case's name: a string, or a constant the linker evaluates (`case Tools.RUN:`).
        let mut pending: Vec<(String, Option<Expr>, u32)> = Vec::new();
        for case in self.named(body) {
            let kind = self.kind(case);
            if !matches!(kind, K::SwitchCase | K::SwitchDefault) {
                continue;
            }
            if kind == K::SwitchCase
                && let Some(value) = self.field(case, f.value)
            {
                match self.kind(value) {
                    K::String => {
                        pending.push((self.string_content(value).to_string(), None, line(case)));
                    }
                    K::MemberExpression | K::Identifier => {
                        pending.push((String::new(), Some(self.expr(value, 0)), line(case)));
                    }
                    _ => {}
                }
            }
            // The statements of the case: the children after the `:`.
            let mut first = None;
            let mut last = None;
            let mut after_colon = false;
            for child in self.kids(case, false) {
                if !after_colon {
                    after_colon = !child.is_named() && self.text(child) == ":";
                    continue;
                }
                if child.is_named() && self.kind(child) != K::Comment {
                    first = first.or(Some(child));
                    last = Some(child);
                }
            }
            let Some((first, last)) = first.zip(last) else {
                continue;
            };
            let region = join_spans(span(first), span(last));
            self.add_region(region);
            if let Some(subject) = &subject {
                for (value, value_ref, at) in pending.drain(..) {
                    self.facts.dispatches.push(Dispatch {
                        subject: subject.clone(),
                        value,
                        value_ref,
                        line: at,
                        span: region,
                        scope: None,
                    });
                }
            }
            pending.clear();
        }
    }

    /// Identifiers and property names in an expression, in source order (bounded).
    fn words(&self, node: Node<'a>) -> Vec<Name> {
        let mut out = Vec::new();
        let mut cursor = node.walk();
        let mut visited = 0;
        loop {
            let n = cursor.node();
            visited += 1;
            let kind = self.kind(n);
            match kind {
                K::Identifier
                | K::PropertyIdentifier
                | K::PrivatePropertyIdentifier
                | K::ShorthandPropertyIdentifier => out.push(Name::from(self.text(n))),
                K::This => out.push(Name::from("this")),
                _ => {}
            }
            let skip = matches!(kind, K::String | K::TemplateString) || visited >= 256;
            if !skip && cursor.goto_first_child() {
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
}

/// What `stack` holds from `base` on, moved into a list of its own at its exact size.
fn take_from<T>(stack: &mut Vec<T>, base: usize) -> Vec<T> {
    let count = stack.len() - base;
    if count == 0 {
        return Vec::new();
    }
    let mut list = Vec::with_capacity(count);
    list.extend(stack.drain(base..));
    list
}

/// The text of a JSDoc comment without its delimiters and leading `*`s.
fn clean_jsdoc(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix("/**")?;
    let inner = inner.strip_suffix("*/").unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    for l in inner.lines() {
        let l = l.trim();
        let l = l.strip_prefix('*').unwrap_or(l);
        let l = l.strip_prefix(' ').unwrap_or(l).trim_end();
        if !out.is_empty() || !l.is_empty() {
            out.push_str(l);
            out.push('\n');
        }
    }
    let out = out.trim_end();
    (!out.is_empty()).then(|| out.to_string())
}

/// The pieces written one after the other on one line, whitespace collapsed, at most `max`
/// characters (then `...`).
fn collapse(pieces: &[&str], max: usize) -> Name {
    if let [text] = pieces
        && text.len() <= max
        && text.bytes().all(|b| b > b' ' && b < 0x7f)
    {
        return Name::from(*text);
    }
    let mut out = Name::default();
    let mut count = 0;
    let mut space = false;
    for piece in pieces {
        for c in piece.chars() {
            if c.is_whitespace() {
                space = !out.is_empty();
                continue;
            }
            if space {
                if count == max {
                    out.push_str("...");
                    return out;
                }
                out.push(' ');
                count += 1;
                space = false;
            }
            if count == max {
                out.push_str("...");
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(source: &str) -> FileFacts {
        parse("src/tools/a.ts", source, Dialect::TypeScript)
    }

    fn js(source: &str) -> FileFacts {
        parse("src/tools/a.js", source, Dialect::JavaScript)
    }

    #[test]
    fn an_array_of_strings_keeps_the_line_of_each_item() {
        let f = ts(
            "query({ options: {\n  allowedTools: [\"Read\",\n    \"Bash\"],\n  n: [1, `x`],\n} });\n",
        );
        assert_eq!(f.string_lists.len(), 1);
        let call = f.calls[0].span;
        assert_eq!(f.string_lines(call, &["Read", "Bash"]), Some(vec![2, 3]));
    }

    fn imports(f: &FileFacts) -> Vec<(String, String)> {
        f.imports
            .iter()
            .map(|i| (i.local.clone(), i.target.clone()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn call<'f>(f: &'f FileFacts, callee: &str) -> &'f Call {
        f.calls
            .iter()
            .find(|c| c.callee_text == callee)
            .unwrap_or_else(|| panic!("no call of {callee}"))
    }

    fn function<'f>(f: &'f FileFacts, qualname: &str) -> &'f Function {
        f.functions
            .iter()
            .find(|x| x.qualname == qualname)
            .unwrap_or_else(|| {
                let names: Vec<_> = f.functions.iter().map(|x| &x.qualname).collect();
                panic!("no function {qualname} in {names:?}")
            })
    }

    fn assignments(f: &FileFacts) -> Vec<(Expr, Expr)> {
        f.assignments
            .iter()
            .map(|a| (a.target.clone(), a.value.clone()))
            .collect()
    }

    fn name(n: &str) -> Expr {
        Expr::Name(n.into())
    }

    fn string(s: &str) -> Expr {
        Expr::Str(s.into())
    }

    #[test]
    fn kinds_and_fields_exist_in_some_grammar() {
        for dialect in [Dialect::TypeScript, Dialect::Tsx, Dialect::JavaScript] {
            let c = compiled(dialect);
            assert!(c.kinds.contains(&K::CallExpression));
        }
        let languages: Vec<tree_sitter::Language> = vec![
            tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            tree_sitter_javascript::LANGUAGE.into(),
        ];
        for (_, kind) in KIND_NAMES {
            assert!(
                languages
                    .iter()
                    .any(|l| l.id_for_node_kind(kind, true) != 0),
                "unknown node kind {kind}"
            );
        }
        for field in FIELD_NAMES {
            assert!(
                languages
                    .iter()
                    .any(|l| l.field_id_for_name(field).is_some()),
                "unknown field {field}"
            );
        }
    }

    #[test]
    fn specifiers_are_normalised() {
        assert_eq!(
            normalize_specifier("../db/index.js", "src/tools"),
            "src/db/index"
        );
        assert_eq!(normalize_specifier("./x", "src/tools"), "src/tools/x");
        assert_eq!(normalize_specifier(".", "src/tools"), "src/tools");
        assert_eq!(normalize_specifier("./x.mjs", ""), "x");
        assert_eq!(normalize_specifier("../../x.ts", "src"), "../../x");
        assert_eq!(
            normalize_specifier("node:fs/promises", "src"),
            "fs/promises"
        );
        assert_eq!(
            normalize_specifier("@aws-sdk/client-s3", "src"),
            "@aws-sdk/client-s3"
        );
        assert_eq!(normalize_specifier("highlight.js", "src"), "highlight.js");
        assert_eq!(
            normalize_specifier("@modelcontextprotocol/sdk/server/mcp.js", "src"),
            "@modelcontextprotocol/sdk/server/mcp"
        );
        assert_eq!(module_name("src/tools/db.ts"), "src/tools/db");
    }

    #[test]
    fn es_imports_and_re_exports() {
        let f = ts(r#"
import type { X } from './x';
import def, { a, b as c, type T } from '../db/index.js';
import * as ns from 'node:fs';
import axios from 'axios';
import fs = require('fs');
export { a as b2 } from 'm';
export * from './m2';
export * as ns2 from 'm3';
import 'side-effect';
"#);
        assert_eq!(
            imports(&f),
            pairs(&[
                ("X", "src/tools/x.X"),
                ("def", "src/db/index.default"),
                ("a", "src/db/index.a"),
                ("c", "src/db/index.b"),
                ("T", "src/db/index.T"),
                ("ns", "fs"),
                ("axios", "axios"),
                ("fs", "fs"),
                ("b2", "m.a"),
                ("*", "src/tools/m2"),
                ("ns2", "m3"),
            ])
        );
        assert_eq!(f.imports[1].line, 3);
    }

    #[test]
    fn commonjs_and_tsc_imports() {
        let f = js(r#"
const x = require('m');
var { a, b: c } = require('./lib.cjs');
let y = require('m').member;
const fs_1 = __importDefault(require("fs"));
const path = tslib.__importStar(require("node:path"));
const { readFile } = await import('fs/promises');
require('dotenv').config();
(0, fs_1.default)(1);
"#);
        assert_eq!(
            imports(&f),
            pairs(&[
                ("x", "m"),
                ("a", "src/tools/lib.a"),
                ("c", "src/tools/lib.b"),
                ("y", "m.member"),
                ("fs_1", "fs"),
                ("path", "path"),
                ("readFile", "fs/promises.readFile"),
            ])
        );
        // Imports are not assignments.
        assert!(f.assignments.is_empty(), "{:?}", f.assignments);
        let c = call(&f, "(0, fs_1.default)");
        assert_eq!(
            c.call.callee,
            Expr::Attr(Box::new(name("fs_1")), "default".into())
        );
        assert!(
            f.calls
                .iter()
                .any(|c| c.callee_text == "require('dotenv').config")
        );
    }

    #[test]
    fn exports_are_bindings() {
        let f = js(r#"
export default function f() {}
export { a as b, c };
module.exports = { run, go: () => 1 };
exports.k = v;
module.exports.m = w;
"#);
        let a = assignments(&f);
        assert!(a.contains(&(name("default"), name("f"))));
        assert!(a.contains(&(name("b"), name("a"))));
        assert!(!a.iter().any(|(t, _)| *t == name("c")));
        assert!(a.contains(&(name("run"), name("run"))));
        assert!(
            a.iter()
                .any(|(t, v)| *t == name("go") && matches!(v, Expr::Lambda(_)))
        );
        assert!(
            a.iter()
                .any(|(t, v)| *t == name("default") && matches!(v, Expr::Dict(_)))
        );
        assert!(a.contains(&(name("k"), name("v"))));
        assert!(a.contains(&(name("m"), name("w"))));
        // The function is not qualified by `exports`.
        function(&f, "go");
        let f = ts("export default tool({ name: 'x' });\nexport = foo;");
        let a = assignments(&f);
        assert!(
            a.iter()
                .any(|(t, v)| *t == name("default") && matches!(v, Expr::Call(_)))
        );
        assert!(a.contains(&(name("default"), name("foo"))));
    }

    #[test]
    fn options_objects_are_keyword_arguments() {
        let f = ts(r#"
const weatherTool = tool({ description: 'x', execute, run() {}, [k]: 1, ...rest, 'a-b': 2 });
fetch(url, { method: 'POST' });
"#);
        let c = &call(&f, "tool").call;
        assert!(matches!(c.positional(0), Some(Expr::Dict(_))));
        assert_eq!(c.keyword("description"), Some(&string("x")));
        assert_eq!(c.keyword("execute"), Some(&name("execute")));
        assert!(matches!(c.keyword("run"), Some(Expr::Lambda(_))));
        assert_eq!(c.keyword("a-b"), Some(&Expr::Num("2".into())));
        assert_eq!(c.args.len(), 5);
        let c = &call(&f, "fetch").call;
        assert_eq!(c.positional(0), Some(&name("url")));
        assert!(matches!(c.positional(1), Some(Expr::Dict(_))));
        assert_eq!(c.keyword("method"), Some(&string("POST")));
        // The method is a function, qualified by the object's name.
        let run = function(&f, "weatherTool.run");
        assert_eq!(c.args.len(), 3);
        let Some(Expr::Lambda(at)) = call(&f, "tool").call.keyword("run") else {
            panic!()
        };
        assert_eq!(*at, run.span);
    }

    #[test]
    fn await_in_parentheses_is_not_a_call() {
        let f =
            js("async function f() { return (await (await client()).users.send({ a: 1 })); }\n");
        let send = f
            .calls
            .iter()
            .find(|c| c.callee_text.ends_with("users.send"))
            .expect("the send call");
        assert!(matches!(
            &send.call.callee,
            Expr::Attr(base, _) if matches!(&**base, Expr::Attr(inner, _) if matches!(&**inner, Expr::Call(_)))
        ));
        assert!(
            f.calls
                .iter()
                .all(|c| c.call.callee != Expr::Name("await".into()))
        );
    }

    #[test]
    fn callees_and_values() {
        let f = ts(r#"
a?.b!(c as any);
(x as any).y();
obj['key'](1);
obj[k](2);
new Pool<T>({ host });
sql`select ${a}`;
$`ls`;
this.db.query(...args);
g(cond ? 'a' : 'b', p ?? q, await z, `t`, [1, true, null, undefined], () => 1);
"#);
        assert_eq!(
            call(&f, "a?.b!").call.callee,
            Expr::Attr(Box::new(name("a")), "b".into())
        );
        assert_eq!(
            call(&f, "(x as any).y").call.callee,
            Expr::Attr(Box::new(name("x")), "y".into())
        );
        assert_eq!(
            call(&f, "obj['key']").call.callee,
            Expr::Attr(Box::new(name("obj")), "key".into())
        );
        assert!(matches!(
            call(&f, "obj[k]").call.callee,
            Expr::Subscript(..)
        ));
        let new = &call(&f, "Pool").call;
        assert_eq!(new.callee, name("Pool"));
        assert_eq!(new.keyword("host"), Some(&name("host")));
        assert!(matches!(
            call(&f, "sql").call.positional(0),
            Some(Expr::Str(s)) if s.contains("${")
        ));
        assert_eq!(call(&f, "$").call.positional(0), Some(&string("ls")));
        let q = &call(&f, "this.db.query").call;
        assert_eq!(
            q.callee,
            Expr::Attr(
                Box::new(Expr::Attr(Box::new(Expr::This), "db".into())),
                "query".into()
            )
        );
        assert!(q.args[0].spread);
        let g = &call(&f, "g").call;
        assert_eq!(
            g.positional(0),
            Some(&Expr::Choice(vec![string("a"), string("b")]))
        );
        assert_eq!(
            g.positional(1),
            Some(&Expr::Choice(vec![name("p"), name("q")]))
        );
        assert_eq!(g.positional(2), Some(&name("z")));
        assert_eq!(g.positional(3), Some(&string("t")));
        assert_eq!(
            g.positional(4),
            Some(&Expr::List(vec![
                Expr::Num("1".into()),
                Expr::Bool(true),
                Expr::Null,
                Expr::Null
            ]))
        );
        assert!(matches!(g.positional(5), Some(Expr::Lambda(_))));
    }

    #[test]
    fn functions_get_contextual_names() {
        let f = ts(r#"
/** Gets the weather.
 * @param city the city
 */
export const weatherTool = tool({
  execute: async ({ city, units = 'c' }: Args): Promise<Weather> => {
    const inner = function () { return 1; };
    return get(city);
  },
});
exports.run = function () {};
function main() {
  items.forEach((x) => x.go());
  function helper(a: number = 1, ...rest: string[]) {}
}
const handler = async function named() {};
function* gen() {}
"#);
        let execute = function(&f, "weatherTool.execute");
        assert_eq!(execute.name, "execute");
        let params: Vec<_> = execute.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(params, ["city", "units"]);
        // A destructured property is typed by the indexed access `Args["city"]`.
        assert_eq!(
            execute.params[0].annotation,
            Some(Expr::Subscript(
                Box::new(name("Args")),
                vec![string("city")]
            ))
        );
        assert_eq!(execute.params[1].default, Some(string("c")));
        assert_eq!(execute.returns, Some(name("Weather")));
        let inner = function(&f, "weatherTool.execute.inner");
        let execute_index = f.functions.iter().position(|x| x.name == "execute");
        assert_eq!(inner.parent, execute_index);
        function(&f, "run");
        let main = f.functions.iter().position(|x| x.name == "main");
        let anonymous = function(&f, "main.forEach()");
        assert_eq!(anonymous.parent, main);
        let helper = function(&f, "main.helper");
        assert_eq!(helper.params.len(), 2);
        assert_eq!(helper.params[0].annotation, Some(name("number")));
        function(&f, "named");
        function(&f, "gen");
        // The arrow's expression body is what it returns, and the call in it is in its scope.
        let go = call(&f, "x.go");
        assert_eq!(
            go.scope,
            f.functions
                .iter()
                .position(|x| x.qualname == "main.forEach()")
        );
        assert!(
            f.returns
                .iter()
                .any(|r| r.value == Expr::Call(go.call.clone()))
        );
        let get = call(&f, "get");
        assert_eq!(get.scope, execute_index);
        // JSDoc before the declaration, cleaned.
        let tool_fn = &f.functions[execute_index.unwrap()];
        assert_eq!(tool_fn.docstring, None);
        let f = ts(
            "/** Runs it.\n * Really. */\nexport async function run() {}\n/* plain */\nfunction b() {}",
        );
        assert_eq!(
            f.functions[0].docstring.as_deref(),
            Some("Runs it.\nReally.")
        );
        assert_eq!(f.functions[1].docstring, None);
    }

    #[test]
    fn classes_fields_methods_and_decorators() {
        let f = ts(r#"
/** A service. */
export class Svc extends Base<T> implements Tool, ns.Other {
  name = "svc";
  private db = new Pool();
  client: OpenAI;
  handler = async (a: string) => { this.h = () => 2; };
  constructor(private readonly store: Store, plain: number) { super(); }

  @tool({ description: 'x' })
  async run(input: Input): Promise<string> { return this.db.query(input); }
  get size() { return 1; }
}
const Anon = class {};
"#);
        let c = &f.classes[0];
        assert_eq!(c.name, "Svc");
        assert_eq!(c.docstring.as_deref(), Some("A service."));
        assert_eq!(
            c.bases,
            vec![
                name("Base"),
                name("Tool"),
                Expr::Attr(Box::new(name("ns")), "Other".into())
            ]
        );
        let fields: Vec<_> = c.fields.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(fields, ["name", "db", "client", "handler", "store"]);
        assert_eq!(c.fields[0].value, Some(string("svc")));
        assert_eq!(c.fields[2].annotation, Some(name("OpenAI")));
        assert_eq!(c.fields[4].annotation, Some(name("Store")));
        let run = function(&f, "Svc.run");
        assert_eq!(run.class, Some(0));
        assert_eq!(run.decorators.len(), 1);
        assert_eq!(run.decorators[0].line, 10);
        assert_eq!(run.def_line, 11);
        assert_eq!(run.returns, Some(name("string")));
        let handler = function(&f, "Svc.handler");
        assert_eq!(handler.class, Some(0));
        let h = function(&f, "Svc.handler.h");
        assert_eq!(h.class, None);
        assert!(h.parent.is_some());
        assert!(
            f.assignments
                .iter()
                .any(|a| a.target == Expr::Attr(Box::new(Expr::This), "h".into()))
        );
        function(&f, "Svc.constructor");
        function(&f, "Svc.size");
        assert_eq!(f.classes[1].name, "Anon");
        // JavaScript keeps decorators inside the method.
        let f =
            js("class A extends mixin(B) {\n  @dec m() {}\n  #p = () => 1;\n  static x = 1;\n}");
        let m = function(&f, "A.m");
        assert_eq!(m.decorators.len(), 1);
        assert!(matches!(f.classes[0].bases[0], Expr::Call(_)));
        function(&f, "A.#p");
        assert_eq!(f.classes[0].fields.len(), 2);
    }

    #[test]
    fn assignments_and_destructuring() {
        let f = ts(r#"
const x: Client = new Client();
let a, b = 2;
({ y } = z);
q = r = 3;
this.db = pool;
const { host, port: p } = config.db;
const [m, n] = arr;
count += 1;
"#);
        let a = assignments(&f);
        assert_eq!(f.assignments[0].annotation, Some(name("Client")));
        assert!(a.contains(&(name("b"), Expr::Num("2".into()))));
        assert!(a.contains(&(name("q"), Expr::Num("3".into()))));
        assert!(a.contains(&(name("r"), Expr::Num("3".into()))));
        assert!(a.contains(&(Expr::Attr(Box::new(Expr::This), "db".into()), name("pool"))));
        let db = Expr::Attr(Box::new(name("config")), "db".into());
        assert!(a.contains(&(
            name("host"),
            Expr::Attr(Box::new(db.clone()), "host".into())
        )));
        assert!(a.contains(&(name("p"), Expr::Attr(Box::new(db), "port".into()))));
        assert_eq!(a.len(), 7, "{a:?}");
    }

    #[test]
    fn checks_know_what_they_gate_and_how_they_leave() {
        let source = r#"function f(x) {
  if (!this.allowed(x.path)) {
    throw new Error('no');
  } else if (x.mode) return;
  else { go(); }
  for (const i of xs) { if (i) continue; }
  assert(x.ok);
  assert.ok(y);
  invariant(z, 'msg');
}"#;
        let f = js(source);
        assert_eq!(f.checks.len(), 6);
        let first = &f.checks[0];
        assert_eq!(first.exit, Some(Exit::Raise));
        assert_eq!(
            first.words,
            vec![
                Name::from("this"),
                "allowed".into(),
                "x".into(),
                "path".into()
            ]
        );
        assert_eq!(
            &source[first.condition.start_byte..first.condition.end_byte],
            "!this.allowed(x.path)"
        );
        assert_eq!(
            first.text,
            "if (!this.allowed(x.path)) throw new Error('no');"
        );
        let orelse = first.orelse.unwrap();
        assert!(source[orelse.start_byte..].starts_with("if (x.mode)"));
        assert_eq!(first.scope, Some(0));
        let second = &f.checks[1];
        assert_eq!(second.exit, Some(Exit::Return));
        assert!(source[second.orelse.unwrap().start_byte..].starts_with("{ go(); }"));
        assert_eq!(f.checks[2].exit, Some(Exit::Loop));
        for check in &f.checks[3..] {
            assert_eq!(check.exit, Some(Exit::Raise));
            assert_eq!(check.body, None);
        }
        // Consequences, alternatives and loop bodies are regions.
        assert!(f.regions.len() >= 5);
    }

    #[test]
    fn switch_and_if_dispatch() {
        let source = r#"async function handle(request) {
  switch (request.params.name) {
    case 'read':
    case "get": {
      return read();
    }
    case `write`:
      write();
      break;
    default:
      other();
  }
  if (name === 'a') { a(); } else if ("b" == name) { b(); }
}"#;
        let f = ts(source);
        let d: Vec<_> = f
            .dispatches
            .iter()
            .map(|d| (d.subject.as_str(), d.value.as_str(), d.line))
            .collect();
        assert_eq!(
            d,
            [
                ("request.params.name", "read", 3),
                ("request.params.name", "get", 4),
                ("name", "a", 13),
                ("name", "b", 13),
            ]
        );
        assert_eq!(f.dispatches[0].span, f.dispatches[1].span);
        assert!(source[f.dispatches[0].span.start_byte..].starts_with("{\n      return read"));
        assert!(f.dispatches.iter().all(|d| d.scope == Some(0)));
        // Case bodies are regions.
        let write = call(&f, "write").span;
        assert!(f.regions.iter().any(|r| r.contains(&write)));
    }

    #[test]
    fn regions_cover_branches() {
        let f = js(
            "a && b(); c ?? d(); x ? e() : g(); try { h(); } catch (err) { i(); } finally { j(); }\nwhile (k) l();\ndo { m(); } while (n);",
        );
        for callee in ["b", "d", "e", "g", "i", "l", "m"] {
            let at = call(&f, callee).span;
            assert!(f.regions.iter().any(|r| r.contains(&at)), "{callee}");
        }
        for callee in ["h", "j"] {
            let at = call(&f, callee).span;
            assert!(!f.regions.iter().any(|r| r.contains(&at)), "{callee}");
        }
    }

    #[test]
    fn jsx_and_syntax_errors() {
        let f = parse(
            "src/App.tsx",
            "export const App = () => <div onClick={() => go()}>{x}</div>;\n",
            Dialect::Tsx,
        );
        assert_eq!(f.syntax_error_line, None);
        assert_eq!(f.functions.len(), 2);
        assert_eq!(call(&f, "go").scope, Some(1));
        let f = parse(
            "src/App.jsx",
            "const A = () => <b>{f()}</b>;\n",
            Dialect::JavaScript,
        );
        assert_eq!(f.syntax_error_line, None);
        assert_eq!(f.calls.len(), 1);
        let f = ts("const a = 1;\nlet = = ;\ng();\n");
        assert_eq!(f.syntax_error_line, Some(2));
        assert_eq!(f.lines, 3);
        assert!(f.calls.iter().any(|c| c.callee_text == "g"));
        assert_eq!(parse_tree_only("x = (", Dialect::JavaScript), 1);
        assert_eq!(parse_tree_only("x = 1", Dialect::TypeScript), 0);
        for garbage in [
            "",
            "}}}",
            "\u{0}\u{ffff}",
            "class { @ }",
            "import from",
            "export {",
        ] {
            for dialect in [Dialect::TypeScript, Dialect::Tsx, Dialect::JavaScript] {
                parse("x.ts", garbage, dialect);
            }
        }
    }

    #[test]
    fn deep_nesting_does_not_exhaust_the_stack() {
        let depth = 5_000;
        let source = format!(
            "x = {}1{};\nif ({}a{}) {{ f({}{}); }}\nconst o = {}{};\n",
            "[".repeat(depth),
            "]".repeat(depth),
            "(".repeat(depth),
            ")".repeat(depth),
            "g(".repeat(depth),
            ")".repeat(depth),
            "{a: ".repeat(depth),
            "}".repeat(depth),
        );
        for dialect in [Dialect::TypeScript, Dialect::JavaScript] {
            let f = parse("deep.js", &source, dialect);
            assert_eq!(f.checks.len(), 1);
            assert_eq!(f.calls.len(), depth + 1);
            let f = parse("deep.js", &source[..source.len() / 2], dialect);
            assert!(f.syntax_error_line.is_some());
        }
    }

    #[test]
    fn output_is_deterministic() {
        let source = "const t = tool({ execute: async () => { if (a) b(); } });\n";
        let a = format!("{:?}", ts(source));
        let b = format!("{:?}", ts(source));
        assert_eq!(a, b);
    }

    #[test]
    fn whitespace_collapses() {
        assert_eq!(collapse(&["a  \n b"], 80), "a b");
        assert_eq!(collapse(&["  a"], 80), "a");
        assert_eq!(collapse(&["abcdef"], 3), "abc...");
        assert_eq!(collapse(&["if (", "x", ") ", "y"], 80), "if (x) y");
    }
}

//! Python front end: tree-sitter-python syntax → [`FileFacts`].

use rustc_hash::FxHashMap as HashMap;
use std::cell::{Cell, RefCell};
use std::num::NonZeroU16;
use std::sync::{Arc, OnceLock};

use tree_sitter::{Node, Parser, Query, TreeCursor};

use crate::facts::{
    Arg, Assignment, Call, CallExpr, Check, Class, Decorator, Dispatch, Exit, Expr, Field,
    FileFacts, Function, Import, Language, Name, Param, Return, Role, Span, StringList,
};
use crate::lang::assign_scopes;
use crate::lang::syntax::{fields, first_error_line, join_spans, kinds, line, span};

const QUERY_SOURCE: &str = include_str!("../../queries/python/facts.scm");

/// Deeper expressions than this are summarised as `Other`, so that pathological input cannot
/// exhaust the stack.
const MAX_EXPR_DEPTH: usize = 48;

struct Compiled {
    language: tree_sitter::Language,
    /// The rules of `facts.scm` by node kind id: what each kind of node becomes.
    rules: Vec<Vec<Rule>>,
    kinds: Vec<K>,
    fields: Fields,
    /// The tokens at least one of which every node a rule applies to holds; `None` when some
    /// rule's kind has no entry in [`REQUIRED_TOKENS`] (then the walk visits every node).
    tokens: Option<TokenSet>,
}

/// What a capture name in `facts.scm` turns a node into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Capture {
    Function,
    Class,
    Import,
    Call,
    Assignment,
    With,
    Dispatch,
    Check,
    Loop,
    Region,
    Branches,
    Try,
    Return,
    Global,
}

impl Capture {
    fn from_name(name: &str) -> Option<Capture> {
        Some(match name {
            "function" => Capture::Function,
            "class" => Capture::Class,
            "import" => Capture::Import,
            "call" => Capture::Call,
            "assignment" => Capture::Assignment,
            "with" => Capture::With,
            "dispatch" => Capture::Dispatch,
            "check" => Capture::Check,
            "loop" => Capture::Loop,
            "region" => Capture::Region,
            "branches" => Capture::Branches,
            "try" => Capture::Try,
            "return" => Capture::Return,
            "global" => Capture::Global,
            _ => return None,
        })
    }
}

/// One pattern of `facts.scm`: a node of some kind (optionally with a child of a given kind
/// in a given field) becomes `capture`.
#[derive(Clone, Copy, Debug)]
struct Rule {
    capture: Capture,
    /// `(kind field: (child_kind))`: the field and the kind id of the child it must hold.
    child: Option<(NonZeroU16, u16)>,
}

impl Rule {
    fn applies_to<'t>(&self, node: Node<'t>, cursor: &mut tree_sitter::TreeCursor<'t>) -> bool {
        match self.child {
            None => true,
            Some((field, kind)) => node
                .children_by_field_id(field, cursor)
                .any(|c| c.kind_id() == kind),
        }
    }
}

fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        // Compiling the query checks its syntax and node kinds; the walk then reads the
        // patterns into a table by node kind.
        let query = Query::new(&language, QUERY_SOURCE)
            .unwrap_or_else(|e| panic!("queries/python/facts.scm does not compile: {e}"));
        let (rules, tokens) = rules_by_kind(&language, &query);
        let kinds = kind_table(&language, false);
        let fields = Fields::new(&language);
        Compiled {
            language,
            rules,
            kinds,
            fields,
            tokens,
        }
    })
}

/// Reads the patterns of the compiled query into a table by node kind id. Only the simple
/// forms the front end needs are supported: `(kind) @capture` and
/// `(kind field: (child_kind)) @capture`, with one or more captures.
fn rules_by_kind(
    language: &tree_sitter::Language,
    query: &Query,
) -> (Vec<Vec<Rule>>, Option<TokenSet>) {
    let mut rules: Vec<Vec<Rule>> = vec![Vec::new(); language.node_kind_count()];
    let mut tokens = Some(TokenSet::default());
    for i in 0..query.pattern_count() {
        let text = &QUERY_SOURCE[query.start_byte_for_pattern(i)..query.end_byte_for_pattern(i)];
        let fail = |why: &str| -> ! {
            panic!("queries/python/facts.scm: pattern `{}`: {why}", text.trim())
        };
        if !query.general_predicates(i).is_empty() || text.contains('#') {
            fail("predicates are not supported");
        }
        let pattern = SimplePattern::parse(text).unwrap_or_else(|| {
            fail("only `(kind) @capture` and `(kind field: (kind)) @capture` are supported")
        });
        let kind_id = |kind: &str| match language.id_for_node_kind(kind, true) {
            0 => fail(&format!("unknown node kind `{kind}`")),
            id => id,
        };
        let kind = kind_id(pattern.kind);
        let child = pattern.child.map(|(field, child_kind)| {
            let field = language
                .field_id_for_name(field)
                .unwrap_or_else(|| fail(&format!("unknown field `{field}`")));
            (field, kind_id(child_kind))
        });
        for name in pattern.captures {
            if !query.capture_names().contains(&name) {
                fail(&format!("unknown capture `{name}`"));
            }
            // Capture names the front end does not know are ignored.
            if let Some(capture) = Capture::from_name(name) {
                rules[usize::from(kind)].push(Rule { capture, child });
            }
        }
        // A node the pattern matches holds the tokens of its kind, and those of its child.
        let required = required_tokens(pattern.kind)
            .or_else(|| pattern.child.and_then(|(_, child)| required_tokens(child)));
        match (required, tokens.as_mut()) {
            (Some(required), Some(set)) => set.add(required),
            _ => tokens = None,
        }
    }
    (rules, tokens)
}

/// Tokens that every node of a kind holds, in a syntax tree without errors (from the Python
/// grammar). A stretch of source with none of the tokens of any rule cannot hold a node a
/// rule applies to, so the walk skips it. A rule on a kind missing here turns skipping off.
const REQUIRED_TOKENS: &[(&str, &[&str])] = &[
    ("function_definition", &["def"]),
    ("class_definition", &["class"]),
    ("import_statement", &["import"]),
    ("import_from_statement", &["import"]),
    // An argument list or a generator expression.
    ("call", &["("]),
    // `x = 1`, `x: int`
    ("assignment", &["=", ":"]),
    ("as_pattern", &["as"]),
    ("if_statement", &["if"]),
    ("elif_clause", &["elif"]),
    ("case_clause", &["case"]),
    ("assert_statement", &["assert"]),
    ("for_statement", &["for"]),
    ("while_statement", &["while"]),
    ("except_clause", &["except"]),
    ("lambda", &["lambda"]),
    ("list_comprehension", &["for"]),
    ("set_comprehension", &["for"]),
    ("dictionary_comprehension", &["for"]),
    ("generator_expression", &["for"]),
    ("conditional_expression", &["if"]),
    ("boolean_operator", &["and", "or"]),
    ("try_statement", &["try"]),
    ("return_statement", &["return"]),
    ("global_statement", &["global"]),
];

fn required_tokens(kind: &str) -> Option<&'static [&'static str]> {
    REQUIRED_TOKENS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, tokens)| *tokens)
}

/// Tokens to look for in the source: single punctuation bytes and keywords.
#[derive(Default)]
struct TokenSet {
    punctuation: Vec<u8>,
    keywords: Vec<&'static str>,
    /// The length of the longest keyword.
    longest: usize,
}

impl TokenSet {
    fn add(&mut self, tokens: &[&'static str]) {
        for token in tokens {
            if self.has(token) {
                continue;
            }
            match token.as_bytes() {
                [byte] if !byte.is_ascii_alphanumeric() => self.punctuation.push(*byte),
                _ => {
                    self.keywords.push(token);
                    self.longest = self.longest.max(token.len());
                }
            }
        }
    }

    fn has(&self, token: &str) -> bool {
        self.keywords.contains(&token) || self.punctuation.iter().any(|p| [*p] == token.as_bytes())
    }

    /// Marks where the tokens start in `src`. Conservative: a keyword is marked wherever it
    /// could be a token, including inside strings, comments and after a number (`1if`).
    fn mark(&self, src: &[u8], marks: &mut TokenMarks) {
        const OTHER: u8 = 0;
        const PUNCTUATION: u8 = 1;
        const WORD: u8 = 2;
        // Bytes a word must start with to be a keyword, or else a number (`1if`).
        let mut may_start_keyword = [false; 256];
        let mut class = [OTHER; 256];
        for byte in 0..=u8::MAX {
            if byte.is_ascii_alphanumeric() || byte == b'_' {
                class[usize::from(byte)] = WORD;
            }
            may_start_keyword[usize::from(byte)] = byte.is_ascii_digit();
        }
        for &byte in &self.punctuation {
            class[usize::from(byte)] = PUNCTUATION;
        }
        for keyword in &self.keywords {
            if let Some(&first) = keyword.as_bytes().first() {
                may_start_keyword[usize::from(first)] = true;
            }
        }
        // Keywords of up to eight bytes compare as numbers.
        let pack = |word: &[u8]| {
            word.iter()
                .enumerate()
                .fold(0u64, |packed, (i, b)| packed | u64::from(*b) << (8 * i))
        };
        let packed = (self.longest <= 8).then(|| {
            self.keywords
                .iter()
                .map(|k| pack(k.as_bytes()))
                .collect::<Vec<_>>()
        });
        marks.reset(src.len());
        let mut i = 0;
        while i < src.len() {
            let kind = class[usize::from(src[i])];
            if kind != WORD {
                if kind == PUNCTUATION {
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
            if !may_start_keyword[usize::from(word[0])] {
                continue;
            }
            // Python reads `1if` as a number and a keyword: look inside words that start with
            // a digit.
            let found = if word[0].is_ascii_digit() {
                self.keywords.iter().any(|k| {
                    let k = k.as_bytes();
                    word.windows(k.len()).any(|w| w == k)
                })
            } else if word.len() > self.longest {
                false
            } else if let Some(packed) = &packed {
                packed.contains(&pack(word))
            } else {
                self.keywords.iter().any(|k| k.as_bytes() == word)
            };
            if found {
                marks.set(start);
            }
        }
        marks.seal();
    }
}

/// Where a [`TokenSet`]'s tokens start in one file.
type TokenMarks = super::marks::ByteMarks;

/// `(kind) @a @b` or `(kind field: (child_kind)) @a`.
struct SimplePattern<'q> {
    kind: &'q str,
    child: Option<(&'q str, &'q str)>,
    captures: Vec<&'q str>,
}

impl<'q> SimplePattern<'q> {
    fn parse(text: &'q str) -> Option<Self> {
        // Tokens: `(`, `)`, `:`, `@name` and names; comments run from `;` to the end of line.
        let mut tokens = Vec::new();
        for line in text.lines() {
            let line = line.split(';').next().unwrap_or("");
            let mut rest = line;
            while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
                rest = &rest[start..];
                let len = if rest.starts_with(['(', ')', ':']) {
                    1
                } else {
                    rest.find(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ':'))
                        .unwrap_or(rest.len())
                };
                tokens.push(&rest[..len]);
                rest = &rest[len..];
            }
        }
        let is_name = |t: &str| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-')
        };
        let (kind, child, rest) = match tokens.as_slice() {
            ["(", kind, ")", rest @ ..] if is_name(kind) => (*kind, None, rest),
            ["(", kind, field, ":", "(", child, ")", ")", rest @ ..]
                if is_name(kind) && is_name(field) && is_name(child) =>
            {
                (*kind, Some((*field, *child)), rest)
            }
            _ => return None,
        };
        let mut captures = Vec::new();
        for token in rest {
            let name = token.strip_prefix('@').filter(|n| is_name(n))?;
            captures.push(name);
        }
        if captures.is_empty() {
            return None;
        }
        Some(SimplePattern {
            kind,
            child,
            captures,
        })
    }
}

/// Compiles the query up front (it is otherwise compiled on first use).
pub fn warm_up() {
    compiled();
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
    static TOKEN_MARKS: RefCell<TokenMarks> = RefCell::new(TokenMarks::default());
    static SPARE_LISTS: RefCell<Lists> = RefCell::new(Lists::default());
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
    // A notebook cannot be imported: it has no module name.
    let module = if super::is_notebook(rel_path) {
        String::new()
    } else {
        join_path(package_prefix, &module_name(rel_path))
    };
    let mut facts = FileFacts::new(rel_path.to_string(), Language::Python, module);
    // `source.lines().count()`, counting newline bytes.
    let newlines = source.bytes().filter(|b| *b == b'\n').count();
    facts.lines = (newlines + usize::from(!source.is_empty() && !source.ends_with('\n'))) as u32;
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
    facts.directives = super::syntax::directives(root, source);
    let is_package = rel_path.ends_with("__init__.py") || rel_path.ends_with("__init__.pyi");
    // Collect into this thread's roomy lists, then copy into lists of the exact size (the facts
    // of every file are kept until the scan ends), instead of growing and shrinking each.
    let mut spare = SPARE_LISTS.take();
    spare.lend(&mut facts);
    let mut extractor = Extractor {
        src: source,
        kinds: &compiled.kinds,
        fields: &compiled.fields,
        root,
        cursors: RefCell::new(Vec::new()),
        facts: &mut facts,
        is_package,
        class_by_start: HashMap::default(),
        function_by_start: HashMap::default(),
        ancestors: Vec::new(),
        definitions: Vec::new(),
        visiting: Cell::new(0),
        cut: Cell::new(false),
        read_calls: RefCell::new(HashMap::default()),
        globals: Vec::new(),
        string_lists: RefCell::new(Vec::new()),
    };
    TOKEN_MARKS.with_borrow_mut(|marks| {
        let marks = compiled.tokens.as_ref().map(|tokens| {
            tokens.mark(source.as_bytes(), marks);
            &*marks
        });
        extractor.walk(&compiled.rules, marks);
    });
    let globals = std::mem::take(&mut extractor.globals);
    let string_lists = extractor.string_lists.take();
    drop(extractor);
    facts.string_lists = super::sorted_string_lists(string_lists);
    drop(tree);
    assign_scopes(&mut facts);
    module_level_globals(&mut facts, &globals);
    spare.take_back(&mut facts);
    SPARE_LISTS.set(spare);
    facts
}

/// Moves the assignments that `global` statements make module-level out of their function:
/// `global _client` then `_client = Client()` in `get_client()` binds the module's `_client`.
fn module_level_globals(facts: &mut FileFacts, globals: &[(usize, Vec<Name>)]) {
    for (at, names) in globals {
        // The innermost function around the statement.
        let Some(scope) = facts
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| f.span.start_byte <= *at && *at < f.span.end_byte)
            .max_by_key(|(_, f)| f.span.start_byte)
            .map(|(i, _)| i)
        else {
            continue;
        };
        for assignment in &mut facts.assignments {
            if assignment.scope == Some(scope)
                && matches!(&assignment.target, Expr::Name(n) if names.contains(n))
            {
                assignment.scope = None;
            }
        }
    }
}

/// Empty lists with room, lent to one file's facts at a time.
#[derive(Default)]
struct Lists {
    imports: Vec<Import>,
    functions: Vec<Function>,
    classes: Vec<Class>,
    calls: Vec<Call>,
    assignments: Vec<Assignment>,
    dispatches: Vec<Dispatch>,
    checks: Vec<Check>,
    returns: Vec<Return>,
    regions: Vec<Span>,
}

impl Lists {
    fn lend(&mut self, facts: &mut FileFacts) {
        facts.imports = std::mem::take(&mut self.imports);
        facts.functions = std::mem::take(&mut self.functions);
        facts.classes = std::mem::take(&mut self.classes);
        facts.calls = std::mem::take(&mut self.calls);
        facts.assignments = std::mem::take(&mut self.assignments);
        facts.dispatches = std::mem::take(&mut self.dispatches);
        facts.checks = std::mem::take(&mut self.checks);
        facts.returns = std::mem::take(&mut self.returns);
        facts.regions = std::mem::take(&mut self.regions);
    }

    /// Leaves `facts` with exact-size copies of its lists and takes the roomy ones back.
    fn take_back(&mut self, facts: &mut FileFacts) {
        fn exact<T>(list: &mut Vec<T>, spare: &mut Vec<T>) {
            let mut copy = Vec::with_capacity(list.len());
            copy.append(list);
            *spare = std::mem::replace(list, copy);
        }
        exact(&mut facts.imports, &mut self.imports);
        exact(&mut facts.functions, &mut self.functions);
        exact(&mut facts.classes, &mut self.classes);
        exact(&mut facts.calls, &mut self.calls);
        exact(&mut facts.assignments, &mut self.assignments);
        exact(&mut facts.dispatches, &mut self.dispatches);
        exact(&mut facts.checks, &mut self.checks);
        exact(&mut facts.returns, &mut self.returns);
        exact(&mut facts.regions, &mut self.regions);
    }
}

kinds! {
    Assignment = "assignment",
    AliasedImport = "aliased_import",
    AssertStatement = "assert_statement",
    Attribute = "attribute",
    Await = "await",
    BinaryOperator = "binary_operator",
    BooleanOperator = "boolean_operator",
    BreakStatement = "break_statement",
    Call = "call",
    CaseClause = "case_clause",
    CasePattern = "case_pattern",
    ClassDefinition = "class_definition",
    Comment = "comment",
    ComparisonOperator = "comparison_operator",
    ConditionalExpression = "conditional_expression",
    ConcatenatedString = "concatenated_string",
    ContinueStatement = "continue_statement",
    DecoratedDefinition = "decorated_definition",
    Decorator = "decorator",
    DefaultParameter = "default_parameter",
    Dictionary = "dictionary",
    DictionarySplat = "dictionary_splat",
    DottedName = "dotted_name",
    ElifClause = "elif_clause",
    ElseClause = "else_clause",
    ExpressionStatement = "expression_statement",
    False = "false",
    Float = "float",
    FunctionDefinition = "function_definition",
    GenericType = "generic_type",
    Identifier = "identifier",
    IfStatement = "if_statement",
    ImportPrefix = "import_prefix",
    ImportStatement = "import_statement",
    Integer = "integer",
    KeywordArgument = "keyword_argument",
    Lambda = "lambda",
    List = "list",
    ListSplat = "list_splat",
    MatchStatement = "match_statement",
    None = "none",
    Pair = "pair",
    ParenthesizedExpression = "parenthesized_expression",
    RaiseStatement = "raise_statement",
    RelativeImport = "relative_import",
    ReturnStatement = "return_statement",
    Set = "set",
    String = "string",
    StringEnd = "string_end",
    StringStart = "string_start",
    Subscript = "subscript",
    True = "true",
    Tuple = "tuple",
    Type = "type",
    TypedDefaultParameter = "typed_default_parameter",
    TypedParameter = "typed_parameter",
}

fields! {
    alias = "alias",
    alternative = "alternative",
    arguments = "arguments",
    attribute = "attribute",
    body = "body",
    condition = "condition",
    consequence = "consequence",
    function = "function",
    key = "key",
    left = "left",
    module_name = "module_name",
    name = "name",
    object = "object",
    operator = "operator",
    parameters = "parameters",
    return_type = "return_type",
    right = "right",
    subject = "subject",
    subscript = "subscript",
    superclasses = "superclasses",
    type_ = "type",
    value = "value",
}

struct Extractor<'a> {
    src: &'a str,
    kinds: &'a [K],
    fields: &'a Fields,
    root: Node<'a>,
    /// Spare cursors, so that iterating children allocates nothing.
    cursors: RefCell<Vec<TreeCursor<'a>>>,
    facts: &'a mut FileFacts,
    is_package: bool,
    class_by_start: HashMap<usize, usize>,
    function_by_start: HashMap<usize, usize>,
    /// The visible ancestors of the node being visited, root first.
    ancestors: Vec<Node<'a>>,
    /// The function and class definitions among `ancestors`, outermost first.
    definitions: Vec<Definition<'a>>,
    /// Where the node whose rules are being applied starts.
    visiting: Cell<usize>,
    /// Set when an expression was cut short at [`MAX_EXPR_DEPTH`].
    cut: Cell<bool>,
    /// Calls read as part of something else before the walk visits them, by node id.
    read_calls: RefCell<HashMap<usize, Arc<CallExpr>>>,
    /// `global x, y` statements: where each starts, and the names it declares.
    globals: Vec<(usize, Vec<Name>)>,
    /// List literals of strings, as they are read (a list may be read more than once).
    string_lists: RefCell<Vec<StringList>>,
}

/// An enclosing `def` or `class`.
struct Definition<'a> {
    node: Node<'a>,
    /// How many entries of `ancestors` reach down to and include `node`.
    depth: usize,
    is_class: bool,
    name: Option<&'a str>,
}

/// Calls and regions are inserted in sorted order when they go at most this far back.
const MAX_INSERT_DISTANCE: usize = 32;

/// Nodes with at most this many children have them read by index rather than by cursor.
const MAX_CHILDREN_BY_INDEX: usize = 12;

/// A borrowed spare cursor, given back when dropped.
struct Spare<'e, 'a> {
    pool: &'e RefCell<Vec<TreeCursor<'a>>>,
    cursor: Option<TreeCursor<'a>>,
}

impl Drop for Spare<'_, '_> {
    fn drop(&mut self) {
        if let Some(cursor) = self.cursor.take() {
            self.pool.borrow_mut().push(cursor);
        }
    }
}

/// The children (or named children) of a node; see [`Extractor::children_of`].
enum Children<'e, 'a> {
    ByIndex {
        node: Node<'a>,
        named: bool,
        next: u32,
        count: u32,
    },
    ByCursor {
        cursor: Spare<'e, 'a>,
        named: bool,
        left: usize,
    },
}

impl<'a> Iterator for Children<'_, 'a> {
    type Item = Node<'a>;

    fn next(&mut self) -> Option<Node<'a>> {
        match self {
            Children::ByIndex {
                node,
                named,
                next,
                count,
            } => {
                if next >= count {
                    return None;
                }
                let i = *next;
                *next += 1;
                if *named {
                    node.named_child(i)
                } else {
                    node.child(i)
                }
            }
            // As `Node::named_children` and `Node::children` do.
            Children::ByCursor {
                cursor,
                named,
                left,
            } => {
                let cursor = cursor.cursor.as_mut()?;
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                if *named {
                    while !cursor.node().is_named() {
                        if !cursor.goto_next_sibling() {
                            break;
                        }
                    }
                }
                let result = cursor.node();
                cursor.goto_next_sibling();
                Some(result)
            }
        }
    }
}

impl<'a> Extractor<'a> {
    fn text(&self, node: Node) -> &'a str {
        self.src
            .get(node.start_byte()..node.end_byte())
            .unwrap_or("")
    }

    fn kind(&self, node: Node) -> K {
        self.kinds
            .get(usize::from(node.kind_id()))
            .copied()
            .unwrap_or(K::Other)
    }

    /// The child in field `field` (an id from [`Fields`]).
    fn field(node: Node<'a>, field: u16) -> Option<Node<'a>> {
        node.child_by_field_id(field)
    }

    /// Runs `f` with a spare tree cursor.
    fn with_cursor<R>(&self, f: impl FnOnce(&mut TreeCursor<'a>) -> R) -> R {
        let spare = self.cursors.borrow_mut().pop();
        let mut cursor = spare.unwrap_or_else(|| self.root.walk());
        let result = f(&mut cursor);
        self.cursors.borrow_mut().push(cursor);
        result
    }

    /// The named children of `node`, in order (comments included).
    fn named_children(&self, node: Node<'a>) -> Children<'_, 'a> {
        self.children_of(node, true)
    }

    /// All children of `node`, in order, named or not.
    fn children(&self, node: Node<'a>) -> Children<'_, 'a> {
        self.children_of(node, false)
    }

    fn children_of(&self, node: Node<'a>, named: bool) -> Children<'_, 'a> {
        let count = if named {
            node.named_child_count()
        } else {
            node.child_count() as usize
        };
        // Reaching the i-th child by index is cheap but starts from the first child each
        // time; a cursor steps from one child to the next at a higher cost per step.
        if count <= MAX_CHILDREN_BY_INDEX {
            return Children::ByIndex {
                node,
                named,
                next: 0,
                count: count as u32,
            };
        }
        let spare = self.cursors.borrow_mut().pop();
        let mut cursor = spare.unwrap_or_else(|| self.root.walk());
        cursor.reset(node);
        cursor.goto_first_child();
        Children::ByCursor {
            cursor: Spare {
                pool: &self.cursors,
                cursor: Some(cursor),
            },
            named,
            left: count,
        }
    }

    /// Visits the nodes in document order (outer before inner) and applies the rules for
    /// each one's kind. Iterative, so deep trees cannot exhaust the stack. With `marks`, it
    /// skips what cannot hold a node a rule applies to: subtrees without errors that hold
    /// none of the rules' required tokens, and children that have no children themselves
    /// (every kind with required tokens has children).
    fn walk(&mut self, rules: &[Vec<Rule>], marks: Option<&TokenMarks>) {
        let mut cursor = self.root.walk();
        let mut scratch = self.root.walk();
        // For each of `ancestors`: the marks to jump between its children with, and its end.
        let mut jumps: Vec<Option<(&TokenMarks, usize)>> = Vec::new();
        // Without errors at the root, there are none below it either.
        let any_errors = self.root.has_error();
        loop {
            let node = cursor.node();
            if let Some(rules) = rules.get(usize::from(node.kind_id())) {
                for rule in rules {
                    if rule.applies_to(node, &mut scratch) {
                        self.apply(rule.capture, node);
                    }
                }
            }
            // Whether to visit the children, and whether to jump between those holding marks.
            let (descend, jump) = match marks {
                None => (true, None),
                Some(marks) => {
                    let has_error = any_errors && node.has_error();
                    let children = node.child_count();
                    let descend = has_error
                        || (node.descendant_count() > children as usize + 1
                            && marks.any_in(node.start_byte(), node.end_byte()));
                    let jump = !has_error && children <= MAX_CHILDREN_TO_JUMP;
                    (descend, jump.then_some(marks))
                }
            };
            if descend {
                self.enter(node);
                let end = node.end_byte();
                jumps.push(jump.map(|marks| (marks, end)));
                let moved = match jump {
                    Some(marks) => marks
                        .next(node.start_byte(), end)
                        .is_some_and(|at| cursor.goto_first_child_for_byte(at).is_some()),
                    None => cursor.goto_first_child(),
                };
                if moved {
                    continue;
                }
                jumps.pop();
                self.leave();
            }
            // `node` is done: go on to the next sibling worth a visit, or up.
            let mut done = node;
            loop {
                let Some(&jump) = jumps.last() else {
                    return;
                };
                let moved = match jump {
                    Some((marks, parent_end)) => {
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
                done = self.ancestors.last().copied().unwrap_or(done);
                self.leave();
            }
        }
    }

    fn apply(&mut self, capture: Capture, node: Node<'a>) {
        self.visiting.set(node.start_byte());
        match capture {
            Capture::Function => self.function(node),
            Capture::Class => self.class(node),
            Capture::Import => self.import(node),
            Capture::Call => self.call(node),
            Capture::Assignment => self.assignment(node),
            Capture::With => self.with_item(node),
            Capture::Dispatch => self.dispatch(node),
            Capture::Check => self.check(node),
            Capture::Loop => self.loop_regions(node),
            Capture::Region => self.region(node),
            Capture::Branches => self.branches(node),
            Capture::Try => self.try_regions(node),
            Capture::Return => self.return_value(node),
            Capture::Global => self.global_names(node),
        }
    }

    /// The walk descends into `node`.
    fn enter(&mut self, node: Node<'a>) {
        self.ancestors.push(node);
        let kind = self.kind(node);
        if matches!(kind, K::FunctionDefinition | K::ClassDefinition) {
            self.definitions.push(Definition {
                node,
                depth: self.ancestors.len(),
                is_class: kind == K::ClassDefinition,
                name: Self::field(node, self.fields.name).map(|n| self.text(n)),
            });
        }
    }

    /// The walk returns from the last node entered.
    fn leave(&mut self) {
        self.ancestors.pop();
        while self
            .definitions
            .last()
            .is_some_and(|d| d.depth > self.ancestors.len())
        {
            self.definitions.pop();
        }
    }

    /// The `n`-th ancestor of the node being visited (1 is its parent).
    fn ancestor(&self, n: usize) -> Option<Node<'a>> {
        self.ancestors
            .len()
            .checked_sub(n)
            .map(|i| self.ancestors[i])
    }

    /// `Outer.inner.name` for a definition called `name` at the node being visited.
    fn qualname(&self, name: &str) -> String {
        let outer: usize = self
            .definitions
            .iter()
            .filter_map(|d| d.name)
            .map(|n| n.len() + 1)
            .sum();
        let mut qualname = String::with_capacity(outer + name.len());
        for definition in &self.definitions {
            if let Some(outer) = definition.name {
                qualname.push_str(outer);
                qualname.push('.');
            }
        }
        qualname.push_str(name);
        qualname
    }

    fn function(&mut self, node: Node<'a>) {
        let f = self.fields;
        let Some(name_node) = Self::field(node, f.name) else {
            return;
        };
        let name = self.text(name_node).to_string();
        let qualname = self.qualname(&name);
        let (class, parent) = match self.definitions.last() {
            Some(def) if def.is_class => (
                self.class_by_start.get(&def.node.start_byte()).copied(),
                None,
            ),
            Some(def) => (
                None,
                self.function_by_start.get(&def.node.start_byte()).copied(),
            ),
            None => (None, None),
        };
        let mut decorators = Vec::new();
        if let Some(parent) = self
            .ancestor(1)
            .filter(|p| self.kind(*p) == K::DecoratedDefinition)
        {
            for child in self.named_children(parent) {
                if self.kind(child) == K::Decorator
                    && let Some(expr) = child.named_child(0)
                {
                    decorators.push(Decorator {
                        expr: self.expr(expr, 0),
                        line: line(child),
                    });
                }
            }
        }
        let params = Self::field(node, f.parameters)
            .map(|p| self.params(p))
            .unwrap_or_default();
        let docstring = Self::field(node, f.body).and_then(|b| self.docstring(b));
        let returns = Self::field(node, f.return_type).map(|t| self.type_expr(t));
        let index = self.facts.functions.len();
        self.function_by_start.insert(node.start_byte(), index);
        let role = match (class, name.as_str()) {
            (Some(_), "__init__") => Role::Constructor,
            (Some(_), "__call__") => Role::Call,
            _ => Role::Plain,
        };
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
            returns,
            role,
        });
    }

    /// `return value`: what a call of the function gives, for the linker.
    fn return_value(&mut self, node: Node<'a>) {
        if let Some(value) = node.named_child(0) {
            let value = self.expr(value, 0);
            self.facts.returns.push(Return {
                value,
                span: span(node),
                scope: None,
            });
        }
    }

    fn params(&self, node: Node<'a>) -> Vec<Param> {
        let f = self.fields;
        {
            let mut params = Vec::with_capacity(node.named_child_count());
            for child in self.named_children(node) {
                let (name, annotation, default) = match self.kind(child) {
                    K::Identifier => (Some(child), None, None),
                    K::TypedParameter => (
                        child
                            .named_child(0)
                            .filter(|n| self.kind(*n) == K::Identifier),
                        Self::field(child, f.type_),
                        None,
                    ),
                    K::DefaultParameter | K::TypedDefaultParameter => (
                        Self::field(child, f.name),
                        Self::field(child, f.type_),
                        Self::field(child, f.value),
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
    }

    /// A `type` node wraps the annotation expression.
    fn type_expr(&self, node: Node<'a>) -> Expr {
        match node.named_child(0) {
            Some(inner) if self.kind(node) == K::Type => self.expr(inner, 0),
            _ => self.expr(node, 0),
        }
    }

    fn docstring(&self, body: Node<'a>) -> Option<String> {
        let first = body.named_child(0)?;
        if self.kind(first) != K::ExpressionStatement {
            return None;
        }
        let string = first.named_child(0)?;
        match self.expr(string, 0) {
            Expr::Str(s) => Some(clean_docstring(&s)),
            _ => None,
        }
    }

    fn class(&mut self, node: Node<'a>) {
        let f = self.fields;
        let Some(name_node) = Self::field(node, f.name) else {
            return;
        };
        let name = self.text(name_node).to_string();
        let qualname = self.qualname(&name);
        let mut bases = Vec::new();
        if let Some(superclasses) = Self::field(node, f.superclasses) {
            bases.reserve_exact(superclasses.named_child_count());
            for base in self.named_children(superclasses) {
                if !matches!(self.kind(base), K::KeywordArgument | K::Comment) {
                    bases.push(self.expr(base, 0));
                }
            }
        }
        let mut fields = Vec::new();
        let body = Self::field(node, f.body);
        if let Some(body) = body {
            {
                for statement in self.named_children(body) {
                    if self.kind(statement) != K::ExpressionStatement {
                        continue;
                    }
                    let Some(assignment) = statement.named_child(0) else {
                        continue;
                    };
                    if self.kind(assignment) != K::Assignment {
                        continue;
                    }
                    let Some(left) = Self::field(assignment, f.left) else {
                        continue;
                    };
                    if self.kind(left) != K::Identifier {
                        continue;
                    }
                    fields.push(Field {
                        name: self.text(left).to_string(),
                        annotation: Self::field(assignment, f.type_).map(|t| self.type_expr(t)),
                        value: Self::field(assignment, f.right).map(|r| self.expr(r, 0)),
                        line: line(assignment),
                    });
                }
            }
        }
        let docstring = body.and_then(|b| self.docstring(b));
        let outer = self
            .ancestor(1)
            .filter(|p| self.kind(*p) == K::DecoratedDefinition)
            .unwrap_or(node);
        let decorators = if outer == node {
            Vec::new()
        } else {
            self.named_children(outer)
                .filter(|c| self.kind(*c) == K::Decorator)
                .filter_map(|c| {
                    Some(Decorator {
                        expr: self.expr(c.named_child(0)?, 0),
                        line: line(c),
                    })
                })
                .collect()
        };
        self.class_by_start
            .insert(node.start_byte(), self.facts.classes.len());
        self.facts.classes.push(Class {
            name,
            qualname,
            bases,
            span: span(outer),
            fields,
            docstring,
            decorators,
            interface: false,
        });
    }

    fn import(&mut self, node: Node<'a>) {
        let f = self.fields;
        let at = line(node);
        let mut imports = Vec::new();
        if self.kind(node) == K::ImportStatement {
            self.with_cursor(|cursor| {
                let Some(field) = NonZeroU16::new(f.name) else {
                    return;
                };
                for name in node.children_by_field_id(field, cursor) {
                    match self.kind(name) {
                        K::DottedName => {
                            // `import a.b` binds `a`.
                            let full = self.text(name);
                            let first = full.split('.').next().unwrap_or(full).trim();
                            imports.push(Import {
                                local: first.to_string(),
                                target: first.to_string(),
                                line: at,
                            });
                        }
                        K::AliasedImport => {
                            if let (Some(target), Some(alias)) =
                                (Self::field(name, f.name), Self::field(name, f.alias))
                            {
                                imports.push(Import {
                                    local: self.text(alias).to_string(),
                                    target: compact(self.text(target)),
                                    line: at,
                                });
                            }
                        }
                        _ => {}
                    }
                }
            });
            self.facts.imports.append(&mut imports);
            return;
        }
        // import_from_statement
        let Some(module_node) = Self::field(node, f.module_name) else {
            return;
        };
        let module = if self.kind(module_node) == K::RelativeImport {
            self.relative_module(module_node)
        } else {
            compact(self.text(module_node))
        };
        let any = self.with_cursor(|cursor| {
            let Some(field) = NonZeroU16::new(f.name) else {
                return false;
            };
            let mut any = false;
            for name in node.children_by_field_id(field, cursor) {
                any = true;
                let (target, local) = match self.kind(name) {
                    K::DottedName => (compact(self.text(name)), compact(self.text(name))),
                    K::AliasedImport => {
                        match (Self::field(name, f.name), Self::field(name, f.alias)) {
                            (Some(t), Some(a)) => (compact(self.text(t)), self.text(a).to_string()),
                            _ => continue,
                        }
                    }
                    _ => continue,
                };
                imports.push(Import {
                    local,
                    target: join_path(&module, &target),
                    line: at,
                });
            }
            any
        });
        self.facts.imports.append(&mut imports);
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
    fn relative_module(&self, node: Node<'a>) -> String {
        let mut dots = 0;
        let mut rest = String::new();
        {
            for child in self.children(node) {
                match self.kind(child) {
                    K::ImportPrefix => {
                        dots = self.text(child).chars().filter(|c| *c == '.').count()
                    }
                    K::DottedName => rest = compact(self.text(child)),
                    _ => {}
                }
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

    fn call(&mut self, node: Node<'a>) {
        // `expr(node, 0)`, reading the callee once for both.
        let function = Self::field(node, self.fields.function);
        let read = self.read_calls.get_mut().remove(&node.id());
        let call = match (function, self.kind(node)) {
            (Some(_), K::Call) if let Some(call) = read => call,
            (Some(function), K::Call) => Arc::new(self.call_expr(node, function, 1)),
            _ => match self.expr(node, 0) {
                Expr::Call(call) => call,
                _ => return,
            },
        };
        let call = Call {
            call,
            callee_text: function
                .map(|f| collapse_whitespace(self.text(f), 80))
                .unwrap_or_default(),
            span: span(node),
            scope: None,
        };
        // Keep the list in the order `assign_scopes` sorts it into (by start, then end): a
        // call that starts where calls before it start but ends earlier (`a.b` in `a.b().c()`)
        // goes before them.
        let calls = &mut self.facts.calls;
        let mut at = calls.len();
        while at > 0
            && calls[at - 1].span.start_byte == call.span.start_byte
            && calls[at - 1].span.end_byte > call.span.end_byte
        {
            at -= 1;
        }
        // Far back (a long chain `a.b().c()...`): append, and leave sorting to assign_scopes.
        if calls.len() - at > MAX_INSERT_DISTANCE {
            at = calls.len();
        }
        calls.insert(at, call);
    }

    fn assignment(&mut self, node: Node<'a>) {
        let f = self.fields;
        // Class-level assignments are class fields, not bindings in a scope.
        let in_class_body = self
            .ancestor(3)
            .is_some_and(|p| self.kind(p) == K::ClassDefinition);
        if in_class_body {
            return;
        }
        let (Some(left), Some(mut right)) = (Self::field(node, f.left), Self::field(node, f.right))
        else {
            return;
        };
        // `a = b = value`
        while self.kind(right) == K::Assignment {
            match Self::field(right, f.right) {
                Some(r) => right = r,
                None => return,
            }
        }
        if !matches!(self.kind(left), K::Identifier | K::Attribute) {
            return;
        }
        let target = self.expr(left, 0);
        let value = self.expr(right, 0);
        let annotation = Self::field(node, f.type_).map(|t| self.type_expr(t));
        self.facts.assignments.push(Assignment {
            target,
            value,
            annotation,
            span: span(node),
            scope: None,
        });
    }

    /// `global client`: assignments to `client` in this function bind the module's name.
    fn global_names(&mut self, node: Node<'a>) {
        let names: Vec<Name> = self
            .named_children(node)
            .filter(|c| self.kind(*c) == K::Identifier)
            .map(|c| Name::from(self.text(c)))
            .collect();
        if !names.is_empty() {
            self.globals.push((node.start_byte(), names));
        }
    }

    fn with_item(&mut self, node: Node<'a>) {
        let f = self.fields;
        let Some(pattern) = Self::field(node, f.value) else {
            return;
        };
        let value = pattern.named_child(0);
        let alias = Self::field(pattern, f.alias).and_then(|a| a.named_child(0));
        if let (Some(value), Some(alias)) = (value, alias)
            && self.kind(alias) == K::Identifier
        {
            let value = self.expr(value, 0);
            self.facts.assignments.push(Assignment {
                target: Expr::Name(self.text(alias).into()),
                value,
                annotation: None,
                span: span(node),
                scope: None,
            });
        }
    }

    fn dispatch(&mut self, node: Node<'a>) {
        let f = self.fields;
        if self.kind(node) == K::CaseClause {
            let subject = self
                .ancestor(2)
                .filter(|m| self.kind(*m) == K::MatchStatement)
                .and_then(|m| Self::field(m, f.subject))
                .filter(|s| is_dispatch_subject(self.kind(*s)));
            let Some(subject) = subject else { return };
            let Some(body) = Self::field(node, f.consequence) else {
                return;
            };
            let mut dispatches = Vec::new();
            for pattern in self.named_children(node) {
                if self.kind(pattern) != K::CasePattern {
                    continue;
                }
                let Some(value) = pattern.named_child(0) else {
                    continue;
                };
                // `case "x":`, or `case Tools.RUN:` (a dotted name the linker reads).
                let (value, value_ref) = match self.expr(value, 0) {
                    Expr::Str(value) => (value.to_string(), None),
                    constant @ Expr::Attr(..) => (String::new(), Some(constant)),
                    _ if self.kind(value) == K::DottedName && self.text(value).contains('.') => {
                        let mut parts = self.text(value).split('.');
                        let first = Expr::Name(parts.next().unwrap_or_default().into());
                        let constant =
                            parts.fold(first, |base, part| Expr::Attr(Box::new(base), part.into()));
                        (String::new(), Some(constant))
                    }
                    _ => continue,
                };
                dispatches.push(Dispatch {
                    subject: self.text(subject).to_string(),
                    value,
                    value_ref,
                    line: line(node),
                    span: span(body),
                    scope: None,
                });
            }
            self.facts.dispatches.append(&mut dispatches);
            return;
        }
        // The rest of the block after `node`: what an `assert name == "x"` or an
        // `if name != "x": raise` serves.
        let rest_of_block = || {
            self.ancestor(1).map(|block| Span {
                start_line: node.end_position().row as u32 + 1,
                end_line: block.end_position().row as u32 + 1,
                start_byte: node.end_byte(),
                end_byte: block.end_byte(),
            })
        };
        let kind = self.kind(node);
        let (condition, body) = if kind == K::AssertStatement {
            (node.named_child(0), None)
        } else {
            (
                Self::field(node, f.condition),
                Self::field(node, f.consequence),
            )
        };
        let Some(mut condition) = condition else {
            return;
        };
        // `name == "x" and ...` tests the name first.
        while self.kind(condition) == K::BooleanOperator
            && self.comparison_operator(condition) == Some("and")
        {
            let Some(left) = Self::field(condition, f.left) else {
                return;
            };
            condition = left;
        }
        if self.kind(condition) != K::ComparisonOperator || condition.named_child_count() != 2 {
            return;
        }
        // `if name == "x": ...` serves `x` in its body; `if name != "x": raise ...` (with no
        // `else`) and `assert name == "x"` serve `x` in the rest of the block.
        let served = match (self.comparison_operator(condition), body) {
            (Some("=="), Some(body)) => span(body),
            (Some("=="), None) => match rest_of_block() {
                Some(rest) => rest,
                None => return,
            },
            (Some("!="), Some(body))
                if kind == K::IfStatement
                    && Self::field(node, f.alternative).is_none()
                    && matches!(self.block_exit(body), Some(Exit::Raise | Exit::Return)) =>
            {
                match rest_of_block() {
                    Some(rest) => rest,
                    None => return,
                }
            }
            _ => return,
        };
        let (Some(a), Some(b)) = (condition.named_child(0), condition.named_child(1)) else {
            return;
        };
        // `name == "x"`, `"x" == name`, or `name == Tools.RUN` (a constant the linker reads).
        let (subject, value) = match (self.kind(a), self.kind(b)) {
            (s, K::String) if is_dispatch_subject(s) => (a, b),
            (K::String, s) if is_dispatch_subject(s) => (b, a),
            (s, K::Attribute) if is_dispatch_subject(s) => (a, b),
            _ => return,
        };
        let (value, value_ref) = match self.expr(value, 0) {
            Expr::Str(value) => (value.to_string(), None),
            constant @ Expr::Attr(..) => (String::new(), Some(constant)),
            _ => return,
        };
        self.facts.dispatches.push(Dispatch {
            subject: collapse_whitespace(self.text(subject), 80).to_string(),
            value,
            value_ref,
            line: line(node),
            span: served,
            scope: None,
        });
    }

    /// `if`, `elif` and `assert`: what the test reads, what it gates and whether its body
    /// leaves.
    fn check(&mut self, node: Node<'a>) {
        let f = self.fields;
        let kind = self.kind(node);
        let Some(condition) = Self::field(node, f.condition)
            .or_else(|| (kind == K::AssertStatement).then(|| node.named_child(0))?)
        else {
            return;
        };
        if kind == K::AssertStatement {
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
        let body = Self::field(node, f.consequence);
        // What runs when the test fails: the `elif`/`else` clauses of this `if`, or the
        // clauses after this `elif`.
        let orelse = if kind == K::ElifClause {
            // The named siblings after this clause.
            let (mut first, mut last) = (None, None);
            if let Some(parent) = self.ancestor(1) {
                let mut after = false;
                for sibling in self.named_children(parent) {
                    if after {
                        first = first.or(Some(sibling));
                        last = Some(sibling);
                    }
                    after = after || sibling == node;
                }
            }
            first.zip(last).map(|(a, b)| join_spans(span(a), span(b)))
        } else {
            let (mut first, mut last) = (None, None);
            let mut else_regions = Vec::new();
            self.with_cursor(|cursor| {
                let Some(field) = NonZeroU16::new(f.alternative) else {
                    return;
                };
                for alternative in node.children_by_field_id(field, cursor) {
                    if self.kind(alternative) == K::ElseClause {
                        else_regions.push(span(alternative));
                    }
                    first = first.or(Some(alternative));
                    last = Some(alternative);
                }
            });
            for region in else_regions {
                self.add_region(region);
            }
            first.zip(last).map(|(a, b)| join_spans(span(a), span(b)))
        };
        if let Some(body) = body {
            self.add_region(span(body));
        }
        let keyword = if kind == K::ElifClause { "elif" } else { "if" };
        let first_statement = body
            .and_then(|b| b.named_child(0))
            .map(|s| self.text(s))
            .unwrap_or("");
        let first_line = first_statement.lines().next().unwrap_or("");
        let text = collapse_pieces(&[keyword, " ", self.text(condition), ": ", first_line], 80);
        self.facts.checks.push(Check {
            span: span(node),
            condition: span(condition),
            words: self.words(condition),
            text,
            exit: body.and_then(|b| self.block_exit(b)),
            body: body.map(span),
            orelse,
            scope: None,
        });
    }

    /// Identifiers and attribute names in an expression, in source order (bounded).
    fn words(&self, node: Node<'a>) -> Vec<Name> {
        let mut out = Vec::new();
        let mut visited = 0;
        // The children still to visit at each level (depth-first, in source order).
        let mut levels: Vec<Children<'_, 'a>> = Vec::new();
        let mut next = Some(node);
        while let Some(n) = next {
            visited += 1;
            let kind = self.kind(n);
            if kind == K::Identifier {
                out.push(Name::from(self.text(n)));
            }
            if visited < 256 && kind != K::String && n.child_count() > 0 {
                levels.push(self.children(n));
            }
            next = None;
            while let Some(level) = levels.last_mut() {
                next = level.next();
                if next.is_some() {
                    break;
                }
                levels.pop();
            }
        }
        out
    }

    /// Adds a region where `assign_scopes` sorts it to (by start, longest first), so that it
    /// need not sort.
    fn add_region(&mut self, region: Span) {
        let key = |r: &Span| (r.start_byte, std::cmp::Reverse(r.end_byte));
        let regions = &mut self.facts.regions;
        let mut at = regions.len();
        while at > 0 && key(&regions[at - 1]) > key(&region) {
            at -= 1;
        }
        // Far back (a long `a or b or ...`): append, and leave the sorting to assign_scopes.
        if regions.len() - at > MAX_INSERT_DISTANCE {
            at = regions.len();
        }
        regions.insert(at, region);
    }

    /// A loop body (and its `else`) may run zero times.
    fn loop_regions(&mut self, node: Node<'a>) {
        let f = self.fields;
        if let Some(body) = Self::field(node, f.body) {
            self.add_region(span(body));
        }
        if let Some(alternative) = Self::field(node, f.alternative) {
            self.add_region(span(alternative));
        }
    }

    fn region(&mut self, node: Node<'a>) {
        self.add_region(span(node));
    }

    /// `a if c else b` runs one of `a` and `b`; `x and y` may skip `y`.
    fn branches(&mut self, node: Node<'a>) {
        if self.kind(node) == K::BooleanOperator {
            if let Some(right) = Self::field(node, self.fields.right) {
                self.add_region(span(right));
            }
            return;
        }
        for i in [0, 2] {
            if let Some(branch) = node.named_child(i) {
                self.add_region(span(branch));
            }
        }
    }

    /// A `try`'s `else` runs only when nothing was raised (its handlers are regions of their own).
    fn try_regions(&mut self, node: Node<'a>) {
        let mut regions = Vec::new();
        for child in self.named_children(node) {
            if self.kind(child) == K::ElseClause {
                regions.push(span(child));
            }
        }
        for region in regions {
            self.add_region(region);
        }
    }

    fn comparison_operator(&self, node: Node<'a>) -> Option<&'a str> {
        self.children(node)
            .find(|c| !c.is_named())
            .map(|c| self.text(c))
    }

    /// How a block leaves when its last statement runs.
    fn block_exit(&self, block: Node<'a>) -> Option<Exit> {
        // From the end: reaching a child by index is cheap, stepping through a long block not.
        let last = (0..block.named_child_count() as u32)
            .rev()
            .filter_map(|i| block.named_child(i))
            .find(|c| self.kind(*c) != K::Comment)?;
        match self.kind(last) {
            K::RaiseStatement => Some(Exit::Raise),
            K::ReturnStatement => Some(Exit::Return),
            K::ContinueStatement | K::BreakStatement => Some(Exit::Loop),
            _ => None,
        }
    }

    fn expr(&self, node: Node<'a>, depth: usize) -> Expr {
        if depth > MAX_EXPR_DEPTH {
            self.cut.set(true);
            return Expr::Other("...".into());
        }
        let f = self.fields;
        let d = depth + 1;
        match self.kind(node) {
            K::Identifier => {
                let name = self.text(node);
                if name == "self" || name == "cls" {
                    Expr::This
                } else {
                    Expr::Name(name.into())
                }
            }
            K::Attribute => match (Self::field(node, f.object), Self::field(node, f.attribute)) {
                (Some(object), Some(attr)) => {
                    Expr::Attr(Box::new(self.expr(object, d)), self.text(attr).into())
                }
                _ => self.other(node),
            },
            K::Call => match Self::field(node, f.function) {
                Some(function) => Expr::Call(self.nested_call_expr(node, function, d)),
                None => self.other(node),
            },
            K::Subscript => match Self::field(node, f.value) {
                Some(value) => {
                    // The value is a named child too.
                    let mut index = Vec::with_capacity(node.named_child_count().saturating_sub(1));
                    if let Some(field) = NonZeroU16::new(f.subscript) {
                        self.with_cursor(|cursor| {
                            index.extend(
                                node.children_by_field_id(field, cursor)
                                    .map(|i| self.expr(i, d)),
                            );
                        });
                    }
                    Expr::Subscript(Box::new(self.expr(value, d)), index)
                }
                None => self.other(node),
            },
            K::String => Expr::Str(self.string_content(node)),
            K::ConcatenatedString => {
                let mut out = Name::default();
                for part in self.named_children(node) {
                    if self.kind(part) == K::String {
                        self.push_string_content(part, &mut out);
                    }
                }
                Expr::Str(out)
            }
            K::Integer | K::Float => Expr::Num(self.text(node).into()),
            K::True => Expr::Bool(true),
            K::False => Expr::Bool(false),
            K::None => Expr::Null,
            K::List | K::Tuple | K::Set => {
                let mut items = Vec::with_capacity(node.named_child_count());
                let mut strings = Vec::new();
                for c in self.named_children(node) {
                    if self.kind(c) == K::Comment {
                        continue;
                    }
                    let item = self.expr(c, d);
                    if let Expr::Str(s) = &item {
                        strings.push((s.clone(), line(c)));
                    }
                    items.push(item);
                }
                if !strings.is_empty() && strings.len() == items.len() {
                    self.string_lists.borrow_mut().push(StringList {
                        span: span(node),
                        items: strings,
                    });
                }
                Expr::List(items)
            }
            K::Dictionary => {
                let mut pairs = Vec::with_capacity(node.named_child_count());
                {
                    for pair in self.named_children(node) {
                        if self.kind(pair) == K::Pair
                            && let (Some(k), Some(v)) =
                                (Self::field(pair, f.key), Self::field(pair, f.value))
                        {
                            pairs.push((self.expr(k, d), self.expr(v, d)));
                        }
                    }
                }
                Expr::Dict(pairs)
            }
            K::Lambda => Expr::Lambda(span(node)),
            // `a if cond else b` is one of `a` and `b`.
            K::ConditionalExpression => {
                let options: Vec<Expr> = [node.named_child(0), node.named_child(2)]
                    .into_iter()
                    .flatten()
                    .map(|n| self.expr(n, d))
                    .collect();
                Expr::Choice(options)
            }
            // `base / "name"` joins paths: the result has the type of the left operand.
            K::BinaryOperator
                if Self::field(node, f.operator).is_some_and(|op| self.text(op) == "/") =>
            {
                match Self::field(node, f.left) {
                    Some(left) => self.expr(left, d),
                    None => self.other(node),
                }
            }
            // `Annotated[str, Field(...)]` in an annotation.
            K::GenericType => {
                let Some(base) = node.named_child(0) else {
                    return self.other(node);
                };
                let mut index = Vec::new();
                if let Some(params) = node.named_child(1) {
                    index.reserve_exact(params.named_child_count());
                    for param in self.named_children(params) {
                        index.push(self.expr(param, d));
                    }
                }
                Expr::Subscript(Box::new(self.expr(base, d)), index)
            }
            K::Await | K::ParenthesizedExpression | K::Type => match node.named_child(0) {
                Some(inner) => self.expr(inner, d),
                None => self.other(node),
            },
            _ => self.other(node),
        }
    }

    /// [`Self::call_expr`] for a call inside what is being read. When the walk has yet to
    /// visit the call and nothing was cut short at this depth (so that reading it on its own
    /// gives the same), a copy is kept for that visit.
    fn nested_call_expr(&self, node: Node<'a>, function: Node<'a>, d: usize) -> Arc<CallExpr> {
        let outer_cut = self.cut.replace(false);
        let call = Arc::new(self.call_expr(node, function, d));
        let cut = self.cut.get();
        self.cut.set(outer_cut || cut);
        if !cut && node.start_byte() >= self.visiting.get() {
            self.read_calls.borrow_mut().insert(node.id(), call.clone());
        }
        call
    }

    /// A call's callee and arguments; `d` is the depth of its parts.
    fn call_expr(&self, node: Node<'a>, function: Node<'a>, d: usize) -> CallExpr {
        let f = self.fields;
        let callee = self.expr(function, d);
        let mut args = Vec::new();
        if let Some(arguments) = Self::field(node, f.arguments) {
            args.reserve_exact(arguments.named_child_count());
            {
                for arg in self.named_children(arguments) {
                    match self.kind(arg) {
                        K::KeywordArgument => {
                            if let (Some(name), Some(value)) =
                                (Self::field(arg, f.name), Self::field(arg, f.value))
                            {
                                args.push(Arg {
                                    name: Some(self.text(name).into()),
                                    value: self.expr(value, d),
                                    spread: false,
                                });
                            }
                        }
                        K::ListSplat | K::DictionarySplat => args.push(Arg {
                            name: None,
                            value: arg
                                .named_child(0)
                                .map(|v| self.expr(v, d))
                                .unwrap_or(Expr::Other(Name::default())),
                            spread: true,
                        }),
                        K::Comment => {}
                        _ => args.push(Arg {
                            name: None,
                            value: self.expr(arg, d),
                            spread: false,
                        }),
                    }
                }
            }
        }
        CallExpr { callee, args }
    }

    fn string_content(&self, node: Node<'a>) -> Name {
        let mut out = Name::default();
        self.push_string_content(node, &mut out);
        out
    }

    /// Appends the text of a string literal without its quotes and prefix.
    fn push_string_content(&self, node: Node<'a>, out: &mut Name) {
        {
            for child in self.children(node) {
                match self.kind(child) {
                    K::StringStart | K::StringEnd => {}
                    _ => out.push_str(self.text(child)),
                }
            }
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
}

/// Children of a node are reached by jumping to the next one that holds a required token,
/// unless the node has errors or many children (each jump starts from the first child).
const MAX_CHILDREN_TO_JUMP: u32 = 16;

/// At most `max` characters of `text` on one line.
fn collapse_whitespace(text: &str, max: usize) -> Name {
    // Fast path: short, printable ASCII without spaces (split_whitespace also splits on
    // vertical tabs and Unicode spaces).
    if text.len() <= max && text.bytes().all(|b| b > b' ' && b < 0x7f) {
        return Name::from(text);
    }
    collapse_pieces(&[text], max)
}

/// [`collapse_whitespace`] of the pieces written one after the other.
fn collapse_pieces(pieces: &[&str], max: usize) -> Name {
    let mut out = Name::with_capacity(pieces.iter().map(|p| p.len()).sum::<usize>().min(max + 3));
    let mut count = 0;
    let mut space = false;
    for piece in pieces {
        for c in piece.chars() {
            if c.is_whitespace() {
                space = !out.is_empty();
                continue;
            }
            for c in [' ', c].into_iter().skip(usize::from(!space)) {
                if count == max {
                    out.push_str("...");
                    return out;
                }
                out.push(c);
                count += 1;
            }
            space = false;
        }
    }
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
    let first = lines.next().unwrap_or("").trim();
    let indent = lines
        .clone()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(raw.len());
    out.push_str(first);
    for l in lines {
        out.push('\n');
        out.push_str(l.get(indent..).unwrap_or(l.trim_start()).trim_end());
    }
    out.trim().to_string()
}

/// What a dispatch can branch on: a name, or a field of one (`params.name`, `call["name"]`).
fn is_dispatch_subject(kind: K) -> bool {
    matches!(kind, K::Identifier | K::Attribute | K::Subscript)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_strings_keeps_the_line_of_each_item() {
        let facts = parse(
            "a.py",
            "options = Options(\n    tools=[\n        \"Read\",\n        \"Bash\",\n    ],\n    other=[1, \"x\"],\n)\n",
            "",
        );
        assert_eq!(facts.string_lists.len(), 1);
        let call = facts.calls[0].span;
        assert_eq!(
            facts.string_lines(call, &["Read", "Bash"]),
            Some(vec![3, 4])
        );
        assert_eq!(facts.string_lines(call, &["Bash"]), None);
    }

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
        let words = |w: &[&str]| w.iter().map(|s| Name::from(*s)).collect::<Vec<_>>();
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
    fn rule_patterns_are_read_from_the_query() {
        let p = SimplePattern::parse("(call) @call").unwrap();
        assert_eq!((p.kind, p.child, p.captures), ("call", None, vec!["call"]));
        let p = SimplePattern::parse(
            "(if_statement\n  condition: (comparison_operator)) ; note\n @dispatch @check",
        )
        .unwrap();
        assert_eq!(
            (p.kind, p.child, p.captures),
            (
                "if_statement",
                Some(("condition", "comparison_operator")),
                vec!["dispatch", "check"]
            )
        );
        for unsupported in [
            "(call)",
            "(call function: (identifier) @f) @call",
            "(call (identifier)) @call",
            "[(call) (lambda)] @x",
        ] {
            assert!(SimplePattern::parse(unsupported).is_none(), "{unsupported}");
        }
        // Every pattern of facts.scm is supported and names a fact.
        let compiled = compiled();
        let language = &compiled.language;
        let call = usize::from(language.id_for_node_kind("call", true));
        assert_eq!(compiled.rules[call].len(), 1);
        assert_eq!(compiled.rules[call][0].capture, Capture::Call);
        let case = usize::from(language.id_for_node_kind("case_clause", true));
        let captures: Vec<_> = compiled.rules[case].iter().map(|r| r.capture).collect();
        assert_eq!(captures, vec![Capture::Dispatch, Capture::Region]);
    }

    #[test]
    fn kinds_and_fields_exist_in_the_grammar() {
        let compiled = compiled();
        for (kind, name) in KIND_NAMES {
            assert!(compiled.kinds.contains(kind), "no node kind `{name}`");
        }
        let f = &compiled.fields;
        for id in [
            f.alias,
            f.alternative,
            f.arguments,
            f.attribute,
            f.body,
            f.condition,
            f.consequence,
            f.function,
            f.key,
            f.left,
            f.module_name,
            f.name,
            f.object,
            f.operator,
            f.parameters,
            f.right,
            f.subject,
            f.subscript,
            f.superclasses,
            f.type_,
            f.value,
        ] {
            assert_ne!(id, 0);
        }
    }

    #[test]
    fn required_tokens_are_marked_conservatively() {
        let compiled = compiled();
        let tokens = compiled
            .tokens
            .as_ref()
            .expect("every rule in facts.scm has required tokens");
        let src = "x = 1if a else b  # diff or_ notify\n  éif(y): elif";
        let mut marks = TokenMarks::default();
        tokens.mark(src.as_bytes(), &mut marks);
        let at = |needle: &str| src.find(needle).unwrap();
        let marked: Vec<usize> = (0..src.len()).filter(|&i| marks.any_in(i, i + 1)).collect();
        // `=`, the number followed by `if`, `if` after a non-ASCII letter, `(`, `:`, `elif`.
        let expected = vec![
            at("="),
            at("1if"),
            at("if(y)"),
            at("(y)"),
            at(": elif"),
            at("elif"),
        ];
        assert_eq!(marked, expected);
        assert_eq!(marks.next(0, src.len()), Some(at("=")));
        assert_eq!(marks.next(at("=") + 1, src.len()), Some(at("1if")));
        assert_eq!(marks.next(at("elif") + 1, src.len()), None);
        assert_eq!(marks.next(at("1if") + 1, at("if(y)")), None);
        assert!(!marks.any_in(at("a else"), at("if(y)")));
        // `else` holds no required token, `a` neither; nothing past the end.
        assert_eq!(marks.next(src.len(), src.len() + 100), None);
    }

    #[test]
    fn deep_nesting_does_not_exhaust_the_stack() {
        let depth = 5_000;
        let source = format!(
            "x = {}1{}\nif {}a{}: f({}){}\n",
            "[".repeat(depth),
            "]".repeat(depth),
            "(".repeat(depth),
            ")".repeat(depth),
            "g(".repeat(depth),
            ")".repeat(depth),
        );
        let f = parse("deep.py", &source, "");
        assert_eq!(f.assignments.len(), 1);
        assert_eq!(f.checks.len(), 1);
        assert_eq!(f.calls.len(), depth + 1);
        // Unbalanced input parses with errors and still yields facts.
        let f = parse("deep.py", &source[..source.len() / 2], "");
        assert!(f.syntax_error_line.is_some());
    }

    #[test]
    fn whitespace_collapses_like_split_whitespace() {
        for text in [
            "a.b",
            "a . b",
            "f(\n    x,\n)",
            "a\x0bb",
            "a\u{a0}b\u{2003}c",
            "",
            "   ",
            "é",
        ] {
            let expected = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(collapse_whitespace(text, 80), expected, "{text:?}");
        }
        // As the one-pass versions replaced: join the words, cut at `max` characters.
        let reference = |text: &str, max: usize| {
            let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if collapsed.chars().count() <= max {
                return collapsed;
            }
            let mut out: String = collapsed.chars().take(max).collect();
            out.push_str("...");
            out
        };
        let samples = [
            "if",
            " ",
            "x == 1",
            "  a\tb \n c  ",
            "not (a and\n    b)",
            "é  ü\u{3000}z",
            "raise ValueError('no')\n",
            "",
        ];
        for a in samples {
            for b in samples {
                for max in [0, 1, 3, 5, 80] {
                    let pieces = ["if", " ", a, ": ", b];
                    assert_eq!(
                        collapse_pieces(&pieces, max),
                        reference(&pieces.concat(), max),
                        "{pieces:?} {max}"
                    );
                    assert_eq!(
                        collapse_whitespace(a, max),
                        reference(a, max),
                        "{a:?} {max}"
                    );
                }
            }
        }
        assert_eq!(
            collapse_whitespace(&"x".repeat(81), 80),
            format!("{}...", "x".repeat(80))
        );
        assert_eq!(collapse_whitespace(&"é".repeat(80), 80), "é".repeat(80));
        assert_eq!(collapse_whitespace("a  b", 2), "a ...");
    }

    #[test]
    fn docstrings_lose_common_indentation() {
        let reference = |raw: &str| {
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
        };
        for raw in [
            "",
            "One line.",
            "\n    Summary.\n\n    Details\n      more\n    ",
            "First\n  second\n\tthird\n",
            "  \n\n  ",
            "é\n   ü\n é",
        ] {
            assert_eq!(clean_docstring(raw), reference(raw), "{raw:?}");
        }
    }

    #[test]
    fn lines_are_counted_as_str_lines_does() {
        for source in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "\n\n",
            "a\n\nb\n\n",
        ] {
            let f = parse("m.py", source, "");
            assert_eq!(f.lines as usize, source.lines().count(), "{source:?}");
        }
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

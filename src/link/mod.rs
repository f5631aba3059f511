//! Linking: a repo-wide view of the facts that answers "what does this expression refer to?".
//!
//! A name resolves through the scope chain of the function it appears in (locals, parameters
//! with annotations, nested definitions), then the module (definitions, assignments, imports,
//! star imports). Imports of modules in the scanned tree land on those files; anything else is
//! an [`ApiPath`] into a library. Attributes of `self` resolve through the class: methods
//! (inherited ones too), attributes assigned in methods and class fields. Nothing is guessed:
//! what cannot be resolved is [`Sym::Unknown`].

use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::catalog::Catalog;
use crate::facts::{Expr, FileFacts, Language, Name, Role};
use crate::pattern::{ApiPath, Pattern, Step};
use crate::tsconfig::ModuleAliases;

mod collections;
mod implementations;
mod origins;
use implementations::Implementation;

/// What the generic types of a language hold, from the catalog's `[[passthrough]]` tables.
#[derive(Debug, Default)]
struct TypeRules {
    /// Types whose value is their first type argument (`Promise<T>`).
    wrappers: Vec<String>,
    /// Collections whose elements are their first type argument (`list[T]`, `Array<T>`).
    collections: Vec<String>,
    /// Methods of a collection that give one of its elements (`find`).
    element_methods: Vec<String>,
}

/// Resolution stops this deep (chains of aliases, re-exports and attribute types).
/// The name front ends give an inline function that has none (`arr.map(x => ...)`).
pub const ANONYMOUS: &str = "<anonymous>";

const MAX_DEPTH: usize = 24;

thread_local! {
    /// Set while [`Project::resolve_as_written`] runs.
    static AS_WRITTEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// 1 while resolving as written, else 0 (an index into the two answer caches).
fn as_written() -> usize {
    AS_WRITTEN.with(|flag| usize::from(flag.get()))
}

/// What an expression refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Sym {
    /// A function or method defined in the scanned tree.
    Function {
        file: usize,
        func: usize,
    },
    /// A class defined in the scanned tree (the class object).
    Class {
        file: usize,
        class: usize,
    },
    /// An instance of a class defined in the scanned tree.
    Instance {
        file: usize,
        class: usize,
    },
    /// A module in the scanned tree.
    Module(usize),
    /// Something outside the scanned tree.
    External(ApiPath),
    Unknown,
}

#[derive(Debug, Clone, Copy)]
enum Binding {
    Function(usize),
    Class(usize),
    Assign(usize),
    Import(usize),
}

/// Per-file lookup tables, built once.
#[derive(Debug, Default)]
struct FileIndex {
    /// Module-level bindings by name, in source order.
    globals: HashMap<Name, Vec<Binding>>,
    /// Bindings inside a function: (function, name) → bindings in source order.
    locals: HashMap<(usize, Name), Vec<Binding>>,
    /// `self.attr = value` assignments: (class, attr) → assignments.
    self_attrs: HashMap<(usize, Name), Vec<usize>>,
    /// Methods: (class, name) → function.
    methods: HashMap<(usize, Name), usize>,
    /// Calls by enclosing function; the last entry holds module-level calls.
    calls_by_scope: Vec<Vec<usize>>,
    /// The last names of the callees of the file's calls, so that a rule can pass over a
    /// file none of whose calls can match it (see [`Project::calls_last_names`]).
    call_last_names: HashSet<Name>,
    /// Checks by enclosing function, the same way.
    checks_by_scope: Vec<Vec<usize>>,
    star_imports: Vec<String>,
    /// Top-level interfaces and object type aliases by name. Types live in a namespace of
    /// their own: a name finds one only when no value of the module has it.
    types: HashMap<Name, usize>,
    /// Functions by the byte they start at, for inline functions passed as values.
    function_at: HashMap<usize, usize>,
}

/// Resolutions worked out once, by what was asked.
type AnswerCache<K> = Mutex<HashMap<K, Sym>>;

/// All files of a scan, linked.
pub struct Project {
    pub files: Vec<FileFacts>,
    index: Vec<FileIndex>,
    /// Dotted module suffix → (file, depth of the directory that would be on `sys.path`).
    modules: HashMap<String, Vec<(usize, usize)>>,
    /// Per language, calls that return their first argument.
    passthrough: HashMap<Language, Vec<Pattern>>,
    /// Per language, what its generic types hold (see [`TypeRules`]).
    type_rules: HashMap<Language, TypeRules>,
    /// tsconfig `paths` and `baseUrl` for bare JavaScript imports.
    aliases: ModuleAliases,
    /// What calls of each function give, once worked out (see [`Project::returned`]); the
    /// second map holds the answers for [`Project::resolve_as_written`].
    returns: [AnswerCache<(usize, usize)>; 2],
    /// What each untyped parameter is given by every call site, once worked out (two maps, as
    /// for `returns`).
    arguments: [AnswerCache<(usize, usize, usize)>; 2],
    /// Calls by the last name of their callee, built on first use.
    calls_by_name: OnceLock<HashMap<Name, Vec<(usize, usize)>>>,
    /// Handler tables by message name, built on first use (see [`Project::handlers_for`]).
    handler_tables: OnceLock<HashMap<Name, Vec<(usize, usize)>>>,
    /// What implements each interface of the tree, built on first use.
    implementations: OnceLock<HashMap<(usize, usize), Vec<Implementation>>>,
}

impl Project {
    /// Links `files`. `package_prefix` is the package the scan root sits in (see
    /// [`crate::lang::python_package_prefix`]); module names already carry it.
    pub fn new(
        files: Vec<FileFacts>,
        package_prefix: &str,
        aliases: ModuleAliases,
        catalog: &Catalog,
    ) -> Self {
        let index = files.par_iter().map(build_index).collect();
        let prefix_len = if package_prefix.is_empty() {
            0
        } else {
            package_prefix.split('.').count()
        };
        let modules = build_module_index(&files, prefix_len);
        let passthrough = Language::ALL
            .iter()
            .map(|&l| (l, catalog.language(l).passthrough.clone()))
            .collect();
        let type_rules = Language::ALL
            .iter()
            .map(|&l| {
                let c = catalog.language(l);
                let rules = TypeRules {
                    wrappers: c.wrapper_types.clone(),
                    collections: c.collection_types.clone(),
                    element_methods: c.element_methods.clone(),
                };
                (l, rules)
            })
            .collect();
        Project {
            files,
            index,
            modules,
            passthrough,
            type_rules,
            aliases,
            returns: Default::default(),
            arguments: Default::default(),
            calls_by_name: OnceLock::new(),
            handler_tables: OnceLock::new(),
            implementations: OnceLock::new(),
        }
    }

    /// The functions a message named `name` is handled by: the values under the key `name`
    /// in the tree's handler tables, dict literals that map two or more string keys to
    /// functions of the tree (`handlers = {"get_scene": self.get_scene, "run": self.run}`).
    /// A process that receives commands over a socket dispatches them through such a table.
    pub fn handlers_for(&self, name: &str) -> &[(usize, usize)] {
        self.handler_tables
            .get_or_init(|| self.index_handler_tables())
            .get(name)
            .map_or(&[], Vec::as_slice)
    }

    fn index_handler_tables(&self) -> HashMap<Name, Vec<(usize, usize)>> {
        let mut out: HashMap<Name, Vec<(usize, usize)>> = HashMap::default();
        for (f, facts) in self.files.iter().enumerate() {
            for assignment in &facts.assignments {
                let Expr::Dict(pairs) = &assignment.value else {
                    continue;
                };
                let at = assignment.span.start_byte;
                let entries: Vec<(Name, (usize, usize))> = pairs
                    .iter()
                    .filter_map(|(key, value)| {
                        let key = key.as_str()?;
                        match self.resolve(f, assignment.scope, value, at) {
                            Sym::Function { file, func } => Some((Name::from(key), (file, func))),
                            _ => None,
                        }
                    })
                    .collect();
                if entries.len() < 2 {
                    continue;
                }
                for (key, target) in entries {
                    let list = out.entry(key).or_default();
                    if !list.contains(&target) {
                        list.push(target);
                    }
                }
            }
        }
        out
    }

    /// Resolves `expr` as it appears in `file`, inside function `scope`, at byte `at`.
    pub fn resolve(&self, file: usize, scope: Option<usize>, expr: &Expr, at: usize) -> Sym {
        self.resolve_expr(file, scope, expr, at, 0)
    }

    /// Resolves `expr` like [`Project::resolve`], except that an import the importer's own
    /// source root does not hold stays the library path it names. A framework's source scanned
    /// beside its examples (`src/mcp/` next to `examples/`) is what those examples import when
    /// installed, but their registrations are written against the library's API:
    /// `from mcp.server.mcpserver import MCPServer` is `mcp.server.mcpserver.MCPServer` here.
    pub fn resolve_as_written(
        &self,
        file: usize,
        scope: Option<usize>,
        expr: &Expr,
        at: usize,
    ) -> Sym {
        AS_WRITTEN.with(|flag| {
            let before = flag.replace(true);
            let sym = self.resolve_expr(file, scope, expr, at, 0);
            flag.set(before);
            sym
        })
    }

    /// What `expr` refers to outside the scanned tree: as resolved, or else as written
    /// (see [`Project::resolve_as_written`]).
    pub fn resolve_api(
        &self,
        file: usize,
        scope: Option<usize>,
        expr: &Expr,
        at: usize,
    ) -> Option<ApiPath> {
        match self.resolve(file, scope, expr, at) {
            Sym::External(path) => Some(path),
            Sym::Unknown => None,
            _ => match self.resolve_as_written(file, scope, expr, at) {
                Sym::External(path) => Some(path),
                _ => None,
            },
        }
    }

    /// The distinct last names of the callees of `file`'s calls.
    pub fn calls_last_names(&self, file: usize) -> &HashSet<Name> {
        &self.index[file].call_last_names
    }

    /// The calls whose innermost function is `scope` (module level for `None`), in source order.
    pub fn calls_in(&self, file: usize, scope: Option<usize>) -> &[usize] {
        let index = &self.index[file];
        let slot = scope.unwrap_or(index.calls_by_scope.len().saturating_sub(1));
        index.calls_by_scope.get(slot).map_or(&[], Vec::as_slice)
    }

    /// The checks whose innermost function is `scope`, in source order.
    pub fn checks_in(&self, file: usize, scope: Option<usize>) -> &[usize] {
        let index = &self.index[file];
        let slot = scope.unwrap_or(index.checks_by_scope.len().saturating_sub(1));
        index.checks_by_scope.get(slot).map_or(&[], Vec::as_slice)
    }

    /// The value a name is bound to at byte `at` when one assignment binds it there
    /// (`mode = "w"` for `mode`).
    pub fn value_of(
        &self,
        file: usize,
        scope: Option<usize>,
        expr: &Expr,
        at: usize,
    ) -> Option<Expr> {
        let Expr::Name(name) = expr else { return None };
        let facts = &self.files[file];
        let index = &self.index[file];
        let bindings = scope
            .and_then(|f| index.locals.get(&(f, name.clone())))
            .or_else(|| index.globals.get(name))?;
        match pick(bindings, facts, at) {
            Binding::Assign(a) => Some(facts.assignments[a].value.clone()),
            _ => None,
        }
    }

    /// The assignment a name is bound by, following imports into other files:
    /// `mcp` in `@mcp.tool()` → `mcp = FastMCP("x")` in `server.py`.
    pub fn assignment_of(
        &self,
        file: usize,
        scope: Option<usize>,
        name: &str,
    ) -> Option<(usize, usize)> {
        let (mut file, mut scope, mut name) = (file, scope, Name::from(name));
        for _ in 0..MAX_DEPTH {
            let facts = &self.files[file];
            let index = &self.index[file];
            let mut bindings = None;
            let mut current = scope;
            while let Some(f) = current {
                if let Some(b) = index.locals.get(&(f, name.clone())) {
                    bindings = Some(b);
                    break;
                }
                current = facts.functions[f].parent;
            }
            let bindings = bindings.or_else(|| index.globals.get(&name))?;
            match pick(bindings, facts, usize::MAX) {
                Binding::Assign(a) => return Some((file, a)),
                Binding::Import(i) => {
                    let (module, imported) = facts.imports[i].target.rsplit_once('.')?;
                    file = self.find_module(file, module)?;
                    name = Name::from(imported);
                    scope = None;
                }
                _ => return None,
            }
        }
        None
    }

    /// Finds the repo module `dotted` would import from `file`, if it is in the scanned tree.
    pub fn find_module(&self, from_file: usize, dotted: &str) -> Option<usize> {
        let family = self.files[from_file].language.family();
        let Some(all) = self.modules.get(dotted) else {
            if family != Language::JavaScript || self.aliases.is_empty() {
                return None;
            }
            // `@/lib/db` through tsconfig `paths`.
            let importer = &self.files[from_file].path;
            return self
                .aliases
                .candidates(importer, dotted, as_written() == 0)
                .iter()
                .find_map(|key| self.modules.get(key.as_str())?.first().map(|(f, _)| *f));
        };
        let same_family: Vec<(usize, usize)>;
        let candidates = if all
            .iter()
            .all(|(f, _)| self.files[*f].language.family() == family)
        {
            all
        } else {
            same_family = all
                .iter()
                .copied()
                .filter(|(f, _)| self.files[*f].language.family() == family)
                .collect();
            &same_family
        };
        let from_dir: Vec<&str> = {
            let path = &self.files[from_file].path;
            let mut parts: Vec<&str> = path.split('/').collect();
            parts.pop();
            parts
        };
        let on_path = candidates
            .iter()
            .filter(|(file, root_depth)| {
                // The directory that would be on sys.path must contain the importer.
                let parts: Vec<&str> = self.files[*file].path.split('/').collect();
                *root_depth <= from_dir.len() && parts[..*root_depth] == from_dir[..*root_depth]
            })
            .max_by(|a, b| {
                a.1.cmp(&b.1)
                    .then_with(|| self.files[b.0].path.cmp(&self.files[a.0].path))
            })
            .map(|(file, _)| *file);
        if on_path.is_some() {
            return on_path;
        }
        // Several distributions side by side (`libs/community`, `libs/experimental`) are all
        // installed together: a dotted module found in exactly one place is that module
        // (unless resolving as written).
        if as_written() == 1 {
            return None;
        }
        let first = candidates.first()?.0;
        (dotted.contains('.') && candidates.iter().all(|(f, _)| *f == first)).then_some(first)
    }

    /// The string an expression evaluates to when that is known statically: a literal, a
    /// constant (`NAME = "x"`, imported or not), a class field (`self.name`), or the default of
    /// a pydantic `Field("x")`.
    pub fn literal_str(&self, file: usize, scope: Option<usize>, expr: &Expr) -> Option<String> {
        self.literal_str_at(file, scope, expr, 0)
    }

    fn literal_str_at(
        &self,
        file: usize,
        scope: Option<usize>,
        expr: &Expr,
        depth: usize,
    ) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match expr {
            Expr::Str(s) => Some(s.to_string()),
            Expr::Call(call) if call.callee.last_name() == Some("Field") => {
                let value = call.keyword("default").or_else(|| call.positional(0))?;
                self.literal_str_at(file, scope, value, depth + 1)
            }
            Expr::Name(name) => {
                let facts = &self.files[file];
                let index = &self.index[file];
                let mut current = scope;
                while let Some(f) = current {
                    if let Some(bindings) = index.locals.get(&(f, name.clone())) {
                        return self.binding_literal(file, Some(f), bindings, depth);
                    }
                    current = facts.functions[f].parent;
                }
                if let Some(bindings) = index.globals.get(name) {
                    return self.binding_literal(file, None, bindings, depth);
                }
                None
            }
            // An enum member's `.value` is the member's literal (`Tools.RUN.value`).
            Expr::Attr(base, attr)
                if attr.as_str() == "value"
                    && let Some(text) = self.literal_str_at(file, scope, base, depth + 1) =>
            {
                Some(text)
            }
            Expr::Attr(base, attr) => {
                // A key of a constant object (`TOOLS.kv_list` with `const TOOLS = { kv_list: 'x' }`).
                if let Expr::Name(name) = base.as_ref()
                    && let Some((f, s, Expr::Dict(pairs))) =
                        self.bound_value(file, scope, name, depth + 1)
                {
                    let value = pairs.iter().find_map(|(k, v)| match k {
                        Expr::Str(k) if k == attr => Some(v),
                        _ => None,
                    })?;
                    return self.literal_str_at(f, s, value, depth + 1);
                }
                let holder = match self.resolve_expr(file, scope, base, usize::MAX, depth + 1) {
                    Sym::Instance { file, class } | Sym::Class { file, class } => (file, class),
                    Sym::Module(m) => {
                        return self.literal_str_at(m, None, &Expr::Name(attr.clone()), depth + 1);
                    }
                    _ => return None,
                };
                self.mro(holder.0, holder.1).into_iter().find_map(|(f, c)| {
                    let field = self.files[f].classes[c]
                        .fields
                        .iter()
                        .find(|x| x.name == attr)?;
                    self.literal_str_at(f, None, field.value.as_ref()?, depth + 1)
                })
            }
            _ => None,
        }
    }

    /// The expression a name is first bound to, followed through imports: the file and scope
    /// it is written in, and the value.
    fn bound_value(
        &self,
        file: usize,
        scope: Option<usize>,
        name: &Name,
        depth: usize,
    ) -> Option<(usize, Option<usize>, Expr)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let facts = &self.files[file];
        let index = &self.index[file];
        let mut current = scope;
        let mut found = None;
        while let Some(f) = current {
            if let Some(bindings) = index.locals.get(&(f, name.clone())) {
                found = Some((Some(f), bindings));
                break;
            }
            current = facts.functions[f].parent;
        }
        let (scope, bindings) = match found {
            Some(found) => found,
            None => (None, index.globals.get(name)?),
        };
        match *bindings.first()? {
            Binding::Assign(a) => Some((file, scope, facts.assignments[a].value.clone())),
            Binding::Import(i) => {
                let (module, name) = facts.imports[i].target.rsplit_once('.')?;
                let module = self.find_module(file, module)?;
                self.bound_value(module, None, &Name::from(name), depth + 1)
            }
            _ => None,
        }
    }

    fn binding_literal(
        &self,
        file: usize,
        scope: Option<usize>,
        bindings: &[Binding],
        depth: usize,
    ) -> Option<String> {
        match *bindings.first()? {
            Binding::Assign(a) => {
                let value = &self.files[file].assignments[a].value;
                self.literal_str_at(file, scope, value, depth + 1)
            }
            Binding::Import(i) => {
                let target = &self.files[file].imports[i].target;
                let (module, name) = target.rsplit_once('.')?;
                let module = self.find_module(file, module)?;
                self.literal_str_at(module, None, &Expr::Name(name.into()), depth + 1)
            }
            _ => None,
        }
    }

    fn resolve_expr(
        &self,
        file: usize,
        scope: Option<usize>,
        expr: &Expr,
        at: usize,
        depth: usize,
    ) -> Sym {
        if depth > MAX_DEPTH {
            return Sym::Unknown;
        }
        let d = depth + 1;
        match expr {
            Expr::Name(name) => self.resolve_name(file, scope, name, at, d),
            Expr::This => self.this(file, scope),
            // `super().method`: the method of the first base class that has it.
            Expr::Attr(base, attr) if is_super_call(base) => match self.this(file, scope) {
                Sym::Instance { file, class } => self
                    .mro(file, class)
                    .into_iter()
                    .skip(1)
                    .find_map(|(f, c)| {
                        let func = *self.index[f].methods.get(&(c, attr.clone()))?;
                        Some(Sym::Function { file: f, func })
                    })
                    .unwrap_or(Sym::Unknown),
                _ => Sym::Unknown,
            },
            // `env.AI` with `env: { AI: Ai }`: the type the inline object type gives it.
            Expr::Attr(base, attr)
                if let Expr::Name(name) = &**base
                    && let Some(ty @ Expr::Dict(_)) = self.param_annotation(file, scope, name)
                    && let Some(typed) = self.property_type(file, scope, ty, attr, d) =>
            {
                typed
            }
            Expr::Attr(base, attr) => {
                let base = self.resolve_expr(file, scope, base, at, d);
                // Compiled ES modules reach a package's default export as `x_1.default`; for
                // a package outside the tree that is the package itself.
                if attr == "default"
                    && matches!(base, Sym::External(_))
                    && self.files[file].language.family() == Language::JavaScript
                {
                    return base;
                }
                self.member(base, attr, d)
            }
            // An inline function the front end lists as a function of its own (JavaScript
            // arrow functions); Python lambdas are not listed and stay unresolved.
            Expr::Lambda(span) => self.index[file]
                .function_at
                .get(&span.start_byte)
                .map_or(Sym::Unknown, |&func| Sym::Function { file, func }),
            // `handlers.find(...)`: one of the collection's elements.
            Expr::Call(call)
                if let Expr::Attr(base, method) = &call.callee
                    && self
                        .type_rules(file)
                        .is_some_and(|r| r.element_methods.iter().any(|m| m == method))
                    && let Some(element) = self.element_of(file, scope, base, d) =>
            {
                element
            }
            Expr::Call(call) => match self.resolve_expr(file, scope, &call.callee, at, d) {
                Sym::Class { file, class } => Sym::Instance { file, class },
                // The receiver called: a class method building its own class (`cls(...)`).
                Sym::Instance { file, class } if call.callee == Expr::This => {
                    Sym::Instance { file, class }
                }
                Sym::Function { file, func } => self.returned(file, func, d),
                Sym::External(path) if self.is_passthrough(file, &path) => match call.positional(0)
                {
                    Some(inner) => self.resolve_expr(file, scope, inner, at, d),
                    None => Sym::Unknown,
                },
                Sym::External(path) => {
                    let first = call
                        .positional(0)
                        .and_then(Expr::as_str)
                        .and_then(short_arg);
                    Sym::External(path.with(Step::Call(first)))
                }
                _ => Sym::Unknown,
            },
            // `handlers[0]`: one of the collection's elements.
            Expr::Subscript(base, index)
                if matches!(index.as_slice(), [Expr::Num(_)])
                    && let Some(element) = self.element_of(file, scope, base, d) =>
            {
                element
            }
            Expr::Subscript(base, _) => match self.resolve_expr(file, scope, base, at, d) {
                // A class given type parameters is the class (`MCPServer[State]("x")`).
                class @ Sym::Class { .. } => class,
                Sym::External(path) if path.last_name().is_some_and(is_class_name) => {
                    Sym::External(path)
                }
                Sym::External(path) => Sym::External(path.with(Step::Index)),
                _ => Sym::Unknown,
            },
            _ => Sym::Unknown,
        }
    }

    /// What a call of a function in the tree gives: its declared return type, else the first
    /// `return` whose value resolves.
    fn returned(&self, file: usize, func: usize, depth: usize) -> Sym {
        if depth > MAX_DEPTH {
            return Sym::Unknown;
        }
        let lock = || {
            self.returns[as_written()]
                .lock()
                .unwrap_or_else(|e| e.into_inner())
        };
        if let Some(known) = lock().get(&(file, func)) {
            return known.clone();
        }
        // A function whose return is being worked out gives nothing to itself (recursion).
        lock().insert((file, func), Sym::Unknown);
        let sym = self.returned_uncached(file, func, depth);
        lock().insert((file, func), sym.clone());
        sym
    }

    fn returned_uncached(&self, file: usize, func: usize, depth: usize) -> Sym {
        let facts = &self.files[file];
        if let Some(annotation) = facts.functions[func]
            .returns
            .as_ref()
            .filter(|a| !is_any(a))
        {
            let typed = self.instance_of(file, Some(func), annotation, depth + 1);
            if typed != Sym::Unknown {
                return typed;
            }
        }
        facts
            .returns
            .iter()
            .filter(|r| r.scope == Some(func))
            .map(|r| self.resolve_expr(file, Some(func), &r.value, r.span.start_byte, depth + 1))
            .find(|sym| *sym != Sym::Unknown)
            .unwrap_or(Sym::Unknown)
    }

    /// What an untyped parameter holds when every call site that resolves passes the same
    /// thing (`runQuery(pool, sql)` with `pool = mysql.createPool()`); otherwise unknown.
    fn argument(&self, file: usize, func: usize, param: usize, depth: usize) -> Sym {
        if depth > MAX_DEPTH {
            return Sym::Unknown;
        }
        let lock = || {
            self.arguments[as_written()]
                .lock()
                .unwrap_or_else(|e| e.into_inner())
        };
        let key = (file, func, param);
        if let Some(known) = lock().get(&key) {
            return known.clone();
        }
        lock().insert(key, Sym::Unknown);
        let sym = self.argument_uncached(file, func, param, depth);
        lock().insert(key, sym.clone());
        sym
    }

    fn argument_uncached(&self, file: usize, func: usize, param: usize, depth: usize) -> Sym {
        /// A name called from more places than this is too common to be worth it.
        const MAX_CALL_SITES: usize = 64;
        let function = &self.files[file].functions[func];
        let Some(position) = param.checked_sub(usize::from(function.takes_receiver())) else {
            return Sym::Unknown;
        };
        let param_name = &function.params[param].name;
        let by_name = self
            .calls_by_name
            .get_or_init(|| self.index_calls_by_name());
        let Some(sites) = by_name.get(function.name.as_str()) else {
            return Sym::Unknown;
        };
        if sites.len() > MAX_CALL_SITES {
            return Sym::Unknown;
        }
        // Call sites that disagree are not guessed at.
        agreed(sites.iter().map(|&(f, c)| {
            let call = &self.files[f].calls[c];
            let at = call.span.start_byte;
            let target = self.resolve_expr(f, call.scope, &call.call.callee, at, depth + 1);
            if target != (Sym::Function { file, func }) {
                return Sym::Unknown;
            }
            match call
                .call
                .keyword(param_name)
                .or_else(|| call.call.positional(position))
            {
                Some(arg) => self.resolve_expr(f, call.scope, arg, at, depth + 1),
                None => Sym::Unknown,
            }
        }))
    }

    /// Takes what the framework passes a handler's untyped parameter as known: `param` of
    /// `func` (counted with the receiver, as in [`crate::facts::Function::params`]) is `sym`.
    pub fn assume_argument(&self, file: usize, func: usize, param: usize, sym: Sym) {
        for cache in &self.arguments {
            cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert((file, func, param), sym.clone());
        }
    }

    fn index_calls_by_name(&self) -> HashMap<Name, Vec<(usize, usize)>> {
        let mut out: HashMap<Name, Vec<(usize, usize)>> = HashMap::default();
        for (f, facts) in self.files.iter().enumerate() {
            for (c, call) in facts.calls.iter().enumerate() {
                if let Some(name) = call.call.callee.last_name() {
                    out.entry(Name::from(name)).or_default().push((f, c));
                }
            }
        }
        out
    }

    /// The declared type of parameter `name` as seen from `scope`, unless a local shadows it.
    fn param_annotation(&self, file: usize, scope: Option<usize>, name: &str) -> Option<&Expr> {
        let facts = &self.files[file];
        let mut current = scope;
        while let Some(f) = current {
            if self.index[file].locals.contains_key(&(f, Name::from(name))) {
                return None;
            }
            if let Some(param) = facts.functions[f].params.iter().find(|p| p.name == name) {
                return param.annotation.as_ref();
            }
            current = facts.functions[f].parent;
        }
        None
    }

    fn type_rules(&self, file: usize) -> Option<&TypeRules> {
        self.type_rules.get(&self.files[file].language)
    }

    fn is_wrapper_type(&self, file: usize, ty: &Expr) -> bool {
        let Some(name) = ty.last_name() else {
            return false;
        };
        self.type_rules(file)
            .is_some_and(|rules| rules.wrappers.iter().any(|n| n == name))
    }

    fn is_passthrough(&self, file: usize, path: &ApiPath) -> bool {
        self.passthrough
            .get(&self.files[file].language)
            .is_some_and(|patterns| patterns.iter().any(|p| p.matches(path)))
    }

    fn this(&self, file: usize, scope: Option<usize>) -> Sym {
        let functions = &self.files[file].functions;
        let mut current = scope;
        while let Some(f) = current {
            if let Some(class) = functions[f].class {
                return Sym::Instance { file, class };
            }
            current = functions[f].parent;
        }
        Sym::Unknown
    }

    fn resolve_name(
        &self,
        file: usize,
        scope: Option<usize>,
        name: &str,
        at: usize,
        depth: usize,
    ) -> Sym {
        let facts = &self.files[file];
        let index = &self.index[file];
        let key = Name::from(name);
        let mut current = scope;
        while let Some(f) = current {
            // A local bound only later (`const files = ...` in a later `case` block) does not
            // shadow the outer name yet.
            if let Some(bindings) = index.locals.get(&(f, key.clone()))
                && bindings.iter().any(|b| binding_start(b, facts) < at)
            {
                return self.binding(file, Some(f), pick(bindings, facts, at), depth);
            }
            if let Some(index) = facts.functions[f]
                .params
                .iter()
                .position(|p| p.name == name)
            {
                return match &facts.functions[f].params[index].annotation {
                    Some(annotation) => self.instance_of(file, scope, annotation, depth),
                    None => self.argument(file, f, index, depth),
                };
            }
            current = facts.functions[f].parent;
        }
        if let Some(sym) = self.global(file, name, depth) {
            return sym;
        }
        Sym::External(ApiPath(vec![Step::Name(name.to_string())]))
    }

    /// A module-level name of `file`, if the module binds it.
    fn global(&self, file: usize, name: &str, depth: usize) -> Option<Sym> {
        if depth > MAX_DEPTH {
            return Some(Sym::Unknown);
        }
        let index = &self.index[file];
        if let Some(bindings) = index.globals.get(name) {
            let facts = &self.files[file];
            return Some(self.binding(file, None, pick(bindings, facts, usize::MAX), depth + 1));
        }
        if let Some(&class) = index.types.get(name) {
            return Some(Sym::Class { file, class });
        }
        for star in &index.star_imports {
            if let Some(module) = self.find_module(file, star)
                && module != file
                && let Some(sym) = self.global(module, name, depth + 1)
            {
                return Some(sym);
            }
        }
        None
    }

    fn binding(&self, file: usize, scope: Option<usize>, binding: Binding, depth: usize) -> Sym {
        let facts = &self.files[file];
        match binding {
            Binding::Function(func) => Sym::Function { file, func },
            Binding::Class(class) => Sym::Class { file, class },
            Binding::Assign(a) => {
                let assignment = &facts.assignments[a];
                if let Some(annotation) = &assignment.annotation {
                    let typed = self.instance_of(file, scope, annotation, depth);
                    if typed != Sym::Unknown {
                        return typed;
                    }
                }
                self.resolve_expr(
                    file,
                    scope,
                    &assignment.value,
                    assignment.span.start_byte,
                    depth,
                )
            }
            Binding::Import(i) => self.resolve_dotted(file, &facts.imports[i].target, depth),
        }
    }

    /// Resolves an absolute dotted path as imported from `file`.
    pub fn resolve_dotted_from(&self, file: usize, dotted: &str) -> Sym {
        self.resolve_dotted(file, dotted, 0)
    }

    fn resolve_dotted(&self, file: usize, dotted: &str, depth: usize) -> Sym {
        if depth > MAX_DEPTH {
            return Sym::Unknown;
        }
        let parts: Vec<&str> = dotted.split('.').collect();
        for k in (1..=parts.len()).rev() {
            let prefix = parts[..k].join(".");
            if let Some(module) = self.find_module(file, &prefix) {
                let mut sym = Sym::Module(module);
                for part in &parts[k..] {
                    sym = self.member(sym, part, depth + 1);
                }
                return sym;
            }
        }
        Sym::External(ApiPath::from_dotted(dotted))
    }

    /// `base.name`
    pub fn member(&self, base: Sym, name: &str, depth: usize) -> Sym {
        if depth > MAX_DEPTH {
            return Sym::Unknown;
        }
        match base {
            Sym::Module(file) => {
                if let Some(sym) = self.global(file, name, depth) {
                    return sym;
                }
                let module = &self.files[file].module;
                let sub = if module.is_empty() {
                    name.to_string()
                } else {
                    format!("{module}.{name}")
                };
                match self.find_module(file, &sub) {
                    Some(m) => Sym::Module(m),
                    None => Sym::Unknown,
                }
            }
            Sym::Class { file, class } => self.class_member(file, class, name, false, depth),
            // A value typed by an interface is what implements it; the type of the property
            // says less.
            Sym::Instance { file, class } if self.files[file].classes[class].interface => {
                match self.implemented_member(file, class, name, depth + 1) {
                    Sym::Unknown => self.class_member(file, class, name, true, depth),
                    sym => sym,
                }
            }
            Sym::Instance { file, class } => self.class_member(file, class, name, true, depth),
            Sym::External(path) => Sym::External(path.with(Step::Name(name.to_string()))),
            Sym::Function { .. } | Sym::Unknown => Sym::Unknown,
        }
    }

    fn class_member(
        &self,
        file: usize,
        class: usize,
        name: &str,
        instance: bool,
        depth: usize,
    ) -> Sym {
        for (f, c) in self.mro(file, class) {
            let index = &self.index[f];
            if let Some(&func) = index.methods.get(&(c, Name::from(name))) {
                return Sym::Function { file: f, func };
            }
            let facts = &self.files[f];
            if let Some(field) = facts.classes[c].fields.iter().find(|x| x.name == name) {
                let typed = field.annotation.as_ref().filter(|a| !is_any(a));
                match (typed, &field.value) {
                    (Some(annotation), _) if instance => {
                        return self.instance_of(f, None, annotation, depth + 1);
                    }
                    (_, Some(value)) => {
                        let value = field_default(value);
                        return self.resolve_expr(f, None, &value, 0, depth + 1);
                    }
                    // A bare declaration (`kc;` in a JavaScript class) is set in a method.
                    _ => {}
                }
            }
            // `self.sock = None` in `__init__`, `self.sock = socket.socket()` in `connect`: the
            // first assignment that says what the attribute holds.
            if instance && let Some(assignments) = index.self_attrs.get(&(c, Name::from(name))) {
                let mut found = Sym::Unknown;
                for &a in assignments {
                    let a = &facts.assignments[a];
                    if a.value == Expr::Null {
                        continue;
                    }
                    found = self.resolve_expr(f, a.scope, &a.value, a.span.start_byte, depth + 1);
                    if found != Sym::Unknown {
                        break;
                    }
                }
                return found;
            }
        }
        // Not defined in the tree: an attribute the library base class gives its instances
        // (`this.ctx` of a class extending `DurableObject`).
        if instance && let Some(base) = self.external_bases(file, class).into_iter().next() {
            return Sym::External(
                base.with(Step::Call(None))
                    .with(Step::Name(name.to_string())),
            );
        }
        Sym::Unknown
    }

    /// The method of a class or its ancestors that the language runs implicitly in `role` (the
    /// constructor when an instance is built, the call method when one is called).
    pub fn method_with_role(
        &self,
        file: usize,
        class: usize,
        role: Role,
    ) -> Option<(usize, usize)> {
        self.mro(file, class).into_iter().find_map(|(f, c)| {
            let facts = &self.files[f];
            let func = facts
                .functions
                .iter()
                .position(|m| m.class == Some(c) && m.role == role)?;
            Some((f, func))
        })
    }

    /// The class and its ancestors in the scanned tree, nearest first (depth-first, no repeats).
    pub fn mro(&self, file: usize, class: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut seen = HashSet::default();
        let mut stack = vec![(file, class)];
        while let Some((f, c)) = stack.pop() {
            if !seen.insert((f, c)) || out.len() > 64 {
                continue;
            }
            out.push((f, c));
            let bases = &self.files[f].classes[c].bases;
            for base in bases.iter().rev() {
                if let Sym::Class { file, class } =
                    self.resolve_expr(f, None, base, self.files[f].classes[c].span.start_byte, 0)
                {
                    stack.push((file, class));
                }
            }
        }
        out
    }

    /// The external bases of a class and its repo ancestors (`langchain_core.tools.BaseTool`).
    pub fn external_bases(&self, file: usize, class: usize) -> Vec<ApiPath> {
        let mut out = Vec::new();
        for (f, c) in self.mro(file, class) {
            let start = self.files[f].classes[c].span.start_byte;
            for base in &self.files[f].classes[c].bases {
                if let Some(path) = self.resolve_api(f, None, base, start) {
                    out.push(path);
                }
            }
        }
        out
    }

    /// The value a type annotation describes: `Path` → an instance of `pathlib.Path`.
    fn instance_of(&self, file: usize, scope: Option<usize>, ty: &Expr, depth: usize) -> Sym {
        let ty = match ty {
            // Forward references: `"Database"`.
            Expr::Str(s) if is_dotted_identifier(s) => dotted_expr(s),
            // `Optional[Database]`, `Promise<Database>`: the wrapped type.
            Expr::Subscript(base, index) if self.is_wrapper_type(file, base) => {
                return match index.first() {
                    Some(inner) => self.instance_of(file, scope, inner, depth + 1),
                    None => Sym::Unknown,
                };
            }
            // An indexed access type (`Options["db"]`, as destructuring `{ db }: Options`
            // reads it): the type of that property, of an inline object type or of a type in
            // the tree.
            Expr::Subscript(base, index)
                if let [Expr::Str(key)] = index.as_slice()
                    && let Some(typed) = self.property_type(file, scope, base, key, depth + 1) =>
            {
                return typed;
            }
            // A generic class (`ServerRequestContext[Any]`, `Session[Row]`) is that class;
            // unions, literals and types of types describe no one class.
            Expr::Subscript(base, _) => match base.last_name() {
                Some(
                    "Union" | "Literal" | "type" | "Type" | "Callable" | "ClassVar" | "Final"
                    | "Required" | "NotRequired",
                )
                | None => return Sym::Unknown,
                Some(_) => return self.instance_of(file, scope, base, depth + 1),
            },
            other => other.clone(),
        };
        match self.resolve_expr(file, scope, &ty, 0, depth + 1) {
            Sym::Class { file, class } => Sym::Instance { file, class },
            Sym::External(path) => Sym::External(path.with(Step::Call(None))),
            _ => Sym::Unknown,
        }
    }
}

impl Project {
    /// The value property `key` of type `ty` holds, when the type says: an inline object type
    /// (`{ db: Database }`) or a class or interface in the tree with a typed field `key`.
    fn property_type(
        &self,
        file: usize,
        scope: Option<usize>,
        ty: &Expr,
        key: &str,
        depth: usize,
    ) -> Option<Sym> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Expr::Dict(pairs) = ty {
            let (_, field) = pairs.iter().find(|(k, _)| k.as_str() == Some(key))?;
            return Some(self.instance_of(file, scope, field, depth + 1));
        }
        let Sym::Class { file, class } = self.resolve_expr(file, scope, ty, 0, depth + 1) else {
            return None;
        };
        self.mro(file, class).into_iter().find_map(|(f, c)| {
            let field = self.files[f].classes[c]
                .fields
                .iter()
                .find(|x| x.name == key)?;
            let annotation = field.annotation.as_ref()?;
            Some(self.instance_of(f, None, annotation, depth + 1))
        })
    }
}

/// What a pydantic `Field(...)` holds by default: `default=x` is `x`, `default_factory=f` is
/// `f()`. Any other value is itself.
/// The one symbol the known answers agree on: unknown when none is known or two differ.
fn agreed(answers: impl IntoIterator<Item = Sym>) -> Sym {
    let mut found: Option<Sym> = None;
    for sym in answers {
        match (&found, sym) {
            (_, Sym::Unknown) => {}
            (None, sym) => found = Some(sym),
            (Some(previous), sym) if *previous == sym => {}
            (Some(_), _) => return Sym::Unknown,
        }
    }
    found.unwrap_or(Sym::Unknown)
}

fn field_default(value: &Expr) -> Expr {
    if let Expr::Call(call) = value
        && call.callee.last_name() == Some("Field")
    {
        if let Some(factory) = call.keyword("default_factory") {
            return Expr::Call(std::sync::Arc::new(crate::facts::CallExpr {
                callee: factory.clone(),
                args: Vec::new(),
            }));
        }
        if let Some(default) = call.keyword("default").or_else(|| call.positional(0)) {
            return default.clone();
        }
    }
    value.clone()
}

/// `Any` and `object` say nothing about a value.
/// A name written like a class (`MCPServer`, `Agent`), not a constant (`TOOLS`) or a value.
fn is_class_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().any(|c| c.is_ascii_lowercase())
}

fn is_any(annotation: &Expr) -> bool {
    matches!(annotation.last_name(), Some("Any" | "object")) && !matches!(annotation, Expr::Call(_))
}

fn is_super_call(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call) if call.callee == Expr::Name("super".into()))
}

/// Where a binding starts in the file, for ordering.
fn binding_start(binding: &Binding, facts: &FileFacts) -> usize {
    match *binding {
        Binding::Function(f) => facts.functions[f].span.start_byte,
        Binding::Class(c) => facts.classes[c].span.start_byte,
        Binding::Assign(a) => facts.assignments[a].span.start_byte,
        // Imports carry lines only; they come first in practice.
        Binding::Import(_) => 0,
    }
}

/// The binding in force at byte `at`: the last one before it, else the first. A name bound
/// to `None` and to something else (`_client = None` at module level, `_client = Client()` in
/// the function that sets it up) holds that something: `None` says nothing about what it is.
fn pick(bindings: &[Binding], facts: &FileFacts, at: usize) -> Binding {
    let start = |b: &Binding| binding_start(b, facts);
    let is_none =
        |b: &Binding| matches!(*b, Binding::Assign(a) if facts.assignments[a].value == Expr::Null);
    let in_force = bindings
        .iter()
        .rev()
        .find(|b| start(b) < at)
        .or_else(|| bindings.first())
        .copied()
        .expect("bindings are never empty");
    if !is_none(&in_force) {
        return in_force;
    }
    bindings
        .iter()
        .rev()
        .find(|b| start(b) < at && !is_none(b))
        .or_else(|| bindings.iter().find(|b| !is_none(b)))
        .copied()
        .unwrap_or(in_force)
}

/// The first argument of a call is kept in the path when it names something (`"s3"`,
/// `"dynamodb"`, a file); long texts such as SQL only add noise.
fn short_arg(s: &str) -> Option<String> {
    (s.len() <= 40 && !s.is_empty() && !s.contains(char::is_whitespace)).then(|| s.to_string())
}

fn is_dotted_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !part.starts_with(|c: char| c.is_ascii_digit())
        })
}

fn dotted_expr(s: &str) -> Expr {
    let mut parts = s.split('.');
    let mut expr = Expr::Name(parts.next().unwrap_or_default().into());
    for part in parts {
        expr = Expr::Attr(Box::new(expr), part.into());
    }
    expr
}

fn build_index(facts: &FileFacts) -> FileIndex {
    let mut index = FileIndex::default();
    for (i, import) in facts.imports.iter().enumerate() {
        if import.local == "*" {
            index.star_imports.push(import.target.clone());
        } else {
            index
                .globals
                .entry(Name::from(import.local.as_str()))
                .or_default()
                .push(Binding::Import(i));
        }
    }
    for (i, function) in facts.functions.iter().enumerate() {
        index.function_at.insert(function.span.start_byte, i);
        // Inline functions without a name of their own (`tool({ execute: () => ... })` is
        // `weatherTool.execute`) bind no name.
        if function.name == ANONYMOUS
            || function.name.contains('(')
            || (function.class.is_none()
                && function.parent.is_none()
                && function.qualname.contains('.'))
        {
            continue;
        }
        match (function.class, function.parent) {
            (Some(class), _) => {
                index
                    .methods
                    .insert((class, Name::from(function.name.as_str())), i);
            }
            (None, Some(parent)) => index
                .locals
                .entry((parent, Name::from(function.name.as_str())))
                .or_default()
                .push(Binding::Function(i)),
            (None, None) => index
                .globals
                .entry(Name::from(function.name.as_str()))
                .or_default()
                .push(Binding::Function(i)),
        }
    }
    for (i, class) in facts.classes.iter().enumerate() {
        if class.interface {
            index
                .types
                .entry(Name::from(class.name.as_str()))
                .or_insert(i);
            continue;
        }
        // Only top-level classes are module bindings; nested ones are rare and skipped.
        if !class.qualname.contains('.') {
            index
                .globals
                .entry(Name::from(class.name.as_str()))
                .or_default()
                .push(Binding::Class(i));
        }
    }
    for (i, assignment) in facts.assignments.iter().enumerate() {
        match (&assignment.target, assignment.scope) {
            // `module.exports = { server }` re-binds `server` to itself: nothing new.
            (Expr::Name(name), _) if assignment.value == Expr::Name(name.clone()) => {}
            (Expr::Name(name), None) => index
                .globals
                .entry(name.clone())
                .or_default()
                .push(Binding::Assign(i)),
            (Expr::Name(name), Some(scope)) => index
                .locals
                .entry((scope, name.clone()))
                .or_default()
                .push(Binding::Assign(i)),
            (Expr::Attr(base, attr), Some(scope)) if **base == Expr::This => {
                if let Some(class) = facts.functions[scope].class {
                    index
                        .self_attrs
                        .entry((class, attr.clone()))
                        .or_default()
                        .push(i);
                }
            }
            _ => {}
        }
    }
    let slots = facts.functions.len() + 1;
    index.calls_by_scope = vec![Vec::new(); slots];
    for (i, call) in facts.calls.iter().enumerate() {
        index.calls_by_scope[call.scope.unwrap_or(slots - 1)].push(i);
        if let Some(last) = call.call.callee.last_name()
            && !index.call_last_names.contains(last)
        {
            index.call_last_names.insert(Name::from(last));
        }
    }
    index.checks_by_scope = vec![Vec::new(); slots];
    for (i, check) in facts.checks.iter().enumerate() {
        index.checks_by_scope[check.scope.unwrap_or(slots - 1)].push(i);
    }
    // Source order within each binding list.
    let start = |b: &Binding| binding_start(b, facts);
    for list in index.globals.values_mut().chain(index.locals.values_mut()) {
        list.sort_by_key(start);
    }
    index
}

/// Every dotted suffix of every module, with the depth of the directory it is relative to.
/// A suffix only counts when that directory is not itself a package (has no `__init__.py`):
/// that is where Python would find the module on `sys.path`. Module names start with the
/// `prefix_len` names of the packages around the scan root, which lie outside the tree.
fn build_module_index(
    files: &[FileFacts],
    prefix_len: usize,
) -> HashMap<String, Vec<(usize, usize)>> {
    let packages: HashSet<&str> = files
        .iter()
        .filter_map(|f| {
            f.path
                .strip_suffix("/__init__.py")
                .or_else(|| f.path.strip_suffix("/__init__.pyi"))
        })
        .collect();
    let mut modules: HashMap<String, Vec<(usize, usize)>> = HashMap::default();
    for (i, file) in files.iter().enumerate() {
        if file.module.is_empty() {
            continue;
        }
        if file.language.family() == Language::JavaScript {
            // JavaScript modules are imported by path from the root (the front end resolves
            // relative specifiers); `dir/index` is also `dir`.
            modules.entry(file.module.clone()).or_default().push((i, 0));
            if let Some(dir) = file.module.strip_suffix("/index") {
                modules.entry(dir.to_string()).or_default().push((i, 0));
            }
            continue;
        }
        let parts: Vec<&str> = file.module.split('.').collect();
        let dirs: Vec<&str> = file.path.split('/').collect();
        for start in 0..parts.len() {
            let valid = if start < prefix_len || (start == prefix_len && prefix_len > 0) {
                // Inside the packages around the root, only the full name is importable.
                start == 0
            } else {
                let depth = start - prefix_len;
                // A folder with a dot in its name (`fixtures/rules/python/py.effect.x/`) makes
                // more parts than folders; such a name is not importable past it.
                depth == 0
                    || dirs
                        .get(..depth)
                        .is_some_and(|d| !packages.contains(d.join("/").as_str()))
            };
            if valid {
                modules
                    .entry(parts[start..].join("."))
                    .or_default()
                    .push((i, start.saturating_sub(prefix_len)));
            }
        }
    }
    modules
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::python;

    fn project(files: &[(&str, &str)]) -> Project {
        Project::new(
            files.iter().map(|(p, s)| python::parse(p, s, "")).collect(),
            "",
            ModuleAliases::default(),
            &Catalog::builtin(),
        )
    }

    fn resolve_call(project: &Project, file: usize, n: usize) -> Sym {
        let call = &project.files[file].calls[n];
        project.resolve(file, call.scope, &call.call.callee, call.span.start_byte)
    }

    fn ext(s: &str) -> String {
        s.to_string()
    }

    #[test]
    fn aliases_and_locals() {
        let p = project(&[(
            "a.py",
            "import requests as r\nfrom subprocess import run as sh\nimport boto3\ndef f():\n    r.post('x')\n    sh('ls')\n    s3 = boto3.client('s3')\n    s3.delete_object(Bucket='b')\n",
        )]);
        let rendered: Vec<String> = (0..p.files[0].calls.len())
            .map(|i| match resolve_call(&p, 0, i) {
                Sym::External(path) => path.to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            rendered,
            vec![
                ext("requests.post"),
                ext("subprocess.run"),
                ext("boto3.client"),
                ext("boto3.client(s3).delete_object")
            ]
        );
    }

    #[test]
    fn imports_across_files_and_packages() {
        let p = project(&[
            ("pkg/__init__.py", "from .helpers import wipe\n"),
            (
                "pkg/helpers.py",
                "import shutil\ndef wipe(p):\n    shutil.rmtree(p)\n",
            ),
            (
                "app.py",
                "from pkg import wipe\ndef tool():\n    wipe('/')\n",
            ),
        ]);
        assert_eq!(resolve_call(&p, 2, 0), Sym::Function { file: 1, func: 0 });
    }

    #[test]
    fn untyped_parameters_take_what_every_caller_passes() {
        let p = project(&[(
            "a.py",
            "import sqlite3\nimport redis\ndb = sqlite3.connect('x')\ncache = redis.Redis()\n\
             def run(conn, sql):\n    conn.execute(sql)\n\
             def mixed(client):\n    client.delete('k')\n\
             def a():\n    run(db, 'SELECT 1')\n    mixed(db)\n\
             def b():\n    run(conn=db, sql='DELETE FROM t')\n    mixed(cache)\n",
        )]);
        let callee = |text: &str| {
            let n = p.files[0]
                .calls
                .iter()
                .position(|c| c.callee_text == text)
                .unwrap();
            match resolve_call(&p, 0, n) {
                Sym::External(path) => path.to_string(),
                other => format!("{other:?}"),
            }
        };
        // Both callers pass the same connection, by position and by keyword.
        assert_eq!(callee("conn.execute"), "sqlite3.connect(x).execute");
        // The callers disagree: not guessed at.
        assert_eq!(callee("client.delete"), "Unknown");
    }

    #[test]
    fn self_attributes_and_annotations() {
        let p = project(&[(
            "a.py",
            "import sqlite3\nfrom pathlib import Path\nclass T:\n    def __init__(self):\n        self.db = sqlite3.connect('x')\n    def run(self, p: Path):\n        self.db.execute('DELETE FROM t')\n        p.unlink()\n",
        )]);
        let calls: Vec<String> = (0..p.files[0].calls.len())
            .map(|i| match resolve_call(&p, 0, i) {
                Sym::External(path) => path.to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            calls,
            vec![
                ext("sqlite3.connect"),
                ext("sqlite3.connect(x).execute"),
                ext("pathlib.Path().unlink")
            ]
        );
    }

    #[test]
    fn a_package_sibling_does_not_shadow_a_library() {
        let p = project(&[
            ("pkg/__init__.py", ""),
            ("pkg/requests.py", "def post():\n    pass\n"),
            (
                "pkg/tool.py",
                "import requests\ndef t():\n    requests.post('u')\n",
            ),
        ]);
        assert_eq!(
            resolve_call(&p, 2, 0),
            Sym::External(ApiPath::from_dotted("requests.post"))
        );
    }
}

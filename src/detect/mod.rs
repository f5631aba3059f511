//! Tool detection: which functions a framework exposes to a model, by the catalog's
//! registration rules. Reads linked facts only.

mod defined;
mod forward;
mod tables;
mod unrecognised;

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::catalog::{ArgSpec, LanguageCatalog, RuleId, ToolKind, ToolRule};
use crate::facts::{CallExpr, Expr, FileFacts, Language};
use crate::grants::Grant;
use crate::link::{Project, Sym};
use crate::model::{Category, Declared};
use crate::note::Note;
use crate::pattern::ApiPath;
use forward::Forwarders;

/// The code that runs when the model calls a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A function or method.
    Function { file: usize, func: usize },
    /// A class-based tool; `methods` are its entry points (own or inherited).
    Class {
        file: usize,
        class: usize,
        methods: Vec<(usize, usize)>,
    },
    /// One branch of a dispatcher. `target` is the function the branch calls, if any; when
    /// several branches call the same function the branch itself is where the tool is reported.
    Branch {
        file: usize,
        func: usize,
        dispatch: usize,
        target: Option<(usize, usize)>,
        shared_target: bool,
    },
    /// An inline function (lambda) passed to a registration; `span` is the lambda.
    Lambda {
        file: usize,
        call: usize,
        span: crate::facts::Span,
    },
    /// A registration whose code is not in the tree: an agent used as a tool, or a handler
    /// from a library (`func=chain.run`, then `code` is that handler as written).
    Registration {
        file: usize,
        call: usize,
        effect: Option<Category>,
        code: Option<String>,
    },
    /// A tool of the agent runtime that a session grants by name (`allowed_tools=["Bash"]`):
    /// its code is the runtime's, its effects come from the catalog.
    Granted(Box<Grant>),
}

impl Entry {
    /// The file the entry is written in.
    pub fn file(&self) -> usize {
        match *self {
            Entry::Function { file, .. }
            | Entry::Class { file, .. }
            | Entry::Branch { file, .. }
            | Entry::Lambda { file, .. }
            | Entry::Registration { file, .. } => file,
            Entry::Granted(ref grant) => grant.file,
        }
    }
}

/// The decorator or call that registers a tool, for what it declares (`needs_approval=True`).
#[derive(Debug, Clone)]
pub struct Registration {
    pub file: usize,
    /// The scope the registration is evaluated in.
    pub scope: Option<usize>,
    pub call: CallExpr,
    pub line: u32,
    /// The registration call's span, when it is a call (not a decorator): an inline handler
    /// inside it is reported where the call opens (SPEC §6).
    pub span: Option<crate::facts::Span>,
    /// The object the registration is made on (`mcp` in `@mcp.tool()`).
    pub receiver: Option<Expr>,
}

/// A detected tool before effects and verdicts.
#[derive(Debug, Clone)]
pub struct DetectedTool {
    /// The registration (decorator or call) that made it a tool, when there is one.
    pub registration: Option<Registration>,
    /// Other registrations of the same code under the same name (another file's
    /// `ShellTool(executor=ShellExecutor())`): one tool, exposed by each of them.
    pub also_registered: Vec<Registration>,
    pub name: String,
    pub framework: String,
    /// The catalog rule that made it a tool (`py.tool.mcp-tool-decorator`).
    pub rule: RuleId,
    pub entry: Entry,
    pub description: Option<String>,
    pub declared: Option<Declared>,
}

/// Finds every tool in the project's files of `language`.
/// Registrations whose code cannot be found are not guessed at: they become `notes`.
pub fn detect(
    project: &Project,
    language: Language,
    catalog: &LanguageCatalog,
    notes: &mut Vec<Note>,
) -> Vec<DetectedTool> {
    let mut tools = Vec::new();
    let files: Vec<usize> = (0..project.files.len())
        .filter(|&f| project.files[f].language.family() == language)
        .collect();
    let schemas = schema_declarations(project, &files, catalog);
    classes(project, language, catalog, &mut tools);
    // A class tool's entry method registered again (`StructuredTool(func=self._run)`) is the
    // same tool.
    let class_methods: HashSet<(usize, usize)> = tools
        .iter()
        .flat_map(|t| match &t.entry {
            Entry::Class { methods, .. } => methods.clone(),
            _ => Vec::new(),
        })
        .collect();
    let rules = call_rules(catalog);
    let registration_rule = |file: usize, call: &crate::facts::Call| {
        rules
            .matching(project, file, call)
            .filter(|r| r.def.kind == ToolKind::Call)
    };
    let forwarders = Forwarders::find(project, &files, &registration_rule);
    let handler_keys = defined::handler_keys(catalog);
    let helpers = defined::definition_helpers(project, &files, &handler_keys);
    for &file in &files {
        decorated(project, catalog, file, &schemas, &mut tools, notes);
        registration_calls(
            project,
            catalog,
            file,
            &schemas,
            &forwarders,
            &mut tools,
            notes,
        );
        defined::helper_definitions(project, file, &handler_keys, &helpers, &mut tools);
    }
    tools.retain(|t| match t.entry {
        Entry::Function { file, func } => !class_methods.contains(&(file, func)),
        _ => true,
    });
    // A function registered twice (decorated and listed in an agent's tools) is one tool.
    let mut tools = merge_registrations(tools);
    let functions: HashSet<(usize, usize, usize)> = tools
        .iter()
        .filter_map(|t| match t.entry {
            Entry::Function { file, func } => Some((file, 0, func)),
            Entry::Class { file, class, .. } => Some((file, 1, class)),
            _ => None,
        })
        .collect();
    let list_rules = ListRules::new(catalog);
    for &file in &files {
        tool_lists(project, &list_rules, file, &functions, &mut tools);
    }
    let mut tools = merge_registrations(tools);
    let granted = crate::grants::granted(project, catalog, &files, &tools, notes);
    tools.extend(granted);
    let understood: HashSet<usize> = forwarders
        .files()
        .chain(helpers.iter().map(|&(file, _)| file))
        .collect();
    unrecognised::notes_for_unrecognised(project, catalog, &files, &tools, &understood, notes);
    tools
}

/// One tool per code and name. A later registration of it by the same rule (another
/// `ShellTool(executor=ShellExecutor())`) is kept as another registration of the first: the
/// tool is exposed by each. One by another rule (listed in an agent's tools after being
/// decorated) adds nothing: it is the same registered object.
fn merge_registrations(tools: Vec<DetectedTool>) -> Vec<DetectedTool> {
    let mut index: HashMap<((usize, usize, usize), String), usize> = HashMap::default();
    let mut out: Vec<DetectedTool> = Vec::with_capacity(tools.len());
    for tool in tools {
        let key = (entry_key(&tool.entry), tool.name.clone());
        let Some(&i) = index.get(&key) else {
            index.insert(key, out.len());
            out.push(tool);
            continue;
        };
        let kept = &mut out[i];
        if kept.rule != tool.rule {
            continue;
        }
        for reg in tool.registration.into_iter().chain(tool.also_registered) {
            let same = |r: &Registration| r.file == reg.file && r.line == reg.line;
            if !kept.registration.as_ref().is_some_and(same)
                && !kept.also_registered.iter().any(same)
            {
                kept.also_registered.push(reg);
            }
        }
    }
    out
}

fn entry_key(entry: &Entry) -> (usize, usize, usize) {
    match *entry {
        Entry::Function { file, func } => (file, 0, func),
        Entry::Class { file, class, .. } => (file, 1, class),
        Entry::Branch { file, dispatch, .. } => (file, 2, dispatch),
        Entry::Lambda { file, call, .. } => (file, 3, call),
        Entry::Registration { file, call, .. } => (file, 4, call),
        Entry::Granted(ref grant) => (grant.file, 5, grant.call),
    }
}

/// Tools declared by `[[tool]] kind = "schema"` rules, by name.
struct Schema {
    description: Option<String>,
    declared: Option<Declared>,
    /// The file of the first declaration.
    file: usize,
}

fn schema_declarations(
    project: &Project,
    files: &[usize],
    catalog: &LanguageCatalog,
) -> BTreeMap<String, Schema> {
    let mut out = BTreeMap::new();
    let rules = CallRules::new(catalog.tool_rules(ToolKind::Schema).collect());
    if rules.is_empty() {
        return out;
    }
    for &file in files {
        for call in &project.files[file].calls {
            let Some(rule) = rules.matching(project, file, call) else {
                continue;
            };
            let text =
                |spec: Option<&ArgSpec>| arg_str(project, file, call.scope, spec, &call.call);
            let Some(name) = text(rule.def.name.as_ref()) else {
                continue;
            };
            out.entry(name).or_insert_with(|| Schema {
                file,
                description: text(rule.def.description.as_ref()).map(|d| summarize(&d)),
                declared: rule
                    .def
                    .annotations
                    .as_ref()
                    .and_then(|spec| spec.find(&call.call))
                    .and_then(declared_from),
            });
        }
    }
    out
}

/// Registration rules of some kinds, with the last names their patterns require so that most
/// calls are dismissed without being resolved.
pub(crate) struct CallRules<'r> {
    rules: Vec<&'r ToolRule>,
    /// `None` when some pattern does not end in a name and any call may match.
    last_names: Option<HashSet<&'r str>>,
    /// Last names written as globs.
    globs: Vec<&'r crate::pattern::Glob>,
    /// Per file, the local names of imports whose imported name is one of `last_names`
    /// (`from crewai import Agent as CrewAgent` gives `CrewAgent`), worked out on first use.
    aliases: std::cell::RefCell<HashMap<usize, HashSet<String>>>,
    /// Per file, whether any of its calls can match, worked out on first use: most files call
    /// nothing a rule names, and one look at the file's call names spares a look at each call.
    /// Indexed by file; `None` until worked out.
    candidates: std::cell::RefCell<Vec<Option<bool>>>,
}

impl<'r> CallRules<'r> {
    pub(crate) fn new(rules: Vec<&'r ToolRule>) -> Self {
        // Literal last names go in a set; a glob last name (`bash_*`) is matched as a glob, so
        // that one such pattern does not make every call a candidate.
        let mut literal: HashSet<&'r str> = HashSet::default();
        let mut globs: Vec<&'r crate::pattern::Glob> = Vec::new();
        let mut any = false;
        for pattern in rules.iter().flat_map(|r| r.patterns.iter()) {
            match (pattern.required_last_name(), pattern.last_name_glob()) {
                (Some(name), _) => {
                    literal.insert(name);
                }
                (None, Some(glob)) => globs.push(glob),
                (None, None) => any = true,
            }
        }
        let last_names = (!any).then_some(literal);
        CallRules {
            rules,
            last_names,
            globs,
            aliases: Default::default(),
            candidates: Default::default(),
        }
    }

    /// Whether some call of `file` can match: its callee's last name is one the rules name,
    /// or the file imports such a name under another name.
    fn may_match_in(&self, project: &Project, file: usize) -> bool {
        let Some(names) = &self.last_names else {
            return true;
        };
        if let Some(known) = self.candidates.borrow().get(file).copied().flatten() {
            return known;
        }
        let answer = {
            let called = project.calls_last_names(file);
            let named = if names.len() < called.len() {
                names.iter().any(|n| called.contains(*n))
            } else {
                called.iter().any(|n| names.contains(n.as_str()))
            };
            named
                || (!self.globs.is_empty()
                    && called
                        .iter()
                        .any(|n| self.globs.iter().any(|g| g.matches(n))))
                || project.files[file]
                    .imports
                    .iter()
                    .any(|i| names.contains(imported_name(i)))
        };
        let mut candidates = self.candidates.borrow_mut();
        if candidates.len() < project.files.len() {
            candidates.resize(project.files.len(), None);
        }
        candidates[file] = Some(answer);
        answer
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first rule matching what `call` resolves to.
    pub(crate) fn matching(
        &self,
        project: &Project,
        file: usize,
        call: &crate::facts::Call,
    ) -> Option<&'r ToolRule> {
        if !self.may_match_in(project, file) {
            return None;
        }
        let last = call.call.callee.last_name()?;
        if let Some(names) = &self.last_names
            && !names.contains(last)
            && !self.globs.iter().any(|g| g.matches(last))
        {
            // `from crewai import Agent as CrewAgent`: a name imported under another name.
            let Expr::Name(local) = &call.call.callee else {
                return None;
            };
            let mut aliases = self.aliases.borrow_mut();
            let imported = aliases.entry(file).or_insert_with(|| {
                project.files[file]
                    .imports
                    .iter()
                    .filter(|i| names.contains(imported_name(i)))
                    .map(|i| i.local.clone())
                    .collect()
            });
            if !imported.contains(local.as_str()) {
                return None;
            }
        }
        let path =
            project.resolve_api(file, call.scope, &call.call.callee, call.span.start_byte)?;
        self.rules
            .iter()
            .copied()
            .find(|r| r.matches(&path) && condition_holds(project, file, call, r))
    }
}

/// The name an import brings in, before any `as` (`crewai.Agent` gives `Agent`).
fn imported_name(import: &crate::facts::Import) -> &str {
    import.target.rsplit(['.', '/']).next().unwrap_or("")
}

/// Whether the rule's `when` argument resolves to one of its patterns (or it has none).
fn condition_holds(
    project: &Project,
    file: usize,
    call: &crate::facts::Call,
    rule: &ToolRule,
) -> bool {
    let Some((spec, patterns)) = &rule.when else {
        return true;
    };
    let Some(arg) = spec.find(&call.call) else {
        return false;
    };
    // A method name given as a string (`setRequestHandler('tools/call', ...)` in MCP 2.x).
    if let Some(text) = project.literal_str(file, call.scope, arg) {
        let path = ApiPath(vec![crate::pattern::Step::Name(text)]);
        return patterns.iter().any(|p| p.matches(&path));
    }
    project
        .resolve_api(file, call.scope, arg, call.span.start_byte)
        .is_some_and(|path| patterns.iter().any(|p| p.matches(&path)))
}

fn may_match_last(rule: &ToolRule, last: &str) -> bool {
    rule.patterns
        .iter()
        .any(|p| p.required_last_name().is_none_or(|n| n == last))
}

fn decorated(
    project: &Project,
    catalog: &LanguageCatalog,
    file: usize,
    schemas: &BTreeMap<String, Schema>,
    tools: &mut Vec<DetectedTool>,
    notes: &mut Vec<Note>,
) {
    let facts = &project.files[file];
    let rules: Vec<&ToolRule> = catalog
        .tools
        .iter()
        .filter(|r| matches!(r.def.kind, ToolKind::Decorator | ToolKind::Dispatcher))
        .collect();
    // A decorated class is a schema the decorator makes a tool (`@tool class Done(BaseModel)`):
    // it has no code of its own; the model's call of it is routed by the agent.
    for (class, class_facts) in facts.classes.iter().enumerate() {
        for decorator in &class_facts.decorators {
            let (target, call) = match &decorator.expr {
                Expr::Call(call) => (&call.callee, Some(call.as_ref())),
                other => (other, None),
            };
            let Some(path) = project.resolve_api(file, None, target, class_facts.span.start_byte)
            else {
                continue;
            };
            let path = path.without_trailing_call();
            let Some(rule) = rules
                .iter()
                .find(|r| r.def.kind == ToolKind::Decorator && r.matches(&path))
            else {
                continue;
            };
            let name = call
                .and_then(|c| arg_str(project, file, None, rule.def.name.as_ref(), c))
                .unwrap_or_else(|| class_facts.name.clone());
            tools.push(DetectedTool {
                also_registered: Vec::new(),
                name,
                framework: rule.def.framework.clone(),
                rule: rule.id.clone(),
                entry: Entry::Class {
                    file,
                    class,
                    methods: Vec::new(),
                },
                description: class_facts.docstring.as_deref().map(summarize),
                declared: None,
                registration: None,
            });
        }
    }
    for (func, function) in facts.functions.iter().enumerate() {
        for decorator in &function.decorators {
            let (target, call) = match &decorator.expr {
                Expr::Call(call) => (&call.callee, Some(call.as_ref())),
                other => (other, None),
            };
            let Some(last) = target.last_name() else {
                continue;
            };
            // The last name as written, or as imported (`from agents import function_tool as ft`).
            let imported_as = match target {
                Expr::Name(local) => facts
                    .imports
                    .iter()
                    .find(|i| i.local == local.as_str())
                    .and_then(|i| i.target.rsplit(['.', '/']).next()),
                _ => None,
            };
            if !rules.iter().any(|r| {
                may_match_last(r, last) || imported_as.is_some_and(|n| may_match_last(r, n))
            }) {
                continue;
            }
            // Decorators are evaluated in the scope enclosing the function.
            let Some(path) =
                project.resolve_api(file, function.parent, target, function.span.start_byte)
            else {
                continue;
            };
            let path = path.without_trailing_call();
            let Some(rule) = rules.iter().find(|r| r.matches(&path)) else {
                continue;
            };
            let registration = Registration {
                file,
                scope: function.parent,
                call: call.cloned().unwrap_or_else(|| CallExpr {
                    callee: target.clone(),
                    args: Vec::new(),
                }),
                line: decorator.line,
                span: None,
                receiver: match target {
                    Expr::Attr(base, _) => Some((**base).clone()),
                    _ => None,
                },
            };
            if rule.def.kind == ToolKind::Dispatcher {
                let at = Dispatcher {
                    file,
                    func,
                    name_param: rule.def.name_param.unwrap_or(0),
                    depth: 0,
                };
                dispatched(project, at, rule, schemas, &registration, tools, notes);
                continue;
            }
            let text = |spec: Option<&ArgSpec>| {
                call.and_then(|c| arg_str(project, file, function.parent, spec, c))
            };
            let name = text(rule.def.name.as_ref()).unwrap_or_else(|| function.name.clone());
            let description = text(rule.def.description.as_ref())
                .or_else(|| function.docstring.clone())
                .map(|d| summarize(&d));
            let declared = call
                .and_then(|c| rule.def.annotations.as_ref().and_then(|a| a.find(c)))
                .and_then(declared_from);
            tools.push(DetectedTool {
                also_registered: Vec::new(),
                name,
                framework: rule.def.framework.clone(),
                rule: rule.id.clone(),
                entry: Entry::Function { file, func },
                description,
                declared,
                registration: Some(registration),
            });
        }
    }
}

/// One tool per name the dispatcher branches on (`if name == "x":` / `case "x":`).
/// Where a dispatcher's name comes in: the handler and the parameter (without the receiver)
/// that holds the name.
#[derive(Clone, Copy)]
struct Dispatcher {
    file: usize,
    func: usize,
    name_param: usize,
    /// How many helpers the name was handed through to reach this function.
    depth: usize,
}

#[allow(clippy::too_many_arguments)] // the dispatcher, its rule and registration, and the outputs
fn dispatched(
    project: &Project,
    at: Dispatcher,
    rule: &ToolRule,
    schemas: &BTreeMap<String, Schema>,
    registration: &Registration,
    tools: &mut Vec<DetectedTool>,
    notes: &mut Vec<Note>,
) {
    let Dispatcher { file, func, .. } = at;
    let facts = &project.files[file];
    let receiver = usize::from(facts.functions[func].takes_receiver());
    let Some(subject) = facts.functions[func].params.get(at.name_param + receiver) else {
        return;
    };
    let first_new = tools.len();
    for (d, dispatch) in facts.dispatches.iter().enumerate() {
        if dispatch.scope != Some(func)
            || !comes_from(facts, func, &dispatch.subject, &subject.name)
        {
            continue;
        }
        let target = facts
            .calls
            .iter()
            .filter(|c| c.scope == Some(func) && dispatch.span.contains(&c.span))
            // A method of what the handler is given (`ctx.session.send_log_message(...)`) is
            // the framework's, not the code the branch delegates to.
            .filter(|c| {
                root_name(&c.call.callee).is_none_or(|root| {
                    !facts.functions[func]
                        .params
                        .iter()
                        .any(|p| p.name == root && p.name != "self")
                })
            })
            .find_map(|c| {
                match project.resolve(file, c.scope, &c.call.callee, c.span.start_byte) {
                    // Library code scanned beside the server (its own SDK) is not a delegate.
                    Sym::Function { file: f, func: g }
                        if (f, g) != (file, func)
                            && !matches!(
                                project.resolve_as_written(
                                    file,
                                    c.scope,
                                    &c.call.callee,
                                    c.span.start_byte
                                ),
                                Sym::External(_)
                            ) =>
                    {
                        Some((f, g))
                    }
                    _ => None,
                }
            });
        let name = match &dispatch.value_ref {
            None => dispatch.value.clone(),
            Some(constant) => match project.literal_str(file, None, constant) {
                Some(name) => name,
                None => {
                    notes.push(Note::at_line(
                        &project.files[file],
                        dispatch.line,
                        format!(
                            "the tool name `{}` of this dispatch branch could not be worked out; \
                             the branch is not reported as a tool",
                            constant.display()
                        ),
                    ));
                    continue;
                }
            },
        };
        let schema = schemas.get(&name);
        tools.push(DetectedTool {
            also_registered: Vec::new(),
            name,
            framework: rule.def.framework.clone(),
            rule: rule.id.clone(),
            entry: Entry::Branch {
                file,
                func,
                dispatch: d,
                target,
                shared_target: false,
            },
            description: schema.and_then(|s| s.description.clone()).or_else(|| {
                target.and_then(|(f, g)| {
                    project.files[f].functions[g]
                        .docstring
                        .as_deref()
                        .map(summarize)
                })
            }),
            declared: schema.and_then(|s| s.declared.clone()),
            registration: Some(registration.clone()),
        });
    }
    if tools.len() == first_new {
        undispatched(
            project,
            at,
            &subject.name,
            rule,
            schemas,
            registration,
            tools,
            notes,
        );
        return;
    }
    let targets: Vec<(usize, usize)> = tools[first_new..]
        .iter()
        .filter_map(|t| match t.entry {
            Entry::Branch { target, .. } => target,
            _ => None,
        })
        .collect();
    for tool in &mut tools[first_new..] {
        if let Entry::Branch {
            target: Some(target),
            ref mut shared_target,
            ..
        } = tool.entry
        {
            *shared_target = targets.iter().filter(|&&t| t == target).count() > 1;
        }
    }
}

/// A dispatcher without a branch per name: the helper it hands the name to, the rows of the
/// table it looks the name up in, or else itself as one tool with a note.
#[allow(clippy::too_many_arguments)] // as for `dispatched`
fn undispatched(
    project: &Project,
    at: Dispatcher,
    subject: &str,
    rule: &ToolRule,
    schemas: &BTreeMap<String, Schema>,
    registration: &Registration,
    tools: &mut Vec<DetectedTool>,
    notes: &mut Vec<Note>,
) {
    let facts = &project.files[at.file];
    if at.depth < tables::MAX_DELEGATION
        && let Some((f, g, name_param)) = tables::delegate(project, at.file, at.func, subject)
    {
        let next = Dispatcher {
            file: f,
            func: g,
            name_param,
            depth: at.depth + 1,
        };
        dispatched(project, next, rule, schemas, registration, tools, notes);
        return;
    }
    let handler = &facts.functions[at.func];
    let start = handler.span.start_byte;
    if let Some(table) = tables::lookup_table(facts, at.func, subject) {
        let rows = tables::table_rows(project, at.file, Some(at.func), table, start);
        if rows.is_empty() {
            notes.push(Note::at_line(
                facts,
                handler.def_line,
                format!(
                    "`{}` dispatches tool calls through `{}`, whose entries could not be resolved",
                    handler.qualname,
                    table.display()
                ),
            ));
        }
        for (name, f, g) in rows {
            let function = &project.files[f].functions[g];
            let schema = schemas.get(&name);
            tools.push(DetectedTool {
                also_registered: Vec::new(),
                description: schema
                    .and_then(|s| s.description.clone())
                    .or_else(|| function.docstring.as_deref().map(summarize)),
                declared: schema.and_then(|s| s.declared.clone()),
                name,
                framework: rule.def.framework.clone(),
                rule: rule.id.clone(),
                entry: Entry::Function { file: f, func: g },
                registration: Some(registration.clone()),
            });
        }
        return;
    }
    // A server that lists one tool beside its handler serves that tool.
    let mut listed = schemas.iter().filter(|(_, s)| s.file == at.file);
    let only = match (listed.next(), listed.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    };
    let message = match only {
        Some((name, _)) => format!(
            "`{}` handles tool calls without a branch per tool name; the one tool its file \
             lists is `{name}`, so it is reported as that tool",
            handler.qualname
        ),
        None => format!(
            "`{}` handles tool calls without a branch per tool name; it is reported as one tool",
            handler.qualname
        ),
    };
    notes.push(Note::at_line(facts, handler.def_line, message));
    tools.push(DetectedTool {
        also_registered: Vec::new(),
        name: only.map_or_else(|| handler.name.clone(), |(name, _)| name.clone()),
        framework: rule.def.framework.clone(),
        rule: rule.id.clone(),
        entry: Entry::Function {
            file: at.file,
            func: at.func,
        },
        description: only
            .and_then(|(_, s)| s.description.clone())
            .or_else(|| handler.docstring.as_deref().map(summarize)),
        declared: only.and_then(|(_, s)| s.declared.clone()),
        registration: Some(registration.clone()),
    });
}

/// The rules of registrations made by a call: kind call, and dispatchers given a handler.
fn call_rules(catalog: &LanguageCatalog) -> CallRules<'_> {
    CallRules::new(
        catalog
            .tools
            .iter()
            .filter(|r| {
                r.def.kind == ToolKind::Call
                    || (r.def.kind == ToolKind::Dispatcher && r.def.handler.is_some())
            })
            .collect(),
    )
}

fn registration_calls(
    project: &Project,
    catalog: &LanguageCatalog,
    file: usize,
    schemas: &BTreeMap<String, Schema>,
    forwarders: &Forwarders<'_>,
    tools: &mut Vec<DetectedTool>,
    notes: &mut Vec<Note>,
) {
    let rules = call_rules(catalog);
    let facts = &project.files[file];
    // The calls written in agents' tool lists, worked out on the first `listed_only` rule.
    let mut listed_calls: Option<Vec<&CallExpr>> = None;
    for (c, call) in facts.calls.iter().enumerate() {
        let args = &call.call;
        let (rule, handler, name_arg) = if let Some(rule) = rules.matching(project, file, call) {
            let name = rule.def.name.as_ref().and_then(|n| n.find(args));
            (
                rule,
                rule.def.handler.as_ref().and_then(|h| h.find(args)),
                name,
            )
        } else if let Some(via) = forwarders.registration(project, file, call) {
            (via.rule, via.handler, via.name)
        } else {
            continue;
        };
        // `@tool("name")` is the decorator rule's; its call is no registration of its own.
        if is_decorator(facts, call) {
            continue;
        }
        // A name where the handler may stand (`tool("name", runnable)`) is not code.
        if matches!(handler, Some(Expr::Str(_))) {
            continue;
        }
        if rule.def.listed_only
            && !listed_calls
                .get_or_insert_with(|| listed(project, catalog, file))
                .iter()
                .any(|l| std::ptr::eq(*l, args.as_ref()))
        {
            continue;
        }
        // Inside a forwarder, a registration of what it was given is not a tool of its own.
        if let Some(scope) = call.scope
            && forwarders.contains(file, scope)
            && handler.is_some_and(|h| forward::carried_param(facts, scope, h, &[], 0).is_some())
        {
            continue;
        }
        let name_text = name_arg.and_then(|n| {
            project
                .literal_str(file, call.scope, n)
                .or_else(|| constructed_name(project, file, call.scope, n, call.span.start_byte))
        });
        let registration = || Registration {
            file,
            scope: call.scope,
            call: (*call.call).clone(),
            line: call.span.start_line,
            span: Some(call.span),
            receiver: match &call.call.callee {
                Expr::Attr(base, _) => Some((**base).clone()),
                _ => None,
            },
        };
        if rule.def.kind == ToolKind::Dispatcher {
            // A handler that receives the tool name and branches on it.
            let at = call.span.start_byte;
            let resolved = handler.and_then(|h| handler_function(project, file, call.scope, h, at));
            if let Some((f, func)) = resolved {
                let at = Dispatcher {
                    file: f,
                    func,
                    name_param: rule.def.name_param.unwrap_or(0),
                    depth: 0,
                };
                dispatched(project, at, rule, schemas, &registration(), tools, notes);
            }
            continue;
        }
        // An object whose methods the framework calls (`ApplyPatchTool(editor=Editor())`).
        let object = handler
            .filter(|_| !rule.def.handler_methods.is_empty())
            .and_then(
                |h| match project.resolve(file, call.scope, h, call.span.start_byte) {
                    Sym::Instance { file, class } => {
                        object_entry(project, file, class, &rule.def.handler_methods)
                    }
                    _ => None,
                },
            );
        let inline_function = match handler {
            _ if object.is_some() => object,
            Some(wrapped @ (Expr::Lambda(_) | Expr::Call(_))) => {
                handler_function(project, file, call.scope, wrapped, call.span.start_byte)
                    .map(|(file, func)| Entry::Function { file, func })
            }
            _ => None,
        };
        let entry = match (inline_function, handler) {
            (Some(entry), _) => entry,
            (None, Some(Expr::Lambda(span))) => Entry::Lambda {
                file,
                call: c,
                span: *span,
            },
            (None, Some(handler)) => {
                match project.resolve(file, call.scope, handler, call.span.start_byte) {
                    Sym::Function { file: f, func } => Entry::Function { file: f, func },
                    // The code is outside the tree (`func=chain.run`): the tool is still
                    // real when it has a name of its own; otherwise it cannot be told apart.
                    _ if name_text.is_some() => Entry::Registration {
                        file,
                        call: c,
                        effect: rule.def.effect,
                        code: Some(handler.display()),
                    },
                    _ => {
                        notes.push(Note::at_line(
                            facts,
                            call.span.start_line,
                            format!(
                                "{} registers a tool whose name and code could not be found: `{}`",
                                rule.def.framework,
                                handler.display()
                            ),
                        ));
                        continue;
                    }
                }
            }
            (None, None) if rule.def.handler.is_some() => continue,
            (None, None) => Entry::Registration {
                file,
                call: c,
                effect: rule.def.effect,
                code: None,
            },
        };
        let function = match entry {
            Entry::Function { file, func } => Some(&project.files[file].functions[func]),
            _ => None,
        };
        let text = |spec: Option<&ArgSpec>| arg_str(project, file, call.scope, spec, args);
        let keyed = || {
            rule.def
                .name_from_key
                .then(|| {
                    keyed_name(facts, &call.call)
                        .or_else(|| factory_key(project, file, call.scope, &call.call))
                })
                .flatten()
        };
        let named = if rule.def.name_from_key {
            keyed().or(name_text)
        } else {
            name_text
        };
        let Some(name) = named
            .or_else(|| rule.def.default_name.clone())
            .or_else(|| function.map(|f| f.name.clone()))
            .or_else(|| handler.and_then(Expr::last_name).map(str::to_string))
            .or_else(|| {
                name_arg
                    .and_then(|a| object_name(project, file, call.scope, a, call.span.start_byte))
            })
        else {
            continue;
        };
        let description = text(rule.def.description.as_ref())
            .or_else(|| function.and_then(|f| f.docstring.clone()))
            .map(|d| summarize(&d));
        let declared = rule
            .def
            .annotations
            .as_ref()
            .and_then(|a| a.find(args))
            .and_then(declared_from);
        tools.push(DetectedTool {
            also_registered: Vec::new(),
            name,
            framework: rule.def.framework.clone(),
            rule: rule.id.clone(),
            entry,
            description,
            declared,
            registration: Some(registration()),
        });
    }
}

fn classes(
    project: &Project,
    language: Language,
    catalog: &LanguageCatalog,
    tools: &mut Vec<DetectedTool>,
) {
    let rules: Vec<&ToolRule> = catalog.tool_rules(ToolKind::Class).collect();
    if rules.is_empty() {
        return;
    }
    struct Found {
        tool: DetectedTool,
        /// The class and its ancestors in the tree.
        mro: Vec<(usize, usize)>,
        /// Whether the tool's name is a literal of its own.
        named: bool,
    }
    let mut found: Vec<Found> = Vec::new();
    for (file, facts) in project.files.iter().enumerate() {
        if facts.language.family() != language {
            continue;
        }
        for (class, class_facts) in facts.classes.iter().enumerate() {
            if class_facts.bases.is_empty() {
                continue;
            }
            let bases: Vec<ApiPath> = project.external_bases(file, class);
            let Some(rule) = rules.iter().find(|r| bases.iter().any(|b| r.matches(b))) else {
                continue;
            };
            let mro = project.mro(file, class);
            let methods = found_methods(project, &mro, &rule.def.methods);
            if methods.is_empty() {
                continue;
            }
            let field = |name: &str| class_field(project, file, class, name);
            let name_field = rule.def.name_field.as_deref().unwrap_or("name");
            let description_field = rule
                .def
                .description_field
                .as_deref()
                .unwrap_or("description");
            let literal_name = field(name_field);
            let named = literal_name.is_some();
            let tool = DetectedTool {
                also_registered: Vec::new(),
                name: literal_name.unwrap_or_else(|| class_facts.name.clone()),
                framework: rule.def.framework.clone(),
                rule: rule.id.clone(),
                entry: Entry::Class {
                    file,
                    class,
                    methods,
                },
                description: field(description_field)
                    .or_else(|| class_facts.docstring.clone())
                    .map(|d| summarize(&d)),
                declared: None,
                registration: None,
            };
            found.push(Found { tool, mro, named });
        }
    }
    // A class without a name of its own that other tool classes extend is an abstract base.
    let extended: HashSet<(usize, usize)> = found
        .iter()
        .flat_map(|f| f.mro.iter().skip(1).copied())
        .collect();
    for f in found {
        if f.named || !extended.contains(&f.mro[0]) {
            tools.push(f.tool);
        }
    }
}

/// The rules [`tool_lists`] reads, made once for all files: those whose call lists tools, and
/// the entry methods of class tools.
struct ListRules<'r> {
    calls: CallRules<'r>,
    entry_methods: Vec<&'r str>,
}

impl<'r> ListRules<'r> {
    fn new(catalog: &'r LanguageCatalog) -> Self {
        ListRules {
            calls: CallRules::new(
                catalog
                    .tools
                    .iter()
                    .filter(|r| matches!(r.def.kind, ToolKind::ToolList | ToolKind::Agent))
                    .collect(),
            ),
            entry_methods: catalog
                .tool_rules(ToolKind::Class)
                .flat_map(|r| r.def.methods.iter().map(String::as_str))
                .collect(),
        }
    }
}

/// Anything a recognised agent or server lists as its tools is a tool (SPEC §2): a plain
/// function, or an instance of a class in the tree whose entry method (one the catalog's class
/// rules name, `_run`, `forward`...) runs. Both branches of a conditional entry count, and a
/// variable holding the list is followed.
fn tool_lists(
    project: &Project,
    list_rules: &ListRules,
    file: usize,
    already: &HashSet<(usize, usize, usize)>,
    tools: &mut Vec<DetectedTool>,
) {
    let rules = &list_rules.calls;
    let entry_methods = &list_rules.entry_methods;
    let facts = &project.files[file];
    for call in &facts.calls {
        let Some(rule) = rules.matching(project, file, call) else {
            continue;
        };
        let Some(list) = rule.def.tools.as_ref().and_then(|t| t.find(&call.call)) else {
            continue;
        };
        let at = call.span.start_byte;
        let mut items = Vec::new();
        list_items(project, file, call.scope, list, at, None, 0, &mut items);
        for (key, item) in items {
            let instance = match &item {
                Expr::Call(c) => match project.resolve(file, call.scope, &c.callee, at) {
                    Sym::Class { file, class } => Some((file, class)),
                    _ => None,
                },
                Expr::Name(_) | Expr::Attr(..) => None,
                _ => continue,
            };
            let sym = match instance {
                Some((file, class)) => Sym::Instance { file, class },
                None => project.resolve(file, call.scope, &item, at),
            };
            match sym {
                Sym::Function { file: f, func } if !already.contains(&(f, 0, func)) => {
                    let function = &project.files[f].functions[func];
                    tools.push(DetectedTool {
                        also_registered: Vec::new(),
                        name: key.unwrap_or_else(|| function.name.clone()),
                        framework: rule.def.framework.clone(),
                        rule: rule.id.clone(),
                        entry: Entry::Function { file: f, func },
                        description: function.docstring.as_deref().map(summarize),
                        declared: None,
                        registration: None,
                    });
                }
                Sym::Instance { file: f, class } if !already.contains(&(f, 1, class)) => {
                    let methods = found_methods(project, &project.mro(f, class), entry_methods);
                    if methods.is_empty() {
                        continue;
                    }
                    let class_facts = &project.files[f].classes[class];
                    let field = |name: &str| class_field(project, f, class, name);
                    tools.push(DetectedTool {
                        also_registered: Vec::new(),
                        name: key
                            .or_else(|| field("name"))
                            .unwrap_or_else(|| class_facts.name.clone()),
                        framework: rule.def.framework.clone(),
                        rule: rule.id.clone(),
                        entry: Entry::Class {
                            file: f,
                            class,
                            methods,
                        },
                        description: field("description")
                            .or_else(|| class_facts.docstring.clone())
                            .map(|d| summarize(&d)),
                        declared: None,
                        registration: None,
                    });
                }
                _ => {}
            }
        }
    }
}

/// The calls written as entries of a recognised agent's tool list in `file`.
fn listed<'p>(project: &'p Project, catalog: &LanguageCatalog, file: usize) -> Vec<&'p CallExpr> {
    let rules = CallRules::new(
        catalog
            .tools
            .iter()
            .filter(|r| matches!(r.def.kind, ToolKind::ToolList | ToolKind::Agent))
            .collect(),
    );
    let mut out = Vec::new();
    for call in &project.files[file].calls {
        if rules.matching(project, file, call).is_none() {
            continue;
        }
        for arg in &call.call.args {
            collect_calls(&arg.value, 0, &mut out);
        }
    }
    out
}

fn collect_calls<'e>(expr: &'e Expr, depth: usize, out: &mut Vec<&'e CallExpr>) {
    if depth > 4 {
        return;
    }
    match expr {
        Expr::Call(call) => out.push(call.as_ref()),
        Expr::List(items) | Expr::Choice(items) => {
            items.iter().for_each(|i| collect_calls(i, depth + 1, out))
        }
        Expr::Dict(pairs) => pairs
            .iter()
            .for_each(|(_, v)| collect_calls(v, depth + 1, out)),
        _ => {}
    }
}

/// The entries of a tool list as written: list items, object values (with their keys), both
/// sides of a conditional, and the list a variable holds.
#[allow(clippy::too_many_arguments)] // one recursive walk; the arguments are its position
fn list_items(
    project: &Project,
    file: usize,
    scope: Option<usize>,
    expr: &Expr,
    at: usize,
    key: Option<String>,
    depth: usize,
    out: &mut Vec<(Option<String>, Expr)>,
) {
    if depth > 4 {
        return;
    }
    match expr {
        Expr::List(items) => {
            for item in items {
                list_items(project, file, scope, item, at, None, depth + 1, out);
            }
        }
        Expr::Dict(pairs) => {
            for (k, v) in pairs {
                let key = match k {
                    Expr::Str(k) => Some(k.to_string()),
                    _ => None,
                };
                list_items(project, file, scope, v, at, key, depth + 1, out);
            }
        }
        Expr::Choice(options) => {
            for option in options {
                list_items(
                    project,
                    file,
                    scope,
                    option,
                    at,
                    key.clone(),
                    depth + 1,
                    out,
                );
            }
        }
        Expr::Name(_) => match project.value_of(file, scope, expr, at) {
            Some(value @ (Expr::List(_) | Expr::Dict(_) | Expr::Choice(_))) if depth < 4 => {
                list_items(project, file, scope, &value, at, key, depth + 1, out);
            }
            _ => out.push((key, expr.clone())),
        },
        _ => out.push((key, expr.clone())),
    }
}

/// The string value of the argument `spec` points at, where it is known statically.
/// The function a handler argument runs: the argument itself, or the function a wrapper call
/// is given (`withTelemetry(async (request) => ...)`, `withAuth(handler)`).
fn handler_function(
    project: &Project,
    file: usize,
    scope: Option<usize>,
    handler: &Expr,
    at: usize,
) -> Option<(usize, usize)> {
    wrapped_function(project, file, scope, handler, at, 0)
}

fn wrapped_function(
    project: &Project,
    file: usize,
    scope: Option<usize>,
    expr: &Expr,
    at: usize,
    depth: usize,
) -> Option<(usize, usize)> {
    match expr {
        Expr::Call(call) if depth < 4 => call
            .args
            .iter()
            .filter(|a| a.name.is_none() && !a.spread)
            .find_map(|a| wrapped_function(project, file, scope, &a.value, at, depth + 1)),
        Expr::Call(_) => None,
        _ => match project.resolve(file, scope, expr, at) {
            Sym::Function { file, func } => Some((file, func)),
            _ => None,
        },
    }
}

/// Whether the dispatch `subject` is the parameter `param`, a field of it
/// (`request.params.name`), or a local taken from it (`const { name } = request.params`).
fn comes_from(facts: &FileFacts, func: usize, subject: &str, param: &str) -> bool {
    // A field of the parameter must be the one that names the tool (`request.params.name`,
    // `call["name"]`), not any other (`params.request_state`).
    let rooted = |text: &str| {
        text == param
            || text.strip_prefix(param).is_some_and(|rest| {
                (rest.starts_with('.') || rest.starts_with('[')) && names_the_tool(rest)
            })
    };
    rooted(subject)
        || facts.assignments.iter().any(|a| {
            a.scope == Some(func)
                && matches!(&a.target, Expr::Name(n) if n == subject)
                && root_name(&a.value).is_some_and(|root| root == param)
        })
}

/// Whether the last field of an access path (`.params.name`, `["tool_name"]`) holds a tool name.
fn names_the_tool(path: &str) -> bool {
    let last = path
        .rsplit(['.', '['])
        .next()
        .unwrap_or(path)
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '_')
        .to_ascii_lowercase();
    last.contains("name") || last == "tool" || last == "function"
}

/// The name of an object given as a registration's name argument (`AgentTool(agent=summarizer)`):
/// the `name` it was constructed with, else the variable that holds it.
fn object_name(
    project: &Project,
    file: usize,
    scope: Option<usize>,
    expr: &Expr,
    at: usize,
) -> Option<String> {
    constructed_name(project, file, scope, expr, at)
        .or_else(|| expr.last_name().map(str::to_string))
}

/// The `name` an object given as a name argument was constructed with
/// (`metadata=ToolMetadata(name="search")`, directly or through a variable).
fn constructed_name(
    project: &Project,
    file: usize,
    scope: Option<usize>,
    expr: &Expr,
    at: usize,
) -> Option<String> {
    let constructed = match expr {
        Expr::Call(call) => call.as_ref().clone(),
        Expr::Name(_) => match project.value_of(file, scope, expr, at)? {
            Expr::Call(call) => call.as_ref().clone(),
            _ => return None,
        },
        _ => return None,
    };
    project.literal_str(file, scope, constructed.keyword("name")?)
}

/// The methods of `names` a class has along its `mro` (own or inherited), in the order of `names`.
fn found_methods<S: AsRef<str>>(
    project: &Project,
    mro: &[(usize, usize)],
    names: &[S],
) -> Vec<(usize, usize)> {
    names
        .iter()
        .filter_map(|m| {
            mro.iter().find_map(|&(f, c)| {
                project.files[f]
                    .functions
                    .iter()
                    .position(|func| func.class == Some(c) && func.name == m.as_ref())
                    .map(|func| (f, func))
            })
        })
        .collect()
}

/// The literal a class field holds (`name = "terminal"`), own or inherited.
fn class_field(project: &Project, file: usize, class: usize, field: &str) -> Option<String> {
    let class_name = project.files[file].classes[class].name.as_str();
    project.literal_str(
        file,
        None,
        &Expr::Attr(Box::new(Expr::Name(class_name.into())), field.into()),
    )
}

/// A class-based entry: the instance's class with the `methods` it has (own or inherited).
fn object_entry(project: &Project, file: usize, class: usize, methods: &[String]) -> Option<Entry> {
    let found = found_methods(project, &project.mro(file, class), methods);
    (!found.is_empty()).then_some(Entry::Class {
        file,
        class,
        methods: found,
    })
}

/// Whether `call` is written as a function's decorator (`@tool("name")`).
fn is_decorator(facts: &FileFacts, call: &crate::facts::Call) -> bool {
    facts.functions.iter().any(|f| {
        f.decorators.iter().any(|d| {
            d.line == call.span.start_line && matches!(&d.expr, Expr::Call(c) if **c == *call.call)
        })
    })
}

/// The name an attribute chain starts from (`request.params.name` gives `request`).
fn root_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n),
        Expr::Attr(base, _) => root_name(base),
        _ => None,
    }
}

/// The key a registration gets in an object literal of its file (`tools: { weather: tool(...) }`,
/// directly, through a variable, or in a returned object), else the variable it is assigned to.
fn keyed_name(facts: &FileFacts, registration: &CallExpr) -> Option<String> {
    let is_registration = |e: &Expr| matches!(e, Expr::Call(c) if **c == *registration);
    let variable = facts.assignments.iter().find_map(|a| match &a.target {
        Expr::Name(name) if is_registration(&a.value) => Some(name.clone()),
        _ => None,
    });
    let is_tool = |e: &Expr| {
        is_registration(e) || matches!((e, &variable), (Expr::Name(n), Some(v)) if n == v)
    };
    let mut key = None;
    let values = facts
        .calls
        .iter()
        .flat_map(|c| c.call.args.iter().map(|a| &a.value))
        .chain(facts.assignments.iter().map(|a| &a.value))
        .chain(facts.returns.iter().map(|r| &r.value));
    for value in values {
        key = key_of(value, &is_tool, 0);
        if key.is_some() {
            break;
        }
    }
    key.or_else(|| variable.map(|v| v.to_string()))
}

/// The key a tool built by a factory gets where the factory is called (`tools: { cleaner:
/// makeCleaner(root) }`, in any file), when the registration is what the factory returns.
fn factory_key(
    project: &Project,
    file: usize,
    scope: Option<usize>,
    registration: &CallExpr,
) -> Option<String> {
    let func = scope?;
    let facts = &project.files[file];
    let returned = facts.returns.iter().any(|r| {
        r.scope == Some(func) && matches!(&r.value, Expr::Call(c) if **c == *registration)
    });
    if !returned {
        return None;
    }
    let name = facts.functions[func].name.as_str();
    let target = Sym::Function { file, func };
    for (f, other) in project.files.iter().enumerate() {
        for call in &other.calls {
            let at = call.span.start_byte;
            for arg in &call.call.args {
                let Expr::Dict(pairs) = &arg.value else {
                    continue;
                };
                for (key, value) in pairs {
                    if let (Expr::Str(key), Expr::Call(made)) = (key, value)
                        && made.callee.last_name() == Some(name)
                        && project.resolve(f, call.scope, &made.callee, at) == target
                    {
                        return Some(key.to_string());
                    }
                }
            }
        }
    }
    None
}

/// The key under which `expr` (or an object literal inside it) holds a value that `is_tool`.
fn key_of(expr: &Expr, is_tool: &dyn Fn(&Expr) -> bool, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    match expr {
        Expr::Dict(pairs) => pairs.iter().find_map(|(k, v)| match k {
            Expr::Str(k) if is_tool(v) => Some(k.to_string()),
            _ => key_of(v, is_tool, depth + 1),
        }),
        Expr::List(items) => items.iter().find_map(|e| key_of(e, is_tool, depth + 1)),
        Expr::Call(call) => call
            .args
            .iter()
            .find_map(|a| key_of(&a.value, is_tool, depth + 1)),
        _ => None,
    }
}

pub(crate) fn arg_str(
    project: &Project,
    file: usize,
    scope: Option<usize>,
    spec: Option<&ArgSpec>,
    call: &CallExpr,
) -> Option<String> {
    let expr = spec.and_then(|s| s.find(call))?;
    project.literal_str(file, scope, expr)
}

/// MCP-style annotations from `ToolAnnotations(readOnlyHint=True)` or `{"readOnlyHint": True}`.
fn declared_from(expr: &Expr) -> Option<Declared> {
    let lookup = |key: &str| -> Option<bool> {
        match expr {
            Expr::Call(call) => match call.keyword(key) {
                Some(Expr::Bool(b)) => Some(*b),
                _ => None,
            },
            Expr::Dict(pairs) => pairs.iter().find_map(|(k, v)| match (k, v) {
                (Expr::Str(k), Expr::Bool(b)) if k == key => Some(*b),
                _ => None,
            }),
            _ => None,
        }
    };
    let declared = Declared {
        read_only: lookup("readOnlyHint").or_else(|| lookup("read_only_hint")),
        destructive: lookup("destructiveHint").or_else(|| lookup("destructive_hint")),
    };
    (declared.read_only.is_some() || declared.destructive.is_some()).then_some(declared)
}

/// The first paragraph of a description, on one line.
pub fn summarize(text: &str) -> String {
    let paragraph = text.trim().split("\n\n").next().unwrap_or("");
    paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
}

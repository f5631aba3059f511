//! Grants: the tools an agent runtime ships, which a session grants by name in its options
//! (`ClaudeAgentOptions(allowed_tools=["Bash", "mcp__github"])`), and the guards the session
//! itself puts around them.
//!
//! A `grant` rule (queries/<lang>/tools.toml) names the session's options (the call's own
//! arguments, `**options` dicts included, or an options object such as `query({ options })`),
//! the option listing the granted names, and those that take names away (`disallowed_tools`,
//! and `tools`, the built-ins that exist at all). Each granted name is one tool, reported
//! where the name is written: `Bash` is the `[[builtin]]` of that name (subprocess);
//! `mcp__github` grants every tool of the MCP server configured as `github`, in the session's
//! `mcp_servers` or in a server config of the same file, and a `[[mcp_server]]` entry says what
//! its tools do; a name no catalog knows is a tool whose effects are not known (one unresolved
//! call, and a note). A name that is a tool of the tree (an SDK server's `@tool`, or
//! `mcp__<server>` of such a server) is that tool, not a second one.
//!
//! Guards come from the session: a permission rule's scope (`Bash(git:*)`) pre-approves only
//! the calls it matches, a default-deny allowlist, and the permission callback
//! (`can_use_tool`) is asked about the others; hook callbacks that run at the call and can
//! deny it (`PreToolUse`); audit hooks after it. A callback is never a guard for a name granted
//! whole, because the runtime does not ask it about pre-approved calls. Options with guard
//! values (`permission_mode="plan"`) are judged with every registration, in [`crate::guards`].
//! Subagents' own tool lists (`AgentDefinition(tools=...)`) and settings files are not read.

use std::collections::BTreeMap;

use crate::catalog::{ArgSpec, LanguageCatalog, ToolKind, ToolRule};
use crate::detect::{CallRules, DetectedTool, Entry, Registration};
use crate::facts::{Arg, Call, CallExpr, Expr, Span};
use crate::guards::Found;
use crate::link::{Project, Sym};
use crate::model::Category;
use crate::note::Note;
use crate::pattern::Glob;

/// Names and values are followed through variables this deep.
const MAX_DEPTH: usize = 6;

/// A tool granted by name: its code runs outside the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub file: usize,
    /// The session's options (or query) call, an index into the file's calls.
    pub call: usize,
    /// Where the name is first written.
    pub line: u32,
    /// The permission rules' scopes (`git:*` of `Bash(git:*)`); empty when the tool is granted
    /// whole.
    pub scopes: Vec<String>,
    /// Scoped rules of the same tool the session refuses (`disallowed_tools=["Bash(rm:*)"]`).
    pub denied: Vec<String>,
    /// What the report calls the code that runs (`Bash (Claude Code built-in)`).
    pub function: String,
    pub effects: Vec<GrantedEffect>,
    /// Whether a catalog says what the tool does.
    pub known: bool,
    /// Destructive although no effect's category says so: an effect the catalog marks, or a
    /// subagent run with the session's destructive tools.
    pub destructive: bool,
}

/// An effect of a granted tool, from the catalog entry that describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedEffect {
    pub category: Category,
    pub call: String,
    /// The catalog entry (`claude-code.builtin.bash`).
    pub api: String,
    pub file: usize,
    pub line: u32,
}

/// One option of a session, as written, with the span of the call, dict or assignment it is
/// written in.
#[derive(Debug, Clone, Copy)]
struct Written<'p> {
    file: usize,
    scope: Option<usize>,
    within: Span,
    value: &'p Expr,
}

/// A server config a grant names.
enum ServerConfig {
    /// A server built in the tree (`create_sdk_mcp_server(...)`): its tools are inventoried.
    InTree,
    /// A config the runtime starts or reaches: its launch text, whether it is restricted to
    /// reading, and where it is written.
    External {
        launch: String,
        flags: Vec<String>,
        file: usize,
        line: u32,
    },
}

/// Finds the tools granted by name in the project's files of `files`. `tree_tools` are the
/// tools found so far: a granted name that is one of them is not a second tool.
pub(crate) fn granted(
    project: &Project,
    catalog: &LanguageCatalog,
    files: &[usize],
    tree_tools: &[DetectedTool],
    notes: &mut Vec<Note>,
) -> Vec<DetectedTool> {
    let rules = CallRules::new(catalog.tool_rules(ToolKind::Grant).collect());
    let mut out = Vec::new();
    if rules.is_empty() {
        return out;
    }
    for &file in files {
        for (c, call) in project.files[file].calls.iter().enumerate() {
            let Some(rule) = rules.matching(project, file, call) else {
                continue;
            };
            session(
                project, catalog, rule, file, c, call, tree_tools, &mut out, notes,
            );
        }
    }
    out
}

/// The tools one session grants.
#[allow(clippy::too_many_arguments)] // one session's context, passed down once
fn session(
    project: &Project,
    catalog: &LanguageCatalog,
    rule: &ToolRule,
    file: usize,
    c: usize,
    call: &Call,
    tree_tools: &[DetectedTool],
    out: &mut Vec<DetectedTool>,
    notes: &mut Vec<Note>,
) {
    let facts = &project.files[file];
    let options = session_options(project, file, call, rule);
    let option = |spec: Option<&ArgSpec>| -> Option<Written> {
        let spec = spec?;
        options
            .iter()
            .find(|(key, _)| spec.keyword.iter().any(|k| k == *key))
            .map(|(_, w)| *w)
    };
    let Some(granted) = option(rule.def.tools.as_ref()) else {
        return;
    };
    let note = |message: String| Note {
        path: facts.path.clone(),
        line: Some(call.span.start_line),
        message,
    };
    let Some(names) = strings(project, granted) else {
        notes.push(note(format!(
            "{} grants tools by name in a list that is computed; they are not inventoried",
            call.callee_text
        )));
        return;
    };
    let removed = option(rule.def.removed.as_ref())
        .and_then(|w| strings(project, w))
        .unwrap_or_default();
    let available = option(rule.def.available.as_ref()).and_then(|w| strings(project, w));
    let registration = session_registration(file, call, &options);
    // One tool per name: `Bash` granted whole wins over `Bash(git:*)`; scopes add up.
    let mut by_tool: BTreeMap<String, (u32, Option<Vec<String>>)> = BTreeMap::new();
    let mut order = Vec::new();
    for (text, line) in &names {
        let (tool, scope) = permission_rule(text);
        let refused = removed
            .iter()
            .any(|(r, _)| permission_rule(r) == (tool, None));
        let absent = available.as_ref().is_some_and(|list| {
            !tool.starts_with("mcp__") && !list.iter().any(|(name, _)| name == tool)
        });
        if refused || absent || tool.is_empty() {
            continue;
        }
        let entry = by_tool.entry(tool.to_string()).or_insert_with(|| {
            order.push(tool.to_string());
            (*line, Some(Vec::new()))
        });
        match (scope, &mut entry.1) {
            (None, scopes) => *scopes = None,
            (Some(scope), Some(scopes)) => scopes.push(scope.to_string()),
            (Some(_), None) => {}
        }
    }
    let runtime = rule.def.builtins.as_deref().unwrap_or_default();
    let first = out.len();
    // Tools that run subagents with the session's tools, by index in `out`.
    let mut delegating = Vec::new();
    for tool in order {
        let (line, scopes) = by_tool.remove(&tool).unwrap_or_default();
        let in_tree = |name: &str| {
            tree_tools
                .iter()
                .any(|t| t.framework == rule.def.framework && t.name == name)
        };
        let mut grant = Grant {
            file,
            call: c,
            line,
            scopes: scopes.unwrap_or_default(),
            denied: removed
                .iter()
                .filter_map(|(r, _)| match permission_rule(r) {
                    (t, Some(_)) if t == tool => Some(r.clone()),
                    _ => None,
                })
                .collect(),
            function: String::new(),
            effects: Vec::new(),
            known: false,
            destructive: false,
        };
        let description;
        if let Some(rest) = tool.strip_prefix("mcp__") {
            let (server, server_tool) = match rest.split_once("__") {
                Some((server, name)) => (server, Some(name)),
                None => (rest, None),
            };
            if server_tool.is_some_and(&in_tree) {
                continue;
            }
            let config = server_option(project, option(rule.def.servers.as_ref()), server)
                .or_else(|| server_in_file(project, file, server));
            let config = config.map(|w| server_config(project, catalog, w));
            grant.function = format!("{tool} (MCP server {server})");
            match config {
                Some(ServerConfig::InTree) => continue,
                Some(ServerConfig::External {
                    launch,
                    flags,
                    file: config_file,
                    line: config_line,
                }) => match catalog.mcp_server(&launch) {
                    Some(known) => {
                        let read_only = known.read_only_flags.iter().any(|f| flags.contains(f));
                        grant.known = true;
                        let effects = known
                            .effects
                            .iter()
                            .filter(|e| !read_only || !e.category.changes_state());
                        grant.destructive = effects.clone().any(|e| e.destructive);
                        grant.effects = effects
                            .map(|e| GrantedEffect {
                                category: e.category,
                                call: e.call.replace("{name}", server),
                                api: known.id.clone(),
                                file: config_file,
                                line: config_line,
                            })
                            .collect();
                        description = Some(known.doc.clone());
                    }
                    None => {
                        notes.push(Note {
                            path: facts.path.clone(),
                            line: Some(line),
                            message: format!(
                                "`{tool}` grants the tools of MCP server `{server}` (`{launch}`), which no catalog describes; its effects are not known"
                            ),
                        });
                        description = None;
                    }
                },
                None => {
                    notes.push(Note {
                        path: facts.path.clone(),
                        line: Some(line),
                        message: format!(
                            "`{tool}` grants the tools of MCP server `{server}`, whose config was not found; its effects are not known"
                        ),
                    });
                    description = None;
                }
            }
        } else if let Some(builtin) = catalog.builtin(runtime, &tool) {
            grant.known = true;
            grant.destructive = builtin.effects.iter().any(|e| e.destructive);
            if builtin.delegates {
                delegating.push(out.len());
            }
            grant.function = format!("{tool} ({runtime} built-in)");
            grant.effects = builtin
                .effects
                .iter()
                .map(|e| GrantedEffect {
                    category: e.category,
                    call: e.call.replace("{name}", &tool),
                    api: builtin.id.clone(),
                    file,
                    line,
                })
                .collect();
            description = Some(builtin.doc.clone());
        } else if in_tree(&tool) {
            continue;
        } else {
            grant.function = format!("{tool} (granted by name)");
            notes.push(Note {
                path: facts.path.clone(),
                line: Some(line),
                message: format!(
                    "`{tool}` is granted by name, but it is neither a {runtime} built-in nor a tool in the tree; its effects are not known"
                ),
            });
            description = None;
        }
        out.push(DetectedTool {
            registration: Some(registration.clone()),
            name: tool,
            framework: rule.def.framework.clone(),
            entry: Entry::Granted(Box::new(grant)),
            description,
            declared: None,
        });
    }
    let session_destructive = out[first..].iter().any(|t| match &t.entry {
        Entry::Granted(g) => g.destructive || g.effects.iter().any(|e| e.category.is_destructive()),
        _ => false,
    });
    for i in delegating {
        if let Entry::Granted(g) = &mut out[i].entry {
            g.destructive |= session_destructive;
        }
    }
}

/// A server built in the tree that a session serves (`mcp_servers={"calc": calc}` with
/// `calc = create_sdk_mcp_server(...)`).
pub(crate) struct TreeServer<'p> {
    /// The name the session gives the server (`mcp__<key>__...`).
    pub key: &'p str,
    pub file: usize,
    pub scope: Option<usize>,
    pub at: usize,
    pub call: &'p CallExpr,
    pub rule: &'p ToolRule,
}

/// The servers built in the tree among a session's `servers` option.
pub(crate) fn session_servers<'p>(
    project: &'p Project,
    catalog: &'p LanguageCatalog,
    file: usize,
    call: &'p Call,
    rule: &ToolRule,
) -> Vec<TreeServer<'p>> {
    let mut out = Vec::new();
    let Some(spec) = &rule.def.servers else {
        return out;
    };
    let options = session_options(project, file, call, rule);
    let Some((_, servers)) = options
        .iter()
        .find(|(key, _)| spec.keyword.iter().any(|k| k == *key))
    else {
        return out;
    };
    let Some(found) = follow(project, *servers, 0) else {
        return out;
    };
    let Expr::Dict(pairs) = found.value else {
        return out;
    };
    for (key, value) in pairs {
        let Some(key) = key.as_str() else {
            continue;
        };
        let Some(config) = follow(project, Written { value, ..found }, 0) else {
            continue;
        };
        let Expr::Call(server) = config.value else {
            continue;
        };
        let at = config.within.start_byte;
        let Sym::External(path) = project.resolve(config.file, config.scope, &server.callee, at)
        else {
            continue;
        };
        if let Some(rule) = catalog
            .tools
            .iter()
            .find(|r| matches!(r.def.kind, ToolKind::Agent | ToolKind::Server) && r.matches(&path))
        {
            out.push(TreeServer {
                key,
                file: config.file,
                scope: config.scope,
                at,
                call: server,
                rule,
            });
        }
    }
    out
}

/// The session's options as one registration call, `**options` entries as keywords, so that
/// guards read them as they read any registration's.
fn session_registration(file: usize, call: &Call, options: &[(&str, Written)]) -> Registration {
    Registration {
        file,
        scope: call.scope,
        call: CallExpr {
            callee: call.call.callee.clone(),
            args: options
                .iter()
                .map(|(key, w)| Arg {
                    name: Some((*key).into()),
                    value: w.value.clone(),
                    spread: false,
                })
                .collect(),
        },
        line: call.span.start_line,
        receiver: None,
    }
}

/// A session of the project: the file and index of its options call, and its rule.
pub(crate) type Session<'p> = (usize, usize, &'p ToolRule);

/// Every session in the project's files (calls of `grant` rules).
pub(crate) fn sessions<'p>(project: &Project, catalog: &'p LanguageCatalog) -> Vec<Session<'p>> {
    let rules = CallRules::new(catalog.tool_rules(ToolKind::Grant).collect());
    let mut out = Vec::new();
    if rules.is_empty() {
        return out;
    }
    for (file, facts) in project.files.iter().enumerate() {
        for (c, call) in facts.calls.iter().enumerate() {
            if let Some(rule) = rules.matching(project, file, call) {
                out.push((file, c, rule));
            }
        }
    }
    out
}

/// A session serving a tool of a server built in the tree.
pub(crate) struct Served {
    /// The session's options.
    pub registration: Registration,
    /// Where its options call is.
    site: Span,
    /// The name the model calls the tool by (`mcp__release__deploy`).
    qualified: String,
    /// Whether the session's permission rules pre-approve the tool.
    pre_approved: bool,
}

/// The sessions that serve `tool` through a server built in the tree
/// (`mcp_servers={"release": release_server}`, the server listing the tool).
pub(crate) fn served_by(
    project: &Project,
    catalog: &LanguageCatalog,
    sessions: &[Session],
    tool: &DetectedTool,
) -> Vec<Served> {
    let mut out = Vec::new();
    for &(file, c, rule) in sessions {
        let call = &project.files[file].calls[c];
        for server in session_servers(project, catalog, file, call, rule) {
            let Some(list) = server
                .rule
                .def
                .tools
                .as_ref()
                .and_then(|t| t.find(server.call))
            else {
                continue;
            };
            if !lists(project, server.file, server.scope, server.at, list, tool, 0) {
                continue;
            }
            let options = session_options(project, file, call, rule);
            let granted = rule
                .def
                .tools
                .as_ref()
                .and_then(|spec| {
                    let (_, w) = options
                        .iter()
                        .find(|(key, _)| spec.keyword.iter().any(|k| k == *key))?;
                    strings(project, *w)
                })
                .unwrap_or_default();
            let whole = format!("mcp__{}", server.key);
            let qualified = format!("{whole}__{}", tool.name);
            let pre_approved = granted.iter().any(|(text, _)| {
                let (name, scope) = permission_rule(text);
                scope.is_none() && (name == whole || name == qualified || name == tool.name)
            });
            out.push(Served {
                registration: session_registration(file, call, &options),
                site: call.span,
                qualified,
                pre_approved,
            });
        }
    }
    out
}

/// The guards one serving session puts around each call of the tool.
pub(crate) fn served_guards(
    project: &Project,
    catalog: &LanguageCatalog,
    served: &Served,
) -> Vec<Found> {
    call_guards(
        project,
        catalog,
        &served.registration,
        served.site,
        &served.qualified,
        !served.pre_approved,
    )
}

/// Whether a server's tool list holds `tool`: the decorated function, or the registration
/// call, directly or through variables.
fn lists(
    project: &Project,
    file: usize,
    scope: Option<usize>,
    at: usize,
    expr: &Expr,
    tool: &DetectedTool,
    depth: usize,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let registered = |f: usize, call: &CallExpr| {
        tool.registration
            .as_ref()
            .is_some_and(|r| r.file == f && r.call == *call)
    };
    match expr {
        Expr::List(items) => items
            .iter()
            .any(|i| lists(project, file, scope, at, i, tool, depth + 1)),
        Expr::Call(call) => registered(file, call),
        Expr::Name(name) => {
            if let Sym::Function { file: f, func } = project.resolve(file, scope, expr, at)
                && tool.entry == (Entry::Function { file: f, func })
            {
                return true;
            }
            let Some((f, a)) = project.assignment_of(file, scope, name) else {
                return false;
            };
            let assignment = &project.files[f].assignments[a];
            match &assignment.value {
                Expr::Call(call) => registered(f, call),
                value @ Expr::List(_) => lists(
                    project,
                    f,
                    assignment.scope,
                    assignment.span.start_byte,
                    value,
                    tool,
                    depth + 1,
                ),
                _ => false,
            }
        }
        _ => false,
    }
}

/// `Bash(git:*)` is the tool `Bash` with the scope `git:*`; `Read()` and `Read(*)` grant `Read`
/// whole.
fn permission_rule(text: &str) -> (&str, Option<&str>) {
    let text = text.trim();
    match text.split_once('(') {
        Some((tool, rest)) if rest.ends_with(')') => {
            let scope = rest[..rest.len() - 1].trim();
            let scope = (!scope.is_empty() && scope != "*").then_some(scope);
            (tool.trim(), scope)
        }
        _ => (text, None),
    }
}

/// The session's options by name: the call's keyword arguments and the entries of `**dict`
/// arguments, or the entries of the options object the rule's `options` points at.
fn session_options<'p>(
    project: &'p Project,
    file: usize,
    call: &'p Call,
    rule: &ToolRule,
) -> Vec<(&'p str, Written<'p>)> {
    let here = |value: &'p Expr| Written {
        file,
        scope: call.scope,
        within: call.span,
        value,
    };
    let mut out = Vec::new();
    let entries = |dict: Written<'p>, out: &mut Vec<(&'p str, Written<'p>)>| {
        if let Some(found) = follow(project, dict, 0)
            && let Expr::Dict(pairs) = found.value
        {
            for (key, value) in pairs {
                if let Some(key) = key.as_str() {
                    out.push((key, Written { value, ..found }));
                }
            }
        }
    };
    match &rule.def.options {
        Some(spec) => {
            if let Some(value) = spec.find(&call.call) {
                entries(here(value), &mut out);
            }
        }
        None => {
            for arg in &call.call.args {
                match (&arg.name, arg.spread) {
                    (Some(name), _) => out.push((name.as_str(), here(&arg.value))),
                    (None, true) => entries(here(&arg.value), &mut out),
                    (None, false) => {}
                }
            }
        }
    }
    out
}

/// What a name stands for, through the variables it is assigned to (`servers if servers else
/// None` is its first option that is not `None`).
fn follow<'p>(project: &'p Project, written: Written<'p>, depth: usize) -> Option<Written<'p>> {
    if depth > MAX_DEPTH {
        return None;
    }
    match written.value {
        Expr::Name(name) => {
            let (f, a) = project.assignment_of(written.file, written.scope, name)?;
            let assignment = &project.files[f].assignments[a];
            follow(
                project,
                Written {
                    file: f,
                    scope: assignment.scope,
                    within: assignment.span,
                    value: &assignment.value,
                },
                depth + 1,
            )
        }
        Expr::Choice(options) => options
            .iter()
            .filter(|o| !matches!(o, Expr::Null))
            .find_map(|o| {
                follow(
                    project,
                    Written {
                        value: o,
                        ..written
                    },
                    depth + 1,
                )
            }),
        _ => Some(written),
    }
}

/// The strings of a list option with the line each is written on, or `None` when the list is
/// computed.
fn strings(project: &Project, written: Written) -> Option<Vec<(String, u32)>> {
    let found = follow(project, written, 0)?;
    let Expr::List(items) = found.value else {
        return None;
    };
    let facts = &project.files[found.file];
    let literal: Vec<&str> = items.iter().filter_map(Expr::as_str).collect();
    if literal.len() == items.len() {
        let lines = facts
            .string_lines(found.within, &literal)
            .unwrap_or_else(|| vec![found.within.start_line; literal.len()]);
        return Some(
            literal
                .iter()
                .zip(lines)
                .map(|(s, line)| (s.to_string(), line))
                .collect(),
        );
    }
    // Constants among the names (`BASH = "Bash"`): at the list's line.
    items
        .iter()
        .map(|item| {
            project
                .literal_str(found.file, found.scope, item)
                .map(|s| (s, found.within.start_line))
        })
        .collect()
}

/// The config of `server` in the session's servers option.
fn server_option<'p>(
    project: &'p Project,
    servers: Option<Written<'p>>,
    server: &str,
) -> Option<Written<'p>> {
    let found = follow(project, servers?, 0)?;
    let Expr::Dict(pairs) = found.value else {
        return None;
    };
    let (_, value) = pairs.iter().find(|(k, _)| k.as_str() == Some(server))?;
    follow(project, Written { value, ..found }, 0)
}

/// A server config named `server` written anywhere in the file (`GITHUB = {"github":
/// {"command": ...}}` merged into the session's servers at run time).
fn server_in_file<'p>(project: &'p Project, file: usize, server: &str) -> Option<Written<'p>> {
    let facts = &project.files[file];
    facts.assignments.iter().find_map(|a| {
        let value = config_under(&a.value, server, 0)?;
        Some(Written {
            file,
            scope: a.scope,
            within: a.span,
            value,
        })
    })
}

/// The value under key `server` of a dict (or a dict inside it) that looks like a server
/// config: a dict with a `command`, `url` or `type`, or a call.
fn config_under<'e>(expr: &'e Expr, server: &str, depth: usize) -> Option<&'e Expr> {
    let Expr::Dict(pairs) = expr else { return None };
    if depth > 3 {
        return None;
    }
    pairs.iter().find_map(|(k, v)| {
        let config_like = match v {
            Expr::Dict(inner) => inner
                .iter()
                .any(|(k, _)| matches!(k.as_str(), Some("command" | "url" | "type"))),
            Expr::Call(_) => true,
            _ => false,
        };
        if k.as_str() == Some(server) && config_like {
            Some(v)
        } else {
            config_under(v, server, depth + 1)
        }
    })
}

fn server_config(project: &Project, catalog: &LanguageCatalog, config: Written) -> ServerConfig {
    let facts = &project.files[config.file];
    let entries: Vec<(&str, &Expr)> = match config.value {
        Expr::Dict(pairs) => pairs
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
            .collect(),
        Expr::Call(call) => {
            let at = config.within.start_byte;
            let in_tree = match project.resolve(config.file, config.scope, &call.callee, at) {
                Sym::External(path) => catalog.tools.iter().any(|r| {
                    matches!(r.def.kind, ToolKind::Agent | ToolKind::Server) && r.matches(&path)
                }),
                _ => false,
            };
            if in_tree {
                return ServerConfig::InTree;
            }
            call.args
                .iter()
                .filter_map(|a| Some((a.name.as_deref()?, &a.value)))
                .collect()
        }
        _ => Vec::new(),
    };
    let text = |value: &Expr| -> Vec<String> {
        match value {
            Expr::Str(s) => vec![s.to_string()],
            Expr::List(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut launch = Vec::new();
    let mut flags = Vec::new();
    for (key, value) in entries {
        match key {
            "command" | "args" | "url" => {
                let words = text(value);
                flags.extend(words.iter().cloned());
                launch.extend(words);
            }
            "env" | "headers" => {
                if let Expr::Dict(pairs) = value {
                    flags.extend(pairs.iter().filter_map(|(k, v)| {
                        let on = !matches!(v.as_str(), Some("0" | "false" | ""));
                        k.as_str().filter(|_| on).map(str::to_string)
                    }));
                }
            }
            _ => {}
        }
    }
    ServerConfig::External {
        launch: launch.join(" "),
        flags,
        file: config.file,
        line: facts
            .assignments
            .iter()
            .find(|a| a.span == config.within)
            .map_or(config.within.start_line, |a| a.span.start_line),
    }
}

/// The guards the session puts around a granted tool: its permission rules' scopes, the
/// permission callback for the calls outside them, and hooks that run at the call.
pub(crate) fn session_guards(
    project: &Project,
    catalog: &LanguageCatalog,
    tool: &DetectedTool,
    grant: &Grant,
) -> Vec<Found> {
    let mut out = Vec::new();
    let Some(reg) = &tool.registration else {
        return out;
    };
    let facts = &project.files[grant.file];
    let site = &facts.calls[grant.call];
    let granted = |scope: &str| format!("{}({scope})", tool.name);
    if !grant.scopes.is_empty() {
        let rules: Vec<String> = grant.scopes.iter().map(|s| granted(s)).collect();
        out.push(Found {
            kind: crate::model::GuardKind::Allowlist,
            evidence: format!(
                "only calls matching {} run unasked; others are asked about or refused",
                rules.join(" or ")
            ),
            file: grant.file,
            line: grant.line,
            strong: true,
        });
    }
    if !grant.denied.is_empty() {
        out.push(Found {
            kind: crate::model::GuardKind::Allowlist,
            evidence: format!("{} refused (a deny list)", grant.denied.join(", ")),
            file: grant.file,
            line: site.span.start_line,
            strong: false,
        });
    }
    out.extend(call_guards(
        project,
        catalog,
        reg,
        site.span,
        &tool.name,
        !grant.scopes.is_empty(),
    ));
    out
}

/// The guards a session puts around each call of the tool it calls `name`: the permission
/// callback when the call is `asked` about (the permission rules do not pre-approve it), and
/// hooks whose matcher takes the name. `reg` holds the session's options, written at `site`.
fn call_guards(
    project: &Project,
    catalog: &LanguageCatalog,
    reg: &Registration,
    site: Span,
    name: &str,
    asked: bool,
) -> Vec<Found> {
    let mut out = Vec::new();
    for rule in &catalog.guards {
        if asked {
            for keyword in &rule.permission_callback {
                if let Some(value) = reg.call.keyword(keyword)
                    && !matches!(value, Expr::Null | Expr::Bool(false))
                {
                    out.push(Found {
                        kind: rule.kind,
                        evidence: format!(
                            "{keyword}={} is asked about the calls no permission rule pre-approves",
                            value.display()
                        ),
                        file: reg.file,
                        line: reg.line,
                        strong: rule.kind.is_strong(),
                    });
                }
            }
        }
        if let Some(hooks) = &rule.hooks {
            let Some(value) = hooks.keyword.iter().find_map(|k| reg.call.keyword(k)) else {
                continue;
            };
            let written = Written {
                file: reg.file,
                scope: reg.scope,
                within: site,
                value,
            };
            for (event, matcher, callback) in hook_callbacks(project, written) {
                if !hooks.events.iter().any(|e| e == event)
                    || !matcher_matches(matcher.as_deref(), name)
                {
                    continue;
                }
                let answer = hooks
                    .answers
                    .iter()
                    .find(|a| can_answer(project, callback, a));
                if !hooks.answers.is_empty() && answer.is_none() {
                    continue;
                }
                let function = &project.files[callback.0].functions[callback.1];
                let matcher = matcher.map_or_else(|| "every tool".into(), |m| format!("{m:?}"));
                out.push(Found {
                    kind: rule.kind,
                    evidence: match answer {
                        Some(answer) => format!(
                            "{event} hook {} ({matcher}) can answer {answer:?}",
                            function.qualname
                        ),
                        None => format!("{event} hook {} ({matcher})", function.qualname),
                    },
                    file: callback.0,
                    line: function.def_line,
                    strong: rule.kind.is_strong(),
                });
            }
        }
    }
    out
}

/// `(event, matcher, callback function)` of each hook in a session's hooks option:
/// `{"PreToolUse": [HookMatcher(matcher="Bash", hooks=[check])]}`, or
/// `{ PreToolUse: [{ matcher: "Bash", hooks: [check] }] }`.
fn hook_callbacks<'p>(
    project: &'p Project,
    hooks: Written<'p>,
) -> Vec<(&'p str, Option<String>, (usize, usize))> {
    let mut out = Vec::new();
    let Some(found) = follow(project, hooks, 0) else {
        return out;
    };
    let Expr::Dict(events) = found.value else {
        return out;
    };
    for (event, matchers) in events {
        let Some(event) = event.as_str() else {
            continue;
        };
        let Some(list) = follow(
            project,
            Written {
                value: matchers,
                ..found
            },
            0,
        ) else {
            continue;
        };
        let Expr::List(entries) = list.value else {
            continue;
        };
        for entry in entries {
            let field = |name: &str, position: usize| -> Option<&Expr> {
                match entry {
                    Expr::Call(call) => call.keyword(name).or_else(|| call.positional(position)),
                    Expr::Dict(pairs) => pairs
                        .iter()
                        .find(|(k, _)| k.as_str() == Some(name))
                        .map(|(_, v)| v),
                    _ => None,
                }
            };
            let matcher =
                field("matcher", 0).and_then(|m| project.literal_str(list.file, list.scope, m));
            let Some(Expr::List(callbacks)) = field("hooks", 1) else {
                continue;
            };
            for callback in callbacks {
                let at = list.within.start_byte;
                if let Sym::Function { file, func } =
                    project.resolve(list.file, list.scope, callback, at)
                {
                    out.push((event, matcher.clone(), (file, func)));
                }
            }
        }
    }
    out
}

/// A hook matcher: a tool name, alternatives (`Write|Edit`), a pattern (`mcp__github__.*`),
/// or nothing and `*` for every tool.
fn matcher_matches(matcher: Option<&str>, tool: &str) -> bool {
    let Some(matcher) = matcher
        .map(str::trim)
        .filter(|m| !m.is_empty() && *m != "*")
    else {
        return true;
    };
    matcher.split('|').map(str::trim).any(|alternative| {
        let glob = alternative.replace(".*", "*").replace(".+", "*");
        glob == tool
            || Glob::new(&glob).matches(tool)
            || glob
                .strip_suffix("__*")
                .is_some_and(|server| server == tool)
    })
}

/// Whether the function can return `answer` (a string literal in what it returns or builds).
fn can_answer(project: &Project, (file, func): (usize, usize), answer: &str) -> bool {
    let facts = &project.files[file];
    let holds = |e: &Expr| holds_value(e, answer, 0);
    facts
        .returns
        .iter()
        .filter(|r| r.scope == Some(func))
        .any(|r| holds(&r.value))
        || facts
            .assignments
            .iter()
            .filter(|a| a.scope == Some(func))
            .any(|a| holds(&a.value))
}

fn holds_value(expr: &Expr, answer: &str, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match expr {
        Expr::Str(s) => s == answer,
        Expr::Dict(pairs) => pairs.iter().any(|(_, v)| holds_value(v, answer, depth + 1)),
        Expr::List(items) | Expr::Choice(items) => {
            items.iter().any(|i| holds_value(i, answer, depth + 1))
        }
        Expr::Call(call) => call
            .args
            .iter()
            .any(|a| holds_value(&a.value, answer, depth + 1)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permission_rule_names_its_tool_and_scope() {
        assert_eq!(permission_rule("Bash(git:*)"), ("Bash", Some("git:*")));
        assert_eq!(permission_rule("Read()"), ("Read", None));
        assert_eq!(permission_rule("Read(*)"), ("Read", None));
        assert_eq!(permission_rule("mcp__github"), ("mcp__github", None));
    }

    #[test]
    fn hook_matchers_match_names_alternatives_and_patterns() {
        assert!(matcher_matches(None, "Bash"));
        assert!(matcher_matches(Some("*"), "Bash"));
        assert!(matcher_matches(Some("Write|Edit"), "Edit"));
        assert!(!matcher_matches(Some("Write|Edit"), "Bash"));
        assert!(matcher_matches(Some("mcp__github__.*"), "mcp__github"));
        assert!(matcher_matches(Some("Notebook.*"), "NotebookEdit"));
    }
}

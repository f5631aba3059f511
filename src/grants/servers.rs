//! The MCP servers a session names: configs of servers outside the tree (`mcp__github`), and
//! servers built in the tree whose tools the session serves.

use crate::catalog::{LanguageCatalog, ToolKind, ToolRule};
use crate::detect::{DetectedTool, Entry, Registration};
use crate::facts::{Call, CallExpr, Expr, Span};
use crate::link::{Project, Sym};

use super::{
    Grant, GrantedEffect, MAX_DEPTH, Session, Written, follow, permission_rule, session_options,
    session_registration, strings,
};

/// What `mcp__<server>` grants, into `grant`: `Ok` with the description the catalog gives;
/// `Err(None)` when the server is built in the tree (its tools are inventoried, the grant is no
/// tool of its own); `Err(Some(note))` when what its tools do is not known.
pub(super) fn describe(
    project: &Project,
    catalog: &LanguageCatalog,
    servers: Option<Written>,
    file: usize,
    tool: &str,
    server: &str,
    grant: &mut Grant,
) -> Result<Option<String>, Option<String>> {
    let config = server_option(project, servers, server)
        .or_else(|| server_in_file(project, file, server))
        .map(|w| server_config(project, catalog, w));
    grant.function = format!("{tool} (MCP server {server})");
    let (launch, flags, config_file, config_line) = match config {
        Some(ServerConfig::InTree) => return Err(None),
        Some(ServerConfig::External {
            launch,
            flags,
            file,
            line,
        }) => (launch, flags, file, line),
        None => {
            return Err(Some(format!(
                "`{tool}` grants the tools of MCP server `{server}`, whose config was not found; its effects are not known"
            )));
        }
    };
    let Some(known) = catalog.mcp_server(&launch) else {
        return Err(Some(format!(
            "`{tool}` grants the tools of MCP server `{server}` (`{launch}`), which no catalog describes; its effects are not known"
        )));
    };
    let read_only = known.read_only_flags.iter().any(|f| flags.contains(f));
    let effects = known
        .effects
        .iter()
        .filter(|e| !read_only || !e.category.changes_state());
    grant.known = true;
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
    Ok(Some(known.doc.clone()))
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
    let assigned = facts.assignments.iter().find_map(|a| {
        let value = config_under(&a.value, server, 0)?;
        Some(Written {
            file,
            scope: a.scope,
            within: a.span,
            value,
        })
    });
    // Or given to a call (another session's `mcp_servers={...}`).
    assigned.or_else(|| {
        facts.calls.iter().find_map(|c| {
            let value = c
                .call
                .args
                .iter()
                .find_map(|a| config_under(&a.value, server, 0))?;
            Some(Written {
                file,
                scope: c.scope,
                within: c.span,
                value,
            })
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

/// A session serving a tool of a server built in the tree.
pub(crate) struct Served {
    /// The session's options.
    pub registration: Registration,
    /// Where its options call is.
    pub(super) site: Span,
    /// The name the model calls the tool by (`mcp__release__deploy`).
    pub(super) qualified: String,
    /// Whether the session's permission rules pre-approve the tool.
    pub(super) pre_approved: bool,
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
            let pre_approved = super::bypasses(project, rule, &options)
                || granted.iter().any(|(text, _)| {
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

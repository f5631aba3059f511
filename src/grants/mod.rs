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
//! Guards come from the session (`guards.rs`), for the tools it grants and for the tools of the
//! tree's servers it serves (`mcp_servers={"release": release_server}`, `servers.rs`): a
//! permission rule's scope (`Bash(git:*)`) pre-approves only the calls it matches, a
//! default-deny allowlist, and the permission callback (`can_use_tool`) is asked about the
//! calls no rule pre-approves; hook callbacks that run at the call and can deny it
//! (`PreToolUse`); audit hooks after it (`PostToolUse`). A callback is never a guard for a name
//! granted whole, because the runtime does not ask it about pre-approved calls. Options with
//! guard values (`permission_mode="plan"`) are judged with every registration, in
//! [`crate::guards`]. A tool several sessions serve keeps the guard kinds all of them give.
//! Under the rule's `bypass` value (`permission_mode="bypassPermissions"`) nothing is asked:
//! scopes and callbacks guard nothing, and each granted tool has a finding. Subagents' own tool
//! lists (`AgentDefinition(tools=...)`) and settings files (`.claude/settings.json` hooks and
//! permissions) are not read.

use std::collections::BTreeMap;

use crate::catalog::{ArgSpec, LanguageCatalog, ToolKind, ToolRule};
use crate::detect::{CallRules, DetectedTool, Entry, Registration};
use crate::facts::{Arg, Call, CallExpr, Expr, Language, Span};
use crate::link::Project;
use crate::model::Category;
use crate::note::Note;

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
    /// The session asks about no call (`permission_mode="bypassPermissions"`).
    pub bypassed: bool,
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
    let note = |message: String| Note::at_line(facts, call.span.start_line, message);
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
    let bypassed = bypasses(project, rule, &options);
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
            bypassed,
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
            let servers = option(rule.def.servers.as_ref());
            match servers::describe(project, catalog, servers, file, &tool, server, &mut grant) {
                Ok(d) => description = d,
                Err(None) => continue,
                Err(Some(message)) => {
                    notes.push(Note::at_line(facts, line, message));
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
            notes.push(Note::at_line(
                facts,
                line,
                format!(
                    "`{tool}` is granted by name, but it is neither a {runtime} built-in nor a tool in the tree; its effects are not known"
                ),
            ));
            description = None;
        }
        out.push(DetectedTool {
            also_registered: Vec::new(),
            registration: Some(registration.clone()),
            name: tool,
            framework: rule.def.framework.clone(),
            rule: rule.id.clone(),
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

/// Whether the names a session grants are computed at run time (not a list of literals).
pub(crate) fn computed(project: &Project, file: usize, call: &Call, rule: &ToolRule) -> bool {
    let Some(spec) = &rule.def.tools else {
        return false;
    };
    session_options(project, file, call, rule)
        .iter()
        .find(|(key, _)| spec.keyword.iter().any(|k| k == *key))
        .is_some_and(|(_, w)| strings(project, *w).is_none())
}

/// Whether the session's options hold the rule's `bypass` value.
fn bypasses(project: &Project, rule: &ToolRule, options: &[(&str, Written)]) -> bool {
    let Some(bypass) = &rule.def.bypass else {
        return false;
    };
    options
        .iter()
        .filter(|(key, _)| *key == bypass.keyword)
        .filter_map(|(_, w)| follow(project, *w, 0))
        .any(|w| {
            project
                .literal_str(w.file, w.scope, w.value)
                .is_some_and(|v| bypass.values.contains(&v))
        })
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
        span: Some(call.span),
        receiver: None,
    }
}

/// A session of the project: the file and index of its options call, and its rule.
pub(crate) type Session<'p> = (usize, usize, &'p ToolRule);

/// Every session in the project's files of `language` (calls of `grant` rules).
pub(crate) fn sessions<'p>(
    project: &Project,
    catalog: &'p LanguageCatalog,
    language: Language,
) -> Vec<Session<'p>> {
    let rules = CallRules::new(catalog.tool_rules(ToolKind::Grant).collect());
    let mut out = Vec::new();
    if rules.is_empty() {
        return out;
    }
    for (file, facts) in project.files.iter().enumerate() {
        if facts.language.family() != language {
            continue;
        }
        for (c, call) in facts.calls.iter().enumerate() {
            if let Some(rule) = rules.matching(project, file, call) {
                out.push((file, c, rule));
            }
        }
    }
    out
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

mod guards;
mod servers;

pub(crate) use guards::{served_guards, session_guards};
pub(crate) use servers::{Served, served_by, session_servers};

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
}

//! Agents: which constructions hand which tools to a model.
//!
//! An agent constructor (`tool_list` and `agent` rules) takes a tool list; a server (`server`
//! rules, and agents such as pydantic-ai's) gets tools registered on it by decorator. Each entry
//! of a list is resolved: a function or tool class in the inventory, a variable holding a list
//! or a registration, a library tool constructed in place (`DuckDuckGoSearchRun()`). A list
//! built at run time (`load_tools(...)`, `toolkit.get_tools()`, a comprehension) is `dynamic`.

use std::collections::BTreeSet;

use crate::catalog::{LanguageCatalog, ToolKind};
use crate::detect::{CallRules, DetectedTool, Entry, arg_str};
use crate::facts::{CallExpr, Expr};
use crate::link::{Project, Sym};
use crate::model::{Agent, ToolList};

/// Lists nested through variables deeper than this are left as they are.
const MAX_DEPTH: usize = 8;

/// A tool of the inventory, as agents refer to it.
pub struct Known<'a> {
    pub id: &'a str,
    pub detected: &'a DetectedTool,
}

/// Finds the agents in the files of one language.
pub fn find_agents(
    project: &Project,
    catalog: &LanguageCatalog,
    language: crate::facts::Language,
    tools: &[Known],
) -> Vec<Agent> {
    let rules = CallRules::new(
        catalog
            .tools
            .iter()
            .filter(|r| {
                matches!(
                    r.def.kind,
                    ToolKind::ToolList | ToolKind::Agent | ToolKind::Server | ToolKind::Grant
                )
            })
            .collect(),
    );
    // Tools registered on an object: (file, assignment) of the object → tool ids.
    let registered_on: Vec<((usize, usize), &str)> = tools
        .iter()
        .filter_map(|t| {
            // `billing.asTool()` makes the agent a tool; it is not a tool of that agent.
            if matches!(
                t.detected.entry,
                Entry::Registration {
                    effect: Some(_),
                    ..
                }
            ) {
                return None;
            }
            let reg = t.detected.registration.as_ref()?;
            let Some(Expr::Name(name)) = &reg.receiver else {
                return None;
            };
            Some((project.assignment_of(reg.file, reg.scope, name)?, t.id))
        })
        .collect();
    let mut agents = Vec::new();
    for (file, facts) in project.files.iter().enumerate() {
        if facts.language.family() != language {
            continue;
        }
        for (c, call) in facts.calls.iter().enumerate() {
            let Some(rule) = rules.matching(project, file, call) else {
                continue;
            };
            let assignment = facts.assignments.iter().position(|a| {
                a.span.contains(&call.span) && matches!(&a.value, Expr::Call(c) if *c == call.call)
            });
            let name = arg_str(
                project,
                file,
                call.scope,
                rule.def.name.as_ref(),
                &call.call,
            )
            .or_else(|| assignment.map(|a| facts.assignments[a].target.display()))
            .unwrap_or_else(|| call.callee_text.to_string());
            let mut list = Listing::default();
            if rule.def.kind == ToolKind::Grant {
                // The names it grants, and the tools of the servers built in the tree that it
                // serves.
                list.ids.extend(
                    tools
                        .iter()
                        .filter(|t| matches!(&t.detected.entry, Entry::Granted(g) if (g.file, g.call) == (file, c)))
                        .map(|t| t.id.to_string()),
                );
                list.dynamic |= crate::grants::computed(project, file, call, rule);
                for server in crate::grants::session_servers(project, catalog, file, call, rule) {
                    let Some(arg) = server
                        .rule
                        .def
                        .tools
                        .as_ref()
                        .and_then(|t| t.find(server.call))
                    else {
                        continue;
                    };
                    list.entry(project, tools, server.file, server.scope, arg, server.at, 0);
                }
            } else if let Some(arg) = rule.def.tools.as_ref().and_then(|t| t.find(&call.call)) {
                list.entry(
                    project,
                    tools,
                    file,
                    call.scope,
                    arg,
                    call.span.start_byte,
                    0,
                );
            }
            if let Some(a) = assignment {
                for (site, id) in &registered_on {
                    if *site == (file, a) {
                        list.ids.insert(id.to_string());
                    }
                }
            }
            if rule.def.kind == ToolKind::Server && list.ids.is_empty() {
                continue;
            }
            let (cell, line) = facts.place(call.span.start_line);
            agents.push(Agent {
                name,
                framework: rule.def.framework.clone(),
                rule: rule.id.to_string(),
                file: facts.path.clone(),
                cell,
                line,
                tool_list: if list.dynamic {
                    ToolList::Dynamic
                } else {
                    ToolList::Explicit
                },
                tools: list.ids.into_iter().collect(),
                other_tools: list.others.into_iter().collect(),
            });
        }
    }
    agents
}

#[derive(Default)]
struct Listing {
    ids: BTreeSet<String>,
    others: BTreeSet<String>,
    dynamic: bool,
}

impl Listing {
    #[allow(clippy::too_many_arguments)]
    fn entry(
        &mut self,
        project: &Project,
        tools: &[Known],
        file: usize,
        scope: Option<usize>,
        expr: &Expr,
        at: usize,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            self.dynamic = true;
            return;
        }
        match expr {
            Expr::List(items) => {
                for item in items {
                    self.entry(project, tools, file, scope, item, at, depth + 1);
                }
                return;
            }
            // A tool map (`tools: { weather: weatherTool }`).
            Expr::Dict(pairs) => {
                for (_, value) in pairs {
                    self.entry(project, tools, file, scope, value, at, depth + 1);
                }
                return;
            }
            // `fast if FAST else careful`: either may be given.
            Expr::Choice(options) => {
                for option in options {
                    self.entry(project, tools, file, scope, option, at, depth + 1);
                }
                return;
            }
            Expr::Call(call) if self.registration(tools, file, call) => return,
            Expr::Call(call) if self.factory(project, tools, file, scope, call, at) => return,
            Expr::Name(name) => {
                if let Some((f, a)) = project.assignment_of(file, scope, name) {
                    let assignment = &project.files[f].assignments[a];
                    if matches!(
                        assignment.value,
                        Expr::List(_) | Expr::Dict(_) | Expr::Call(_)
                    ) {
                        let (value, scope, start) = (
                            &assignment.value,
                            assignment.scope,
                            assignment.span.start_byte,
                        );
                        if let Expr::Call(call) = value
                            && (self.registration(tools, f, call)
                                || self.factory(project, tools, f, scope, call, start))
                        {
                            return;
                        }
                        if let Expr::List(_) | Expr::Dict(_) = value {
                            self.entry(project, tools, f, scope, value, start, depth + 1);
                            return;
                        }
                    }
                }
            }
            _ => {}
        }
        let sym = project.resolve(file, scope, expr, at);
        let matched: Vec<&str> = tools
            .iter()
            .filter(|t| match (&sym, &t.detected.entry) {
                (Sym::Function { file, func }, Entry::Function { file: f, func: g }) => {
                    (file, func) == (f, g)
                }
                (
                    Sym::Instance { file, class } | Sym::Class { file, class },
                    Entry::Class {
                        file: f, class: c, ..
                    },
                ) => (file, class) == (f, c),
                _ => false,
            })
            .map(|t| t.id)
            .collect();
        if !matched.is_empty() {
            self.ids.extend(matched.iter().map(|s| s.to_string()));
            return;
        }
        let text = expr.display();
        // A library tool constructed in place (`WebSearchTool()`, `webSearchTool()` imported
        // from the SDK) is a fixed entry; anything else computed at run time (a loader, a
        // toolkit's `get_tools()`, a comprehension) is not.
        let constructed = match expr {
            Expr::Call(call) => {
                call.callee
                    .last_name()
                    .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_uppercase()))
                    || project
                        .resolve_api(file, scope, &call.callee, at)
                        .is_some_and(|path| {
                            path.0
                                .iter()
                                .filter(|s| matches!(s, crate::pattern::Step::Name(_)))
                                .count()
                                >= 2
                        })
            }
            Expr::Name(_) | Expr::Attr(..) => !matches!(sym, Sym::Unknown),
            _ => false,
        };
        if !constructed {
            self.dynamic = true;
        }
        self.others.insert(text);
    }

    /// A call of a factory in the tree that registers a tool inside it
    /// (`createLookupTool({...})` returning `tool({...})`) is that tool.
    fn factory(
        &mut self,
        project: &Project,
        tools: &[Known],
        file: usize,
        scope: Option<usize>,
        call: &CallExpr,
        at: usize,
    ) -> bool {
        let Sym::Function { file, func } = project.resolve(file, scope, &call.callee, at) else {
            return false;
        };
        self.registered_by(tools, |r| r.file == file && r.scope == Some(func))
    }

    /// A registration call in the list (`Tool(name=..., func=f)`) is the tool it registers.
    fn registration(&mut self, tools: &[Known], file: usize, call: &CallExpr) -> bool {
        self.registered_by(tools, |r| r.file == file && r.call == *call)
    }

    /// Lists the tools one of whose registrations is `made`; whether there were any.
    fn registered_by(
        &mut self,
        tools: &[Known],
        made: impl Fn(&crate::detect::Registration) -> bool,
    ) -> bool {
        let found: Vec<&str> = tools
            .iter()
            .filter(|t| {
                t.detected
                    .registration
                    .iter()
                    .chain(&t.detected.also_registered)
                    .any(&made)
            })
            .map(|t| t.id)
            .collect();
        self.ids.extend(found.iter().map(|s| s.to_string()));
        !found.is_empty()
    }
}

/// The agent construction a call runs, when the tree holds it: the receiver of
/// `agent.run(...)`, followed through variables and imports to the constructor call, also
/// through a wrapper that takes the agent (`AgentTool(agent=db_agent).run_async(...)`,
/// `Task(agent=researcher).execute()`). Gives the construction's file and line.
pub fn called_agent(
    project: &Project,
    catalog: &LanguageCatalog,
    file: usize,
    call: usize,
) -> Option<(usize, u32)> {
    let site = &project.files[file].calls[call];
    let receiver = match &site.call.callee {
        Expr::Attr(base, _) => &**base,
        _ => return None,
    };
    let agents: Vec<_> = catalog
        .tools
        .iter()
        .filter(|r| matches!(r.def.kind, ToolKind::ToolList | ToolKind::Agent))
        .collect();
    follow_agent(project, &agents, file, site.scope, receiver, 0)
}

fn follow_agent(
    project: &Project,
    agents: &[&crate::catalog::ToolRule],
    file: usize,
    scope: Option<usize>,
    expr: &Expr,
    depth: usize,
) -> Option<(usize, u32)> {
    if depth > MAX_DEPTH {
        return None;
    }
    match expr {
        Expr::Name(name) => {
            let (f, a) = project.assignment_of(file, scope, name)?;
            let assignment = &project.files[f].assignments[a];
            follow_agent(
                project,
                agents,
                f,
                assignment.scope,
                &assignment.value,
                depth + 1,
            )
        }
        Expr::Call(inner) => {
            let at = usize::MAX;
            if let Some(path) = project.resolve_api(file, scope, &inner.callee, at)
                && agents.iter().any(|r| r.matches(&path))
            {
                // The call fact that holds this expression gives the line.
                let fact = project.files[file]
                    .calls
                    .iter()
                    .find(|c| std::sync::Arc::ptr_eq(&c.call, inner))?;
                return Some((file, fact.span.start_line));
            }
            let wrapped = inner.keyword("agent")?;
            follow_agent(project, agents, file, scope, wrapped, depth + 1)
        }
        // `bq_agent if use_bigquery else None`: the agent it can be.
        Expr::Choice(options) => options
            .iter()
            .find_map(|o| follow_agent(project, agents, file, scope, o, depth + 1)),
        _ => None,
    }
}

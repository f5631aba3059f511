//! Guards set where an agent or tool is built rather than on the path to the effect: approval
//! middleware naming tools (`HumanInTheLoopMiddleware(interrupt_on={...})`), graphs that pause
//! before the node running their tools (`interrupt_before=["tools"]`), and agent options that
//! bound every tool they are given (`stopWhen: stepCountIs(5)`).
//!
//! Reads the linked facts of the judged language family and the guard catalog's `tool_map`,
//! `node_gate` and `agent_option` forms; hands [`super::Judge`] the tools each construction
//! gates, by name, by code, by the factory that builds them or by their registration. A tool
//! that a prebuilt agent lists without the pause, while another pauses for it, is not gated.
//! Constructions are found in the same family's files only, and a call is dismissed by its last
//! name before anything resolves.

use super::{CodeKey, Found, HashMap, HashSet, Judge, is_off};
use crate::catalog::{ArgSpec, FoundBy, GuardRule};
use crate::facts::Expr;
use crate::link::Sym;
use crate::pattern::Pattern;

/// What agent options bound (see [`Judge::agent_options`]): tools by their code, by the
/// factory that builds them, and by their registration call (file, line).
#[derive(Default)]
pub(super) struct AgentGates {
    pub(super) codes: HashMap<CodeKey, Vec<Found>>,
    pub(super) factories: HashMap<(usize, usize), Vec<Found>>,
    pub(super) registrations: HashMap<(usize, u32), Vec<Found>>,
}

impl<'p> Judge<'p> {
    /// The files of the language family judged.
    fn family_files(&self) -> impl Iterator<Item = (usize, &'p crate::facts::FileFacts)> {
        let language = self.language;
        self.project
            .files
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.language.family() == language)
    }

    /// `[[guard]] tool_map`: constructions whose dict argument names tools to interrupt on.
    pub(super) fn tool_maps(&self) -> HashMap<String, Vec<Found>> {
        let mut out: HashMap<String, Vec<Found>> = HashMap::default();
        let rules: Vec<&GuardRule> = self
            .catalog
            .guards
            .iter()
            .filter(|r| r.tool_map.is_some())
            .collect();
        if rules.is_empty() {
            return out;
        }
        for (file, facts) in self.family_files() {
            for (c, call) in facts.calls.iter().enumerate() {
                for rule in &rules {
                    let Some((patterns, keyword)) = &rule.tool_map else {
                        continue;
                    };
                    let Some(Expr::Dict(pairs)) = call.call.keyword(keyword) else {
                        continue;
                    };
                    if !self.call_matches(file, c, patterns) {
                        continue;
                    }
                    for (key, value) in pairs {
                        if let Expr::Str(name) = key
                            && !is_off(value)
                        {
                            out.entry(name.to_string()).or_default().push(Found {
                                kind: rule.kind,
                                evidence: format!(
                                    "{}({keyword}={{{name:?}: ...}})",
                                    call.callee_text
                                ),
                                file,
                                line: call.span.start_line,
                                strong: rule.kind.is_strong(),
                                rule: FoundBy(rule.id.clone()),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// `[[guard]] node_gate`: agent constructions that pause before the node running their
    /// tools (`interrupt_before=["tools"]`): every function or class in their own tool list
    /// (unless another construction of the same kind lists it without the pause), or in the
    /// list of the tool node added under a name they pause before (a graph built by hand).
    pub(super) fn node_gates(&self) -> HashMap<CodeKey, Vec<Found>> {
        let mut out: HashMap<CodeKey, Vec<Found>> = HashMap::default();
        let mut ungated: HashSet<CodeKey> = HashSet::default();
        let project = self.project;
        for rule in &self.catalog.guards {
            let Some(gate) = &rule.node_gate else {
                continue;
            };
            for (file, facts) in self.family_files() {
                if !file_may_call(project, file, &gate.calls) {
                    continue;
                }
                for (c, call) in facts.calls.iter().enumerate() {
                    // Most calls are dismissed by their last name before anything resolves.
                    if !last_name_may_match(&gate.calls, &call.call) {
                        continue;
                    }
                    let paused: Vec<String> = match call.call.keyword(&gate.keyword) {
                        Some(Expr::List(nodes)) => nodes
                            .iter()
                            .filter_map(|n| project.literal_str(file, call.scope, n))
                            .collect(),
                        _ => Vec::new(),
                    };
                    let own = gate.tools.as_ref().and_then(|spec| spec.find(&call.call));
                    if (own.is_none() && paused.is_empty())
                        || !self.call_matches(file, c, &gate.calls)
                    {
                        continue;
                    }
                    let found = |node: &str| Found {
                        kind: rule.kind,
                        evidence: format!("{}({}=[{node:?}])", call.callee_text, gate.keyword),
                        file,
                        line: call.span.start_line,
                        strong: rule.kind.is_strong(),
                        rule: FoundBy(rule.id.clone()),
                    };
                    let at = call.span.start_byte;
                    if let Some(own) = own {
                        let node = paused.iter().find(|n| gate.nodes.contains(n));
                        for key in self.listed_code(file, call.scope, own, at) {
                            match node {
                                Some(node) => out.entry(key).or_default().push(found(node)),
                                None => {
                                    ungated.insert(key);
                                }
                            }
                        }
                    }
                    if let Some((add_node, tool_nodes, tools)) = &gate.graph
                        && let Expr::Attr(graph, _) = &call.call.callee
                    {
                        let nodes = (add_node.as_slice(), tool_nodes.as_slice(), tools);
                        for (node, list) in self.tool_nodes(file, graph, &paused, nodes) {
                            for key in list {
                                out.entry(key).or_default().push(found(&node));
                            }
                        }
                    }
                }
            }
        }
        out.retain(|key, _| !ungated.contains(key));
        out
    }

    /// `[[guard]] agent_option`: agent constructions given an option that bounds their tools
    /// (`streamText({ tools, stopWhen: stepCountIs(5) })`): every function or class in their
    /// tool list or map, and every factory of the tree whose call builds one of its tools.
    pub(super) fn agent_options(&self) -> AgentGates {
        let mut gates = AgentGates::default();
        let project = self.project;
        for rule in &self.catalog.guards {
            let Some((calls, keyword, tools)) = &rule.agent_option else {
                continue;
            };
            for (file, facts) in self.family_files() {
                if !file_may_call(project, file, calls) {
                    continue;
                }
                for (c, call) in facts.calls.iter().enumerate() {
                    if !last_name_may_match(calls, &call.call) {
                        continue;
                    }
                    let Some(value) = call.call.keyword(keyword).filter(|v| !is_off(v)) else {
                        continue;
                    };
                    let Some(listed) = tools.find(&call.call) else {
                        continue;
                    };
                    if !self.call_matches(file, c, calls) {
                        continue;
                    }
                    let at = call.span.start_byte;
                    let found = Found {
                        kind: rule.kind,
                        evidence: format!(
                            "{keyword}: {} on {}(...)",
                            value.display(),
                            call.callee_text
                        ),
                        file,
                        line: call.span.start_line,
                        strong: rule.kind.is_strong(),
                        rule: FoundBy(rule.id.clone()),
                    };
                    let bound = match listed {
                        Expr::Name(_) => project.value_of(file, call.scope, listed, at),
                        _ => None,
                    };
                    let items: Vec<&Expr> = match bound.as_ref().unwrap_or(listed) {
                        Expr::List(items) => items.iter().collect(),
                        Expr::Dict(pairs) => pairs.iter().map(|(_, v)| v).collect(),
                        _ => continue,
                    };
                    for item in items {
                        // A call that builds the tool, written in place or bound to a name (in
                        // this file or imported): a registration, or a factory of the tree.
                        let (made, made_file, made_scope, made_at, made_line) = match item {
                            Expr::Name(name) => match project.assignment_of(file, call.scope, name)
                            {
                                Some((f, a)) => {
                                    let a = &project.files[f].assignments[a];
                                    (&a.value, f, a.scope, a.span.start_byte, a.span.start_line)
                                }
                                None => (item, file, call.scope, at, call.span.start_line),
                            },
                            // In place: the line of that call (it shares its call fact).
                            Expr::Call(inner) => {
                                let line = facts
                                    .calls
                                    .iter()
                                    .find(|c| std::sync::Arc::ptr_eq(&c.call, inner))
                                    .map_or(call.span.start_line, |c| c.span.start_line);
                                (item, file, call.scope, at, line)
                            }
                            _ => (item, file, call.scope, at, call.span.start_line),
                        };
                        if let Expr::Call(made) = made {
                            match project.resolve(made_file, made_scope, &made.callee, made_at) {
                                Sym::Function { file: f, func } => {
                                    gates
                                        .factories
                                        .entry((f, func))
                                        .or_default()
                                        .push(found.clone());
                                }
                                _ => {
                                    gates
                                        .registrations
                                        .entry((made_file, made_line))
                                        .or_default()
                                        .push(found.clone());
                                }
                            }
                            continue;
                        }
                        let Some(key) = code_key(&project.resolve(file, call.scope, item, at))
                        else {
                            continue;
                        };
                        gates.codes.entry(key).or_default().push(found.clone());
                    }
                }
            }
        }
        gates
    }

    /// The functions and classes of the tree in a tool list (a list literal, or a name bound
    /// to one), as (file, 0, function) or (file, 1, class).
    fn listed_code(
        &self,
        file: usize,
        scope: Option<usize>,
        list: &Expr,
        at: usize,
    ) -> Vec<CodeKey> {
        let project = self.project;
        let bound = match list {
            Expr::Name(_) => project.value_of(file, scope, list, at),
            _ => None,
        };
        let Some(Expr::List(items)) = bound.as_ref().or(Some(list)) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| code_key(&project.resolve(file, scope, item, at)))
            .collect()
    }

    /// The nodes named in `paused` that `add_node` calls on `graph` (the same builder, in
    /// `file`) add as tool nodes, with the code of the tools each runs.
    fn tool_nodes(
        &self,
        file: usize,
        graph: &Expr,
        paused: &[String],
        (add_node, tool_nodes, tools): (&[Pattern], &[Pattern], &ArgSpec),
    ) -> Vec<(String, Vec<CodeKey>)> {
        let project = self.project;
        let mut out = Vec::new();
        for (c, call) in project.files[file].calls.iter().enumerate() {
            if !matches!(&call.call.callee, Expr::Attr(base, _) if **base == *graph) {
                continue;
            }
            let Some(name) = call
                .call
                .positional(0)
                .and_then(|n| project.literal_str(file, call.scope, n))
                .filter(|n| paused.contains(n))
            else {
                continue;
            };
            if !self.call_matches(file, c, add_node) {
                continue;
            }
            let at = call.span.start_byte;
            let Some(node) = call.call.positional(1) else {
                continue;
            };
            let bound = match node {
                Expr::Name(_) => project.value_of(file, call.scope, node, at),
                _ => None,
            };
            let Some(Expr::Call(built)) = bound.as_ref().or(Some(node)) else {
                continue;
            };
            let is_tool_node = project
                .resolve_api(file, call.scope, &built.callee, at)
                .is_some_and(|path| tool_nodes.iter().any(|p| p.matches(&path)));
            if let (true, Some(list)) = (is_tool_node, tools.find(built)) {
                out.push((name, self.listed_code(file, call.scope, list, at)));
            }
        }
        out
    }

    /// Whether call `c` of `file` resolves to an API one of `patterns` matches.
    fn call_matches(&self, file: usize, c: usize, patterns: &[Pattern]) -> bool {
        self.call_path(file, c)
            .is_some_and(|path| patterns.iter().any(|p| p.matches(&path)))
    }
}

/// The key of the code a symbol names, when it is a function or class of the tree.
fn code_key(sym: &Sym) -> Option<CodeKey> {
    match *sym {
        Sym::Function { file, func } => Some((file, 0, func)),
        Sym::Class { file, class } | Sym::Instance { file, class } => Some((file, 1, class)),
        _ => None,
    }
}

/// Whether some call of `file` passes [`last_name_may_match`] for `patterns`: most files call
/// nothing a construction rule names, and are passed over without a look at each call.
fn file_may_call(project: &crate::link::Project, file: usize, patterns: &[Pattern]) -> bool {
    let called = project.calls_last_names(file);
    patterns.iter().any(|p| match p.required_last_name() {
        Some(name) => called.contains(name),
        None => true,
    })
}

/// Whether a call's last name can match one of `patterns` (a pattern without a literal last
/// name can match anything).
fn last_name_may_match(patterns: &[Pattern], call: &crate::facts::CallExpr) -> bool {
    let last = call.callee.last_name();
    patterns.iter().any(|p| match p.required_last_name() {
        Some(name) => last == Some(name),
        None => true,
    })
}

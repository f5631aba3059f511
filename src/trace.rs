//! Tracing: the effects a tool reaches, through helpers, methods and other files.
//!
//! From the code a tool runs, a breadth-first walk follows every call that resolves to a
//! function in the scanned tree: building an instance runs its constructor and calling one its
//! call method (Python `__init__` and `__call__`, JavaScript `constructor`, as the front ends
//! mark them), and functions handed to an executor run too. Library calls are matched against
//! the effect catalog where they are made. Breadth-first order gives each effect the shortest chain; a
//! function is visited once per tool, so cycles end. Calls whose target cannot be resolved are
//! counted, never guessed.

use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;
use std::rc::Rc;

use crate::catalog::{EffectRule, Judged, LanguageCatalog, RuleId};
use crate::detect::{DetectedTool, Entry};
use crate::facts::{Call, Expr, Language, Role, Span};
use crate::link::{Project, Sym};
use crate::model::{Category, NotDestructive};
use crate::pattern::{ApiPath, Step};

/// A tool visits at most this many functions; beyond it the walk stops (and says so).
const MAX_FUNCTIONS: usize = 20_000;

/// A piece of code on a tool's path: a whole function, or part of one (a dispatcher branch,
/// a lambda).
#[derive(Debug, Clone)]
pub struct Node {
    pub file: usize,
    pub scope: Option<usize>,
    /// Only calls inside this span belong to the node.
    pub within: Option<Span>,
    pub label: String,
    /// The node and call (index into the parent's file's calls) that reached this one first.
    pub parent: Option<(usize, usize)>,
    /// Every (node, call) that calls this one, the first parent included.
    pub incoming: Vec<(usize, usize)>,
}

/// An effect a tool reaches.
#[derive(Debug, Clone)]
pub struct Reached {
    pub node: usize,
    /// Index into the node's file's calls; `None` for an effect of the registration itself.
    pub call: Option<usize>,
    pub category: Category,
    /// Why the effect is not destructive though its category is.
    pub not_destructive: Option<NotDestructive>,
    pub call_text: String,
    pub api: String,
    pub file: usize,
    pub line: u32,
    /// The effect is in code outside the tree (a granted tool of the agent runtime): no
    /// chain of calls leads to it.
    pub outside: bool,
    /// The catalog rule that made the call this effect (`py.effect.http-write`).
    pub rule: RuleId,
}

/// Everything a tool reaches.
#[derive(Debug, Default)]
pub struct Trace {
    pub nodes: Vec<Node>,
    pub effects: Vec<Reached>,
    pub unresolved: usize,
    /// The walk stopped at [`MAX_FUNCTIONS`].
    pub truncated: bool,
}

impl Trace {
    /// The chain of labels from the tool's entry to `node`.
    pub fn via(&self, node: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = Some(node);
        while let Some(n) = current {
            out.push(self.nodes[n].label.clone());
            current = self.nodes[n].parent.map(|(p, _)| p);
        }
        out.reverse();
        out
    }
}

/// What one call does, as far as tracing is concerned.
#[derive(Debug, Clone)]
enum Outcome<'p> {
    /// The categories (each with the rule that decided it), the API, and the rule when an
    /// argument refines the category.
    Effect(Vec<Judged>, String, Option<&'p EffectRule>),
    Calls(Vec<(usize, usize)>),
    /// A message sent to another process through the API, and the channel rule.
    Send(String, RuleId),
    Unresolved,
    Nothing,
}

/// Traces tools, remembering what each call resolves to across tools.
pub struct Tracer<'p> {
    project: &'p Project,
    catalog: &'p LanguageCatalog,
    outcomes: RefCell<HashMap<(usize, usize), Rc<Outcome<'p>>>>,
}

impl<'p> Tracer<'p> {
    pub fn new(project: &'p Project, catalog: &'p LanguageCatalog) -> Self {
        Tracer {
            project,
            catalog,
            outcomes: RefCell::new(HashMap::default()),
        }
    }

    /// Tells the linker what each framework passes its handlers' context parameter
    /// (`[[tool]] context`), before any tool is traced.
    pub fn bind_contexts(&self, tools: &[DetectedTool]) {
        let project = self.project;
        for tool in tools {
            let Some(registration) = &tool.registration else {
                continue;
            };
            let handler = match tool.entry {
                Entry::Function { file, func } => Some((file, func)),
                Entry::Lambda { file, span, .. } => {
                    match project.resolve(file, None, &Expr::Lambda(span), span.start_byte) {
                        Sym::Function { file, func } => Some((file, func)),
                        _ => None,
                    }
                }
                _ => None,
            };
            let Some((file, func)) = handler else {
                continue;
            };
            let Some(path) = project.resolve_api(
                registration.file,
                registration.scope,
                &registration.call.callee,
                usize::MAX,
            ) else {
                continue;
            };
            let Some(context) = self
                .catalog
                .tools
                .iter()
                .filter(|rule| rule.matches(&path.without_trailing_call()) || rule.matches(&path))
                .find_map(|rule| rule.def.context.as_ref())
            else {
                continue;
            };
            let function = &project.files[file].functions[func];
            let index = context.param + usize::from(function.takes_receiver());
            if function
                .params
                .get(index)
                .is_some_and(|p| p.annotation.is_none())
            {
                let ty = ApiPath::from_dotted(&context.type_).with(Step::Call(None));
                project.assume_argument(file, func, index, Sym::External(ty));
            }
        }
    }

    pub fn trace(&self, tool: &DetectedTool) -> Trace {
        let mut trace = Trace::default();
        let entry_file = match roots(self.project, &tool.entry).first() {
            Some(node) => node.file,
            None => usize::MAX,
        };
        let mut visited: HashMap<(usize, usize), usize> = HashMap::default();
        for node in roots(self.project, &tool.entry) {
            if let (Some(func), None) = (node.scope, node.within) {
                visited.insert((node.file, func), trace.nodes.len());
            }
            trace.nodes.push(node);
        }
        let project = self.project;
        // Adds a function reached from (node, call), once per tool.
        let enqueue = |trace: &mut Trace,
                       visited: &mut HashMap<(usize, usize), usize>,
                       (file, func): (usize, usize),
                       from: (usize, usize)| {
            if let Some(&known) = visited.get(&(file, func)) {
                if !trace.nodes[known].incoming.contains(&from) {
                    trace.nodes[known].incoming.push(from);
                }
                return;
            }
            if trace.nodes.len() >= MAX_FUNCTIONS {
                trace.truncated = true;
                return;
            }
            visited.insert((file, func), trace.nodes.len());
            trace.nodes.push(Node {
                file,
                scope: Some(func),
                within: None,
                label: label(project, entry_file, file, func),
                parent: Some(from),
                incoming: vec![from],
            });
        };
        // The rule of each effect whose category an argument refines.
        let mut refinable: Vec<Option<&'p EffectRule>> = Vec::new();
        // Messages sent to another process, (node, call, API): judged once the walk has found
        // every caller that can name the message.
        let mut sends: Vec<(usize, usize, String, RuleId)> = Vec::new();
        let mut judged_sends = 0;
        let mut next = 0;
        loop {
            while next < trace.nodes.len() {
                let node = trace.nodes[next].clone();
                let current = next;
                next += 1;
                for &call_index in self.project.calls_in(node.file, node.scope) {
                    let call = &self.project.files[node.file].calls[call_index];
                    if node.within.is_some_and(|span| !span.contains(&call.span)) {
                        continue;
                    }
                    match &*self.outcome(node.file, call_index) {
                        Outcome::Effect(categories, api, rule) => {
                            for (category, not_destructive, by) in categories {
                                refinable.push(*rule);
                                trace.effects.push(Reached {
                                    node: current,
                                    call: Some(call_index),
                                    category: *category,
                                    not_destructive: *not_destructive,
                                    call_text: call.callee_text.to_string(),
                                    api: api.clone(),
                                    file: node.file,
                                    line: call.span.start_line,
                                    outside: false,
                                    rule: by.clone(),
                                });
                            }
                        }
                        Outcome::Calls(targets) => {
                            for &(file, func) in targets {
                                enqueue(
                                    &mut trace,
                                    &mut visited,
                                    (file, func),
                                    (current, call_index),
                                );
                            }
                        }
                        Outcome::Send(api, by) => {
                            sends.push((current, call_index, api.clone(), by.clone()))
                        }
                        Outcome::Unresolved => trace.unresolved += 1,
                        Outcome::Nothing => {}
                    }
                    // An inline function given to a call (`items.forEach(i => unlink(i))`,
                    // `new Promise((resolve) => spawn(...))`), or a closure of this function
                    // handed on by name (`timers.register(import_handler)`), is part of the
                    // code that runs.
                    for arg in &call.call.args {
                        if !matches!(arg.value, Expr::Lambda(_) | Expr::Name(_)) {
                            continue;
                        }
                        if let Sym::Function { file, func } = self.project.resolve(
                            node.file,
                            call.scope,
                            &arg.value,
                            call.span.start_byte,
                        ) && (matches!(arg.value, Expr::Lambda(_))
                            || (file == node.file
                                && node.scope.is_some()
                                && self.project.files[file].functions[func].parent == node.scope))
                        {
                            enqueue(
                                &mut trace,
                                &mut visited,
                                (file, func),
                                (current, call_index),
                            );
                        }
                    }
                }
            }
            // A message the tree handles runs its handler; one that reaches nothing in the tree
            // goes out over the network.
            if judged_sends == sends.len() {
                break;
            }
            for (node, call_index, api, by) in sends[judged_sends..].iter().cloned() {
                let handlers: Vec<(usize, usize)> = self
                    .message_names(&trace, node, call_index)
                    .iter()
                    .flat_map(|name| self.project.handlers_for(name).iter().copied())
                    .collect();
                if handlers.is_empty() {
                    let n = &trace.nodes[node];
                    let call = &self.project.files[n.file].calls[call_index];
                    refinable.push(None);
                    trace.effects.push(Reached {
                        node,
                        call: Some(call_index),
                        category: Category::HttpWrite,
                        not_destructive: None,
                        call_text: call.callee_text.to_string(),
                        api,
                        file: n.file,
                        line: call.span.start_line,
                        outside: false,
                        rule: by,
                    });
                }
                for target in handlers {
                    enqueue(&mut trace, &mut visited, target, (node, call_index));
                }
            }
            judged_sends = sends.len();
        }
        self.refine(&mut trace, &refinable);
        if let Entry::Registration {
            file,
            call,
            effect: Some(category),
            ..
        } = tool.entry
        {
            let rule = tool.rule.clone();
            let site = &self.project.files[file].calls[call];
            trace.nodes.push(Node {
                file,
                scope: site.scope,
                within: Some(site.span),
                label: tool.name.clone(),
                parent: None,
                incoming: Vec::new(),
            });
            trace.effects.push(Reached {
                node: trace.nodes.len() - 1,
                call: None,
                category,
                not_destructive: None,
                call_text: site.callee_text.to_string(),
                api: site.callee_text.to_string(),
                file,
                line: site.span.start_line,
                outside: false,
                rule,
            });
        }
        if let Entry::Granted(grant) = &tool.entry {
            let site = &self.project.files[grant.file].calls[grant.call];
            trace.nodes.push(Node {
                file: grant.file,
                scope: site.scope,
                within: Some(site.span),
                label: tool.name.clone(),
                parent: None,
                incoming: Vec::new(),
            });
            let node = trace.nodes.len() - 1;
            trace.effects.extend(grant.effects.iter().map(|e| Reached {
                node,
                call: None,
                category: e.category,
                not_destructive: None,
                call_text: e.call.clone(),
                api: e.api.clone(),
                file: e.file,
                line: e.line,
                outside: true,
                rule: e.api.as_str().into(),
            }));
            // What an unknown name does is not proven: counted like a call not resolved.
            trace.unresolved += usize::from(!grant.known);
        }
        trace
    }

    /// Judges again, with what the callers on the tool's paths pass, the effects whose category
    /// an argument decides: `fetch(url, { method: options.method || "GET" })` in a helper is a
    /// read for the tool that calls it without options and a write for one that passes
    /// `{ method: "POST" }`. An effect some path leaves undecided keeps its first judgement.
    fn refine(&self, trace: &mut Trace, rules: &[Option<&'p EffectRule>]) {
        // One call may have several categories (SQL it cannot read); they are judged together.
        let mut judged: HashMap<(usize, usize), Option<Vec<Judged>>> = HashMap::default();
        let mut effects = Vec::with_capacity(trace.effects.len());
        for (i, rule) in rules.iter().enumerate() {
            let reached = &trace.effects[i];
            let (Some(rule), Some(call)) = (rule, reached.call) else {
                effects.push(reached.clone());
                continue;
            };
            let key = (reached.node, call);
            let again = match judged.get(&key) {
                Some(again) => again.clone(),
                None => {
                    let again = self.judge_again(trace, reached.node, call, rule);
                    judged.insert(key, again.clone());
                    // A new judgement replaces every category of the call, once.
                    if let Some(categories) = &again {
                        for (category, not_destructive, by) in categories {
                            let not_destructive = *not_destructive;
                            effects.push(Reached {
                                category: *category,
                                rule: by.clone(),
                                // A temporary path stays one whoever passes the rest.
                                not_destructive: not_destructive.or(reached
                                    .not_destructive
                                    .filter(|r| *r == NotDestructive::Temporary)),
                                ..reached.clone()
                            });
                        }
                    }
                    again
                }
            };
            if again.is_none() {
                effects.push(reached.clone());
            }
        }
        trace.effects = effects;
    }

    /// The categories of the effect at `call` in `node` with its arguments as the callers pass
    /// them; `None` when they say nothing new.
    fn judge_again(
        &self,
        trace: &Trace,
        node_index: usize,
        call: usize,
        rule: &EffectRule,
    ) -> Option<Vec<Judged>> {
        let node = &trace.nodes[node_index];
        if node.incoming.is_empty() {
            return None;
        }
        let site = &self.project.files[node.file].calls[call];
        let mut evaluated = (*site.call).clone();
        let mut changed = false;
        for arg in &mut evaluated.args {
            let value = self.evaluate(trace, node_index, &arg.value, 0);
            changed |= value != arg.value;
            arg.value = value;
        }
        if !changed {
            return None;
        }
        let value_of = |e: &Expr| {
            self.project
                .value_of(node.file, site.scope, e, site.span.start_byte)
        };
        let base = self.base_url(node.file, site, rule);
        Some(
            self.catalog
                .judge(rule, &evaluated, &value_of, base.as_deref()),
        )
    }

    /// The base URL of the client an HTTP method is called on, when the rule says where the
    /// call that built the client holds it and that is known.
    fn base_url(&self, file: usize, call: &Call, rule: &EffectRule) -> Option<String> {
        let spec = rule.base_url.as_ref()?;
        let Expr::Attr(receiver, _) = &call.call.callee else {
            return None;
        };
        self.project
            .constructed_text(file, call.scope, receiver, call.span.start_byte, spec)
    }

    /// Whether a file call works on a temporary path: it makes one (`tempfile.mkdtemp()`), or
    /// its path (the first argument, else the receiver: `tmp.unlink()`) is one.
    fn on_temporary_path(&self, file: usize, call: &Call, path: &ApiPath) -> bool {
        if self
            .catalog
            .temporary_sources
            .iter()
            .any(|p| p.matches(path))
        {
            return true;
        }
        let target = call.call.positional(0).or(match &call.call.callee {
            Expr::Attr(base, _) => Some(&**base),
            _ => None,
        });
        target.is_some_and(|e| self.is_temporary(file, call, e, 0))
    }

    /// Whether `expr`, where `call` is made, is a temporary path: it comes from a
    /// `[[temporary]]` source, or is joined under one (`os.path.join(tmp_dir, "a.zip")`).
    fn is_temporary(&self, file: usize, call: &Call, expr: &Expr, depth: usize) -> bool {
        if depth > 6 {
            return false;
        }
        let project = self.project;
        let at = call.span.start_byte;
        if let Some(value) = project.value_of(file, call.scope, expr, at)
            && value != *expr
            && self.is_temporary(file, call, &value, depth + 1)
        {
            return true;
        }
        if let Expr::Call(inner) = expr
            && let Some(joined) = project.resolve_api(file, call.scope, &inner.callee, at)
            && self.catalog.path_joins.iter().any(|p| p.matches(&joined))
        {
            return inner
                .positional(0)
                .is_some_and(|first| self.is_temporary(file, call, first, depth + 1));
        }
        match project.resolve_api(file, call.scope, expr, at) {
            Some(origin) => self
                .catalog
                .temporary_sources
                .iter()
                .any(|p| p.matches(&origin)),
            None => false,
        }
    }

    /// The names a message sent at `call` in `node` may carry: the strings written in the
    /// call's arguments, and those the callers pass for the node's parameters
    /// (`send_command("execute_code", params)` → `execute_code`).
    fn message_names(&self, trace: &Trace, node: usize, call: usize) -> Vec<String> {
        let here = &trace.nodes[node];
        let site = &self.project.files[here.file].calls[call];
        let mut out = Vec::new();
        for arg in &site.call.args {
            strings_in(&arg.value, 0, &mut out);
        }
        if let (Some(func), None) = (here.scope, here.within) {
            for param in &self.project.files[here.file].functions[func].params {
                let value = self.evaluate(trace, node, &Expr::Name(param.name.as_str().into()), 0);
                strings_in(&value, 0, &mut out);
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// `expr` as it appears in `node`, with the node's parameters replaced by what its callers
    /// pass (or their defaults), and members of object literals looked up.
    fn evaluate(&self, trace: &Trace, node: usize, expr: &Expr, depth: usize) -> Expr {
        /// Callers followed per parameter; levels of callers followed.
        const MAX_CALLERS: usize = 8;
        const MAX_DEPTH: usize = 6;
        if depth > MAX_DEPTH {
            return expr.clone();
        }
        let d = depth + 1;
        let project = self.project;
        let here = &trace.nodes[node];
        match expr {
            Expr::Name(name) => {
                let Some(func) = here.scope else {
                    return expr.clone();
                };
                let function = &project.files[here.file].functions[func];
                let Some(index) = function.params.iter().position(|p| p.name == *name) else {
                    return expr.clone();
                };
                if here.incoming.is_empty() || here.within.is_some() {
                    return expr.clone();
                }
                let receiver = usize::from(function.takes_receiver());
                let param = &function.params[index];
                let mut values: Vec<Expr> = Vec::new();
                for &(caller, call) in here.incoming.iter().take(MAX_CALLERS) {
                    let site = &project.files[trace.nodes[caller].file].calls[call];
                    // A callback is called by the code it is given to, with arguments unseen.
                    let callback = site.call.args.iter().any(|a| {
                        matches!(a.value, Expr::Lambda(s) if s.start_byte == function.span.start_byte)
                    });
                    if callback {
                        return expr.clone();
                    }
                    let passed = site.call.keyword(name).or_else(|| {
                        index
                            .checked_sub(receiver)
                            .and_then(|i| site.call.positional(i))
                    });
                    let value = match passed {
                        Some(arg) => self.evaluate(trace, caller, arg, d),
                        None => param.default.clone().unwrap_or(Expr::Null),
                    };
                    if !values.contains(&value) {
                        values.push(value);
                    }
                }
                one_or_choice(values)
            }
            Expr::Attr(base, key) => match self.evaluate(trace, node, base, d) {
                Expr::Dict(pairs) => pairs
                    .iter()
                    .find(|(k, _)| k.as_str() == Some(key.as_str()))
                    .map_or(Expr::Null, |(_, v)| self.evaluate(trace, node, v, d)),
                _ => expr.clone(),
            },
            // `options.method || "GET"`: the values it may take; a missing one adds nothing.
            Expr::Choice(options) => {
                let mut values: Vec<Expr> = Vec::new();
                for option in options {
                    let value = self.evaluate(trace, node, option, d);
                    let flat = match value {
                        Expr::Choice(inner) => inner,
                        Expr::Null => Vec::new(),
                        other => vec![other],
                    };
                    for v in flat {
                        if !values.contains(&v) {
                            values.push(v);
                        }
                    }
                }
                if values.is_empty() {
                    Expr::Null
                } else {
                    one_or_choice(values)
                }
            }
            _ => expr.clone(),
        }
    }

    fn outcome(&self, file: usize, call: usize) -> Rc<Outcome<'p>> {
        if let Some(known) = self.outcomes.borrow().get(&(file, call)) {
            return known.clone();
        }
        let call_fact = &self.project.files[file].calls[call];
        let outcome = Rc::new(self.resolve_call(file, call_fact));
        self.outcomes
            .borrow_mut()
            .insert((file, call), outcome.clone());
        outcome
    }

    fn resolve_call(&self, file: usize, call: &Call) -> Outcome<'p> {
        let project = self.project;
        let at = call.span.start_byte;
        let mut sym = project.resolve(file, call.scope, &call.call.callee, at);
        // A framework's own source scanned beside its examples: what the examples call is the
        // library's API as written (`ctx.session.create_message` of `mcp`, `inputRequired.
        // createMessage` of `@modelcontextprotocol/server`, whose source types the builder by
        // an interface), when the catalog knows that as an effect and not what it resolved to.
        let known = |sym: &Sym| match sym {
            Sym::External(path) => self.catalog.effect_for(path).is_some(),
            _ => false,
        };
        if !known(&sym)
            && let Sym::External(path) =
                project.resolve_as_written(file, call.scope, &call.call.callee, at)
            && self.catalog.effect_for(&path).is_some()
        {
            sym = Sym::External(path);
        }
        match sym {
            Sym::Function { file, func } => Outcome::Calls(vec![(file, func)]),
            Sym::Class { file, class } => project
                .method_with_role(file, class, Role::Constructor)
                .map_or(Outcome::Nothing, |m| Outcome::Calls(vec![m])),
            // `cls(...)` in a class method builds the class.
            Sym::Instance { file, class } if call.call.callee == Expr::This => project
                .method_with_role(file, class, Role::Constructor)
                .map_or(Outcome::Nothing, |m| Outcome::Calls(vec![m])),
            Sym::Instance { file, class } => project
                .method_with_role(file, class, Role::Call)
                .map_or(Outcome::Nothing, |m| Outcome::Calls(vec![m])),
            Sym::External(path) => {
                let last = path.last_name().unwrap_or_default();
                if self.catalog.may_have_effect(last)
                    && let Some(rule) = self.catalog.effect_for(&path)
                {
                    let value_of =
                        |e: &Expr| project.value_of(file, call.scope, e, call.span.start_byte);
                    let base = self.base_url(file, call, rule);
                    let mut categories =
                        self.catalog
                            .judge(rule, &call.call, &value_of, base.as_deref());
                    for (category, not_destructive, _) in &mut categories {
                        if matches!(category, Category::FileWrite | Category::FileDelete)
                            && not_destructive.is_none()
                            && self.on_temporary_path(file, call, &path)
                        {
                            *not_destructive = Some(NotDestructive::Temporary);
                        }
                    }
                    return if categories.is_empty() {
                        Outcome::Nothing
                    } else {
                        Outcome::Effect(
                            categories,
                            path.to_string(),
                            rule.refinable().then_some(rule),
                        )
                    };
                }
                if let Some((_, by)) = self.catalog.channels.iter().find(|(p, _)| p.matches(&path))
                {
                    return Outcome::Send(path.to_string(), by.clone());
                }
                if self.catalog.executors.iter().any(|p| p.matches(&path)) {
                    let targets: Vec<(usize, usize)> = call
                        .call
                        .args
                        .iter()
                        .filter_map(|arg| {
                            match project.resolve(
                                file,
                                call.scope,
                                &arg.value,
                                call.span.start_byte,
                            ) {
                                Sym::Function { file, func } => Some((file, func)),
                                _ => None,
                            }
                        })
                        .collect();
                    return Outcome::Calls(targets);
                }
                Outcome::Nothing
            }
            Sym::Unknown => Outcome::Unresolved,
            Sym::Module(_) => Outcome::Nothing,
        }
    }
}

/// The string literals in a value: itself, the items of a list or dict, the arguments of a
/// call around it (`json.dumps({"type": "ping"})`).
fn strings_in(expr: &Expr, depth: usize, out: &mut Vec<String>) {
    if depth > 4 {
        return;
    }
    match expr {
        Expr::Str(s) => out.push(s.to_string()),
        Expr::List(items) | Expr::Choice(items) => {
            for item in items {
                strings_in(item, depth + 1, out);
            }
        }
        Expr::Dict(pairs) => {
            for (_, value) in pairs {
                strings_in(value, depth + 1, out);
            }
        }
        Expr::Call(call) => {
            for arg in &call.args {
                strings_in(&arg.value, depth + 1, out);
            }
        }
        _ => {}
    }
}

fn one_or_choice(mut values: Vec<Expr>) -> Expr {
    if values.len() == 1 {
        values.pop().expect("one value")
    } else {
        Expr::Choice(values)
    }
}

/// `qualname` in the tool's own file, `module.qualname` elsewhere.
fn label(project: &Project, entry_file: usize, file: usize, func: usize) -> String {
    let facts = &project.files[file];
    let qualname = &facts.functions[func].qualname;
    if file == entry_file {
        return qualname.clone();
    }
    // The module's own name: `pkg.sub.mod` gives `mod`, `src/tools/db` gives `db`.
    let separator = if facts.language.family() == Language::JavaScript {
        '/'
    } else {
        '.'
    };
    let module = facts.module.rsplit(separator).next().unwrap_or_default();
    if module.is_empty() {
        qualname.clone()
    } else {
        format!("{module}.{qualname}")
    }
}

/// Where a tool's code starts.
fn roots(project: &Project, entry: &Entry) -> Vec<Node> {
    let qualname = |file: usize, func: usize| project.files[file].functions[func].qualname.clone();
    let function = |file: usize, func: usize| Node {
        file,
        scope: Some(func),
        within: None,
        label: qualname(file, func),
        parent: None,
        incoming: Vec::new(),
    };
    match *entry {
        Entry::Function { file, func } => vec![function(file, func)],
        Entry::Class { ref methods, .. } => methods.iter().map(|&(f, m)| function(f, m)).collect(),
        Entry::Branch {
            file,
            func,
            dispatch,
            ..
        } => {
            // The branch's own calls, the target function among them, are traced from here.
            let span = project.files[file].dispatches[dispatch].span;
            vec![Node {
                file,
                scope: Some(func),
                within: Some(span),
                label: branch_label(project, file, func, dispatch),
                parent: None,
                incoming: Vec::new(),
            }]
        }
        Entry::Lambda { file, call, span } => vec![Node {
            file,
            scope: project.files[file].calls[call].scope,
            within: Some(span),
            label: "<lambda>".into(),
            parent: None,
            incoming: Vec::new(),
        }],
        Entry::Registration { .. } | Entry::Granted(_) => Vec::new(),
    }
}

/// `handle_call_tool[read_query]`: the branch of a dispatcher that serves one tool.
pub fn branch_label(project: &Project, file: usize, func: usize, dispatch: usize) -> String {
    let facts = &project.files[file];
    let d = &facts.dispatches[dispatch];
    let value = match &d.value_ref {
        Some(constant) => project
            .literal_str(file, None, constant)
            .unwrap_or_else(|| constant.display()),
        None => d.value.clone(),
    };
    format!("{}[{}]", facts.functions[func].qualname, value)
}

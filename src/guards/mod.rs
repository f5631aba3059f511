//! Guard judgement: which checks stand between a tool's entry and each effect it reaches.
//!
//! A check counts for an effect only when it runs first and stops the effect when it fails.
//! Along the effect's chain, at every hop (the tool's code, then each helper down to the
//! effect's own call), the judge looks for:
//!
//! - a test (`if`/`elif`/`assert`) that leaves (raise, return, continue) before the call, or
//!   whose branch the call is in, and whose test means a guard (catalog `words`, or a guard
//!   call inside it such as `input()`);
//! - a call made before the call that is a guard (`interrupt()`, a user's `require_approval()`),
//!   or a helper that raises when its own guard test fails (a path validator);
//! - decorators on the hop's function (rate limits, bounded retries);
//! - an option given to the hop's call or the effect's own call (`read_only: true`).
//!
//! "Before" means dominance within a function: the guard ends before the call starts and every
//! conditional region (branch, loop body, handler) around the guard also holds the call.
//! The registrations (`needs_approval=True`, when every registration of the code sets it), the
//! constructions around the tool ([`constructions`]: approval middleware naming it, a graph
//! pausing before its tool node, an agent option bounding its tools), and the constraints of
//! the argument schema apply to every effect.

use std::cell::RefCell;
use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::rc::Rc;

use crate::catalog::{FoundBy, GuardRule, LanguageCatalog, RuleId};
use crate::detect::{DetectedTool, Entry};
use crate::facts::{Check, Exit, Expr, Language, Name, Span};
use crate::link::{Project, Sym};
use crate::model::GuardKind;
use crate::pattern::ApiPath;

mod constructions;
use crate::trace::Trace;

/// How deep the judge looks into helpers called before an effect.
const MAX_HELPER_DEPTH: usize = 4;

/// A guard found in the code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    pub kind: GuardKind,
    pub evidence: String,
    pub file: usize,
    pub line: u32,
    pub strong: bool,
    /// The catalog rule that found it (not part of its identity).
    pub rule: FoundBy,
}

/// What the judge decided for one tool.
#[derive(Debug, Default)]
pub struct Judgement {
    /// Per effect of the trace (same order), the guards in front of it.
    pub per_effect: Vec<Vec<Found>>,
}

/// A guard inside a helper, and whether an earlier `return` in the helpers can skip it.
#[derive(Debug, Clone)]
struct HelperGuard {
    found: Found,
    bypassable: bool,
}

pub struct Judge<'p> {
    project: &'p Project,
    /// The language family judged: constructions in other files gate nothing here.
    language: Language,
    catalog: &'p LanguageCatalog,
    /// Tool names that approval middleware interrupts on, with the evidence.
    mapped: HashMap<String, Vec<Found>>,
    /// Tools (by function or class) of agents that pause before their tool node, with the
    /// evidence.
    gated: HashMap<CodeKey, Vec<Found>>,
    /// Factories (file, function) whose tools an agent option bounds, with the evidence.
    gated_factories: HashMap<(usize, usize), Vec<Found>>,
    /// Registration calls (file, line) whose tools an agent option bounds.
    gated_registrations: HashMap<(usize, u32), Vec<Found>>,
    /// Agent sessions (`grant` rules) whose options guard the tools they serve.
    sessions: Vec<crate::grants::Session<'p>>,
    helpers: RefCell<HashMap<HelperKey, Rc<Vec<HelperGuard>>>>,
    /// What each check means, by (file, check).
    meanings: RefCell<HashMap<(usize, usize), Meaning>>,
}

/// The guard kinds a check means, each with the first rule that gives it that meaning.
type Meaning = Rc<Vec<(GuardKind, RuleId)>>;

/// Code a tool runs, as a key: (file, 0, function) or (file, 1, class).
type CodeKey = (usize, usize, usize);

/// (file, function, depth) of a helper judged for the guards it applies.
type HelperKey = (usize, usize, usize);

impl<'p> Judge<'p> {
    /// The judge of the tools in `language`'s files.
    pub fn new(project: &'p Project, catalog: &'p LanguageCatalog, language: Language) -> Self {
        let mut judge = Judge {
            project,
            language,
            catalog,
            mapped: HashMap::default(),
            gated: HashMap::default(),
            gated_factories: HashMap::default(),
            gated_registrations: HashMap::default(),
            helpers: RefCell::new(HashMap::default()),
            meanings: RefCell::new(HashMap::default()),
            sessions: crate::grants::sessions(project, catalog, language),
        };
        judge.mapped = judge.tool_maps();
        judge.gated = judge.node_gates();
        let gates = judge.agent_options();
        for (key, found) in gates.codes {
            judge.gated.entry(key).or_default().extend(found);
        }
        judge.gated_factories = gates.factories;
        judge.gated_registrations = gates.registrations;
        judge
    }

    pub fn judge(&self, tool: &DetectedTool, trace: &Trace) -> Judgement {
        let tool_wide = self.tool_wide(tool);
        let into = self.guards_on_every_path(trace);
        let mut per_effect = Vec::with_capacity(trace.effects.len());
        for reached in &trace.effects {
            let mut found: BTreeSet<Found> = tool_wide.iter().cloned().collect();
            found.extend(into[reached.node].iter().cloned());
            let node = &trace.nodes[reached.node];
            if let Some(call) = reached.call {
                self.at_hop(node.file, node.scope, call, &mut found);
                self.on_effect_call(reached.file, call, &reached.api, &mut found);
            }
            per_effect.push(found.into_iter().collect());
        }
        Judgement { per_effect }
    }

    /// The guards that hold on every path into each node of the trace: a helper called from a
    /// guarded and from an unguarded place is unguarded. Nodes are in breadth-first order, so
    /// callers come first; calls back to an earlier node (recursion) do not widen a path.
    fn guards_on_every_path(&self, trace: &Trace) -> Vec<BTreeSet<Found>> {
        let mut into: Vec<BTreeSet<Found>> = Vec::with_capacity(trace.nodes.len());
        for (n, node) in trace.nodes.iter().enumerate() {
            let mut common: Option<BTreeSet<Found>> = None;
            for &(parent, site) in node.incoming.iter().filter(|(p, _)| *p < n) {
                let caller = &trace.nodes[parent];
                let mut on_path = into[parent].clone();
                self.at_hop(caller.file, caller.scope, site, &mut on_path);
                common = Some(match common {
                    None => on_path,
                    Some(so_far) => so_far.intersection(&on_path).cloned().collect(),
                });
            }
            into.push(common.unwrap_or_default());
        }
        into
    }

    /// Guards in one function in front of the call `site`.
    fn at_hop(&self, file: usize, scope: Option<usize>, site: usize, out: &mut BTreeSet<Found>) {
        let project = self.project;
        let facts = &project.files[file];
        let target = facts.calls[site].span;
        self.option_flag_guards(file, scope, site, out);
        for &c in project.checks_in(file, scope) {
            let check = &facts.checks[c];
            let gates = check.body.is_some_and(|b| b.contains(&target))
                || check.orelse.is_some_and(|b| b.contains(&target));
            let stops_before = check.exit.is_some() && self.dominates(file, check.span, target);
            if !(gates || stops_before) {
                continue;
            }
            for (kind, by) in self.meaning(file, c).iter() {
                out.insert(self.found_at_check(file, scope, check, *kind, by));
            }
        }
        for &c in project.calls_in(file, scope) {
            if c == site {
                continue;
            }
            let call = &facts.calls[c];
            let before = self.dominates(file, call.span, target) || arguments_of(target, call.span);
            for rule in &self.catalog.guards {
                if rule.anywhere && !rule.calls.is_empty() {
                    let path = self.call_path(file, c);
                    if path.as_ref().is_some_and(|p| rule.matches_call(p)) {
                        out.insert(self.found_at_call(file, c, rule));
                    }
                }
            }
            if !before {
                continue;
            }
            for found in self.guard_call(file, c, 0) {
                out.insert(found.found);
            }
        }
        if let Some(func) = scope {
            self.decorator_guards(file, func, out);
        }
    }

    /// The guards a call is, or holds: a catalogued guard call, or a helper that raises when a
    /// guard test inside it fails.
    fn guard_call(&self, file: usize, call: usize, depth: usize) -> Vec<HelperGuard> {
        let mut out = Vec::new();
        let sym = self.resolve_call(file, call);
        let path = match &sym {
            Sym::External(path) => Some(path.clone()),
            Sym::Function { file, func } => Some(self.function_path(*file, *func)),
            _ => None,
        };
        let repo_function = match sym {
            Sym::Function { file, func } => Some((file, func)),
            _ => None,
        };
        if let Some(path) = &path {
            for rule in &self.catalog.guards {
                // Calls that only mean something when their answer is tested (`input()`)
                // are judged where they are tested; audit trails are collected elsewhere.
                if rule.anywhere || rule.tested || !rule.matches_call(path) {
                    continue;
                }
                let fixed_by_argument = !rule.argument_words.is_empty();
                if fixed_by_argument && !self.argument_has_words(file, call, &rule.argument_words) {
                    continue;
                }
                // A repo helper named like a guard must be able to stop something.
                if let Some((f, g)) = repo_function
                    && !self.can_raise(f, g, 0)
                {
                    continue;
                }
                let mut found = self.found_at_call(file, call, rule);
                found.strong |= fixed_by_argument;
                out.push(HelperGuard {
                    found,
                    bypassable: false,
                });
            }
        }
        if let Some((f, g)) = repo_function
            && depth < MAX_HELPER_DEPTH
        {
            out.extend(self.helper_guards(f, g, depth + 1).iter().cloned());
        }
        out
    }

    /// Guards a helper applies to its caller: tests that raise, and guard calls made
    /// unconditionally, each marked bypassable when an earlier plain `return` can skip it.
    fn helper_guards(&self, file: usize, func: usize, depth: usize) -> Rc<Vec<HelperGuard>> {
        let key = (file, func, depth);
        if let Some(known) = self.helpers.borrow().get(&key) {
            return known.clone();
        }
        // Cycles: a helper being judged contributes nothing to itself.
        self.helpers.borrow_mut().insert(key, Rc::new(Vec::new()));
        let project = self.project;
        let facts = &project.files[file];
        let scope = Some(func);
        let checks = project.checks_in(file, scope);
        // Plain early returns that are not guards: the code after them may not run.
        let bypasses: Vec<Span> = checks
            .iter()
            .filter(|&&c| {
                facts.checks[c].exit == Some(Exit::Return) && self.meaning(file, c).is_empty()
            })
            .map(|&c| facts.checks[c].span)
            .collect();
        let skipped = |span: Span| bypasses.iter().any(|b| self.dominates(file, *b, span));
        let mut out = Vec::new();
        for &c in checks {
            let check = &facts.checks[c];
            if check.exit != Some(Exit::Raise) || self.in_region(file, func, check.span) {
                continue;
            }
            for (kind, by) in self.meaning(file, c).iter() {
                out.push(HelperGuard {
                    found: self.found_at_check(file, scope, check, *kind, by),
                    bypassable: skipped(check.span),
                });
            }
        }
        for &c in project.calls_in(file, scope) {
            let span = facts.calls[c].span;
            if self.in_region(file, func, span) {
                continue;
            }
            for mut guard in self.guard_call(file, c, depth) {
                guard.bypassable |= skipped(span);
                out.push(guard);
            }
        }
        for guard in &mut out {
            if guard.bypassable && guard.found.kind == GuardKind::Allowlist {
                guard.found.strong = false;
            }
        }
        let out = Rc::new(out);
        self.helpers.borrow_mut().insert(key, out.clone());
        out
    }

    /// Whether a function can raise: a test that raises, in it or a helper it calls.
    fn can_raise(&self, file: usize, func: usize, depth: usize) -> bool {
        let project = self.project;
        let facts = &project.files[file];
        if project
            .checks_in(file, Some(func))
            .iter()
            .any(|&c| facts.checks[c].exit == Some(Exit::Raise))
        {
            return true;
        }
        depth < 2
            && project.calls_in(file, Some(func)).iter().any(|&c| {
                matches!(self.resolve_call(file, c), Sym::Function { file: f, func: g }
                    if (f, g) != (file, func) && self.can_raise(f, g, depth + 1))
            })
    }

    /// The guard kinds check `c` of `file` means (cached).
    fn meaning(&self, file: usize, c: usize) -> Meaning {
        if let Some(known) = self.meanings.borrow().get(&(file, c)) {
            return known.clone();
        }
        let check = &self.project.files[file].checks[c];
        let kinds = Rc::new(self.check_kinds(file, check.scope, check));
        self.meanings.borrow_mut().insert((file, c), kinds.clone());
        kinds
    }

    /// The guard kinds a test means, each with the first rule that means it.
    fn check_kinds(
        &self,
        file: usize,
        scope: Option<usize>,
        check: &Check,
    ) -> Vec<(GuardKind, RuleId)> {
        let mut kinds = Vec::new();
        let facts = &self.project.files[file];
        for rule in &self.catalog.guards {
            if rule.anywhere {
                continue;
            }
            let by_word = check.words.iter().any(|w| rule.matches_word(w));
            let by_call = !rule.calls.is_empty()
                && (self.project.calls_in(file, scope).iter().any(|&c| {
                    check.condition.contains(&facts.calls[c].span)
                        && self
                            .call_path(file, c)
                            .is_some_and(|p| rule.matches_call(&p))
                }) || check
                    .words
                    .iter()
                    .any(|w| self.bound_to_guard_call(file, scope, w, check.span, rule)));
            if (by_word || by_call) && !kinds.iter().any(|(k, _)| *k == rule.kind) {
                kinds.push((rule.kind, rule.id.clone()));
            }
        }
        kinds
    }

    /// `answer = input("Delete? ")` ... `if answer != "y": return`
    fn bound_to_guard_call(
        &self,
        file: usize,
        scope: Option<usize>,
        word: &str,
        before: Span,
        rule: &GuardRule,
    ) -> bool {
        let facts = &self.project.files[file];
        facts.assignments.iter().any(|a| {
            a.scope == scope
                && a.span.end_byte <= before.start_byte
                && a.target == Expr::Name(word.into())
                && match &a.value {
                    Expr::Call(call) => {
                        match self
                            .project
                            .resolve(file, scope, &call.callee, a.span.start_byte)
                        {
                            Sym::External(path) => rule.matches_call(&path),
                            _ => false,
                        }
                    }
                    _ => false,
                }
        })
    }

    fn found_at_check(
        &self,
        file: usize,
        scope: Option<usize>,
        check: &Check,
        kind: GuardKind,
        rule: &RuleId,
    ) -> Found {
        let strong = match kind {
            GuardKind::Allowlist => !self.allows_by_default(file, scope, check),
            GuardKind::ReadOnlyMode => self.on_by_default(file, scope, &check.words),
            other => other.is_strong(),
        };
        Found {
            kind,
            evidence: check.text.to_string(),
            file,
            line: check.span.start_line,
            strong,
            rule: FoundBy(rule.clone()),
        }
    }

    /// Whether the call's first argument is a text holding one of `words` (upper case).
    fn argument_has_words(&self, file: usize, call: usize, words: &[String]) -> bool {
        let call = &self.project.files[file].calls[call];
        call.call
            .positional(0)
            .and_then(Expr::as_str)
            .is_some_and(|text| {
                let text = text.to_ascii_uppercase();
                words.iter().any(|w| text.contains(w.as_str()))
            })
    }

    fn found_at_call(&self, file: usize, call: usize, rule: &GuardRule) -> Found {
        let call = &self.project.files[file].calls[call];
        Found {
            kind: rule.kind,
            evidence: format!("{}(...)", call.callee_text),
            file,
            line: call.span.start_line,
            strong: rule.kind.is_strong(),
            rule: FoundBy(rule.id.clone()),
        }
    }

    /// Whether the test asks a predicate of the tree that ends in an unconditional
    /// `return true` (`isToolAllowed(name)` that allows everything unless a list is configured):
    /// such an allowlist is off by default.
    fn allows_by_default(&self, file: usize, scope: Option<usize>, check: &Check) -> bool {
        let project = self.project;
        project
            .calls_in(file, scope)
            .iter()
            .filter(|&&c| check.condition.contains(&project.files[file].calls[c].span))
            .any(|&c| match self.resolve_call(file, c) {
                Sym::Function { file: f, func } => {
                    let facts = &project.files[f];
                    facts
                        .returns
                        .iter()
                        .rfind(|r| r.scope == Some(func))
                        .is_some_and(|r| {
                            r.value == Expr::Bool(true) && !self.in_region(f, func, r.span)
                        })
                }
                _ => false,
            })
    }

    /// A read-only flag is on by default when the class field or parameter it names
    /// defaults to `True`.
    fn on_by_default(&self, file: usize, scope: Option<usize>, words: &[Name]) -> bool {
        let project = self.project;
        let facts = &project.files[file];
        let Some(func) = scope else { return false };
        let function = &facts.functions[func];
        let is_true = |e: &Expr| match e {
            Expr::Bool(b) => *b,
            Expr::Call(call) if call.callee.last_name() == Some("Field") => call
                .keyword("default")
                .or_else(|| call.positional(0))
                .is_some_and(|d| *d == Expr::Bool(true)),
            _ => false,
        };
        let by_param = function
            .params
            .iter()
            .any(|p| words.iter().any(|w| *w == p.name) && p.default.as_ref().is_some_and(is_true));
        let by_field = function.class.is_some_and(|class| {
            project.mro(file, class).into_iter().any(|(f, c)| {
                project.files[f].classes[c].fields.iter().any(|field| {
                    words.iter().any(|w| *w == field.name)
                        && field.value.as_ref().is_some_and(is_true)
                })
            })
        });
        // A constant: `READ_ONLY = true`, or read from the environment with every value but
        // "false" meaning on (`process.env.X !== "false"`).
        let by_constant = words.iter().any(|w| {
            match project.value_of(file, scope, &Expr::Name(w.clone()), usize::MAX) {
                Some(Expr::Bool(b)) => b,
                Some(Expr::Other(text)) => {
                    let text = text.replace('\'', "\"");
                    text.contains("!== \"false\"") || text.contains("!= \"false\"")
                }
                _ => false,
            }
        });
        by_param || by_field || by_constant
    }

    /// Rate limits and bounded retries on a function on the chain.
    fn decorator_guards(&self, file: usize, func: usize, out: &mut BTreeSet<Found>) {
        let function = &self.project.files[file].functions[func];
        for decorator in &function.decorators {
            let (target, call) = match &decorator.expr {
                Expr::Call(call) => (&call.callee, Some(call.as_ref())),
                other => (other, None),
            };
            let Sym::External(path) =
                self.project
                    .resolve(file, function.parent, target, function.span.start_byte)
            else {
                continue;
            };
            for rule in &self.catalog.guards {
                if !rule.decorators.iter().any(|p| p.matches(&path)) {
                    continue;
                }
                let bounded = rule.decorator_keywords.is_empty()
                    || call.is_some_and(|c| {
                        rule.decorator_keywords
                            .iter()
                            .any(|k| c.keyword(k).is_some_and(|v| !is_off(v)))
                    });
                if bounded {
                    out.insert(Found {
                        kind: rule.kind,
                        evidence: format!("@{}", decorator_text(&decorator.expr)),
                        file,
                        line: decorator.line,
                        strong: rule.kind.is_strong(),
                        rule: FoundBy(rule.id.clone()),
                    });
                }
            }
        }
    }

    /// Idempotency keys and sandboxes are properties of the effect call itself.
    fn on_effect_call(&self, file: usize, call: usize, api: &str, out: &mut BTreeSet<Found>) {
        let facts = &self.project.files[file];
        let site = &facts.calls[call];
        self.option_flag_guards(file, site.scope, call, out);
        let path = ApiPath::from_dotted(api);
        for rule in &self.catalog.guards {
            let key = rule.effect_keywords.iter().find(|k| {
                site.call.keyword(k).is_some()
                    || site.call.args.iter().any(|a| has_dict_key(&a.value, k))
            });
            let sandboxed = rule.effect_calls.iter().any(|p| p.matches(&path));
            let evidence = match key {
                Some(key) => format!("{key} on {}(...)", site.callee_text),
                None if sandboxed => format!("{}(...) runs in a sandbox", site.callee_text),
                None => continue,
            };
            {
                out.insert(Found {
                    kind: rule.kind,
                    evidence,
                    file,
                    line: site.span.start_line,
                    strong: rule.kind.is_strong(),
                    rule: FoundBy(rule.id.clone()),
                });
            }
        }
    }

    /// `[[guard]] option_flags` on a call on the way to the effect (`executeSql(id, { query,
    /// read_only: true })`): on and strong when written true (or bound to true), weak when a
    /// flag of the code decides, off when false or absent.
    fn option_flag_guards(
        &self,
        file: usize,
        scope: Option<usize>,
        call: usize,
        out: &mut BTreeSet<Found>,
    ) {
        let project = self.project;
        let site = &project.files[file].calls[call];
        for rule in &self.catalog.guards {
            for key in &rule.option_flags {
                let value = site.call.keyword(key).or_else(|| {
                    site.call.args.iter().find_map(|a| match &a.value {
                        Expr::Dict(pairs) => pairs
                            .iter()
                            .find(|(k, _)| k.as_str() == Some(key.as_str()))
                            .map(|(_, v)| v),
                        _ => None,
                    })
                });
                let Some(value) = value else {
                    continue;
                };
                let at = site.span.start_byte;
                let bound = match value {
                    Expr::Name(_) => project.value_of(file, scope, value, at),
                    _ => None,
                };
                let strong = match bound.as_ref().unwrap_or(value) {
                    Expr::Bool(true) => true,
                    Expr::Bool(false) | Expr::Null => continue,
                    _ => false,
                };
                out.insert(Found {
                    kind: rule.kind,
                    evidence: format!("{key}: {} on {}(...)", value.display(), site.callee_text),
                    file,
                    line: site.span.start_line,
                    strong,
                    rule: FoundBy(rule.id.clone()),
                });
            }
        }
    }

    /// Guards that apply to everything the tool does: what the registration declares, approval
    /// middleware that names the tool, constraints on its argument schema.
    fn tool_wide(&self, tool: &DetectedTool) -> Vec<Found> {
        let mut out = self.registration_guards(tool);
        if let Entry::Granted(grant) = &tool.entry {
            out.extend(crate::grants::session_guards(
                self.project,
                self.catalog,
                tool,
                grant,
            ));
        } else if !self.sessions.is_empty() {
            out.extend(self.served_guards(tool));
        }
        if let Some(mapped) = self.mapped.get(&tool.name) {
            out.extend(mapped.iter().cloned());
        }
        let code = match tool.entry {
            Entry::Function { file, func } => Some((file, 0, func)),
            Entry::Class { file, class, .. } => Some((file, 1, class)),
            _ => None,
        };
        if let Some(gated) = code.and_then(|key| self.gated.get(&key)) {
            out.extend(gated.iter().cloned());
        }
        if let Some(reg) = &tool.registration {
            if let Some(func) = reg.scope
                && let Some(gated) = self.gated_factories.get(&(reg.file, func))
            {
                out.extend(gated.iter().cloned());
            }
            if let Some(gated) = self.gated_registrations.get(&(reg.file, reg.line)) {
                out.extend(gated.iter().cloned());
            }
        }
        // A granted tool's arguments are the runtime's: the session's options are no schema.
        if !matches!(tool.entry, Entry::Granted(_)) {
            out.extend(self.schema_guards(tool));
        }
        out
    }

    /// The guards of the agent sessions that serve a tool of a server built in the tree
    /// (`create_sdk_mcp_server(tools=[deploy])` in `mcp_servers`): a kind counts when every
    /// session serving the tool has it.
    fn served_guards(&self, tool: &DetectedTool) -> Vec<Found> {
        let served = crate::grants::served_by(self.project, self.catalog, &self.sessions, tool);
        let per_session: Vec<Vec<Found>> = served
            .iter()
            .map(|s| {
                let mut found = self.option_values(&s.registration);
                found.extend(crate::grants::served_guards(self.project, self.catalog, s));
                found
            })
            .collect();
        let Some(first) = per_session.first() else {
            return Vec::new();
        };
        let common: Vec<GuardKind> = first
            .iter()
            .map(|f| f.kind)
            .filter(|k| per_session.iter().all(|g| g.iter().any(|f| f.kind == *k)))
            .collect();
        per_session
            .into_iter()
            .flatten()
            .filter(|f| common.contains(&f.kind))
            .collect()
    }

    /// `[[guard]] registration_values`: an option of the registration set to a guarding value
    /// (`permission_mode="plan"`). Written there, it is strong; passed from a parameter, it is
    /// on only when the parameter defaults to it (else weak, and absent when the parameter's
    /// `Literal[...]` type rules the value out); one of several values, weak.
    /// The guards the tool's registrations turn on (`needs_approval=True`): those of its first
    /// registration that every other registration of the same code turns on too, since the
    /// model can reach the code through any of them.
    fn registration_guards(&self, tool: &DetectedTool) -> Vec<Found> {
        let per_registration: Vec<Vec<Found>> = tool
            .registration
            .iter()
            .chain(&tool.also_registered)
            .map(|reg| {
                let mut found = Vec::new();
                for rule in &self.catalog.guards {
                    for keyword in &rule.registration_keywords {
                        if reg.call.keyword(keyword).is_some_and(|v| !is_off(v)) {
                            found.push(Found {
                                kind: rule.kind,
                                evidence: format!("{keyword}= on the registration"),
                                file: reg.file,
                                line: reg.line,
                                strong: rule.kind.is_strong(),
                                rule: FoundBy(rule.id.clone()),
                            });
                        }
                    }
                }
                found.extend(self.option_values(reg));
                found
            })
            .collect();
        let Some((first, others)) = per_registration.split_first() else {
            return Vec::new();
        };
        first
            .iter()
            .filter(|g| {
                others.iter().all(|other| {
                    other
                        .iter()
                        .any(|o| o.kind == g.kind && o.rule.0 == g.rule.0)
                })
            })
            .cloned()
            .collect()
    }

    fn option_values(&self, reg: &crate::detect::Registration) -> Vec<Found> {
        let mut out = Vec::new();
        let project = self.project;
        for rule in &self.catalog.guards {
            for option in &rule.registration_values {
                let Some(value) = reg.call.keyword(&option.keyword) else {
                    continue;
                };
                let guarding = |text: &str| option.values.iter().any(|v| v == text);
                let keyword = &option.keyword;
                let constant = match value {
                    Expr::Name(_) => project.literal_str(reg.file, reg.scope, value),
                    _ => None,
                };
                let (on, strong, evidence, line) = match (value, constant) {
                    (Expr::Str(text), _) => (
                        guarding(text),
                        true,
                        format!("{keyword}={text:?}"),
                        reg.line,
                    ),
                    (_, Some(text)) => (
                        guarding(&text),
                        true,
                        format!("{keyword}={} ({text:?})", value.display()),
                        reg.line,
                    ),
                    (Expr::Choice(options), _) => {
                        let texts: Vec<&str> = options.iter().filter_map(Expr::as_str).collect();
                        (
                            texts.iter().any(|t| guarding(t)),
                            texts.iter().all(|t| guarding(t)),
                            format!("{keyword}={}", value.display()),
                            reg.line,
                        )
                    }
                    (Expr::Name(name), None) => {
                        let Some(func) = reg.scope else { continue };
                        let function = &project.files[reg.file].functions[func];
                        let Some(param) = function.params.iter().find(|p| p.name == *name) else {
                            continue;
                        };
                        let allowed = match &param.annotation {
                            Some(Expr::Subscript(base, values))
                                if base.last_name() == Some("Literal") =>
                            {
                                values.iter().filter_map(Expr::as_str).any(guarding)
                            }
                            _ => true,
                        };
                        let default = param.default.as_ref().and_then(Expr::as_str);
                        let on_by_default = default.is_some_and(guarding);
                        let evidence = match default {
                            Some(d) => format!(
                                "{keyword}={name}, a parameter of {} that defaults to {d:?}",
                                function.qualname
                            ),
                            None => {
                                format!("{keyword}={name}, a parameter of {}", function.qualname)
                            }
                        };
                        (allowed, on_by_default, evidence, function.def_line)
                    }
                    _ => continue,
                };
                if on {
                    out.push(Found {
                        kind: rule.kind,
                        evidence,
                        file: reg.file,
                        line,
                        strong,
                        rule: FoundBy(rule.id.clone()),
                    });
                }
            }
        }
        out
    }

    /// Constraints beyond types on the tool's arguments: pydantic `Field(max_length=...)`,
    /// `Literal[...]`, validators on the schema class.
    fn schema_guards(&self, tool: &DetectedTool) -> Vec<Found> {
        let project = self.project;
        let mut out = Vec::new();
        let mut schema_classes = Vec::new();
        match &tool.entry {
            Entry::Class { file, class, .. } => {
                for (f, c) in project.mro(*file, *class) {
                    for field in &project.files[f].classes[c].fields {
                        if field.name == "args_schema"
                            && let Some(value) = &field.value
                            && let Sym::Class { file, class } = project.resolve(f, None, value, 0)
                        {
                            schema_classes.push((file, class));
                        }
                    }
                }
            }
            Entry::Function { file, func } => {
                let function = &project.files[*file].functions[*func];
                for param in &function.params {
                    let constrained = param
                        .annotation
                        .as_ref()
                        .and_then(|a| self.constrains(*file, a))
                        .or_else(|| {
                            param
                                .default
                                .as_ref()
                                .and_then(|d| self.constrains(*file, d))
                        });
                    if let Some(rule) = constrained {
                        out.push(self.validation(
                            format!("parameter `{}` is constrained", param.name),
                            *file,
                            function.def_line,
                            rule,
                        ));
                    }
                    if let Some(annotation) = &param.annotation
                        && let Sym::Class { file: f, class } =
                            project.resolve(*file, function.parent, annotation, 0)
                    {
                        schema_classes.push((f, class));
                    }
                }
            }
            _ => {}
        }
        if let Some(reg) = &tool.registration
            && let Some(schema) = reg.call.keyword("args_schema")
            && let Sym::Class { file, class } = project.resolve(reg.file, reg.scope, schema, 0)
        {
            schema_classes.push((file, class));
        }
        for (file, class) in schema_classes {
            out.extend(self.schema_class_guards(file, class));
        }
        if let Some(reg) = &tool.registration {
            let refined = reg
                .call
                .args
                .iter()
                .find_map(|arg| self.refinement(reg.file, reg.scope, &arg.value, 0));
            if let Some((evidence, rule)) = refined {
                out.push(self.validation(evidence, reg.file, reg.line, rule));
            }
        }
        out
    }

    /// A refinement call (`[[guard]] schema_calls`) inside a schema given to a registration,
    /// directly or through the variables it is built from: `z.string().max(100)`; the evidence
    /// and the rule.
    fn refinement(
        &self,
        file: usize,
        scope: Option<usize>,
        expr: &Expr,
        depth: usize,
    ) -> Option<(String, &'p GuardRule)> {
        if depth > 12 {
            return None;
        }
        let d = depth + 1;
        match expr {
            Expr::Call(call) => {
                if let Sym::External(path) = self.project.resolve(file, scope, &call.callee, 0)
                    && let Some(rule) = self
                        .catalog
                        .guards
                        .iter()
                        .find(|r| r.schema_calls.iter().any(|p| p.matches(&path)))
                {
                    return Some((
                        format!("{}(...) in the tool's schema", call.callee.display()),
                        rule,
                    ));
                }
                let base = match &call.callee {
                    Expr::Attr(base, _) => self.refinement(file, scope, base, d),
                    _ => None,
                };
                base.or_else(|| {
                    call.args
                        .iter()
                        .find_map(|a| self.refinement(file, scope, &a.value, d))
                })
            }
            Expr::Attr(base, _) => self.refinement(file, scope, base, d),
            Expr::Dict(pairs) => pairs
                .iter()
                .find_map(|(_, v)| self.refinement(file, scope, v, d)),
            Expr::List(items) | Expr::Choice(items) => items
                .iter()
                .find_map(|v| self.refinement(file, scope, v, d)),
            Expr::Name(name) => {
                let (f, a) = self.project.assignment_of(file, scope, name)?;
                let assignment = &self.project.files[f].assignments[a];
                self.refinement(f, assignment.scope, &assignment.value, d)
            }
            _ => None,
        }
    }

    fn schema_class_guards(&self, file: usize, class: usize) -> Vec<Found> {
        let project = self.project;
        let mut out = Vec::new();
        for (f, c) in project.mro(file, class) {
            let facts = &project.files[f];
            let class_facts = &facts.classes[c];
            for field in &class_facts.fields {
                let constrained = field
                    .annotation
                    .as_ref()
                    .and_then(|a| self.constrains(f, a))
                    .or_else(|| field.value.as_ref().and_then(|v| self.constrains(f, v)));
                if let Some(rule) = constrained {
                    out.push(self.validation(
                        format!("{}.{} is constrained", class_facts.name, field.name),
                        f,
                        field.line,
                        rule,
                    ));
                }
            }
            for function in facts.functions.iter().filter(|m| m.class == Some(c)) {
                for decorator in &function.decorators {
                    let target = match &decorator.expr {
                        Expr::Call(call) => &call.callee,
                        other => other,
                    };
                    let Sym::External(path) = project.resolve(f, None, target, 0) else {
                        continue;
                    };
                    if let Some(rule) = self
                        .catalog
                        .guards
                        .iter()
                        .find(|r| r.schema_decorators.iter().any(|p| p.matches(&path)))
                    {
                        out.push(self.validation(
                            format!("@{} {}", target.display(), function.name),
                            f,
                            decorator.line,
                            rule,
                        ));
                    }
                }
            }
        }
        out
    }

    fn validation(&self, evidence: String, file: usize, line: u32, rule: &GuardRule) -> Found {
        Found {
            kind: GuardKind::InputValidation,
            evidence,
            file,
            line,
            strong: false,
            rule: FoundBy(rule.id.clone()),
        }
    }

    /// The rule by which an annotation or default constrains values, when one does:
    /// `Field(max_length=5)`, `Literal["a", "b"]`, `Annotated[str, Field(pattern=...)]`,
    /// `conint(ge=0)`.
    fn constrains(&self, file: usize, expr: &Expr) -> Option<&'p GuardRule> {
        let rules = &self.catalog.guards;
        match expr {
            Expr::Call(call) if call.callee.last_name() == Some("Field") => rules
                .iter()
                .find(|r| r.schema_keywords.iter().any(|k| call.keyword(k).is_some())),
            Expr::Call(call) => self.is_schema_type(file, &call.callee),
            Expr::Subscript(base, index) => self
                .is_schema_type(file, base)
                .or_else(|| index.iter().find_map(|i| self.constrains(file, i))),
            Expr::Name(_) | Expr::Attr(..) => self.is_schema_type(file, expr),
            _ => None,
        }
    }

    /// The rule whose `schema_types` the expression resolves to.
    fn is_schema_type(&self, file: usize, expr: &Expr) -> Option<&'p GuardRule> {
        let path = match self.project.resolve(file, None, expr, usize::MAX) {
            Sym::External(path) => path,
            _ => return None,
        };
        self.catalog
            .guards
            .iter()
            .find(|r| r.schema_types.iter().any(|p| p.matches(&path)))
    }

    fn resolve_call(&self, file: usize, call: usize) -> Sym {
        let call = &self.project.files[file].calls[call];
        self.project
            .resolve(file, call.scope, &call.call.callee, call.span.start_byte)
    }

    /// What a call refers to as a path: library calls as resolved, repo functions as
    /// `module.qualname`.
    fn call_path(&self, file: usize, call: usize) -> Option<ApiPath> {
        match self.resolve_call(file, call) {
            Sym::External(path) => Some(path),
            Sym::Function { file, func } => Some(self.function_path(file, func)),
            _ => None,
        }
    }

    fn function_path(&self, file: usize, func: usize) -> ApiPath {
        let facts = &self.project.files[file];
        let qualname = &facts.functions[func].qualname;
        if facts.module.is_empty() {
            ApiPath::from_dotted(qualname)
        } else {
            ApiPath::from_dotted(&format!("{}.{}", facts.module, qualname))
        }
    }

    /// `a` runs before `b` whenever `b` runs: it ends first, and every conditional region
    /// holding `a` holds `b` too.
    fn dominates(&self, file: usize, a: Span, b: Span) -> bool {
        if a.end_byte > b.start_byte {
            return false;
        }
        let regions = &self.project.files[file].regions;
        // Regions are sorted by start; only those starting before `a` can hold it.
        let end = regions.partition_point(|r| r.start_byte <= a.start_byte);
        regions[..end]
            .iter()
            .filter(|r| r.contains(&a))
            .all(|r| r.contains(&b))
    }

    /// Whether `span` sits in a conditional region inside function `func`.
    fn in_region(&self, file: usize, func: usize, span: Span) -> bool {
        let facts = &self.project.files[file];
        let body = facts.functions[func].span;
        let end = facts
            .regions
            .partition_point(|r| r.start_byte <= span.start_byte);
        facts.regions[..end]
            .iter()
            .any(|r| r.contains(&span) && body.contains(r) && *r != body)
    }
}

/// Calls made in the arguments of `target` run before it.
fn arguments_of(target: Span, call: Span) -> bool {
    target.contains(&call) && call != target
}

/// `retry(stop=...)`: the decorator with its keyword names, values elided.
fn decorator_text(expr: &Expr) -> String {
    match expr {
        Expr::Call(call) => {
            let args: Vec<String> = call
                .args
                .iter()
                .map(|a| match &a.name {
                    Some(name) => format!("{name}=..."),
                    None => "...".into(),
                })
                .collect();
            format!("{}({})", call.callee.display(), args.join(", "))
        }
        other => other.display(),
    }
}

/// A literal `False`, `None` or `0`: the option is off.
fn is_off(expr: &Expr) -> bool {
    matches!(expr, Expr::Bool(false) | Expr::Null) || matches!(expr, Expr::Num(n) if n == "0")
}

fn has_dict_key(expr: &Expr, key: &str) -> bool {
    match expr {
        Expr::Dict(pairs) => pairs
            .iter()
            .any(|(k, v)| k.as_str() == Some(key) || has_dict_key(v, key)),
        _ => false,
    }
}

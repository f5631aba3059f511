//! Forwarders: user functions that pass their own parameters into a tool registration, so that
//! calling them registers a tool (SPEC §2, "wrappers and factories").
//!
//! Reads linked facts and the catalog's call rules; hands [`Forwarders`] to detection. A
//! registration whose handler is one of its function's parameters (`server.registerTool(name,
//! cfg, track(callback))` inside `registerTool(name, cfg, callback)`) makes that function a
//! forwarder of the rule, with the parameters that carry the name and the handler; a call of a
//! forwarder that passes its own parameters on makes its function one too, to any depth. A call
//! of a forwarder with a handler of its own is then a registration like the framework's.
//!
//! Parameters are followed through wrapper calls, attribute access and locals assigned from
//! them, in the function itself. A forwarder is found by resolution; a method call that does not
//! resolve (`context.accountTool(...)` on an interface type) matches a forwarder of that exact
//! name whose handler argument is given. Derivation stops after [`MAX_ROUNDS`] rounds.

use rustc_hash::FxHashMap as HashMap;

use crate::catalog::ToolRule;
use crate::facts::{Call, Expr, FileFacts};
use crate::link::{Project, Sym};

/// Rounds of derivation: a forwarder of a forwarder of ... this deep.
const MAX_ROUNDS: usize = 8;
/// How far a parameter is followed through locals and wrappers.
const MAX_FLOW: usize = 6;

/// A function that registers what it is given.
#[derive(Debug, Clone)]
pub(crate) struct Forwarder<'r> {
    /// The framework rule the registration at the end of the chain matches.
    pub rule: &'r ToolRule,
    /// The parameter (counted without the receiver) that carries the handler.
    pub handler_param: usize,
    /// The parameter that carries the tool's name, when one does.
    pub name_param: Option<usize>,
    /// The function's own name, for calls that do not resolve.
    pub name: String,
}

/// Every forwarder of the project, by function.
#[derive(Debug, Default)]
pub(crate) struct Forwarders<'r> {
    by_function: HashMap<(usize, usize), Forwarder<'r>>,
    /// Forwarders by name, for method calls that do not resolve, in the order found.
    by_name: HashMap<String, Vec<(usize, usize)>>,
}

impl<'r> Forwarders<'r> {
    /// Finds the forwarders: `matching` says which framework rule a call is a registration of.
    pub(crate) fn find(
        project: &Project,
        files: &[usize],
        matching: &dyn Fn(usize, &Call) -> Option<&'r ToolRule>,
    ) -> Self {
        let mut out = Forwarders::default();
        for round in 0..MAX_ROUNDS {
            let mut added = Vec::new();
            for &file in files {
                let facts = &project.files[file];
                // After the first round only calls of forwarders found so far are looked at,
                // and a file that calls none of them by name has none.
                let called = project.calls_last_names(file);
                let forwards_here = out.by_name.keys().any(|n| called.contains(n.as_str()));
                if round > 0 && !forwards_here {
                    continue;
                }
                for call in &facts.calls {
                    let Some(func) = call.scope else { continue };
                    if out.by_function.contains_key(&(file, func)) {
                        continue;
                    }
                    let forwarded = if forwards_here {
                        out.registration(project, file, call)
                    } else {
                        None
                    };
                    let (rule, handler, name) = match forwarded {
                        Some(via) => (via.rule, via.handler, via.name),
                        None if round == 0 => {
                            let Some(rule) = matching(file, call) else {
                                continue;
                            };
                            let handler =
                                rule.def.handler.as_ref().and_then(|h| h.find(&call.call));
                            let name = rule.def.name.as_ref().and_then(|n| n.find(&call.call));
                            (rule, handler, name)
                        }
                        None => continue,
                    };
                    let name_param = name.and_then(|n| carried_param(facts, func, n, &[], 0));
                    // A registration that names its own tool (`Tool(name="Calculator",
                    // func=make(llm).run)`) registers that tool; it forwards nothing.
                    if name.is_some() && name_param.is_none() {
                        continue;
                    }
                    let skip: Vec<usize> = name_param.into_iter().collect();
                    let Some(handler_param) =
                        handler.and_then(|h| carried_param(facts, func, h, &skip, 0))
                    else {
                        continue;
                    };
                    added.push((
                        (file, func),
                        Forwarder {
                            rule,
                            handler_param,
                            name_param,
                            name: facts.functions[func].name.clone(),
                        },
                    ));
                }
            }
            if added.is_empty() {
                break;
            }
            for (key, forwarder) in added {
                out.insert(key, forwarder);
            }
        }
        out
    }

    fn insert(&mut self, key: (usize, usize), forwarder: Forwarder<'r>) {
        self.by_name
            .entry(forwarder.name.clone())
            .or_default()
            .push(key);
        self.by_function.insert(key, forwarder);
    }

    /// The files forwarders are written in.
    pub(crate) fn files(&self) -> impl Iterator<Item = usize> + '_ {
        self.by_function.keys().map(|&(file, _)| file)
    }

    /// Whether `(file, func)` is a forwarder (its own registrations pass parameters on).
    pub(crate) fn contains(&self, file: usize, func: usize) -> bool {
        self.by_function.contains_key(&(file, func))
    }

    /// The registration a call of a forwarder makes: the rule, and the arguments that hold the
    /// handler and the name.
    pub(crate) fn registration<'c>(
        &self,
        project: &Project,
        file: usize,
        call: &'c Call,
    ) -> Option<Forwarded<'r, 'c>> {
        let callee = &call.call.callee;
        // Most calls are dismissed by name before being resolved (an alias of a forwarder
        // under another name is not followed).
        if !callee
            .last_name()
            .is_some_and(|n| self.by_name.contains_key(n))
        {
            return None;
        }
        let keys: Vec<(usize, usize)> =
            match project.resolve(file, call.scope, callee, call.span.start_byte) {
                Sym::Function { file: f, func } => vec![(f, func)],
                // A method of something typed by an interface or not resolved at all: the
                // forwarders of that name, first the one the call's arguments fit.
                Sym::Unknown | Sym::External(_) => match callee {
                    Expr::Attr(_, method) => self.by_name.get(method.as_str())?.clone(),
                    _ => return None,
                },
                _ => return None,
            };
        keys.into_iter()
            .find_map(|key| self.forwarded(project, key, call))
    }

    fn forwarded<'c>(
        &self,
        project: &Project,
        key: (usize, usize),
        call: &'c Call,
    ) -> Option<Forwarded<'r, 'c>> {
        let forwarder = self.by_function.get(&key)?;
        let function = &project.files[key.0].functions[key.1];
        let receiver = usize::from(function.takes_receiver());
        let params = &function.params[receiver.min(function.params.len())..];
        let positional = call
            .call
            .args
            .iter()
            .filter(|a| a.name.is_none() && !a.spread)
            .count();
        // A forwarder that takes one options object (`register({ name, callback })`) has its
        // properties as parameters: they are read by name, not by position.
        let by_position = positional >= params.len().min(forwarder.handler_param + 1);
        let argument = |index: usize| {
            if by_position {
                call.call.positional(index)
            } else {
                params.get(index).and_then(|p| call.call.keyword(&p.name))
            }
        };
        Some(Forwarded {
            rule: forwarder.rule,
            handler: Some(argument(forwarder.handler_param)?),
            name: forwarder.name_param.and_then(argument),
        })
    }
}

/// A call that registers a tool through a forwarder.
pub(crate) struct Forwarded<'r, 'c> {
    pub rule: &'r ToolRule,
    pub handler: Option<&'c Expr>,
    pub name: Option<&'c Expr>,
}

/// The parameter of `func` (counted without the receiver, and not one of `skip`) whose value
/// `expr` carries: the parameter itself, a field of it, a wrapper call given it, an inline
/// function that calls it, or a local assigned from one.
pub(crate) fn carried_param(
    facts: &FileFacts,
    func: usize,
    expr: &Expr,
    skip: &[usize],
    depth: usize,
) -> Option<usize> {
    if depth > MAX_FLOW {
        return None;
    }
    let function = &facts.functions[func];
    match expr {
        Expr::Name(name) => {
            let receiver = usize::from(function.takes_receiver());
            if let Some(i) = function.params.iter().position(|p| p.name == name.as_str()) {
                return i.checked_sub(receiver).filter(|i| !skip.contains(i));
            }
            facts
                .assignments
                .iter()
                .filter(|a| {
                    a.scope == Some(func) && matches!(&a.target, Expr::Name(n) if n == name)
                })
                .find_map(|a| carried_param(facts, func, &a.value, skip, depth + 1))
        }
        Expr::Attr(base, _) => carried_param(facts, func, base, skip, depth + 1),
        // An inline function that calls the parameter (`async (args) => execute(args)`).
        Expr::Lambda(span) => facts
            .calls
            .iter()
            .filter(|c| span.contains(&c.span))
            .find_map(|c| match &c.call.callee {
                callee @ Expr::Name(_) => carried_param(facts, func, callee, skip, depth + 1),
                _ => None,
            }),
        // A wrapper given the value itself (`track(name, callback)`) before one given a field
        // of another parameter (`build(config.schema, handler)` carries `handler`).
        Expr::Call(call) => call
            .args
            .iter()
            .filter(|a| matches!(a.value, Expr::Name(_)))
            .chain(
                call.args
                    .iter()
                    .filter(|a| !matches!(a.value, Expr::Name(_))),
            )
            .find_map(|a| carried_param(facts, func, &a.value, skip, depth + 1)),
        _ => None,
    }
}

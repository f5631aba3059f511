//! Tool definitions made through a project's own identity helper: `tool({ description,
//! parameters, execute })` where `tool` is a function of the tree that returns its argument
//! unchanged (the shape of the AI SDK's `tool()`, written locally, as `@supabase/mcp-utils`
//! does). The object's handler property runs when the model calls the tool.
//!
//! Reads linked facts and the catalog: the handler property names are the keyword handlers of
//! the language's `call` rules (`execute`, `func`...), so a new framework's key is data. A
//! helper of the helper counts too: a function that receives the handler as that property
//! (`injectableTool({ execute, ... })`) and passes it into a helper call. A call of any other
//! function, or an object without a handler, is not a definition. Named by its key in an object
//! literal of the same file (a returned one too), else the variable.

use rustc_hash::FxHashSet as HashSet;

use crate::catalog::{LanguageCatalog, ToolKind};
use crate::facts::{Expr, FileFacts};
use crate::link::{Project, Sym};
use crate::rules::ENGINE_DEFINITION_HELPER;

use super::forward::carried_param;
use super::{DetectedTool, Entry, Registration, handler_function, keyed_name, summarize};

/// Rounds of helpers of helpers.
const MAX_ROUNDS: usize = 4;

/// The handler property names: the keyword handlers of the language's `call` rules.
pub(super) fn handler_keys(catalog: &LanguageCatalog) -> Vec<&str> {
    catalog
        .tool_rules(ToolKind::Call)
        .filter_map(|r| r.def.handler.as_ref())
        .flat_map(|h| h.keyword.iter())
        .collect()
}

/// The definition helpers of the project: identity functions, and functions that hand the
/// handler property they receive to one.
pub(super) fn definition_helpers(
    project: &Project,
    files: &[usize],
    handler_keys: &[&str],
) -> HashSet<(usize, usize)> {
    let mut helpers: HashSet<(usize, usize)> = HashSet::default();
    for &file in files {
        let facts = &project.files[file];
        // Functions that call or assign anything do more than return their argument.
        let busy: HashSet<usize> = facts
            .calls
            .iter()
            .filter_map(|c| c.scope)
            .chain(facts.assignments.iter().filter_map(|a| a.scope))
            .collect();
        for func in 0..facts.functions.len() {
            if !busy.contains(&func) && returns_its_parameter(facts, func) {
                helpers.insert((file, func));
            }
        }
    }
    if helpers.is_empty() {
        return helpers;
    }
    for _ in 0..MAX_ROUNDS {
        let names = helper_names(project, &helpers);
        let mut added = Vec::new();
        for &file in files {
            let facts = &project.files[file];
            for call in &facts.calls {
                if !calls_one_of(call, &names) {
                    continue;
                }
                let Some(scope) = call.scope else { continue };
                if helpers.contains(&(file, scope)) {
                    continue;
                }
                let Some(handler) = handler_keys.iter().find_map(|k| call.call.keyword(k)) else {
                    continue;
                };
                let Some(param) = carried_param(facts, scope, handler, &[], 0) else {
                    continue;
                };
                let function = &facts.functions[scope];
                let receiver = usize::from(function.takes_receiver());
                let receives_handler = function
                    .params
                    .get(param + receiver)
                    .is_some_and(|p| handler_keys.contains(&p.name.as_str()));
                if !receives_handler {
                    continue;
                }
                if let Sym::Function { file: f, func } =
                    project.resolve(file, call.scope, &call.call.callee, call.span.start_byte)
                    && helpers.contains(&(f, func))
                {
                    added.push((file, scope));
                }
            }
        }
        if added.is_empty() {
            break;
        }
        helpers.extend(added);
    }
    helpers
}

/// The framework reported for a tool defined through a project's own helper.
const FRAMEWORK: &str = "tool-helper";

pub(super) fn helper_definitions(
    project: &Project,
    file: usize,
    handler_keys: &[&str],
    helpers: &HashSet<(usize, usize)>,
    tools: &mut Vec<DetectedTool>,
) {
    if helpers.is_empty() {
        return;
    }
    let names = helper_names(project, helpers);
    let facts = &project.files[file];
    for (c, call) in facts.calls.iter().enumerate() {
        // Calls are dismissed by name before being resolved.
        if !calls_one_of(call, &names) {
            continue;
        }
        // Inside a helper, the call passes on what the helper was given.
        if call.scope.is_some_and(|s| helpers.contains(&(file, s))) {
            continue;
        }
        let Some(handler) = handler_keys.iter().find_map(|k| call.call.keyword(k)) else {
            continue;
        };
        let Sym::Function { file: f, func } =
            project.resolve(file, call.scope, &call.call.callee, call.span.start_byte)
        else {
            continue;
        };
        if !helpers.contains(&(f, func)) {
            continue;
        }
        let at = call.span.start_byte;
        let entry = match handler_function(project, file, call.scope, handler, at) {
            Some((file, func)) => Entry::Function { file, func },
            None => match handler {
                Expr::Lambda(span) => Entry::Lambda {
                    file,
                    call: c,
                    span: *span,
                },
                _ => continue,
            },
        };
        let Some(name) = call
            .call
            .keyword("name")
            .and_then(|n| project.literal_str(file, call.scope, n))
            .or_else(|| keyed_name(facts, &call.call))
        else {
            continue;
        };
        tools.push(DetectedTool {
            also_registered: Vec::new(),
            name,
            framework: FRAMEWORK.to_string(),
            rule: ENGINE_DEFINITION_HELPER.into(),
            entry,
            description: call
                .call
                .keyword("description")
                .and_then(|d| project.literal_str(file, call.scope, d))
                .map(|d| summarize(&d)),
            declared: None,
            registration: Some(Registration {
                file,
                scope: call.scope,
                call: (*call.call).clone(),
                line: call.span.start_line,
                span: Some(call.span),
                receiver: None,
            }),
        });
    }
}

/// Whether the call's callee is written with one of `names` as its last name.
fn calls_one_of(call: &crate::facts::Call, names: &HashSet<&str>) -> bool {
    call.call
        .callee
        .last_name()
        .is_some_and(|n| names.contains(n))
}

/// The names the helpers are called by (an alias under another name is not followed).
fn helper_names<'p>(project: &'p Project, helpers: &HashSet<(usize, usize)>) -> HashSet<&'p str> {
    helpers
        .iter()
        .map(|&(file, func)| project.files[file].functions[func].name.as_str())
        .collect()
}

/// Whether every `return` of `func` gives back its one parameter (`(t) => t`); the caller has
/// checked that it calls and assigns nothing.
fn returns_its_parameter(facts: &FileFacts, func: usize) -> bool {
    let function = &facts.functions[func];
    let [param] = function.params.as_slice() else {
        return false;
    };
    let mut returns = facts
        .returns
        .iter()
        .filter(|r| r.scope == Some(func))
        .peekable();
    returns.peek().is_some()
        && returns.all(|r| matches!(&r.value, Expr::Name(n) if n.as_str() == param.name))
}

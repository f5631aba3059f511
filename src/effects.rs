//! Direct effects: the catalogued library calls in the code a tool runs.

use crate::catalog::{LanguageCatalog, classify};
use crate::detect::{DetectedTool, Entry};
use crate::facts::{Call, Span};
use crate::link::{Project, Sym};
use crate::model::Effect;

/// A piece of code that runs for a tool: the calls of one function, or of part of it.
struct Body {
    file: usize,
    scope: Option<usize>,
    /// Only calls inside this span (a dispatcher branch, a lambda).
    within: Option<Span>,
    /// The chain from the tool's entry to this code.
    via: Vec<String>,
}

/// The effects of the code a tool runs, in source order.
pub fn direct_effects(
    project: &Project,
    catalog: &LanguageCatalog,
    tool: &DetectedTool,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    for body in bodies(project, &tool.entry) {
        let facts = &project.files[body.file];
        for call in &facts.calls {
            let inside = match body.within {
                Some(span) => span.contains(&call.span) && call.scope == body.scope,
                None => call.scope == body.scope,
            };
            if inside && let Some(effect) = call_effect(project, catalog, body.file, call, &body) {
                effects.push(effect);
            }
        }
    }
    if let Entry::Registration {
        file,
        call,
        effect: Some(category),
        ..
    } = tool.entry
    {
        let facts = &project.files[file];
        let call = &facts.calls[call];
        effects.push(Effect {
            category,
            call: call.callee_text.clone(),
            api: call.callee_text.clone(),
            file: facts.path.clone(),
            line: call.span.start_line,
            via: vec![tool.name.clone()],
        });
    }
    effects.sort_by(|a, b| {
        (&a.file, a.line, a.category, &a.call, &a.via)
            .cmp(&(&b.file, b.line, b.category, &b.call, &b.via))
    });
    effects.dedup();
    effects
}

fn bodies(project: &Project, entry: &Entry) -> Vec<Body> {
    let qualname = |file: usize, func: usize| project.files[file].functions[func].qualname.clone();
    let function_body = |file: usize, func: usize| Body {
        file,
        scope: Some(func),
        within: None,
        via: vec![qualname(file, func)],
    };
    match *entry {
        Entry::Function { file, func } => vec![function_body(file, func)],
        Entry::Class { ref methods, .. } => methods
            .iter()
            .map(|&(file, func)| function_body(file, func))
            .collect(),
        Entry::Branch {
            file,
            func,
            dispatch,
            target,
            ..
        } => {
            let facts = &project.files[file];
            let d = &facts.dispatches[dispatch];
            let branch = branch_label(project, file, func, dispatch);
            let mut out = vec![Body {
                file,
                scope: Some(func),
                within: Some(d.span),
                via: vec![branch.clone()],
            }];
            if let Some((f, g)) = target {
                out.push(Body {
                    file: f,
                    scope: Some(g),
                    within: None,
                    via: vec![branch, qualname(f, g)],
                });
            }
            out
        }
        Entry::Lambda { file, call, span } => {
            let facts = &project.files[file];
            vec![Body {
                file,
                scope: facts.calls[call].scope,
                within: Some(span),
                via: vec!["<lambda>".into()],
            }]
        }
        Entry::Registration { .. } => Vec::new(),
    }
}

/// `handle_call_tool[read_query]`: the branch of a dispatcher that serves one tool.
pub fn branch_label(project: &Project, file: usize, func: usize, dispatch: usize) -> String {
    let facts = &project.files[file];
    format!(
        "{}[{}]",
        facts.functions[func].qualname, facts.dispatches[dispatch].value
    )
}

fn call_effect(
    project: &Project,
    catalog: &LanguageCatalog,
    file: usize,
    call: &Call,
    body: &Body,
) -> Option<Effect> {
    let last = call.call.callee.last_name()?;
    if !catalog.may_have_effect(last) {
        return None;
    }
    let Sym::External(path) =
        project.resolve(file, call.scope, &call.call.callee, call.span.start_byte)
    else {
        return None;
    };
    let rule = catalog.effect_for(&path)?;
    let category = classify(rule, &call.call)?;
    Some(Effect {
        category,
        call: call.callee_text.clone(),
        api: path.to_string(),
        file: project.files[file].path.clone(),
        line: call.span.start_line,
        via: body.via.clone(),
    })
}

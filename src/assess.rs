//! Assessment: turns detected tools and their effects into the inventory entries, with
//! `destructive`, `verdict`, `findings`, stable ids and a stable order.

use std::collections::HashMap;

use crate::catalog::Catalog;
use crate::detect::{DetectedTool, Entry, detect};
use crate::effects::branch_label;
use crate::effects::direct_effects;
use crate::link::Project;
use crate::model::{Declared, Effect, Finding, Guard, Summary, Tool, Verdict};
use crate::note::Note;

/// Detects and assesses every tool in the project, sorted by file, line and name.
pub fn assess_project(project: &Project, catalog: &Catalog, notes: &mut Vec<Note>) -> Vec<Tool> {
    let mut languages: Vec<_> = project.files.iter().map(|f| f.language).collect();
    languages.sort();
    languages.dedup();
    let mut tools = Vec::new();
    for language in languages {
        let lang_catalog = catalog.language(language);
        for detected in detect(project, language, lang_catalog, notes) {
            let effects = direct_effects(project, lang_catalog, &detected);
            tools.push(build_tool(project, &detected, effects));
        }
    }
    tools.sort_by(|a, b| {
        (&a.file, a.line, &a.name, &a.function).cmp(&(&b.file, b.line, &b.name, &b.function))
    });
    assign_ids(&mut tools);
    tools
}

fn build_tool(project: &Project, detected: &DetectedTool, effects: Vec<Effect>) -> Tool {
    let (function, file, line) = location(project, &detected.entry);
    let language = project.files[entry_file(&detected.entry)].language;
    let guards: Vec<Guard> = Vec::new();
    let destructive = effects.iter().any(|e| e.category.is_destructive());
    let verdict = verdict(&effects, &guards);
    let findings = findings(detected.declared.as_ref(), &effects, destructive);
    Tool {
        id: String::new(),
        name: detected.name.clone(),
        function,
        framework: detected.framework.clone(),
        language: language.as_str().to_string(),
        file,
        line,
        description: detected.description.clone().filter(|d| !d.is_empty()),
        declared: detected.declared.clone(),
        effects,
        guards,
        destructive,
        verdict,
        findings,
    }
}

fn entry_file(entry: &Entry) -> usize {
    match *entry {
        Entry::Function { file, .. }
        | Entry::Class { file, .. }
        | Entry::Branch { file, .. }
        | Entry::Lambda { file, .. }
        | Entry::Registration { file, .. } => file,
    }
}

/// The `function`, `file` and `line` a tool is reported at: the code that runs.
fn location(project: &Project, entry: &Entry) -> (String, String, u32) {
    let at = |file: usize, func: usize| {
        let f = &project.files[file];
        (f.path.clone(), f.functions[func].def_line)
    };
    match *entry {
        Entry::Function { file, func } => {
            let (path, line) = at(file, func);
            (
                project.files[file].functions[func].qualname.clone(),
                path,
                line,
            )
        }
        Entry::Class {
            file,
            class,
            ref methods,
        } => {
            let name = project.files[file].classes[class].qualname.clone();
            let (path, line) = match methods.first() {
                // The entry method defined on the class itself; an inherited one lives elsewhere.
                Some(&(f, m)) if f == file => at(f, m),
                _ => {
                    let facts = &project.files[file];
                    (facts.path.clone(), facts.classes[class].span.start_line)
                }
            };
            (name, path, line)
        }
        Entry::Branch {
            file,
            func,
            dispatch,
            target,
            shared_target,
        } => match target {
            Some((f, g)) if !shared_target => {
                let (path, line) = at(f, g);
                (project.files[f].functions[g].qualname.clone(), path, line)
            }
            _ => {
                let facts = &project.files[file];
                (
                    branch_label(project, file, func, dispatch),
                    facts.path.clone(),
                    facts.dispatches[dispatch].line,
                )
            }
        },
        Entry::Lambda { file, span, .. } => (
            "<lambda>".into(),
            project.files[file].path.clone(),
            span.start_line,
        ),
        Entry::Registration {
            file,
            call,
            ref code,
            ..
        } => {
            let facts = &project.files[file];
            let call = &facts.calls[call];
            (
                code.clone().unwrap_or_else(|| call.callee_text.clone()),
                facts.path.clone(),
                call.span.start_line,
            )
        }
    }
}

/// SPEC §5. Guards are not judged yet, so every state-changing effect is unguarded.
fn verdict(effects: &[Effect], guards: &[Guard]) -> Verdict {
    if !effects.iter().any(|e| e.category.changes_state()) {
        Verdict::ReadOnly
    } else if guards.is_empty() {
        Verdict::Unguarded
    } else {
        Verdict::Partial
    }
}

fn findings(declared: Option<&Declared>, effects: &[Effect], destructive: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(declared) = declared else {
        return out;
    };
    if declared.read_only == Some(true)
        && let Some(e) = effects.iter().find(|e| e.category.changes_state())
    {
        out.push(Finding {
            kind: "declared_read_only_but_writes".into(),
            message: format!(
                "declared read-only, but {} `{}` at {}:{}",
                e.category.as_str(),
                e.call,
                e.file,
                e.line
            ),
        });
    }
    if declared.destructive == Some(false)
        && destructive
        && let Some(e) = effects.iter().find(|e| e.category.is_destructive())
    {
        out.push(Finding {
            kind: "declared_non_destructive_but_destructive".into(),
            message: format!(
                "declared non-destructive, but {} `{}` at {}:{}",
                e.category.as_str(),
                e.call,
                e.file,
                e.line
            ),
        });
    }
    out
}

/// `language:file:name`, with `#2`, `#3`... for same-named tools in one file.
fn assign_ids(tools: &mut [Tool]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for tool in tools.iter_mut() {
        let base = format!("{}:{}:{}", tool.language, tool.file, tool.name);
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        tool.id = if *n == 1 { base } else { format!("{base}#{n}") };
    }
}

pub fn summarize(tools: &[Tool]) -> Summary {
    let count = |v: Verdict| tools.iter().filter(|t| t.verdict == v).count();
    Summary {
        tools: tools.len(),
        destructive: tools.iter().filter(|t| t.destructive).count(),
        unguarded: count(Verdict::Unguarded),
        partial: count(Verdict::Partial),
        guarded: count(Verdict::Guarded),
        read_only: count(Verdict::ReadOnly),
    }
}

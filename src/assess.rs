//! Assessment: turns detected tools and their effects into the inventory entries, with
//! `destructive`, `verdict`, `findings`, stable ids and a stable order.

use rustc_hash::FxHashMap as HashMap;

use crate::agents::{Known, find_agents};
use crate::catalog::Catalog;
use crate::detect::{DetectedTool, Entry, detect};
use crate::guards::{Found, Judge};
use crate::link::Project;
use crate::model::{Agent, Declared, Effect, Finding, Guard, Summary, Tool, Verdict};
use crate::note::Note;
use crate::trace::{Trace, Tracer, branch_label};

/// Detects and assesses every tool in the project, sorted by file, line and name, and finds the
/// agents that use them.
/// The places a tool is written, as `(file, line)` (see [`written_at`]).
pub type WrittenAt = Vec<(String, u32)>;

/// Tools (sorted, with ids) and agents, and for each tool the places it is written.
pub fn assess_project(
    project: &Project,
    catalog: &Catalog,
    notes: &mut Vec<Note>,
) -> (Vec<Tool>, Vec<Agent>, Vec<WrittenAt>) {
    let mut languages: Vec<_> = project.files.iter().map(|f| f.language.family()).collect();
    languages.sort();
    languages.dedup();
    let mut tools = Vec::new();
    let mut detected_tools = Vec::new();
    for &language in &languages {
        let lang_catalog = catalog.language(language);
        let tracer = Tracer::new(project, lang_catalog);
        let judge = Judge::new(project, lang_catalog);
        for detected in detect(project, language, lang_catalog, notes) {
            let trace = tracer.trace(&detected);
            if trace.truncated {
                let (_, file, line) = location(project, &detected.entry);
                notes.push(Note {
                    path: file,
                    line: Some(line),
                    message: format!(
                        "tool `{}` reaches too many functions; tracing stopped early",
                        detected.name
                    ),
                });
            }
            let judgement = judge.judge(&detected, &trace);
            let (effects, guards) = effects_and_guards(project, &trace, judgement.per_effect);
            let mut tool = build_tool(project, &detected, effects, guards);
            tool.unresolved_calls = trace.unresolved;
            tools.push(tool);
            detected_tools.push(detected);
        }
    }
    let mut order: Vec<usize> = (0..tools.len()).collect();
    let key = |t: &Tool| (t.file.clone(), t.line, t.name.clone(), t.function.clone());
    order.sort_by_key(|&i| key(&tools[i]));
    let mut slots: Vec<Option<Tool>> = tools.into_iter().map(Some).collect();
    let mut tools: Vec<Tool> = order.iter().filter_map(|&i| slots[i].take()).collect();
    assign_ids(&mut tools);
    let mut agents = Vec::new();
    for language in languages {
        let known: Vec<Known> = order
            .iter()
            .zip(&tools)
            .filter(|(i, _)| {
                project.files[entry_file(&detected_tools[**i].entry)]
                    .language
                    .family()
                    == language
            })
            .map(|(&i, t)| Known {
                id: &t.id,
                detected: &detected_tools[i],
            })
            .collect();
        agents.extend(find_agents(
            project,
            catalog.language(language),
            language,
            &known,
        ));
    }
    agents.sort_by(|a, b| (&a.file, a.line, &a.name).cmp(&(&b.file, b.line, &b.name)));
    let written = order
        .iter()
        .zip(&tools)
        .map(|(&i, tool)| written_at(project, tool, &detected_tools[i]))
        .collect();
    (tools, agents, written)
}

/// Where a tool is written, as `(file, line)`: its code, the registration that makes it a
/// tool, and the dispatch branch that runs it. An inline suppression at any of them applies.
fn written_at(project: &Project, tool: &Tool, detected: &DetectedTool) -> WrittenAt {
    let mut places = vec![(tool.file.clone(), tool.line)];
    if let Some(registration) = &detected.registration {
        places.push((
            project.files[registration.file].path.clone(),
            registration.line,
        ));
    }
    if let Entry::Branch { file, dispatch, .. } = detected.entry {
        let facts = &project.files[file];
        places.push((facts.path.clone(), facts.dispatches[dispatch].line));
    }
    places
}

/// The inventory's effects (shortest chain first, one per call site) and the tool's guards.
fn effects_and_guards(
    project: &Project,
    trace: &Trace,
    per_effect: Vec<Vec<Found>>,
) -> (Vec<(Effect, bool)>, Vec<Guard>) {
    let to_guard = |f: &Found| Guard {
        kind: f.kind,
        evidence: f.evidence.clone(),
        file: project.files[f.file].path.clone(),
        line: f.line,
        strong: f.strong,
    };
    let mut guards: Vec<Guard> = Vec::new();
    let mut effects: Vec<(Effect, bool)> = Vec::new();
    for (reached, found) in trace.effects.iter().zip(per_effect) {
        let mut kinds: Vec<_> = found.iter().map(|f| f.kind).collect();
        kinds.sort();
        kinds.dedup();
        let strong = found.iter().any(|f| f.strong);
        guards.extend(found.iter().map(to_guard));
        effects.push((
            Effect {
                category: reached.category,
                call: reached.call_text.clone(),
                api: reached.api.clone(),
                file: project.files[reached.file].path.clone(),
                line: reached.line,
                via: if reached.outside {
                    Vec::new()
                } else {
                    trace.via(reached.node)
                },
                guarded_by: kinds,
            },
            strong,
        ));
    }
    effects.sort_by(|a, b| {
        let key = |e: &Effect| (e.file.clone(), e.line, e.category, e.call.clone());
        key(&a.0)
            .cmp(&key(&b.0))
            .then(a.0.via.len().cmp(&b.0.via.len()))
    });
    // One entry per call site: the first (shortest) chain found.
    effects.dedup_by(|a, b| {
        (&a.0.file, a.0.line, a.0.category, &a.0.call)
            == (&b.0.file, b.0.line, b.0.category, &b.0.call)
    });
    guards.sort_by(|a, b| {
        (&a.file, a.line, a.kind, &a.evidence).cmp(&(&b.file, b.line, b.kind, &b.evidence))
    });
    guards.dedup();
    (effects, guards)
}

fn build_tool(
    project: &Project,
    detected: &DetectedTool,
    effects: Vec<(Effect, bool)>,
    guards: Vec<Guard>,
) -> Tool {
    let (function, file, line) = location(project, &detected.entry);
    let language = project.files[entry_file(&detected.entry)].language;
    let verdict = verdict(&effects);
    let effects: Vec<Effect> = effects.into_iter().map(|(e, _)| e).collect();
    let destructive = effects.iter().any(|e| e.category.is_destructive())
        || matches!(&detected.entry, Entry::Granted(g) if g.destructive);
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
        unresolved_calls: 0,
        suppressed: None,
    }
}

fn entry_file(entry: &Entry) -> usize {
    match *entry {
        Entry::Function { file, .. }
        | Entry::Class { file, .. }
        | Entry::Branch { file, .. }
        | Entry::Lambda { file, .. }
        | Entry::Registration { file, .. } => file,
        Entry::Granted(ref grant) => grant.file,
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
        Entry::Granted(ref grant) => (
            grant.function.clone(),
            project.files[grant.file].path.clone(),
            grant.line,
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
                code.clone().unwrap_or_else(|| call.callee_text.to_string()),
                facts.path.clone(),
                call.span.start_line,
            )
        }
    }
}

/// SPEC §5, from each effect and whether a strong guard is in front of it.
fn verdict(effects: &[(Effect, bool)]) -> Verdict {
    let changing: Vec<&(Effect, bool)> = effects
        .iter()
        .filter(|(e, _)| e.category.changes_state())
        .collect();
    if changing.is_empty() {
        Verdict::ReadOnly
    } else if changing.iter().any(|(e, _)| e.guarded_by.is_empty()) {
        Verdict::Unguarded
    } else if changing.iter().all(|(_, strong)| *strong) {
        Verdict::Guarded
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
    let mut seen: HashMap<String, usize> = HashMap::default();
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
        unresolved_calls: tools.iter().map(|t| t.unresolved_calls).sum(),
    }
}

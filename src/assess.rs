//! Assessment: turns detected tools and their effects into the inventory entries, with
//! `destructive`, `verdict`, `findings`, stable ids and a stable order.
//!
//! Facts count lines in the source the front end parsed (for a notebook, its code cells joined);
//! the inventory's locations are made from them in one place, [`place`], which turns a notebook
//! line into its cell and the line within it. Sorting by place keeps the source order.

use rustc_hash::FxHashMap as HashMap;

use crate::agents::{Known, called_agent, find_agents};
use crate::catalog::Catalog;
use crate::detect::{DetectedTool, Entry, detect};
use crate::guards::{Found, Judge};
use crate::link::Project;
use crate::model::{Agent, Category, Declared, Effect, Finding, Guard, Summary, Tool, Verdict};
use crate::note::Note;
use crate::trace::{Trace, Tracer, branch_label};

/// The places a tool is written, as `(file, line)` with the line of the file's facts (see
/// [`written_at`]).
pub type WrittenAt = Vec<(String, u32)>;

/// Detects and assesses every tool in the project, sorted by file, line and name, and finds the
/// agents that use them: tools (sorted, with ids) and agents, and for each tool the places it is
/// written.
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
    // Per tool, the agent constructions its agent_call effects run (file, line of the facts).
    let mut called_agents: Vec<Vec<(usize, u32)>> = Vec::new();
    for &language in &languages {
        let lang_catalog = catalog.language(language);
        let tracer = Tracer::new(project, lang_catalog);
        let judge = Judge::new(project, lang_catalog, language);
        let found = detect(project, language, lang_catalog, notes);
        tracer.bind_contexts(&found);
        for detected in found {
            let trace = tracer.trace(&detected);
            if trace.truncated {
                let (_, file, line) = location(project, &detected);
                notes.push(Note::at_line(
                    &project.files[file],
                    line,
                    format!(
                        "tool `{}` reaches too many functions; tracing stopped early",
                        detected.name
                    ),
                ));
            }
            called_agents.push(
                agent_call_sites(&detected, &trace)
                    .into_iter()
                    .filter_map(|(file, call)| called_agent(project, lang_catalog, file, call))
                    .collect(),
            );
            let judgement = judge.judge(&detected, &trace);
            let (effects, guards) = effects_and_guards(project, &trace, judgement.per_effect);
            let mut tool = build_tool(project, &detected, effects, guards);
            tool.unresolved_calls = trace.unresolved;
            tools.push(tool);
            detected_tools.push(detected);
        }
    }
    let mut order: Vec<usize> = (0..tools.len()).collect();
    // Placed where the agents are reported, to find them among the agents below.
    let called_agents: Vec<Vec<(String, Option<u32>, u32)>> = called_agents
        .into_iter()
        .map(|sites| {
            sites
                .into_iter()
                .map(|(file, line)| place(project, file, line))
                .collect()
        })
        .collect();
    let key = |t: &Tool| {
        let at = t.at();
        (
            at.file.to_string(),
            at.cell,
            at.line,
            t.name.clone(),
            t.function.clone(),
        )
    };
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
    agents.sort_by(|a, b| (a.at(), &a.name).cmp(&(b.at(), &b.name)));
    let called: Vec<Vec<(String, Option<u32>, u32)>> =
        order.iter().map(|&i| called_agents[i].clone()).collect();
    inherit_from_agents(&mut tools, &agents, &called);
    let written = order
        .iter()
        .zip(&tools)
        .map(|(&i, _)| written_at(project, &detected_tools[i]))
        .collect();
    (tools, agents, written)
}

/// Where a tool is written, as `(file, line)` with the line in the file's facts: its code, the
/// registration that makes it a tool, and the dispatch branch that runs it. An inline
/// suppression at any of them applies.
fn written_at(project: &Project, detected: &DetectedTool) -> WrittenAt {
    let (_, file, line) = location(project, detected);
    let mut places = vec![(project.files[file].path.clone(), line)];
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
    let to_guard = |f: &Found| {
        let (file, cell, line) = place(project, f.file, f.line);
        Guard {
            kind: f.kind,
            evidence: f.evidence.clone(),
            file,
            cell,
            line,
            strong: f.strong,
            rule: f.rule.0.to_string(),
        }
    };
    let mut guards: Vec<Guard> = Vec::new();
    let mut effects: Vec<(Effect, bool)> = Vec::new();
    for (reached, found) in trace.effects.iter().zip(per_effect) {
        let mut kinds: Vec<_> = found.iter().map(|f| f.kind).collect();
        kinds.sort();
        kinds.dedup();
        let strong = found.iter().any(|f| f.strong);
        guards.extend(found.iter().map(to_guard));
        let (file, cell, line) = place(project, reached.file, reached.line);
        effects.push((
            Effect {
                category: reached.category,
                call: reached.call_text.clone(),
                api: reached.api.clone(),
                rule: reached.rule.to_string(),
                file,
                cell,
                line,
                via: if reached.outside {
                    Vec::new()
                } else {
                    trace.via(reached.node)
                },
                guarded_by: kinds,
                not_destructive: reached.not_destructive,
            },
            strong,
        ));
    }
    effects.sort_by(|(a, _), (b, _)| {
        (a.at(), a.category, &a.call, a.via.len()).cmp(&(b.at(), b.category, &b.call, b.via.len()))
    });
    // One entry per call site: the first (shortest) chain found.
    effects.dedup_by(|a, b| {
        (a.0.at(), a.0.category, &a.0.call) == (b.0.at(), b.0.category, &b.0.call)
    });
    guards.sort_by(|a, b| (a.at(), a.kind, &a.evidence).cmp(&(b.at(), b.kind, &b.evidence)));
    // Two rules that find the same check make one guard, named by the first.
    guards.dedup_by(|a, b| {
        (a.at(), a.kind, &a.evidence, a.strong) == (b.at(), b.kind, &b.evidence, b.strong)
    });
    (effects, guards)
}

fn build_tool(
    project: &Project,
    detected: &DetectedTool,
    effects: Vec<(Effect, bool)>,
    guards: Vec<Guard>,
) -> Tool {
    let (function, file, line) = location(project, detected);
    let language = project.files[entry_file(&detected.entry)].language;
    let (file, cell, line) = place(project, file, line);
    let delegates_destructive = matches!(&detected.entry, Entry::Granted(g) if g.destructive);
    // A granted tool that runs subagents with destructive tools acts through them: its agent
    // runs change state.
    let verdict = verdict(&effects, delegates_destructive);
    let effects: Vec<Effect> = effects.into_iter().map(|(e, _)| e).collect();
    let destructive = effects.iter().any(Effect::is_destructive) || delegates_destructive;
    let mut findings = findings(detected.declared.as_ref(), &effects, destructive);
    if let Entry::Granted(grant) = &detected.entry
        && grant.bypassed
    {
        findings.push(Finding {
            kind: "permissions_bypassed".into(),
            message: "the session bypasses permissions: every call of the tool runs without asking"
                .into(),
        });
    }
    Tool {
        id: String::new(),
        name: detected.name.clone(),
        function,
        framework: detected.framework.clone(),
        rule: detected.rule.to_string(),
        language: language.as_str().to_string(),
        file,
        cell,
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

/// The calls of a tool's agent_call effects: (file, call) of each, and for an agent made a
/// tool (`agent.as_tool(...)`) its registration.
fn agent_call_sites(detected: &DetectedTool, trace: &Trace) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = trace
        .effects
        .iter()
        .filter(|r| r.category == Category::AgentCall)
        .filter_map(|r| Some((r.file, r.call?)))
        .collect();
    if let Entry::Registration {
        file,
        call,
        effect: Some(Category::AgentCall),
        ..
    } = detected.entry
    {
        out.push((file, call));
    }
    out
}

/// A tool that runs an agent of the inventory does what that agent's tools do: it is
/// destructive when one of them is, and its verdict is no better than theirs. An agent whose
/// tools only read (or that has none) leaves the tool as it is: a sub-agent's call is a model
/// call. The sub-agent's tools are inventoried and gated on their own as well.
fn inherit_from_agents(
    tools: &mut [Tool],
    agents: &[Agent],
    called: &[Vec<(String, Option<u32>, u32)>],
) {
    let by_id: HashMap<String, (bool, Verdict, String)> = tools
        .iter()
        .map(|t| (t.id.clone(), (t.destructive, t.verdict, t.name.clone())))
        .collect();
    for (tool, sites) in tools.iter_mut().zip(called) {
        for (file, cell, line) in sites {
            let Some(agent) = agents
                .iter()
                .find(|a| a.file == *file && a.cell == *cell && a.line == *line)
            else {
                continue;
            };
            for id in &agent.tools {
                let Some((destructive, verdict, name)) = by_id.get(id) else {
                    continue;
                };
                if *id == tool.id || *verdict == Verdict::ReadOnly {
                    continue;
                }
                if verdict.rank() > tool.verdict.rank() {
                    tool.verdict = *verdict;
                }
                if *destructive && !tool.destructive {
                    tool.destructive = true;
                    tool.findings.push(Finding {
                        kind: "runs_agent_with_destructive_tools".into(),
                        message: format!(
                            "runs agent `{}`, whose tool `{name}` is destructive",
                            agent.name
                        ),
                    });
                }
            }
        }
    }
}

fn entry_file(entry: &Entry) -> usize {
    entry.file()
}

/// Where line `line` of file `file` is for a reader: path, notebook cell, line. Every location
/// in the inventory is made here, from a line of the facts.
fn place(project: &Project, file: usize, line: u32) -> (String, Option<u32>, u32) {
    let facts = &project.files[file];
    let (cell, line) = facts.place(line);
    (facts.path.clone(), cell, line)
}

/// The `function`, file and line (of the facts) a tool is reported at: the code that runs, or
/// for an inline handler the line that opens its registration (`server.registerTool(`, `tool({`).
fn location(project: &Project, detected: &DetectedTool) -> (String, usize, u32) {
    let opening = detected
        .registration
        .as_ref()
        .and_then(|r| Some((r.file, r.span?)));
    let def = |file: usize, func: usize| {
        let f = &project.files[file].functions[func];
        let line = match opening {
            Some((r_file, call))
                if r_file == file
                    && call.start_byte <= f.span.start_byte
                    && f.span.end_byte <= call.end_byte =>
            {
                call.start_line
            }
            _ => f.def_line,
        };
        (f.qualname.clone(), file, line)
    };
    match detected.entry {
        Entry::Function { file, func } => def(file, func),
        Entry::Class {
            file,
            class,
            ref methods,
        } => {
            let name = project.files[file].classes[class].qualname.clone();
            let line = match methods.first() {
                // The entry method defined on the class itself; an inherited one lives elsewhere.
                Some(&(f, m)) if f == file => project.files[f].functions[m].def_line,
                _ => project.files[file].classes[class].span.start_line,
            };
            (name, file, line)
        }
        Entry::Branch {
            file,
            func,
            dispatch,
            target,
            shared_target,
        } => match target {
            Some((f, g)) if !shared_target => def(f, g),
            _ => (
                branch_label(project, file, func, dispatch),
                file,
                project.files[file].dispatches[dispatch].line,
            ),
        },
        Entry::Lambda { file, call, .. } => (
            "<lambda>".into(),
            file,
            project.files[file].calls[call].span.start_line,
        ),
        Entry::Granted(ref grant) => (grant.function.clone(), grant.file, grant.line),
        Entry::Registration {
            file,
            call,
            ref code,
            ..
        } => {
            let call = &project.files[file].calls[call];
            (
                code.clone().unwrap_or_else(|| call.callee_text.to_string()),
                file,
                call.span.start_line,
            )
        }
    }
}

/// SPEC §5, from each effect and whether a strong guard is in front of it.
fn verdict(effects: &[(Effect, bool)], agent_runs_change_state: bool) -> Verdict {
    let changing: Vec<&(Effect, bool)> = effects
        .iter()
        .filter(|(e, _)| {
            e.category.changes_state()
                || (agent_runs_change_state && e.category == Category::AgentCall)
        })
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
                "declared read-only, but {} `{}` at {}",
                e.category.as_str(),
                e.call,
                e.at()
            ),
        });
    }
    if declared.destructive == Some(false)
        && destructive
        && let Some(e) = effects.iter().find(|e| e.is_destructive())
    {
        out.push(Finding {
            kind: "declared_non_destructive_but_destructive".into(),
            message: format!(
                "declared non-destructive, but {} `{}` at {}",
                e.category.as_str(),
                e.call,
                e.at()
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
        notes: 0,
    }
}

//! The guards a session puts around the tools it grants and serves.

use crate::catalog::{FoundBy, LanguageCatalog};
use crate::detect::{DetectedTool, Registration};
use crate::facts::{Expr, Span};
use crate::guards::Found;
use crate::link::{Project, Sym};
use crate::model::GuardKind;
use crate::pattern::Glob;
use crate::rules::{ENGINE_DENY_LIST, ENGINE_PERMISSION_RULES};

use super::{Grant, Served, Written, follow};

/// The guards the session puts around a granted tool: its permission rules' scopes, the
/// permission callback for the calls outside them, and hooks that run at the call.
pub(crate) fn session_guards(
    project: &Project,
    catalog: &LanguageCatalog,
    tool: &DetectedTool,
    grant: &Grant,
) -> Vec<Found> {
    let mut out = Vec::new();
    let Some(reg) = &tool.registration else {
        return out;
    };
    let facts = &project.files[grant.file];
    let site = &facts.calls[grant.call];
    let granted = |scope: &str| format!("{}({scope})", tool.name);
    // Under a bypass every call runs unasked: scopes and callbacks stop nothing.
    let asked = !grant.scopes.is_empty() && !grant.bypassed;
    if asked {
        let rules: Vec<String> = grant.scopes.iter().map(|s| granted(s)).collect();
        out.push(Found {
            kind: GuardKind::Allowlist,
            evidence: format!(
                "only calls matching {} run unasked; others are asked about or refused",
                rules.join(" or ")
            ),
            file: grant.file,
            line: grant.line,
            strong: true,
            rule: FoundBy(ENGINE_PERMISSION_RULES.into()),
        });
    }
    if !grant.denied.is_empty() {
        out.push(Found {
            kind: GuardKind::Allowlist,
            evidence: format!("{} refused (a deny list)", grant.denied.join(", ")),
            file: grant.file,
            line: site.span.start_line,
            strong: false,
            rule: FoundBy(ENGINE_DENY_LIST.into()),
        });
    }
    out.extend(call_guards(
        project, catalog, reg, site.span, &tool.name, asked,
    ));
    out
}

/// The guards one serving session puts around each call of the tool.
pub(crate) fn served_guards(
    project: &Project,
    catalog: &LanguageCatalog,
    served: &Served,
) -> Vec<Found> {
    call_guards(
        project,
        catalog,
        &served.registration,
        served.site,
        &served.qualified,
        !served.pre_approved,
    )
}

/// The guards a session puts around each call of the tool it calls `name`: the permission
/// callback when the call is `asked` about (the permission rules do not pre-approve it), and
/// hooks whose matcher takes the name. `reg` holds the session's options, written at `site`.
fn call_guards(
    project: &Project,
    catalog: &LanguageCatalog,
    reg: &Registration,
    site: Span,
    name: &str,
    asked: bool,
) -> Vec<Found> {
    let mut out = Vec::new();
    for rule in &catalog.guards {
        if asked {
            for keyword in &rule.permission_callback {
                if let Some(value) = reg.call.keyword(keyword)
                    && !matches!(value, Expr::Null | Expr::Bool(false))
                {
                    out.push(Found {
                        kind: rule.kind,
                        evidence: format!(
                            "{keyword}={} is asked about the calls no permission rule pre-approves",
                            value.display()
                        ),
                        file: reg.file,
                        line: reg.line,
                        strong: rule.kind.is_strong(),
                        rule: FoundBy(rule.id.clone()),
                    });
                }
            }
        }
        if let Some(hooks) = &rule.hooks {
            let Some(value) = hooks.keyword.iter().find_map(|k| reg.call.keyword(k)) else {
                continue;
            };
            let written = Written {
                file: reg.file,
                scope: reg.scope,
                within: site,
                value,
            };
            for (event, matcher, callback) in hook_callbacks(project, written) {
                if !hooks.events.iter().any(|e| e == event)
                    || !matcher_matches(matcher.as_deref(), name)
                {
                    continue;
                }
                let answer = hooks
                    .answers
                    .iter()
                    .find(|a| can_answer(project, callback, a));
                if !hooks.answers.is_empty() && answer.is_none() {
                    continue;
                }
                let function = &project.files[callback.0].functions[callback.1];
                let matcher = matcher.map_or_else(|| "every tool".into(), |m| format!("{m:?}"));
                out.push(Found {
                    kind: rule.kind,
                    evidence: match answer {
                        Some(answer) => format!(
                            "{event} hook {} ({matcher}) can answer {answer:?}",
                            function.qualname
                        ),
                        None => format!("{event} hook {} ({matcher})", function.qualname),
                    },
                    file: callback.0,
                    line: function.def_line,
                    strong: rule.kind.is_strong(),
                    rule: FoundBy(rule.id.clone()),
                });
            }
        }
    }
    out
}

/// `(event, matcher, callback function)` of each hook in a session's hooks option:
/// `{"PreToolUse": [HookMatcher(matcher="Bash", hooks=[check])]}`, or
/// `{ PreToolUse: [{ matcher: "Bash", hooks: [check] }] }`.
fn hook_callbacks<'p>(
    project: &'p Project,
    hooks: Written<'p>,
) -> Vec<(&'p str, Option<String>, (usize, usize))> {
    let mut out = Vec::new();
    let Some(found) = follow(project, hooks, 0) else {
        return out;
    };
    let Expr::Dict(events) = found.value else {
        return out;
    };
    for (event, matchers) in events {
        let Some(event) = event.as_str() else {
            continue;
        };
        let Some(list) = follow(
            project,
            Written {
                value: matchers,
                ..found
            },
            0,
        ) else {
            continue;
        };
        let Expr::List(entries) = list.value else {
            continue;
        };
        for entry in entries {
            let field = |name: &str, position: usize| -> Option<&Expr> {
                match entry {
                    Expr::Call(call) => call.keyword(name).or_else(|| call.positional(position)),
                    Expr::Dict(pairs) => pairs
                        .iter()
                        .find(|(k, _)| k.as_str() == Some(name))
                        .map(|(_, v)| v),
                    _ => None,
                }
            };
            let matcher =
                field("matcher", 0).and_then(|m| project.literal_str(list.file, list.scope, m));
            let Some(Expr::List(callbacks)) = field("hooks", 1) else {
                continue;
            };
            for callback in callbacks {
                let at = list.within.start_byte;
                if let Sym::Function { file, func } =
                    project.resolve(list.file, list.scope, callback, at)
                {
                    out.push((event, matcher.clone(), (file, func)));
                }
            }
        }
    }
    out
}

/// A hook matcher: a tool name, alternatives (`Write|Edit`), a pattern (`mcp__github__.*`),
/// or nothing and `*` for every tool.
fn matcher_matches(matcher: Option<&str>, tool: &str) -> bool {
    let Some(matcher) = matcher
        .map(str::trim)
        .filter(|m| !m.is_empty() && *m != "*")
    else {
        return true;
    };
    matcher.split('|').map(str::trim).any(|alternative| {
        let glob = alternative.replace(".*", "*").replace(".+", "*");
        glob == tool
            || Glob::new(&glob).matches(tool)
            || glob
                .strip_suffix("__*")
                .is_some_and(|server| server == tool)
    })
}

/// Whether the function can return `answer` (a string literal in what it returns or builds).
fn can_answer(project: &Project, (file, func): (usize, usize), answer: &str) -> bool {
    let facts = &project.files[file];
    let holds = |e: &Expr| holds_value(e, answer, 0);
    facts
        .returns
        .iter()
        .filter(|r| r.scope == Some(func))
        .any(|r| holds(&r.value))
        || facts
            .assignments
            .iter()
            .filter(|a| a.scope == Some(func))
            .any(|a| holds(&a.value))
}

fn holds_value(expr: &Expr, answer: &str, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match expr {
        Expr::Str(s) => s == answer,
        Expr::Dict(pairs) => pairs.iter().any(|(_, v)| holds_value(v, answer, depth + 1)),
        Expr::List(items) | Expr::Choice(items) => {
            items.iter().any(|i| holds_value(i, answer, depth + 1))
        }
        Expr::Call(call) => call
            .args
            .iter()
            .any(|a| holds_value(&a.value, answer, depth + 1)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_matchers_match_names_alternatives_and_patterns() {
        assert!(matcher_matches(None, "Bash"));
        assert!(matcher_matches(Some("*"), "Bash"));
        assert!(matcher_matches(Some("Write|Edit"), "Edit"));
        assert!(!matcher_matches(Some("Write|Edit"), "Bash"));
        assert!(matcher_matches(Some("mcp__github__.*"), "mcp__github"));
        assert!(matcher_matches(Some("Notebook.*"), "NotebookEdit"));
    }
}

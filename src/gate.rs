//! The CI gate: which tools break the rule a team enforces (`--fail-on`, `[gate] fail_on`).

use std::fmt;

use serde::Deserialize;

use crate::model::{Tool, Verdict};

/// The rule the gate enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    /// A destructive tool that is not `guarded` (the default for `check`).
    DestructiveUnguarded,
    /// Any tool whose verdict is `unguarded`.
    Unguarded,
    /// Any tool that is `unguarded` or only `partial`ly guarded.
    Partial,
    /// Nothing fails.
    Never,
}

impl FailOn {
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::DestructiveUnguarded => "destructive-unguarded",
            FailOn::Unguarded => "unguarded",
            FailOn::Partial => "partial",
            FailOn::Never => "never",
        }
    }

    /// Whether `tool` breaks this rule.
    pub fn fails(self, tool: &Tool) -> bool {
        match self {
            FailOn::DestructiveUnguarded => tool.destructive && tool.verdict != Verdict::Guarded,
            FailOn::Unguarded => tool.verdict == Verdict::Unguarded,
            FailOn::Partial => matches!(tool.verdict, Verdict::Unguarded | Verdict::Partial),
            FailOn::Never => false,
        }
    }

    /// What a failing tool lacks, for the message.
    pub fn reason(self, tool: &Tool) -> String {
        let verdict = match tool.verdict {
            Verdict::Unguarded => "unguarded",
            Verdict::Partial => "only partially guarded",
            Verdict::Guarded => "guarded",
            Verdict::ReadOnly => "read-only",
        };
        if tool.destructive {
            format!("destructive and {verdict}")
        } else {
            verdict.to_string()
        }
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tool that fails the gate, and why.
pub struct Failure<'t> {
    pub tool: &'t Tool,
    pub why: String,
}

/// The tools that break `rule`, in inventory order. With a `baseline` (an earlier inventory),
/// only tools that are new there or got worse fail: a new effect, a lost guard, a verdict that
/// now breaks the rule. A tool whose file moved is matched by name and function.
pub fn violations<'t>(
    tools: &'t [Tool],
    rule: FailOn,
    baseline: Option<&[Tool]>,
) -> Vec<Failure<'t>> {
    tools
        .iter()
        .filter(|t| !t.is_suppressed() && rule.fails(t))
        .filter_map(|tool| {
            let mut reason = rule.reason(tool);
            if let Some(s) = &tool.suppressed {
                // Reviewed once, worse since: say so, the reviewer will look for it.
                reason.push_str(&format!(
                    " (the suppression at {} allows only {})",
                    s.source,
                    s.allow.as_str()
                ));
            }
            let why = match baseline {
                None => reason,
                Some(baseline) => {
                    format!("{}: {}", reason, regression(tool, tools, baseline, rule)?)
                }
            };
            Some(Failure { tool, why })
        })
        .collect()
}

/// What got worse since the baseline, or `None` when the tool failed the same way before.
fn regression(tool: &Tool, current: &[Tool], baseline: &[Tool], rule: FailOn) -> Option<String> {
    let before = baseline.iter().find(|b| b.id == tool.id).or_else(|| {
        // Moved: the same tool under another path, whose old id is gone.
        baseline.iter().find(|b| {
            b.language == tool.language
                && b.name == tool.name
                && b.function == tool.function
                && !current.iter().any(|c| c.id == b.id)
        })
    });
    let Some(before) = before else {
        return Some("new tool".into());
    };
    let mut why: Vec<String> = Vec::new();
    if !rule.fails(before) {
        why.push(format!("was {}", before.verdict.as_str()));
    }
    for effect in &tool.effects {
        let known = before
            .effects
            .iter()
            .any(|b| b.category == effect.category && b.api == effect.api);
        let text = format!("new effect {} `{}`", effect.category.as_str(), effect.call);
        if !known && !why.contains(&text) {
            why.push(text);
        }
    }
    for guard in &before.guards {
        let text = format!("lost guard {}", guard.kind.as_str());
        if !tool.guards.iter().any(|g| g.kind == guard.kind) && !why.contains(&text) {
            why.push(text);
        }
    }
    (!why.is_empty()).then(|| why.join(", "))
}

/// The gate's verdict as lines for standard error: one per failing tool with `file:line`.
pub fn describe(failing: &[Failure], rule: FailOn) -> String {
    let mut out = format!(
        "error: {} the gate (--fail-on {rule}):\n",
        match failing.len() {
            1 => "1 tool fails".to_string(),
            n => format!("{n} tools fail"),
        }
    );
    for failure in failing {
        let tool = failure.tool;
        out.push_str(&format!(
            "  {}: {} is {}\n",
            tool.at(),
            tool.name,
            failure.why
        ));
    }
    out
}

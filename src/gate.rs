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

/// The tools that break `rule`, in inventory order.
pub fn violations(tools: &[Tool], rule: FailOn) -> Vec<&Tool> {
    tools.iter().filter(|t| rule.fails(t)).collect()
}

/// The gate's verdict as lines for standard error: one per failing tool with `file:line`.
pub fn describe(failing: &[&Tool], rule: FailOn) -> String {
    let mut out = format!(
        "error: {} the gate (--fail-on {rule}):\n",
        match failing.len() {
            1 => "1 tool fails".to_string(),
            n => format!("{n} tools fail"),
        }
    );
    for tool in failing {
        out.push_str(&format!(
            "  {}:{}: {} is {}\n",
            tool.file,
            tool.line,
            tool.name,
            rule.reason(tool)
        ));
    }
    out
}

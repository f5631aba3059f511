//! Markdown: the inventory for a CI job summary, and the tool table the PR diff shares.

use std::collections::BTreeSet;

use crate::model::{Inventory, Tool, Verdict};

/// `unguarded, destructive`, `read_only`, with `, suppressed` for a reviewed tool.
pub fn verdict_text(tool: &Tool) -> String {
    let mut text = tool.verdict.as_str().to_string();
    if tool.destructive {
        text.push_str(", destructive");
    }
    if tool.is_suppressed() {
        text.push_str(", suppressed");
    }
    text
}

/// The tools as a table, destructive tools that are not guarded (and not suppressed) first and
/// marked ⚠️, then by verdict, file and line.
pub fn tool_table(tools: &[&Tool]) -> String {
    let mut tools = tools.to_vec();
    tools.sort_by_key(|t| (!needs_attention(t), verdict_rank(t.verdict), t.at()));
    let mut out = String::from("| tool | verdict | effects | where |\n|---|---|---|---|\n");
    for t in tools {
        let effects: BTreeSet<&str> = t.effects.iter().map(|e| e.category.as_str()).collect();
        let effects: Vec<&str> = effects.into_iter().collect();
        out.push_str(&format!(
            "| {}`{}` | {} | {} | `{}` |\n",
            if needs_attention(t) { "⚠️ " } else { "" },
            t.name,
            verdict_text(t),
            if effects.is_empty() {
                "none".into()
            } else {
                effects.join(", ")
            },
            t.at()
        ));
    }
    out
}

/// A destructive tool without a strong guard that no suppression covers.
fn needs_attention(tool: &Tool) -> bool {
    tool.destructive && tool.verdict != Verdict::Guarded && !tool.is_suppressed()
}

/// Worst first.
fn verdict_rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Unguarded => 0,
        Verdict::Partial => 1,
        Verdict::Guarded => 2,
        Verdict::ReadOnly => 3,
    }
}

/// The inventory as Markdown: the summary, the tools, the maturity level and its next step.
pub fn render(inventory: &Inventory) -> String {
    let s = &inventory.summary;
    let mut out = format!(
        "### agent-audit: {} tools ({} destructive)\n\n{} unguarded, {} partial, {} guarded, {} read-only\n\n",
        s.tools, s.destructive, s.unguarded, s.partial, s.guarded, s.read_only
    );
    if !inventory.tools.is_empty() {
        let tools: Vec<&Tool> = inventory.tools.iter().collect();
        out.push_str(&tool_table(&tools));
        out.push('\n');
    }
    let m = &inventory.maturity;
    out.push_str(&format!("**Maturity**: level {} ({})", m.level, m.name));
    if !m.next.is_empty() {
        out.push_str(&format!(". Next: {}", m.next));
    }
    out.push('\n');
    out
}

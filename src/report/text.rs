//! The terminal report: each tool with `file:line` (`file:cell N:line` in a notebook), its
//! effects with their chain, what is missing, then notes and a summary line.

use std::fmt::Write;

use crate::model::{Inventory, Tool, Verdict};
use crate::scan::{Note, Stats};

pub fn render(inventory: &Inventory, notes: &[Note], stats: Stats) -> String {
    let mut out = String::new();
    for tool in &inventory.tools {
        render_tool(&mut out, tool);
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "notes:");
        for note in notes {
            let _ = writeln!(out, "  {}: {}", note.place(), note.message);
        }
        out.push('\n');
    }
    let s = &inventory.summary;
    let _ = writeln!(
        out,
        "{} tools ({} destructive): {} unguarded, {} partial, {} guarded, {} read-only; scanned {} files, {} lines{}",
        s.tools,
        s.destructive,
        s.unguarded,
        s.partial,
        s.guarded,
        s.read_only,
        stats.files,
        stats.lines,
        match notes.len() {
            0 => String::new(),
            1 => "; 1 note".to_string(),
            n => format!("; {n} notes"),
        }
    );
    if !inventory.agents.is_empty() {
        let _ = writeln!(out, "agents:");
        for agent in &inventory.agents {
            let list = match agent.tool_list {
                crate::model::ToolList::Explicit => "explicit",
                crate::model::ToolList::Dynamic => "DYNAMIC",
            };
            let _ = writeln!(
                out,
                "  {}: {} [{}] {} tools ({} list){}",
                agent.at(),
                agent.name,
                agent.framework,
                agent.tools.len() + agent.other_tools.len(),
                list,
                if agent.other_tools.is_empty() {
                    String::new()
                } else {
                    format!("; not inventoried: {}", agent.other_tools.join(", "))
                }
            );
        }
        out.push('\n');
    }
    if s.unresolved_calls > 0 {
        let _ = writeln!(
            out,
            "{} calls on traced paths could not be resolved (not guessed at)",
            s.unresolved_calls
        );
    }
    let m = &inventory.maturity;
    let _ = writeln!(out, "maturity: level {} ({})", m.level, m.name);
    for criterion in &m.criteria {
        let _ = writeln!(
            out,
            "  [{}] {}: {}",
            if criterion.met { "x" } else { " " },
            criterion.id,
            criterion.evidence
        );
    }
    let _ = writeln!(out, "next: {}", m.next);
    out
}

fn render_tool(out: &mut String, tool: &Tool) {
    let flag = match tool.verdict {
        Verdict::Unguarded if tool.destructive => "UNGUARDED, destructive",
        Verdict::Unguarded => "unguarded",
        Verdict::Partial if tool.destructive => "partial, destructive",
        Verdict::Partial => "partial",
        Verdict::Guarded => "guarded",
        Verdict::ReadOnly => "read-only",
    };
    let _ = writeln!(
        out,
        "{}: {} [{}] {} ({})",
        tool.at(),
        tool.name,
        tool.framework,
        tool.function,
        flag
    );
    if tool.effects.is_empty() {
        let _ = writeln!(out, "    no effects found");
    }
    for effect in &tool.effects {
        let guarded = if effect.guarded_by.is_empty() {
            if effect.category.changes_state() {
                " [no guard]".to_string()
            } else {
                String::new()
            }
        } else {
            let kinds: Vec<&str> = effect.guarded_by.iter().map(|k| k.as_str()).collect();
            format!(" [guarded by {}]", kinds.join(", "))
        };
        // An effect of code outside the tree (a granted built-in) has no chain.
        let via = if effect.via.is_empty() {
            String::new()
        } else {
            format!(" via {}", effect.via.join(" -> "))
        };
        let _ = writeln!(
            out,
            "    {:<12} {} at {}{}{}",
            effect.category.as_str(),
            effect.call,
            effect.at(),
            via,
            guarded
        );
    }
    for guard in &tool.guards {
        let _ = writeln!(
            out,
            "    guard {} ({}) {} at {}",
            guard.kind.as_str(),
            if guard.strong { "strong" } else { "weak" },
            guard.evidence,
            guard.at()
        );
    }
    if tool.unresolved_calls > 0 {
        let _ = writeln!(
            out,
            "    {} call{} on its paths could not be resolved",
            tool.unresolved_calls,
            if tool.unresolved_calls == 1 { "" } else { "s" }
        );
    }
    for finding in &tool.findings {
        let _ = writeln!(out, "    finding: {}", finding.message);
    }
    if let Some(suppressed) = &tool.suppressed {
        let until = suppressed
            .expires
            .as_ref()
            .map(|d| format!(", until {d}"))
            .unwrap_or_default();
        let allow = suppressed.allow.as_str();
        if tool.is_suppressed() {
            let _ = writeln!(
                out,
                "    suppressed (allow {allow}{until}) at {}: {}",
                suppressed.source, suppressed.reason
            );
        } else {
            let _ = writeln!(
                out,
                "    suppression at {} (allow {allow}) does not cover it: it is {}",
                suppressed.source,
                match suppressed.allow {
                    crate::model::Allow::Destructive => "not destructive",
                    _ => tool.verdict.as_str(),
                }
            );
        }
    }
    if matches!(tool.verdict, Verdict::Unguarded | Verdict::Partial) {
        let unguarded: std::collections::BTreeSet<&str> = tool
            .effects
            .iter()
            .filter(|e| e.category.changes_state() && e.guarded_by.is_empty())
            .map(|e| e.category.as_str())
            .collect();
        let what: Vec<&str> = unguarded.into_iter().collect();
        if !what.is_empty() {
            let _ = writeln!(
                out,
                "    missing: no guard at all before {}",
                what.join(", ")
            );
        } else if tool.destructive {
            let _ = writeln!(
                out,
                "    missing: only weak guards; add approval, confirmation, auth or a default-deny allowlist"
            );
        }
    }
    out.push('\n');
}

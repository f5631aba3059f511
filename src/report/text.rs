//! The terminal report: each tool with `file:line`, its effects with their chain, what is
//! missing, then notes and a summary line.

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
            match note.line {
                Some(line) => {
                    let _ = writeln!(out, "  {}:{}: {}", note.path, line, note.message);
                }
                None => {
                    let _ = writeln!(out, "  {}: {}", note.path, note.message);
                }
            }
        }
        out.push('\n');
    }
    let s = &inventory.summary;
    let _ = writeln!(
        out,
        "{} tools ({} destructive): {} unguarded, {} partial, {} guarded, {} read-only; scanned {} files, {} lines",
        s.tools,
        s.destructive,
        s.unguarded,
        s.partial,
        s.guarded,
        s.read_only,
        stats.files,
        stats.lines
    );
    let m = &inventory.maturity;
    let _ = writeln!(
        out,
        "maturity: level {} ({}). next: {}",
        m.level, m.name, m.next
    );
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
        "{}:{}: {} [{}] {} ({})",
        tool.file, tool.line, tool.name, tool.framework, tool.function, flag
    );
    if tool.effects.is_empty() {
        let _ = writeln!(out, "    no effects found");
    }
    for effect in &tool.effects {
        let _ = writeln!(
            out,
            "    {:<12} {} at {}:{} via {}",
            effect.category.as_str(),
            effect.call,
            effect.file,
            effect.line,
            effect.via.join(" -> ")
        );
    }
    for guard in &tool.guards {
        let _ = writeln!(
            out,
            "    guard {:<6} {} at {}:{}",
            guard.kind.as_str(),
            guard.evidence,
            guard.file,
            guard.line
        );
    }
    for finding in &tool.findings {
        let _ = writeln!(out, "    finding: {}", finding.message);
    }
    if tool.verdict == Verdict::Unguarded {
        let what: std::collections::BTreeSet<&str> = tool
            .effects
            .iter()
            .filter(|e| e.category.changes_state())
            .map(|e| e.category.as_str())
            .collect();
        let what: Vec<&str> = what.into_iter().collect();
        let _ = writeln!(
            out,
            "    missing: no approval, confirmation or other guard before {}",
            what.join(", ")
        );
    }
    out.push('\n');
}

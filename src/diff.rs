//! Inventory diff for review: what a change gives the agent that it could not do before.

use crate::model::{Effect, Guard, Inventory, Suppressed, Tool};
use crate::report::markdown::{tool_table, verdict_text};

/// How one tool changed between two inventories.
#[derive(Debug)]
pub struct ToolChange<'a> {
    pub old: &'a Tool,
    pub new: &'a Tool,
    pub moved: bool,
    pub effects_gained: Vec<&'a Effect>,
    pub effects_lost: Vec<&'a Effect>,
    pub guards_gained: Vec<&'a Guard>,
    pub guards_lost: Vec<&'a Guard>,
    /// A suppression that covers the tool now and did not before: a reviewer must see it.
    pub suppressed: Option<&'a Suppressed>,
    /// Covered by a suppression before, not any more.
    pub unsuppressed: bool,
}

impl ToolChange<'_> {
    fn is_empty(&self) -> bool {
        !self.moved
            && self.effects_gained.is_empty()
            && self.effects_lost.is_empty()
            && self.guards_gained.is_empty()
            && self.guards_lost.is_empty()
            && self.old.verdict == self.new.verdict
            && self.suppressed.is_none()
            && !self.unsuppressed
    }

    /// Gains a destructive effect, loses a guard, gets a worse verdict, or leaves the gate.
    fn is_worse(&self) -> bool {
        self.effects_gained.iter().any(|e| e.is_destructive())
            || !self.guards_lost.is_empty()
            || self.new.verdict.rank() > self.old.verdict.rank()
            || self.suppressed.is_some()
    }
}

/// Everything that differs between an old and a new inventory.
#[derive(Debug)]
pub struct InventoryDiff<'a> {
    pub added: Vec<&'a Tool>,
    pub removed: Vec<&'a Tool>,
    pub changed: Vec<ToolChange<'a>>,
    pub maturity: Option<(u8, u8)>,
}

impl InventoryDiff<'_> {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.maturity.is_none()
    }
}

/// Matches tools by id, then a moved file by language, name and function.
pub fn diff<'a>(old: &'a Inventory, new: &'a Inventory) -> InventoryDiff<'a> {
    let mut added = Vec::new();
    let mut changed = Vec::new();
    let mut matched_old: Vec<bool> = vec![false; old.tools.len()];
    for tool in &new.tools {
        let by_id = old.tools.iter().position(|t| t.id == tool.id);
        let moved = by_id.is_none();
        let found = by_id.or_else(|| {
            old.tools.iter().enumerate().position(|(i, t)| {
                !matched_old[i]
                    && t.language == tool.language
                    && t.name == tool.name
                    && t.function == tool.function
                    && !new.tools.iter().any(|n| n.id == t.id)
            })
        });
        let Some(i) = found else {
            added.push(tool);
            continue;
        };
        matched_old[i] = true;
        let before = &old.tools[i];
        let key = |e: &Effect| (e.category, e.api.clone(), e.call.clone());
        let change = ToolChange {
            old: before,
            new: tool,
            moved,
            effects_gained: tool
                .effects
                .iter()
                .filter(|e| !before.effects.iter().any(|b| key(b) == key(e)))
                .collect(),
            effects_lost: before
                .effects
                .iter()
                .filter(|b| !tool.effects.iter().any(|e| key(b) == key(e)))
                .collect(),
            guards_gained: tool
                .guards
                .iter()
                .filter(|g| !before.guards.iter().any(|b| b.kind == g.kind))
                .collect(),
            guards_lost: before
                .guards
                .iter()
                .filter(|b| !tool.guards.iter().any(|g| g.kind == b.kind))
                .collect(),
            suppressed: tool
                .suppressed
                .as_ref()
                .filter(|_| tool.is_suppressed() && !before.is_suppressed()),
            unsuppressed: before.is_suppressed() && !tool.is_suppressed(),
        };
        if !change.is_empty() {
            changed.push(change);
        }
    }
    let removed = old
        .tools
        .iter()
        .zip(&matched_old)
        .filter(|(_, matched)| !**matched)
        .map(|(t, _)| t)
        .collect();
    let maturity = (old.maturity.level != new.maturity.level)
        .then_some((old.maturity.level, new.maturity.level));
    // What reviewers must see first: new destructive capabilities, then losses.
    changed.sort_by_key(|c| (!c.is_worse(), c.new.at()));
    InventoryDiff {
        added,
        removed,
        changed,
        maturity,
    }
}

fn effect_text(e: &Effect) -> String {
    format!("{} `{}` ({})", e.category.as_str(), e.call, e.at())
}

/// The diff as Markdown for a pull-request comment: new destructive tools first.
pub fn markdown(d: &InventoryDiff) -> String {
    if d.is_empty() {
        return "### agent-audit\n\nNo change to the agent's tools.\n".into();
    }
    let mut out = String::from("### agent-audit: tool inventory changes\n\n");
    if !d.added.is_empty() {
        out.push_str("**New tools**\n\n");
        out.push_str(&tool_table(&d.added));
        out.push('\n');
        for t in d.added.iter().filter(|t| t.is_suppressed()) {
            if let Some(s) = &t.suppressed {
                out.push_str(&format!("- `{}` {}\n", t.name, suppression_text(s)));
            }
        }
        if d.added.iter().any(|t| t.is_suppressed()) {
            out.push('\n');
        }
    }
    if !d.changed.is_empty() {
        out.push_str("**Changed tools**\n\n");
        for c in &d.changed {
            out.push_str(&format!("- `{}` (`{}`)", c.new.name, c.new.at()));
            if c.old.verdict != c.new.verdict {
                out.push_str(&format!(
                    ": {} → {}",
                    c.old.verdict.as_str(),
                    c.new.verdict.as_str()
                ));
            }
            out.push('\n');
            if c.moved {
                out.push_str(&format!("  - moved from `{}`\n", c.old.file));
            }
            for e in &c.effects_gained {
                out.push_str(&format!("  - gained {}\n", effect_text(e)));
            }
            if let Some(s) = c.suppressed {
                out.push_str(&format!("  - **newly {}**\n", suppression_text(s)));
            }
            if c.unsuppressed {
                out.push_str("  - no longer suppressed\n");
            }
            for g in &c.guards_lost {
                out.push_str(&format!(
                    "  - **lost guard** {} ({})\n",
                    g.kind.as_str(),
                    g.evidence
                ));
            }
            for e in &c.effects_lost {
                out.push_str(&format!("  - lost {}\n", effect_text(e)));
            }
            for g in &c.guards_gained {
                out.push_str(&format!(
                    "  - new guard {} ({})\n",
                    g.kind.as_str(),
                    g.evidence
                ));
            }
        }
        out.push('\n');
    }
    if !d.removed.is_empty() {
        out.push_str("**Removed tools**: ");
        let names: Vec<String> = d.removed.iter().map(|t| format!("`{}`", t.name)).collect();
        out.push_str(&names.join(", "));
        out.push_str("\n\n");
    }
    if let Some((old, new)) = d.maturity {
        out.push_str(&format!("**Maturity**: level {old} → {new}\n"));
    }
    out
}

/// The diff as plain text, one line per fact.
pub fn text(d: &InventoryDiff) -> String {
    if d.is_empty() {
        return "no change to the tools\n".into();
    }
    let mut out = String::new();
    for t in &d.added {
        out.push_str(&format!(
            "added   {} ({}) {}\n",
            t.name,
            verdict_text(t),
            t.at()
        ));
    }
    for c in &d.changed {
        if c.moved {
            out.push_str(&format!(
                "moved   {} {} -> {}\n",
                c.new.name, c.old.file, c.new.file
            ));
        }
        if c.old.verdict != c.new.verdict {
            out.push_str(&format!(
                "verdict {} {} -> {}\n",
                c.new.name,
                c.old.verdict.as_str(),
                c.new.verdict.as_str()
            ));
        }
        for e in &c.effects_gained {
            out.push_str(&format!("gained  {} {}\n", c.new.name, effect_text(e)));
        }
        for e in &c.effects_lost {
            out.push_str(&format!("lost    {} {}\n", c.new.name, effect_text(e)));
        }
        if let Some(s) = c.suppressed {
            out.push_str(&format!(
                "suppress {} {}\n",
                c.new.name,
                suppression_text(s)
            ));
        }
        if c.unsuppressed {
            out.push_str(&format!("unsuppress {}\n", c.new.name));
        }
        for g in &c.guards_lost {
            out.push_str(&format!(
                "unguard {} lost {} ({})\n",
                c.new.name,
                g.kind.as_str(),
                g.evidence
            ));
        }
        for g in &c.guards_gained {
            out.push_str(&format!(
                "guard   {} gained {} ({})\n",
                c.new.name,
                g.kind.as_str(),
                g.evidence
            ));
        }
    }
    for t in &d.removed {
        out.push_str(&format!("removed {} {}\n", t.name, t.at()));
    }
    if let Some((old, new)) = d.maturity {
        out.push_str(&format!("maturity {old} -> {new}\n"));
    }
    out
}

/// `suppressed (allow destructive at src/x.py:3): reviewed in SEC-12`
fn suppression_text(s: &Suppressed) -> String {
    format!(
        "suppressed (allow {} at {}): {}",
        s.allow.as_str(),
        s.source,
        s.reason
    )
}

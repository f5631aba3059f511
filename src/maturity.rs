//! Governance maturity (SPEC §7). This first version judges level 1 (an inventory that matches
//! the code); the criteria of levels 2–4 need agent tool lists, CI and guard judgement.

use crate::model::{Criterion, Maturity, Tool};

/// What is known about the inventory file at the scan root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryState {
    /// This run writes it, so afterwards it matches the code.
    Written,
    /// It exists and lists the same tools as the code.
    Current,
    /// It exists but lists different tools.
    Stale,
    Missing,
}

pub fn assess(tools: &[Tool], inventory: InventoryState) -> Maturity {
    let destructive: Vec<&str> = tools
        .iter()
        .filter(|t| t.destructive)
        .map(|t| t.name.as_str())
        .collect();
    let inventory_met = matches!(inventory, InventoryState::Written | InventoryState::Current);
    let evidence = match inventory {
        InventoryState::Written | InventoryState::Current => {
            format!(
                "toolcalls.yaml lists the {} tools found in the code",
                tools.len()
            )
        }
        InventoryState::Stale => "toolcalls.yaml differs from the code".to_string(),
        InventoryState::Missing => "no toolcalls.yaml at the scan root".to_string(),
    };
    let criteria = vec![Criterion {
        id: "inventory".into(),
        met: inventory_met,
        evidence,
    }];
    let (level, name) = if tools.is_empty() || !inventory_met {
        (0, "none")
    } else {
        (1, "inventory")
    };
    let next = if tools.is_empty() {
        "No tools found: nothing to govern yet".to_string()
    } else if !inventory_met {
        "Run `agent-audit .` and commit toolcalls.yaml".to_string()
    } else if destructive.is_empty() {
        "Build every agent with an explicit tool list and run `agent-audit check` in CI".to_string()
    } else {
        format!(
            "Gate every destructive tool behind approval: {} {} not ({})",
            destructive.len(),
            if destructive.len() == 1 { "is" } else { "are" },
            list_some(&destructive, 5)
        )
    };
    Maturity {
        level,
        name: name.into(),
        criteria,
        next,
    }
}

fn list_some(names: &[&str], max: usize) -> String {
    let mut out = names
        .iter()
        .take(max)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        out.push_str(", ...");
    }
    out
}

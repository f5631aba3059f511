//! Governance maturity (SPEC §7): a level from 0 to 4, each criterion with its evidence, and
//! the one next step.

use crate::model::{Agent, Criterion, Maturity, Tool, ToolList};
use crate::tree::SourceTree;

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

/// Facts about the repository that are not in the code.
#[derive(Debug, Clone, Default)]
pub struct Governance {
    /// Where CI runs agent-audit as a gate (`path:line`).
    pub ci_gate: Option<String>,
    /// The declared gate policy in `agent-audit.toml` (`fail_on = "..."`).
    pub policy: Option<String>,
}

impl Governance {
    /// Looks for the CI gate under `root` and reads the declared policy from the config.
    pub fn discover(tree: &dyn SourceTree, config: &crate::config::Config) -> Self {
        Governance {
            ci_gate: find_ci_gate(tree),
            policy: config
                .gate
                .as_ref()
                .and_then(|g| g.fail_on)
                .filter(|f| *f != crate::gate::FailOn::Never)
                .map(|f| format!("fail_on = \"{f}\"")),
        }
    }
}

/// CI configuration files, relative to the scan root, and the workflow folders searched.
const CI_FILES: &[&str] = &[
    ".gitlab-ci.yml",
    ".circleci/config.yml",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    "Jenkinsfile",
    ".pre-commit-config.yaml",
    ".buildkite/pipeline.yml",
];
const CI_DIRS: &[&str] = &[
    ".github/workflows",
    ".gitea/workflows",
    ".forgejo/workflows",
];

/// Finds a CI step that runs agent-audit as a gate (`agent-audit check` or `--fail-on`, or the
/// pre-commit hook). Returns `path:line` of the first one, in a stable order.
pub fn find_ci_gate(tree: &dyn SourceTree) -> Option<String> {
    let mut candidates: Vec<String> = CI_FILES.iter().map(|s| s.to_string()).collect();
    for dir in CI_DIRS {
        candidates.extend(
            tree.file_names(dir)
                .into_iter()
                .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
                .map(|n| format!("{dir}/{n}")),
        );
    }
    for rel in candidates {
        let Some(text) = tree.read_text(&rel) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            let gate = line.contains("agent-audit")
                && (line.contains(" check")
                    || line.contains("--fail-on")
                    || rel.contains("pre-commit"));
            if gate {
                return Some(format!("{rel}:{}", i + 1));
            }
        }
    }
    None
}

pub fn assess(
    tools: &[Tool],
    agents: &[Agent],
    inventory: InventoryState,
    governance: &Governance,
) -> Maturity {
    let destructive: Vec<&Tool> = tools.iter().filter(|t| t.destructive).collect();
    let mut criteria = Vec::new();
    let mut next: Vec<(u8, String)> = Vec::new();
    let mut add = |level: u8, id: &str, met: bool, evidence: String, step: String| {
        criteria.push(Criterion {
            id: id.into(),
            met,
            evidence,
        });
        if !met {
            next.push((level, step));
        }
    };

    let inventory_met = matches!(inventory, InventoryState::Written | InventoryState::Current);
    add(
        1,
        "inventory",
        inventory_met,
        match inventory {
            InventoryState::Written | InventoryState::Current => format!(
                "toolcalls.yaml lists the {} tools found in the code",
                tools.len()
            ),
            InventoryState::Stale => "toolcalls.yaml differs from the code".into(),
            InventoryState::Missing => "no toolcalls.yaml at the scan root".into(),
        },
        "Run `agent-audit .` and commit toolcalls.yaml".into(),
    );

    let dynamic: Vec<&str> = agents
        .iter()
        .filter(|a| a.tool_list == ToolList::Dynamic)
        .map(|a| a.name.as_str())
        .collect();
    add(
        2,
        "explicit_tool_lists",
        dynamic.is_empty(),
        if agents.is_empty() {
            "no agent constructions found".into()
        } else if dynamic.is_empty() {
            match agents.len() {
                1 => "the one agent lists its tools explicitly".to_string(),
                n => format!("all {n} agents list their tools explicitly"),
            }
        } else {
            format!(
                "{} of {} agents load tools dynamically: {}",
                dynamic.len(),
                agents.len(),
                list_some(&dynamic, 5)
            )
        },
        format!(
            "Give every agent an explicit tool list; loaded dynamically: {}",
            list_some(&dynamic, 5)
        ),
    );
    add(
        2,
        "ci_gate",
        governance.ci_gate.is_some(),
        match &governance.ci_gate {
            Some(at) => format!("CI runs agent-audit as a gate at {at}"),
            None => "no CI step runs `agent-audit check` or `--fail-on`".into(),
        },
        "Run `agent-audit check` in CI so that a stale inventory or an unguarded destructive tool fails the build".into(),
    );

    let unchecked: Vec<&str> = destructive
        .iter()
        .filter(|t| {
            t.effects
                .iter()
                .filter(|e| e.is_destructive())
                .any(|e| !e.guarded_by.iter().any(|k| k.is_checkpoint()))
        })
        .map(|t| t.name.as_str())
        .collect();
    add(
        3,
        "destructive_checkpoints",
        unchecked.is_empty(),
        if destructive.is_empty() {
            "no destructive tools".into()
        } else if unchecked.is_empty() {
            format!(
                "{} gated by approval or confirmation",
                all_destructive(destructive.len())
            )
        } else {
            format!(
                "{} of {} destructive tools have no approval or confirmation in front of every destructive effect: {}",
                unchecked.len(),
                destructive.len(),
                list_some(&unchecked, 5)
            )
        },
        format!(
            "Gate every destructive tool behind approval or confirmation: {} {} not ({})",
            unchecked.len(),
            if unchecked.len() == 1 { "is" } else { "are" },
            list_some(&unchecked, 5)
        ),
    );
    let untrailed: Vec<&str> = destructive
        .iter()
        .filter(|t| {
            !t.guards
                .iter()
                .any(|g| g.kind == crate::model::GuardKind::AuditLog)
        })
        .map(|t| t.name.as_str())
        .collect();
    add(
        3,
        "audit_trail",
        untrailed.is_empty(),
        if destructive.is_empty() {
            "no destructive tools".into()
        } else if untrailed.is_empty() {
            format!(
                "all {} destructive tools write an audit log",
                destructive.len()
            )
        } else {
            format!(
                "{} of {} destructive tools write no audit log: {}",
                untrailed.len(),
                destructive.len(),
                list_some(&untrailed, 5)
            )
        },
        format!(
            "Record an audit log entry in every destructive tool; missing in {}",
            list_some(&untrailed, 5)
        ),
    );

    let policy_met = governance.policy.is_some() && governance.ci_gate.is_some();
    add(
        4,
        "policy_as_code",
        policy_met,
        match (&governance.policy, &governance.ci_gate) {
            (Some(policy), Some(_)) => {
                format!("agent-audit.toml declares the gate ({policy}) and CI enforces it")
            }
            (Some(policy), None) => {
                format!("agent-audit.toml declares the gate ({policy}), but CI does not run it")
            }
            (None, _) => "no gate policy declared in agent-audit.toml".into(),
        },
        "Declare the gate in agent-audit.toml (`[gate] fail_on = \"destructive-unguarded\"`) and enforce it in CI".into(),
    );

    let failed_level = next.iter().map(|(l, _)| *l).min().unwrap_or(5);
    let level = if tools.is_empty() {
        0
    } else {
        failed_level.saturating_sub(1).min(4)
    };
    let name = [
        "none",
        "inventory",
        "boundaries",
        "checkpoints",
        "policy-as-code",
    ][level as usize];
    let next = if tools.is_empty() {
        "No tools found: nothing to govern yet".to_string()
    } else {
        next.into_iter()
            .next()
            .map(|(_, step)| step)
            .unwrap_or_else(|| {
                "Keep the inventory current and review its diff in every pull request".into()
            })
    };
    Maturity {
        level,
        name: name.into(),
        criteria,
        next,
    }
}

/// "the one destructive tool is" / "all 3 destructive tools are", then the rest of the phrase.
fn all_destructive(n: usize) -> String {
    if n == 1 {
        "the one destructive tool is".into()
    } else {
        format!("all {n} destructive tools are")
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

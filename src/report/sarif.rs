//! SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps): one result per tool that lacks
//! guards and per contradiction between what a tool declares and what it does.

use serde_json::{Value, json};

use crate::model::{Inventory, Tool, Verdict};

/// A kind of result: a stable id, the level it is reported at, and its help text.
struct Rule {
    id: &'static str,
    name: &'static str,
    level: &'static str,
    short: &'static str,
    help: &'static str,
    /// GitHub code scanning's `security-severity` (7.0 and up is high, 4.0 up to 7.0 medium).
    severity: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        id: "AA001",
        name: "unguarded-destructive-tool",
        level: "error",
        short: "A tool the model can call deletes, overwrites, sends, pays or runs commands with no guard",
        help: "Put a human approval (needs_approval / needsApproval, interrupt()), an explicit confirmation flag, an auth check or a default-deny allowlist in front of the destructive effect, on every path to it.",
        severity: "8.0",
    },
    Rule {
        id: "AA002",
        name: "weakly-guarded-destructive-tool",
        level: "warning",
        short: "A destructive tool has only weak guards (validation, rate limits, default-off allowlists)",
        help: "Validation and rate limits narrow what the model can do but do not stop it; add approval, confirmation, auth or a default-deny allowlist before the destructive effect.",
        severity: "5.5",
    },
    Rule {
        id: "AA003",
        name: "unguarded-tool",
        level: "warning",
        short: "A tool that changes state has no guard",
        help: "The tool writes data or calls an API that changes state with nothing in front of it; consider validation, an allowlist or a confirmation flag.",
        severity: "4.0",
    },
    Rule {
        id: "AA004",
        name: "declared-read-only-but-writes",
        level: "error",
        short: "A tool declared read-only (readOnlyHint) changes state",
        help: "Clients trust the declaration to skip confirmation. Remove the write or drop the read-only declaration.",
        severity: "7.0",
    },
    Rule {
        id: "AA005",
        name: "declared-non-destructive-but-destructive",
        level: "error",
        short: "A tool declared non-destructive (destructiveHint=false) has a destructive effect",
        help: "Clients trust the declaration to skip confirmation. Remove the destructive effect or declare it.",
        severity: "7.0",
    },
];

/// The inventory as a SARIF 2.1.0 log, with paths relative to `%SRCROOT%`.
pub fn render(inventory: &Inventory) -> String {
    let mut results = Vec::new();
    for tool in &inventory.tools {
        let gaps = match (tool.destructive, tool.verdict) {
            (true, Verdict::Unguarded) => Some(0),
            (true, Verdict::Partial) => Some(1),
            (false, Verdict::Unguarded) => Some(2),
            _ => None,
        };
        if let Some(rule) = gaps {
            results.push(result(rule, tool, &summary(tool)));
        }
        for finding in &tool.findings {
            let rule = match finding.kind.as_str() {
                "declared_read_only_but_writes" => 3,
                "declared_non_destructive_but_destructive" => 4,
                _ => continue,
            };
            let message = format!("Tool `{}`: {}.", tool.name, finding.message);
            results.push(result(rule, tool, &message));
        }
    }
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.short },
                "fullDescription": { "text": r.short },
                "help": { "text": r.help },
                "defaultConfiguration": { "level": r.level },
                "properties": { "tags": ["security"], "security-severity": r.severity },
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "agent-audit",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    out.push('\n');
    out
}

/// What the tool does and what stands in front of it, for the result message.
fn summary(tool: &Tool) -> String {
    let mut effects: Vec<String> = Vec::new();
    for effect in tool.effects.iter().filter(|e| e.category.changes_state()) {
        let text = format!(
            "{} `{}` at {}",
            effect.category.as_str(),
            effect.call,
            effect.at()
        );
        if !effects.contains(&text) {
            effects.push(text);
        }
    }
    let guards: Vec<&str> = tool.guards.iter().map(|g| g.kind.as_str()).collect();
    format!(
        "Tool `{}` ({}) is {}{}: {}{}.",
        tool.name,
        tool.framework,
        if tool.destructive {
            "destructive and "
        } else {
            ""
        },
        tool.verdict.as_str(),
        effects.join("; "),
        if guards.is_empty() {
            String::new()
        } else {
            format!(" (guards: {})", guards.join(", "))
        }
    )
}

fn result(rule: usize, tool: &Tool, message: &str) -> Value {
    let rule = &RULES[rule];
    let mut region = json!({ "startLine": tool.line.max(1) });
    if let Some(cell) = tool.cell {
        // A notebook: the line is within the cell, which SARIF has no field for.
        region["properties"] = json!({ "cell": cell });
    }
    let mut result = json!({
        "ruleId": rule.id,
        "ruleIndex": RULES.iter().position(|r| r.id == rule.id),
        "level": rule.level,
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": tool.file, "uriBaseId": "%SRCROOT%" },
                "region": region,
            },
        }],
        // The tool id names file and tool, not lines: the result survives edits around it.
        "partialFingerprints": {
            "agentAuditToolId/v1": fingerprint(&format!("{}|{}", rule.id, tool.id)),
        },
    });
    // A reviewed suppression that still covers the tool is reported as one, with its reason:
    // `inSource` for a comment, `external` for agent-audit.toml.
    if let Some(suppressed) = tool.suppressed.as_ref().filter(|_| tool.is_suppressed()) {
        let kind = if suppressed.source == crate::config::CONFIG_FILE {
            "external"
        } else {
            "inSource"
        };
        result["suppressions"] = json!([{
            "kind": kind,
            "justification": suppressed.reason,
        }]);
    }
    result
}

/// FNV-1a, 64 bits, as hex: stable across runs, platforms and versions.
fn fingerprint(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

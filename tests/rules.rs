//! One fixture per rule: every project under `fixtures/rules/<lang>/<rule-id>/` is scanned,
//! rendered one line per tool, effect, guard (with its evidence) and agent, each with its
//! `file:line` and rule id, and compared with
//! `tests/snapshots/rules__<lang>__<rule-id>.snap`. Each fixture must fire
//! its own rule; below its `# stays quiet` (`// stays quiet`) comment are the near misses.
//! A coverage test fails when a built-in rule fires in no fixture (rule or project), and
//! `docs/catalog.md` must match the catalogs. `UPDATE_EXPECT=1 cargo test --test rules`
//! rewrites the snapshots and the catalog page; review the diff like code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use agent_audit::config;
use agent_audit::model::{Agent, Tool};
use agent_audit::rules::{builtin_rules, catalog_markdown};
use agent_audit::scan::{Silent, scan_configured};
use agent_audit::tree::Disk;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn update() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some()
}

/// `(lang, rule id, dir)` of every rule fixture.
fn rule_fixtures() -> Vec<(String, String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(langs) = std::fs::read_dir(root().join("fixtures/rules")) else {
        return out;
    };
    for lang in langs {
        let lang = lang.unwrap().path();
        for rule in std::fs::read_dir(&lang).unwrap() {
            let rule = rule.unwrap().path();
            if rule.is_dir() {
                let name = |p: &Path| p.file_name().unwrap().to_string_lossy().to_string();
                out.push((name(&lang), name(&rule), rule));
            }
        }
    }
    out.sort();
    out
}

fn scan(dir: &Path) -> (Vec<Tool>, Vec<Agent>) {
    let (config, origin) = config::load(dir, None).unwrap();
    let origin = origin.map(|p| p.display().to_string()).unwrap_or_default();
    let output = scan_configured(&Disk::new(dir), &config, &origin, &[], &[], &Silent).unwrap();
    (output.tools, output.agents)
}

/// One line per tool (with its effects and guards below it) and per agent.
fn render(tools: &[Tool], agents: &[Agent]) -> String {
    let mut out = String::new();
    for tool in tools {
        out.push_str(&format!(
            "tool {} {} {} [{}]\n",
            tool.name,
            tool.at(),
            tool.verdict.as_str(),
            tool.rule
        ));
        for effect in &tool.effects {
            out.push_str(&format!(
                "  effect {} {} {} [{}]\n",
                effect.category.as_str(),
                effect.call,
                effect.at(),
                effect.rule
            ));
        }
        for guard in &tool.guards {
            out.push_str(&format!(
                "  guard {} {} {:?} [{}]\n",
                guard.kind.as_str(),
                guard.at(),
                guard.evidence,
                guard.rule
            ));
        }
    }
    for agent in agents {
        out.push_str(&format!(
            "agent {} {} {} tools [{}]\n",
            agent.name,
            agent.at(),
            agent.tools.len(),
            agent.rule
        ));
    }
    out
}

/// The rule ids a rendering names.
fn ids_in(rendered: &str) -> impl Iterator<Item = &str> {
    rendered
        .lines()
        .filter_map(|l| l.rsplit_once(" [")?.1.strip_suffix(']'))
}

#[test]
fn every_rule_fixture_fires_its_rule_and_matches_its_snapshot() {
    let mut failures = Vec::new();
    let fixtures = rule_fixtures();
    let known: BTreeSet<String> = builtin_rules().into_iter().map(|r| r.id).collect();
    for (lang, id, dir) in &fixtures {
        let (tools, agents) = scan(dir);
        let rendered = render(&tools, &agents);
        if !known.contains(id) {
            failures.push(format!("{}: `{id}` is no built-in rule", dir.display()));
        }
        if !ids_in(&rendered).any(|i| i == id) {
            failures.push(format!(
                "{}: the fixture does not fire `{id}`:\n{rendered}",
                dir.display()
            ));
        }
        let snapshot = root().join(format!("tests/snapshots/rules__{lang}__{id}.snap"));
        if update() {
            std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
            std::fs::write(&snapshot, &rendered).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if expected != rendered {
            failures.push(format!(
                "{} differs from a fresh scan of {}:\n--- expected\n{expected}--- actual\n{rendered}",
                snapshot.display(),
                dir.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_snapshot_belongs_to_a_rule_fixture() {
    let fixtures: BTreeSet<String> = rule_fixtures()
        .into_iter()
        .map(|(lang, id, _)| format!("rules__{lang}__{id}.snap"))
        .collect();
    let Ok(entries) = std::fs::read_dir(root().join("tests/snapshots")) else {
        return;
    };
    for entry in entries {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.starts_with("rules__") && !fixtures.contains(&name) {
            if update() {
                std::fs::remove_file(root().join("tests/snapshots").join(&name)).unwrap();
            } else {
                panic!("tests/snapshots/{name} has no fixture under fixtures/rules/");
            }
        }
    }
}

/// Rules that never name an entry of the inventory, so cannot fire on their own: calls that
/// return their argument, run a function or make temporary paths (they steer resolution),
/// declarations that only describe a dispatched tool (`types.Tool`), and runtime built-ins
/// that act only inside the session (no effect to name them; the granted tool is named by its
/// grant rule).
fn names_no_entry(table: &str, fields: &[(String, toml::Value)]) -> bool {
    let field = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    matches!(table, "passthrough" | "executor" | "temporary")
        || (table == "tool" && field("kind").and_then(toml::Value::as_str) == Some("schema"))
        || (table == "builtin" && field("effects").is_none())
}

#[test]
fn every_builtin_rule_fires_in_some_fixture() {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let fixtures = root().join("fixtures");
    for lang in std::fs::read_dir(&fixtures).unwrap() {
        let lang = lang.unwrap().path();
        if lang.file_name().is_some_and(|n| n == "rules") || !lang.is_dir() {
            continue;
        }
        for project in std::fs::read_dir(&lang).unwrap() {
            let Ok(text) = std::fs::read_to_string(project.unwrap().path().join("toolcalls.yaml"))
            else {
                continue;
            };
            let inventory = agent_audit::report::parse_yaml(&text).unwrap();
            for tool in &inventory.tools {
                seen.insert(tool.rule.clone());
                seen.extend(tool.effects.iter().map(|e| e.rule.clone()));
                seen.extend(tool.guards.iter().map(|g| g.rule.clone()));
            }
            seen.extend(inventory.agents.iter().map(|a| a.rule.clone()));
        }
    }
    for (_, _, dir) in rule_fixtures() {
        let (tools, agents) = scan(&dir);
        seen.extend(ids_in(&render(&tools, &agents)).map(str::to_string));
    }
    let silent: Vec<String> = builtin_rules()
        .into_iter()
        .filter(|r| !names_no_entry(&r.table, &r.fields) && !seen.contains(&r.id))
        .map(|r| format!("{} ({})", r.id, r.origin))
        .collect();
    assert!(
        silent.is_empty(),
        "these rules fire in no fixture: add one under fixtures/rules/<lang>/<rule-id>/:\n  {}",
        silent.join("\n  ")
    );
}

#[test]
fn the_catalog_page_is_current() {
    let path = root().join("docs/catalog.md");
    let text = catalog_markdown();
    if update() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "docs/catalog.md is stale: run `UPDATE_EXPECT=1 cargo test --test rules`"
    );
}

//! Golden tests: every project under `fixtures/<lang>/` (not `fixtures/rules/`, see
//! tests/rules.rs) is scanned and the whole inventory is
//! compared with the `toolcalls.yaml` committed next to it. Run with `UPDATE_EXPECT=1` to
//! rewrite the expected files, then review the diff like code.

use std::path::{Path, PathBuf};

use agent_audit::config;
use agent_audit::maturity::{Governance, InventoryState};
use agent_audit::model::Inventory;
use agent_audit::report;
use agent_audit::scan::{Silent, inventory, scan_configured};
use agent_audit::tree::Disk;

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs = Vec::new();
    for lang in std::fs::read_dir(&root).unwrap() {
        let lang = lang.unwrap().path();
        // `fixtures/rules/` holds one fixture per rule, checked by tests/rules.rs.
        if !lang.is_dir() || lang.file_name().is_some_and(|n| n == "rules") {
            continue;
        }
        for project in std::fs::read_dir(&lang).unwrap() {
            let project = project.unwrap().path();
            if project.is_dir() {
                dirs.push(project);
            }
        }
    }
    dirs.sort();
    dirs
}

/// What `agent-audit DIR` writes to `DIR/toolcalls.yaml`.
fn scan_to_yaml(dir: &Path) -> String {
    let (config, origin) = config::load(dir, None).unwrap();
    let origin = origin.map(|p| p.display().to_string()).unwrap_or_default();
    let tree = Disk::new(dir);
    let output = scan_configured(&tree, &config, &origin, &[], &[], &Silent).unwrap();
    let governance = Governance::discover(&tree, &config);
    report::yaml(&inventory(
        output.tools,
        output.agents,
        &output.notes,
        InventoryState::Written,
        &governance,
    ))
}

#[test]
fn every_fixture_matches_its_expected_inventory() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 10, "fixtures are missing");
    for dir in dirs {
        let actual = scan_to_yaml(&dir);
        let expected_path = dir.join("toolcalls.yaml");
        if update {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{} differs from a fresh scan:\n{}",
                expected_path.display(),
                line_diff(&expected, &actual)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Traps: helpers, tests and entry points with side effects are never tools, and the
/// `delete_*` tools whose bodies do nothing have no effects.
#[test]
fn traps_stay_quiet() {
    const NOT_TOOLS: &[&str] = &[
        "cleanup_tmp",
        "main",
        "reset_workspace",
        "charge_card",
        "rotate_logs",
        "vacuum",
        "audit_export",
        "warm_cache",
        "rebuild_index",
        "bounce_report",
        "note_resource",
        "nightly_billing",
        "cleanup",
        "lookupRecord",
        "answer",
        "assertPathAllowed",
        "reset_everything",
        "drop_scratch",
        "purgeDir",
        "wipe_disk",
        "check_bash",
        "log_edit",
        "ask_user",
        "print_allowed",
        "denyDangerous",
        "send_query",
        "release_options",
        "reviewer_options",
        "quiet_options",
        "hotfix_options",
    ];
    for dir in fixture_dirs() {
        let inventory: Inventory = report::parse_yaml(&scan_to_yaml(&dir)).unwrap();
        let name = dir.display().to_string();
        assert!(!inventory.tools.is_empty(), "{name}: no tools found");
        for tool in &inventory.tools {
            let function = tool.function.rsplit('.').next().unwrap();
            assert!(
                !NOT_TOOLS.contains(&function),
                "{name}: helper {} listed as a tool",
                tool.function
            );
            assert!(
                !tool.file.starts_with("tests/")
                    && !tool.file.starts_with("test/")
                    && !tool.file.ends_with("cli.py")
                    && !tool.file.ends_with("__main__.py")
                    && !tool.file.ends_with("main.py"),
                "{name}: {} in {} is not a tool",
                tool.name,
                tool.file
            );
        }
        // Every Python fixture and the AI SDK one carry a `delete...` tool that does nothing.
        let python = dir.parent().is_some_and(|p| p.ends_with("python"));
        if !python && !dir.ends_with("ai_sdk") {
            continue;
        }
        let idle_delete = inventory
            .tools
            .iter()
            .find(|t| t.name.to_lowercase().contains("delete") && t.effects.is_empty());
        let idle_delete = idle_delete.unwrap_or_else(|| panic!("{name}: no idle delete_* tool"));
        assert_eq!(
            idle_delete.verdict,
            agent_audit::model::Verdict::ReadOnly,
            "{name}: {} does nothing, so it is read-only",
            idle_delete.name
        );
    }
}

/// The guard fixture: each guard kind holds, and each false guard stays quiet.
#[test]
fn guards_fire_and_false_guards_stay_quiet() {
    use agent_audit::model::Verdict::{Guarded, Partial, Unguarded};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python/guards");
    let inventory: Inventory = report::parse_yaml(&scan_to_yaml(&dir)).unwrap();
    let verdict = |name: &str| {
        inventory
            .tools
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no tool {name}"))
            .verdict
    };
    let expected = [
        ("drop_table", Guarded),
        ("delete_file", Guarded),
        ("run_command", Guarded),
        ("purge_user", Guarded),
        ("write_report", Guarded),
        ("wipe_cache", Guarded),
        ("deploy", Guarded),
        ("transfer_ownership", Guarded),
        ("send_invoice", Guarded),
        ("export_report", Partial),
        ("rotate_keys", Partial),
        ("set_status", Partial),
        ("refund_order", Partial),
        ("post_update", Partial),
        ("sync_remote", Partial),
        ("archive_logs", Partial),
        ("run_snippet", Partial),
        ("notify_team", Unguarded),
        ("tidy_tmp", Unguarded),
        ("reset_db", Unguarded),
        ("ping_service", Unguarded),
        ("retry_forever", Unguarded),
        ("rename_file", Unguarded),
        ("shutdown", Unguarded),
        ("mirror", Unguarded),
        ("publish", Unguarded),
        ("save_snapshot", Unguarded),
        ("execute", Unguarded),
        ("revoke_token", Guarded),
        ("prune_backups", Partial),
    ];
    for (name, want) in expected {
        assert_eq!(verdict(name), want, "{name}");
    }
    let snapshot = inventory
        .tools
        .iter()
        .find(|t| t.name == "save_snapshot")
        .unwrap();
    assert_eq!(snapshot.findings[0].kind, "declared_read_only_but_writes");
}

fn line_diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    let n = e.len().max(a.len());
    let mut shown = 0;
    for i in 0..n {
        let (x, y) = (e.get(i), a.get(i));
        if x != y {
            out.push_str(&format!(
                "  line {}:\n    expected: {}\n    actual:   {}\n",
                i + 1,
                x.unwrap_or(&"<none>"),
                y.unwrap_or(&"<none>")
            ));
            shown += 1;
            if shown == 8 {
                out.push_str("  ...\n");
                break;
            }
        }
    }
    out
}

//! The binary as a user runs it: exit codes, files written, bad input, determinism.

mod common;
use common::copy_tree;

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn agent_audit() -> Command {
    Command::cargo_bin("agent-audit").unwrap()
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/python")
        .join(name)
}

/// A fixture project copied into a fresh temporary directory.
fn fixture_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture(name), dir.path());
    dir
}

#[test]
fn scan_writes_the_inventory_and_prints_a_report() {
    let dir = fixture_copy("langchain");
    std::fs::remove_file(dir.path().join("toolcalls.yaml")).unwrap();
    agent_audit()
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("app/tools/shell.py:19: terminal"))
        .stdout(predicate::str::contains("11 tools (5 destructive)"));
    let written = std::fs::read_to_string(dir.path().join("toolcalls.yaml")).unwrap();
    let expected = std::fs::read_to_string(fixture("langchain").join("toolcalls.yaml")).unwrap();
    assert_eq!(written, expected, "a copy elsewhere gives the same bytes");
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let dir = fixture_copy("mcp_fastmcp");
    let run = |threads: &str| {
        let out = agent_audit()
            .env("RAYON_NUM_THREADS", threads)
            .args(["--format", "yaml", "--no-write"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let first = run("1");
    assert_eq!(first, run("2"));
    assert_eq!(first, run("4"));
    assert_eq!(first, run("4"));
}

#[test]
fn formats_and_output_file() {
    let dir = fixture_copy("smolagents");
    let out_file = dir.path().join("report.json");
    agent_audit()
        .args(["--format", "json", "--no-write", "--output"])
        .arg(&out_file)
        .arg(dir.path())
        .assert()
        .success()
        .stdout("");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(json["schema"], "agent-audit/v1");
    assert_eq!(json["summary"]["tools"], 3);
    agent_audit()
        .args(["scan", "--format", "yaml", "-o", "-", "--no-write"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::starts_with("schema: agent-audit/v1\n"));
}

#[test]
fn no_write_leaves_the_tree_alone() {
    let dir = fixture_copy("autogen");
    std::fs::remove_file(dir.path().join("toolcalls.yaml")).unwrap();
    agent_audit()
        .arg("--no-write")
        .arg(dir.path())
        .assert()
        .success();
    assert!(!dir.path().join("toolcalls.yaml").exists());
}

#[test]
fn include_and_exclude_globs() {
    let dir = fixture_copy("langchain");
    let names = |args: &[&str]| {
        let out = agent_audit()
            .args(["--format", "json", "--no-write"])
            .args(args)
            .arg(dir.path())
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut names: Vec<String> = json["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&["--exclude", "app/tools/**"]).len(), 9);
    assert_eq!(
        names(&["--include", "app/tools/**"]),
        vec!["Done", "terminal"]
    );
}

#[test]
fn bad_files_do_not_stop_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("tools.py"),
        "from langchain_core.tools import tool\nimport os\n\n@tool\ndef wipe(p: str) -> str:\n    \"\"\"Wipe.\"\"\"\n    os.remove(p)\n",
    )
    .unwrap();
    std::fs::write(root.join("broken.py"), "def broken(:\n    return ((\n").unwrap();
    std::fs::write(root.join("empty.py"), "").unwrap();
    std::fs::write(root.join("latin1.py"), b"# caf\xe9\nx = 1\n").unwrap();
    std::fs::write(root.join("binary.py"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    let deep = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
    std::fs::write(root.join("deep.py"), deep).unwrap();
    let calls = format!("y = {}0{}\n", "f(".repeat(3000), ")".repeat(3000));
    std::fs::write(root.join("calls.py"), calls).unwrap();
    std::fs::create_dir(root.join("loop")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root, root.join("loop/back")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc", root.join("outside")).unwrap();
    agent_audit()
        .arg(root)
        .assert()
        .success()
        .stdout(predicate::str::contains("tools.py:5: wipe"))
        .stdout(predicate::str::contains("broken.py:1: syntax error"))
        .stdout(predicate::str::contains("binary.py: skipped: binary file"))
        .stdout(predicate::str::contains("latin1.py: not valid UTF-8"));
    // Other formats keep standard output clean and warn on standard error.
    agent_audit()
        .args(["--format", "json", "--no-write"])
        .arg(root)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: broken.py:1: syntax error",
        ));
    assert!(root.join("toolcalls.yaml").exists());
}

#[test]
fn large_files_are_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("agent-audit.toml"),
        "[scan]\nmax_file_size = 100\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("big.py"), "x = 1\n".repeat(100)).unwrap();
    agent_audit()
        .arg("--no-write")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "big.py: skipped: larger than the size limit",
        ));
}

#[test]
fn default_skips_dependencies_but_not_examples() {
    let dir = tempfile::tempdir().unwrap();
    let tool = "from langchain_core.tools import tool\n\n@tool\ndef t() -> str:\n    \"\"\"T.\"\"\"\n    return ''\n";
    for sub in [
        "node_modules/x",
        ".venv/lib",
        "build",
        "examples",
        "scripts",
        "samples",
    ] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("agent.py"), tool).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("env2")).unwrap();
    std::fs::write(dir.path().join("env2/pyvenv.cfg"), "home = /usr\n").unwrap();
    std::fs::write(dir.path().join("env2/agent.py"), tool).unwrap();
    let out = agent_audit()
        .args(["--format", "json", "--no-write"])
        .arg(dir.path())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut files: Vec<&str> = json["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["file"].as_str().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        vec!["examples/agent.py", "samples/agent.py", "scripts/agent.py"]
    );
}

/// A notebook (nbformat 4) with one code cell per entry of `cells`, a markdown cell first.
fn notebook(cells: &[&str], outputs: &str) -> String {
    let mut all = vec![serde_json::json!({
        "cell_type": "markdown", "metadata": {},
        "source": ["# Notes\n", "@tool\n", "def x(): os.remove('/')"],
    })];
    for code in cells {
        all.push(serde_json::json!({
            "cell_type": "code", "execution_count": 1, "metadata": {},
            "source": code.split_inclusive('\n').collect::<Vec<_>>(),
            "outputs": [{"output_type": "display_data", "metadata": {}, "data": {"image/png": outputs}}],
        }));
    }
    serde_json::json!({"cells": all, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
        .to_string()
}

#[test]
fn notebooks_are_scanned_by_cell_and_bad_ones_become_notes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let tool = "%pip install langchain\nfrom langchain_core.tools import tool\nimport os\n";
    let wipe = "!ls\n@tool\ndef wipe(p: str) -> str:\n    \"\"\"Wipe.\"\"\"\n    os.remove(p)\n";
    // Outputs of 3 MB, over the 2 MiB limit for code: a notebook's outputs are read past.
    let image = "A".repeat(3 << 20);
    std::fs::write(root.join("agent.ipynb"), notebook(&[tool, wipe], &image)).unwrap();
    std::fs::write(
        root.join("broken_cell.ipynb"),
        notebook(&["x = 1\n", "s = '''never closed\n", "y = 2\n"], ""),
    )
    .unwrap();
    std::fs::write(root.join("not_json.ipynb"), "{ \"cells\": [").unwrap();
    std::fs::write(root.join("data.ipynb"), "{\"rows\": [1, 2, 3]}").unwrap();
    std::fs::write(root.join("binary.ipynb"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    std::fs::write(
        root.join("analysis.ipynb"),
        r#"{"cells": [], "metadata": {"kernelspec": {"language": "R", "name": "ir"}}}"#,
    )
    .unwrap();
    std::fs::write(
        root.join("old.ipynb"),
        r#"{"nbformat": 3, "metadata": {}, "worksheets": [{"cells": [
            {"cell_type": "code", "input": "from langchain_core.tools import tool\nimport shutil\n\n@tool\ndef purge(p: str) -> str:\n    \"\"\"Purge.\"\"\"\n    shutil.rmtree(p)\n", "outputs": []}]}]}"#,
    )
    .unwrap();
    // Jupyter's autosaved copies are not scanned twice.
    std::fs::create_dir(root.join(".ipynb_checkpoints")).unwrap();
    std::fs::copy(
        root.join("agent.ipynb"),
        root.join(".ipynb_checkpoints/agent-checkpoint.ipynb"),
    )
    .unwrap();
    agent_audit()
        .arg("--no-write")
        .arg(root)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "agent.ipynb:cell 3:3: wipe [langchain] wipe (UNGUARDED, destructive)",
        ))
        .stdout(predicate::str::contains(
            "file_delete  os.remove at agent.ipynb:cell 3:5 via wipe [no guard]",
        ))
        .stdout(predicate::str::contains("old.ipynb:cell 1:5: purge"))
        .stdout(predicate::str::contains(
            "broken_cell.ipynb:cell 3:1: syntax error",
        ))
        .stdout(predicate::str::contains(
            "not_json.ipynb: skipped: not a valid notebook: EOF while parsing",
        ))
        .stdout(predicate::str::contains(
            "data.ipynb: skipped: not a Jupyter notebook (no `cells`)",
        ))
        .stdout(predicate::str::contains(
            "binary.ipynb: skipped: binary file",
        ))
        .stdout(predicate::str::contains(
            "analysis.ipynb: skipped: a notebook in R, not Python",
        ))
        .stdout(predicate::str::contains("agent-checkpoint").not())
        .stdout(predicate::str::contains("2 tools (2 destructive)"));
    let out = agent_audit()
        .args(["--format", "json", "--no-write"])
        .arg(root)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let wipe = &json["tools"][0];
    assert_eq!(
        (&wipe["file"], &wipe["cell"], &wipe["line"]),
        (&"agent.ipynb".into(), &3.into(), &3.into())
    );
    assert_eq!(wipe["effects"][0]["cell"], 3);
    assert_eq!(wipe["effects"][0]["line"], 5);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("warning: broken_cell.ipynb:cell 3:1: syntax error"),
        "{stderr}"
    );
}

#[test]
fn notebook_output_is_identical_across_runs_and_thread_counts() {
    let dir = fixture_copy("notebook");
    let run = |threads: &str, format: &str| {
        let out = agent_audit()
            .env("RAYON_NUM_THREADS", threads)
            .args(["--format", format, "--no-write"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    for format in ["yaml", "text", "sarif", "markdown"] {
        let first = run("1", format);
        assert_eq!(first, run("2", format), "{format}");
        assert_eq!(first, run("4", format), "{format}");
    }
    let markdown = String::from_utf8(run("1", "markdown")).unwrap();
    assert!(
        markdown.contains("| `agent.ipynb:cell 4:6` |"),
        "{markdown}"
    );
}

#[test]
fn a_missing_path_is_a_usage_error() {
    agent_audit()
        .arg("/definitely/not/here")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"));
}

#[test]
fn an_invalid_config_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("agent-audit.toml"),
        "[[tool]]\nkind = \"decorator\"\nframework = \"x\"\ncalls = [\"a.b(\"]\n",
    )
    .unwrap();
    agent_audit()
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid pattern `a.b(`"));
    std::fs::write(dir.path().join("agent-audit.toml"), "[scan\n").unwrap();
    agent_audit()
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("agent-audit.toml"));
    agent_audit()
        .arg("--config")
        .arg(dir.path().join("nope.toml"))
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read config"));
}

#[test]
fn help_and_version() {
    agent_audit()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("--no-write"));
    agent_audit().arg("--version").assert().success();
    agent_audit().arg("--format=nope").assert().code(2);
}

#[test]
fn text_report_shows_chains_guards_agents_and_maturity() {
    agent_audit()
        .arg("--no-write")
        .arg(fixture("guards"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "guard approval (strong) interrupt(...) at ops/tools.py:24",
        ))
        .stdout(predicate::str::contains(
            "guard allowlist (weak) if not target.is_relative_to(root)",
        ))
        .stdout(predicate::str::contains(
            "missing: no guard at all before file_delete",
        ))
        .stdout(predicate::str::contains(
            "ops/agents_sdk.py:34: agent [langgraph]",
        ))
        .stdout(predicate::str::contains("maturity: level 1 (inventory)"))
        .stdout(predicate::str::contains("next: "));
    agent_audit()
        .arg("--no-write")
        .arg(fixture("tracing"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "via archive_report -> storage.archive -> storage.Archiver.put -> clients.BucketClient.upload",
        ));
}

#[test]
fn check_passes_on_a_current_inventory_and_fails_on_a_new_tool() {
    let dir = fixture_copy("../js/mixed");
    let root = dir.path();
    agent_audit()
        .args(["check", "--fail-on", "never"])
        .arg(root)
        .assert()
        .success()
        .stdout(predicate::str::contains("toolcalls.yaml is current"));
    // The committed inventory no longer matches once a tool is added.
    let server = root.join("mcp/src/server.ts");
    let mut text = std::fs::read_to_string(&server).unwrap();
    text.push_str(
        "\nserver.tool(\"wipe_logs\", \"Delete the logs\", {}, async () => {\n  rmSync(\"/var/log/app\", { recursive: true });\n  return { content: [] };\n});\n",
    );
    std::fs::write(
        &server,
        format!("import {{ rmSync }} from \"node:fs\";\n{text}"),
    )
    .unwrap();
    agent_audit()
        .args(["check", "--fail-on", "never"])
        .arg(root)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "toolcalls.yaml is stale: run `agent-audit",
        ))
        .stderr(predicate::str::contains(
            "added: typescript:mcp/src/server.ts:wipe_logs",
        ));
    // Refreshed, the inventory is current again, and the default gate still fails on the
    // unguarded destructive tools.
    agent_audit().arg(root).assert().success();
    agent_audit()
        .arg("check")
        .arg(root)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "tools fail the gate (--fail-on destructive-unguarded)",
        ))
        .stderr(predicate::str::contains(
            "mcp/src/server.ts:25: wipe_logs is destructive and unguarded",
        ))
        .stderr(predicate::str::contains("stale").not());
}

#[test]
fn scan_fails_on_the_rule_it_is_given() {
    let dir = fixture_copy("../js/mixed");
    agent_audit()
        .arg(dir.path())
        .args(["--no-write", "--fail-on", "unguarded"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "mcp/src/server.ts:19: stop_service is unguarded",
        ));
    agent_audit()
        .arg(dir.path())
        .args(["--no-write", "--fail-on", "never"])
        .assert()
        .success();
    // A governed project keeps its declared gate.
    agent_audit()
        .args(["check"])
        .arg(fixture("governed"))
        .assert()
        .success();
}

/// `agent-audit DIR --no-write --fail-on destructive-unguarded --baseline BASELINE`.
fn gate_against(dir: &Path, baseline: &Path) -> assert_cmd::assert::Assert {
    agent_audit()
        .arg(dir)
        .args([
            "--no-write",
            "--fail-on",
            "destructive-unguarded",
            "--baseline",
        ])
        .arg(baseline)
        .assert()
}

#[test]
fn a_baseline_fails_only_what_is_new_or_worse() {
    let dir = fixture_copy("../js/mixed");
    let root = dir.path();
    let baseline_dir = tempfile::tempdir().unwrap();
    let baseline = baseline_dir.path().join("toolcalls.yaml");
    std::fs::copy(root.join("toolcalls.yaml"), &baseline).unwrap();
    // restart_service was already destructive and unguarded: it does not fail again.
    gate_against(root, &baseline).success();
    // A file moved: the same tool, not a new one.
    std::fs::rename(root.join("backend/tools.py"), root.join("backend/ops.py")).unwrap();
    gate_against(root, &baseline).success();
    // A new effect on an existing tool fails.
    let server = root.join("mcp/src/server.ts");
    let text = std::fs::read_to_string(&server).unwrap();
    let changed = text.replace(
        "const text = await api(`/services/${name}/stop`, { method: \"POST\" });",
        "execSync(`systemctl stop ${name}`);\n  const text = await api(`/services/${name}/stop`, { method: \"POST\" });",
    );
    std::fs::write(
        &server,
        format!("import {{ execSync }} from \"node:child_process\";\n{changed}"),
    )
    .unwrap();
    gate_against(root, &baseline)
        .code(1)
        .stderr(predicate::str::contains(
            "stop_service is destructive and unguarded: was unguarded, new effect subprocess `execSync`",
        ))
        .stderr(predicate::str::contains("restart_service").not());
}

#[test]
fn a_baseline_reports_a_lost_guard() {
    let dir = fixture_copy("../js/mcp_server");
    let root = dir.path();
    let baseline_dir = tempfile::tempdir().unwrap();
    let baseline = baseline_dir.path().join("toolcalls.yaml");
    std::fs::copy(root.join("toolcalls.yaml"), &baseline).unwrap();
    gate_against(root, &baseline).success();
    let handler = root.join("src/handlers/delete.ts");
    let text = std::fs::read_to_string(&handler).unwrap();
    // Without the confirmation and the path check nothing guards the delete any more.
    let unchecked = text
        .replace(
            "  if (!confirm) {\n    throw new Error(\"deleting needs confirm=true\");\n  }\n",
            "",
        )
        .replace("  assertPathAllowed(path);\n", "");
    assert_ne!(text, unchecked);
    std::fs::write(&handler, unchecked).unwrap();
    gate_against(root, &baseline)
        .code(1)
        .stderr(predicate::str::contains(
            "delete_file is destructive and unguarded: was guarded, lost guard confirmation, lost guard allowlist",
        ));
}

#[test]
fn diff_leads_with_new_destructive_tools_and_reports_moves_and_lost_guards() {
    let dir = fixture_copy("../js/mixed");
    let root = dir.path();
    let old = root.join("toolcalls.yaml");
    std::fs::rename(root.join("backend/tools.py"), root.join("backend/ops.py")).unwrap();
    let server = root.join("mcp/src/server.ts");
    let mut text = std::fs::read_to_string(&server).unwrap();
    text.push_str("\nserver.tool(\"wipe_logs\", \"Delete the logs\", {}, async () => {\n  rmSync(\"/var/log/app\", { recursive: true });\n  return { content: [] };\n});\n");
    std::fs::write(
        &server,
        format!("import {{ rmSync }} from \"node:fs\";\n{text}"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let new = out.path().join("new.yaml");
    agent_audit()
        .arg(root)
        .args(["--no-write", "--format", "yaml", "-o"])
        .arg(&new)
        .assert()
        .success();
    let assert = agent_audit()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .args(["--format", "markdown"])
        .assert()
        .success();
    let markdown = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        markdown.starts_with("### agent-audit: tool inventory changes\n\n**New tools**"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| ⚠️ `wipe_logs` | unguarded, destructive | file_delete |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("moved from `backend/tools.py`"),
        "{markdown}"
    );
    agent_audit()
        .arg("diff")
        .arg(&old)
        .arg(&old)
        .assert()
        .success()
        .stdout("no change to the tools\n");
}

#[test]
fn init_writes_a_starter_config_once_and_completions_print() {
    let dir = tempfile::tempdir().unwrap();
    agent_audit()
        .arg("init")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("agent-audit.toml"));
    let starter = std::fs::read_to_string(dir.path().join("agent-audit.toml")).unwrap();
    assert!(starter.contains("# fail_on = \"destructive-unguarded\""));
    agent_audit()
        .arg("init")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    // Every commented table, uncommented, is a valid config.
    let uncommented: String = starter
        .lines()
        .map(|l| {
            l.strip_prefix("# ")
                .filter(|r| r.starts_with('[') || r.contains(" = "))
                .unwrap_or("")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path().join("agent-audit.toml"), uncommented).unwrap();
    std::fs::write(dir.path().join("a.py"), "print(1)\n").unwrap();
    agent_audit()
        .arg(dir.path())
        .arg("--no-write")
        .assert()
        .success();
    agent_audit()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("agent-audit"));
}

#[test]
fn config_suppressions_take_a_tool_out_of_the_gate_until_they_expire() {
    let dir = fixture_copy("../js/mixed");
    let root = dir.path();
    let config = |expires: &str| {
        format!(
            "[[suppress]]\ntool = \"python:backend/tools.py:restart_service\"\nreason = \"reviewed in SEC-12\"\nexpires = \"{expires}\"\n"
        )
    };
    std::fs::write(root.join("agent-audit.toml"), config("2999-01-01")).unwrap();
    agent_audit()
        .arg(root)
        .args(["--no-write", "--fail-on", "destructive-unguarded"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "suppressed (allow unguarded, until 2999-01-01) at agent-audit.toml: reviewed in SEC-12",
        ));
    std::fs::write(root.join("agent-audit.toml"), config("2020-01-01")).unwrap();
    agent_audit()
        .arg(root)
        .args(["--no-write", "--fail-on", "destructive-unguarded"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("expired on 2020-01-01"))
        .stderr(predicate::str::contains(
            "restart_service is destructive and unguarded",
        ));
}

#[test]
fn inline_suppressions_leave_the_gate_while_they_cover_the_tool() {
    let assert = agent_audit()
        .arg(fixture("suppressions"))
        .args(["--no-write", "--fail-on", "destructive-unguarded"])
        .assert()
        .code(1);
    let output = assert.get_output();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(
        stdout.contains("suppressed (allow destructive) at tools/admin.py:11: reviewed in SEC-12"),
        "{stdout}"
    );
    assert!(
        stdout.contains("tools/admin.py:36: suppression expired on 2020-01-01"),
        "{stdout}"
    );
    assert!(
        stdout.contains("tools/admin.py:44: suppression without a reason after `--`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("tools/helpers.py:6: suppression applies to no tool"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "kill_process is destructive and unguarded (the suppression at tools/admin.py:28 allows only partial)"
        ),
        "{stderr}"
    );
    // The comment above the `if` chain covers its first branch's tool only.
    for suppressed in ["purge_archive", "restart_host", "compact_store"] {
        assert!(!stderr.contains(suppressed), "{stderr}");
    }
    for failing in ["wipe_tmp", "drop_cache", "rotate_archives", "erase_store"] {
        assert!(stderr.contains(failing), "{stderr}");
    }
    // The Markdown summary puts what needs attention first and marks what was reviewed.
    let assert = agent_audit()
        .arg(fixture("suppressions"))
        .args(["--no-write", "--format", "markdown"])
        .assert()
        .success();
    let markdown = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        markdown.starts_with("### agent-audit: 9 tools (8 destructive)\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("|---|---|---|---|\n| ⚠️ `kill_process` | unguarded, destructive | subprocess | `tools/admin.py:30` |\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| `purge_archive` | unguarded, destructive, suppressed | file_delete |"),
        "{markdown}"
    );
}

#[test]
fn rules_lists_every_rule_and_prints_one_with_its_patterns() {
    agent_audit()
        .arg("rules")
        .assert()
        .success()
        .stdout(predicate::str::contains("py.effect.http-write "))
        .stdout(predicate::str::contains("engine.guard.session-deny-list "));
    agent_audit()
        .args(["rules", "py.effect.http-write"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "defined in queries/python/effects.toml [[effect]]",
        ))
        .stdout(predicate::str::contains("\"requests.post\""));
    agent_audit()
        .args(["rules", "mongo-read"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("py.effect.mongo-read"));
}

#[test]
fn check_ignores_renamed_rules_but_not_a_changed_effect() {
    let dir = fixture_copy("../js/mixed");
    let root = dir.path();
    let inventory = root.join("toolcalls.yaml");
    let check = || {
        agent_audit()
            .args(["check", "--fail-on", "never"])
            .arg(root)
            .assert()
    };
    let text = std::fs::read_to_string(&inventory).unwrap();
    assert!(
        text.contains("rule: js.effect."),
        "the inventory names its rules"
    );
    // An inventory written before a rule was renamed (or before rules were named) is current.
    let renamed: String = text
        .lines()
        .map(|l| match l.split_once("rule: ") {
            Some((indent, _)) => format!("{indent}rule: old.rule.name\n"),
            None => format!("{l}\n"),
        })
        .collect();
    std::fs::write(&inventory, &renamed).unwrap();
    check().success();
    let unnamed: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("rule: "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&inventory, &unnamed).unwrap();
    check().success();
    // What an effect is still counts.
    std::fs::write(
        &inventory,
        text.replacen("category: subprocess", "category: file_read", 1),
    )
    .unwrap();
    check().code(1).stderr(predicate::str::contains("effects"));
}

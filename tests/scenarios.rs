//! Pull-request scenarios on a temporary git repository holding the `ops_agent` fixture: what
//! the gate, `check` and `diff --base` say when a change adds, weakens, moves or relocates
//! tools. The repository is built with git2, so no git binary is needed.

mod common;
use common::copy_tree;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A git repository whose first commit is the `ops_agent` fixture, toolcalls.yaml included.
struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Repo {
    /// The fixture at the root of a fresh repository (`subdir` puts it one level down, beside
    /// files of another project).
    fn new(subdir: Option<&str>) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("checkout");
        let project = match subdir {
            Some(sub) => root.join(sub),
            None => root.clone(),
        };
        copy_tree(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/python/ops_agent"),
            &project,
        );
        git2::Repository::init(&root).unwrap();
        let repo = Repo { _dir: dir, root };
        if subdir.is_some() {
            // A file beside the project, and a root .gitignore that applies inside it.
            repo.write("other/tool.py", "print('not part of the agent')\n");
            repo.write(".gitignore", "*.log\nscratch/\n");
        }
        repo.commit_all();
        repo
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.path(rel)).unwrap();
        assert!(text.contains(from), "{rel} does not hold {from:?}");
        self.write(rel, &text.replacen(from, to, 1));
    }

    fn commit_all(&self) {
        commit(&self.root, git2::IndexAddOption::DEFAULT);
    }

    /// Runs agent-audit in the repository root.
    fn run(&self, args: &[&str]) -> Output {
        Command::cargo_bin("agent-audit")
            .unwrap()
            .current_dir(&self.root)
            .args(args)
            .output()
            .unwrap()
    }
}

/// Commits every file under `root` on top of HEAD (ignored ones too with `FORCE`).
fn commit(root: &Path, add: git2::IndexAddOption) {
    let repo = git2::Repository::open(root).unwrap();
    let mut index = repo.index().unwrap();
    index.add_all(["*"], add, None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let who = git2::Signature::new("t", "t@example.com", &git2::Time::new(0, 0)).unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &who, &who, "change", &tree, &parents)
        .unwrap();
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Exit code, with the output in the message when it is not the expected one.
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

const GATE: &[&str] = &[
    "scan",
    ".",
    "--no-write",
    "--fail-on",
    "destructive-unguarded",
    "--baseline",
    "toolcalls.yaml",
];

const CLEANUP_TOOLS: &str = r#"import os
import shutil

from langchain_core.tools import tool


@tool
def count_logs() -> int:
    """Count the log files."""
    return len(os.listdir("/var/log/app"))


@tool
def wipe_logs() -> str:
    """Delete every log file."""
    shutil.rmtree("/var/log/app")
    return "wiped"
"#;

#[test]
fn the_committed_fixture_passes_check_and_diffs_clean() {
    let repo = Repo::new(None);
    assert_exit(&repo.run(&["check", "."]), 0);
    let diff = repo.run(&["diff", "--base", "HEAD"]);
    assert_exit(&diff, 0);
    assert_eq!(stdout(&diff), "no change to the tools\n");
}

#[test]
fn a_new_unguarded_destructive_tool_fails_the_gate_and_leads_the_diff() {
    let repo = Repo::new(None);
    repo.write("ops/cleanup.py", CLEANUP_TOOLS);
    // A read-only tool and a guarded one changing at the same time must not lead.
    repo.edit(
        "ops/orders.py",
        "return requests.get(",
        "requests.get(f\"{API}/audit\", timeout=10)\n    return requests.get(",
    );

    let gate = repo.run(GATE);
    assert_exit(&gate, 1);
    assert!(stderr(&gate).contains("wipe_logs"), "{}", stderr(&gate));
    assert!(!stderr(&gate).contains("count_logs"), "{}", stderr(&gate));

    let check = repo.run(&["check", "."]);
    assert_exit(&check, 1);
    let message = stderr(&check);
    assert!(
        message.contains("is stale: run `agent-audit .`"),
        "{message}"
    );
    assert!(
        message.contains("added: python:ops/cleanup.py:wipe_logs (ops/cleanup.py:14)"),
        "{message}"
    );

    let diff = repo.run(&["diff", "--base", "HEAD", "--format", "markdown"]);
    assert_exit(&diff, 0);
    let markdown = stdout(&diff);
    let first_row = markdown
        .lines()
        .find(|l| l.starts_with("| ") && !l.starts_with("| tool") && !l.starts_with("| ---"))
        .unwrap_or_default();
    assert!(
        first_row.starts_with("| ⚠️ `wipe_logs` | unguarded, destructive | file_delete"),
        "{markdown}"
    );
    assert!(markdown.contains("`count_logs`"), "{markdown}");
}

#[test]
fn subprocess_added_to_a_baseline_tool_fails_the_gate() {
    let repo = Repo::new(None);
    repo.edit(
        "ops/maintenance.py",
        "import shutil\n",
        "import shutil\nimport subprocess\n",
    );
    repo.edit(
        "ops/maintenance.py",
        "    with open(f\"/run/status/{service}\") as status:",
        "    subprocess.run([\"systemctl\", \"status\", service], check=False)\n    with open(f\"/run/status/{service}\") as status:",
    );
    let gate = repo.run(GATE);
    assert_exit(&gate, 1);
    let message = stderr(&gate);
    assert!(message.contains("service_status"), "{message}");
    assert!(
        message.contains("new effect subprocess `subprocess.run`"),
        "{message}"
    );

    let diff = repo.run(&["diff", "--base", "HEAD"]);
    assert!(
        stdout(&diff).contains("verdict service_status read_only -> unguarded"),
        "{}",
        stdout(&diff)
    );
    assert!(
        stdout(&diff).contains("gained  service_status subprocess"),
        "{}",
        stdout(&diff)
    );
}

#[test]
fn deleting_the_approval_is_reported_as_a_lost_guard() {
    let repo = Repo::new(None);
    repo.edit(
        "ops/orders.py",
        "    answer = interrupt({\"action\": \"refund\", \"order\": order_id, \"amount\": amount_cents})\n    if answer != \"approve\":\n        return \"refund declined\"\n",
        "",
    );
    let diff = repo.run(&["diff", "--base", "HEAD"]);
    assert_exit(&diff, 0);
    let text = stdout(&diff);
    assert!(
        text.contains("verdict refund_order guarded -> unguarded"),
        "{text}"
    );
    assert!(
        text.contains("unguard refund_order lost approval (interrupt(...))"),
        "{text}"
    );
    let markdown = stdout(&repo.run(&["diff", "--base", "HEAD", "--format", "markdown"]));
    assert!(markdown.contains("approval"), "{markdown}");
    // `check` says what changed about the tool.
    let check = repo.run(&["check", ".", "--fail-on", "never"]);
    assert_exit(&check, 1);
    assert!(
        stderr(&check).contains(
            "changed: python:ops/orders.py:refund_order (ops/orders.py:17): effects, guards, verdict"
        ),
        "{}",
        stderr(&check)
    );

    // Refunds are an HTTP write, not destructive: the default gate holds, a stricter one fails.
    assert_exit(&repo.run(GATE), 0);
    let mut strict = GATE.to_vec();
    strict[4] = "unguarded";
    let gate = repo.run(&strict);
    assert_exit(&gate, 1);
    assert!(
        stderr(&gate).contains("lost guard approval"),
        "{}",
        stderr(&gate)
    );
}

#[test]
fn renaming_a_file_reports_a_move() {
    let repo = Repo::new(None);
    std::fs::rename(
        repo.path("ops/maintenance.py"),
        repo.path("ops/housekeeping.py"),
    )
    .unwrap();
    repo.edit("agent.py", "from ops.maintenance", "from ops.housekeeping");
    let diff = repo.run(&["diff", "--base", "HEAD"]);
    assert_exit(&diff, 0);
    assert_eq!(
        stdout(&diff),
        "moved   purge_cache ops/maintenance.py -> ops/housekeeping.py\n\
         moved   service_status ops/maintenance.py -> ops/housekeeping.py\n\
         maturity 1 -> 0\n",
        "the committed toolcalls.yaml no longer matches until it is refreshed"
    );
    // A move is neither new nor worse.
    assert_exit(&repo.run(GATE), 0);
}

#[test]
fn moving_the_checkout_changes_nothing() {
    let repo = Repo::new(Some("agent"));
    repo.write("agent/ops/cleanup.py", CLEANUP_TOOLS);
    // Ignored by the root .gitignore, on disk and at the revision alike.
    repo.write("agent/scratch/wipe.py", CLEANUP_TOOLS);
    repo.commit_all();
    repo.write(
        "agent/ops/cleanup.py",
        &CLEANUP_TOOLS.replace(
            "shutil.rmtree",
            "shutil.copytree(\"/var/log/app\", \"/tmp/x\")\n    shutil.rmtree",
        ),
    );
    let outputs = |repo: &Repo| -> Vec<Vec<u8>> {
        let runs: [&[&str]; 5] = [
            &["agent", "--format", "yaml", "-o", "-", "--no-write"],
            &["agent", "--format", "sarif", "-o", "-", "--no-write"],
            &["agent", "--format", "json", "-o", "-", "--no-write"],
            &["diff", "--base", "HEAD~1", "agent"],
            &["diff", "--base", "HEAD~1", "agent", "--format", "markdown"],
        ];
        runs.iter()
            .map(|args| {
                let output = repo.run(args);
                assert_exit(&output, 0);
                output.stdout
            })
            .collect()
    };
    let before = outputs(&repo);
    let diff = String::from_utf8(before[3].clone()).unwrap();
    assert!(
        diff.contains("added   wipe_logs (unguarded, destructive)"),
        "{diff}"
    );
    assert!(!diff.contains("scratch"), "{diff}");

    let elsewhere = tempfile::tempdir().unwrap();
    let moved_root = elsewhere.path().join("somewhere/else");
    std::fs::create_dir_all(moved_root.parent().unwrap()).unwrap();
    std::fs::rename(&repo.root, &moved_root).unwrap();
    let moved = Repo {
        _dir: elsewhere,
        root: moved_root,
    };
    assert_eq!(outputs(&moved), before);
}

#[test]
fn diff_base_errors_are_clear() {
    let repo = Repo::new(None);
    let unknown = repo.run(&["diff", "--base", "no-such-branch"]);
    assert_exit(&unknown, 2);
    assert!(
        stderr(&unknown).contains("unknown revision `no-such-branch`"),
        "{}",
        stderr(&unknown)
    );
    let outside = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("agent-audit")
        .unwrap()
        .args(["diff", "--base", "HEAD"])
        .arg(outside.path())
        .output()
        .unwrap();
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("is not inside a git repository"),
        "{}",
        stderr(&output)
    );
    let both = repo.run(&["diff", "--base", "HEAD", "a.yaml", "b.yaml"]);
    assert_exit(&both, 2);
}

/// A Python file defining one tool named `name`.
fn python_tool(name: &str) -> String {
    format!(
        "import shutil\nfrom langchain_core.tools import tool\n\n\n@tool\ndef {name}() -> str:\n    \"\"\"Tool {name}.\"\"\"\n    shutil.rmtree(\"/tmp/{name}\")\n    return \"ok\"\n"
    )
}

#[test]
fn a_revision_is_walked_by_the_same_rules_as_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("app/tools.py", &python_tool("kept_app"));
    write(".hidden/tools.py", &python_tool("hidden"));
    write("node_modules/pkg/tools.py", &python_tool("dependency"));
    write("env/pyvenv.cfg", "home = /usr/bin\n");
    write("env/lib/tools.py", &python_tool("virtualenv"));
    write(
        ".gitignore",
        "generated/\ngenerated2/*.py\n!generated2/keep.py\n",
    );
    write("generated/tools.py", &python_tool("ignored_dir"));
    write("generated2/drop.py", &python_tool("ignored_file"));
    write("generated2/keep.py", &python_tool("kept_whitelisted"));
    write("sub/.gitignore", "local_tool.py\n");
    write("sub/local_tool.py", &python_tool("ignored_below"));
    write("sub/shared.py", &python_tool("kept_sub"));
    write(
        "big/tools.py",
        &format!("{}\n# {}\n", python_tool("too_big"), "x".repeat(4000)),
    );
    write(
        "agent-audit.toml",
        "[scan]\nmax_file_size = 3000\nexclude = [\"legacy/**\"]\n",
    );
    write("legacy/tools.py", &python_tool("excluded"));
    write("pkg/package.json", "{\"name\": \"pkg\"}\n");
    write(
        "pkg/dist/index.js",
        "import { McpServer } from \"@modelcontextprotocol/sdk/server/mcp.js\";\nimport { rmSync } from \"node:fs\";\nconst server = new McpServer({ name: \"p\", version: \"1\" });\nserver.tool(\"kept_published\", {}, async () => { rmSync(\"/tmp/p\"); return { content: [] }; });\n",
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink("tools.py", root.join("app/link.py")).unwrap();

    // Commit everything, the ignored files too (`git add -f`): the revision holds them, and
    // its walk must leave them out as the disk walk does.
    // A directory only `.git/info/exclude` ignores.
    write("local_only/tools.py", &python_tool("excluded_locally"));
    let repo = git2::Repository::init(&root).unwrap();
    write(".git/info/exclude", "local_only/\n");
    // A submodule with a tool, and a .gitignore around it that does not apply inside it.
    let elsewhere = tempfile::tempdir().unwrap();
    let upstream = elsewhere.path().to_path_buf();
    std::fs::write(upstream.join("vendored.py"), python_tool("kept_submodule")).unwrap();
    std::fs::write(
        upstream.join("generated2.py"),
        python_tool("kept_in_submodule"),
    )
    .unwrap();
    git2::Repository::init(&upstream).unwrap();
    commit(&upstream, git2::IndexAddOption::DEFAULT);
    let url = format!("file://{}", upstream.display());
    let mut submodule = repo.submodule(&url, Path::new("vendor/lib"), true).unwrap();
    submodule.clone(None).unwrap();
    submodule.add_finalize().unwrap();
    write("vendor/.gitignore", "generated2.py\n");
    commit(&root, git2::IndexAddOption::FORCE);

    let repo = Repo {
        _dir: dir,
        root: root.clone(),
    };
    let run = |args: &[&str]| repo.run(args);
    let scan = run(&[".", "--no-write", "--format", "json", "-o", "-"]);
    assert_exit(&scan, 0);
    let inventory: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    let mut names: Vec<&str> = inventory["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "kept_app",
            "kept_in_submodule",
            "kept_published",
            "kept_sub",
            "kept_submodule",
            "kept_whitelisted"
        ]
    );
    let diff = run(&["diff", "--base", "HEAD"]);
    assert_exit(&diff, 0);
    assert_eq!(stdout(&diff), "no change to the tools\n");
    // The same from a subdirectory: the root .gitignore still applies.
    let diff = run(&["diff", "--base", "HEAD", "generated2"]);
    assert_exit(&diff, 0);
    assert_eq!(stdout(&diff), "no change to the tools\n");
}

#[test]
fn every_fixture_reads_the_same_from_a_revision_as_from_disk() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    copy_tree(&fixtures, &root.join("fixtures"));
    let repo = Repo {
        _dir: dir,
        root: root.clone(),
    };
    git2::Repository::init(&root).unwrap();
    repo.commit_all();
    for language in std::fs::read_dir(&fixtures).unwrap() {
        let language = language.unwrap().path();
        for project in std::fs::read_dir(&language).unwrap() {
            let project = project.unwrap().path();
            let rel = format!(
                "fixtures/{}/{}",
                language.file_name().unwrap().to_string_lossy(),
                project.file_name().unwrap().to_string_lossy()
            );
            let diff = repo.run(&["diff", "--base", "HEAD", &rel]);
            assert_exit(&diff, 0);
            assert_eq!(stdout(&diff), "no change to the tools\n", "{rel}");
        }
    }
}

#[test]
fn a_new_suppression_passes_the_gate_but_leads_the_review() {
    let repo = Repo::new(None);
    repo.edit(
        "ops/maintenance.py",
        "    if not confirm:\n        raise ValueError(\"set confirm=True to purge the cache\")\n",
        "",
    );
    repo.edit(
        "ops/maintenance.py",
        "@tool\ndef purge_cache",
        "# agent-audit: allow destructive -- SEC-77: the cache rebuilds itself\n@tool\ndef purge_cache",
    );
    repo.edit(
        "ops/orders.py",
        "    return requests.get(",
        "    requests.get(f\"{API}/audit\", timeout=10)\n    return requests.get(",
    );
    assert_exit(&repo.run(GATE), 0);
    let diff = repo.run(&["diff", "--base", "HEAD"]);
    assert!(
        stdout(&diff).contains(
            "suppress purge_cache suppressed (allow destructive at ops/maintenance.py:10): SEC-77: the cache rebuilds itself"
        ),
        "{}",
        stdout(&diff)
    );
    let markdown = stdout(&repo.run(&["diff", "--base", "HEAD", "--format", "markdown"]));
    let changed = markdown
        .split("**Changed tools**")
        .nth(1)
        .unwrap_or_default();
    assert!(
        changed.trim_start().starts_with("- `purge_cache`"),
        "{markdown}"
    );
    assert!(
        changed.contains(
            "  - **newly suppressed (allow destructive at ops/maintenance.py:10): SEC-77"
        ),
        "{markdown}"
    );
}

/// A notebook with a markdown cell, then `code` as its one code cell.
fn notebook(code: &str) -> String {
    serde_json::json!({
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Cleanup\n"]},
            {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],
             "source": code.split_inclusive('\n').collect::<Vec<_>>()},
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    })
    .to_string()
}

#[test]
fn a_tool_added_in_a_notebook_is_reported_by_cell_and_line() {
    let repo = Repo::new(None);
    repo.write("notebooks/cleanup.ipynb", &notebook(CLEANUP_TOOLS));

    let gate = repo.run(GATE);
    assert_exit(&gate, 1);
    assert!(
        stderr(&gate).contains("  notebooks/cleanup.ipynb:cell 2:14: wipe_logs is "),
        "{}",
        stderr(&gate)
    );
    let check = repo.run(&["check", "."]);
    assert!(
        stderr(&check).contains(
            "added: python:notebooks/cleanup.ipynb:wipe_logs (notebooks/cleanup.ipynb:cell 2:14)"
        ),
        "{}",
        stderr(&check)
    );
    let diff = repo.run(&["diff", "--base", "HEAD"]);
    assert!(
        stdout(&diff).contains(
            "added   wipe_logs (unguarded, destructive) notebooks/cleanup.ipynb:cell 2:14"
        ),
        "{}",
        stdout(&diff)
    );

    // Committed, the base revision's notebook is read from git: a new effect in it is a change.
    assert_exit(&repo.run(&["."]), 0);
    repo.commit_all();
    repo.edit(
        "notebooks/cleanup.ipynb",
        "return len(os.listdir(\\\"/var/log/app\\\"))",
        "os.remove(\\\"/var/log/app/last\\\")\\n\",\n    \"    return len(os.listdir(\\\"/var/log/app\\\"))",
    );
    let diff = repo.run(&["diff", "--base", "HEAD"]);
    let text = stdout(&diff);
    assert!(
        text.contains(
            "gained  count_logs file_delete `os.remove` (notebooks/cleanup.ipynb:cell 2:10)"
        ),
        "{text}"
    );
}

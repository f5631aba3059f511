//! The SARIF output validates against the SARIF 2.1.0 schema and keeps its fingerprints when
//! lines move.

use std::path::Path;

use assert_cmd::Command;

fn sarif(dir: &Path) -> serde_json::Value {
    let out = Command::cargo_bin("agent-audit")
        .unwrap()
        .arg(dir)
        .args(["--no-write", "--format", "sarif"])
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fixture(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

/// The SARIF 2.1.0 schema as published. Its pattern for `run.language` has a stray `]`, which a
/// strict regex check of the schema itself rejects; it is mended here, the rest is as published.
fn sarif_schema() -> serde_json::Value {
    let text =
        include_str!("data/sarif-2.1.0-rtm.5.json").replace("-[a-zA-Z]{2}]?$", "(-[a-zA-Z]{2})?$");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn sarif_validates_against_the_schema() {
    // The published schema's pattern for `run.language` has a stray `]`, which a strict regex
    // check of the schema itself rejects; it is mended here, the rest is as published.
    let text =
        include_str!("data/sarif-2.1.0-rtm.5.json").replace("-[a-zA-Z]{2}]?$", "(-[a-zA-Z]{2})?$");
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    for dir in [
        "js/mcp_server",
        "js/mixed",
        "js/suppressions",
        "python/guards",
        "python/langchain",
        "python/notebook",
        "python/suppressions",
    ] {
        let log = sarif(&fixture(dir));
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{dir}: {errors:#?}");
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{dir}: no results");
        for rule in log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
        {
            let severity = rule["properties"]["security-severity"].as_str().unwrap();
            assert!(severity.parse::<f64>().is_ok(), "{dir}: {rule}");
        }
        for result in results {
            let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(!uri.starts_with('/'), "{dir}: absolute uri {uri}");
        }
    }
}

#[test]
fn a_suppressed_tool_is_a_suppressed_result() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("backend")).unwrap();
    let source = std::fs::read_to_string(fixture("js/mixed/backend/tools.py")).unwrap();
    std::fs::write(root.join("backend/tools.py"), source).unwrap();
    std::fs::write(
        root.join("agent-audit.toml"),
        "[[suppress]]\ntool = \"python:backend/tools.py:restart_service\"\nreason = \"reviewed in SEC-12\"\n",
    )
    .unwrap();
    let log = sarif(root);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["suppressions"][0]["kind"], "external");
    assert_eq!(
        result["suppressions"][0]["justification"],
        "reviewed in SEC-12"
    );
    let validator = jsonschema::draft4::new(&sarif_schema()).unwrap();
    assert!(validator.is_valid(&log));
}

#[test]
fn inline_suppressions_are_in_source_and_only_while_they_cover_the_tool() {
    let log = sarif(&fixture("python/suppressions"));
    let results = log["runs"][0]["results"].as_array().unwrap();
    let suppression = |tool: &str| {
        let result = results
            .iter()
            .find(|r| r["message"]["text"].as_str().unwrap().contains(tool))
            .unwrap_or_else(|| panic!("no result for {tool}"));
        result["suppressions"][0]["kind"].as_str().map(String::from)
    };
    assert_eq!(suppression("purge_archive").as_deref(), Some("inSource"));
    assert_eq!(suppression("restart_host").as_deref(), Some("inSource"));
    // Allowed as partial, unguarded now: reported, not suppressed.
    assert_eq!(suppression("kill_process"), None);
    assert_eq!(suppression("wipe_tmp"), None);
}

#[test]
fn fingerprints_survive_line_shifts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("backend")).unwrap();
    let source = std::fs::read_to_string(fixture("js/mixed/backend/tools.py")).unwrap();
    std::fs::write(root.join("backend/tools.py"), &source).unwrap();
    let before = sarif(root);
    std::fs::write(
        root.join("backend/tools.py"),
        format!("# a comment\n\n{source}"),
    )
    .unwrap();
    let after = sarif(root);
    let pick = |log: &serde_json::Value| {
        let result = &log["runs"][0]["results"][0];
        (
            result["partialFingerprints"].clone(),
            result["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
        )
    };
    let (fp_before, line_before) = pick(&before);
    let (fp_after, line_after) = pick(&after);
    assert_eq!(fp_before, fp_after);
    assert_ne!(line_before, line_after);
}

#[test]
fn a_notebook_result_names_the_cell_and_the_line_in_it() {
    let log = sarif(&fixture("python/notebook"));
    let results = log["runs"][0]["results"].as_array().unwrap();
    let notify = results
        .iter()
        .find(|r| r["message"]["text"].as_str().unwrap().contains("`notify`"))
        .unwrap();
    let location = &notify["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "agent.ipynb");
    assert_eq!(location["region"]["startLine"], 11);
    assert_eq!(location["region"]["properties"]["cell"], 5);
    let shell = results
        .iter()
        .find(|r| r["message"]["text"].as_str().unwrap().contains("`shell`"))
        .unwrap();
    let message = shell["message"]["text"].as_str().unwrap();
    assert!(message.contains("at agent.ipynb:cell 2:11"), "{message}");
}

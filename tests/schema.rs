//! `docs/toolcalls.schema.json` is generated from the Rust types of the inventory; this test
//! fails when it is stale (rewrite it with `UPDATE_EXPECT=1 cargo test --test schema`) and checks
//! that every committed fixture inventory validates against it.

use std::path::Path;

use agent_audit::model::Inventory;

fn schema_text() -> String {
    let schema = schemars::schema_for!(Inventory);
    let mut text = serde_json::to_string_pretty(&schema).unwrap();
    text.push('\n');
    text
}

#[test]
fn the_schema_in_docs_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/toolcalls.schema.json");
    let text = schema_text();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "docs/toolcalls.schema.json is stale: run `UPDATE_EXPECT=1 cargo test --test schema`"
    );
}

#[test]
fn fixture_inventories_validate_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(&schema_text()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut checked = 0;
    for lang in std::fs::read_dir(&fixtures).unwrap() {
        let lang = lang.unwrap().path();
        if !lang.is_dir() {
            continue;
        }
        for project in std::fs::read_dir(&lang).unwrap() {
            let inventory = project.unwrap().path().join("toolcalls.yaml");
            let Ok(text) = std::fs::read_to_string(&inventory) else {
                continue;
            };
            let parsed: Inventory = agent_audit::report::parse_yaml(&text).unwrap();
            let value = serde_json::to_value(&parsed).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", inventory.display());
            checked += 1;
        }
    }
    assert!(checked >= 10);
}

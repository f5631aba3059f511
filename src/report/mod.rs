//! Output formats. Each renders the same [`Inventory`].

pub mod markdown;
pub mod sarif;
pub mod text;

use crate::model::Inventory;

/// The inventory as YAML: the `toolcalls.yaml` document.
pub fn yaml(inventory: &Inventory) -> String {
    serde_saphyr::to_string(inventory).expect("the inventory serializes to YAML")
}

/// The inventory as pretty JSON, ending in a newline.
pub fn json(inventory: &Inventory) -> String {
    let mut out =
        serde_json::to_string_pretty(inventory).expect("the inventory serializes to JSON");
    out.push('\n');
    out
}

/// Reads an inventory back (to compare with a fresh scan).
pub fn parse_yaml(text: &str) -> Result<Inventory, String> {
    serde_saphyr::from_str(text).map_err(|e| e.to_string())
}

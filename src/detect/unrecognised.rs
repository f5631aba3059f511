//! "0 tools" is never silent: a file that imports what a registration rule starts from
//! (`from mcp.server.mcpserver import MCPServer`, `import { tool } from "ai"`) but where no
//! registration, tool, agent, forwarder or definition helper was recognised gets a note with the
//! import's `file:line`, so a user sees what agent-audit did not understand (SPEC §6 `notes`).
//!
//! Reads the catalog's registration patterns (each cut at its first call: the thing imported)
//! and what detection found. Test files are left out: they import frameworks to test them.
//! One note per file, at the first such import.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::catalog::{LanguageCatalog, ToolKind};
use crate::link::Project;
use crate::note::Note;
use crate::pattern::{ApiPath, Pattern};

use super::{CallRules, DetectedTool, Entry};

pub(super) fn notes_for_unrecognised(
    project: &Project,
    catalog: &LanguageCatalog,
    files: &[usize],
    tools: &[DetectedTool],
    understood: &HashSet<usize>,
    notes: &mut Vec<Note>,
) {
    // Base classes are left out: a file that imports one for an annotation registers nothing.
    let entries: Vec<Pattern> = catalog
        .tools
        .iter()
        .filter(|r| r.def.kind != ToolKind::Class)
        .flat_map(|r| r.patterns.iter().map(Pattern::entry))
        .collect();
    let mut seen: HashSet<usize> = understood.clone();
    for tool in tools {
        seen.insert(tool.entry.file());
        if let Some(r) = &tool.registration {
            seen.insert(r.file);
        }
        if let Entry::Branch { file, .. } = tool.entry {
            seen.insert(file);
        }
    }
    // An agent built here takes its tools from elsewhere; a server built here with no tool
    // registered on it is what the note is for.
    let constructions = CallRules::new(
        catalog
            .tools
            .iter()
            .filter(|r| !matches!(r.def.kind, ToolKind::Server | ToolKind::Class))
            .collect(),
    );
    let mut starts_registration: HashMap<&str, bool> = HashMap::default();
    for &file in files {
        let facts = &project.files[file];
        if seen.contains(&file) || looks_like_a_test(&facts.path) {
            continue;
        }
        let Some(import) = facts.imports.iter().find(|i| {
            // The same modules are imported by many files: each is matched once.
            *starts_registration
                .entry(i.target.as_str())
                .or_insert_with(|| {
                    let path = ApiPath::from_dotted(&i.target);
                    entries.iter().any(|e| e.matches(&path))
                })
        }) else {
            continue;
        };
        if facts
            .calls
            .iter()
            .any(|c| constructions.matching(project, file, c).is_some())
        {
            continue;
        }
        notes.push(Note::at_line(
            facts,
            import.line,
            format!(
                "imports {}, but no tool registration was recognised",
                import.target
            ),
        ));
    }
}

/// Test files by the usual conventions of Python and JavaScript projects.
fn looks_like_a_test(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path.split('/')
        .any(|d| matches!(d, "tests" | "test" | "__tests__" | "testing"))
        || name.starts_with("test_")
        || name == "conftest.py"
        || name.contains("_test.")
        || name.contains(".test.")
        || name.contains(".spec.")
}

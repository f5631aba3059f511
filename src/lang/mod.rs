//! Language front ends. Each turns one source file into [`FileFacts`].
//!
//! A Jupyter notebook (`.ipynb`) is Python: [`notebook`] joins its code cells into one source
//! for the Python front end and keeps the map from its lines back to the cells with the facts.

pub mod js;
mod marks;
pub mod notebook;
pub mod python;
mod syntax;

use crate::facts::{FileFacts, Language, Span, StringList};

/// The language a path is written in, by extension.
/// Type declarations (`.d.ts`) hold no code that runs, so they are not scanned.
/// Jupyter notebooks (`.ipynb`) are Python.
pub fn language_of(path: &str) -> Option<Language> {
    let (stem, ext) = path.rsplit_once('.')?;
    match ext {
        "py" | "pyi" | "ipynb" => Some(Language::Python),
        "ts" | "mts" | "cts" | "tsx" if !stem.ends_with(".d") => Some(Language::TypeScript),
        "js" | "jsx" | "mjs" | "cjs" => Some(Language::JavaScript),
        _ => None,
    }
}

/// Whether `path` is a Jupyter notebook.
pub fn is_notebook(path: &str) -> bool {
    path.ends_with(".ipynb")
}

/// Why a file gives no facts at all (a file with syntax errors still does).
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error(transparent)]
    Notebook(#[from] notebook::NotebookError),
}

/// Parses one file with the front end for its language. `package_prefix` names the package
/// the scan root is inside of, if any.
pub fn parse(
    language: Language,
    rel_path: &str,
    source: &str,
    package_prefix: &str,
) -> Result<FileFacts, ParseError> {
    Ok(match language {
        Language::Python if is_notebook(rel_path) => {
            let notebook = notebook::read(source)?;
            let mut facts = python::parse(rel_path, &notebook.source, package_prefix);
            facts.syntax_error_line = facts
                .syntax_error_line
                .into_iter()
                .chain(notebook.broken_line)
                .min();
            facts.cells = Some(notebook.cells);
            facts
        }
        Language::Python => python::parse(rel_path, source, package_prefix),
        Language::TypeScript | Language::JavaScript => {
            js::parse(rel_path, source, js::Dialect::of(rel_path))
        }
    })
}

/// The dotted Python package that `root` itself is part of: the names of `root` and its
/// ancestors for as long as they hold an `__init__.py`.
pub fn python_package_prefix(root: &std::path::Path) -> String {
    let mut names = Vec::new();
    let mut dir = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    while dir.join("__init__.py").is_file() {
        match dir.file_name() {
            Some(name) => names.push(name.to_string_lossy().into_owned()),
            None => break,
        }
        if !dir.pop() {
            break;
        }
    }
    names.reverse();
    names.join(".")
}

/// Minified JavaScript: a `.min.js` file, or one whose lines average over 300 bytes (bundlers
/// and minifiers put whole modules on a line). Parsing it is slow and its names mean nothing.
pub fn looks_minified(language: Language, rel_path: &str, source: &str) -> bool {
    if language.family() != Language::JavaScript {
        return false;
    }
    let stem = rel_path.rsplit_once('.').map_or(rel_path, |(stem, _)| stem);
    if stem.ends_with(".min") {
        return true;
    }
    let lines = source.bytes().filter(|b| *b == b'\n').count() + 1;
    source.len() > 20_000 && source.len() / lines > 300
}

/// Compiles every language's queries (normally done lazily on first use).
pub fn warm_up() {
    python::warm_up();
}

/// Parses `source` into a syntax tree and drops it (the benchmark's baseline).
pub fn parse_tree_only(language: Language, rel_path: &str, source: &str) -> usize {
    match language {
        Language::Python if is_notebook(rel_path) => {
            notebook::read(source).map_or(0, |notebook| python::parse_tree_only(&notebook.source))
        }
        Language::Python => python::parse_tree_only(source),
        Language::TypeScript | Language::JavaScript => {
            js::parse_tree_only(source, js::Dialect::of(rel_path))
        }
    }
}

/// Sets `scope` on calls, assignments, dispatches and checks to the innermost function containing them.
///
/// Functions nest properly, so one sweep over both lists sorted by start offset suffices.
/// The string lists a front end read, in source order, each once.
fn sorted_string_lists(mut lists: Vec<StringList>) -> Vec<StringList> {
    lists.sort_by_key(|l| l.span.start_byte);
    lists.dedup_by_key(|l| l.span.start_byte);
    lists.shrink_to_fit();
    lists
}

pub fn assign_scopes(facts: &mut FileFacts) {
    let mut order: Vec<usize> = (0..facts.functions.len()).collect();
    order.sort_by_key(|&i| {
        let s = facts.functions[i].span;
        (s.start_byte, std::cmp::Reverse(s.end_byte))
    });
    let spans: Vec<Span> = facts.functions.iter().map(|f| f.span).collect();
    let mut resolver = ScopeSweep {
        order,
        spans,
        next: 0,
        stack: Vec::new(),
    };
    // Each list is swept on its own; they are sorted by start first.
    // Front ends usually produce the lists in order already; sorting allocates.
    sort_by_key(&mut facts.calls, |c| (c.span.start_byte, c.span.end_byte));
    for call in &mut facts.calls {
        call.scope = resolver.scope_of(&call.span);
    }
    resolver.reset();
    sort_by_key(&mut facts.dispatches, |d| d.span.start_byte);
    for dispatch in &mut facts.dispatches {
        dispatch.scope = resolver.scope_of(&dispatch.span);
    }
    resolver.reset();
    sort_by_key(&mut facts.checks, |c| (c.span.start_byte, c.span.end_byte));
    for check in &mut facts.checks {
        check.scope = resolver.scope_of(&check.span);
    }
    resolver.reset();
    sort_by_key(&mut facts.returns, |r| (r.span.start_byte, r.span.end_byte));
    for ret in &mut facts.returns {
        ret.scope = resolver.scope_of(&ret.span);
    }
    sort_by_key(&mut facts.regions, |r| {
        (r.start_byte, std::cmp::Reverse(r.end_byte))
    });
    facts.regions.dedup();
    resolver.reset();
    sort_by_key(&mut facts.assignments, |a| {
        (a.span.start_byte, a.span.end_byte)
    });
    for assignment in &mut facts.assignments {
        assignment.scope = resolver.scope_of(&assignment.span);
    }
}

/// A stable sort that leaves a sorted list alone without allocating.
fn sort_by_key<T, K: Ord>(list: &mut [T], key: impl Fn(&T) -> K) {
    if !list.is_sorted_by_key(&key) {
        list.sort_by_key(key);
    }
}

struct ScopeSweep {
    order: Vec<usize>,
    spans: Vec<Span>,
    next: usize,
    stack: Vec<usize>,
}

impl ScopeSweep {
    fn reset(&mut self) {
        self.next = 0;
        self.stack.clear();
    }

    fn scope_of(&mut self, item: &Span) -> Option<usize> {
        while self.next < self.order.len()
            && self.spans[self.order[self.next]].start_byte <= item.start_byte
        {
            let f = self.order[self.next];
            self.pop_until_contains(self.spans[f].start_byte, self.spans[f].end_byte);
            self.stack.push(f);
            self.next += 1;
        }
        self.pop_until_contains(item.start_byte, item.end_byte);
        self.stack.last().copied()
    }

    fn pop_until_contains(&mut self, start: usize, end: usize) {
        while let Some(&top) = self.stack.last() {
            let s = self.spans[top];
            if s.start_byte <= start && end <= s.end_byte {
                break;
            }
            self.stack.pop();
        }
    }
}

//! Jupyter notebooks: the code cells of an `.ipynb` file as one Python source, and the map from
//! its lines back to the cells.
//!
//! Reads the notebook's JSON (nbformat 4: `cells[]` with `cell_type` and `source`, a string or a
//! list of strings; nbformat 3: `worksheets[].cells[]` with `input`) and keeps the source of the
//! code cells only: outputs, attachments and metadata are skipped as they are read, never kept.
//! The code cells are joined in order, each on lines of its own, and [`Cells`] records the line
//! each starts at, so the Python front end parses one source and every line it reports turns
//! back into a cell and a line in it (`x = 1` on the second line of the fourth cell, markdown
//! cells counted, is cell 4, line 2).
//!
//! IPython syntax that is not Python is blanked, keeping its line so that numbering holds: line
//! magics (`%pip install x`), shell escapes (`!ls`, `files = !ls`), help (`len?`, `?len`), and
//! the whole of a cell run by a cell magic (`%%bash`, `%%writefile x.py`), except the magics
//! whose body is Python run in the notebook (`%%time`, `%%timeit`, `%%capture`, `%%prun`),
//! where only the magic's line goes. A shell escape is run by the notebook's user, not by a
//! model, so it is no effect. Magic lines are recognised only where a statement starts (not
//! inside brackets, strings or a continued line). A code cell whose code does not end (an
//! unclosed string or bracket) could not run in Jupyter either: it is blanked so that it does
//! not swallow the cells after it, and reported as a syntax error at its first line.
//!
//! It never panics on a bad notebook: invalid JSON, JSON that is not a notebook and a notebook
//! in another kernel language (R, Julia; Python, IPython, Coconut and SageMath kernels are read)
//! are [`NotebookError`]s, which the scan reports as notes. Cells are numbered 1-based among all
//! the notebook's cells, as Jupyter shows them from the top (docs/rules.md, Jupyter notebooks).

use serde::Deserialize;

use crate::facts::Cells;

/// A notebook's code, ready for the Python front end.
#[derive(Debug)]
pub struct Notebook {
    /// The code cells, joined, magics blanked.
    pub source: String,
    pub cells: Cells,
    /// The first line (of `source`) of a cell left out because its code does not end.
    pub broken_line: Option<u32>,
}

/// Why an `.ipynb` file gives no code.
#[derive(Debug, thiserror::Error)]
pub enum NotebookError {
    #[error("not a valid notebook: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a Jupyter notebook (no `cells`)")]
    NoCells,
    #[error("a notebook in {0}, not Python")]
    Language(String),
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    cells: Option<Vec<RawCell>>,
    /// nbformat 3.
    #[serde(default)]
    worksheets: Option<Vec<Worksheet>>,
    #[serde(default)]
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Worksheet {
    #[serde(default)]
    cells: Vec<RawCell>,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    kernelspec: Option<Kernelspec>,
    #[serde(default)]
    language_info: Option<LanguageInfo>,
}

#[derive(Deserialize, Default)]
struct Kernelspec {
    #[serde(default)]
    language: Option<Text>,
}

#[derive(Deserialize, Default)]
struct LanguageInfo {
    #[serde(default)]
    name: Option<Text>,
}

/// A cell. Fields not named here (`outputs`, which can be megabytes of images, `attachments`,
/// `metadata`) are read past and never kept.
#[derive(Deserialize)]
struct RawCell {
    #[serde(default)]
    cell_type: Option<String>,
    #[serde(default)]
    source: Option<Text>,
    /// nbformat 3 code cells.
    #[serde(default)]
    input: Option<Text>,
}

/// A multiline string as nbformat writes it: one string, or a list of lines.
#[derive(Deserialize)]
#[serde(untagged)]
enum Text {
    One(String),
    Lines(Vec<String>),
}

impl Text {
    fn as_string(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Text::One(s) => s.as_str().into(),
            Text::Lines(lines) => lines.concat().into(),
        }
    }
}

/// Cell magics whose body is Python that runs in the notebook.
const PYTHON_CELL_MAGICS: &[&str] = &["time", "timeit", "capture", "prun"];

/// Reads a notebook's JSON text into its code.
pub fn read(json: &str) -> Result<Notebook, NotebookError> {
    // Some editors on Windows start the file with a byte order mark; JSON has none.
    let json = json.strip_prefix('\u{feff}').unwrap_or(json);
    let document: Document = serde_json::from_str(json)?;
    if let Some(language) = document.metadata.as_ref().and_then(kernel_language)
        && !is_python(&language)
    {
        return Err(NotebookError::Language(language));
    }
    let cells: Vec<RawCell> = match (document.cells, document.worksheets) {
        (Some(cells), _) => cells,
        (None, Some(worksheets)) => worksheets.into_iter().flat_map(|w| w.cells).collect(),
        (None, None) => return Err(NotebookError::NoCells),
    };
    let mut notebook = Notebook {
        source: String::new(),
        cells: Cells::default(),
        broken_line: None,
    };
    let mut line = 1u32;
    for (i, cell) in cells.iter().enumerate() {
        if cell.cell_type.as_deref() != Some("code") {
            continue;
        }
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let code = cell.source.as_ref().or(cell.input.as_ref());
        let code = code.map(Text::as_string).unwrap_or_default();
        notebook.cells.push(line, number);
        let start = notebook.source.len();
        let complete = blank_magics(&code, &mut notebook.source);
        if !notebook.source.is_empty() && !notebook.source.ends_with('\n') {
            notebook.source.push('\n');
        }
        if !complete && super::python::parse_tree_only(&notebook.source[start..]) > 0 {
            blank(&mut notebook.source, start);
            notebook.broken_line.get_or_insert(line);
        }
        let added = notebook.source[start..].bytes().filter(|b| *b == b'\n');
        line = line.saturating_add(added.count() as u32);
    }
    Ok(notebook)
}

/// The kernel's language, when the notebook names one.
fn kernel_language(metadata: &Metadata) -> Option<String> {
    let kernel = metadata
        .kernelspec
        .as_ref()
        .and_then(|k| k.language.as_ref());
    let info = metadata
        .language_info
        .as_ref()
        .and_then(|i| i.name.as_ref());
    [kernel, info]
        .into_iter()
        .flatten()
        .find_map(|language| match language {
            Text::One(language) if !language.is_empty() => Some(language.clone()),
            _ => None,
        })
}

/// Kernel languages whose code is Python: `python`, `python3`, IPython, and Python's supersets
/// Coconut and SageMath.
fn is_python(language: &str) -> bool {
    let language = language.to_ascii_lowercase();
    ["python", "ipython", "pyspark"]
        .iter()
        .any(|p| language.starts_with(p))
        || matches!(language.as_str(), "coconut" | "sage" | "sagemath")
}

/// Empties every line of `source` from byte `start` on, keeping the line breaks.
fn blank(source: &mut String, start: usize) {
    let lines = source[start..].bytes().filter(|b| *b == b'\n').count();
    source.truncate(start);
    source.extend(std::iter::repeat_n('\n', lines));
}

/// Where the scan of a cell is at the start of a line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct State {
    /// Open brackets.
    depth: u32,
    /// Inside a string: its quote and whether it is triple-quoted.
    string: Option<(u8, bool)>,
    /// The line before ends with a backslash.
    continued: bool,
}

impl State {
    fn at_statement_start(self) -> bool {
        self == State::default()
    }
}

/// Appends `code` (one cell) to `out` with IPython's own syntax blanked, line for line.
/// Returns whether the cell's code ends (no string, bracket or line left open).
fn blank_magics(code: &str, out: &mut String) -> bool {
    let first = code.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let cell_magic = first.trim_start().strip_prefix("%%").map(|rest| {
        let name = rest.split_whitespace().next().unwrap_or("");
        PYTHON_CELL_MAGICS.contains(&name)
    });
    let mut state = State::default();
    let mut magic_continues = false;
    let mut seen_first = false;
    for line in code.split_inclusive('\n') {
        let (text, end) = split_line_end(line);
        let is_first = !seen_first && !text.trim().is_empty();
        seen_first |= is_first;
        let drop = match cell_magic {
            // A cell magic that is not Python: the whole cell goes.
            Some(false) => true,
            Some(true) if is_first => true,
            _ if magic_continues => true,
            _ => state.at_statement_start() && is_magic(text),
        };
        if drop {
            // A magic line ending in a backslash goes on on the next line.
            magic_continues = text.trim_end().ends_with('\\');
            out.push_str(end);
            continue;
        }
        let before = state;
        let last = scan(text, &mut state);
        if before.at_statement_start() && last == Some(b'?') && state.depth == 0 {
            // `obj?` / `obj??`: help.
            state = before;
            out.push_str(end);
            continue;
        }
        out.push_str(line);
    }
    cell_magic == Some(false) || (state.depth == 0 && state.string.is_none() && !state.continued)
}

/// `line` without and with its line break (`\n` or `\r\n`, or none at the end of a cell).
fn split_line_end(line: &str) -> (&str, &str) {
    if let Some(text) = line.strip_suffix("\r\n") {
        (text, "\r\n")
    } else if let Some(text) = line.strip_suffix('\n') {
        (text, "\n")
    } else {
        (line, "")
    }
}

/// A line that is IPython, not Python, where a statement starts: `%magic`, `!shell`, `?help`,
/// `files = !ls`, `out = %sx ls`.
fn is_magic(text: &str) -> bool {
    let trimmed = text.trim_start();
    if trimmed.starts_with(['%', '!', '?']) {
        return true;
    }
    // `a, b = !cmd`: names, `=` (not `==`), then `!` or `%` (neither can start a Python value).
    let Some(eq) = trimmed.find('=') else {
        return false;
    };
    let (targets, value) = trimmed.split_at(eq);
    let value = &value[1..];
    !targets.trim().is_empty()
        && targets
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b',' | b' ' | b'\t'))
        && !value.starts_with('=')
        && value.trim_start().starts_with(['!', '%'])
}

/// Follows strings, brackets and continuations through one line (without its break). Returns
/// the last byte of code on it outside strings and comments.
fn scan(text: &str, state: &mut State) -> Option<u8> {
    let bytes = text.as_bytes();
    let mut last = None;
    let mut i = 0;
    let mut continued = false;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some((quote, triple)) = state.string {
            if b == b'\\' {
                if i + 1 == bytes.len() {
                    continued = true;
                }
                i += 2;
                continue;
            }
            if b == quote && (!triple || bytes[i..].starts_with(&[quote; 3])) {
                state.string = None;
                i += if triple { 3 } else { 1 };
                last = Some(quote);
                continue;
            }
            i += 1;
            continue;
        }
        match b {
            b'#' => break,
            b'\'' | b'"' => {
                let triple = bytes[i..].starts_with(&[b; 3]);
                state.string = Some((b, triple));
                i += if triple { 3 } else { 1 };
                continue;
            }
            b'(' | b'[' | b'{' => state.depth += 1,
            b')' | b']' | b'}' => state.depth = state.depth.saturating_sub(1),
            b'\\' if i + 1 == bytes.len() => continued = true,
            _ => {}
        }
        if !b.is_ascii_whitespace() {
            last = Some(b);
        }
        i += 1;
    }
    // A one-quote string ends with its line unless the line break is escaped.
    if matches!(state.string, Some((_, false))) && !continued {
        state.string = None;
    }
    state.continued = continued && state.string.is_none();
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notebook(cells: &[(&str, &str)]) -> String {
        let cells: Vec<serde_json::Value> = cells
            .iter()
            .map(|(kind, source)| {
                let lines: Vec<&str> = source.split_inclusive('\n').collect();
                serde_json::json!({
                    "cell_type": kind,
                    "metadata": {},
                    "source": lines,
                    "outputs": [{"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo="}}],
                })
            })
            .collect();
        serde_json::json!({
            "cells": cells,
            "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        })
        .to_string()
    }

    #[test]
    fn code_cells_are_joined_and_lines_map_back_to_cells() {
        let json = notebook(&[
            ("markdown", "# Title\n@tool\ndef x(): os.remove('/')"),
            ("code", "import os\nx = 1"),
            ("raw", "raw text"),
            ("code", ""),
            ("code", "def f():\n    return os.getcwd()\n"),
        ]);
        let nb = read(&json).unwrap();
        assert_eq!(
            nb.source,
            "import os\nx = 1\ndef f():\n    return os.getcwd()\n"
        );
        assert_eq!(nb.cells.locate(1), (2, 1));
        assert_eq!(nb.cells.locate(2), (2, 2));
        assert_eq!(nb.cells.locate(3), (5, 1));
        assert_eq!(nb.cells.locate(4), (5, 2));
        assert_eq!(nb.broken_line, None);
    }

    #[test]
    fn magics_and_shell_escapes_are_blanked_keeping_their_lines() {
        let json = notebook(&[
            (
                "code",
                "%pip install langchain \\\n    openai\n!ls -la\nfiles = !ls\nlen?\n?len\nx = (1\n% 2)\ns = '''\n%not a magic\n'''\ny = a != b\n",
            ),
            ("code", "%%bash\nrm -rf /tmp/x\n"),
            ("code", "%%time\nimport time\n"),
        ]);
        let nb = read(&json).unwrap();
        assert_eq!(
            nb.source,
            "\n\n\n\n\n\nx = (1\n% 2)\ns = '''\n%not a magic\n'''\ny = a != b\n\n\n\nimport time\n"
        );
        assert_eq!(nb.cells.locate(13), (2, 1));
        assert_eq!(nb.cells.locate(16), (3, 2));
    }

    #[test]
    fn a_cell_whose_code_does_not_end_is_left_out_and_reported() {
        let json = notebook(&[
            ("code", "a = 1\n"),
            ("code", "s = \"\"\"never closed\nb = 2\n"),
            ("code", "c = 3\n"),
        ]);
        let nb = read(&json).unwrap();
        assert_eq!(nb.source, "a = 1\n\n\nc = 3\n");
        assert_eq!(nb.broken_line, Some(2));
    }

    #[test]
    fn nbformat_3_worksheets_are_read() {
        let json = r#"{"nbformat": 3, "metadata": {}, "worksheets": [{"cells": [
            {"cell_type": "heading", "level": 1, "source": ["Title"]},
            {"cell_type": "code", "language": "python", "input": ["import os\n", "os.getcwd()"], "outputs": []}
        ]}]}"#;
        let nb = read(json).unwrap();
        assert_eq!(nb.source, "import os\nos.getcwd()\n");
        let with_bom = format!("\u{feff}{json}");
        assert_eq!(read(&with_bom).unwrap().source, nb.source);
        assert_eq!(nb.cells.locate(2), (2, 2));
    }

    #[test]
    fn bad_notebooks_are_errors_not_panics() {
        assert!(matches!(read("{ not json"), Err(NotebookError::Json(_))));
        assert!(matches!(read("[1, 2]"), Err(NotebookError::Json(_))));
        assert!(matches!(read(r#"{"a": 1}"#), Err(NotebookError::NoCells)));
        assert!(matches!(
            read(r#"{"cells": [{"cell_type": "code", "source": 3}]}"#),
            Err(NotebookError::Json(_))
        ));
        assert!(matches!(
            read(r#"{"cells": [], "metadata": {"kernelspec": {"language": "R"}}}"#),
            Err(NotebookError::Language(l)) if l == "R"
        ));
        let coconut = r#"{"cells": [], "metadata": {"kernelspec": {"language": "coconut"}}}"#;
        assert!(read(coconut).is_ok());
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(read(&deep).is_err());
        assert!(read("").is_err());
    }
}

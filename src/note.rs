//! Notes: things the user should know about a scan that did not stop it (skipped files,
//! syntax errors, registrations whose code could not be found).

use crate::facts::FileFacts;
use crate::model::At;

/// One note, located at a file and optionally a line (in a notebook, a cell and a line in it).
/// Notes sort by file, then place, then message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    pub path: String,
    pub cell: Option<u32>,
    pub line: Option<u32>,
    pub message: String,
}

impl Note {
    /// A note about a whole file.
    pub fn file(path: impl Into<String>, message: impl Into<String>) -> Note {
        Note {
            path: path.into(),
            cell: None,
            line: None,
            message: message.into(),
        }
    }

    /// A note at line `line` of the facts `facts` (in a notebook, a line of its joined cells).
    pub fn at_line(facts: &FileFacts, line: u32, message: impl Into<String>) -> Note {
        let (cell, line) = facts.place(line);
        Note {
            path: facts.path.clone(),
            cell,
            line: Some(line),
            message: message.into(),
        }
    }

    /// `path`, `path:line` or `path:cell N:line`.
    pub fn place(&self) -> String {
        match self.line {
            Some(line) => At {
                file: &self.path,
                cell: self.cell,
                line,
            }
            .to_string(),
            None => self.path.clone(),
        }
    }
}

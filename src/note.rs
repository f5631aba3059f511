//! Notes: things the user should know about a scan that did not stop it (skipped files,
//! syntax errors, registrations whose code could not be found).

/// One note, located at a file and optionally a line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    pub path: String,
    pub line: Option<u32>,
    pub message: String,
}

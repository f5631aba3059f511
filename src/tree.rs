//! Where a scan reads its files: the directory on disk, or the tree of a git revision
//! ([`crate::git::GitTree`]). Everything after the walk reads through this, so both give the
//! same facts for the same content.

use std::path::{Path, PathBuf};

use crate::walk::{self, Skipped, SourceFile, WalkError, WalkOptions};

/// A tree of files addressed by POSIX paths relative to the scan root.
pub trait SourceTree: Sync {
    /// The source files to scan, sorted by path, and the files left out with the reason.
    fn walk(&self, options: &WalkOptions) -> Result<(Vec<SourceFile>, Vec<Skipped>), WalkError>;
    /// The bytes of the file at `rel`.
    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>>;
    /// The names of the files directly in the directory `dir` (`""` is the root), sorted.
    fn file_names(&self, dir: &str) -> Vec<String>;
    /// The dotted Python package the scan root itself belongs to (see
    /// [`crate::lang::python_package_prefix`]).
    fn python_package_prefix(&self) -> String;

    /// The file at `rel` as text, when it exists and is UTF-8.
    fn read_text(&self, rel: &str) -> Option<String> {
        String::from_utf8(self.read(rel).ok()?).ok()
    }
}

/// The directory on disk.
pub struct Disk {
    root: PathBuf,
}

impl Disk {
    pub fn new(root: &Path) -> Self {
        Disk {
            root: root.to_path_buf(),
        }
    }
}

impl SourceTree for Disk {
    fn walk(&self, options: &WalkOptions) -> Result<(Vec<SourceFile>, Vec<Skipped>), WalkError> {
        walk::walk(&self.root, options)
    }

    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.root.join(rel))
    }

    fn file_names(&self, dir: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.root.join(dir)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn python_package_prefix(&self) -> String {
        crate::lang::python_package_prefix(&self.root)
    }
}

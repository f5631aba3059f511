//! A git revision as a [`SourceTree`]: files are read straight from the object database, so
//! `diff --base REF` needs no checkout and leaves the working tree and index alone.
//!
//! The walk applies the same rules as the walk on disk ([`crate::walk`]): include/exclude
//! globs, `.gitignore` and `.ignore` files (those committed at the revision), hidden files,
//! the default skipped directories, the size limit and the CommonJS twins. Global excludes
//! and `.git/info/exclude` are not part of a revision and are not read.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::overrides::{Override, OverrideBuilder};

use crate::lang::language_of;
use crate::tree::SourceTree;
use crate::walk::{self, Skipped, SourceFile, WalkError, WalkOptions};

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("`{0}` is not inside a git repository (`--base` reads the revision from git)")]
    NotARepository(String),
    #[error("the repository at `{0}` has no working tree to compare with")]
    Bare(String),
    #[error(
        "unknown revision `{rev}`: {message}{hint}",
        hint = if *.shallow {
            " (this is a shallow clone; fetch the base first, e.g. `git fetch --depth=1 origin main` or actions/checkout with fetch-depth: 0)"
        } else {
            ""
        }
    )]
    Revision {
        rev: String,
        message: String,
        shallow: bool,
    },
    #[error("cannot read revision `{rev}`: {message}")]
    Read { rev: String, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Link,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    oid: Oid,
    kind: Kind,
}

/// The files of one revision under the scan root.
pub struct GitTree {
    repo: Mutex<Repository>,
    /// Files and links by path relative to the scan root.
    files: BTreeMap<String, Entry>,
    /// The scan root relative to the repository root (`""`, or `a/b/`).
    prefix: String,
    /// Directories under the scan root (relative to it) holding an `.ignore` or `.gitignore`,
    /// with their matchers in the order they take precedence.
    ignores: BTreeMap<String, Vec<Gitignore>>,
    /// The same for the directories above the scan root (relative to the repository root),
    /// deepest first.
    ignores_above: Vec<(String, Vec<Gitignore>)>,
    python_prefix: String,
}

impl GitTree {
    /// Opens the repository holding `path` and the tree of `rev` under `path`.
    pub fn open(path: &Path, rev: &str) -> Result<GitTree, GitError> {
        let repo = Repository::discover(path)
            .map_err(|_| GitError::NotARepository(path.display().to_string()))?;
        let workdir = repo
            .workdir()
            .ok_or_else(|| GitError::Bare(path.display().to_string()))?
            .to_path_buf();
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let (workdir, scan_root) = (canonical(&workdir), canonical(path));
        let prefix = match scan_root.strip_prefix(&workdir) {
            Ok(rel) if rel.as_os_str().is_empty() => String::new(),
            Ok(rel) => format!("{}/", walk::relative(rel, Path::new(""))),
            Err(_) => return Err(GitError::NotARepository(path.display().to_string())),
        };
        let read_error = |e: git2::Error| GitError::Read {
            rev: rev.to_string(),
            message: e.message().to_string(),
        };
        let tree = repo
            .revparse_single(rev)
            .and_then(|object| object.peel_to_tree())
            .map_err(|e| GitError::Revision {
                rev: rev.to_string(),
                message: e.message().to_string(),
                shallow: repo.is_shallow(),
            })?;

        // Every blob of the revision, by its path from the repository root.
        let mut all: BTreeMap<String, Entry> = BTreeMap::new();
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            let kind = match (entry.kind(), entry.filemode()) {
                (Some(ObjectType::Blob), 0o120000) => Kind::Link,
                (Some(ObjectType::Blob), _) => Kind::File,
                // Submodules are other repositories; trees are descended into.
                _ => return TreeWalkResult::Ok,
            };
            let name = String::from_utf8_lossy(entry.name_bytes());
            all.insert(
                format!("{dir}{name}"),
                Entry {
                    oid: entry.id(),
                    kind,
                },
            );
            TreeWalkResult::Ok
        })
        .map_err(read_error)?;
        drop(tree);

        let python_prefix = python_prefix(&all, &prefix, &workdir);
        let mut ignores: BTreeMap<String, Vec<Gitignore>> = BTreeMap::new();
        let mut ignores_above: BTreeMap<String, Vec<Gitignore>> = BTreeMap::new();
        for name in [".ignore", ".gitignore"] {
            for (path, entry) in &all {
                let (dir, file) = split(path);
                if file != name || entry.kind != Kind::File {
                    continue;
                }
                // Ignore files above the scan root apply too, as they do on disk.
                let target = if let Some(below) = dir.strip_prefix(&prefix) {
                    ignores.entry(below.trim_end_matches('/').to_string())
                } else if prefix.starts_with(dir) {
                    ignores_above.entry(dir.to_string())
                } else {
                    continue;
                };
                let blob = repo.find_blob(entry.oid).map_err(read_error)?;
                let mut builder = GitignoreBuilder::new(".");
                for line in String::from_utf8_lossy(blob.content()).lines() {
                    // A malformed line is skipped, as git does.
                    let _ = builder.add_line(None, line);
                }
                if let Ok(matcher) = builder.build() {
                    target.or_default().push(matcher);
                }
            }
        }
        let files = all
            .into_iter()
            .filter_map(|(path, entry)| Some((path.strip_prefix(&prefix)?.to_string(), entry)))
            .collect();
        Ok(GitTree {
            repo: Mutex::new(repo),
            files,
            prefix,
            ignores,
            // Deepest first: a longer path is a deeper directory here.
            ignores_above: ignores_above.into_iter().rev().collect(),
            python_prefix,
        })
    }

    fn blob_size(&self, entry: &Entry) -> u64 {
        let repo = self.repo.lock().expect("not poisoned");
        repo.odb()
            .and_then(|odb| odb.read_header(entry.oid))
            .map_or(0, |(size, _)| size as u64)
    }

    fn is_file(&self, rel: &str) -> bool {
        self.files.get(rel).is_some_and(|e| e.kind == Kind::File)
    }

    /// What the `.ignore`/`.gitignore` files say of `rel`: `Some(true)` ignored, `Some(false)`
    /// whitelisted, `None` nothing. The deepest file with an opinion decides, as on disk.
    fn gitignored(&self, rel: &str, is_dir: bool) -> Option<bool> {
        let decide = |matchers: &[Gitignore], path: &str| {
            matchers.iter().find_map(|m| match m.matched(path, is_dir) {
                Match::Ignore(_) => Some(true),
                Match::Whitelist(_) => Some(false),
                Match::None => None,
            })
        };
        let mut dir = rel;
        while !dir.is_empty() {
            dir = split(dir).0.trim_end_matches('/');
            let below = rel[dir.len()..].trim_start_matches('/');
            if let Some(matchers) = self.ignores.get(dir)
                && let Some(verdict) = decide(matchers, below)
            {
                return Some(verdict);
            }
        }
        // Ignore files above the scan root see the path from their own directory.
        self.ignores_above.iter().find_map(|(above, matchers)| {
            decide(matchers, &format!("{}{rel}", &self.prefix[above.len()..]))
        })
    }

    /// Whether the walk leaves out `rel` (a file, or a directory on the way to one).
    fn left_out(&self, overrides: &Override, rel: &str, is_dir: bool) -> bool {
        match overrides.matched(rel, is_dir) {
            Match::Ignore(_) => return true,
            Match::Whitelist(_) => return false,
            Match::None => {}
        }
        self.gitignored(rel, is_dir)
            .unwrap_or_else(|| split(rel).1.starts_with('.'))
    }

    fn skips_dir(&self, dir: &str) -> bool {
        let name = split(dir).1;
        walk::skips_dir(
            name,
            || self.is_file(&format!("{dir}/pyvenv.cfg")),
            || {
                let parent = split(dir).0;
                let src = format!("{parent}src/");
                self.is_file(&format!("{parent}package.json"))
                    && !self
                        .files
                        .range(src.clone()..)
                        .take_while(|(p, _)| p.starts_with(&src))
                        .any(|(p, _)| language_of(p).is_some())
            },
        )
    }
}

impl SourceTree for GitTree {
    fn walk(&self, options: &WalkOptions) -> Result<(Vec<SourceFile>, Vec<Skipped>), WalkError> {
        let overrides = overrides(options)?;
        let mut dirs: BTreeMap<&str, bool> = BTreeMap::new();
        let mut files = Vec::new();
        let mut skipped = Vec::new();
        'files: for (rel, entry) in &self.files {
            let Some(language) = language_of(rel) else {
                continue;
            };
            // Each directory on the way is judged once, top down, as the walk on disk does.
            let mut end = 0;
            while let Some(slash) = rel[end..].find('/') {
                end += slash;
                let dir = &rel[..end];
                let kept = *dirs.entry(dir).or_insert_with(|| {
                    !self.left_out(&overrides, dir, true) && !self.skips_dir(dir)
                });
                if !kept {
                    continue 'files;
                }
                end += 1;
            }
            if self.left_out(&overrides, rel, false) {
                continue;
            }
            if entry.kind == Kind::Link {
                skipped.push(Skipped {
                    path: rel.clone(),
                    reason: "symbolic link, not followed".into(),
                });
                continue;
            }
            if let Some(too_large) =
                walk::too_large(rel, self.blob_size(entry), options.max_file_size)
            {
                skipped.push(too_large);
                continue;
            }
            files.push(SourceFile {
                rel: rel.clone(),
                language,
            });
        }
        walk::drop_commonjs_twins(&mut files);
        Ok((files, skipped))
    }

    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        let not_found = || std::io::Error::new(std::io::ErrorKind::NotFound, rel.to_string());
        let entry = self
            .files
            .get(rel)
            .filter(|e| e.kind == Kind::File)
            .ok_or_else(not_found)?;
        let repo = self.repo.lock().expect("not poisoned");
        let blob = repo
            .find_blob(entry.oid)
            .map_err(|e| std::io::Error::other(e.message().to_string()))?;
        Ok(blob.content().to_vec())
    }

    fn file_names(&self, dir: &str) -> Vec<String> {
        let start = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.files
            .range(start.clone()..)
            .take_while(|(p, _)| p.starts_with(&start))
            .filter(|(p, e)| e.kind == Kind::File && !p[start.len()..].contains('/'))
            .map(|(p, _)| p[start.len()..].to_string())
            .collect()
    }

    fn python_package_prefix(&self) -> String {
        self.python_prefix.clone()
    }
}

/// The include/exclude globs as the walk on disk builds them.
fn overrides(options: &WalkOptions) -> Result<Override, WalkError> {
    let glob_error = |glob: &str, e: ignore::Error| WalkError::Glob {
        glob: glob.to_string(),
        message: e.to_string(),
    };
    let mut builder = OverrideBuilder::new(".");
    for glob in &options.include {
        builder.add(glob).map_err(|e| glob_error(glob, e))?;
    }
    for glob in &options.exclude {
        builder
            .add(&format!("!{glob}"))
            .map_err(|e| glob_error(glob, e))?;
    }
    builder.build().map_err(|e| glob_error("", e))
}

/// `a/b/c.py` → (`a/b/`, `c.py`); `c.py` → (``, `c.py`).
fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => ("", path),
    }
}

/// The dotted Python package the scan root belongs to, as on disk: the names of the root and
/// its ancestors for as long as they hold an `__init__.py` at the revision.
fn python_prefix(all: &BTreeMap<String, Entry>, prefix: &str, workdir: &Path) -> String {
    let has_init = |dir: &str| all.contains_key(&format!("{dir}__init__.py"));
    let mut names = Vec::new();
    let mut dir = prefix;
    while !dir.is_empty() && has_init(dir) {
        let trimmed = dir.trim_end_matches('/');
        let (parent, name) = split(trimmed);
        names.push(name.to_string());
        dir = parent;
    }
    if dir.is_empty() && has_init("") {
        // The repository root is a package itself: its own name and those above it come
        // from the disk.
        let above = crate::lang::python_package_prefix(workdir);
        if !above.is_empty() {
            names.push(above);
        }
    }
    names.reverse();
    names.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_relative_dirs() {
        assert_eq!(split("a/b/c.py"), ("a/b/", "c.py"));
        assert_eq!(split("c.py"), ("", "c.py"));
    }
}

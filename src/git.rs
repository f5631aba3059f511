//! A git revision as a [`SourceTree`]: files are read straight from the object database, so
//! `diff --base REF` needs no checkout and leaves the working tree and index alone.
//!
//! The walk applies the same rules as the walk on disk ([`crate::walk`]): include/exclude
//! globs, the `.ignore` and `.gitignore` files committed at the revision (in the same order of
//! precedence), `.git/info/exclude` and the global excludes (not part of a revision, but the
//! walk on disk applies them), hidden files, the default skipped directories, the size limit
//! and the CommonJS twins. Submodules are read from their checkouts at the commit the revision
//! records.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::overrides::Override;

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
    /// Index into [`GitTree::repos`]: the repository, or a submodule, holding the blob.
    repo: usize,
}

/// The files of one revision under the scan root.
pub struct GitTree {
    /// The repository, then the submodules checked out in it; each is read by one thread at a
    /// time (a libgit2 repository is not `Sync`).
    repos: Vec<Mutex<Repository>>,
    /// Files and links by path relative to the scan root.
    files: BTreeMap<String, Entry>,
    /// The scan root relative to the repository root (`""`, or `a/b/`).
    prefix: String,
    /// `.ignore` and `.gitignore` matchers by the directory holding them, from the repository
    /// root (`""`, or `a/b/`).
    dot_ignores: BTreeMap<String, Gitignore>,
    git_ignores: BTreeMap<String, Gitignore>,
    /// Where submodules start (from the repository root): the `.gitignore` files of the
    /// repository around one do not apply inside it.
    submodule_roots: BTreeSet<String>,
    /// `.git/info/exclude` and the user's `core.excludesFile`: they are not part of a revision,
    /// but the walk on disk applies them, so the revision's walk does too.
    excludes: Vec<Gitignore>,
    /// Submodules whose recorded commit is not in their checkout.
    missing: Vec<Skipped>,
    python_prefix: String,
}

/// The blobs of a tree, by path from the repository root, with the submodules it records.
struct Collected {
    all: BTreeMap<String, Entry>,
    submodule_roots: BTreeSet<String>,
    missing: Vec<Skipped>,
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
            })?
            .id();
        let mut excludes = Vec::new();
        let mut builder = GitignoreBuilder::new(".");
        if builder.add(repo.path().join("info/exclude")).is_none()
            && let Ok(matcher) = builder.build()
        {
            excludes.push(matcher);
        }
        excludes.push(GitignoreBuilder::new(".").build_global().0);

        let mut repos = vec![Mutex::new(repo)];
        let mut collected = Collected {
            all: BTreeMap::new(),
            submodule_roots: BTreeSet::new(),
            missing: Vec::new(),
        };
        collect(&mut repos, 0, tree, "", &mut collected).map_err(read_error)?;
        let Collected {
            all,
            submodule_roots,
            missing,
        } = collected;

        let python_prefix = python_prefix(&all, &prefix, &workdir);
        let mut dot_ignores = BTreeMap::new();
        let mut git_ignores = BTreeMap::new();
        for (path, entry) in &all {
            let (dir, file) = split(path);
            let target = match file {
                ".ignore" => &mut dot_ignores,
                ".gitignore" => &mut git_ignores,
                _ => continue,
            };
            // Only the directories on the way to the scan root and below it matter.
            if entry.kind != Kind::File || !(dir.starts_with(&prefix) || prefix.starts_with(dir)) {
                continue;
            }
            let repo = repos[entry.repo].lock().expect("not poisoned");
            let blob = repo.find_blob(entry.oid).map_err(read_error)?;
            let mut builder = GitignoreBuilder::new(".");
            for line in String::from_utf8_lossy(blob.content()).lines() {
                // A malformed line is skipped, as git does.
                let _ = builder.add_line(None, line);
            }
            if let Ok(matcher) = builder.build() {
                target.insert(dir.to_string(), matcher);
            }
        }
        let files = all
            .into_iter()
            .filter_map(|(path, entry)| Some((path.strip_prefix(&prefix)?.to_string(), entry)))
            .collect();
        let missing = missing
            .into_iter()
            .filter_map(|s| {
                Some(Skipped {
                    path: s.path.strip_prefix(&prefix)?.to_string(),
                    reason: s.reason,
                })
            })
            .collect();
        Ok(GitTree {
            repos,
            files,
            prefix,
            dot_ignores,
            git_ignores,
            submodule_roots,
            excludes,
            missing,
            python_prefix,
        })
    }

    fn blob_size(&self, entry: &Entry) -> u64 {
        let repo = self.repos[entry.repo].lock().expect("not poisoned");
        repo.odb()
            .and_then(|odb| odb.read_header(entry.oid))
            .map_or(0, |(size, _)| size as u64)
    }

    fn is_file(&self, rel: &str) -> bool {
        self.files.get(rel).is_some_and(|e| e.kind == Kind::File)
    }

    /// What the ignore files say of `rel`: `Some(true)` ignored, `Some(false)` whitelisted,
    /// `None` nothing. As on disk: the `.ignore` files decide first, deepest first; then the
    /// `.gitignore` files up to the repository (or submodule) the path is in; then
    /// `.git/info/exclude` (outside submodules) and the global excludes.
    fn gitignored(&self, rel: &str, is_dir: bool) -> Option<bool> {
        let path = format!("{}{rel}", self.prefix);
        let decide =
            |matcher: &Gitignore, dir: &str| match matcher.matched(&path[dir.len()..], is_dir) {
                Match::Ignore(_) => Some(true),
                Match::Whitelist(_) => Some(false),
                Match::None => None,
            };
        // The directories holding `path`, deepest first, as `a/b/`, `a/`, ``.
        let dirs: Vec<&str> = path
            .match_indices('/')
            .map(|(i, _)| &path[..=i])
            .rev()
            .chain([""])
            .collect();
        let in_submodule = dirs.iter().any(|d| self.submodule_roots.contains(*d));
        let dot = dirs
            .iter()
            .find_map(|d| self.dot_ignores.get(*d).and_then(|m| decide(m, d)));
        let git = || {
            let mut verdict = None;
            for dir in &dirs {
                verdict = self.git_ignores.get(*dir).and_then(|m| decide(m, dir));
                if verdict.is_some() || self.submodule_roots.contains(*dir) {
                    break;
                }
            }
            verdict
        };
        let excludes = || {
            let excludes = if in_submodule {
                &self.excludes[self.excludes.len() - 1..]
            } else {
                &self.excludes[..]
            };
            excludes.iter().find_map(|m| decide(m, ""))
        };
        dot.or_else(git).or_else(excludes)
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
        // Paths are matched relative to the scan root, as given.
        let overrides = walk::overrides(Path::new("."), options)?;
        let mut dirs: BTreeMap<&str, bool> = BTreeMap::new();
        let mut files = Vec::new();
        let mut skipped = self.missing.clone();
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
        let repo = self.repos[entry.repo].lock().expect("not poisoned");
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

/// Adds the blobs of `tree` (in `repos[index]`) under `base` to `out`, and those of the
/// submodules it records, read from their checkouts at the recorded commit.
fn collect(
    repos: &mut Vec<Mutex<Repository>>,
    index: usize,
    tree: Oid,
    base: &str,
    out: &mut Collected,
) -> Result<(), git2::Error> {
    let mut submodules: Vec<(String, Oid)> = Vec::new();
    {
        let repo = repos[index].lock().expect("not poisoned");
        repo.find_tree(tree)?
            .walk(TreeWalkMode::PreOrder, |dir, entry| {
                let name = String::from_utf8_lossy(entry.name_bytes());
                let kind = match (entry.kind(), entry.filemode()) {
                    (Some(ObjectType::Blob), 0o120000) => Kind::Link,
                    (Some(ObjectType::Blob), _) => Kind::File,
                    (Some(ObjectType::Commit), _) => {
                        submodules.push((format!("{dir}{name}"), entry.id()));
                        return TreeWalkResult::Ok;
                    }
                    // Trees are descended into.
                    _ => return TreeWalkResult::Ok,
                };
                out.all.insert(
                    format!("{base}{dir}{name}"),
                    Entry {
                        oid: entry.id(),
                        kind,
                        repo: index,
                    },
                );
                TreeWalkResult::Ok
            })?;
    }
    for (path, commit) in submodules {
        let full = format!("{base}{path}");
        // Not checked out: the directory on disk is empty too.
        let opened = {
            let repo = repos[index].lock().expect("not poisoned");
            repo.find_submodule(&path).and_then(|s| s.open())
        };
        let Ok(submodule) = opened else {
            continue;
        };
        let tree = match submodule.find_commit(commit).and_then(|c| c.tree()) {
            Ok(tree) => tree.id(),
            Err(_) => {
                out.missing.push(Skipped {
                    path: full,
                    reason: format!("submodule commit {commit} is not in its checkout"),
                });
                continue;
            }
        };
        out.submodule_roots.insert(format!("{full}/"));
        repos.push(Mutex::new(submodule));
        collect(repos, repos.len() - 1, tree, &format!("{full}/"), out)?;
    }
    Ok(())
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

//! Finding the source files to scan: parallel, gitignore-aware, deterministic.

use std::path::Path;
use std::sync::Mutex;

use ignore::overrides::{Override, OverrideBuilder};
use ignore::{WalkBuilder, WalkState};

use crate::facts::Language;
use crate::lang::language_of;

/// Directories never worth scanning: dependencies, caches and build output. Agents often live in
/// `examples/`, `scripts/` and `samples/`, which are scanned. `dist` and `build` are scanned in a
/// published JavaScript package (a `package.json` beside them and no source code in `src/`),
/// where they are the only code there is.
pub const DEFAULT_SKIP_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "site-packages",
    "node_modules",
    "__pycache__",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "target",
    "dist",
    "build",
];

/// Files larger than this are skipped (with a note) unless configured otherwise.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

/// A notebook may be this many times the size limit: its outputs (images, tables, logs) make up
/// most of it, and they are read past, not scanned.
pub const NOTEBOOK_SIZE_FACTOR: u64 = 16;

#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// When non-empty, only files matching one of these globs are scanned.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub max_file_size: u64,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            include: Vec::new(),
            exclude: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// A file to parse.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceFile {
    /// Relative POSIX path from the scan root.
    pub rel: String,
    pub language: Language,
}

/// A file that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("invalid glob `{glob}`: {message}")]
    Glob { glob: String, message: String },
}

/// Lists the source files under `root`, sorted by relative path.
pub fn walk(
    root: &Path,
    options: &WalkOptions,
) -> Result<(Vec<SourceFile>, Vec<Skipped>), WalkError> {
    let overrides = overrides(root, options)?;

    let files = Mutex::new(Vec::new());
    let skipped = Mutex::new(Vec::new());
    let max_size = options.max_file_size;
    WalkBuilder::new(root)
        .overrides(overrides)
        // Links are never followed: a link could lead out of the scanned tree or into a loop.
        .follow_links(false)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if !is_dir || entry.depth() == 0 {
                return true;
            }
            let name = entry.file_name().to_string_lossy();
            !skips_dir(
                &name,
                || entry.path().join("pyvenv.cfg").exists(),
                || is_published_package_output(entry.path()),
            )
        })
        .build_parallel()
        .run(|| {
            Box::new(|result| {
                let entry = match result {
                    Ok(entry) => entry,
                    Err(err) => {
                        let path = error_path(&err, root);
                        skipped.lock().expect("not poisoned").push(Skipped {
                            path,
                            reason: format!("cannot read: {}", error_message(&err)),
                        });
                        return WalkState::Continue;
                    }
                };
                let Some(file_type) = entry.file_type() else {
                    return WalkState::Continue;
                };
                let rel = relative(entry.path(), root);
                let Some(language) = language_of(&rel) else {
                    return WalkState::Continue;
                };
                if file_type.is_symlink() {
                    skipped.lock().expect("not poisoned").push(Skipped {
                        path: rel,
                        reason: "symbolic link, not followed".into(),
                    });
                    return WalkState::Continue;
                }
                if !file_type.is_file() {
                    return WalkState::Continue;
                }
                if let Ok(meta) = entry.metadata()
                    && let Some(too_large) = too_large(&rel, meta.len(), max_size)
                {
                    skipped.lock().expect("not poisoned").push(too_large);
                    return WalkState::Continue;
                }
                files
                    .lock()
                    .expect("not poisoned")
                    .push(SourceFile { rel, language });
                WalkState::Continue
            })
        });
    let mut files = files.into_inner().expect("not poisoned");
    let mut skipped = skipped.into_inner().expect("not poisoned");
    files.sort();
    drop_commonjs_twins(&mut files);
    skipped.sort();
    Ok((files, skipped))
}

/// The include (whitelist) and exclude globs of `options`, relative to `root`.
pub(crate) fn overrides(root: &Path, options: &WalkOptions) -> Result<Override, WalkError> {
    let glob_error = |glob: &str, e: ignore::Error| WalkError::Glob {
        glob: glob.to_string(),
        message: e.to_string(),
    };
    let mut builder = OverrideBuilder::new(root);
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

/// Whether the walk leaves out a directory named `name`: [`DEFAULT_SKIP_DIRS`] (except the
/// output of a published package) and virtual environments (holding a `pyvenv.cfg`).
pub(crate) fn skips_dir(
    name: &str,
    is_venv: impl FnOnce() -> bool,
    is_published_output: impl FnOnce() -> bool,
) -> bool {
    if matches!(name, "dist" | "build") && is_published_output() {
        return false;
    }
    DEFAULT_SKIP_DIRS.contains(&name) || is_venv()
}

/// The note for a file over the size limit ([`NOTEBOOK_SIZE_FACTOR`] times it for a notebook).
pub(crate) fn too_large(rel: &str, len: u64, max: u64) -> Option<Skipped> {
    let max = if crate::lang::is_notebook(rel) {
        max.saturating_mul(NOTEBOOK_SIZE_FACTOR)
    } else {
        max
    };
    (len > max).then(|| Skipped {
        path: rel.to_string(),
        reason: format!("larger than the size limit ({len} > {max} bytes)"),
    })
}

/// Whether `dir` (a `dist` or `build` directory) is the code of a published JavaScript package
/// rather than the build output of sources in the same tree.
fn is_published_package_output(dir: &Path) -> bool {
    dir.parent().is_some_and(|parent| {
        parent.join("package.json").is_file() && !holds_code(&parent.join("src"))
    })
}

/// Whether `dir` holds a file agent-audit would scan (type declarations do not count).
fn holds_code(dir: &Path) -> bool {
    dir.is_dir()
        && WalkBuilder::new(dir)
            .max_depth(Some(8))
            .build()
            .flatten()
            .any(|entry| {
                entry.file_type().is_some_and(|t| t.is_file())
                    && language_of(&entry.path().to_string_lossy()).is_some()
            })
}

/// Dual-format packages ship each module twice, `x.js` and `x.cjs`, or `x.mjs` and `x.js`; the
/// CommonJS copy (`x.cjs`, or `x.js` beside `x.mjs`) is left out so that each tool is found once.
/// Bundlers name chunks by hash (`agent-B0HT.cjs` beside `agent-BOxK.js`), so in a directory
/// where one such pair shows a dual build every `.cjs` goes.
pub(crate) fn drop_commonjs_twins(files: &mut Vec<SourceFile>) {
    let paths: std::collections::HashSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    let has_twin = |rel: &str, ext: &str, other: &str| {
        rel.strip_suffix(ext)
            .is_some_and(|stem| paths.contains(format!("{stem}{other}").as_str()))
    };
    let dir = |rel: &str| rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
    let dual_dirs: std::collections::HashSet<String> = files
        .iter()
        .filter(|f| has_twin(&f.rel, ".cjs", ".js"))
        .map(|f| dir(&f.rel))
        .collect();
    let keep: Vec<bool> = files
        .iter()
        .map(|f| {
            let cjs = f.rel.ends_with(".cjs") && dual_dirs.contains(&dir(&f.rel));
            !cjs && !has_twin(&f.rel, ".js", ".mjs")
        })
        .collect();
    let mut keep = keep.into_iter();
    files.retain(|_| keep.next().unwrap_or(true));
}

/// `root/a/b.py` → `a/b.py`, with `/` separators on every platform.
pub fn relative(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn error_path(err: &ignore::Error, root: &Path) -> String {
    match err {
        ignore::Error::WithPath { path, .. } => relative(path, root),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err, root)
        }
        _ => String::from("?"),
    }
}

fn error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => error_message(err),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "export const x = 1;\n").unwrap();
    }

    fn walked(root: &Path) -> Vec<String> {
        let (files, _) = walk(root, &WalkOptions::default()).unwrap();
        files.into_iter().map(|f| f.rel).collect()
    }

    #[test]
    fn published_packages_keep_their_dist_and_drop_commonjs_copies() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // A published package: dist is its code; `src/` holds only type declarations.
        write(root, "pkg/package.json");
        write(root, "pkg/src/types.d.ts");
        for rel in [
            "index.js",
            "index.cjs",
            "chunk-AB12.js",
            "chunk-CD34.cjs",
            "esm.mjs",
            "esm.js",
        ] {
            write(root, &format!("pkg/dist/{rel}"));
        }
        // A project with sources: its dist is build output.
        write(root, "app/package.json");
        write(root, "app/src/main.ts");
        write(root, "app/dist/main.js");
        // `.d.ts` is never scanned.
        write(root, "app/src/types.d.ts");
        assert_eq!(
            walked(root),
            vec![
                "app/src/main.ts",
                "pkg/dist/chunk-AB12.js",
                "pkg/dist/esm.mjs",
                "pkg/dist/index.js",
            ]
        );
    }
}

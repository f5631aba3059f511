//! Module aliases from `tsconfig.json` / `jsconfig.json`: `compilerOptions.baseUrl` and
//! `compilerOptions.paths`, so that `import { db } from "@/lib/db"` lands on `src/lib/db.ts`.
//!
//! Each config applies to the files under its directory; the nearest one wins. `extends` is
//! not followed.
//!
//! Workspace packages too: a `package.json` with a `name` in the tree makes that name (and
//! `name/sub/path`) import the package's source, as a monorepo's package manager links it
//! (`@supabase/mcp-utils` → `packages/mcp-utils/src/index.ts`). The entry is `src/index`, then
//! `index`, then `main`/`module`/`types` with a `dist/` or `build/` prefix read as `src/`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::tree::SourceTree;
use crate::walk::SourceFile;

const CONFIG_NAMES: [&str; 2] = ["tsconfig.json", "jsconfig.json"];

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(rename = "compilerOptions", default)]
    compiler_options: CompilerOptions,
}

#[derive(Debug, Default, Deserialize)]
struct CompilerOptions {
    #[serde(rename = "baseUrl", default)]
    base_url: Option<String>,
    #[serde(default)]
    paths: BTreeMap<String, Vec<String>>,
}

/// One config: the directory it governs, the base its targets are relative to, its `paths`.
#[derive(Debug, Clone, PartialEq)]
struct AliasConfig {
    dir: String,
    base: String,
    has_base_url: bool,
    paths: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Default, Deserialize)]
struct PackageFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    main: Option<String>,
    #[serde(default)]
    module: Option<String>,
    #[serde(default)]
    types: Option<String>,
}

/// A package of the tree by name: its directory and the entry candidates it declares.
#[derive(Debug, Clone, PartialEq)]
struct WorkspacePackage {
    name: String,
    dir: String,
    entries: Vec<String>,
}

/// Every alias config found next to the scanned JavaScript and TypeScript files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModuleAliases {
    /// Sorted by directory, deepest last.
    configs: Vec<AliasConfig>,
    /// Sorted by name; a name two packages claim is dropped.
    packages: Vec<WorkspacePackage>,
}

/// A config that could not be read, for a warning.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigProblem {
    pub path: String,
    pub message: String,
}

impl ModuleAliases {
    /// Reads the configs in the directories of `sources` (and their ancestors up to `root`).
    pub fn discover(tree: &dyn SourceTree, sources: &[SourceFile]) -> (Self, Vec<ConfigProblem>) {
        let dirs = dirs_with_ancestors(sources);
        let mut configs = Vec::new();
        let mut problems = Vec::new();
        for dir in dirs {
            // A tsconfig.json beside a jsconfig.json wins.
            let Some((name, text)) = CONFIG_NAMES
                .iter()
                .find_map(|name| tree.read_text(&join(&dir, name)).map(|t| (*name, t)))
            else {
                continue;
            };
            let rel = join(&dir, name);
            match jsonc_parser::parse_to_serde_value::<Option<ConfigFile>>(
                &text,
                &Default::default(),
            ) {
                Ok(Some(file)) => {
                    let options = file.compiler_options;
                    if options.base_url.is_none() && options.paths.is_empty() {
                        continue;
                    }
                    let base = match &options.base_url {
                        Some(base) => normalize(&join(&dir, base)),
                        None => dir.clone(),
                    };
                    configs.push(AliasConfig {
                        dir,
                        base,
                        has_base_url: options.base_url.is_some(),
                        paths: options.paths.into_iter().collect(),
                    });
                }
                Ok(None) => {}
                Err(err) => problems.push(ConfigProblem {
                    path: rel,
                    message: format!("cannot read module aliases: {err}"),
                }),
            }
        }
        let packages = workspace_packages(tree, &dirs_with_ancestors(sources));
        (ModuleAliases { configs, packages }, problems)
    }

    /// The module keys (root-relative paths without extension) a bare specifier may stand for,
    /// as imported from the file at `importer`, best first.
    /// Workspace packages count unless `packages` is false (a library's own source in the tree
    /// is then not what its name imports).
    pub fn candidates(&self, importer: &str, specifier: &str, packages: bool) -> Vec<String> {
        let mut out = self.config_candidates(importer, specifier);
        if packages {
            out.extend(self.package_candidates(specifier));
        }
        out
    }

    /// What a workspace package's name (or a path inside it) stands for.
    fn package_candidates(&self, specifier: &str) -> Vec<String> {
        let mut out = Vec::new();
        for package in &self.packages {
            if specifier == package.name {
                out.extend(package.entries.iter().cloned());
            } else if let Some(sub) = specifier
                .strip_prefix(package.name.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
            {
                out.push(strip_extension(&normalize(&join(&package.dir, sub))));
                out.push(strip_extension(&normalize(&join(
                    &package.dir,
                    &format!("src/{sub}"),
                ))));
            }
        }
        out
    }

    fn config_candidates(&self, importer: &str, specifier: &str) -> Vec<String> {
        let Some(config) = self
            .configs
            .iter()
            .rev()
            .find(|c| c.dir.is_empty() || importer.starts_with(&format!("{}/", c.dir)))
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (pattern, targets) in &config.paths {
            let Some(matched) = match_alias(pattern, specifier) else {
                continue;
            };
            for target in targets {
                let target = target.replacen('*', matched, 1);
                out.push(strip_extension(&normalize(&join(&config.base, &target))));
            }
        }
        if config.has_base_url {
            out.push(strip_extension(&normalize(&join(&config.base, specifier))));
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.configs.is_empty() && self.packages.is_empty()
    }
}

/// The directories of the JavaScript sources and all their ancestors, sorted.
fn dirs_with_ancestors(sources: &[SourceFile]) -> Vec<String> {
    let mut dirs: Vec<String> = Vec::new();
    for source in sources
        .iter()
        .filter(|s| s.language.family() == crate::facts::Language::JavaScript)
    {
        let mut dir = parent(&source.rel);
        loop {
            dirs.push(dir.to_string());
            if dir.is_empty() {
                break;
            }
            dir = parent(dir);
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The named packages among `dirs` (a `package.json` that does not parse is skipped).
fn workspace_packages(tree: &dyn SourceTree, dirs: &[String]) -> Vec<WorkspacePackage> {
    let mut packages: Vec<WorkspacePackage> = Vec::new();
    for dir in dirs {
        let Some(text) = tree.read_text(&join(dir, "package.json")) else {
            continue;
        };
        let Ok(file) = serde_json::from_str::<PackageFile>(&text) else {
            continue;
        };
        let Some(name) = file.name.filter(|n| !n.is_empty()) else {
            continue;
        };
        let mut entries = vec![join(dir, "src/index"), join(dir, "index")];
        for declared in [file.main, file.module, file.types].into_iter().flatten() {
            let path = strip_extension(&normalize(&join(dir, &declared)));
            let path = path.trim_end_matches(".d").to_string();
            for built in ["dist/", "build/", "lib/"] {
                let prefix = join(dir, built);
                if let Some(rest) = path.strip_prefix(&prefix) {
                    entries.push(join(dir, &format!("src/{rest}")));
                }
            }
            entries.push(path);
        }
        entries.dedup();
        packages.push(WorkspacePackage {
            name,
            dir: dir.clone(),
            entries,
        });
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.dir.cmp(&b.dir)));
    // A name claimed twice (a fixture copy of a package) is ambiguous: neither is used.
    let mut unique: Vec<WorkspacePackage> = Vec::new();
    let mut i = 0;
    while i < packages.len() {
        let j = (i..packages.len())
            .find(|&j| packages[j].name != packages[i].name)
            .unwrap_or(packages.len());
        if j - i == 1 {
            unique.push(packages[i].clone());
        }
        i = j;
    }
    unique
}

/// What `*` stands for when `specifier` matches `pattern` (`""` for an exact match).
fn match_alias<'s>(pattern: &str, specifier: &'s str) -> Option<&'s str> {
    match pattern.split_once('*') {
        None => (pattern == specifier).then_some(""),
        Some((prefix, suffix)) => specifier
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix)),
    }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn join(dir: &str, path: &str) -> String {
    if dir.is_empty() {
        path.to_string()
    } else {
        format!("{dir}/{path}")
    }
}

/// `a/./b/../c` → `a/c`; leading `..` that would leave the root are kept.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

fn strip_extension(path: &str) -> String {
    for ext in [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"] {
        if let Some(stem) = path.strip_suffix(ext) {
            return stem.to_string();
        }
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aliases(paths: &[(&str, &[&str])], base_url: Option<&str>, dir: &str) -> ModuleAliases {
        ModuleAliases {
            configs: vec![AliasConfig {
                dir: dir.into(),
                base: base_url.map_or(dir.to_string(), |b| normalize(&join(dir, b))),
                has_base_url: base_url.is_some(),
                paths: paths
                    .iter()
                    .map(|(p, t)| (p.to_string(), t.iter().map(|s| s.to_string()).collect()))
                    .collect(),
            }],
            packages: Vec::new(),
        }
    }

    #[test]
    fn workspace_packages_import_their_source() {
        let a = ModuleAliases {
            configs: Vec::new(),
            packages: vec![WorkspacePackage {
                name: "@acme/utils".into(),
                dir: "packages/utils".into(),
                entries: vec!["packages/utils/src/index".into()],
            }],
        };
        assert_eq!(
            a.candidates("apps/x.ts", "@acme/utils", true),
            vec!["packages/utils/src/index"]
        );
        assert_eq!(
            a.candidates("apps/x.ts", "@acme/utils/server", true),
            vec!["packages/utils/server", "packages/utils/src/server"]
        );
        assert!(a.candidates("apps/x.ts", "@acme/utils", false).is_empty());
        assert!(a.candidates("apps/x.ts", "@acme/utilsx", true).is_empty());
    }

    #[test]
    fn paths_and_base_url() {
        let a = aliases(
            &[("@/*", &["src/*"]), ("~db", &["./src/db/index.ts"])],
            Some("."),
            "app",
        );
        assert_eq!(
            a.candidates("app/src/x.ts", "@/lib/db", true),
            vec!["app/src/lib/db", "app/@/lib/db"]
        );
        assert_eq!(
            a.candidates("app/src/x.ts", "~db", true)[0],
            "app/src/db/index"
        );
        assert_eq!(
            a.candidates("other/x.ts", "@/lib/db", true),
            Vec::<String>::new()
        );
        let b = aliases(&[], Some("src"), "");
        assert_eq!(b.candidates("src/a.ts", "lib/db", true), vec!["src/lib/db"]);
    }

    #[test]
    fn normalizing() {
        assert_eq!(normalize("a/./b/../c"), "a/c");
        assert_eq!(normalize("../x"), "../x");
    }
}

//! Module aliases from `tsconfig.json` / `jsconfig.json`: `compilerOptions.baseUrl` and
//! `compilerOptions.paths`, so that `import { db } from "@/lib/db"` lands on `src/lib/db.ts`.
//!
//! Each config applies to the files under its directory; the nearest one wins. `extends` is
//! not followed.

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

/// Every alias config found next to the scanned JavaScript and TypeScript files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModuleAliases {
    /// Sorted by directory, deepest last.
    configs: Vec<AliasConfig>,
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
        (ModuleAliases { configs }, problems)
    }

    /// The module keys (root-relative paths without extension) a bare specifier may stand for,
    /// as imported from the file at `importer`, best first.
    pub fn candidates(&self, importer: &str, specifier: &str) -> Vec<String> {
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
        self.configs.is_empty()
    }
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
        }
    }

    #[test]
    fn paths_and_base_url() {
        let a = aliases(
            &[("@/*", &["src/*"]), ("~db", &["./src/db/index.ts"])],
            Some("."),
            "app",
        );
        assert_eq!(
            a.candidates("app/src/x.ts", "@/lib/db"),
            vec!["app/src/lib/db", "app/@/lib/db"]
        );
        assert_eq!(a.candidates("app/src/x.ts", "~db")[0], "app/src/db/index");
        assert_eq!(a.candidates("other/x.ts", "@/lib/db"), Vec::<String>::new());
        let b = aliases(&[], Some("src"), "");
        assert_eq!(b.candidates("src/a.ts", "lib/db"), vec!["src/lib/db"]);
    }

    #[test]
    fn normalizing() {
        assert_eq!(normalize("a/./b/../c"), "a/c");
        assert_eq!(normalize("../x"), "../x");
    }
}

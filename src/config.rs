//! `agent-audit.toml`: scan settings and the user's own catalog rules.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::catalog::{
    BuiltinDef, CatalogFile, EffectRuleDef, EndpointDef, GuardRuleDef, McpServerDef,
    PassthroughDef, TemporaryDef, ToolRuleDef,
};

pub const CONFIG_FILE: &str = "agent-audit.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub scan: ScanConfig,
    /// Extra registration rules, same shape as `queries/<lang>/tools.toml`.
    #[serde(default)]
    pub tool: Vec<ToolRuleDef>,
    /// Extra effect rules, same shape as `queries/<lang>/effects.toml`.
    #[serde(default)]
    pub effect: Vec<EffectRuleDef>,
    /// Extra calls that return their first argument.
    #[serde(default)]
    pub passthrough: Vec<PassthroughDef>,
    /// Extra calls that run the functions passed to them.
    #[serde(default)]
    pub executor: Vec<PassthroughDef>,
    /// Extra calls that send a message to another process.
    #[serde(default)]
    pub channel: Vec<PassthroughDef>,
    /// Extra guard rules, same shape as `queries/<lang>/guards.toml`.
    #[serde(default)]
    pub guard: Vec<GuardRuleDef>,
    /// Extra HTTP endpoint rules, same shape as `queries/endpoints.toml`.
    #[serde(default)]
    pub endpoint: Vec<EndpointDef>,
    /// Extra sources of temporary paths and path joins.
    #[serde(default)]
    pub temporary: Vec<TemporaryDef>,
    /// Extra tools of agent runtimes, same shape as `queries/runtimes/claude-code.toml`.
    #[serde(default)]
    pub builtin: Vec<BuiltinDef>,
    /// Extra published MCP servers, same shape as `queries/runtimes/mcp-servers.toml`.
    #[serde(default)]
    pub mcp_server: Vec<McpServerDef>,
    /// How CI judges the inventory (used by maturity level 4 and the gate).
    #[serde(default)]
    pub gate: Option<GateConfig>,
    /// Tools taken out of the gate, each with a reason (they stay in the inventory).
    #[serde(default)]
    pub suppress: Vec<SuppressConfig>,
}

/// `[[suppress]]`: a reviewed tool the gate leaves alone until `expires`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressConfig {
    /// The tool's id in toolcalls.yaml (`python:src/tools.py:delete_user`).
    pub tool: String,
    /// What the review accepted (default `unguarded`: anything).
    #[serde(default)]
    pub allow: Option<crate::model::Allow>,
    /// Why the tool may stay as it is (required).
    pub reason: String,
    /// `YYYY-MM-DD`: from this day on the suppression no longer applies.
    #[serde(default)]
    pub expires: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// `destructive-unguarded` (default), `unguarded`, `partial` or `never`.
    #[serde(default)]
    pub fail_on: Option<crate::gate::FailOn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub max_file_size: Option<u64>,
}

impl Config {
    pub fn catalog_file(&self) -> CatalogFile {
        CatalogFile {
            effect: self.effect.clone(),
            tool: self.tool.clone(),
            passthrough: self.passthrough.clone(),
            executor: self.executor.clone(),
            channel: self.channel.clone(),
            guard: self.guard.clone(),
            endpoint: self.endpoint.clone(),
            temporary: self.temporary.clone(),
            builtin: self.builtin.clone(),
            mcp_server: self.mcp_server.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid config {path}:\n{message}")]
    Parse {
        path: PathBuf,
        /// The file's text, for a pointed diagnostic.
        text: String,
        message: String,
    },
}

/// Loads `explicit`, or `root/agent-audit.toml` when it exists, or the defaults.
/// Returns the config and the path it came from.
pub fn load(
    root: &Path,
    explicit: Option<&Path>,
) -> Result<(Config, Option<PathBuf>), ConfigError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let candidate = root.join(CONFIG_FILE);
            if !candidate.exists() {
                return Ok((Config::default(), None));
            }
            candidate
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    Ok((parse(text, &path)?, Some(path)))
}

/// Parses the text of a config file found at `path`.
pub fn parse(text: String, path: &Path) -> Result<Config, ConfigError> {
    toml::from_str(&text).map_err(|e: toml::de::Error| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
        text,
    })
}

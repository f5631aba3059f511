//! The inventory: what `toolcalls.yaml` holds (schema `agent-audit/v1`).
//!
//! Field order here is the order in the file. Every list is sorted before it is written, and
//! nothing in it depends on the machine, the time or the checkout location.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "agent-audit/v1";

/// Effect categories (SPEC §3). The list is closed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    DbRead,
    DbWrite,
    DbDelete,
    HttpRead,
    HttpWrite,
    Subprocess,
    CodeExec,
    FileRead,
    FileWrite,
    FileDelete,
    Email,
    Messaging,
    Payment,
    CloudRead,
    CloudWrite,
    CloudDelete,
    LlmCall,
    AgentCall,
    Browser,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::DbRead => "db_read",
            Category::DbWrite => "db_write",
            Category::DbDelete => "db_delete",
            Category::HttpRead => "http_read",
            Category::HttpWrite => "http_write",
            Category::Subprocess => "subprocess",
            Category::CodeExec => "code_exec",
            Category::FileRead => "file_read",
            Category::FileWrite => "file_write",
            Category::FileDelete => "file_delete",
            Category::Email => "email",
            Category::Messaging => "messaging",
            Category::Payment => "payment",
            Category::CloudRead => "cloud_read",
            Category::CloudWrite => "cloud_write",
            Category::CloudDelete => "cloud_delete",
            Category::LlmCall => "llm_call",
            Category::AgentCall => "agent_call",
            Category::Browser => "browser",
        }
    }

    /// Changes state outside the process (anything but reads and model calls).
    /// A sub-agent's run is a model call here; what its own tools do is inherited from them
    /// when the agent is in the inventory (see `assess`).
    pub fn changes_state(self) -> bool {
        !matches!(
            self,
            Category::DbRead
                | Category::HttpRead
                | Category::FileRead
                | Category::CloudRead
                | Category::LlmCall
                | Category::AgentCall
        )
    }

    /// Deletes or overwrites data, moves money, communicates externally, runs arbitrary
    /// commands or code, or mutates infrastructure (SPEC §3).
    pub fn is_destructive(self) -> bool {
        matches!(
            self,
            Category::DbWrite
                | Category::DbDelete
                | Category::Subprocess
                | Category::CodeExec
                | Category::FileWrite
                | Category::FileDelete
                | Category::Email
                | Category::Messaging
                | Category::Payment
                | Category::CloudWrite
                | Category::CloudDelete
        )
    }
}

/// Guard kinds (SPEC §4).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GuardKind {
    Approval,
    Confirmation,
    Auth,
    Allowlist,
    ReadOnlyMode,
    DryRun,
    InputValidation,
    RateLimit,
    Idempotency,
    RetryBound,
    AuditLog,
    Sandbox,
}

impl GuardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GuardKind::Approval => "approval",
            GuardKind::Confirmation => "confirmation",
            GuardKind::Auth => "auth",
            GuardKind::Allowlist => "allowlist",
            GuardKind::ReadOnlyMode => "read_only_mode",
            GuardKind::DryRun => "dry_run",
            GuardKind::InputValidation => "input_validation",
            GuardKind::RateLimit => "rate_limit",
            GuardKind::Idempotency => "idempotency",
            GuardKind::RetryBound => "retry_bound",
            GuardKind::AuditLog => "audit_log",
            GuardKind::Sandbox => "sandbox",
        }
    }

    /// Kinds that gate an effect on their own (SPEC §5); allowlists and read-only modes are
    /// strong only when they deny by default, which the judge decides per guard.
    pub fn is_strong(self) -> bool {
        matches!(
            self,
            GuardKind::Approval | GuardKind::Confirmation | GuardKind::Auth
        )
    }

    /// Human in the loop: what maturity level 3 asks of every destructive tool.
    pub fn is_checkpoint(self) -> bool {
        matches!(self, GuardKind::Approval | GuardKind::Confirmation)
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    ReadOnly,
    Guarded,
    Partial,
    Unguarded,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::ReadOnly => "read_only",
            Verdict::Guarded => "guarded",
            Verdict::Partial => "partial",
            Verdict::Unguarded => "unguarded",
        }
    }

    /// How much a verdict lets through: read-only < guarded < partial < unguarded.
    pub fn rank(self) -> u8 {
        match self {
            Verdict::ReadOnly => 0,
            Verdict::Guarded => 1,
            Verdict::Partial => 2,
            Verdict::Unguarded => 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Inventory {
    pub schema: String,
    pub summary: Summary,
    pub maturity: Maturity,
    pub tools: Vec<Tool>,
    #[serde(default)]
    pub agents: Vec<Agent>,
    /// What was skipped or not understood (SPEC §6), sorted by place: a file that imports a
    /// framework's registration API where no tool was recognised, a registration whose code
    /// could not be found, a file that did not parse.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<NoteEntry>,
}

/// One note of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NoteEntry {
    pub file: String,
    /// The notebook cell `line` is in, only for a notebook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
}

/// An agent (or MCP server) and the tools it can call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Agent {
    /// `name=` when given, else the variable it is assigned to, else the constructor.
    pub name: String,
    pub framework: String,
    /// The catalog rule that recognised the agent or server (`py.tool.mcp-server`).
    #[serde(default)]
    pub rule: String,
    pub file: String,
    /// The notebook cell `line` is in (1-based, counting every cell), only for a notebook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<u32>,
    pub line: u32,
    /// `explicit` when every entry of the tool list is known statically, else `dynamic`.
    pub tool_list: ToolList,
    /// Ids of the inventoried tools the agent can call.
    pub tools: Vec<String>,
    /// Entries of the list that are not inventoried tools (library tools, loaders), as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_tools: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ToolList {
    Explicit,
    Dynamic,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub tools: usize,
    pub destructive: usize,
    pub unguarded: usize,
    pub partial: usize,
    pub guarded: usize,
    pub read_only: usize,
    /// Calls on the traced paths whose target could not be resolved (not guessed at).
    #[serde(default)]
    pub unresolved_calls: usize,
    /// How many `notes` the inventory holds (left out when there are none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub notes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Maturity {
    pub level: u8,
    pub name: String,
    pub criteria: Vec<Criterion>,
    pub next: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Criterion {
    pub id: String,
    pub met: bool,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    pub id: String,
    pub name: String,
    pub function: String,
    pub framework: String,
    /// The catalog rule that made it a tool (`py.tool.mcp-tool-decorator`): docs/catalog.md.
    #[serde(default)]
    pub rule: String,
    pub language: String,
    pub file: String,
    /// The notebook cell `line` is in (1-based, counting every cell), only for a notebook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<u32>,
    /// The line in the file, or within the cell in a notebook.
    pub line: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<Declared>,
    pub effects: Vec<Effect>,
    pub guards: Vec<Guard>,
    pub destructive: bool,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// Calls on this tool's traced paths whose target could not be resolved.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unresolved_calls: usize,
    /// Taken out of the gate by a reviewed suppression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
}

/// A reviewed exception: the tool stays in the inventory, and out of the gate for as long as
/// it is no worse than what the review allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Suppressed {
    /// What the review accepted.
    pub allow: Allow,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where it is written: `file:line` of the comment, or `agent-audit.toml`.
    pub source: String,
}

/// What a suppression accepts of a tool.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Allow {
    /// A destructive tool without a strong guard; a tool that is not destructive is not covered.
    Destructive,
    /// Weak guards only: the gate fails again if the tool becomes unguarded.
    Partial,
    /// Anything, even no guard at all.
    Unguarded,
}

impl Allow {
    pub const NAMES: &[(&str, Allow)] = &[
        ("destructive", Allow::Destructive),
        ("partial", Allow::Partial),
        ("unguarded", Allow::Unguarded),
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("", |(name, _)| name)
    }
}

impl Tool {
    /// The tool without the names of the rules behind it: what `check` compares, since a
    /// renamed rule changes nothing the tool does.
    pub fn without_rules(&self) -> Tool {
        let mut tool = self.clone();
        tool.rule.clear();
        for effect in &mut tool.effects {
            effect.rule.clear();
        }
        for guard in &mut tool.guards {
            guard.rule.clear();
        }
        tool
    }

    /// Whether a suppression takes the tool out of the gate as it is now.
    pub fn is_suppressed(&self) -> bool {
        self.suppressed.as_ref().is_some_and(|s| match s.allow {
            Allow::Destructive => self.destructive,
            Allow::Partial => self.verdict != Verdict::Unguarded,
            Allow::Unguarded => true,
        })
    }
}

/// A place as a reader finds it: `src/tools.py:42`, or `agent.ipynb:cell 3:12` in a notebook
/// (line 12 of its third cell). Every report writes places this way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct At<'a> {
    pub file: &'a str,
    pub cell: Option<u32>,
    pub line: u32,
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.cell {
            Some(cell) => write!(f, "{}:cell {}:{}", self.file, cell, self.line),
            None => write!(f, "{}:{}", self.file, self.line),
        }
    }
}

impl Tool {
    /// Where the tool's code is.
    pub fn at(&self) -> At<'_> {
        At {
            file: &self.file,
            cell: self.cell,
            line: self.line,
        }
    }
}

impl Effect {
    /// Where the call is.
    pub fn at(&self) -> At<'_> {
        At {
            file: &self.file,
            cell: self.cell,
            line: self.line,
        }
    }
}

impl Guard {
    /// Where the check is.
    pub fn at(&self) -> At<'_> {
        At {
            file: &self.file,
            cell: self.cell,
            line: self.line,
        }
    }
}

impl Agent {
    /// Where the agent is built.
    pub fn at(&self) -> At<'_> {
        At {
            file: &self.file,
            cell: self.cell,
            line: self.line,
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What the registration declares about the tool (MCP annotations and the like).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Declared {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Effect {
    pub category: Category,
    /// The call as written in the source (`r.post`).
    pub call: String,
    /// What the call resolved to (`requests.post`).
    pub api: String,
    /// The catalog rule that made the call this effect (`py.effect.http-write`).
    #[serde(default)]
    pub rule: String,
    pub file: String,
    /// The notebook cell `line` is in (1-based, counting every cell), only for a notebook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<u32>,
    pub line: u32,
    /// The chain of functions from the tool's entry to the call.
    pub via: Vec<String>,
    /// The kinds of the guards in front of this effect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guarded_by: Vec<GuardKind>,
    /// Why an effect of a destructive category deletes, overwrites and sends nothing here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_destructive: Option<NotDestructive>,
}

impl Effect {
    /// Deletes or overwrites data, moves money, sends a message, runs code or changes
    /// infrastructure (SPEC §3): a destructive category, unless this effect is known to do
    /// none of it.
    pub fn is_destructive(&self) -> bool {
        self.category.is_destructive() && self.not_destructive.is_none()
    }
}

/// Why an effect whose category is destructive is not: it only touches what the tool made
/// for itself, or only adds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum NotDestructive {
    /// A temporary file or folder the tool creates, writes or removes (`tempfile`, `os.tmpdir()`).
    Temporary,
    /// A draft in the user's own mailbox: nothing is sent.
    Draft,
    /// New rows only (`INSERT`, `db.insert(t).values(...)`, `create`): nothing is overwritten.
    AddsOnly,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Guard {
    pub kind: GuardKind,
    pub evidence: String,
    pub file: String,
    /// The notebook cell `line` is in (1-based, counting every cell), only for a notebook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<u32>,
    pub line: u32,
    /// Whether the guard gates an effect on its own (SPEC §5): approval, confirmation, auth,
    /// a default-deny allowlist, a read-only mode that is on by default.
    pub strong: bool,
    /// The catalog rule that found the guard (`py.guard.confirmation-flag`).
    #[serde(default)]
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub kind: String,
    pub message: String,
}

//! The rule catalogs: which API call is which effect, and which decorator, base class or factory
//! registers a tool. Built-in catalogs are TOML files under `queries/<lang>/`, compiled into the
//! binary; users extend them with the same tables in `agent-audit.toml`.

use rustc_hash::FxHashMap as HashMap;

use serde::Deserialize;

use crate::facts::{CallExpr, Expr, Language};
use crate::model::{Category, GuardKind, NotDestructive};
use crate::pattern::{ApiPath, Glob, Pattern, PatternError};

pub use crate::rules::{FoundBy, RuleId};
use crate::rules::{Ids, Origin};

/// Built-in catalogs, one `(language, origin, text)` per file.
pub(crate) const BUILTIN: &[(Language, &str, &str)] = &[
    (
        Language::Python,
        "queries/python/effects.toml",
        include_str!("../queries/python/effects.toml"),
    ),
    (
        Language::Python,
        "queries/python/tools.toml",
        include_str!("../queries/python/tools.toml"),
    ),
    (
        Language::Python,
        "queries/python/guards.toml",
        include_str!("../queries/python/guards.toml"),
    ),
    (
        Language::JavaScript,
        "queries/js/effects.toml",
        include_str!("../queries/js/effects.toml"),
    ),
    (
        Language::JavaScript,
        "queries/js/tools.toml",
        include_str!("../queries/js/tools.toml"),
    ),
    (
        Language::JavaScript,
        "queries/js/guards.toml",
        include_str!("../queries/js/guards.toml"),
    ),
    // HTTP endpoints are the same whichever language calls them.
    (
        Language::Python,
        "queries/endpoints.toml",
        include_str!("../queries/endpoints.toml"),
    ),
    (
        Language::JavaScript,
        "queries/endpoints.toml",
        include_str!("../queries/endpoints.toml"),
    ),
    // What an agent runtime's own tools and the MCP servers people install do: the same for
    // sessions started from Python and from TypeScript.
    (
        Language::Python,
        "queries/runtimes/claude-code.toml",
        include_str!("../queries/runtimes/claude-code.toml"),
    ),
    (
        Language::JavaScript,
        "queries/runtimes/claude-code.toml",
        include_str!("../queries/runtimes/claude-code.toml"),
    ),
    (
        Language::Python,
        "queries/runtimes/mcp-servers.toml",
        include_str!("../queries/runtimes/mcp-servers.toml"),
    ),
    (
        Language::JavaScript,
        "queries/runtimes/mcp-servers.toml",
        include_str!("../queries/runtimes/mcp-servers.toml"),
    ),
];

/// The tables a catalog file (or the user's config) may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    #[serde(default)]
    pub effect: Vec<EffectRuleDef>,
    #[serde(default)]
    pub tool: Vec<ToolRuleDef>,
    #[serde(default)]
    pub passthrough: Vec<PassthroughDef>,
    #[serde(default)]
    pub executor: Vec<PassthroughDef>,
    #[serde(default)]
    pub channel: Vec<PassthroughDef>,
    #[serde(default)]
    pub guard: Vec<GuardRuleDef>,
    #[serde(default)]
    pub endpoint: Vec<EndpointDef>,
    #[serde(default)]
    pub temporary: Vec<TemporaryDef>,
    #[serde(default)]
    pub builtin: Vec<BuiltinDef>,
    #[serde(default)]
    pub mcp_server: Vec<McpServerDef>,
}

/// `[[temporary]]`: where temporary files come from. A file effect on a temporary path (a
/// `tempfile` file or folder, or a path joined under one) touches only what the tool made for
/// itself: it is not destructive.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemporaryDef {
    /// `<lang>.<table>.<slug>`: names the rule for good; never changed, never reused. Required
    /// in the built-in catalogs; a user rule without one is `user.<table>.<n>`.
    #[serde(default)]
    pub id: Option<String>,
    /// One sentence: what the rule matches, and why that makes it what it says.
    #[serde(default)]
    pub doc: Option<String>,
    /// Calls whose result, or anything reached from it, is a temporary file or path
    /// (`tempfile.**`: `tempfile.mkdtemp()`, `tempfile.NamedTemporaryFile().name`).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Calls that build a path inside their first argument (`os.path.join(tmp, "a.zip")`).
    #[serde(default)]
    pub joins: Vec<String>,
    #[serde(default)]
    pub language: Option<Language>,
}

/// `[[endpoint]]`: what an HTTP write to a known endpoint really is. A POST to a messaging
/// API sends a message; a POST to a search or status endpoint only asks a question. Applies
/// to effects whose rule says where the URL is (`url`), when the URL is written in the code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointDef {
    /// `<lang>.endpoint.<slug>`, or `http.endpoint.<slug>` for a rule every language shares.
    #[serde(default)]
    pub id: Option<String>,
    /// One sentence: which endpoints, and why a write to them is this category.
    #[serde(default)]
    pub doc: Option<String>,
    pub category: Category,
    /// The category a read of these endpoints has (`cloud_read` for a cloud's management
    /// API); without it a read stays `http_read`.
    #[serde(default)]
    pub reads: Option<Category>,
    /// The category a `DELETE` of these endpoints has; without it, `category`.
    #[serde(default)]
    pub deletes: Option<Category>,
    /// Globs over the URL without its scheme, query and fragment (`api.twilio.com/*/Messages*`).
    #[serde(default)]
    pub urls: Vec<String>,
    /// Globs over the last segment of the URL's path, any case (`search*`, `status`).
    #[serde(default)]
    pub last_segments: Vec<String>,
    #[serde(default)]
    pub language: Option<Language>,
}

impl Endpoint {
    /// What an HTTP effect of category `http` (a `DELETE` when `deletes`) is at this endpoint.
    /// SQL an endpoint runs is not spelled out in the call: a write may read or write.
    fn categories_for(&self, http: Category, deletes: bool) -> Vec<Category> {
        let category = match http {
            Category::HttpWrite if deletes => self.deletes.unwrap_or(self.category),
            Category::HttpWrite => self.category,
            Category::HttpRead => self.reads.unwrap_or(http),
            other => other,
        };
        if category == Category::DbWrite {
            vec![Category::DbRead, Category::DbWrite]
        } else {
            vec![category]
        }
    }
}

/// A compiled `[[endpoint]]` rule.
#[derive(Debug)]
pub struct Endpoint {
    pub id: RuleId,
    pub category: Category,
    pub reads: Option<Category>,
    pub deletes: Option<Category>,
    pub urls: Vec<Glob>,
    pub last_segments: Vec<Glob>,
}

/// `[[builtin]]`: a tool an agent runtime ships, which a session grants by name
/// (`allowed_tools=["Bash"]`). Its code runs outside the scanned tree, so what it does is
/// written here.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuiltinDef {
    /// `<runtime>.builtin.<slug>`: never changes, never reused.
    pub id: String,
    /// One sentence: what the tool does, and why that gives it these effects.
    pub doc: String,
    /// The runtime that ships the tool, as a `grant` rule's `builtins` names it.
    pub runtime: String,
    /// The names a grant may give it: the current name first, then older ones (`Task` for
    /// `Agent`).
    pub names: Vec<String>,
    /// What a call of the tool does; none for a tool that acts only inside the session.
    #[serde(default)]
    pub effects: Vec<OutsideEffectDef>,
    /// The tool runs a subagent with the session's tools (`Agent`, once `Task`): it is
    /// destructive when the session grants a destructive tool.
    #[serde(default)]
    pub delegates: bool,
}

/// An effect of code outside the scanned tree.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutsideEffectDef {
    pub category: Category,
    /// How the report describes the call; `{name}` is the name the tool was granted by.
    pub call: String,
    /// The call deletes or overwrites data although its category alone does not say so
    /// (`http_write` that merges pull requests and deletes files).
    #[serde(default)]
    pub destructive: bool,
}

/// `[[mcp_server]]`: an MCP server published outside the tree, told by how a session starts or
/// reaches it, with what its tools do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpServerDef {
    /// `mcp.server.<slug>`: never changes, never reused.
    pub id: String,
    /// One sentence: which server, and why its tools have these effects.
    pub doc: String,
    /// Text of the server's launch command, arguments or URL that identifies it (a package, an
    /// image): `ghcr.io/github/github-mcp-server`.
    pub matches: Vec<String>,
    pub effects: Vec<OutsideEffectDef>,
    /// Arguments or environment variables that restrict the server to reading
    /// (`--read-only`): with one of them in its config, only its reading effects remain.
    #[serde(default)]
    pub read_only_flags: Vec<String>,
}

/// `[[guard]]`: what makes a check, call, decorator or registration a guard of one kind.
/// `queries/python/guards.toml` documents each field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardRuleDef {
    /// `<lang>.<table>.<slug>`: names the rule for good; never changed, never reused. Required
    /// in the built-in catalogs; a user rule without one is `user.<table>.<n>`.
    #[serde(default)]
    pub id: Option<String>,
    /// One sentence: what the rule matches, and why that makes it what it says.
    #[serde(default)]
    pub doc: Option<String>,
    pub kind: GuardKind,
    #[serde(default)]
    pub words: Vec<String>,
    #[serde(default)]
    pub calls: Vec<String>,
    #[serde(default)]
    pub decorators: Vec<String>,
    #[serde(default)]
    pub decorator_keywords: Vec<String>,
    #[serde(default)]
    pub registration_keywords: Vec<String>,
    #[serde(default)]
    pub effect_keywords: Vec<String>,
    /// Options (keyword arguments or keys of an options object) of a call on the way to the
    /// effect that turn the guard on (`read_only: true`): strong when written true, weak when
    /// a flag of the code decides, off when false.
    #[serde(default)]
    pub option_flags: Vec<String>,
    #[serde(default)]
    pub effect_calls: Vec<String>,
    #[serde(default)]
    pub tool_map: Option<ToolMapDef>,
    /// An agent construction that pauses for a human before the named nodes of its graph
    /// (`create_react_agent(model, tools, interrupt_before=["tools"])`): every tool in its
    /// tool list is gated.
    #[serde(default)]
    pub node_gate: Option<NodeGateDef>,
    /// `{ calls, keyword, tools }`: an agent construction given `keyword` (`stopWhen:
    /// stepCountIs(5)`) bounds every tool of its `tools` argument (a list or a map).
    #[serde(default)]
    pub agent_option: Option<AgentOptionDef>,
    #[serde(default)]
    pub schema_keywords: Vec<String>,
    #[serde(default)]
    pub schema_types: Vec<String>,
    #[serde(default)]
    pub schema_decorators: Vec<String>,
    /// Refinements in a schema passed to the registration (`z.string().max(100)`).
    #[serde(default)]
    pub schema_calls: Vec<String>,
    /// `calls` count only when their first argument holds one of these words (any case):
    /// `client.query("BEGIN TRANSACTION READ ONLY")`. Such a guard is fixed in the code, so
    /// it is strong.
    #[serde(default)]
    pub argument_words: Vec<String>,
    /// Options of the registration that turn the guard on when they hold one of the values
    /// (`permission_mode = "plan"`): strong when the value is written there or is the default
    /// of the parameter passed, weak when it is only one of the values it may take.
    #[serde(default)]
    pub registration_values: Vec<OptionValuesDef>,
    /// Options of an agent session holding a callback asked about each tool call that the
    /// session's permission rules do not pre-approve (`can_use_tool`): a guard for those calls
    /// only, never for a tool the session grants whole.
    #[serde(default)]
    pub permission_callback: Vec<String>,
    /// Hook callbacks of an agent session that run at a granted tool's call
    /// (`hooks={"PreToolUse": [HookMatcher(matcher="Bash", hooks=[check])]}`).
    #[serde(default)]
    pub hooks: Option<HookGuardDef>,
    #[serde(default)]
    pub anywhere: bool,
    #[serde(default)]
    pub tested: bool,
    #[serde(default)]
    pub language: Option<Language>,
}

/// An option and the values that make it a guard.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionValuesDef {
    pub keyword: String,
    pub values: Vec<String>,
}

/// Hooks of a session: where they are and which of them count.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HookGuardDef {
    /// The option holding the hooks by event.
    pub keyword: OneOrMany,
    /// The events whose hooks count (`PreToolUse`).
    pub events: Vec<String>,
    /// Only a callback that can answer one of these (a literal in what it returns:
    /// `"permissionDecision": "deny"`) counts; empty: every callback does.
    #[serde(default)]
    pub answers: Vec<String>,
}

/// A construction whose dict argument maps tool names to "guarded".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolMapDef {
    pub calls: Vec<String>,
    pub keyword: String,
}

/// `node_gate = { calls, keyword, nodes, tools | graph }`: a construction matching `calls`
/// whose `keyword` list names a node that runs tools gates every one of those tools: the
/// construction's own `tools` argument when one of `nodes` is listed (a prebuilt agent), or
/// the tools of the node added under a listed name (`graph`, a graph compiled by hand).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeGateDef {
    pub calls: Vec<String>,
    /// The option listing the nodes to pause before (`interrupt_before`).
    pub keyword: String,
    /// The node names that run the construction's own tools (`tools`).
    #[serde(default)]
    pub nodes: Vec<String>,
    /// Where the construction's own tool list is.
    #[serde(default)]
    pub tools: Option<ArgSpec>,
    /// How the nodes of a graph built by hand are added and which of them run tools.
    #[serde(default)]
    pub graph: Option<GraphNodesDef>,
}

/// `graph = { add_node, tool_nodes, tools }`: `add_node` calls (name first, node second) in
/// the construction's file; a node built by one of `tool_nodes` runs the tools of its `tools`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphNodesDef {
    pub add_node: Vec<String>,
    pub tool_nodes: Vec<String>,
    pub tools: ArgSpec,
}

/// `agent_option = { calls, keyword, tools }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentOptionDef {
    pub calls: Vec<String>,
    pub keyword: String,
    pub tools: ArgSpec,
}

/// A compiled `node_gate`.
#[derive(Debug)]
pub struct NodeGate {
    pub calls: Vec<Pattern>,
    pub keyword: String,
    pub nodes: Vec<String>,
    pub tools: Option<ArgSpec>,
    /// `add_node` and tool node patterns, and where a tool node's list is.
    pub graph: Option<(Vec<Pattern>, Vec<Pattern>, ArgSpec)>,
}

/// A compiled `[[guard]]` rule.
#[derive(Debug)]
pub struct GuardRule {
    pub id: RuleId,
    pub kind: GuardKind,
    pub words: Vec<Glob>,
    pub calls: Vec<Pattern>,
    pub decorators: Vec<Pattern>,
    pub decorator_keywords: Vec<String>,
    pub registration_keywords: Vec<String>,
    pub effect_keywords: Vec<String>,
    pub option_flags: Vec<String>,
    pub effect_calls: Vec<Pattern>,
    pub tool_map: Option<(Vec<Pattern>, String)>,
    pub node_gate: Option<NodeGate>,
    pub agent_option: Option<(Vec<Pattern>, String, ArgSpec)>,
    pub schema_keywords: Vec<String>,
    pub schema_types: Vec<Pattern>,
    pub schema_decorators: Vec<Pattern>,
    pub schema_calls: Vec<Pattern>,
    pub argument_words: Vec<String>,
    pub registration_values: Vec<OptionValuesDef>,
    pub permission_callback: Vec<String>,
    pub hooks: Option<HookGuardDef>,
    pub anywhere: bool,
    /// The calls only count where their answer is tested (`if input(...) != "y": return`).
    pub tested: bool,
}

impl GuardRule {
    pub fn matches_word(&self, word: &str) -> bool {
        let lower = word.to_ascii_lowercase();
        self.words.iter().any(|g| g.matches(&lower))
    }

    pub fn matches_call(&self, path: &ApiPath) -> bool {
        self.calls.iter().any(|p| p.matches(path))
    }
}

/// `[[passthrough]]`: calls that return their first argument (`contextlib.closing(conn)`) and
/// generic types whose value is their first type argument (`Optional[Db]`, `Promise<Db>`), so
/// the linker sees through them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassthroughDef {
    /// `<lang>.<table>.<slug>`: names the rule for good; never changed, never reused. Required
    /// in the built-in catalogs; a user rule without one is `user.<table>.<n>`.
    #[serde(default)]
    pub id: Option<String>,
    /// One sentence: what the rule matches, and why that makes it what it says.
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub calls: Vec<String>,
    /// Generic types, by their last name, whose value is their first type argument.
    #[serde(default)]
    pub types: Vec<String>,
    /// Generic collection types, by their last name, whose elements are their first type
    /// argument (`list[Handler]`, `Array<Handler>`, and `Handler[]`, which is `Array<Handler>`).
    #[serde(default)]
    pub collections: Vec<String>,
    /// Methods of a collection that give one of its elements (`handlers.find(...)`).
    #[serde(default)]
    pub element_methods: Vec<String>,
    #[serde(default)]
    pub language: Option<Language>,
}

/// `[[effect]]`: calls matching any pattern in `calls` have this effect.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectRuleDef {
    /// `<lang>.effect.<slug>`: names the rule for good; never changed, never reused.
    #[serde(default)]
    pub id: Option<String>,
    /// One sentence: what the rule matches, and why that makes it this category.
    #[serde(default)]
    pub doc: Option<String>,
    pub category: Category,
    pub calls: Vec<String>,
    /// Refines the category from an argument (SQL verb, file mode, HTTP method).
    #[serde(default)]
    pub classify: Option<Classifier>,
    /// The argument the classifier reads.
    #[serde(default)]
    pub argument: Option<ArgSpec>,
    /// The argument holding the URL of an HTTP call, for `[[endpoint]]` rules.
    #[serde(default)]
    pub url: Option<ArgSpec>,
    /// Where the base URL is in the call that built the client the method is called on
    /// (`createClient({ baseUrl })`, `axios.create({ baseURL })`): a URL that is only a path
    /// is read under it, followed through the helpers that build the client.
    #[serde(default)]
    pub base_url: Option<ArgSpec>,
    /// Why the call, though of a destructive category, deletes, overwrites and sends nothing
    /// (`draft`: it writes a draft; `adds_only`: it only creates new records).
    #[serde(default)]
    pub not_destructive: Option<NotDestructive>,
    /// Restricts a user rule to one language; built-in rules take their file's language.
    #[serde(default)]
    pub language: Option<Language>,
}

/// One category of a judged call: the reason it is not destructive (when it is not) and the
/// rule that decided the category.
pub type Judged = (Category, Option<NotDestructive>, RuleId);

/// How an argument refines an effect's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classifier {
    /// SQL text by verb: SELECT → db_read, DELETE/DROP/TRUNCATE → db_delete, INSERT/UPDATE/
    /// CREATE... → db_write; a statement it cannot read → db_read and db_write.
    SqlVerb,
    /// `open()` mode: `w`, `a`, `x` or `+` → file_write, otherwise file_read.
    FileMode,
    /// HTTP method: GET/HEAD/OPTIONS/QUERY → http_read, others → http_write.
    HttpMethod,
    /// Only an effect when the argument is not a literal (dynamic import of a computed name).
    NonLiteral,
    /// A command object by the verb its class name starts with (AWS SDK v3
    /// `client.send(new DeleteObjectCommand(...))`): Delete/Remove/Terminate... → `*_delete`,
    /// Get/List/Describe... → `*_read`, others → `*_write`, in the rule category's family.
    CommandName,
}

/// Where to find an argument: by position, by keyword, or both (keyword wins); `last` is the
/// last positional argument (`server.tool(name, [description], [schema], handler)`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgSpec {
    #[serde(default)]
    pub position: Option<usize>,
    #[serde(default)]
    pub last: bool,
    #[serde(default)]
    pub keyword: OneOrMany,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let slice: &[String] = match self {
            OneOrMany::None => &[],
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        };
        slice.iter().map(String::as_str)
    }
}

impl ArgSpec {
    /// The argument of `call` this spec points at.
    pub fn find<'c>(&self, call: &'c CallExpr) -> Option<&'c Expr> {
        self.keyword
            .iter()
            .find_map(|k| call.keyword(k))
            .or_else(|| self.position.and_then(|p| call.positional(p)))
            .or_else(|| {
                self.last
                    .then(|| {
                        call.args
                            .iter()
                            .rev()
                            .find(|a| a.name.is_none() && !a.spread)
                    })
                    .flatten()
                    .map(|a| &a.value)
            })
    }
}

/// How a framework registers a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolKind {
    /// A decorator on the function that runs (`@tool`, `@mcp.tool()`).
    Decorator,
    /// A call that takes the function that runs as an argument (`StructuredTool.from_function`).
    Call,
    /// A subclass of a framework base class; `methods` are the entry points.
    Class,
    /// A decorator on a function that dispatches on the tool name: one tool per name.
    Dispatcher,
    /// An agent constructor whose tool list may hold plain functions.
    ToolList,
    /// A declaration (`types.Tool(name=...)`) describing a dispatched tool of the same name.
    Schema,
    /// An agent constructor whose tool list holds tool objects (`AgentExecutor(tools=...)`).
    Agent,
    /// A server whose tools are registered on it (`FastMCP(...)` with `@mcp.tool()`).
    Server,
    /// An agent session's options granting tools of its runtime by name
    /// (`ClaudeAgentOptions(allowed_tools=["Bash"])`): each name is a tool whose effects come
    /// from the `[[builtin]]` and `[[mcp_server]]` catalogs.
    Grant,
}

/// `[[tool]]`: one registration style of one framework.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolRuleDef {
    /// `<lang>.<table>.<slug>`: names the rule for good; never changed, never reused. Required
    /// in the built-in catalogs; a user rule without one is `user.<table>.<n>`.
    #[serde(default)]
    pub id: Option<String>,
    /// One sentence: what the rule matches, and why that makes it what it says.
    #[serde(default)]
    pub doc: Option<String>,
    pub kind: ToolKind,
    pub framework: String,
    /// Decorator, factory or constructor paths (kinds decorator, call, dispatcher, tool_list).
    #[serde(default)]
    pub calls: Vec<String>,
    /// Base classes (kind class).
    #[serde(default)]
    pub bases: Vec<String>,
    /// Entry methods of a class-based tool, first found is reported.
    #[serde(default)]
    pub methods: Vec<String>,
    /// The argument holding the function that runs (kind call).
    #[serde(default)]
    pub handler: Option<ArgSpec>,
    /// The argument holding the tool's name; defaults to the function name.
    #[serde(default)]
    pub name: Option<ArgSpec>,
    /// The tool is named by the key it gets in an object literal in the same file (`tools: {
    /// weather: tool(...) }`), else by the variable it is assigned to, before its name argument
    /// (Mastra's `createTool({ id })` is called by its key in the agent's `tools`).
    #[serde(default)]
    pub name_from_key: bool,
    /// The name the framework gives the tool when the registration names none
    /// (`ShellTool(executor=run)` is `shell`); before the handler's own name.
    #[serde(default)]
    pub default_name: Option<String>,
    /// When the handler is an object of a class in the tree (`ApplyPatchTool(editor=Editor())`),
    /// the methods of it the framework calls: the tool is that class with these entry points
    /// (own or inherited). Without them, only a function is a handler.
    #[serde(default)]
    pub handler_methods: Vec<String>,
    /// The handler parameter that carries the tool name a dispatcher branches on, counted from
    /// 0 without the receiver (kind dispatcher); defaults to the first. `Server(on_call_tool=h)`
    /// in MCP 2.x calls `h(ctx, params)` and branches on `params.name`: `name_param = 1`.
    #[serde(default)]
    pub name_param: Option<usize>,
    #[serde(default)]
    pub description: Option<ArgSpec>,
    /// The argument holding MCP-style annotations (`readOnlyHint`, `destructiveHint`).
    #[serde(default)]
    pub annotations: Option<ArgSpec>,
    /// The argument holding the tool list (kinds tool_list and agent); for kind grant, the
    /// option listing the names granted (`allowed_tools`).
    #[serde(default)]
    pub tools: Option<ArgSpec>,
    /// Kind grant: the argument holding the session's options object (`query({ options })`);
    /// without it the call's own arguments are the options, `**options` included.
    #[serde(default)]
    pub options: Option<ArgSpec>,
    /// Kind grant: the option listing names the session refuses (`disallowed_tools`).
    #[serde(default)]
    pub removed: Option<ArgSpec>,
    /// Kind grant: the option listing which built-ins exist at all (`tools`).
    #[serde(default)]
    pub available: Option<ArgSpec>,
    /// Kind grant: the option mapping server names to MCP server configs (`mcp_servers`),
    /// which `mcp__<server>` grants name.
    #[serde(default)]
    pub servers: Option<ArgSpec>,
    /// Kind grant: the runtime whose `[[builtin]]` tools the granted names are.
    #[serde(default)]
    pub builtins: Option<String>,
    /// Kind grant: the option value under which the runtime asks about no call at all
    /// (`permission_mode = "bypassPermissions"`): permission rules and callbacks guard nothing.
    #[serde(default)]
    pub bypass: Option<OptionValuesDef>,
    /// Class fields with the name and description (kind class).
    #[serde(default)]
    pub name_field: Option<String>,
    #[serde(default)]
    pub description_field: Option<String>,
    /// An effect the registration itself has, e.g. `agent_call` for an agent used as a tool.
    #[serde(default)]
    pub effect: Option<Category>,
    /// The call makes a tool object that a model sees only when it is an entry of a recognised
    /// agent's tool list (`AgentTool(agent)` run directly inside a tool is an effect, not a tool).
    #[serde(default)]
    pub listed_only: bool,
    /// The rule applies only when this argument resolves to one of `is`
    /// (`setRequestHandler(CallToolRequestSchema, ...)`).
    #[serde(default)]
    pub when: Option<ArgConditionDef>,
    /// The handler parameter the framework passes its context object in, and that object's
    /// type, so that calls on it resolve (`execute: async (input, context) =>` of Mastra's
    /// `createTool`, where `context.mastra.getAgent(...)` is Mastra's API).
    #[serde(default)]
    pub context: Option<HandlerContextDef>,
    #[serde(default)]
    pub language: Option<Language>,
}

/// A handler's context parameter: its position (from 0, without a receiver) and its type as an
/// API path (`@mastra/core.ToolExecutionContext`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlerContextDef {
    pub param: usize,
    #[serde(rename = "type")]
    pub type_: String,
}

/// An argument that must resolve to one of the `is` patterns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgConditionDef {
    #[serde(default)]
    pub position: Option<usize>,
    #[serde(default)]
    pub keyword: OneOrMany,
    pub is: Vec<String>,
}

#[derive(Debug)]
pub struct EffectRule {
    pub id: RuleId,
    pub category: Category,
    pub patterns: Vec<Pattern>,
    pub classify: Option<Classifier>,
    pub argument: Option<ArgSpec>,
    pub url: Option<ArgSpec>,
    pub base_url: Option<ArgSpec>,
    pub not_destructive: Option<NotDestructive>,
}

impl EffectRule {
    /// Whether an argument (what it is, or where it goes) can change the category.
    pub fn refinable(&self) -> bool {
        self.classify.is_some() || self.url.is_some()
    }
}

#[derive(Debug)]
pub struct ToolRule {
    pub id: RuleId,
    pub def: ToolRuleDef,
    /// `calls` or `bases`, compiled.
    pub patterns: Vec<Pattern>,
    /// `when`: the argument and the patterns it must resolve to.
    pub when: Option<(ArgSpec, Vec<Pattern>)>,
}

impl ToolRule {
    pub fn matches(&self, path: &ApiPath) -> bool {
        self.patterns.iter().any(|p| p.matches(path))
    }
}

/// The rules of one language, indexed for lookup.
#[derive(Debug, Default)]
pub struct LanguageCatalog {
    pub effects: Vec<EffectRule>,
    pub tools: Vec<ToolRule>,
    /// Calls that return their first argument.
    pub passthrough: Vec<Pattern>,
    /// Generic types whose value is their first type argument, by last name.
    pub wrapper_types: Vec<String>,
    /// Generic collection types whose elements are their first type argument, by last name.
    pub collection_types: Vec<String>,
    /// Methods of a collection that give one of its elements.
    pub element_methods: Vec<String>,
    /// Calls that run the functions passed to them (`asyncio.to_thread(f)`).
    pub executors: Vec<Pattern>,
    /// Calls that send a message to another process (`sock.sendall(data)`, `ws.send(msg)`),
    /// each with its rule's id.
    pub channels: Vec<(Pattern, RuleId)>,
    pub guards: Vec<GuardRule>,
    pub endpoints: Vec<Endpoint>,
    /// Calls that give temporary paths, and calls that join paths (see [`TemporaryDef`]).
    pub temporary_sources: Vec<Pattern>,
    pub path_joins: Vec<Pattern>,
    /// Tools agent runtimes ship, granted by name.
    pub builtins: Vec<BuiltinDef>,
    /// MCP servers published outside the tree.
    pub mcp_servers: Vec<McpServerDef>,
    /// Effect (rule, pattern) pairs by the literal last name the pattern requires.
    effects_by_name: HashMap<String, Vec<(usize, usize)>>,
    /// Effect patterns whose last name is a glob: tried for every call.
    effects_any_name: Vec<(usize, usize)>,
}

/// An error in a catalog or config file.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{origin}: {source}")]
    Toml {
        origin: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("{origin}: {source}")]
    Pattern {
        origin: String,
        #[source]
        source: PatternError,
    },
    #[error("{origin}: {message}")]
    Rule { origin: String, message: String },
}

#[derive(Debug, Default)]
pub struct Catalog {
    languages: HashMap<Language, LanguageCatalog>,
}

impl Catalog {
    /// The built-in catalog plus the user's rules (which take precedence on equal specificity).
    pub fn load(user: &CatalogFile, user_origin: &str) -> Result<Self, CatalogError> {
        let mut catalog = Catalog::default();
        let user_ids = user.ids(Origin::User(user_origin))?;
        for language in Language::FAMILIES {
            catalog.add(language, user, user_origin, &user_ids, true)?;
        }
        for (language, origin, text) in BUILTIN {
            let file: CatalogFile = toml::from_str(text).map_err(|e| CatalogError::Toml {
                origin: origin.to_string(),
                source: Box::new(e),
            })?;
            let ids = file.ids(Origin::Builtin(origin))?;
            if let Some(id) = user_ids.all.iter().find(|id| ids.all.contains(id)) {
                return Err(CatalogError::Rule {
                    origin: user_origin.to_string(),
                    message: format!("rule id `{id}` is a built-in rule's ({origin})"),
                });
            }
            catalog.add(*language, &file, origin, &ids, false)?;
        }
        for lang in catalog.languages.values_mut() {
            lang.index();
        }
        Ok(catalog)
    }

    pub fn builtin() -> Self {
        Self::load(&CatalogFile::default(), "built-in")
            .expect("the built-in catalog is valid (checked by tests)")
    }

    fn add(
        &mut self,
        language: Language,
        file: &CatalogFile,
        origin: &str,
        ids: &Ids,
        filter_by_language: bool,
    ) -> Result<(), CatalogError> {
        let compile = |sources: &[String]| -> Result<Vec<Pattern>, CatalogError> {
            sources
                .iter()
                .map(|s| {
                    Pattern::parse(s).map_err(|e| CatalogError::Pattern {
                        origin: origin.to_string(),
                        source: e,
                    })
                })
                .collect()
        };
        let lang = self.languages.entry(language).or_default();
        for (def, id) in file.effect.iter().zip(&ids.effect) {
            if filter_by_language && def.language.is_some_and(|l| l.family() != language) {
                continue;
            }
            if def.classify.is_some() && def.argument.is_none() {
                return Err(CatalogError::Rule {
                    origin: origin.to_string(),
                    message: format!(
                        "effect rule for {:?} has `classify` but no `argument`",
                        def.calls
                    ),
                });
            }
            lang.effects.push(EffectRule {
                id: id.clone(),
                category: def.category,
                patterns: compile(&def.calls)?,
                classify: def.classify,
                argument: def.argument.clone(),
                url: def.url.clone(),
                base_url: def.base_url.clone(),
                not_destructive: def.not_destructive,
            });
        }
        for (def, id) in file.endpoint.iter().zip(&ids.endpoint) {
            if filter_by_language && def.language.is_some_and(|l| l.family() != language) {
                continue;
            }
            let globs = |v: &[String]| {
                v.iter()
                    .map(|g| Glob::new(&g.to_ascii_lowercase()))
                    .collect()
            };
            lang.endpoints.push(Endpoint {
                id: id.clone(),
                category: def.category,
                reads: def.reads,
                deletes: def.deletes,
                urls: globs(&def.urls),
                last_segments: globs(&def.last_segments),
            });
        }
        for def in &file.passthrough {
            if filter_by_language && def.language.is_some_and(|l| l.family() != language) {
                continue;
            }
            lang.passthrough.extend(compile(&def.calls)?);
            lang.wrapper_types.extend(def.types.iter().cloned());
            lang.collection_types
                .extend(def.collections.iter().cloned());
            lang.element_methods
                .extend(def.element_methods.iter().cloned());
        }
        for def in &file.executor {
            if filter_by_language && def.language.is_some_and(|l| l.family() != language) {
                continue;
            }
            lang.executors.extend(compile(&def.calls)?);
        }
        for def in &file.temporary {
            if filter_by_language && def.language.is_some_and(|l| l.family() != language) {
                continue;
            }
            lang.temporary_sources.extend(compile(&def.sources)?);
            lang.path_joins.extend(compile(&def.joins)?);
        }
        for (def, id) in file.channel.iter().zip(&ids.channel) {
            if filter_by_language && def.language.is_some_and(|l| l.family() != language) {
                continue;
            }
            lang.channels
                .extend(compile(&def.calls)?.into_iter().map(|p| (p, id.clone())));
        }
        for (def, id) in file.guard.iter().zip(&ids.guard) {
            if filter_by_language && def.language.is_some_and(|l| l.family() != language) {
                continue;
            }
            let tool_map = match &def.tool_map {
                Some(map) => Some((compile(&map.calls)?, map.keyword.clone())),
                None => None,
            };
            let node_gate = match &def.node_gate {
                Some(gate) => Some(NodeGate {
                    calls: compile(&gate.calls)?,
                    keyword: gate.keyword.clone(),
                    nodes: gate.nodes.clone(),
                    tools: gate.tools.clone(),
                    graph: match &gate.graph {
                        Some(g) => Some((
                            compile(&g.add_node)?,
                            compile(&g.tool_nodes)?,
                            g.tools.clone(),
                        )),
                        None => None,
                    },
                }),
                None => None,
            };
            lang.guards.push(GuardRule {
                id: id.clone(),
                kind: def.kind,
                words: def
                    .words
                    .iter()
                    .map(|w| Glob::new(&w.to_ascii_lowercase()))
                    .collect(),
                calls: compile(&def.calls)?,
                decorators: compile(&def.decorators)?,
                decorator_keywords: def.decorator_keywords.clone(),
                registration_keywords: def.registration_keywords.clone(),
                effect_keywords: def.effect_keywords.clone(),
                option_flags: def.option_flags.clone(),
                effect_calls: compile(&def.effect_calls)?,
                tool_map,
                node_gate,
                agent_option: match &def.agent_option {
                    Some(o) => Some((compile(&o.calls)?, o.keyword.clone(), o.tools.clone())),
                    None => None,
                },
                schema_keywords: def.schema_keywords.clone(),
                schema_types: compile(&def.schema_types)?,
                schema_decorators: compile(&def.schema_decorators)?,
                schema_calls: compile(&def.schema_calls)?,
                argument_words: def
                    .argument_words
                    .iter()
                    .map(|w| w.to_ascii_uppercase())
                    .collect(),
                registration_values: def.registration_values.clone(),
                permission_callback: def.permission_callback.clone(),
                hooks: def.hooks.clone(),
                anywhere: def.anywhere,
                tested: def.tested,
            });
        }
        lang.builtins.extend(file.builtin.iter().cloned());
        lang.mcp_servers.extend(file.mcp_server.iter().cloned());
        for (def, id) in file.tool.iter().zip(&ids.tool) {
            if filter_by_language && def.language.is_some_and(|l| l.family() != language) {
                continue;
            }
            let sources = if def.kind == ToolKind::Class {
                &def.bases
            } else {
                &def.calls
            };
            if sources.is_empty() {
                return Err(CatalogError::Rule {
                    origin: origin.to_string(),
                    message: format!(
                        "tool rule for framework `{}` lists no {}",
                        def.framework,
                        if def.kind == ToolKind::Class {
                            "`bases`"
                        } else {
                            "`calls`"
                        }
                    ),
                });
            }
            let when = match &def.when {
                Some(cond) => Some((
                    ArgSpec {
                        position: cond.position,
                        keyword: cond.keyword.clone(),
                        last: false,
                    },
                    compile(&cond.is)?,
                )),
                None => None,
            };
            lang.tools.push(ToolRule {
                id: id.clone(),
                patterns: compile(sources)?,
                def: def.clone(),
                when,
            });
        }
        Ok(())
    }

    /// The rules for files of `language` (TypeScript and JavaScript share theirs).
    pub fn language(&self, language: Language) -> &LanguageCatalog {
        static EMPTY: std::sync::OnceLock<LanguageCatalog> = std::sync::OnceLock::new();
        self.languages
            .get(&language.family())
            .unwrap_or_else(|| EMPTY.get_or_init(LanguageCatalog::default))
    }
}

impl LanguageCatalog {
    fn index(&mut self) {
        for (r, rule) in self.effects.iter().enumerate() {
            for (p, pattern) in rule.patterns.iter().enumerate() {
                match pattern.required_last_name() {
                    Some(name) => self
                        .effects_by_name
                        .entry(name.to_string())
                        .or_default()
                        .push((r, p)),
                    None => self.effects_any_name.push((r, p)),
                }
            }
        }
    }

    /// Whether any effect rule could match a path ending in `last_name`.
    pub fn may_have_effect(&self, last_name: &str) -> bool {
        !self.effects_any_name.is_empty() || self.effects_by_name.contains_key(last_name)
    }

    /// The most specific effect rule matching `path` (earlier rules win ties).
    pub fn effect_for(&self, path: &ApiPath) -> Option<&EffectRule> {
        let named = path
            .last_name()
            .and_then(|n| self.effects_by_name.get(n))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        named
            .iter()
            .chain(self.effects_any_name.iter())
            .filter(|(r, p)| self.effects[*r].patterns[*p].matches(path))
            .map(|(r, p)| (self.effects[*r].patterns[*p].specificity(), *r))
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
            .map(|(_, r)| &self.effects[r])
    }

    /// The categories of a call matched by `rule`: as its classifier judges the arguments,
    /// then, for an HTTP write whose URL is written out, as the `[[endpoint]]` rules say; each
    /// with the reason it is not destructive, when it is not (the rule's, or an `INSERT` that
    /// only adds rows), and the rule that decided it (the endpoint's, where one did).
    pub fn judge(
        &self,
        rule: &EffectRule,
        call: &CallExpr,
        value_of: &dyn Fn(&Expr) -> Option<Expr>,
        base_url: Option<&str>,
    ) -> Vec<Judged> {
        let mut categories = classify(rule, call, value_of);
        let mut by_endpoint = None;
        let text_of = |spec: Option<&ArgSpec>| {
            let written = spec.and_then(|spec| spec.find(call));
            let bound = match written {
                Some(e @ Expr::Name(_)) => value_of(e),
                _ => None,
            };
            bound.as_ref().or(written).and_then(literal_text)
        };
        let url = text_of(rule.url.as_ref()).map(|url| match base_url {
            // A path (`/v1/projects`) under the client's base URL.
            Some(base) if !url.contains("://") => {
                format!(
                    "{}/{}",
                    base.trim_end_matches('/'),
                    url.trim_start_matches('/')
                )
            }
            _ => url,
        });
        if let Some(endpoint) = url.as_deref().and_then(|url| self.endpoint_for(url)) {
            let deletes = call
                .callee
                .last_name()
                .is_some_and(|m| m.eq_ignore_ascii_case("delete") || m == "del");
            // The categories the endpoint changed are the endpoint rule's finding.
            let mut decided = Vec::new();
            categories = categories
                .into_iter()
                .flat_map(|c| {
                    let judged = endpoint.categories_for(c, deletes);
                    if judged != [c] {
                        decided.extend(judged.iter().copied());
                    }
                    judged
                })
                .collect();
            by_endpoint = Some((endpoint, decided));
            categories.sort();
            categories.dedup();
        }
        let adds_only = rule.classify == Some(Classifier::SqlVerb)
            && text_of(rule.argument.as_ref()).is_some_and(|sql| sql_adds_only(&sql));
        categories
            .into_iter()
            .map(|c| {
                let harmless = match rule.not_destructive {
                    Some(reason) => Some(reason),
                    None if adds_only && c == Category::DbWrite => Some(NotDestructive::AddsOnly),
                    None => None,
                };
                let by = match &by_endpoint {
                    Some((endpoint, decided)) if decided.contains(&c) => &endpoint.id,
                    _ => &rule.id,
                };
                (c, harmless, by.clone())
            })
            .collect()
    }

    /// The `[[endpoint]]` rule of `url`: the first that matches.
    fn endpoint_for(&self, url: &str) -> Option<&Endpoint> {
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let lower = rest.to_ascii_lowercase();
        let trimmed = lower.trim_end_matches('/');
        let last = trimmed.rsplit('/').next().unwrap_or_default();
        let has_path = trimmed.contains('/');
        self.endpoints.iter().find(|e| {
            e.urls.iter().any(|g| g.matches(trimmed))
                || (has_path && e.last_segments.iter().any(|g| g.matches(last)))
        })
    }

    pub fn tool_rules(&self, kind: ToolKind) -> impl Iterator<Item = &ToolRule> {
        self.tools.iter().filter(move |r| r.def.kind == kind)
    }

    /// The built-in tool of `runtime` a grant names (the user's entries come first).
    pub fn builtin(&self, runtime: &str, name: &str) -> Option<&BuiltinDef> {
        self.builtins
            .iter()
            .find(|b| b.runtime == runtime && b.names.iter().any(|n| n == name))
    }

    /// The published MCP server whose launch text (command, arguments, URL) holds one of its
    /// `matches`.
    pub fn mcp_server(&self, launch: &str) -> Option<&McpServerDef> {
        self.mcp_servers
            .iter()
            .find(|s| s.matches.iter().any(|m| launch.contains(m.as_str())))
    }
}

/// Applies a classifier to the argument it reads: the categories the call has, none for "no
/// effect" (`non_literal` on a literal). SQL the code does not spell out (a parameter, a
/// computed string) could read or write, so it is both `db_read` and `db_write`.
/// `value_of` gives the value a name is bound to (`mode = "w"; open(p, mode)`), when known.
pub fn classify(
    rule: &EffectRule,
    call: &CallExpr,
    value_of: &dyn Fn(&Expr) -> Option<Expr>,
) -> Vec<Category> {
    let Some(classifier) = rule.classify else {
        return vec![rule.category];
    };
    let written = rule.argument.as_ref().and_then(|spec| spec.find(call));
    let bound = match written {
        Some(e @ Expr::Name(_)) => value_of(e),
        _ => None,
    };
    let arg = bound.as_ref().or(written);
    // An options object (`fetch(url, { method: "POST" })`, possibly through a variable): the
    // keyword is looked up inside it, and its absence means the default.
    let inner;
    let arg = match (arg, rule.argument.as_ref()) {
        (Some(Expr::Dict(pairs)), Some(spec)) if !matches!(spec.keyword, OneOrMany::None) => {
            inner = pairs.iter().find_map(|(k, v)| {
                let key = k.as_str()?;
                spec.keyword.iter().any(|w| w == key).then_some(v)
            });
            inner
        }
        _ => arg,
    };
    // `"a" if append else "w"`: judged by the option that does the most; SQL that may be one
    // of several statements has what each of them has.
    if let Some(Expr::Choice(options)) = arg {
        let mut judged: Vec<Category> = options
            .iter()
            .flat_map(|option| classify_text(rule, classifier, Some(option)))
            .collect();
        judged.sort();
        judged.dedup();
        if classifier == Classifier::SqlVerb {
            return judged;
        }
        return judged
            .into_iter()
            .max_by_key(|c| (c.changes_state(), c.is_destructive(), *c))
            .map_or_else(|| vec![rule.category], |c| vec![c]);
    }
    classify_text(rule, classifier, arg)
}

fn classify_text(rule: &EffectRule, classifier: Classifier, arg: Option<&Expr>) -> Vec<Category> {
    let text = arg.and_then(literal_text);
    let one = |c| vec![c];
    match classifier {
        Classifier::SqlVerb => match text.as_deref().and_then(sql_category) {
            Some(category) => one(category),
            // Statements it cannot read may read or write.
            None if rule.category == Category::DbWrite => vec![Category::DbRead, Category::DbWrite],
            None => one(rule.category),
        },
        Classifier::FileMode => one(match text {
            Some(mode) if mode.contains(['w', 'a', 'x', '+']) => Category::FileWrite,
            Some(_) => Category::FileRead,
            // No mode argument means the default, read; a computed mode could be anything.
            None if arg.is_none() => Category::FileRead,
            None => rule.category,
        }),
        Classifier::HttpMethod => one(match text.as_deref().map(str::to_ascii_uppercase) {
            Some(m) if matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS" | "QUERY") => {
                Category::HttpRead
            }
            Some(_) => Category::HttpWrite,
            // Where the method may be left out, the default is GET.
            None if arg.is_none() => Category::HttpRead,
            None => rule.category,
        }),
        Classifier::CommandName => one(match arg.and_then(command_name) {
            Some(name) => command_category(rule.category, name),
            None => rule.category,
        }),
        Classifier::NonLiteral => match arg {
            Some(Expr::Str(_)) | None => Vec::new(),
            Some(_) => one(rule.category),
        },
    }
}

/// The class name of a command object (`new DeleteObjectCommand(...)` gives `DeleteObjectCommand`).
fn command_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Call(call) => call.callee.last_name(),
        _ => None,
    }
}

fn command_category(family: Category, name: &str) -> Category {
    let verb: String = name
        .chars()
        .enumerate()
        .take_while(|(i, c)| *i == 0 || !c.is_ascii_uppercase())
        .map(|(_, c)| c)
        .collect();
    let kind = match verb.as_str() {
        "Delete" | "Remove" | "Terminate" | "Purge" | "Destroy" | "Drop" | "Deregister" => 2,
        "Get" | "List" | "Describe" | "Head" | "Query" | "Scan" | "Select" | "Search"
        | "Lookup" | "Check" | "Validate" | "Estimate" | "Preview" | "Test" | "Detect" => 0,
        _ => 1,
    };
    let in_family = |read, write, delete| [read, write, delete][kind];
    match family {
        Category::DbRead | Category::DbWrite | Category::DbDelete => {
            in_family(Category::DbRead, Category::DbWrite, Category::DbDelete)
        }
        _ => in_family(
            Category::CloudRead,
            Category::CloudWrite,
            Category::CloudDelete,
        ),
    }
}

/// A string literal, or the first string argument of a wrapping call (`text("DELETE ...")`).
fn literal_text(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Str(s) => Some(s.to_string()),
        Expr::Call(call) => call.positional(0).and_then(literal_text),
        _ => None,
    }
}

/// An `INSERT` that cannot replace a row: no `OR REPLACE`, `ON CONFLICT ... DO UPDATE`, `ON
/// DUPLICATE KEY UPDATE`.
fn sql_adds_only(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    words.first() == Some(&"INSERT")
        && words.get(1) != Some(&"OR")
        && !upper.contains("ON CONFLICT")
        && !upper.contains("ON DUPLICATE")
}

fn sql_category(sql: &str) -> Option<Category> {
    let verb: String = sql
        .trim_start()
        .trim_start_matches('(')
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    match verb.as_str() {
        // `SET search_path`, `USE db`: session settings, not data.
        // Transaction control changes no data by itself (`BEGIN TRANSACTION READ ONLY`).
        "SELECT" | "SHOW" | "DESCRIBE" | "EXPLAIN" | "PRAGMA" | "WITH" | "SET" | "USE"
        | "BEGIN" | "START" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" => {
            Some(Category::DbRead)
        }
        "DELETE" | "DROP" | "TRUNCATE" => Some(Category::DbDelete),
        "INSERT" | "UPDATE" | "CREATE" | "ALTER" | "REPLACE" | "MERGE" | "UPSERT" | "GRANT"
        | "REVOKE" => Some(Category::DbWrite),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_is_valid() {
        Catalog::load(&CatalogFile::default(), "test").unwrap();
    }

    #[test]
    fn sql_verbs() {
        assert_eq!(sql_category("  select 1"), Some(Category::DbRead));
        assert_eq!(sql_category("DROP TABLE x"), Some(Category::DbDelete));
        assert_eq!(sql_category("insert into"), Some(Category::DbWrite));
        assert_eq!(sql_category("{query}"), None);
    }
}

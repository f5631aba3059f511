//! The command line. `main.rs` only calls [`run`], so tests can drive the CLI in process.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::config::{self, Config};
use crate::gate::{self, FailOn};
use crate::maturity::{Governance, InventoryState};
use crate::report;
use crate::scan::{Progress, inventory, scan_configured};
use crate::tree::{Disk, SourceTree};
use crate::walk::WalkOptions;

/// The file written at the root of the scanned path.
pub const INVENTORY_FILE: &str = "toolcalls.yaml";

/// Inventory the tools an AI agent can call, the side effects each one reaches, and the guards
/// in front of them.
#[derive(Debug, Parser)]
#[command(name = "agent-audit", version, args_conflicts_with_subcommands = true)]
#[command(
    after_help = "Examples:\n  agent-audit .                      scan, print a report, write ./toolcalls.yaml\n  agent-audit . --format yaml -o -   print the inventory instead of the report\n  agent-audit scan src --no-write    scan without writing anything\n  agent-audit check .                in CI: fail on a stale toolcalls.yaml or an unguarded destructive tool"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    scan: ScanArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan a directory (the default command).
    Scan(ScanArgs),
    /// Exit 1 when the committed toolcalls.yaml is stale or a tool fails the gate (for CI).
    Check(CheckArgs),
    /// Compare two inventories, or the tree at a git revision with the working tree (`--base`):
    /// tools added, removed and moved, effects gained and lost, guards lost, verdict and
    /// maturity changes.
    Diff(DiffArgs),
    /// Write a commented starter agent-audit.toml (never overwrites one).
    Init {
        /// Directory to write agent-audit.toml in.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// List the built-in rules (id and doc), or print one rule's id, doc and patterns.
    Rules {
        /// A rule id (`py.effect.http-write`); without one, every rule is listed.
        id: Option<String>,
    },
    /// Print a shell completion script for bash, zsh, fish, elvish or PowerShell.
    Completions { shell: clap_complete::Shell },
    /// Walk and parse only, for the benchmark's baseline (prints files, lines, seconds).
    #[command(hide = true)]
    ParseOnly {
        #[arg(default_value = ".")]
        path: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Yaml,
    Json,
    /// SARIF 2.1.0, for code-scanning uploads.
    Sarif,
    /// A summary for a CI job page or a comment.
    Markdown,
}

#[derive(Debug, Args)]
struct ScanArgs {
    /// Directory to scan.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to FILE instead of standard output (`-` for standard output).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Do not write toolcalls.yaml at the scanned root.
    #[arg(long)]
    no_write: bool,
    /// Scan only files matching GLOB (repeatable; gitignore syntax, relative to PATH).
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Skip files matching GLOB (repeatable; gitignore syntax, relative to PATH).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Config file (default: PATH/agent-audit.toml when it exists).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Exit 1 when a tool breaks this rule (default: never).
    #[arg(long, value_enum, value_name = "RULE")]
    fail_on: Option<FailOn>,
    /// An earlier toolcalls.yaml: only tools that are new or worse than there fail the gate.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Text,
    /// A pull-request comment, new destructive capabilities first.
    Markdown,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  agent-audit diff old.yaml toolcalls.yaml\n  agent-audit diff --base origin/main .               the working tree against a revision\n  agent-audit diff --base origin/main --format markdown > comment.md"
)]
struct DiffArgs {
    /// The inventory before the change (a toolcalls.yaml); with --base, the directory to scan
    /// [default: .].
    #[arg(required_unless_present = "base")]
    old: Option<PathBuf>,
    /// The inventory after the change.
    #[arg(required_unless_present = "base", conflicts_with = "base")]
    new: Option<PathBuf>,
    /// Scan the directory as it was at this git revision (read from the object database; no
    /// checkout) and compare it with the working tree.
    #[arg(long, value_name = "REF")]
    base: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Directory to check (holding the committed toolcalls.yaml).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The rule tools must keep [default: `[gate] fail_on` in agent-audit.toml, else
    /// destructive-unguarded].
    #[arg(long, value_enum, value_name = "RULE")]
    fail_on: Option<FailOn>,
    /// Config file (default: PATH/agent-audit.toml when it exists).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// An earlier toolcalls.yaml: only tools that are new or worse than there fail the gate.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
}

/// Runs the CLI with `args` (including the program name) and returns the exit code:
/// 0 ok, 1 gate failed, 2 usage or input error.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Some(Command::Scan(args)) => run_scan(&args),
        Some(Command::ParseOnly { path }) => return parse_only(&path),
        Some(Command::Diff(args)) => run_diff(&args),
        Some(Command::Check(args)) => run_check(&args),
        Some(Command::Init { path }) => run_init(&path),
        Some(Command::Rules { id }) => run_rules(id.as_deref()),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "agent-audit", &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        None => run_scan(&cli.scan),
    };
    // Usage and input errors (a missing path, an invalid config) exit with 2.
    result.unwrap_or_else(|report| {
        eprintln!("{report:?}");
        ExitCode::from(2)
    })
}

/// `agent-audit rules [ID]`: the rule list, or one rule.
fn run_rules(id: Option<&str>) -> miette::Result<ExitCode> {
    let text = match id {
        None => crate::rules::list_text(),
        Some(id) => match crate::rules::find(id) {
            Some(rule) => crate::rules::rule_text(&rule),
            None => {
                let near: Vec<String> = crate::rules::builtin_rules()
                    .into_iter()
                    .filter(|r| r.id.contains(id) || id.contains(r.id.as_str()))
                    .map(|r| r.id)
                    .take(8)
                    .collect();
                if near.is_empty() {
                    miette::bail!("no rule `{id}`: `agent-audit rules` lists them");
                }
                miette::bail!("no rule `{id}`; did you mean {}?", near.join(", "));
            }
        },
    };
    print_stdout(&text);
    Ok(ExitCode::SUCCESS)
}

/// Loads the config for the directory `root` and scans it.
fn scan_root(
    root: &Path,
    config_file: Option<&Path>,
    include: &[String],
    exclude: &[String],
) -> miette::Result<(Config, crate::scan::ScanOutput)> {
    if !root.exists() {
        miette::bail!("path `{}` does not exist", root.display());
    }
    if !root.is_dir() {
        miette::bail!("path `{}` is not a directory", root.display());
    }
    let (config, config_path) = load_config(root, config_file)?;
    let origin = config_path
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let output = scan_configured(
        &Disk::new(root),
        &config,
        &origin,
        include,
        exclude,
        &TerminalProgress::new(),
    )
    .map_err(|e| miette::miette!("{e}"))?;
    Ok((config, output))
}

/// A progress bar on standard error for long scans, only on a terminal and never in CI.
struct TerminalProgress {
    bar: Option<indicatif::ProgressBar>,
}

impl TerminalProgress {
    /// Scans of fewer files than this finish before a bar would help.
    const MIN_FILES: usize = 500;

    fn new() -> Self {
        use std::io::IsTerminal;
        let show = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        TerminalProgress {
            bar: show.then(indicatif::ProgressBar::hidden),
        }
    }
}

impl Progress for TerminalProgress {
    fn start(&self, files: usize) {
        if let Some(bar) = &self.bar
            && files >= Self::MIN_FILES
        {
            bar.set_length(files as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} parsing {pos}/{len} files {wide_bar}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn advance(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn run_scan(args: &ScanArgs) -> miette::Result<ExitCode> {
    let root = &args.path;
    let (config, output) = scan_root(root, args.config.as_deref(), &args.include, &args.exclude)?;

    let inventory_path = root.join(INVENTORY_FILE);
    let state = if args.no_write {
        existing_state(std::fs::read_to_string(&inventory_path).ok(), &output.tools)
    } else {
        InventoryState::Written
    };
    let governance = Governance::discover(&Disk::new(root), &config);
    let inventory = inventory(
        output.tools,
        output.agents,
        &output.notes,
        state,
        &governance,
    );
    let yaml = report::yaml(&inventory);
    if !args.no_write {
        write_if_changed(&inventory_path, &yaml)?;
    }
    // The text report lists notes itself; other formats keep standard output machine-readable.
    let notes_on_stderr = args.format != Format::Text || args.output.is_some();
    for note in output.notes.iter().filter(|_| notes_on_stderr) {
        eprintln!("warning: {}: {}", note.place(), note.message);
    }
    let rendered = match args.format {
        Format::Text => report::text::render(&inventory, &output.notes, output.stats),
        Format::Yaml => yaml,
        Format::Json => report::json(&inventory),
        Format::Sarif => report::sarif::render(&inventory),
        Format::Markdown => report::markdown::render(&inventory),
    };
    match args.output.as_deref() {
        None => print_stdout(&rendered),
        Some(p) if p == Path::new("-") => print_stdout(&rendered),
        Some(p) => std::fs::write(p, rendered)
            .map_err(|e| miette::miette!("cannot write {}: {e}", p.display()))?,
    }
    if let Some(rule) = args.fail_on {
        let baseline = load_baseline(args.baseline.as_deref())?;
        let failing = gate::violations(&inventory.tools, rule, baseline.as_deref());
        if !failing.is_empty() {
            eprint!("{}", gate::describe(&failing, rule));
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `agent-audit check`: the committed inventory must match the code, and the gate must hold.
fn run_check(args: &CheckArgs) -> miette::Result<ExitCode> {
    let root = &args.path;
    let (config, output) = scan_root(root, args.config.as_deref(), &[], &[])?;
    let rule = args
        .fail_on
        .or_else(|| config.gate.as_ref().and_then(|g| g.fail_on))
        .unwrap_or(FailOn::DestructiveUnguarded);
    let inventory_path = root.join(INVENTORY_FILE);
    let refresh = format!("agent-audit {}", root.display());
    let mut failed = false;
    match std::fs::read_to_string(&inventory_path) {
        Err(_) => {
            eprintln!(
                "error: no {INVENTORY_FILE} in {}: run `{refresh}` and commit it",
                root.display()
            );
            failed = true;
        }
        Ok(text) => match report::parse_yaml(&text) {
            Err(err) => {
                eprintln!(
                    "error: {} is not a valid inventory ({err}): run `{refresh}` to rewrite it",
                    inventory_path.display()
                );
                failed = true;
            }
            Ok(old) => {
                let changes = stale_tools(&old.tools, &output.tools);
                let agents = |agents: &[crate::model::Agent]| {
                    let mut agents = agents.to_vec();
                    agents.iter_mut().for_each(|a| a.rule.clear());
                    agents
                };
                if !changes.is_empty() || agents(&old.agents) != agents(&output.agents) {
                    eprintln!(
                        "error: {} is stale: run `{refresh}` and commit it",
                        inventory_path.display()
                    );
                    for change in &changes {
                        eprintln!("  {change}");
                    }
                    if changes.is_empty() {
                        eprintln!("  the agents and their tool lists changed");
                    }
                    failed = true;
                }
            }
        },
    }
    let baseline = load_baseline(args.baseline.as_deref())?;
    let failing = gate::violations(&output.tools, rule, baseline.as_deref());
    if !failing.is_empty() {
        eprint!("{}", gate::describe(&failing, rule));
        failed = true;
    }
    if failed {
        return Ok(ExitCode::from(1));
    }
    println!(
        "ok: {INVENTORY_FILE} is current; {} tools, none fails --fail-on {rule}",
        output.tools.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The starter config `agent-audit init` writes: every table, commented out.
const STARTER_CONFIG: &str = include_str!("starter.toml");

fn run_init(dir: &Path) -> miette::Result<ExitCode> {
    if !dir.is_dir() {
        miette::bail!("path `{}` is not a directory", dir.display());
    }
    let path = dir.join(config::CONFIG_FILE);
    if path.exists() {
        miette::bail!("{} already exists; not overwriting it", path.display());
    }
    std::fs::write(&path, STARTER_CONFIG)
        .map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn run_diff(args: &DiffArgs) -> miette::Result<ExitCode> {
    let (old, new) = match (&args.base, &args.old, &args.new) {
        (Some(rev), path, _) => {
            diff_against_revision(path.as_deref().unwrap_or(Path::new(".")), rev)?
        }
        (None, Some(old), Some(new)) => (read_inventory(old)?, read_inventory(new)?),
        _ => miette::bail!("give two inventories, or --base REF"),
    };
    let changes = crate::diff::diff(&old, &new);
    print_stdout(&match args.format {
        DiffFormat::Text => crate::diff::text(&changes),
        DiffFormat::Markdown => crate::diff::markdown(&changes),
    });
    Ok(ExitCode::SUCCESS)
}

fn read_inventory(path: &Path) -> miette::Result<crate::model::Inventory> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| miette::miette!("cannot read {}: {e}", path.display()))?;
    report::parse_yaml(&text)
        .map_err(|e| miette::miette!("{} is not an inventory: {e}", path.display()))
}

/// The inventories of `root` at the revision `rev` and in the working tree; neither is written.
fn diff_against_revision(
    root: &Path,
    rev: &str,
) -> miette::Result<(crate::model::Inventory, crate::model::Inventory)> {
    let (config, output) = scan_root(root, None, &[], &[])?;
    let new = tree_inventory(&Disk::new(root), &config, output);

    let tree = crate::git::GitTree::open(root, rev).map_err(|e| miette::miette!("{e}"))?;
    // The revision is judged by its own agent-audit.toml.
    let origin = format!("{rev}:{}", config::CONFIG_FILE);
    let config = match tree.read_text(config::CONFIG_FILE) {
        Some(text) => config::parse(text, Path::new(&origin)).map_err(config_diagnostic)?,
        None => Config::default(),
    };
    let output = scan_configured(&tree, &config, &origin, &[], &[], &TerminalProgress::new())
        .map_err(|e| miette::miette!("{rev}: {e}"))?;
    let old = tree_inventory(&tree, &config, output);
    Ok((old, new))
}

/// The inventory of a scan of `tree`, judging the toolcalls.yaml committed there.
fn tree_inventory(
    tree: &dyn SourceTree,
    config: &Config,
    output: crate::scan::ScanOutput,
) -> crate::model::Inventory {
    let state = existing_state(tree.read_text(INVENTORY_FILE), &output.tools);
    inventory(
        output.tools,
        output.agents,
        &output.notes,
        state,
        &Governance::discover(tree, config),
    )
}

/// The tools of a baseline inventory, when one is given.
fn load_baseline(path: Option<&Path>) -> miette::Result<Option<Vec<crate::model::Tool>>> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| miette::miette!("cannot read baseline {}: {e}", path.display()))?;
    let inventory = report::parse_yaml(&text)
        .map_err(|e| miette::miette!("baseline {} is not an inventory: {e}", path.display()))?;
    Ok(Some(inventory.tools))
}

/// How the tools in the code differ from the committed ones, one line each.
/// The names of the rules behind tools, effects and guards are not compared: a renamed rule
/// changes nothing a tool does.
fn stale_tools(old: &[crate::model::Tool], new: &[crate::model::Tool]) -> Vec<String> {
    let mut out = Vec::new();
    for tool in new {
        match old.iter().find(|t| t.id == tool.id) {
            None => out.push(format!("added: {} ({})", tool.id, tool.at())),
            Some(before) if before.without_rules() != tool.without_rules() => out.push(format!(
                "changed: {} ({}): {}",
                tool.id,
                tool.at(),
                changed_parts(before, tool).join(", ")
            )),
            Some(_) => {}
        }
    }
    for tool in old {
        if !new.iter().any(|t| t.id == tool.id) {
            out.push(format!("removed: {}", tool.id));
        }
    }
    out
}

/// What differs between two versions of a tool, in the inventory's words.
fn changed_parts(old: &crate::model::Tool, new: &crate::model::Tool) -> Vec<&'static str> {
    let (old, new) = (&old.without_rules(), &new.without_rules());
    let parts = [
        (old.effects != new.effects, "effects"),
        (old.guards != new.guards, "guards"),
        (old.verdict != new.verdict, "verdict"),
        (old.suppressed != new.suppressed, "suppression"),
        (old.findings != new.findings, "findings"),
        ((old.cell, old.line) != (new.cell, new.line), "line"),
    ];
    let mut changed: Vec<&str> = parts.iter().filter(|(c, _)| *c).map(|(_, p)| *p).collect();
    if changed.is_empty() {
        changed.push("details");
    }
    changed
}

fn parse_only(root: &Path) -> ExitCode {
    let start = std::time::Instant::now();
    match crate::scan::parse_only(root, &WalkOptions::default()) {
        Ok((files, lines)) => {
            println!(
                "parse-only: {files} files, {lines} lines, {:.2} s",
                start.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Writes `text` unless the file already holds exactly that (keeps mtimes stable).
fn write_if_changed(path: &Path, text: &str) -> miette::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| miette::miette!("cannot write {}: {e}", path.display()))
}

/// How the inventory file's `text` (when there is one) stands to the `tools` found.
fn existing_state(text: Option<String>, tools: &[crate::model::Tool]) -> InventoryState {
    match text {
        None => InventoryState::Missing,
        Some(text) => match report::parse_yaml(&text) {
            Ok(old) if old.tools == tools => InventoryState::Current,
            _ => InventoryState::Stale,
        },
    }
}

#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("invalid config file")]
struct ConfigDiagnostic {
    #[source_code]
    src: NamedSource<String>,
    #[label("{message}")]
    span: SourceSpan,
    message: String,
}

fn load_config(root: &Path, explicit: Option<&Path>) -> miette::Result<(Config, Option<PathBuf>)> {
    match config::load(root, explicit) {
        Ok(loaded) => Ok(loaded),
        Err(err) => Err(config_diagnostic(err)),
    }
}

/// A config error as a diagnostic, pointing into the file when it does not parse.
fn config_diagnostic(err: config::ConfigError) -> miette::Report {
    match err {
        config::ConfigError::Parse {
            path,
            text,
            message,
        } => {
            // Re-parse to recover the span for a pointed diagnostic.
            let span = toml::from_str::<Config>(&text)
                .err()
                .and_then(|e| e.span())
                .unwrap_or(0..0);
            let first_line = message.lines().last().unwrap_or(&message).to_string();
            ConfigDiagnostic {
                src: NamedSource::new(path.display().to_string(), text),
                span: span.into(),
                message: first_line,
            }
            .into()
        }
        err => miette::miette!("{err}"),
    }
}

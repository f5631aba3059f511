//! The command line. `main.rs` only calls [`run`], so tests can drive the CLI in process.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::catalog::Catalog;
use crate::config::{self, Config};
use crate::maturity::{Governance, InventoryState};
use crate::report;
use crate::scan::{inventory, scan};
use crate::walk::WalkOptions;

/// The file written at the root of the scanned path.
pub const INVENTORY_FILE: &str = "toolcalls.yaml";

/// Inventory the tools an AI agent can call, the side effects each one reaches, and the guards
/// in front of them.
#[derive(Debug, Parser)]
#[command(name = "agent-audit", version, args_conflicts_with_subcommands = true)]
#[command(
    after_help = "Examples:\n  agent-audit .                      scan, print a report, write ./toolcalls.yaml\n  agent-audit . --format yaml -o -   print the inventory instead of the report\n  agent-audit scan src --no-write    scan without writing anything"
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
    let args = match cli.command {
        Some(Command::Scan(args)) => args,
        Some(Command::ParseOnly { path }) => return parse_only(&path),
        None => cli.scan,
    };
    match run_scan(&args) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

fn run_scan(args: &ScanArgs) -> miette::Result<ExitCode> {
    let root = &args.path;
    if !root.exists() {
        miette::bail!("path `{}` does not exist", root.display());
    }
    if !root.is_dir() {
        miette::bail!("path `{}` is not a directory", root.display());
    }
    let (config, config_path) = load_config(root, args.config.as_deref())?;
    let catalog = Catalog::load(
        &config.catalog_file(),
        &config_path
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    )
    .map_err(|e| miette::miette!("{e}"))?;
    let mut options = WalkOptions {
        include: config.scan.include.clone(),
        exclude: config.scan.exclude.clone(),
        ..WalkOptions::default()
    };
    options.include.extend(args.include.iter().cloned());
    options.exclude.extend(args.exclude.iter().cloned());
    if let Some(max) = config.scan.max_file_size {
        options.max_file_size = max;
    }
    let output = scan(root, &options, &catalog).map_err(|e| miette::miette!("{e}"))?;

    let inventory_path = root.join(INVENTORY_FILE);
    let state = if args.no_write {
        existing_state(&inventory_path, &output.tools)
    } else {
        InventoryState::Written
    };
    let governance = Governance::discover(root, &config);
    let inventory = inventory(output.tools, output.agents, state, &governance);
    let yaml = report::yaml(&inventory);
    if !args.no_write {
        write_if_changed(&inventory_path, &yaml)?;
    }
    // The text report lists notes itself; other formats keep standard output machine-readable.
    let notes_on_stderr = args.format != Format::Text || args.output.is_some();
    for note in output.notes.iter().filter(|_| notes_on_stderr) {
        let at = match note.line {
            Some(line) => format!("{}:{}", note.path, line),
            None => note.path.clone(),
        };
        eprintln!("warning: {at}: {}", note.message);
    }
    let rendered = match args.format {
        Format::Text => report::text::render(&inventory, &output.notes, output.stats),
        Format::Yaml => yaml,
        Format::Json => report::json(&inventory),
    };
    match args.output.as_deref() {
        None => print_stdout(&rendered),
        Some(p) if p == Path::new("-") => print_stdout(&rendered),
        Some(p) => std::fs::write(p, rendered)
            .map_err(|e| miette::miette!("cannot write {}: {e}", p.display()))?,
    }
    Ok(ExitCode::SUCCESS)
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

fn existing_state(path: &Path, tools: &[crate::model::Tool]) -> InventoryState {
    match std::fs::read_to_string(path) {
        Err(_) => InventoryState::Missing,
        Ok(text) => match report::parse_yaml(&text) {
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
        Err(config::ConfigError::Parse { path, message }) => {
            // Re-parse to recover the span for a pointed diagnostic.
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let span = toml::from_str::<Config>(&text)
                .err()
                .and_then(|e| e.span())
                .unwrap_or(0..0);
            let first_line = message.lines().last().unwrap_or(&message).to_string();
            Err(ConfigDiagnostic {
                src: NamedSource::new(path.display().to_string(), text),
                span: span.into(),
                message: first_line,
            }
            .into())
        }
        Err(err) => Err(miette::miette!("{err}")),
    }
}

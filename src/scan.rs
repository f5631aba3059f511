//! The pipeline: walk → parse → facts → link → detect → effects → assess.

use std::path::Path;

use rayon::prelude::*;

use crate::assess::{assess_project, summarize};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::facts::FileFacts;
use crate::lang;
use crate::link::Project;
use crate::maturity::{self, Governance, InventoryState};
use crate::model::{Agent, Inventory, SCHEMA, Tool};
pub use crate::note::Note;
use crate::tree::{Disk, SourceTree};
use crate::tsconfig::ModuleAliases;
use crate::walk::{Skipped, SourceFile, WalkError, WalkOptions};

#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub files: usize,
    pub lines: u64,
}

pub struct ScanOutput {
    pub tools: Vec<Tool>,
    pub agents: Vec<Agent>,
    pub notes: Vec<Note>,
    pub stats: Stats,
}

/// Told how parsing advances, for a progress display.
pub trait Progress: Sync {
    /// Parsing starts on `files` files.
    fn start(&self, files: usize);
    /// One more file is parsed.
    fn advance(&self);
    /// Parsing is over.
    fn finish(&self);
}

/// No progress display.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: usize) {}
    fn advance(&self) {}
    fn finish(&self) {}
}

/// Why a configured scan could not run.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error(transparent)]
    Walk(#[from] WalkError),
}

/// Scans `tree` as `config` (read from `config_origin`) says, with the extra include and
/// exclude globs of the command line, and applies the config's suppressions.
pub fn scan_configured(
    tree: &dyn SourceTree,
    config: &Config,
    config_origin: &str,
    include: &[String],
    exclude: &[String],
    progress: &dyn Progress,
) -> Result<ScanOutput, ScanError> {
    let catalog = Catalog::load(&config.catalog_file(), config_origin)?;
    let mut options = WalkOptions {
        include: config.scan.include.clone(),
        exclude: config.scan.exclude.clone(),
        ..WalkOptions::default()
    };
    options.include.extend(include.iter().cloned());
    options.exclude.extend(exclude.iter().cloned());
    if let Some(max) = config.scan.max_file_size {
        options.max_file_size = max;
    }
    let mut output = scan_with_progress(tree, &options, &catalog, progress)?;
    crate::suppress::apply_config(config, &mut output, &crate::suppress::today());
    Ok(output)
}

/// Scans the directory `root`.
pub fn scan(
    root: &Path,
    options: &WalkOptions,
    catalog: &Catalog,
) -> Result<ScanOutput, WalkError> {
    scan_with_progress(&Disk::new(root), options, catalog, &Silent)
}

/// Scans `tree`, telling `progress` how parsing advances.
pub fn scan_with_progress(
    tree: &dyn SourceTree,
    options: &WalkOptions,
    catalog: &Catalog,
    progress: &dyn Progress,
) -> Result<ScanOutput, WalkError> {
    let mut timer = PhaseTimer::from_env();
    let (sources, skipped) = tree.walk(options)?;
    timer.lap("walk");
    let mut notes: Vec<Note> = skipped
        .into_iter()
        .map(|Skipped { path, reason }| Note::file(path, format!("skipped: {reason}")))
        .collect();
    let (aliases, problems) = ModuleAliases::discover(tree, &sources);
    notes.extend(problems.into_iter().map(|p| Note::file(p.path, p.message)));
    lang::warm_up();
    let prefix = tree.python_package_prefix();
    progress.start(sources.len());
    let parsed: Vec<(Option<FileFacts>, Option<Note>)> = sources
        .par_iter()
        .map(|s| {
            let parsed = parse_source(tree, s, &prefix);
            progress.advance();
            parsed
        })
        .collect();
    progress.finish();
    let mut files = Vec::with_capacity(parsed.len());
    for (facts, note) in parsed {
        notes.extend(note);
        files.extend(facts);
    }
    timer.lap("read + parse + facts");
    let stats = Stats {
        files: files.len(),
        lines: files.iter().map(|f| u64::from(f.lines)).sum(),
    };
    let project = Project::new(files, &prefix, aliases, catalog);
    timer.lap("link");
    let (mut tools, agents, written_at) = assess_project(&project, catalog, &mut notes);
    crate::suppress::apply_inline(
        &project.files,
        &mut tools,
        &written_at,
        &mut notes,
        &crate::suppress::today(),
    );
    timer.lap("detect + effects + assess");
    // Freeing the facts of a large tree (hundreds of thousands of small allocations) takes
    // as long as linking it; nothing waits for it, so it happens beside the report.
    std::thread::spawn(move || drop(project));
    notes.sort();
    Ok(ScanOutput {
        tools,
        agents,
        notes,
        stats,
    })
}

/// Walks, reads and parses into a syntax tree every file a scan would parse (binary and
/// minified files are left out there too), extracting nothing: the baseline for the benchmark.
/// Returns the number of files and lines.
pub fn parse_only(root: &Path, options: &WalkOptions) -> Result<(usize, u64), WalkError> {
    let tree = Disk::new(root);
    let (sources, _) = tree.walk(options)?;
    let parsed: Vec<u64> = sources
        .par_iter()
        .filter_map(|source| {
            let bytes = tree.read(&source.rel).ok()?;
            if bytes[..bytes.len().min(8192)].contains(&0) {
                return None;
            }
            let text = String::from_utf8_lossy(&bytes);
            if lang::looks_minified(source.language, &source.rel, &text) {
                return None;
            }
            lang::parse_tree_only(source.language, &source.rel, &text);
            Some(text.lines().count() as u64)
        })
        .collect();
    Ok((parsed.len(), parsed.iter().sum()))
}

/// Reads and parses one file. Binary files are skipped; invalid UTF-8 is replaced.
fn parse_source(
    tree: &dyn SourceTree,
    source: &SourceFile,
    package_prefix: &str,
) -> (Option<FileFacts>, Option<Note>) {
    let note = |message: String| Note::file(&source.rel, message);
    let bytes = match tree.read(&source.rel) {
        Ok(bytes) => bytes,
        Err(err) => return (None, Some(note(format!("skipped: cannot read: {err}")))),
    };
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return (None, Some(note("skipped: binary file".into())));
    }
    let (text, lossy) = match String::from_utf8(bytes) {
        Ok(text) => (text, false),
        Err(err) => (String::from_utf8_lossy(err.as_bytes()).into_owned(), true),
    };
    if lang::looks_minified(source.language, &source.rel, &text) {
        return (
            None,
            Some(note(
                "skipped: minified code (no tools can be told apart)".into(),
            )),
        );
    }
    let facts = match lang::parse(source.language, &source.rel, &text, package_prefix) {
        Ok(facts) => facts,
        Err(err) => return (None, Some(note(format!("skipped: {err}")))),
    };
    let note = if lossy {
        Some(note("not valid UTF-8; invalid bytes were replaced".into()))
    } else {
        facts
            .syntax_error_line
            .map(|line| Note::at_line(&facts, line, "syntax error; analysed what parsed"))
    };
    (Some(facts), note)
}

/// The inventory document for a scan.
pub fn inventory(
    tools: Vec<Tool>,
    agents: Vec<Agent>,
    notes: &[Note],
    state: InventoryState,
    governance: &Governance,
) -> Inventory {
    let mut summary = summarize(&tools);
    summary.notes = notes.len();
    Inventory {
        schema: SCHEMA.to_string(),
        summary,
        maturity: maturity::assess(&tools, &agents, state, governance),
        tools,
        agents,
        notes: notes
            .iter()
            .map(|n| crate::model::NoteEntry {
                file: n.path.clone(),
                cell: n.cell,
                line: n.line,
                message: n.message.clone(),
            })
            .collect(),
    }
}

/// Phase timings on standard error when `AGENT_AUDIT_TIMINGS` is set (for the benchmark).
struct PhaseTimer {
    last: Option<std::time::Instant>,
}

impl PhaseTimer {
    fn from_env() -> Self {
        PhaseTimer {
            last: std::env::var_os("AGENT_AUDIT_TIMINGS").map(|_| std::time::Instant::now()),
        }
    }

    fn lap(&mut self, phase: &str) {
        if let Some(last) = self.last {
            eprintln!("timing: {phase}: {:.3} s", last.elapsed().as_secs_f64());
            self.last = Some(std::time::Instant::now());
        }
    }
}

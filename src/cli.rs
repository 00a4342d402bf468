//! The command line: argument parsing and one library function per subcommand.
//!
//! Every subcommand returns an [`Exit`] code; `main` only parses, runs and exits, so tests
//! call [`run`] in-process with their own output buffers.

use crate::config::{self, Config};
use crate::diagnostic::{Diag, Diags};
use crate::gate::{FailOn, Gate};
use crate::lang::load::{RuleSources, load};
use crate::lang::{Logic, RuleSet, Within};
use crate::limits::Limits;
use crate::progress::Progress;
use crate::report::{self, Format, Report};
use crate::topology::Topology;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit codes (DESIGN contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing at or above `--fail-on`.
    Clean = 0,
    /// Findings at or above `--fail-on` (or failing rule tests).
    Findings = 1,
    /// Invalid input: topology, rules, arguments.
    Invalid = 2,
}

#[derive(Parser, Debug)]
#[command(
    name = "kbcheck",
    version,
    about = "Check a described mail topology against Microsoft Knowledge Base rules, before anything is deployed."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Human output shows at most N diagnostics (input errors, findings), then how many more
    /// of each code were left out; 0 shows all. JSON, SARIF and the other formats list all.
    #[arg(long, global = true, value_name = "N", default_value_t = 50)]
    pub max_diagnostics: usize,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check topology files against the rules (the main job).
    Check(CheckArgs),
    /// Check topology files for format, reference and vocabulary errors only.
    Validate(ValidateArgs),
    /// Run the test cases the rules carry.
    Test(TestArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Show a rule's KB article details and its logic in plain words.
    Explain(ExplainArgs),
    /// Print a JSON Schema (for editors and tools).
    Schema(SchemaArgs),
    /// Draw a topology as a diagram, with the findings highlighted.
    Graph(GraphArgs),
    /// Run a language server over standard input and output, for editors.
    Lsp(LspArgs),
    /// Start a new rule file from a skeleton.
    New(crate::newrule::NewArgs),
}

#[derive(Args, Debug, Clone)]
pub struct RuleArgs {
    /// Add rules from a file, a folder or a glob pattern (repeatable), besides those the
    /// project config lists.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<String>,
    /// Load rules from this file, folder or glob (repeatable) instead of those the project
    /// config lists; with `--rules`, both are loaded.
    #[arg(long = "only-rules", value_name = "PATH")]
    pub only_rules: Vec<String>,
    /// Leave out the rules built into kbcheck.
    #[arg(long)]
    pub no_default_rules: bool,
    /// Keep the built-in rules even if kbcheck.yaml says `no-default-rules: true`.
    #[arg(long, conflicts_with = "no_default_rules")]
    pub default_rules: bool,
    /// Read project settings from this file instead of the nearest kbcheck.yaml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore kbcheck.yaml (the nearest one, from this folder up to the repository root).
    #[arg(long)]
    pub no_config: bool,
    /// A closed world: a word the vocabulary does not know (an attribute, a node or link
    /// kind, a value outside an enumeration or the known values, a tag) is an error, not a
    /// warning [default: `strict` in kbcheck.yaml, else off].
    #[arg(long)]
    pub strict: bool,
}

impl RuleArgs {
    /// Rule sources: the project config's rules (unless `--only-rules` replaces them), then
    /// those `--rules` adds; the bundled rules unless left out.
    fn sources(&self, config: Option<&Config>) -> RuleSources {
        let no_default =
            (self.no_default_rules || self.default_rules).then_some(self.no_default_rules);
        config::rule_sources(config, &self.rules, &self.only_rules, no_default)
    }

    /// Whether unknown words are errors: `--strict`, else `strict` in the project config.
    fn strict(&self, config: Option<&Config>) -> bool {
        self.strict || config.and_then(|c| c.strict).unwrap_or(false)
    }

    /// The project config: `--config FILE`, else the nearest `kbcheck.yaml` from the current
    /// folder up to the repository root (unless `--no-config`). An invalid one is reported
    /// and is an error.
    fn project_config(&self, io: &mut Io<'_>) -> Result<Option<Config>, Exit> {
        let path = match (&self.config, self.no_config) {
            (_, true) => None,
            (Some(p), false) => Some(p.clone()),
            (None, false) => config::discover(),
        };
        let Some(path) = path else { return Ok(None) };
        match config::load(&path) {
            Ok(c) => Ok(Some(c)),
            Err(diags) => {
                io.diags(&diags);
                let _ = writeln!(
                    io.err,
                    "error: invalid config file `{}`; nothing was checked",
                    path.display()
                );
                Err(Exit::Invalid)
            }
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct LimitArgs {
    /// Largest input file, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_file_bytes)]
    pub max_file_bytes: usize,
    /// Deepest nesting of lists and maps in an input file (at most 5000).
    #[arg(long, value_name = "LEVELS", default_value_t = Limits::default().max_depth,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
              .range(1..=crate::limits::MAX_DEPTH_CEILING as u64))]
    pub max_depth: usize,
    /// Most YAML nodes (scalars, lists, maps) in one input file.
    #[arg(long, value_name = "COUNT", default_value_t = Limits::default().max_yaml_nodes)]
    pub max_yaml_nodes: usize,
    /// Most nodes in one topology.
    #[arg(long, value_name = "COUNT", default_value_t = Limits::default().max_nodes)]
    pub max_nodes: usize,
    /// Most links in one topology.
    #[arg(long, value_name = "COUNT", default_value_t = Limits::default().max_links)]
    pub max_links: usize,
    /// Most rule files loaded (the bundled ones included).
    #[arg(long, value_name = "COUNT", default_value_t = Limits::default().max_rules)]
    pub max_rules: usize,
    /// Largest compiled size of a rule's `matches` regular expression, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_regex_bytes)]
    pub max_regex_bytes: usize,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_bytes,
            max_depth: self.max_depth,
            max_yaml_nodes: self.max_yaml_nodes,
            max_nodes: self.max_nodes,
            max_links: self.max_links,
            max_rules: self.max_rules,
            max_regex_bytes: self.max_regex_bytes,
            ..Limits::default()
        }
    }

    /// The limits rule files are read with: the file-shape limits bound topologies only (or
    /// `--max-depth 5` would refuse the bundled rules), the rule limits apply.
    fn rule_limits(&self) -> Limits {
        Limits {
            max_rules: self.max_rules,
            max_regex_bytes: self.max_regex_bytes,
            ..Limits::default()
        }
    }
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Topology files (YAML or JSON), folders of them or quoted glob patterns.
    #[arg(required = true, value_name = "TOPOLOGY")]
    pub topologies: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Output format [default: human, or `format` in kbcheck.yaml].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to a file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the report in FORMAT to FILE (repeatable: one check, every format a CI
    /// needs), e.g. `--output-format sarif=kbcheck.sarif --output-format junit=kbcheck.xml`.
    /// Each file is written whole or not at all; standard output keeps `--format`.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_output_format)]
    pub output_format: Vec<(Format, PathBuf)>,
    /// The most characters of a Markdown report (a pull-request comment): findings,
    /// inconclusive results and warnings past it are counted, not shown.
    #[arg(long, value_name = "N", default_value_t = 60_000)]
    pub markdown_max_chars: usize,
    /// Exit 1 when a finding is at or above this severity [default: error, or `fail-on` in kbcheck.yaml].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Waivers file: accepted findings, each with a reason, an owner and an expiry date.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// The date waivers expire against, YYYY-MM-DD [default: $KBCHECK_TODAY, else the system date].
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// Compare with this earlier version of the topology: report what the change introduces,
    /// resolves and leaves; `--fail-on` then counts introduced findings only.
    #[arg(long, value_name = "OLD")]
    pub base: Option<PathBuf>,
    /// With `--base`: let findings the change leaves unchanged fail the run too.
    #[arg(long, requires = "base")]
    pub fail_on_existing: bool,
    /// Exit 1 when a rule could not be decided on an entity because a value it needs is not
    /// set (an inconclusive result), as for a finding: for strict gates.
    #[arg(long)]
    pub fail_on_inconclusive: bool,
    /// List each inconclusive result (rule, entity, the values not set), not just the count.
    #[arg(long)]
    pub show_inconclusive: bool,
    /// Which entities a rule that needs a value not set is reported as inconclusive for:
    /// those tagged `planned` (default), or all of them.
    #[arg(long, value_enum, default_value_t = crate::lang::InconclusiveFor::Planned)]
    pub inconclusive: crate::lang::InconclusiveFor,
    /// Show no progress indicator (shown otherwise on a terminal, for large topologies).
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Topology files (YAML or JSON), folders of them or quoted glob patterns.
    #[arg(required = true, value_name = "TOPOLOGY")]
    pub topologies: Vec<PathBuf>,
    /// Rule packs whose vocabularies the topologies use.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Show no progress indicator (shown otherwise on a terminal, for large topologies).
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Rule files, folders or globs to test (default: the bundled rules).
    #[arg(value_name = "RULES")]
    pub paths: Vec<String>,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Only rules for this KB article (e.g. Q151228).
    #[arg(long)]
    pub kb: Option<String>,
    /// Only rules whose products mention this text.
    #[arg(long)]
    pub product: Option<String>,
    /// Only rules with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Output as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The rule id.
    pub id: String,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Explain why the rule did or did not fire on this topology.
    #[arg(long, value_name = "FILE")]
    pub topology: Option<PathBuf>,
    /// With `--topology`: only this entity.
    #[arg(long, value_name = "ID", requires = "topology")]
    pub entity: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// Topology files, with the vocabulary's kinds and attributes.
    Topology,
    /// Rule files.
    Rule,
    /// Vocabulary files.
    Vocabulary,
    /// Waivers files (`--waivers`).
    Waivers,
    /// The project config file, kbcheck.yaml.
    Config,
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    pub kind: SchemaKind,
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// Where a run writes, and whether it may use colour.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub color: bool,
    /// The error diagnostics written so far, for the report of a run that failed.
    pub errors: Vec<Diag>,
    /// Diagnostics rendered per batch before the rest are counted by code (0 = all);
    /// [`run`] sets it from `--max-diagnostics`.
    pub max_diagnostics: usize,
}

impl<'a> Io<'a> {
    pub fn new(out: &'a mut dyn Write, err: &'a mut dyn Write, color: bool) -> Io<'a> {
        Io {
            out,
            err,
            color,
            errors: Vec::new(),
            max_diagnostics: 50,
        }
    }

    /// Render the first `max_diagnostics`, then a line per code of the rest; every error is
    /// kept for the failure report (JSON, SARIF and the other formats list them all).
    fn diags(&mut self, diags: &Diags) {
        let mut shown = report::Capped::new(self.max_diagnostics);
        for d in diags.iter() {
            shown.push(&d.code, || report::human::render_input(d, self.color));
            if d.is_error() {
                self.errors.push(d.clone());
            }
        }
        let _ = self.err.write_all(shown.finish().as_bytes());
    }

    fn diag(&mut self, d: &Diag) {
        let _ = self
            .err
            .write_all(report::human::render_input(d, self.color).as_bytes());
        if d.is_error() {
            self.errors.push(d.clone());
        }
    }
}

/// Parse arguments and run; argument errors exit 2 (help and version exit 0).
pub fn run(args: Vec<OsString>, io: &mut Io<'_>) -> Exit {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let text = if io.color {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            return if e.use_stderr() {
                let _ = io.err.write_all(text.as_bytes());
                Exit::Invalid
            } else {
                let _ = io.out.write_all(text.as_bytes());
                Exit::Clean
            };
        }
    };
    io.max_diagnostics = cli.max_diagnostics;
    match cli.command {
        Command::Check(a) => check(&a, io),
        Command::Validate(a) => validate(&a, io),
        Command::Test(a) => test(&a, io),
        Command::Rules(a) => list_rules(&a, io),
        Command::Explain(a) => explain(&a, io),
        Command::Schema(a) => schema(&a, io),
        Command::Graph(a) => graph(&a, io),
        Command::Lsp(a) => lsp(&a, io),
        Command::New(a) => match crate::newrule::run(&a, io.out) {
            Ok(()) => Exit::Clean,
            Err(d) => {
                io.diag(&d);
                Exit::Invalid
            }
        },
    }
}

/// Load the rules named by the flags and the project config.
fn load_rules(args: &RuleArgs, limits: &Limits, io: &mut Io<'_>) -> Option<RuleSet> {
    let config = args.project_config(io).ok()?;
    let mut set = load_sources(&args.sources(config.as_ref()), limits, io)?;
    set.vocab.strict = args.strict(config.as_ref());
    Some(set)
}

fn load_sources(sources: &RuleSources, limits: &Limits, io: &mut Io<'_>) -> Option<RuleSet> {
    match load(sources, limits) {
        Ok(set) => {
            io.diags(&set.warnings);
            Some(set)
        }
        Err(diags) => {
            io.diags(&diags);
            let n = diags.iter().filter(|d| d.is_error()).count();
            let _ = writeln!(
                io.err,
                "error: {n} problem{} in the rules; nothing was checked",
                report::plural(n)
            );
            None
        }
    }
}

/// Load one topology file: read, parse, refuse other kinds of files, validate, index.
pub fn load_topology(
    path: &Path,
    set: &RuleSet,
    limits: &Limits,
) -> Result<(Topology, Diags), Diags> {
    crate::inputs::load_topology(path, set, limits)
}

/// Load every topology the arguments name (files, folders, globs), collecting every file's
/// errors; a note on stderr for each kind of file a folder or glob brought and was skipped.
fn load_topologies(
    paths: &[PathBuf],
    set: &RuleSet,
    limits: &Limits,
    progress: Progress,
    io: &mut Io<'_>,
) -> Option<Vec<(Topology, Diags)>> {
    let loading = progress.loading(|| {
        let (inputs, _) = crate::inputs::expand(paths);
        inputs.into_iter().map(|i| i.path).collect()
    });
    let loaded = crate::inputs::load_all(paths, set, limits);
    drop(loading);
    match loaded {
        Ok(loaded) => {
            for note in &loaded.notes {
                let _ = writeln!(io.err, "note: {note}");
            }
            Some(loaded.topologies)
        }
        Err(diags) => {
            invalid_topology(&diags, io);
            None
        }
    }
}

/// Load the one topology file a command takes (`graph`, `explain --topology`, `--base`).
fn load_one(
    path: &Path,
    set: &RuleSet,
    limits: &Limits,
    io: &mut Io<'_>,
) -> Option<(Topology, Diags)> {
    load_topology(path, set, limits)
        .map_err(|diags| invalid_topology(&diags, io))
        .ok()
}

fn invalid_topology(diags: &Diags, io: &mut Io<'_>) {
    io.diags(diags);
    let strict = diags
        .iter()
        .any(|d| d.is_error() && crate::vocabulary::UNKNOWN_WORD_CODES.contains(&d.code.as_str()));
    if strict {
        let _ = writeln!(
            io.err,
            "note: `--strict` (or `strict: true` in kbcheck.yaml) makes words the vocabulary does not know errors; without it they are warnings"
        );
    }
    let _ = writeln!(io.err, "error: invalid topology; nothing was checked");
}

/// `FORMAT=FILE` of `--output-format`.
fn parse_output_format(text: &str) -> Result<(Format, PathBuf), String> {
    let Some((format, file)) = text.split_once('=') else {
        return Err(format!(
            "`{text}` is not `FORMAT=FILE`; write e.g. `sarif=kbcheck.sarif`"
        ));
    };
    let format = Format::from_str(format.trim(), true).map_err(|_| {
        let known: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_owned()))
            .collect();
        format!(
            "unknown format `{format}`; known formats: {}",
            known.join(", ")
        )
    })?;
    if file.is_empty() {
        return Err(format!(
            "`{text}` names no file; write e.g. `sarif=kbcheck.sarif`"
        ));
    }
    Ok((format, PathBuf::from(file)))
}

pub fn check(a: &CheckArgs, io: &mut Io<'_>) -> Exit {
    // A run that fails must not leave an old report for CI to upload as today's.
    for path in a
        .output
        .iter()
        .chain(a.output_format.iter().map(|(_, p)| p))
    {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                io.diag(&write_failed(path, &e));
                return Exit::Invalid;
            }
        }
    }
    let mut format = a.format;
    let exit = run_check(a, io, &mut format);
    if exit == Exit::Invalid {
        // Fail visibly in every format: the report says the run failed and why.
        let format = format.unwrap_or(Format::Human);
        for (extra, path) in &a.output_format {
            let text = report::failed::render(*extra, &io.errors);
            if let Err(e) = write_atomically(path, &text) {
                io.diag(&write_failed(path, &e));
            }
        }
        let text = report::failed::render(format, &io.errors);
        match &a.output {
            Some(path) => {
                if let Err(e) = write_atomically(path, &text) {
                    io.diag(&write_failed(path, &e));
                }
            }
            // Human output's diagnostics are on stderr already.
            None if format == Format::Human => {}
            None => {
                let _ = io.out.write_all(text.as_bytes());
            }
        }
    }
    exit
}

/// The diagnostic for an output file that cannot be written or replaced.
fn write_failed(path: &Path, e: &std::io::Error) -> Diag {
    Diag::error(
        "io::write_failed",
        format!("cannot write `{}`: {e}", path.display()),
    )
    .in_file(&path.display().to_string())
    .help("check that the folder exists and is writable")
}

/// Write `text` to `path` through a temporary file in the same folder renamed over it, so a
/// reader never sees half a report and a failed write leaves no stale one.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.kbcheck-{}.tmp", std::process::id()));
    let written = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// `check` up to its exit code; `format` is set once the format is known (flag or config).
fn run_check(a: &CheckArgs, io: &mut Io<'_>, format_out: &mut Option<Format>) -> Exit {
    let limits = a.limits.limits();
    let config = match a.rules.project_config(io) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let format = a
        .format
        .or(config.as_ref().and_then(|c| c.format))
        .unwrap_or(Format::Human);
    *format_out = Some(format);
    let fail_on = a
        .fail_on
        .or(config.as_ref().and_then(|c| c.fail_on))
        .unwrap_or(FailOn::Error);
    let waivers_path = a
        .waivers
        .clone()
        .or_else(|| config.as_ref().and_then(|c| c.waivers.clone()));
    if a.base.is_some() && a.topologies.len() != 1 {
        io.diag(
            &Diag::error(
                "cli::base_needs_one_topology",
                format!(
                    "`--base` compares one topology, but {} were given",
                    a.topologies.len()
                ),
            )
            .help("run `kbcheck check --base OLD.yaml NEW.yaml` once per topology"),
        );
        return Exit::Invalid;
    }
    let today = match crate::waivers::today(a.today.as_deref()) {
        Ok(d) => d,
        Err(d) => {
            io.diag(&d);
            return Exit::Invalid;
        }
    };
    // The file limits bound the topology files; rules (bundled ones included) keep the
    // defaults, or `--max-depth 5` would refuse the bundled rules before the topology is read.
    let Some(mut set) = load_sources(
        &a.rules.sources(config.as_ref()),
        &a.limits.rule_limits(),
        io,
    ) else {
        return Exit::Invalid;
    };
    set.inconclusive = a.inconclusive;
    set.vocab.strict = a.rules.strict(config.as_ref());
    // A gate never passes because its rules went missing.
    if set.rules.iter().all(|r| r.is_derivation()) {
        io.diag(
            &Diag::error(
                "rules::none_loaded",
                "no check or group rules are loaded, so nothing would be checked",
            )
            .help("drop `--no-default-rules`, or add rules with `--rules PATH`"),
        );
        return Exit::Invalid;
    }
    // Waivers and topologies are both read before giving up, so one run reports both.
    let mut waivers_failed = false;
    let waivers = match &waivers_path {
        None => None,
        Some(path) => match crate::waivers::load(path, &set) {
            Ok(w) => Some(w),
            Err(diags) => {
                io.diags(&diags);
                let n = diags.iter().filter(|d| d.is_error()).count();
                let _ = writeln!(
                    io.err,
                    "error: {n} problem{} in the waivers file `{}`; nothing was checked",
                    report::plural(n),
                    path.display()
                );
                waivers_failed = true;
                None
            }
        },
    };
    let progress = Progress::new(a.quiet, format != Format::Human && a.output.is_none());
    let topos = load_topologies(&a.topologies, &set, &limits, progress, io);
    let base = a.base.as_ref().map(|b| {
        let _loading = progress.loading(|| vec![b.clone()]);
        load_one(b, &set, &limits, io)
    });
    let (Some(topos), None | Some(Some(_))) = (topos, &base) else {
        return Exit::Invalid;
    };
    if waivers_failed {
        return Exit::Invalid;
    }
    let base = base.flatten();
    if base.is_some() && topos.len() != 1 {
        io.diag(
            &Diag::error(
                "cli::base_needs_one_topology",
                format!(
                    "`--base` compares one topology, but `{}` holds {}",
                    a.topologies
                        .first()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    topos.len()
                ),
            )
            .help("run `kbcheck check --base OLD.yaml NEW.yaml` once per topology"),
        );
        return Exit::Invalid;
    }
    let mut checked = Vec::new();
    for (topology, warnings) in topos {
        if format == Format::Human {
            io.diags(&warnings);
        }
        checked.push(evaluate(&set, topology, warnings, progress));
    }
    let diff = base.map(|(topology, warnings)| {
        crate::diff::compare(evaluate(&set, topology, warnings, progress), &mut checked)
    });
    let outcome = waivers.map(|w| w.apply(&mut checked, today));
    if format == Format::Human
        && let Some(o) = &outcome
    {
        io.diags(&o.problems);
    }
    // A closed-world gate refuses a waiver that may hide findings it was not written for.
    if set.vocab.strict
        && let Some(o) = &outcome
    {
        let unscoped: Vec<Diag> = o
            .problems
            .iter()
            .filter(|d| d.code == "kbcheck::waiver::unscoped")
            .map(|d| Diag {
                severity: miette::Severity::Error,
                ..d.clone()
            })
            .collect();
        if !unscoped.is_empty() {
            for d in &unscoped {
                io.diag(d);
            }
            let _ = writeln!(
                io.err,
                "error: `--strict` refuses waivers without `files` that match findings in several topology files; nothing was reported"
            );
            return Exit::Invalid;
        }
    }
    let gate = Gate {
        threshold: fail_on.threshold(),
        existing: a.fail_on_existing,
        inconclusive: a.fail_on_inconclusive,
    };
    let report = Report {
        checked: &checked,
        rules: &set,
        gate,
        waivers: outcome.as_ref(),
        diff: diff.as_ref(),
        show_inconclusive: a.show_inconclusive,
        config: config.as_ref().map(|c| c.file.as_str()),
        max_diagnostics: io.max_diagnostics,
        markdown_max_chars: a.markdown_max_chars,
    };
    // One evaluation, every report: the files of `--output-format`, then `--format`'s.
    for (extra, path) in &a.output_format {
        let text = report::render(*extra, &report, false);
        if let Err(e) = write_atomically(path, &text) {
            io.diag(&write_failed(path, &e));
            return Exit::Invalid;
        }
    }
    let color = io.color && a.output.is_none();
    let text = report::render(format, &report, color);
    if let Some(path) = &a.output {
        if let Err(e) = write_atomically(path, &text) {
            io.diag(&write_failed(path, &e));
            return Exit::Invalid;
        }
    } else {
        let _ = io.out.write_all(text.as_bytes());
    }
    let exit = if report.failing() > 0 {
        Exit::Findings
    } else {
        Exit::Clean
    };
    if EXITING.load(std::sync::atomic::Ordering::Relaxed) {
        // The process ends right after: freeing a million entities one allocation at a time
        // costs more than checking them, and the operating system reclaims it all at once.
        std::mem::forget(checked);
        std::mem::forget(set);
    }
    exit
}

/// Set by the binary: the process exits after the command, so big inputs need not be freed.
pub static EXITING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Evaluate the rules over one topology, showing progress on long runs.
fn evaluate(
    set: &RuleSet,
    topology: Topology,
    warnings: Diags,
    progress: Progress,
) -> crate::gate::Checked {
    let rules = set.rules.iter().filter(|r| !r.is_derivation()).count();
    let phase = progress.evaluating(topology.len(), rules);
    crate::gate::evaluate_with(set, topology, warnings, &|| phase.step())
}

pub fn validate(a: &ValidateArgs, io: &mut Io<'_>) -> Exit {
    let limits = a.limits.limits();
    let Some(set) = load_rules(&a.rules, &a.limits.rule_limits(), io) else {
        return Exit::Invalid;
    };
    let progress = Progress::new(a.quiet, false);
    let Some(topos) = load_topologies(&a.topologies, &set, &limits, progress, io) else {
        return Exit::Invalid;
    };
    for (t, warnings) in &topos {
        io.diags(warnings);
        let links = t.len() - t.node_count;
        let _ = writeln!(
            io.out,
            "{}: valid ({} nodes, {links} links, {} warnings)",
            t.file.name(),
            t.node_count,
            warnings.0.len()
        );
    }
    Exit::Clean
}

pub fn test(a: &TestArgs, io: &mut Io<'_>) -> Exit {
    let args = RuleArgs {
        rules: a.paths.clone(),
        only_rules: Vec::new(),
        no_default_rules: !a.paths.is_empty(),
        default_rules: false,
        config: None,
        no_config: true,
        strict: false,
    };
    let Some(set) = load_rules(&args, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    if set.rules.is_empty() {
        let _ = writeln!(io.err, "error: no rules to test");
        return Exit::Invalid;
    }
    let results = crate::ruletest::run(&set);
    let _ = io
        .out
        .write_all(crate::ruletest::render(&results).as_bytes());
    if results.iter().all(crate::ruletest::RuleResult::passed) {
        Exit::Clean
    } else {
        Exit::Findings
    }
}

pub fn list_rules(a: &RulesArgs, io: &mut Io<'_>) -> Exit {
    let Some(set) = load_rules(&a.rules, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    let shown: Vec<_> = set
        .rules
        .iter()
        .filter(|r| {
            a.kb.as_ref()
                .is_none_or(|kb| r.meta.kb.iter().any(|k| k.eq_ignore_ascii_case(kb)))
        })
        .filter(|r| {
            a.product.as_ref().is_none_or(|p| {
                r.meta
                    .products
                    .iter()
                    .any(|x| x.to_lowercase().contains(&p.to_lowercase()))
            })
        })
        .filter(|r| a.tag.as_ref().is_none_or(|t| r.meta.tags.contains(t)))
        .collect();
    if a.json {
        let list: Vec<serde_json::Value> = shown
            .iter()
            .map(|r| serde_json::json!({"id": r.id, "severity": r.max_level(), "severity_text": r.severity_text(), "kb": r.meta.kb, "title": r.meta.title, "url": r.url(), "kind": kind_word(r), "tags": r.meta.tags, "file": r.file.name()}))
            .collect();
        let _ = writeln!(
            io.out,
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
        return Exit::Clean;
    }
    let width = shown.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    let _ = writeln!(
        io.out,
        "{:width$}  {:8}  {:8}  {:10}  TITLE",
        "ID", "SEVERITY", "KIND", "KB"
    );
    for r in &shown {
        // The highest level the rule can report (SARIF's level too); `*` when it depends on
        // the entity (`kbcheck explain ID` says when).
        let sev = if r.is_derivation() {
            "-".to_owned()
        } else if r.severity.len() > 1 {
            format!("{}*", r.max_level().word())
        } else {
            r.max_level().word().to_owned()
        };
        let _ = writeln!(
            io.out,
            "{:width$}  {:8}  {:8}  {:10}  {}",
            r.id,
            sev,
            kind_word(r),
            r.meta.kb.join(","),
            r.meta.title
        );
    }
    if shown
        .iter()
        .any(|r| !r.is_derivation() && r.severity.len() > 1)
    {
        let _ = writeln!(
            io.out,
            "* the highest severity of a rule whose severity depends on the entity; `kbcheck explain ID` says when"
        );
    }
    let _ = writeln!(io.out, "{} rules", shown.len());
    Exit::Clean
}

fn kind_word(r: &crate::lang::Rule) -> &'static str {
    match r.logic {
        Logic::Check(_) => "check",
        Logic::Group(_) => "group",
        Logic::Derive(_) => "derive",
    }
}

pub fn explain(a: &ExplainArgs, io: &mut Io<'_>) -> Exit {
    let Some(set) = load_rules(&a.rules, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    let Some(rule) = set.get(&a.id) else {
        let ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
        io.diag(
            &Diag::error(
                "cli::unknown_rule",
                format!("no rule has the id `{}`", a.id),
            )
            .help(crate::diagnostic::suggestion_help(&a.id, &ids, "rule ids")),
        );
        return Exit::Invalid;
    };
    let Some(path) = &a.topology else {
        let _ = io.out.write_all(describe_rule(rule).as_bytes());
        return Exit::Clean;
    };
    let Some((topo, _)) = load_one(path, &set, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    let only = match &a.entity {
        None => None,
        Some(id) => match topo.by_id.get(id) {
            Some(i) => Some(*i),
            None => {
                let ids: Vec<&str> = topo.by_id.keys().map(String::as_str).collect();
                io.diag(
                    &Diag::error(
                        "cli::unknown_entity",
                        format!("`{}` has no entity `{id}`", path.display()),
                    )
                    .help(crate::diagnostic::suggestion_help(id, &ids, "ids")),
                );
                return Exit::Invalid;
            }
        },
    };
    let _ = io
        .out
        .write_all(crate::explain::why(rule, &set, &topo, only).as_bytes());
    Exit::Clean
}

/// A rule's metadata and logic in plain words.
pub fn describe_rule(rule: &crate::lang::Rule) -> String {
    let m = &rule.meta;
    let mut s = format!("{}: {}\n", rule.id, m.title);
    let mut field = |name: &str, value: String| {
        if !value.is_empty() {
            s.push_str(&format!("\n{name}:\n"));
            for line in value.lines() {
                s.push_str(&format!("  {line}\n"));
            }
        }
    };
    field("KB articles", m.kb.join(", "));
    field("Products", m.products.join("\n"));
    field("Symptoms", m.symptoms.join("\n"));
    field("Cause", m.cause.clone());
    field("Resolution", m.resolution.clone());
    field("References", m.references.join("\n"));
    let mut logic = Vec::new();
    let sel = &rule.select;
    let what = if sel.kinds.is_empty() {
        format!("every {}", sel.class.word())
    } else {
        format!("each {}", sel.kinds.join(" or "))
    };
    let tags = if sel.tags.is_empty() {
        String::new()
    } else {
        format!(" tagged {}", sel.tags.join(", "))
    };
    logic.push(format!(
        "Looks at {what}{tags}{}",
        if sel.cond.is_some() { " where:" } else { "" }
    ));
    if let Some(c) = &sel.cond {
        c.describe(1, &mut logic);
    }
    match &rule.logic {
        Logic::Check(None) => logic.push("and fires on every one of them.".to_owned()),
        Logic::Check(Some(c)) => {
            logic.push("and fires when:".to_owned());
            c.describe(1, &mut logic);
        }
        Logic::Group(g) => {
            let by: Vec<String> =
                g.by.iter()
                    .zip(g.each.iter().chain(std::iter::repeat(&false)))
                    .map(|(p, each)| {
                        if *each {
                            format!("each element of {}", p.describe())
                        } else {
                            p.describe()
                        }
                    })
                    .collect();
            let within = match &g.within {
                Within::Topology => "the whole topology".to_owned(),
                Within::Parent => "the same parent".to_owned(),
                Within::Site => "the same site".to_owned(),
                Within::Component(w) => {
                    format!("the same connected component over {}", w.describe())
                }
            };
            let size = match g.max {
                Some(m) => format!("between {} and {m}", g.min),
                None => format!("at least {}", g.min),
            };
            logic.push(format!(
                "groups them by {} within {within},",
                by.join(" and ")
            ));
            logic.push(format!(
                "and fires on each group of {size} members, naming every member."
            ));
        }
        Logic::Derive(d) => {
            if let Some(c) = &d.when {
                logic.push("when:".to_owned());
                c.describe(1, &mut logic);
            }
            let sets: Vec<String> = d
                .set
                .iter()
                .map(|(p, v)| format!("`{}` = {}", p.join("."), v.describe()))
                .collect();
            logic.push(format!(
                "and, where not written, derives {}.",
                sets.join(", ")
            ));
            if let Some(c) = &d.conflict {
                logic.push("Where a written value differs, it reports the entity:".to_owned());
                for (cond, level) in &c.severity {
                    match cond {
                        Some(w) => {
                            logic.push(format!("  severity {} when:", level.word()));
                            w.describe(2, &mut logic);
                        }
                        None => logic.push(format!("  severity {}.", level.word())),
                    }
                }
            }
        }
    }
    if !rule.is_derivation() {
        for (cond, level) in &rule.severity {
            match cond {
                Some(c) => {
                    logic.push(format!("Severity {} when:", level.word()));
                    c.describe(1, &mut logic);
                }
                None if rule.severity.len() > 1 => {
                    logic.push(format!("Otherwise severity {}.", level.word()))
                }
                None => logic.push(format!("Severity {}.", level.word())),
            }
        }
    }
    field("Logic", logic.join("\n"));
    s.push_str(&format!(
        "\nDefined in {}; {} test cases.\n",
        rule.file.name(),
        rule.tests.len()
    ));
    s
}

pub fn schema(a: &SchemaArgs, io: &mut Io<'_>) -> Exit {
    let text = match a.kind {
        SchemaKind::Topology => {
            let Some(set) = load_rules(&a.rules, &Limits::default(), io) else {
                return Exit::Invalid;
            };
            let mut t =
                serde_json::to_string_pretty(&set.vocab.topology_schema()).unwrap_or_default();
            t.push('\n');
            t
        }
        SchemaKind::Rule => include_str!("../schemas/rule.schema.json").to_owned(),
        SchemaKind::Vocabulary => include_str!("../schemas/vocabulary.schema.json").to_owned(),
        SchemaKind::Waivers => include_str!("../schemas/waivers.schema.json").to_owned(),
        SchemaKind::Config => include_str!("../schemas/config.schema.json").to_owned(),
    };
    let _ = io.out.write_all(text.as_bytes());
    Exit::Clean
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The topology file (YAML or JSON).
    #[arg(value_name = "TOPOLOGY")]
    pub topology: PathBuf,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "svg")]
    pub format: crate::graph::GraphFormat,
    /// Write the diagram to a file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Draw only the entities within N hops (links or containment) of a finding.
    #[arg(long, value_name = "N")]
    pub neighbourhood: Option<usize>,
}

/// `kbcheck graph`: check one topology and draw it with its findings. Exits 0 once drawn,
/// findings or not; 2 on invalid input.
pub fn graph(a: &GraphArgs, io: &mut Io<'_>) -> Exit {
    let Some(set) = load_rules(&a.rules, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    let Some((topology, warnings)) = load_one(&a.topology, &set, &Limits::default(), io) else {
        return Exit::Invalid;
    };
    io.diags(&warnings);
    let checked = crate::gate::evaluate(&set, topology, warnings);
    let opts = crate::graph::Options {
        neighbourhood: a.neighbourhood,
    };
    let diagram = crate::graph::build(&checked.topology, &checked.findings, &set, &opts);
    let text = crate::graph::render(&diagram, a.format, "");
    write_output(a.output.as_deref(), &text, io)
}

#[derive(Args, Debug)]
pub struct LspArgs {
    /// Accepted for editors that pass it: standard input and output is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

/// `kbcheck lsp`: serve an editor until it says `exit`. Exits 0 after `shutdown` then `exit`,
/// 1 for an `exit` without `shutdown` (as the protocol asks), 2 when the protocol breaks.
pub fn lsp(_a: &LspArgs, io: &mut Io<'_>) -> Exit {
    match crate::lsp::serve_stdio() {
        Ok(true) => Exit::Clean,
        Ok(false) => Exit::Findings,
        Err(e) => {
            let _ = writeln!(io.err, "error: the language server stopped: {e}");
            Exit::Invalid
        }
    }
}

/// Write a result to `--output FILE`, or to standard output.
fn write_output(path: Option<&Path>, text: &str, io: &mut Io<'_>) -> Exit {
    let Some(path) = path else {
        let _ = io.out.write_all(text.as_bytes());
        return Exit::Clean;
    };
    match write_atomically(path, text) {
        Ok(()) => Exit::Clean,
        Err(e) => {
            io.diag(&write_failed(path, &e));
            Exit::Invalid
        }
    }
}

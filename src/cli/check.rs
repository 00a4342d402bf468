//! `kbcheck check`: the main job, from flags and project config to every report format,
//! with waivers and the comparison with a base topology (`--base`).

use super::io::{write_atomically, write_atomically_with, write_failed};
use super::load::{load_one, load_sources, load_topologies, today};
use super::{EXITING, Exit, Io, LimitArgs, RuleArgs};
use crate::diagnostic::{Diag, Diags};
use crate::gate::{FailOn, Gate};
use crate::lang::RuleSet;
use crate::progress::Progress;
use crate::report::{self, Format, Report};
use crate::topology::Topology;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

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
    /// The date waivers expire against and rules compare dates with, YYYY-MM-DD [default: $KBCHECK_TODAY, else the system date].
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
    /// Human output shows at most N findings of each rule in full, then how many more
    /// (`0` = all); the machine formats list every finding.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_per_rule: usize,
    /// Most findings one run may hold: past it the run stops with an error (exit 2) and
    /// reports nothing, rather than exhaust the memory.
    #[arg(long, value_name = "COUNT", default_value_t = crate::limits::MAX_FINDINGS)]
    pub max_findings: usize,
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
    let Some(today) = today(a.today.as_deref(), io) else {
        return Exit::Invalid;
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
    set.today = Some(today);
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
    let budget = crate::engine::Budget::new(a.max_findings);
    for (topology, warnings) in topos {
        if format == Format::Human {
            io.diags(&warnings);
        }
        match evaluate(&set, topology, warnings, progress, &budget, io) {
            Some(c) => checked.push(c),
            None => return Exit::Invalid,
        }
    }
    let diff = match base {
        None => None,
        Some((topology, warnings)) => {
            match evaluate(&set, topology, warnings, progress, &budget, io) {
                Some(base) => Some(crate::diff::compare(base, &mut checked)),
                None => return Exit::Invalid,
            }
        }
    };
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
        max_per_rule: a.max_per_rule,
        markdown_max_chars: a.markdown_max_chars,
    };
    // One evaluation, every report: the files of `--output-format`, then `--format`'s,
    // each written as it is made.
    for (extra, path) in &a.output_format {
        let written = write_atomically_with(path, |w| report::write(*extra, &report, false, w));
        if let Err(e) = written {
            io.diag(&write_failed(path, &e));
            return Exit::Invalid;
        }
    }
    let color = io.color && a.output.is_none();
    if let Some(path) = &a.output {
        let written = write_atomically_with(path, |w| report::write(format, &report, color, w));
        if let Err(e) = written {
            io.diag(&write_failed(path, &e));
            return Exit::Invalid;
        }
    } else {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut *io.out);
        let _ = report::write(format, &report, color, &mut out)
            .and_then(|()| std::io::Write::flush(&mut out));
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

/// Evaluate the rules over one topology, showing progress on long runs; `None` (the error
/// reported) once the run holds more findings than `--max-findings`.
fn evaluate(
    set: &RuleSet,
    topology: Topology,
    warnings: Diags,
    progress: Progress,
    budget: &crate::engine::Budget,
    io: &mut Io<'_>,
) -> Option<crate::gate::Checked> {
    let rules = set.rules.iter().filter(|r| !r.is_derivation()).count();
    let phase = progress.evaluating(topology.len(), rules);
    let file = topology.file.name().to_owned();
    let checked = crate::gate::evaluate_within(set, topology, warnings, &|| phase.step(), budget);
    drop(phase);
    if checked.is_none() {
        io.diag(&crate::limits::too_many_findings(&file, budget.max()));
    }
    checked
}

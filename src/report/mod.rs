//! Reports: one renderer per output format, all reading the same [`Report`].
//!
//! The renderers share what every format needs — findings in the contract's order, the
//! topology locations of their entities, which findings fail the gate — from this module,
//! and each writes its own format only.

pub mod failed;
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod stream;

use crate::diff::Diff;
use crate::finding::Finding;
use crate::gate::{Checked, Gate};
use crate::lang::{Level, RuleSet};
use crate::topology::Topology;
use crate::waivers::Outcome;

/// Output formats of `kbcheck check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics for people, with the topology lines of every entity involved.
    Human,
    /// One JSON object: `findings` and `summary` (the stable contract for tools).
    Json,
    /// SARIF 2.1.0, for code-scanning tools (GitHub code scanning, Azure DevOps, IDEs).
    Sarif,
    /// JUnit XML, for CI servers' test reports: a suite per rule, a case per finding.
    Junit,
    /// Markdown, to post as a pull-request comment.
    Markdown,
    /// GitHub Actions workflow commands: an annotation per entity of each finding.
    Github,
    /// One self-contained HTML page: summary, diagram, filterable findings, KB details.
    Html,
}

/// Everything a renderer reads.
pub struct Report<'a> {
    pub checked: &'a [Checked],
    pub rules: &'a RuleSet,
    pub gate: Gate,
    /// The waivers applied, if a waivers file was given.
    pub waivers: Option<&'a Outcome>,
    /// The comparison with `--base`, if given.
    pub diff: Option<&'a Diff>,
    /// `--show-inconclusive`: list each inconclusive result in human output, not just the count.
    pub show_inconclusive: bool,
    /// The project config file the run used (`kbcheck.yaml` found or `--config`), if any.
    pub config: Option<&'a str>,
    /// `--max-diagnostics`: findings human output renders before counting the rest (0 = all).
    pub max_diagnostics: usize,
    /// `--max-per-rule`: findings of one rule human output renders before counting the rest
    /// (0 = all).
    pub max_per_rule: usize,
    /// `--markdown-max-chars`: the most characters of a Markdown report.
    pub markdown_max_chars: usize,
}

/// One finding with the topology it is about.
pub struct Item<'a> {
    pub topology: &'a Topology,
    pub finding: &'a Finding,
}

/// Where one entity of a finding is written.
#[derive(Debug, Clone)]
pub struct Location {
    pub entity: String,
    pub kind: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// Where the entity's id (its label) ends, when it is on the first line: exclusive column.
    pub end_column: Option<u32>,
}

impl<'a> Item<'a> {
    /// Entity ids, in the finding's order.
    pub fn ids(&self) -> Vec<&'a str> {
        self.finding.ids(self.topology)
    }

    /// The locations of every entity involved, the first entity first.
    pub fn locations(&self) -> Vec<Location> {
        self.locate(&self.finding.entities)
    }

    /// The locations of the nodes a group's key refers to (not members).
    pub fn key_locations(&self) -> Vec<Location> {
        self.locate(&self.finding.key_entities)
    }

    fn locate(&self, entities: &[crate::topology::Idx]) -> Vec<Location> {
        locate(self.topology, entities)
    }
}

/// One rule that could not be decided on an entity, with its topology.
pub struct Undecided<'a> {
    pub topology: &'a Topology,
    pub result: &'a crate::finding::Inconclusive,
}

impl Undecided<'_> {
    /// Where the entity is written.
    pub fn location(&self) -> Option<Location> {
        locate(self.topology, &[self.result.entity])
            .into_iter()
            .next()
    }

    /// "`RULE` could not be decided on server `S1`: not set: `version`", the same in every
    /// format.
    pub fn text(&self) -> String {
        let r = self.result;
        let e = self.topology.entity(r.entity);
        let group = r.group.as_ref().map_or_else(String::new, |(key, members)| {
            let ids: Vec<&str> = members
                .iter()
                .map(|&m| self.topology.entity(m).id.as_str())
                .collect();
            format!("; it would decide group `{key}` ({})", ids.join(", "))
        });
        format!(
            "`{}` could not be decided on {} `{}`: not set: {}{group}",
            r.rule,
            e.kind,
            e.id,
            r.missing_text(self.topology)
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The locations of some entities of a topology, in the order given.
fn locate(topology: &Topology, entities: &[crate::topology::Idx]) -> Vec<Location> {
    entities
        .iter()
        .map(|&i| {
            let e = topology.entity(i);
            let label = e.label_pos;
            let end_column =
                (label.line == e.pos.line && label.column >= e.pos.column).then(|| {
                    let span = topology.file.span(label);
                    let text = topology
                        .file
                        .text()
                        .get(span.offset()..span.offset() + span.len())
                        .unwrap_or("");
                    label.column + u32::try_from(text.chars().count()).unwrap_or(0)
                });
            Location {
                entity: e.id.clone(),
                kind: e.kind.to_string(),
                file: topology.file.name().to_owned(),
                line: e.pos.line,
                column: e.pos.column,
                end_column: end_column.filter(|&c| c > e.pos.column),
            }
        })
        .collect()
}

impl<'a> Report<'a> {
    /// Findings of every topology, sorted by rule id then entity ids (files in order).
    pub fn findings(&self) -> Vec<Item<'a>> {
        let mut items: Vec<Item<'a>> = self
            .checked
            .iter()
            .flat_map(|c| {
                c.findings.iter().map(|f| Item {
                    topology: &c.topology,
                    finding: f,
                })
            })
            .collect();
        // Each topology's findings are sorted already: the sort merges their runs.
        items.sort_by(|a, b| a.finding.order(a.topology, b.finding, b.topology));
        items
    }

    /// With `--base`: the findings the change resolves, at their places in the base file.
    pub fn resolved(&self) -> Vec<Item<'a>> {
        let Some(diff) = self.diff else {
            return Vec::new();
        };
        let topology = &diff.base.topology;
        diff.base
            .findings
            .iter()
            .map(|f| Item {
                topology,
                finding: f,
            })
            .collect()
    }

    /// How many findings count toward `--fail-on`, plus, with `--fail-on-inconclusive`, the
    /// inconclusive results.
    pub fn failing(&self) -> usize {
        self.tally().failing_total()
    }

    /// The counts every format tells, computed once: see [`Tally`].
    pub fn tally(&self) -> Tally {
        let mut t = Tally {
            fail_on: self.fail_on_word(),
            ..Tally::default()
        };
        for f in self.checked.iter().flat_map(|c| &c.findings) {
            if f.waiver.is_some() {
                t.waived += 1;
                continue;
            }
            match f.severity {
                Level::Error => t.error += 1,
                Level::Warning => t.warning += 1,
                Level::Info => t.info += 1,
            }
            if self.gate.fails(f) {
                t.failing += 1;
            } else {
                t.not_failing += 1;
            }
        }
        t.inconclusive = self.inconclusive_count();
        t.inconclusive_fails = self.gate.inconclusive;
        t.warnings = self.warnings().count();
        t
    }

    /// Warnings about the input — words the vocabulary does not know, waivers expired or
    /// unused — in the order every format lists them.
    pub fn warnings(&self) -> impl Iterator<Item = &'a crate::diagnostic::Diag> {
        self.checked
            .iter()
            .flat_map(|c| c.warnings.iter())
            .chain(self.waiver_problems())
    }

    /// Every rule/entity pair that could not be decided, topology by topology.
    pub fn undecided(&self) -> Vec<Undecided<'a>> {
        self.checked
            .iter()
            .flat_map(|c| {
                c.inconclusive.iter().map(|result| Undecided {
                    topology: &c.topology,
                    result,
                })
            })
            .collect()
    }

    /// How many rule/entity pairs could not be decided, over every topology.
    pub fn inconclusive_count(&self) -> usize {
        self.checked.iter().map(|c| c.inconclusive.len()).sum()
    }

    /// The rules that report findings (derivations only supply values), sorted by id.
    pub fn reporting_rules(&self) -> Vec<&'a crate::lang::Rule> {
        self.rules.rules.iter().filter(|r| r.reports()).collect()
    }

    /// Warnings about the waivers (expired, unused).
    pub fn waiver_problems(&self) -> impl Iterator<Item = &'a crate::diagnostic::Diag> {
        self.waivers.into_iter().flat_map(|w| w.problems.iter())
    }

    /// The address of one KB article a finding cites: the article's page in the public KB
    /// archive, else (an id that is not a `Q` number) the rule's own link when it cites no
    /// other article.
    pub fn article_url(&self, f: &Finding, kb: &str) -> Option<String> {
        crate::kb::archive_url(kb).or_else(|| {
            (f.rule.kb.len() == 1)
                .then(|| self.rules.get(&f.rule.id).and_then(crate::lang::Rule::url))
                .flatten()
        })
    }

    /// The `--fail-on` threshold as its option value.
    pub fn fail_on_word(&self) -> &'static str {
        self.gate.threshold.map_or("never", Level::word)
    }
}

/// Render a report in a format, as one string (see [`write`]).
pub fn render(format: Format, report: &Report<'_>, color: bool) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only if memory does.
    let _ = write(format, report, color, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Write a report in a format to `out`. JSON, SARIF, JUnit and GitHub output are written as
/// they are made, a finding at a time, so their size never multiplies memory; human and
/// Markdown output are bounded (`--max-diagnostics`, `--max-per-rule`,
/// `--markdown-max-chars`); HTML is one page made whole.
pub fn write(
    format: Format,
    report: &Report<'_>,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => out.write_all(human::render(report, color).as_bytes()),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Markdown => out.write_all(markdown::render(report).as_bytes()),
        Format::Github => github::write(report, out),
        Format::Html => out.write_all(html::render(report).as_bytes()),
    }
}

/// The verdict and its counts, the same in every format. Severity counts leave waived
/// findings out (they are counted as waived only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Findings not waived, by severity.
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    /// Findings not waived that fail the gate (`--fail-on`, `--base`).
    pub failing: usize,
    /// Findings not waived that do not fail the gate.
    pub not_failing: usize,
    pub waived: usize,
    /// Rule/entity pairs that could not be decided.
    pub inconclusive: usize,
    /// `--fail-on-inconclusive`: inconclusive results fail the gate.
    pub inconclusive_fails: bool,
    /// Warnings about the input (unknown words, waivers expired or unused).
    pub warnings: usize,
    /// The `--fail-on` threshold as its option value.
    pub fail_on: &'static str,
}

impl Tally {
    /// What fails the gate: failing findings, and inconclusive results when they count.
    pub fn failing_total(&self) -> usize {
        self.failing
            + if self.inconclusive_fails {
                self.inconclusive
            } else {
                0
            }
    }

    /// Whether the run exits 1.
    pub fn fails(&self) -> bool {
        self.failing_total() > 0
    }

    /// "fails" or "passes".
    pub fn verdict(&self) -> &'static str {
        if self.fails() { "fails" } else { "passes" }
    }

    /// "1 error, 2 warnings, 0 info": the findings not waived, by severity.
    pub fn counts(&self) -> String {
        format!(
            "{} error{}, {} warning{}, {} info",
            self.error,
            plural(self.error),
            self.warning,
            plural(self.warning),
            self.info
        )
    }

    /// The one summary line every format shows: "kbcheck fails: 1 failing, 2 not failing,
    /// 1 waived, 0 inconclusive, 3 input warnings (--fail-on error)".
    pub fn line(&self) -> String {
        format!(
            "kbcheck {}: {} failing, {} not failing, {} waived, {} inconclusive{}, {} input warning{} (--fail-on {})",
            self.verdict(),
            self.failing,
            self.not_failing,
            self.waived,
            self.inconclusive,
            if self.inconclusive_fails && self.inconclusive > 0 {
                " (failing: --fail-on-inconclusive)"
            } else {
                ""
            },
            self.warnings,
            plural(self.warnings),
            self.fail_on,
        )
    }
}

/// "2 errors, 1 warning, 0 info": the counts every summary line starts with.
pub fn counts(s: &crate::finding::Summary) -> String {
    format!(
        "{} error{}, {} warning{}, {} info",
        s.error,
        plural(s.error),
        s.warning,
        plural(s.warning),
        s.info
    )
}

/// "s" after a count other than one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Human output bounded to the first `max` diagnostics (0 = all) and, for findings, the
/// first `per_code` of each rule (0 = all), then one line per code saying how many more
/// were left out. Diagnostics past the bounds are counted, not rendered.
pub struct Capped {
    max: usize,
    per_code: usize,
    shown: usize,
    /// How many of each code were shown, when `per_code` bounds them.
    shown_of: std::collections::HashMap<String, usize>,
    hidden: std::collections::BTreeMap<String, usize>,
    out: String,
}

impl Capped {
    pub fn new(max: usize) -> Capped {
        Capped::per_code(max, 0)
    }

    /// Findings: at most `max` in all and `per_code` of each rule (`--max-per-rule`).
    pub fn per_code(max: usize, per_code: usize) -> Capped {
        Capped {
            max,
            per_code,
            shown: 0,
            shown_of: std::collections::HashMap::new(),
            hidden: std::collections::BTreeMap::new(),
            out: String::new(),
        }
    }

    /// Add one diagnostic with this code; `render` runs only if it is shown.
    pub fn push(&mut self, code: &str, render: impl FnOnce() -> String) {
        if (self.max == 0 || self.shown < self.max) && self.room_for(code) {
            self.shown += 1;
            self.out.push_str(&render());
        } else if let Some(n) = self.hidden.get_mut(code) {
            *n += 1;
        } else {
            self.hidden.insert(code.to_owned(), 1);
        }
    }

    /// Whether another diagnostic of `code` may be shown (counting it if so).
    fn room_for(&mut self, code: &str) -> bool {
        if self.per_code == 0 {
            return true;
        }
        match self.shown_of.get_mut(code) {
            Some(n) if *n >= self.per_code => false,
            Some(n) => {
                *n += 1;
                true
            }
            None => {
                self.shown_of.insert(code.to_owned(), 1);
                true
            }
        }
    }

    /// The rendered diagnostics, then a line per code left out, codes in order.
    pub fn finish(mut self) -> String {
        let how = if self.per_code == 0 {
            "--max-diagnostics 0 shows all"
        } else {
            "--max-diagnostics 0 --max-per-rule 0 shows all; --format json lists every finding"
        };
        for (code, n) in &self.hidden {
            self.out
                .push_str(&format!("note: {n} more {code} not shown ({how})\n"));
        }
        self.out
    }
}

/// Render any miette diagnostic as text (graphical, with or without colour).
pub fn render_diagnostic(d: &dyn miette::Diagnostic, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    if handler.render_report(&mut out, d).is_err() {
        out = format!("{d}\n");
    }
    out
}

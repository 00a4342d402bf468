//! Human output: each finding as a miette diagnostic — the rule id as the code, a label
//! on the topology lines of every entity involved, the resolution as help, the KB article
//! as the link — then a one-line summary. With `--base`, a section per diff category. Rules
//! that could not be decided (inconclusive) are one more summary line, and with
//! `--show-inconclusive` a line each.

use super::{Capped, Report, counts, plural, render_diagnostic};
use crate::diagnostic::Diag;
use crate::finding::{Finding, Status, Summary};
use crate::lang::{Level, RuleSet};
use crate::topology::Topology;
use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, Severity, SourceCode, SourceSpan,
    SpanContents,
};
use std::collections::HashMap;
use std::sync::Arc;

pub fn render(report: &Report<'_>, color: bool) -> String {
    let rules = report.rules;
    let mut out = String::new();
    let max = report.max_diagnostics;
    let mut sources = Sources::default();
    // Each finding's snippets read only the lines they show, so output is linear in the
    // findings and the file.
    let mut show = |f: &Finding, topo: &Topology, rules: &RuleSet| -> String {
        let diag = finding_diag(f, topo, rules);
        let lines = sources.of(topo);
        render_diagnostic(
            &Input {
                diag: &diag,
                source: diag.source.as_ref().map(|_| Source::Lines(lines)),
                related: Vec::new(),
            },
            color,
        )
    };
    match report.diff {
        None => {
            let mut shown = Capped::per_code(max, report.max_per_rule);
            for c in report.checked {
                for f in &c.findings {
                    shown.push(&f.rule.id, || show(f, &c.topology, rules));
                }
            }
            out.push_str(&shown.finish());
        }
        Some(diff) => {
            for (status, heading) in [
                (Status::Introduced, "introduced by this change"),
                (Status::Unchanged, "left unchanged by this change"),
            ] {
                let mut section = Capped::per_code(max, report.max_per_rule);
                let mut n = 0;
                for c in report.checked {
                    for f in c.findings.iter().filter(|f| f.status == Some(status)) {
                        section.push(&f.rule.id, || show(f, &c.topology, rules));
                        n += 1;
                    }
                }
                let section = section.finish();
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!(
                    "── {n} finding{} {heading} ──\n\n{section}",
                    plural(n)
                ));
            }
            let n = diff.base.findings.len();
            out.push('\n');
            out.push_str(&format!(
                "── {n} finding{} resolved by this change (in `{}`) ──\n\n",
                plural(n),
                diff.base.topology.file.name()
            ));
            let mut resolved = Capped::per_code(max, report.max_per_rule);
            for f in &diff.base.findings {
                resolved.push(&f.rule.id, || show(f, &diff.base.topology, rules));
            }
            out.push_str(&resolved.finish());
        }
    }
    let tally = report.tally();
    let files = report.checked.len();
    let entities: usize = report.checked.iter().map(|c| c.topology.len()).sum();
    // Words the vocabulary does not know are counted apart from findings: they are about
    // the input, and shown above as diagnostics.
    let unknown_words: usize = report.checked.iter().map(|c| c.warnings.0.len()).sum();
    out.push_str(&format!(
        "{} in {files} topolog{} ({entities} entities, {} rules){}{}{}\n",
        tally.counts(),
        if files == 1 { "y" } else { "ies" },
        rules.rules.iter().filter(|r| r.reports()).count(),
        if tally.waived > 0 {
            format!("; {} waived", tally.waived)
        } else {
            String::new()
        },
        if unknown_words > 0 {
            format!(
                "; {unknown_words} input warning{} (unknown words; `--strict` makes them errors)",
                super::plural(unknown_words)
            )
        } else {
            String::new()
        },
        report
            .config
            .map_or_else(String::new, |c| format!("; config `{c}`")),
    ));
    if files > 1 {
        for c in report.checked {
            out.push_str(&format!(
                "  {}: {} ({} entities)\n",
                c.topology.file.name(),
                counts(&Summary::of(
                    c.findings.iter().filter(|f| f.waiver.is_none())
                )),
                c.topology.len()
            ));
        }
    }
    let undecided = report.inconclusive_count();
    if undecided > 0 {
        if report.show_inconclusive {
            for c in report.checked {
                for r in &c.inconclusive {
                    let e = c.topology.entity(r.entity);
                    let group = r.group.as_ref().map_or_else(String::new, |(key, members)| {
                        let ids: Vec<&str> = members
                            .iter()
                            .map(|&m| c.topology.entity(m).id.as_str())
                            .collect();
                        format!("; it would decide group `{key}` ({})", ids.join(", "))
                    });
                    out.push_str(&format!(
                        "inconclusive: {} on {} `{}` ({}:{}:{}): not set: {}{group}\n",
                        r.rule,
                        e.kind,
                        e.id,
                        c.topology.file.name(),
                        e.pos.line,
                        e.pos.column,
                        r.missing_text(&c.topology)
                            .iter()
                            .map(|m| format!("`{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        out.push_str(&format!(
            "{undecided} inconclusive: rule{} that could not be decided because a value {} not set{}{}\n",
            plural(undecided),
            if undecided == 1 { "it needs is" } else { "they need is" },
            if report.show_inconclusive { "" } else { " (--show-inconclusive lists them)" },
            if report.gate.inconclusive { "; --fail-on-inconclusive counts them" } else { "" },
        ));
    }
    if let Some(diff) = report.diff {
        out.push_str(&format!(
            "compared with {}: {} introduced, {} unchanged, {} resolved{}\n",
            diff.base.topology.file.name(),
            diff.introduced.len(),
            diff.unchanged.len(),
            diff.resolved.len(),
            if report.gate.existing {
                ""
            } else {
                "; --fail-on counts introduced findings only"
            },
        ));
    }
    out.push_str(&tally.line());
    out.push('\n');
    out
}

/// A finding as a diagnostic pointing into the topology file.
pub fn finding_diag(f: &Finding, topo: &Topology, rules: &RuleSet) -> Diag {
    let rule = rules.get(&f.rule.id);
    let quiet = f.waiver.is_some() || f.status == Some(Status::Resolved);
    let mut d = match f.severity {
        Level::Error if !quiet => Diag::error("x", f.message.clone()),
        Level::Warning if !quiet => Diag::warning("x", f.message.clone()),
        _ => Diag {
            severity: Severity::Advice,
            ..Diag::error("x", f.message.clone())
        },
    };
    d.code = f.rule.id.clone();
    // A finding's message is the rule's, as written: not shortened like an input error's.
    d.message = f.message.to_string();
    for &i in &f.entities {
        let e = topo.entity(i);
        d = d.at(
            &topo.file,
            entity_pos(topo, i),
            format!("{} `{}`", e.kind, e.id),
        );
    }
    for &i in &f.key_entities {
        let e = topo.entity(i);
        d = d.at(
            &topo.file,
            entity_pos(topo, i),
            format!("{} `{}` (the group's key)", e.kind, e.id),
        );
    }
    let mut help = Vec::new();
    if let Some(w) = &f.waiver {
        help.push(format!(
            "waived ({} until {}) by `{}`: {} ({}:{})",
            f.severity.word(),
            w.expires,
            w.owner,
            w.reason,
            w.file,
            w.line
        ));
    }
    if f.status == Some(Status::Resolved) {
        help.push(format!(
            "resolved: this {} is in the base topology only",
            f.severity.word()
        ));
    }
    if let Some(rule) = rule {
        if !rule.meta.resolution.is_empty() {
            help.push(rule.meta.resolution.clone());
        }
        d.url = rule.url();
        if !rule.meta.kb.is_empty() {
            help.push(format!(
                "see KB {}: {}",
                rule.meta.kb.join(", "),
                rule.meta.title
            ));
        }
    }
    for u in &f.derived {
        let by = rules
            .get(&u.rule)
            .map(|r| r.meta.title.as_str())
            .unwrap_or_default();
        help.push(format!(
            "`{}` of `{}` is derived, not written: `{}` by {} ({by})",
            u.path.join("."),
            topo.entity(u.entity).id,
            u.value.display(),
            u.rule,
        ));
    }
    if !help.is_empty() {
        d = d.help(help.join("\n"));
    }
    d
}

/// Where a finding's snippet points for an entity: from the entity's start (the line and
/// column every format reports) to the end of its id when the id is on that line, else the
/// id alone.
fn entity_pos(topo: &Topology, i: crate::topology::Idx) -> crate::value::Pos {
    let e = topo.entity(i);
    let (start, label) = (topo.file.span(e.pos), topo.file.span(e.label_pos));
    if e.label_pos.line != e.pos.line || label.offset() < start.offset() {
        return e.label_pos;
    }
    crate::value::Pos {
        offset: u32::try_from(start.offset()).unwrap_or(u32::MAX),
        len: u32::try_from(label.offset() + label.len() - start.offset()).unwrap_or(0),
        ..e.pos
    }
}

/// The line tables of the topology files findings point into, built once per file.
#[derive(Default)]
struct Sources(HashMap<String, Lines>);

impl Sources {
    fn of(&mut self, topo: &Topology) -> &Lines {
        self.0
            .entry(topo.file.name().to_owned())
            .or_insert_with(|| Lines::new(topo.file.name(), topo.file.shared_text()))
    }
}

/// A file's text with the offset of each line's start: a snippet reads the lines it shows
/// (miette's own reader scans from the start of the file for every label, and counts the
/// lines of a snippet from the start of the file, which joins a group's members into one
/// snippet of every line between them).
struct Lines {
    name: String,
    text: Arc<String>,
    starts: Vec<usize>,
}

impl Lines {
    fn new(name: &str, text: &Arc<String>) -> Lines {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines {
            name: name.to_owned(),
            text: Arc::clone(text),
            starts,
        }
    }

    /// The 0-based line holding a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Where 0-based line `n` starts, or the end of the text past the last line.
    fn start(&self, n: usize) -> usize {
        self.starts.get(n).copied().unwrap_or(self.text.len())
    }
}

impl SourceCode for Lines {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.text.as_str();
        let end = span.offset() + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.line_of(span.offset());
        let last = self.line_of(end.saturating_sub(1).max(span.offset()));
        let top = first.saturating_sub(before);
        let bottom = (last + after).min(self.starts.len().saturating_sub(1));
        let from = self.start(top);
        // The shown lines without the last line break.
        let to = self.start(bottom + 1);
        let to = if to > from && text.as_bytes().get(to - 1) == Some(&b'\n') {
            to - 1
        } else {
            to
        };
        // Columns count characters, as every other format does.
        let column = if before == 0 {
            text.get(self.start(first)..span.offset())
                .map_or(0, |t| t.chars().count())
        } else {
            0
        };
        let data = text
            .as_bytes()
            .get(from..to)
            .ok_or(MietteError::OutOfBounds)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            (from, to - from).into(),
            top,
            column,
            bottom - top + 1,
        )))
    }
}

/// An input diagnostic (a warning about a topology, an error in a rule file) as text, its
/// header's column counted in characters like every other format (miette counts bytes).
pub fn render_input(d: &Diag, color: bool) -> String {
    render_diagnostic(&Input::of(d), color)
}

/// A [`Diag`] shown through a source that counts columns in characters: a finding's (the
/// lines of its topology, read per snippet) or an input diagnostic's.
struct Input<'a> {
    diag: &'a Diag,
    source: Option<Source<'a>>,
    related: Vec<Input<'a>>,
}

enum Source<'a> {
    Lines(&'a Lines),
    Chars(CharColumns<'a>),
}

impl<'a> Input<'a> {
    fn of(diag: &'a Diag) -> Input<'a> {
        Input {
            diag,
            source: diag.source.as_ref().map(|s| Source::Chars(CharColumns(s))),
            related: diag.related.iter().map(Input::of).collect(),
        }
    }
}

/// A source whose spans' columns are counted in characters.
struct CharColumns<'a>(&'a miette::NamedSource<crate::source::Indexed>);

impl SourceCode for CharColumns<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let contents = self.0.read_span(span, before, after)?;
        if before > 0 {
            return Ok(contents);
        }
        // Without lines before, the contents start at the span: its column is the
        // characters between the start of its line and it.
        let text = self.0.inner().as_str();
        let at = span.offset().min(text.len());
        let head = text.get(..at).unwrap_or("");
        let line_start = head.rfind('\n').map_or(0, |i| i + 1);
        let column = head.get(line_start..).map_or(0, |t| t.chars().count());
        Ok(Box::new(MietteSpanContents::new_named(
            self.0.name().to_owned(),
            contents.data(),
            *contents.span(),
            contents.line(),
            column,
            contents.line_count(),
        )))
    }
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.diag, f)
    }
}

impl std::fmt::Display for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.diag, f)
    }
}

impl std::error::Error for Input<'_> {}

impl Diagnostic for Input<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diag.code()
    }
    fn severity(&self) -> Option<Severity> {
        self.diag.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diag.help()
    }
    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diag.url()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| match s {
            Source::Lines(l) => *l as &dyn SourceCode,
            Source::Chars(c) => c as &dyn SourceCode,
        })
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diag.labels()
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
        }
    }
}

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
use miette::Severity;

pub fn render(report: &Report<'_>, color: bool) -> String {
    let rules = report.rules;
    let mut out = String::new();
    let max = report.max_diagnostics;
    match report.diff {
        None => {
            let mut shown = Capped::new(max);
            for c in report.checked {
                for f in &c.findings {
                    shown.push(&f.rule, || {
                        render_diagnostic(&finding_diag(f, &c.topology, rules), color)
                    });
                }
            }
            out.push_str(&shown.finish());
        }
        Some(diff) => {
            for (status, heading) in [
                (Status::Introduced, "introduced by this change"),
                (Status::Unchanged, "left unchanged by this change"),
            ] {
                let mut section = Capped::new(max);
                let mut n = 0;
                for c in report.checked {
                    for f in c.findings.iter().filter(|f| f.status == Some(status)) {
                        section.push(&f.rule, || {
                            render_diagnostic(&finding_diag(f, &c.topology, rules), color)
                        });
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
            let mut resolved = Capped::new(max);
            for f in &diff.base.findings {
                resolved.push(&f.rule, || {
                    render_diagnostic(&finding_diag(f, &diff.base.topology, rules), color)
                });
            }
            out.push_str(&resolved.finish());
        }
    }
    let all: Vec<&Finding> = report.checked.iter().flat_map(|c| &c.findings).collect();
    let s = Summary::of(all.iter().copied());
    let files = report.checked.len();
    let entities: usize = report.checked.iter().map(|c| c.topology.len()).sum();
    // Words the vocabulary does not know are counted apart from findings: they are about
    // the input, and shown above as diagnostics.
    let unknown_words: usize = report.checked.iter().map(|c| c.warnings.0.len()).sum();
    out.push_str(&format!(
        "{} in {files} topolog{} ({entities} entities, {} rules){}{}{}\n",
        counts(&s),
        if files == 1 { "y" } else { "ies" },
        rules.rules.iter().filter(|r| r.reports()).count(),
        if s.waived > 0 {
            format!("; {} waived", s.waived)
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
                counts(&Summary::of(&c.findings)),
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
    out
}

/// A finding as a diagnostic pointing into the topology file.
pub fn finding_diag(f: &Finding, topo: &Topology, rules: &RuleSet) -> Diag {
    let rule = rules.get(&f.rule);
    let quiet = f.waiver.is_some() || f.status == Some(Status::Resolved);
    let mut d = match f.severity {
        Level::Error if !quiet => Diag::error("x", f.message.clone()),
        Level::Warning if !quiet => Diag::warning("x", f.message.clone()),
        _ => Diag {
            severity: Severity::Advice,
            ..Diag::error("x", f.message.clone())
        },
    };
    d.code = f.rule.clone();
    // A finding's message is the rule's, as written: not shortened like an input error's.
    d.message = f.message.clone();
    for &i in &f.entities {
        let e = topo.entity(i);
        d = d.at(&topo.file, e.label_pos, format!("{} `{}`", e.kind, e.id));
    }
    for &i in &f.key_entities {
        let e = topo.entity(i);
        d = d.at(
            &topo.file,
            e.label_pos,
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

//! Markdown output, fit to post as a pull-request comment: a headline with the gate's
//! verdict and the shared summary line, a summary table by severity and one by KB article,
//! then each finding with its entities, message and resolution, what fails the gate first
//! (with `--base`: a section per diff category), then inconclusive results and warnings, then
//! a Mermaid diagram of each topology's failing findings (else all findings) and their
//! neighbourhood when Mermaid can render it. Past `--markdown-max-chars` the rest is counted,
//! not shown. Text from rules and topologies is escaped outside code spans, so a
//! `\\SERVER\SHARE` path or a `*` in a name shows as written.

use super::{Item, Report, plural};
use crate::finding::{Finding, Status, Summary};
use crate::lang::Level;
use std::collections::BTreeMap;

/// A hidden marker, so a bot can find and update its earlier comment.
pub const MARKER: &str = "<!-- kbcheck-report -->";

pub fn render(report: &Report<'_>) -> String {
    let items = report.findings();
    let all: Vec<&Finding> = items.iter().map(|i| i.finding).collect();
    let s = Summary::of(all.iter().copied());
    let tally = report.tally();
    let cap = report.markdown_max_chars;
    let mut out = format!("{MARKER}\n## kbcheck: ");
    out.push_str(&if s.total == 0 {
        "no findings".to_owned()
    } else {
        tally.counts()
    });
    out.push_str("\n\n");
    let files: Vec<String> = report
        .checked
        .iter()
        .map(|c| format!("`{}`", c.topology.file.name()))
        .collect();
    let verdict = if tally.fails() {
        let mut why = Vec::new();
        if tally.failing > 0 || !tally.inconclusive_fails {
            why.push(format!(
                "{} finding{} at or above `--fail-on {}`",
                tally.failing,
                plural(tally.failing),
                report.fail_on_word()
            ));
        }
        if tally.inconclusive_fails && tally.inconclusive > 0 {
            why.push(format!(
                "{} inconclusive (`--fail-on-inconclusive`)",
                tally.inconclusive
            ));
        }
        format!("**fails**: {}", why.join(", "))
    } else {
        format!("**passes** (`--fail-on {}`)", report.fail_on_word())
    };
    out.push_str(&format!(
        "Checked {} against {} rules: {verdict}.\n",
        files.join(", "),
        report.reporting_rules().len()
    ));
    out.push_str(&format!("\n`{}`\n", tally.line()));
    if let Some(diff) = report.diff {
        out.push_str(&format!(
            "Compared with `{}`: **{} introduced**, {} unchanged, {} resolved{}.\n",
            diff.base.topology.file.name(),
            diff.introduced.len(),
            diff.unchanged.len(),
            diff.resolved.len(),
            if report.gate.existing {
                ""
            } else {
                "; only introduced findings fail the gate"
            },
        ));
    }
    if report.checked.len() > 1 {
        out.push_str("\n| topology | errors | warnings | info |\n|---|--:|--:|--:|\n");
        for c in report.checked {
            let s = Summary::of(&c.findings);
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                c.topology.file.name(),
                s.error,
                s.warning,
                s.info
            ));
        }
    }
    if s.total > 0 {
        out.push_str("\n| severity | findings | waived | failing |\n|---|--:|--:|--:|\n");
        for level in [Level::Error, Level::Warning, Level::Info] {
            let of = |f: &&&Finding| f.severity == level;
            let n = all.iter().filter(of).count();
            let waived = all.iter().filter(of).filter(|f| f.waiver.is_some()).count();
            let fail = all
                .iter()
                .filter(of)
                .filter(|f| report.gate.fails(f))
                .count();
            out.push_str(&format!("| {} | {n} | {waived} | {fail} |\n", level.word()));
        }
        out.push_str("\n| KB article | findings | rules |\n|---|--:|---|\n");
        let mut by_kb: BTreeMap<String, (usize, Vec<String>, Option<String>)> = BTreeMap::new();
        for f in &all {
            let kbs = if f.rule.kb.is_empty() {
                vec!["(none)".to_owned()]
            } else {
                f.rule.kb.clone()
            };
            for kb in kbs {
                let e = by_kb.entry(kb.clone()).or_default();
                e.0 += 1;
                if !e.1.contains(&f.rule.id) {
                    e.1.push(f.rule.id.clone());
                }
                if e.2.is_none() {
                    e.2 = report.article_url(f, &kb);
                }
            }
        }
        for (kb, (n, rules, url)) in by_kb {
            let article = match url {
                Some(u) => format!("[{}]({u})", escape(&kb)),
                None => escape(&kb),
            };
            let rules: Vec<String> = rules.iter().map(|r| format!("`{r}`")).collect();
            out.push_str(&format!("| {article} | {n} | {} |\n", rules.join(", ")));
        }
    }
    // Errors first: what fails the gate, then by severity, then in the contract's order.
    let mut items = items;
    items.sort_by_key(|i| {
        (
            !report.gate.fails(i.finding),
            std::cmp::Reverse(i.finding.severity),
        )
    });
    // The rest is written within the cap, keeping room for the closing note.
    let mut budget = Budget {
        cap: cap.saturating_sub(RESERVE),
        omitted: 0,
    };
    match report.diff {
        None if !items.is_empty() => section(&mut out, "Findings", &items, report, &mut budget),
        None => {}
        Some(_) => {
            for (status, heading) in [
                (Status::Introduced, "Introduced by this change"),
                (Status::Unchanged, "Left unchanged"),
            ] {
                let these: Vec<&Item<'_>> = items
                    .iter()
                    .filter(|i| i.finding.status == Some(status))
                    .collect();
                section_refs(&mut out, heading, &these, report, &mut budget);
            }
            let resolved = report.resolved();
            section(
                &mut out,
                "Resolved by this change",
                &resolved,
                report,
                &mut budget,
            );
        }
    }
    let undecided = report.undecided();
    if !undecided.is_empty() {
        out.push_str(&format!("\n### Inconclusive ({})\n\n", undecided.len()));
        for u in &undecided {
            let at = u
                .location()
                .map(|l| format!(" (`{}:{}:{}`)", l.file, l.line, l.column))
                .unwrap_or_default();
            budget.add(
                &mut out,
                &format!("- **inconclusive**: {}{at}\n", escape(&u.text())),
            );
        }
    }
    let warnings: Vec<_> = report.warnings().collect();
    if !warnings.is_empty() {
        out.push_str(&format!("\n### Warnings ({})\n\n", warnings.len()));
        for d in warnings {
            let at = d
                .location
                .as_ref()
                .map(|(f, l, c)| format!(" (`{f}:{l}:{c}`)"))
                .unwrap_or_default();
            budget.add(
                &mut out,
                &format!("- **warning**: {}{at}\n", escape(&d.message)),
            );
        }
    }
    diagrams(&mut out, report, &mut budget);
    if budget.omitted > 0 {
        out.push_str(&format!(
            "\n**{} more item{} not shown** (findings, inconclusive results, warnings) to keep this comment under {cap} characters — see the SARIF/HTML artifact.\n",
            budget.omitted,
            plural(budget.omitted)
        ));
    }
    out
}

/// Room kept under the cap for the closing notes.
const RESERVE: usize = 600;

/// Mermaid's default limit on a diagram's text (`maxTextSize`): a longer one does not render.
const MERMAID_MAX_TEXT: usize = 50_000;

/// What is left of `--markdown-max-chars`, and how many items did not fit.
struct Budget {
    cap: usize,
    omitted: usize,
}

impl Budget {
    /// Append `text` when it fits (and nothing before it was left out), else count it as
    /// omitted.
    fn add(&mut self, out: &mut String, text: &str) -> bool {
        if self.omitted == 0 && out.len() + text.len() <= self.cap {
            out.push_str(text);
            true
        } else {
            self.omitted += 1;
            false
        }
    }

    /// Append a diagram when it fits, else a line saying it was left out (in the room kept
    /// for closing notes); a diagram is not counted among the items left out.
    fn place(&mut self, out: &mut String, text: &str) {
        if self.omitted == 0 && out.len() + text.len() <= self.cap {
            out.push_str(text);
        } else if let Some(heading) = text.lines().find(|l| l.starts_with("### ")) {
            out.push_str(&format!(
                "\n{heading}\n\nNot drawn: no room left under the size cap — see the HTML artifact or `kbcheck graph`.\n"
            ));
        }
    }
}

/// How many hops from a finding the embedded diagrams reach.
const DIAGRAM_HOPS: usize = 1;

/// A Mermaid diagram of each topology's findings and their neighbourhood (GitHub renders
/// ```` ```mermaid ```` blocks as pictures).
fn diagrams(out: &mut String, report: &Report<'_>, budget: &mut Budget) {
    let with_findings: Vec<_> = report
        .checked
        .iter()
        .filter(|c| !c.findings.is_empty())
        .collect();
    for c in &with_findings {
        // The failing findings' neighbourhood when some fail, else every finding's.
        let failing: Vec<crate::finding::Finding> = c
            .findings
            .iter()
            .filter(|f| report.gate.fails(f))
            .cloned()
            .collect();
        let (drawn, which) = if failing.is_empty() {
            (&c.findings, "The findings")
        } else {
            (&failing, "The failing findings")
        };
        let opts = crate::graph::Options {
            neighbourhood: Some(DIAGRAM_HOPS),
        };
        let diagram = crate::graph::build(&c.topology, drawn, report.rules, &opts);
        let heading = if with_findings.len() > 1 {
            format!("Diagram of `{}`", c.topology.file.name())
        } else {
            "Diagram".to_owned()
        };
        let mermaid = crate::graph::render(&diagram, crate::graph::GraphFormat::Mermaid, "");
        let mut text = format!("\n### {heading}\n\n");
        if mermaid.len() > MERMAID_MAX_TEXT {
            text.push_str(&format!(
                "Not drawn: the diagram of {} would be {} characters, more than Mermaid renders ({MERMAID_MAX_TEXT}) — see the HTML artifact or `kbcheck graph`.\n",
                which.to_lowercase(),
                mermaid.len()
            ));
            budget.place(out, &text);
            continue;
        }
        text.push_str(&format!(
            "{which} and what lies within {DIAGRAM_HOPS} hop of them (errors red, warnings amber, info blue; a group finding's path in its colour){}.\n\n",
            if diagram.omitted > 0 {
                format!("; {} more entit{} not drawn", diagram.omitted, if diagram.omitted == 1 { "y" } else { "ies" })
            } else {
                String::new()
            }
        ));
        text.push_str("```mermaid\n");
        text.push_str(&mermaid);
        text.push_str("```\n");
        budget.place(out, &text);
    }
}

fn section(
    out: &mut String,
    heading: &str,
    items: &[Item<'_>],
    report: &Report<'_>,
    budget: &mut Budget,
) {
    let refs: Vec<&Item<'_>> = items.iter().collect();
    section_refs(out, heading, &refs, report, budget);
}

fn section_refs(
    out: &mut String,
    heading: &str,
    items: &[&Item<'_>],
    report: &Report<'_>,
    budget: &mut Budget,
) {
    out.push_str(&format!("\n### {heading} ({})\n", items.len()));
    for item in items {
        // Once one item did not fit none is added: the rest are counted, not rendered.
        if budget.omitted > 0 {
            budget.omitted += 1;
        } else {
            budget.add(out, &finding(item, report));
        }
    }
}

fn finding(item: &Item<'_>, report: &Report<'_>) -> String {
    let mut out = String::new();
    let out = &mut out;
    let f = item.finding;
    let rule = report.rules.get(&f.rule.id);
    let title = rule.map_or_else(|| f.rule.id.clone(), |r| r.meta.title.clone());
    let tag = if f.status == Some(Status::Resolved) {
        format!("resolved {}", f.severity.word())
    } else if f.waiver.is_some() {
        format!("waived {}", f.severity.word())
    } else {
        f.severity.word().to_owned()
    };
    out.push_str(&format!("\n#### {tag}: {}\n\n", escape(&title)));
    let mut meta = vec![format!("`{}`", f.rule.id)];
    if let Some(u) = rule.and_then(crate::lang::Rule::url) {
        let name = if f.rule.kb.is_empty() {
            "article".to_owned()
        } else {
            format!("KB {}", f.rule.kb.join(", "))
        };
        meta.push(format!("[{}]({u})", escape(&name)));
    }
    meta.push(format!("fingerprint `{}`", f.fingerprint));
    out.push_str(&format!("{}\n\n", meta.join(" · ")));
    out.push_str(&format!("{}\n\n", escape(&f.message.replace('\n', " "))));
    let entities: Vec<String> = item
        .locations()
        .iter()
        .map(|l| {
            format!(
                "{} `{}` (`{}:{}:{}`)",
                l.kind, l.entity, l.file, l.line, l.column
            )
        })
        .collect();
    out.push_str(&format!("- **Entities:** {}\n", entities.join(", ")));
    if let Some(r) = rule.filter(|r| !r.meta.resolution.is_empty()) {
        out.push_str(&format!(
            "- **Resolution:** {}\n",
            escape(&r.meta.resolution.replace('\n', " "))
        ));
    }
    for u in &f.derived {
        out.push_str(&format!(
            "- **Derived:** `{}` of `{}` is `{}`, by `{}`\n",
            u.path.join("."),
            item.topology.entity(u.entity).id,
            u.value.display(),
            u.rule
        ));
    }
    if let Some(w) = &f.waiver {
        out.push_str(&format!(
            "- **Waived** by {} until {}: {} (`{}:{}`)\n",
            escape(&w.owner),
            w.expires,
            escape(&w.reason),
            w.file,
            w.line
        ));
    }
    std::mem::take(out)
}

/// Escape Markdown outside code spans; code spans (between backticks) are kept as written.
/// Text with an odd number of backticks is escaped whole.
pub fn escape(text: &str) -> String {
    let balanced = text.matches('`').count().is_multiple_of(2);
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' && balanced {
            in_code = !in_code;
            out.push(c);
            continue;
        }
        if !in_code
            && matches!(
                c,
                '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '|' | '#' | '~' | '&' | '!'
            )
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_outside_code_spans_only() {
        assert_eq!(
            escape(r"share \\EXCH\MAILDAT$ on `PO_1*`"),
            r"share \\\\EXCH\\MAILDAT$ on `PO_1*`"
        );
        assert_eq!(escape("a `b <c>"), r"a \`b \<c\>");
    }
}

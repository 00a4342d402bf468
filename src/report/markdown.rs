//! Markdown output, fit to post as a pull-request comment: a headline with the gate's
//! verdict, a summary table by severity and one by KB article, then each finding with its
//! entities, message and resolution (with `--base`: a section per diff category), then any
//! waiver warnings. Before the findings, a Mermaid diagram of each topology's findings and
//! their neighbourhood. Text from rules and topologies is escaped outside code spans, so a
//! `\\SERVER\SHARE` path or a `*` in a name shows as written.

use super::{Item, Report, counts, plural};
use crate::finding::{Finding, Status, Summary};
use crate::lang::Level;
use std::collections::BTreeMap;

/// A hidden marker, so a bot can find and update its earlier comment.
pub const MARKER: &str = "<!-- kbcheck-report -->";

pub fn render(report: &Report<'_>) -> String {
    let items = report.findings();
    let all: Vec<&Finding> = items.iter().map(|i| i.finding).collect();
    let s = Summary::of(all.iter().copied());
    let failing = report.failing();
    let mut out = format!("{MARKER}\n## kbcheck: ");
    out.push_str(&if s.total == 0 {
        "no findings".to_owned()
    } else {
        counts(&s)
    });
    out.push_str("\n\n");
    let files: Vec<String> = report
        .checked
        .iter()
        .map(|c| format!("`{}`", c.topology.file.name()))
        .collect();
    let verdict = if failing > 0 {
        format!(
            "**fails**: {failing} finding{} at or above `--fail-on {}`",
            plural(failing),
            report.fail_on_word()
        )
    } else {
        format!("**passes** (`--fail-on {}`)", report.fail_on_word())
    };
    out.push_str(&format!(
        "Checked {} against {} rules: {verdict}.\n",
        files.join(", "),
        report.reporting_rules().len()
    ));
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
            let kbs = if f.kb.is_empty() {
                vec!["(none)".to_owned()]
            } else {
                f.kb.clone()
            };
            for kb in kbs {
                let e = by_kb.entry(kb.clone()).or_default();
                e.0 += 1;
                if !e.1.contains(&f.rule) {
                    e.1.push(f.rule.clone());
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
    diagrams(&mut out, report);
    match report.diff {
        None if !items.is_empty() => section(&mut out, "Findings", &items, report),
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
                section_refs(&mut out, heading, &these, report);
            }
            let resolved = report.resolved();
            section(&mut out, "Resolved by this change", &resolved, report);
        }
    }
    let problems: Vec<_> = report.waiver_problems().collect();
    if !problems.is_empty() {
        out.push_str("\n### Waivers\n\n");
        for d in problems {
            let at = d
                .location
                .as_ref()
                .map(|(f, l, c)| format!(" (`{f}:{l}:{c}`)"))
                .unwrap_or_default();
            out.push_str(&format!("- **warning**: {}{at}\n", escape(&d.message)));
        }
    }
    out
}

/// How many hops from a finding the embedded diagrams reach.
const DIAGRAM_HOPS: usize = 1;

/// A Mermaid diagram of each topology's findings and their neighbourhood (GitHub renders
/// ```` ```mermaid ```` blocks as pictures).
fn diagrams(out: &mut String, report: &Report<'_>) {
    let with_findings: Vec<_> = report
        .checked
        .iter()
        .filter(|c| !c.findings.is_empty())
        .collect();
    for c in &with_findings {
        let opts = crate::graph::Options {
            neighbourhood: Some(DIAGRAM_HOPS),
        };
        let diagram = crate::graph::build(&c.topology, &c.findings, report.rules, &opts);
        let heading = if with_findings.len() > 1 {
            format!("Diagram of `{}`", c.topology.file.name())
        } else {
            "Diagram".to_owned()
        };
        out.push_str(&format!("\n### {heading}\n\n"));
        out.push_str(&format!(
            "The findings and what lies within {DIAGRAM_HOPS} hop of them (errors red, warnings amber, info blue; a group finding's path in its colour){}.\n\n",
            if diagram.omitted > 0 {
                format!("; {} more entit{} not drawn", diagram.omitted, if diagram.omitted == 1 { "y" } else { "ies" })
            } else {
                String::new()
            }
        ));
        out.push_str("```mermaid\n");
        out.push_str(&crate::graph::render(
            &diagram,
            crate::graph::GraphFormat::Mermaid,
            "",
        ));
        out.push_str("```\n");
    }
}

fn section(out: &mut String, heading: &str, items: &[Item<'_>], report: &Report<'_>) {
    let refs: Vec<&Item<'_>> = items.iter().collect();
    section_refs(out, heading, &refs, report);
}

fn section_refs(out: &mut String, heading: &str, items: &[&Item<'_>], report: &Report<'_>) {
    out.push_str(&format!("\n### {heading} ({})\n", items.len()));
    for item in items {
        finding(out, item, report);
    }
}

fn finding(out: &mut String, item: &Item<'_>, report: &Report<'_>) {
    let f = item.finding;
    let rule = report.rules.get(&f.rule);
    let title = rule.map_or_else(|| f.rule.clone(), |r| r.meta.title.clone());
    let tag = if f.status == Some(Status::Resolved) {
        format!("resolved {}", f.severity.word())
    } else if f.waiver.is_some() {
        format!("waived {}", f.severity.word())
    } else {
        f.severity.word().to_owned()
    };
    out.push_str(&format!("\n#### {tag}: {}\n\n", escape(&title)));
    let mut meta = vec![format!("`{}`", f.rule)];
    if let Some(u) = rule.and_then(crate::lang::Rule::url) {
        let name = if f.kb.is_empty() {
            "article".to_owned()
        } else {
            format!("KB {}", f.kb.join(", "))
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

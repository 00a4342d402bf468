//! JUnit XML output, for CI servers' test reports (Jenkins, GitLab, Azure DevOps, …).
//!
//! A `testsuite` per reporting rule; a `testcase` per (rule, entity set), named after the
//! entity ids so the name is stable across runs (prefixed with the topology file when
//! several are checked). A finding that fails the gate is a `failure` (its `type` the
//! severity); one below the gate is a passing case whose `system-out` carries it; a waived one
//! is `skipped` with the waiver; a rule that was checked and did not fire on a topology is one
//! passing case (`no findings`); with `--base`, a resolved finding is a passing case with the
//! name its failure had. Inconclusive results are `skipped` cases (failures with
//! `--fail-on-inconclusive`) in a `kbcheck inconclusive` suite; input warnings (unknown words,
//! expired or unused waivers) passing cases in `kbcheck warnings`; the waivers one case each
//! in `kbcheck waivers`; the shared summary line and its counts are the properties of a
//! `kbcheck summary` suite. No timestamps or durations: the output is deterministic.

use super::{Item, Report};
use crate::finding::Status;
use crate::lang::Rule;
use crate::waivers::State;

enum Outcome {
    Pass(Option<String>),
    Failure {
        kind: String,
        message: String,
        body: String,
    },
    Skipped {
        message: String,
        body: String,
    },
}

struct Case {
    name: String,
    classname: String,
    file: Option<(String, u32)>,
    outcome: Outcome,
}

/// A suite: the cases of its rule's findings (made as they are written), then the resolved
/// ones, then cases made beforehand.
struct Suite<'r, 'a> {
    name: String,
    properties: Vec<(&'static str, String)>,
    findings: &'r [Item<'a>],
    resolved: &'r [Item<'a>],
    cases: Vec<Case>,
}

/// The findings of `rule` in a list sorted by rule id.
fn of_rule<'r, 'a>(items: &'r [Item<'a>], rule: &str) -> &'r [Item<'a>] {
    let start = items.partition_point(|i| i.finding.rule.id.as_str() < rule);
    let len = items
        .get(start..)
        .unwrap_or_default()
        .partition_point(|i| i.finding.rule.id == rule);
    items.get(start..start + len).unwrap_or_default()
}

/// Write the JUnit XML to `out`, each finding's case made as it is written.
pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let items = report.findings();
    let resolved = report.resolved();
    let several = report.checked.len() > 1;
    // The rules with findings, per topology.
    let fired: Vec<std::collections::HashSet<&str>> = report
        .checked
        .iter()
        .map(|c| c.findings.iter().map(|f| f.rule.id.as_str()).collect())
        .collect();
    let mut suites: Vec<Suite<'_, '_>> = report
        .reporting_rules()
        .into_iter()
        .map(|rule| {
            let mut cases = Vec::new();
            for (c, fired) in report.checked.iter().zip(&fired) {
                if !fired.contains(rule.id.as_str()) {
                    let file = c.topology.file.name();
                    cases.push(Case {
                        name: if several {
                            format!("{file}: no findings")
                        } else {
                            "no findings".to_owned()
                        },
                        classname: rule.id.clone(),
                        file: Some((file.to_owned(), 1)),
                        outcome: Outcome::Pass(None),
                    });
                }
            }
            Suite {
                name: rule.id.clone(),
                properties: properties(rule),
                findings: of_rule(&items, &rule.id),
                resolved: of_rule(&resolved, &rule.id),
                cases,
            }
        })
        .collect();
    let tally = report.tally();
    let undecided: Vec<Case> = report
        .undecided()
        .iter()
        .map(|u| {
            let (file, line) = u
                .location()
                .map_or((u.topology.file.name().to_owned(), 1), |l| (l.file, l.line));
            let text = u.text();
            Case {
                name: format!(
                    "{}{}",
                    if several {
                        format!("{file}: ")
                    } else {
                        String::new()
                    },
                    u.topology.entity(u.result.entity).id
                ),
                classname: u.result.rule.clone(),
                file: Some((file, line)),
                outcome: if tally.inconclusive_fails {
                    Outcome::Failure {
                        kind: "inconclusive".to_owned(),
                        message: format!("inconclusive: {text}"),
                        body: "--fail-on-inconclusive counts it".to_owned(),
                    }
                } else {
                    Outcome::Skipped {
                        message: format!("inconclusive: {text}"),
                        body: "a value the rule needs is not set; --fail-on-inconclusive would fail the run".to_owned(),
                    }
                },
            }
        })
        .collect();
    if !undecided.is_empty() {
        suites.push(Suite {
            name: "kbcheck inconclusive".to_owned(),
            properties: Vec::new(),
            findings: &[],
            resolved: &[],
            cases: undecided,
        });
    }
    let warnings: Vec<Case> = report
        .warnings()
        .map(|d| {
            let (file, line, column) = d.location.clone().unwrap_or_default();
            Case {
                name: format!("{file}:{line}:{column}: {}", d.message.replace('`', "")),
                classname: "kbcheck.warnings".to_owned(),
                file: Some((file, line)),
                outcome: Outcome::Pass(Some(format!("warning: {} ({})", d.message, d.code))),
            }
        })
        .collect();
    if !warnings.is_empty() {
        suites.push(Suite {
            name: "kbcheck warnings".to_owned(),
            properties: Vec::new(),
            findings: &[],
            resolved: &[],
            cases: warnings,
        });
    }
    if let Some(w) = report.waivers {
        let cases = w
            .waivers
            .iter()
            .map(|a| {
                let message = match a.state {
                    State::Active => None,
                    State::Expired => Some(format!(
                        "the waiver for {} expired on {}",
                        a.description, a.expires
                    )),
                    State::Unused => Some(format!(
                        "the waiver for {} matched no finding",
                        a.description
                    )),
                };
                let detail = format!(
                    "owner: {}\nreason: {}\nexpires: {}\nat {}:{}:{}",
                    a.owner, a.reason, a.expires, w.file, a.line, a.column
                );
                Case {
                    name: format!("{} at line {}", a.description.replace('`', ""), a.line),
                    classname: "kbcheck.waivers".to_owned(),
                    file: Some((w.file.clone(), a.line)),
                    // An expired or unused waiver is a warning (listed in `kbcheck
                    // warnings`), not a failure: it does not fail the gate.
                    outcome: Outcome::Pass(Some(match message {
                        None => detail,
                        Some(message) => format!("{message}\n{detail}"),
                    })),
                }
            })
            .collect();
        suites.push(Suite {
            name: "kbcheck waivers".to_owned(),
            properties: vec![("file", w.file.clone())],
            findings: &[],
            resolved: &[],
            cases,
        });
    }
    suites.push(Suite {
        name: "kbcheck summary".to_owned(),
        properties: vec![
            ("verdict", tally.verdict().to_owned()),
            ("failing", tally.failing.to_string()),
            ("not-failing", tally.not_failing.to_string()),
            ("waived", tally.waived.to_string()),
            ("inconclusive", tally.inconclusive.to_string()),
            ("warnings", tally.warnings.to_string()),
            ("summary", tally.line()),
        ],
        findings: &[],
        resolved: &[],
        cases: Vec::new(),
    });
    write_suites(&suites, report, several, out)
}

/// A resolved finding's case: passing, with the name its failure had.
fn resolved_case(item: &Item<'_>, report: &Report<'_>, several: bool) -> Case {
    let mut c = finding_case(item, report, several);
    c.outcome = Outcome::Pass(Some(format!(
        "resolved by this change: {}\n{}",
        item.finding.message,
        body(item, report)
    )));
    c
}

/// What a finding's case will be, without making it: failure, skipped or passing.
fn finding_outcome(item: &Item<'_>, report: &Report<'_>) -> (bool, bool) {
    let f = item.finding;
    (
        f.waiver.is_none() && report.gate.fails(f),
        f.waiver.is_some(),
    )
}

fn finding_case(item: &Item<'_>, report: &Report<'_>, several: bool) -> Case {
    let f = item.finding;
    let ids = item.ids().join(", ");
    let file = item.topology.file.name();
    let first_line = item.locations().first().map_or(1, |l| l.line);
    let body = body(item, report);
    let outcome = match &f.waiver {
        Some(w) => Outcome::Skipped {
            message: format!("waived by {} until {}: {}", w.owner, w.expires, w.reason),
            body,
        },
        None if report.gate.fails(f) => Outcome::Failure {
            kind: f.severity.word().to_owned(),
            message: f.message.to_string(),
            body,
        },
        // Reported, but below the gate: a passing case that carries the finding.
        None => Outcome::Pass(Some(format!(
            "{} below the gate (--fail-on {}): {}\n{body}",
            f.severity.word(),
            report.fail_on_word(),
            f.message
        ))),
    };
    Case {
        name: if several {
            format!("{file}: {ids}")
        } else {
            ids
        },
        classname: f.rule.id.clone(),
        file: Some((file.to_owned(), first_line)),
        outcome,
    }
}

/// The full text of a finding, for the failure element's body.
fn body(item: &Item<'_>, report: &Report<'_>) -> String {
    let f = item.finding;
    let mut lines = vec![
        format!("{} ({}): {}", f.rule.id, f.severity.word(), f.message),
        "entities:".to_owned(),
    ];
    for l in item.locations() {
        lines.push(format!(
            "  {} `{}` at {}:{}:{}",
            l.kind, l.entity, l.file, l.line, l.column
        ));
    }
    if let Some(rule) = report.rules.get(&f.rule.id) {
        if !rule.meta.resolution.is_empty() {
            lines.push(format!("resolution: {}", rule.meta.resolution));
        }
        if let Some(u) = rule.url() {
            lines.push(format!("see: {u}"));
        }
    }
    for u in &f.derived {
        lines.push(format!(
            "derived: `{}` of `{}` = `{}` by {}",
            u.path.join("."),
            item.topology.entity(u.entity).id,
            u.value.display(),
            u.rule
        ));
    }
    if let Some(w) = &f.waiver {
        lines.push(format!(
            "waived by {} until {}: {} ({}:{})",
            w.owner, w.expires, w.reason, w.file, w.line
        ));
    }
    if let Some(s) = f.status.filter(|s| *s != Status::Resolved) {
        lines.push(format!("status: {}", s.word()));
    }
    lines.push(format!("fingerprint: {}", f.fingerprint));
    lines.join("\n")
}

fn properties(rule: &Rule) -> Vec<(&'static str, String)> {
    let mut p = vec![("title", rule.meta.title.clone())];
    if !rule.meta.kb.is_empty() {
        p.push(("kb", rule.meta.kb.join(", ")));
    }
    if let Some(u) = rule.url() {
        p.push(("url", u));
    }
    p.push(("severity", rule.severity_text()));
    p
}

fn write_suites(
    suites: &[Suite<'_, '_>],
    report: &Report<'_>,
    several: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let is_failure = |o: &Outcome| matches!(o, Outcome::Failure { .. });
    let is_skipped = |o: &Outcome| matches!(o, Outcome::Skipped { .. });
    // (tests, failures, skipped) of a suite, its findings' outcomes told without making them.
    let count = |s: &Suite<'_, '_>| {
        let mut n = (s.findings.len() + s.resolved.len() + s.cases.len(), 0, 0);
        for (failure, skipped) in s.findings.iter().map(|i| finding_outcome(i, report)) {
            n.1 += usize::from(failure);
            n.2 += usize::from(skipped);
        }
        n.1 += s.cases.iter().filter(|c| is_failure(&c.outcome)).count();
        n.2 += s.cases.iter().filter(|c| is_skipped(&c.outcome)).count();
        n
    };
    let counts: Vec<(usize, usize, usize)> = suites.iter().map(count).collect();
    let tests: usize = counts.iter().map(|c| c.0).sum();
    let failures: usize = counts.iter().map(|c| c.1).sum();
    let skipped: usize = counts.iter().map(|c| c.2).sum();
    out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    writeln!(
        out,
        "<testsuites name=\"kbcheck\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    )?;
    for (s, (tests, failures, skipped)) in suites.iter().zip(counts) {
        writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
            attr(&s.name),
        )?;
        if !s.properties.is_empty() {
            out.write_all(b"    <properties>\n")?;
            for (k, v) in &s.properties {
                writeln!(out, "      <property name=\"{k}\" value=\"{}\"/>", attr(v))?;
            }
            out.write_all(b"    </properties>\n")?;
        }
        let made = s.findings.iter().map(|i| finding_case(i, report, several));
        let resolved = s.resolved.iter().map(|i| resolved_case(i, report, several));
        for c in made.chain(resolved) {
            write_case(&c, out)?;
        }
        for c in &s.cases {
            write_case(c, out)?;
        }
        out.write_all(b"  </testsuite>\n")?;
    }
    out.write_all(b"</testsuites>\n")
}

fn write_case(c: &Case, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut open = format!(
        "    <testcase name=\"{}\" classname=\"{}\"",
        attr(&c.name),
        attr(&c.classname)
    );
    if let Some((file, line)) = &c.file {
        open.push_str(&format!(" file=\"{}\" line=\"{line}\"", attr(file)));
    }
    match &c.outcome {
        Outcome::Pass(None) => writeln!(out, "{open}/>"),
        Outcome::Pass(Some(text)) => writeln!(
            out,
            "{open}>\n      <system-out>{}</system-out>\n    </testcase>",
            text_node(text)
        ),
        Outcome::Failure {
            kind,
            message,
            body,
        } => writeln!(
            out,
            "{open}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
            attr(kind),
            attr(message),
            text_node(body)
        ),
        Outcome::Skipped { message, body } => writeln!(
            out,
            "{open}>\n      <skipped message=\"{}\"/>\n      <system-out>{}</system-out>\n    </testcase>",
            attr(message),
            text_node(body)
        ),
    }
}

/// Characters XML 1.0 cannot carry at all are replaced.
fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
        c => c,
    }
}

/// Text for an attribute value (newlines kept as character references).
pub(super) fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for element content.
pub(super) fn text_node(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(attr("a<b & \"c\"\nd"), "a&lt;b &amp; &quot;c&quot;&#10;d");
        assert_eq!(text_node("x\u{1}<y>"), "x\u{FFFD}&lt;y&gt;");
    }
}

//! GitHub Actions workflow commands: one annotation per entity location of each finding
//! (`::error file=…,line=…,col=…,title=…::message`), so every entity of a group finding is
//! marked where it is written. Errors are `::error`, warnings `::warning`, info and waived
//! findings `::notice`; with `--base`, resolved findings are notices without a file. Waiver
//! and topology warnings are `::warning`s at their lines. The last line is a plain summary.
//!
//! Escaping follows GitHub's toolkit (`@actions/core`, `command.ts`): in the message `%`,
//! `\r` and `\n` become `%25`, `%0D` and `%0A`; in property values `:` and `,` too (`%3A`,
//! `%2C`), or they would end the property.

use super::{Item, Location, Report};
use crate::diagnostic::Diag;
use crate::finding::Status;
use crate::lang::Level;

/// Write the annotations to `out`, a finding at a time.
pub fn write(report: &Report<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = String::new();
    for item in report.findings() {
        annotate(&mut out, &item, report);
        w.write_all(out.as_bytes())?;
        out.clear();
    }
    for item in report.resolved() {
        let f = item.finding;
        let title = format!("{} resolved", f.rule.id);
        out.push_str(&command(
            "notice",
            &[("title", title)],
            &format!("resolved by this change: {}", f.message),
        ));
        w.write_all(out.as_bytes())?;
        out.clear();
    }
    for u in report.undecided() {
        let mut props = Vec::new();
        if let Some(l) = u.location() {
            props.push(("file", l.file));
            props.push(("line", l.line.to_string()));
            props.push(("col", l.column.to_string()));
        }
        props.push(("title", format!("{} inconclusive", u.result.rule)));
        // An annotation of the level it has at the gate: an error only when it fails it.
        let name = if report.gate.inconclusive {
            "error"
        } else {
            "notice"
        };
        out.push_str(&command(
            name,
            &props,
            &format!("inconclusive: {}", u.text()),
        ));
    }
    for w in report.warnings() {
        warning(&mut out, w);
    }
    if let Some(diff) = report.diff {
        out.push_str(&format!(
            "kbcheck compared with {}: {} introduced, {} unchanged, {} resolved\n",
            diff.base.topology.file.name(),
            diff.introduced.len(),
            diff.unchanged.len(),
            diff.resolved.len()
        ));
    }
    // The summary line every format shows, last.
    out.push_str(&report.tally().line());
    out.push('\n');
    w.write_all(out.as_bytes())
}

fn annotate(out: &mut String, item: &Item<'_>, report: &Report<'_>) {
    let f = item.finding;
    let rule = report.rules.get(&f.rule.id);
    let command_name = match (f.severity, &f.waiver) {
        (_, Some(_)) | (Level::Info, _) => "notice",
        (Level::Error, None) => "error",
        (Level::Warning, None) => "warning",
    };
    let mut title = match rule {
        Some(r) => format!("{}: {}", f.rule.id, r.meta.title),
        None => f.rule.id.clone(),
    };
    if f.waiver.is_some() {
        title.push_str(" (waived)");
    }
    if f.status == Some(Status::Unchanged) {
        title.push_str(" (unchanged by this change)");
    }
    let locations = item.locations();
    let n = locations.len();
    for (i, l) in locations.iter().enumerate() {
        let mut message = f.message.to_string();
        if n > 1 {
            message.push_str(&format!(
                "\n\n{} `{}` is {} of {n} entities: {}",
                l.kind,
                l.entity,
                i + 1,
                item.ids().join(", ")
            ));
        }
        if let Some(w) = &f.waiver {
            message.push_str(&format!(
                "\n\nWaived by {} until {}: {}",
                w.owner, w.expires, w.reason
            ));
        }
        if let Some(r) = rule {
            if !r.meta.resolution.is_empty() {
                message.push_str(&format!("\n\nResolution: {}", r.meta.resolution));
            }
            if let Some(u) = r.url() {
                message.push_str(&format!("\n{u}"));
            }
        }
        out.push_str(&command(
            command_name,
            &position(l, title.clone()),
            &message,
        ));
    }
}

fn position(l: &Location, title: String) -> Vec<(&'static str, String)> {
    let mut p = vec![
        ("file", l.file.clone()),
        ("line", l.line.to_string()),
        ("col", l.column.to_string()),
    ];
    if let Some(end) = l.end_column {
        p.push(("endColumn", end.to_string()));
    }
    p.push(("title", title));
    p
}

fn warning(out: &mut String, d: &Diag) {
    let mut props = Vec::new();
    if let Some((file, line, column)) = &d.location {
        props.push(("file", file.clone()));
        if *line > 0 {
            props.push(("line", line.to_string()));
            props.push(("col", column.to_string()));
        }
    }
    props.push(("title", d.code.clone()));
    let message = match &d.help {
        Some(h) => format!("{}\n\n{h}", d.message),
        None => d.message.clone(),
    };
    let name = if d.is_error() { "error" } else { "warning" };
    out.push_str(&command(name, &props, &message));
}

/// One workflow command line.
pub fn command(name: &str, props: &[(&str, String)], message: &str) -> String {
    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    let sep = if props.is_empty() { "" } else { " " };
    format!(
        "::{name}{sep}{}::{}\n",
        props.join(","),
        escape_data(message)
    )
}

/// Escape a message (`%`, CR, LF).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (`%`, CR, LF, `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_toolkit() {
        assert_eq!(
            escape_data("100% done\r\nnext: a, b"),
            "100%25 done%0D%0Anext: a, b"
        );
        assert_eq!(escape_property("KB-1: a, b%\n"), "KB-1%3A a%2C b%25%0A");
        assert_eq!(
            command(
                "error",
                &[("file", "a,b.yaml".into()), ("line", "3".into())],
                "x\ny"
            ),
            "::error file=a%2Cb.yaml,line=3::x%0Ay\n"
        );
        assert_eq!(command("notice", &[], "m"), "::notice::m\n");
    }
}

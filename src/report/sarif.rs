//! SARIF 2.1.0 output, for code-scanning tools. One run: the reporting rules that were
//! loaded as `reportingDescriptor`s (with the resolution as help and the KB article as
//! `helpUri`), each finding a `result` whose primary location is its first entity and whose
//! `relatedLocations` are the others, with the stable fingerprint in `partialFingerprints`.
//! Waived findings carry an external `suppression`; with `--base`, every result has a
//! `baselineState` and resolved findings appear as `absent` results at their base locations.
//! Waiver and topology warnings are the invocation's notifications.

use super::{Item, Location, Report};
use crate::diagnostic::Diag;
use crate::finding::Status;
use crate::fingerprint::SARIF_KEY;
use crate::lang::{Level, Rule};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The schema a SARIF log names.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

pub fn render(report: &Report<'_>) -> String {
    let rules = report.reporting_rules();
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut results: Vec<Value> = report
        .findings()
        .iter()
        .map(|i| result(i, report, &index))
        .collect();
    results.extend(report.resolved().iter().map(|i| result(i, report, &index)));
    let execution: Vec<Value> = report
        .checked
        .iter()
        .flat_map(|c| c.warnings.iter())
        .map(notification)
        .collect();
    let configuration: Vec<Value> = report.waiver_problems().map(notification).collect();
    let mut properties = json!({"failOn": report.fail_on_word(), "failing": report.failing()});
    if let (Some(diff), Some(map)) = (report.diff, properties.as_object_mut()) {
        map.insert("base".to_owned(), json!(diff.base.topology.file.name()));
    }
    let doc = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kbcheck",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|r| descriptor(r)).collect::<Vec<_>>(),
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": execution,
                "toolConfigurationNotifications": configuration,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": properties,
        }],
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// A SARIF level for a kbcheck severity.
pub fn level(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
    }
}

fn descriptor(rule: &Rule) -> Value {
    let m = &rule.meta;
    let url = rule.url();
    let resolution = if m.resolution.is_empty() {
        m.title.clone()
    } else {
        m.resolution.clone()
    };
    let article = match (&url, m.kb.is_empty()) {
        (Some(u), false) => format!("\n\nKB {}: {u}", m.kb.join(", ")),
        (Some(u), true) => format!("\n\nSee {u}"),
        (None, _) => String::new(),
    };
    let markdown_article = match (&url, m.kb.is_empty()) {
        (Some(u), false) => format!("\n\nSee [KB {}]({u}).", m.kb.join(", ")),
        (Some(u), true) => format!("\n\nSee <{u}>."),
        (None, _) => String::new(),
    };
    let mut tags: Vec<String> = vec!["kb".to_owned()];
    tags.extend(m.kb.iter().cloned());
    tags.extend(m.tags.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    let mut d = json!({
        "id": rule.id,
        "name": pascal_name(&rule.id),
        "shortDescription": {"text": m.title},
        "fullDescription": {"text": if m.cause.is_empty() { m.title.clone() } else { m.cause.clone() }},
        "help": {
            "text": format!("{resolution}{article}"),
            "markdown": format!("**Resolution.** {resolution}{markdown_article}"),
        },
        "defaultConfiguration": {"enabled": true, "level": level(rule.default_level())},
        "properties": {"tags": tags, "kb": m.kb, "products": m.products, "symptoms": m.symptoms},
    });
    if let (Some(u), Some(map)) = (url, d.as_object_mut()) {
        map.insert("helpUri".to_owned(), json!(u));
    }
    d
}

/// `KB-Q151228-DUPLICATE-SERIAL` → `KbQ151228DuplicateSerial`: SARIF's rule name is an
/// identifier, not a sentence (the title is the short description).
fn pascal_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn result(item: &Item<'_>, report: &Report<'_>, index: &HashMap<&str, usize>) -> Value {
    let f = item.finding;
    let locations = item.locations();
    let mut located = locations.iter().map(location);
    let primary = located.next();
    let related: Vec<Value> = located
        .enumerate()
        .map(|(n, mut l)| {
            if let Some(map) = l.as_object_mut() {
                map.insert("id".to_owned(), json!(n + 1));
            }
            l
        })
        .collect();
    let resolved = f.status == Some(Status::Resolved);
    let mut r = json!({
        "ruleId": f.rule,
        "level": if resolved { "none" } else { level(f.severity) },
        "kind": if resolved { "pass" } else { "fail" },
        "message": {"text": f.message},
        "locations": primary.into_iter().collect::<Vec<_>>(),
        "partialFingerprints": {SARIF_KEY: f.fingerprint},
        "properties": {
            "severity": f.severity.word(),
            "entities": item.ids,
            "kb": f.kb,
            "failing": report.gate.fails(f),
        },
    });
    let Some(map) = r.as_object_mut() else {
        return r;
    };
    if let Some(i) = index.get(f.rule.as_str()) {
        map.insert("ruleIndex".to_owned(), json!(i));
    }
    if !related.is_empty() {
        map.insert("relatedLocations".to_owned(), json!(related));
    }
    if let Some(w) = &f.waiver {
        map.insert(
            "suppressions".to_owned(),
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": w.reason,
                "location": {"physicalLocation": {
                    "artifactLocation": {"uri": uri(&w.file)},
                    "region": {"startLine": w.line.max(1), "startColumn": w.column.max(1)},
                }},
                "properties": {"owner": w.owner, "expires": w.expires},
            }]),
        );
    }
    if let Some(status) = f.status {
        let state = match status {
            Status::Introduced => "new",
            Status::Unchanged => "unchanged",
            Status::Resolved => "absent",
        };
        map.insert("baselineState".to_owned(), json!(state));
    }
    r
}

fn location(l: &Location) -> Value {
    let mut region = json!({"startLine": l.line.max(1), "startColumn": l.column.max(1)});
    if let (Some(end), Some(map)) = (l.end_column, region.as_object_mut()) {
        map.insert("endColumn".to_owned(), json!(end));
    }
    json!({
        "physicalLocation": {"artifactLocation": {"uri": uri(&l.file)}, "region": region},
        "logicalLocations": [{"name": l.entity, "kind": "object"}],
        "message": {"text": format!("{} `{}`", l.kind, l.entity)},
    })
}

fn notification(d: &Diag) -> Value {
    let mut n = json!({
        "level": if d.is_error() { "error" } else { "warning" },
        "message": {"text": match &d.help { Some(h) => format!("{} ({h})", d.message), None => d.message.clone() }},
        "descriptor": {"id": d.code},
    });
    if let (Some((file, line, column)), Some(map)) = (&d.location, n.as_object_mut()) {
        let mut physical = json!({"artifactLocation": {"uri": uri(file)}});
        if *line > 0
            && let Some(p) = physical.as_object_mut()
        {
            p.insert(
                "region".to_owned(),
                json!({"startLine": line, "startColumn": (*column).max(1)}),
            );
        }
        map.insert(
            "locations".to_owned(),
            json!([{"physicalLocation": physical}]),
        );
    }
    n
}

/// A file name as a URI reference: `/` separators, anything but unreserved characters
/// percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(
            pascal_name("KB-Q151228-DUPLICATE-SERIAL"),
            "KbQ151228DuplicateSerial"
        );
        assert_eq!(uri("examples/a b.yaml"), "examples/a%20b.yaml");
        assert_eq!(uri("C:\\plans\\x.yaml"), "C%3A/plans/x.yaml");
    }
}

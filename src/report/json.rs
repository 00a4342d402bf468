//! JSON output, the contract for tools: `findings` sorted by rule id then entity id, each
//! with `rule`, `kb`, `severity`, `message`, `entities` and `locations`; and `summary`.
//!
//! Extensions (never renames): each finding's `url` (its KB article's page in the public
//! archive), `fingerprint`, `waived` and `waiver`, and with
//! `--base` its `status`; `summary.waived` and `summary.failing`; `topologies`, each file
//! checked with its own `summary`; `fail_on`; a `waivers`
//! object when a waivers file was applied; a `diff` object with `--base`; `inconclusive`, the
//! rules that could not be decided on an entity because a value they need is not set (each
//! with `rule`, `kb`, `entity`, `location`, `missing`, and for a group rule the `group` an
//! unknown key would decide), counted in `summary.inconclusive`,
//! and `fail_on_inconclusive`. A group finding whose key refers to nodes (links grouped by
//! `to`) names them in `key_entities`, and `locations` ends with theirs (`key: true`). `paths` on a
//! finding whose rule reports bindings reached over several hops (each with `binding`, `entity`
//! and the ids `walked` from where the relation started to the bound entity, links included).

use super::stream::Lazy;
use super::{Item, Report};
use crate::finding::{Inconclusive, Status, Summary};
use crate::fingerprint::Fingerprint;
use crate::lang::Level;
use crate::topology::Topology;
use crate::waivers::Outcome;
use serde::Serialize;
use serde_json::{Value, json};

/// The report as one string (tests, small outputs); [`write`] streams it.
pub fn render(report: &Report<'_>) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only if memory does.
    let _ = write(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Write the report to `out`, each finding made as it is written.
pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let items = report.findings();
    let resolved = report.resolved();
    let lazy = Lazy::new();
    let mut warnings = Vec::new();
    for c in report.checked {
        warnings.extend(c.warnings.iter().map(warning));
    }
    warnings.extend(report.waiver_problems().map(warning));
    let all = report.checked.iter().flat_map(|c| &c.findings);
    let mut summary = serde_json::to_value(Summary::of(all)).unwrap_or_default();
    if let Some(map) = summary.as_object_mut() {
        let tally = report.tally();
        map.insert("failing".to_owned(), report.failing().into());
        map.insert("verdict".to_owned(), tally.verdict().into());
        map.insert("not_failing".to_owned(), tally.not_failing.into());
        map.insert("warnings".to_owned(), tally.warnings.into());
        map.insert("line".to_owned(), tally.line().into());
        map.insert(
            "inconclusive".to_owned(),
            report.inconclusive_count().into(),
        );
    }
    let mut doc = json!({
        "findings": lazy.list(items.iter().map(|i| finding(i, report))),
        "summary": summary,
        "fail_on": report.fail_on_word(),
        "fail_on_inconclusive": report.gate.inconclusive,
        "config": report.config,
        "inconclusive": report.checked.iter().flat_map(|c| c.inconclusive.iter().map(|r| inconclusive(r, &c.topology))).collect::<Vec<_>>(),
        "topologies": report.checked.iter().map(|c| json!({
            "file": c.topology.file.name(),
            "name": c.topology.name,
            "nodes": c.topology.node_count,
            "links": c.topology.len() - c.topology.node_count,
            "summary": Summary::of(&c.findings),
        })).collect::<Vec<_>>(),
        "warnings": warnings,
    });
    if let Some(map) = doc.as_object_mut() {
        if let Some(w) = report.waivers {
            map.insert("waivers".to_owned(), waivers(w));
        }
        if let Some(diff) = report.diff {
            map.insert(
                "diff".to_owned(),
                json!({
                    "base": diff.base.topology.file.name(),
                    "fail_on_existing": report.gate.existing,
                    "introduced": diff.introduced,
                    "unchanged": diff.unchanged,
                    "resolved": diff.resolved,
                    "resolved_findings": lazy.list(resolved.iter().map(|i| finding(i, report))),
                }),
            );
        }
    }
    lazy.write(&doc, out)
}

fn warning(w: &crate::diagnostic::Diag) -> Value {
    let (file, line, column) = w.location.clone().unwrap_or_default();
    json!({"code": w.code, "message": w.message, "help": w.help, "file": file, "line": line, "column": column})
}

/// One finding as the contract writes it. The fields are in sorted order, as `serde_json`
/// writes a map's keys, so the output is the one a `Value` would give, made without one.
#[derive(Serialize)]
struct FindingOut<'a> {
    derived: Vec<Value>,
    entities: Vec<&'a str>,
    failing: bool,
    fingerprint: Fingerprint,
    kb: &'a [String],
    key_entities: Vec<&'a str>,
    locations: Vec<LocationOut>,
    message: &'a str,
    /// Only findings whose bindings were reached over several hops carry `paths`.
    #[serde(skip_serializing_if = "Option::is_none")]
    paths: Option<Vec<Value>>,
    resolution: Option<&'a str>,
    rule: &'a str,
    severity: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status>,
    title: Option<&'a str>,
    /// A finding's identity is its topology and its fingerprint: the same ids in another
    /// topology are another finding (waivers say which files they are for).
    topology: &'a str,
    url: Option<String>,
    waived: bool,
    waiver: Option<Value>,
}

/// Where one entity is written (fields sorted, as in [`FindingOut`]).
#[derive(Serialize)]
struct LocationOut {
    column: u32,
    entity: String,
    file: String,
    /// Only on the nodes a group's key refers to.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    key: bool,
    line: u32,
}

fn finding<'a>(item: &Item<'a>, report: &'a Report<'_>) -> FindingOut<'a> {
    let (f, topo) = (item.finding, item.topology);
    let rule = report.rules.get(&f.rule.id);
    let located = |key: bool| {
        move |l: super::Location| LocationOut {
            column: l.column,
            entity: l.entity,
            file: l.file,
            key,
            line: l.line,
        }
    };
    let mut locations: Vec<LocationOut> =
        item.locations().into_iter().map(located(false)).collect();
    locations.extend(item.key_locations().into_iter().map(located(true)));
    FindingOut {
        derived: f
            .derived
            .iter()
            .map(|u| {
                json!({
                    "entity": topo.entity(u.entity).id,
                    "field": u.path.join("."),
                    "value": u.value.to_json(),
                    "rule": u.rule,
                })
            })
            .collect(),
        entities: item.ids(),
        failing: report.gate.fails(f),
        fingerprint: f.fingerprint,
        kb: &f.rule.kb,
        key_entities: f
            .key_entities
            .iter()
            .map(|&i| topo.entity(i).id.as_str())
            .collect(),
        locations,
        message: &f.message,
        paths: (!f.paths.is_empty()).then(|| {
            f.paths
                .iter()
                .map(|p| {
                    json!({
                        "binding": p.binding,
                        "entity": topo.entity(p.entity).id,
                        "walked": p.walked.iter().map(|&i| topo.entity(i).id.as_str()).collect::<Vec<_>>(),
                    })
                })
                .collect()
        }),
        resolution: rule.map(|r| r.meta.resolution.as_str()),
        rule: &f.rule.id,
        severity: f.severity,
        status: f.status,
        title: rule.map(|r| r.meta.title.as_str()),
        topology: topo.name.as_deref().unwrap_or_else(|| topo.file.name()),
        url: rule.and_then(crate::lang::Rule::url),
        waived: f.waiver.is_some(),
        waiver: f
            .waiver
            .as_deref()
            .map(|w| serde_json::to_value(w).unwrap_or_default()),
    }
}

fn inconclusive(r: &Inconclusive, topo: &Topology) -> Value {
    let e = topo.entity(r.entity);
    let mut v = json!({
        "rule": r.rule,
        "kb": r.kb,
        "entity": e.id,
        "location": {"file": topo.file.name(), "line": e.pos.line, "column": e.pos.column},
        "missing": r.missing.iter().map(|m| json!({
            "entity": topo.entity(m.entity).id,
            "field": m.path.join("."),
        })).collect::<Vec<_>>(),
    });
    if let (Some((key, members)), Some(map)) = (&r.group, v.as_object_mut()) {
        map.insert(
            "group".to_owned(),
            json!({"key": key, "members": members.iter().map(|&m| &topo.entity(m).id).collect::<Vec<_>>()}),
        );
    }
    v
}

fn waivers(outcome: &Outcome) -> Value {
    json!({"file": outcome.file, "today": outcome.today, "waivers": outcome.waivers})
}

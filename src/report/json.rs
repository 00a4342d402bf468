//! JSON output, the contract for tools: `findings` sorted by rule id then entity id, each
//! with `rule`, `kb`, `severity`, `message`, `entities` and `locations`; and `summary`.

use super::Checked;
use crate::finding::{Finding, Summary};
use crate::rules::RuleSet;
use crate::topology::Topology;
use serde_json::{Value, json};

pub fn render(checked: &[Checked], rules: &RuleSet) -> String {
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    for c in checked {
        for f in &c.findings {
            findings.push((f.rule.clone(), ids(f, &c.topology), finding(f, &c.topology, rules)));
        }
        for w in c.warnings.iter() {
            let (file, line, column) = w.location.clone().unwrap_or_default();
            warnings.push(json!({"code": w.code, "message": w.message, "help": w.help, "file": file, "line": line, "column": column}));
        }
    }
    // Several topologies: keep the contract's order across all of them.
    findings.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let all: Vec<&Finding> = checked.iter().flat_map(|c| &c.findings).collect();
    let doc = json!({
        "findings": findings.into_iter().map(|f| f.2).collect::<Vec<_>>(),
        "summary": Summary::of(all),
        "topologies": checked.iter().map(|c| json!({
            "file": c.topology.file.name(),
            "name": c.topology.name,
            "nodes": c.topology.node_count,
            "links": c.topology.len() - c.topology.node_count,
        })).collect::<Vec<_>>(),
        "warnings": warnings,
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

fn ids(f: &Finding, topo: &Topology) -> Vec<String> {
    f.entities.iter().map(|&i| topo.entity(i).id.clone()).collect()
}

fn finding(f: &Finding, topo: &Topology, rules: &RuleSet) -> Value {
    let rule = rules.get(&f.rule);
    json!({
        "rule": f.rule,
        "kb": f.kb,
        "severity": f.severity,
        "message": f.message,
        "entities": ids(f, topo),
        "locations": f.entities.iter().map(|&i| {
            let e = topo.entity(i);
            json!({"entity": e.id, "file": topo.file.name(), "line": e.pos.line, "column": e.pos.column})
        }).collect::<Vec<_>>(),
        "title": rule.map(|r| r.meta.title.clone()),
        "resolution": rule.map(|r| r.meta.resolution.clone()),
        "derived": f.derived.iter().map(|u| json!({
            "entity": topo.entity(u.entity).id,
            "field": u.path.join("."),
            "value": u.value.to_json(),
            "rule": u.rule,
        })).collect::<Vec<_>>(),
    })
}

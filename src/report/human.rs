//! Human output: each finding as a miette diagnostic — the rule id as the code, a label
//! on the topology lines of every entity involved, the resolution as help, the KB article
//! as the link — then a one-line summary.

use super::{Checked, render_diagnostic};
use crate::diagnostic::Diag;
use crate::finding::{Finding, Summary};
use crate::rules::{Level, RuleSet};
use crate::topology::Topology;
use miette::Severity;

pub fn render(checked: &[Checked], rules: &RuleSet, color: bool) -> String {
    let mut out = String::new();
    for c in checked {
        for f in &c.findings {
            out.push_str(&render_diagnostic(&finding_diag(f, &c.topology, rules), color));
        }
    }
    let all: Vec<&Finding> = checked.iter().flat_map(|c| &c.findings).collect();
    let s = Summary::of(all.iter().copied());
    let files = checked.len();
    let entities: usize = checked.iter().map(|c| c.topology.len()).sum();
    out.push_str(&format!(
        "{} error{}, {} warning{}, {} info in {files} topolog{} ({entities} entities, {} rules)\n",
        s.error,
        plural(s.error),
        s.warning,
        plural(s.warning),
        s.info,
        if files == 1 { "y" } else { "ies" },
        rules.rules.iter().filter(|r| !r.is_derivation()).count(),
    ));
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A finding as a diagnostic pointing into the topology file.
pub fn finding_diag(f: &Finding, topo: &Topology, rules: &RuleSet) -> Diag {
    let rule = rules.get(&f.rule);
    let mut d = match f.severity {
        Level::Error => Diag::error("x", f.message.clone()),
        Level::Warning => Diag::warning("x", f.message.clone()),
        Level::Info => Diag { severity: Severity::Advice, ..Diag::error("x", f.message.clone()) },
    };
    d.code = f.rule.clone();
    for &i in &f.entities {
        let e = topo.entity(i);
        d = d.at(&topo.file, e.label_pos, format!("{} `{}`", e.kind, e.id));
    }
    let mut help = Vec::new();
    if let Some(rule) = rule {
        if !rule.meta.resolution.is_empty() {
            help.push(rule.meta.resolution.clone());
        }
        d.url = rule.url();
        if !rule.meta.kb.is_empty() {
            help.push(format!("see KB {}: {}", rule.meta.kb.join(", "), rule.meta.title));
        }
    }
    for u in &f.derived {
        let by = rules.get(&u.rule).map(|r| r.meta.title.as_str()).unwrap_or_default();
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

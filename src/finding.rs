//! Findings: what a rule reports about a topology. Plain data that reporters render.

use crate::engine::DerivedUse;
use crate::rules::{Level, Rule};
use crate::topology::{Idx, Topology};

/// One finding of one rule about one entity or one group of entities.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: String,
    pub kb: Vec<String>,
    pub severity: Level,
    pub message: String,
    /// Entities involved: the selected entity, or every member of a group.
    pub entities: Vec<Idx>,
    /// Derived values the finding rests on.
    pub derived: Vec<DerivedUse>,
}

impl Finding {
    pub fn new(rule: &Rule, severity: Level, message: String, entities: Vec<Idx>, derived: Vec<DerivedUse>) -> Finding {
        Finding { rule: rule.id.clone(), kb: rule.meta.kb.clone(), severity, message, entities, derived }
    }
}

/// Sort by rule id, then by the ids of the entities involved.
pub fn sort(findings: &mut [Finding], topo: &Topology) {
    findings.sort_by(|a, b| {
        a.rule.cmp(&b.rule).then_with(|| {
            let ids = |f: &Finding| f.entities.iter().map(|i| topo.entity(*i).id.clone()).collect::<Vec<_>>();
            ids(a).cmp(&ids(b))
        })
    });
}

/// Counts by severity.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct Summary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub total: usize,
}

impl Summary {
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            match f.severity {
                Level::Error => s.error += 1,
                Level::Warning => s.warning += 1,
                Level::Info => s.info += 1,
            }
            s.total += 1;
        }
        s
    }
}

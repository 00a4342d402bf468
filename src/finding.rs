//! Findings: what a rule reports about a topology. Plain data that reporters render.

use crate::date::Date;
use crate::lang::env::DerivedUse;
use crate::lang::{Level, Rule};
use crate::topology::{Idx, Topology};
use serde::Serialize;

/// One finding of one rule about one entity or one group of entities.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: String,
    pub kb: Vec<String>,
    pub severity: Level,
    pub message: String,
    /// Entities involved: the selected entity, or every member of a group.
    pub entities: Vec<Idx>,
    /// Nodes a group's key refers to (the postoffice of `serves` links grouped by `to`):
    /// named and located beside the members, but not members (nor part of the fingerprint).
    pub key_entities: Vec<Idx>,
    /// Derived values the finding rests on.
    pub derived: Vec<DerivedUse>,
    /// Stable identity from the rule id and the sorted entity ids (see [`crate::fingerprint`]);
    /// empty until [`identify`] runs after evaluation.
    pub fingerprint: String,
    /// The waiver that covers the finding: still reported, but not counted by `--fail-on`.
    pub waiver: Option<Waived>,
    /// With `--base`: whether the change introduced, left or resolved the finding.
    pub status: Option<Status>,
    /// For bindings reached over several hops: the entities and links walked to each.
    pub paths: Vec<Witness>,
}

/// How a relation reached a bound entity: the entities and links walked, in order, from the
/// entity the relation started at to the bound one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    /// The binding's name.
    pub binding: String,
    pub entity: Idx,
    pub walked: Vec<Idx>,
}

/// How a waiver covers a finding: who accepted it, why, until when, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waived {
    pub reason: String,
    pub owner: String,
    /// The first day the waiver no longer applies.
    pub expires: Date,
    /// The waivers file and the line and column of the waiver in it.
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// A finding's place in a topology diff (`kbcheck check --base OLD NEW`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// In the new topology only: the change brings it in.
    Introduced,
    /// In both: the change leaves it.
    Unchanged,
    /// In the base only: the change fixes it.
    Resolved,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Introduced => "introduced",
            Status::Unchanged => "unchanged",
            Status::Resolved => "resolved",
        }
    }
}

impl Finding {
    pub fn new(
        rule: &Rule,
        severity: Level,
        message: String,
        entities: Vec<Idx>,
        derived: Vec<DerivedUse>,
    ) -> Finding {
        Finding {
            rule: rule.id.clone(),
            kb: rule.meta.kb.clone(),
            severity,
            message,
            entities,
            key_entities: Vec::new(),
            derived,
            fingerprint: String::new(),
            waiver: None,
            status: None,
            paths: Vec::new(),
        }
    }

    /// The ids of the entities involved, in the finding's order.
    pub fn ids(&self, topo: &Topology) -> Vec<String> {
        self.entities
            .iter()
            .map(|&i| topo.entity(i).id.clone())
            .collect()
    }
}

/// Give every finding its fingerprint (after evaluation, before waivers and diffs).
pub fn identify(findings: &mut [Finding], topo: &Topology) {
    for f in findings {
        f.fingerprint = crate::fingerprint::fingerprint(&f.rule, &f.ids(topo));
    }
}

/// Sort by rule id, then by the ids of the entities involved.
pub fn sort(findings: &mut [Finding], topo: &Topology) {
    findings.sort_by(|a, b| {
        a.rule.cmp(&b.rule).then_with(|| {
            let ids = |f: &Finding| {
                f.entities
                    .iter()
                    .map(|i| topo.entity(*i).id.clone())
                    .collect::<Vec<_>>()
            };
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
    /// Findings a waiver covers (counted in their severity too).
    pub waived: usize,
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
            s.waived += usize::from(f.waiver.is_some());
        }
        s
    }
}

/// A rule that could not be decided on an entity: its condition is unknown because values it
/// needs are neither written nor derived. Not a finding; reported apart (`inconclusive` in
/// JSON) and failing the run only with `--fail-on-inconclusive`.
#[derive(Debug, Clone, PartialEq)]
pub struct Inconclusive {
    pub rule: String,
    pub kb: Vec<String>,
    /// The entity the rule selected.
    pub entity: Idx,
    /// The values that were missing, on the entity or on others its condition reads.
    pub missing: Vec<crate::lang::cond::Missing>,
    /// For a group rule: a group whose finding the entity's unknown key decides (it would
    /// join it, and the group's firing changes with it), as its key and its known members.
    pub group: Option<(String, Vec<Idx>)>,
}

impl Inconclusive {
    /// The missing values as `field` (on the entity itself) or `field of ID`.
    pub fn missing_text(&self, topo: &Topology) -> Vec<String> {
        self.missing
            .iter()
            .map(|m| {
                let path = m.path.join(".");
                if m.entity == self.entity {
                    path
                } else {
                    format!("{path} of {}", topo.entity(m.entity).id)
                }
            })
            .collect()
    }
}

/// Sort by rule id, then entity id.
pub fn sort_inconclusive(list: &mut [Inconclusive], topo: &Topology) {
    list.sort_by(|a, b| {
        a.rule
            .cmp(&b.rule)
            .then_with(|| topo.entity(a.entity).id.cmp(&topo.entity(b.entity).id))
    });
}

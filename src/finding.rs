//! Findings: what a rule reports about a topology. Plain data that reporters render.

use crate::date::Date;
use crate::fingerprint::Fingerprint;
pub use crate::lang::RuleName;
use crate::lang::env::DerivedUse;
use crate::lang::{Level, Rule};
use crate::topology::{Idx, Topology};
use serde::Serialize;
use std::cmp::Ordering;
use std::sync::Arc;

/// One finding of one rule about one entity or one group of entities.
///
/// Compact by design (a run may hold millions): the rule is a pointer shared by all its
/// findings, entities are indices into the topology, the fingerprint is 8 bytes, and a
/// waiver is shared by every finding it covers. Locations, entity ids and the fingerprint's
/// text are computed when a report is written.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule's id and KB articles, one allocation per rule.
    pub rule: Arc<RuleName>,
    pub severity: Level,
    /// With `--base`: whether the change introduced, left or resolved the finding.
    pub status: Option<Status>,
    /// Stable identity from the rule id and the sorted entity ids (see [`crate::fingerprint`]);
    /// zero until [`identify`] runs after evaluation.
    pub fingerprint: Fingerprint,
    pub message: Box<str>,
    /// Entities involved: the selected entity, or every member of a group.
    pub entities: Box<[Idx]>,
    /// Nodes a group's key refers to (the postoffice of `serves` links grouped by `to`):
    /// named and located beside the members, but not members (nor part of the fingerprint).
    pub key_entities: Box<[Idx]>,
    /// Derived values the finding rests on.
    pub derived: Box<[DerivedUse]>,
    /// The waiver that covers the finding: still reported, but not counted by `--fail-on`.
    pub waiver: Option<Arc<Waived>>,
    /// For bindings reached over several hops: the entities and links walked to each.
    pub paths: Box<[Witness]>,
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
            rule: Arc::clone(&rule.name),
            severity,
            status: None,
            fingerprint: Fingerprint::default(),
            message: message.into_boxed_str(),
            entities: entities.into_boxed_slice(),
            key_entities: Box::default(),
            derived: derived.into_boxed_slice(),
            waiver: None,
            paths: Box::default(),
        }
    }

    /// The rule's id.
    pub fn rule_id(&self) -> &str {
        &self.rule.id
    }

    /// The rule's KB articles.
    pub fn kb(&self) -> &[String] {
        &self.rule.kb
    }

    /// The ids of the entities involved, in the finding's order.
    pub fn ids<'t>(&self, topo: &'t Topology) -> Vec<&'t str> {
        self.entities
            .iter()
            .map(|&i| topo.entity(i).id.as_str())
            .collect()
    }

    /// The contract's order: rule id, then the ids of the entities involved (compared in
    /// place, nothing copied).
    pub fn order(&self, topo: &Topology, other: &Finding, other_topo: &Topology) -> Ordering {
        self.rule.id.cmp(&other.rule.id).then_with(|| {
            let a = self.entities.iter().map(|&i| topo_id(topo, i));
            a.cmp(other.entities.iter().map(|&i| topo_id(other_topo, i)))
        })
    }
}

fn topo_id(topo: &Topology, i: Idx) -> &str {
    topo.entity(i).id.as_str()
}

/// Give every finding its fingerprint (after evaluation, before waivers and diffs).
pub fn identify(findings: &mut [Finding], topo: &Topology) {
    for f in findings {
        f.fingerprint = Fingerprint::of(&f.rule.id, &f.ids(topo));
    }
}

/// Sort by rule id, then by the ids of the entities involved.
pub fn sort(findings: &mut [Finding], topo: &Topology) {
    findings.sort_by(|a, b| a.order(topo, b, topo));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_is_compact() {
        // A run may hold millions: the struct stays within two cache lines, its rule and
        // waiver are shared pointers, and an empty list costs no allocation.
        assert!(
            std::mem::size_of::<Finding>() <= 128,
            "{}",
            std::mem::size_of::<Finding>()
        );
        let empty: Box<[Idx]> = Box::default();
        assert_eq!(std::mem::size_of_val(&*empty), 0);
    }
}

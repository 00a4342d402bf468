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

/// Sort by rule id, then by the ids of the entities involved ([`Finding::order`]); findings
/// equal in both keep their order.
///
/// A run may hold millions of findings: the ids are compared once, not at every comparison.
/// Each distinct rule and each entity named by a finding gets its rank in id order (equal
/// ids share a rank), and findings are sorted by those integers, then moved into place.
pub fn sort(findings: &mut [Finding], topo: &Topology) {
    if findings.len() < 2 {
        return;
    }
    let rules = rule_ranks(findings);
    let entities = entity_ranks(findings, topo);
    let rank = |i: &Idx| entities.get(*i as usize).copied().unwrap_or(u32::MAX);
    // Findings of one rule come in runs: remember the last rule's rank.
    let mut last: Option<(*const RuleName, u64)> = None;
    let mut keys: Vec<(u64, usize)> = Vec::with_capacity(findings.len());
    for (n, f) in findings.iter().enumerate() {
        let ptr = Arc::as_ptr(&f.rule);
        let rule = match last {
            Some((p, r)) if p == ptr => r,
            _ => {
                let r = rules.get(&ptr).copied().unwrap_or(u64::MAX >> 32);
                last = Some((ptr, r));
                r
            }
        };
        // No entity sorts before any: ranks count from 1.
        let first = f.entities.first().map_or(0, |i| u64::from(rank(i)) + 1);
        keys.push(((rule << 32) | first, n));
    }
    keys.sort_unstable_by(|(ka, a), (kb, b)| {
        ka.cmp(kb)
            .then_with(|| {
                let rest = |n: usize| {
                    findings
                        .get(n)
                        .map_or(&[][..], |f| f.entities.get(1..).unwrap_or(&[]))
                        .iter()
                        .map(rank)
                };
                rest(*a).cmp(rest(*b))
            })
            .then(a.cmp(b))
    });
    permute(findings, keys.into_iter().map(|(_, n)| n).collect());
}

/// Each distinct rule of `findings` (by pointer) with its rank in rule id order.
fn rule_ranks(findings: &[Finding]) -> std::collections::HashMap<*const RuleName, u64> {
    let mut rules: Vec<&Arc<RuleName>> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for f in findings {
        if seen.insert(Arc::as_ptr(&f.rule)) {
            rules.push(&f.rule);
        }
    }
    rules.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    let mut ranks = std::collections::HashMap::with_capacity(rules.len());
    let mut rank = 0u64;
    let mut prev: Option<&str> = None;
    for r in rules {
        if prev.is_some_and(|p| p != r.id) {
            rank += 1;
        }
        prev = Some(&r.id);
        ranks.insert(Arc::as_ptr(r), rank);
    }
    ranks
}

/// For each entity a finding names, its rank in id order (by entity index; others 0).
fn entity_ranks(findings: &[Finding], topo: &Topology) -> Vec<u32> {
    let mut named = vec![false; topo.len()];
    let mut order: Vec<Idx> = Vec::new();
    for f in findings {
        for &i in &f.entities {
            if let Some(slot) = named.get_mut(i as usize)
                && !*slot
            {
                *slot = true;
                order.push(i);
            }
        }
    }
    ranks_of(order, topo)
}

/// Every entity's rank in id order (equal ids share one), by entity index: comparing ranks
/// orders entities as comparing their ids.
pub fn id_ranks(topo: &Topology) -> Vec<u32> {
    ranks_of(
        (0..topo.len())
            .filter_map(|i| Idx::try_from(i).ok())
            .collect(),
        topo,
    )
}

/// The ranks in id order of the entities in `order` (by entity index; others 0).
fn ranks_of(mut order: Vec<Idx>, topo: &Topology) -> Vec<u32> {
    order.sort_unstable_by(|&a, &b| topo_id(topo, a).cmp(topo_id(topo, b)));
    let mut ranks = vec![0u32; topo.len()];
    let mut rank = 0u32;
    let mut prev: Option<&str> = None;
    for i in order {
        let id = topo_id(topo, i);
        if prev.is_some_and(|p| p != id) {
            rank += 1;
        }
        prev = Some(id);
        if let Some(slot) = ranks.get_mut(i as usize) {
            *slot = rank;
        }
    }
    ranks
}

/// Sort the findings of one rule by the ids of their entities, findings equal in them kept
/// in their order: by the ranks of [`id_ranks`] when given, else comparing ids.
pub fn sort_run(findings: &mut [Finding], topo: &Topology, ranks: Option<&[u32]>) {
    match ranks {
        Some(ranks) => {
            let rank = |i: &Idx| ranks.get(*i as usize).copied().unwrap_or(u32::MAX);
            findings.sort_by(|a, b| a.entities.iter().map(rank).cmp(b.entities.iter().map(rank)));
        }
        None => findings.sort_by(|a, b| {
            let id = |i: &Idx| topo_id(topo, *i);
            a.entities.iter().map(id).cmp(b.entities.iter().map(id))
        }),
    }
}

/// Reorder `items` so that position `k` holds the item that was at `from[k]` (a
/// permutation), by swaps along its cycles.
fn permute<T>(items: &mut [T], from: Vec<usize>) {
    let mut done = vec![false; from.len()];
    for start in 0..from.len() {
        let mut j = start;
        while let Some(slot) = done.get_mut(j)
            && !*slot
        {
            *slot = true;
            let Some(&k) = from.get(j) else { break };
            if k == start || k >= items.len() {
                break;
            }
            items.swap(j, k);
            j = k;
        }
    }
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

    #[test]
    fn sorting_by_ranks_orders_as_comparing_ids() {
        // Ids whose index order differs from their text order; rules given out of order,
        // two of them with the same id; findings with no, one or several entities, and
        // many equal ones (their order must be kept).
        let topology = "version: 1
nodes:
  - {id: S9, kind: server, product: exchange, version: '5.5'}
  - {id: S10, kind: server, product: exchange, version: '5.5'}
  - {id: A, kind: server, product: exchange, version: '5.5'}
  - {id: a, kind: server, product: exchange, version: '5.5'}
  - {id: AB, kind: server, product: exchange, version: '5.5'}
";
        let rule = |id: &str| {
            let text = format!(
                "{{id: {id}, title: t, select: {{kind: server}}, severity: error, message: m}}"
            );
            crate::engine::tests::compiled_on(&text, topology)
        };
        let (b, topo) = rule("R-B");
        let (a, _) = rule("R-A");
        let (a2, _) = rule("R-A");
        let (c, _) = rule("R-A1");
        let rules = [&b.rules[0], &a.rules[0], &a2.rules[0], &c.rules[0]];
        let mut seed = 7u64;
        let mut next = |below: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % below
        };
        let mut findings = Vec::new();
        for n in 0..2000 {
            let rule = rules[next(4) as usize];
            let entities = (0..next(4)).map(|_| next(5) as Idx).collect();
            findings.push(Finding::new(
                rule,
                Level::Error,
                n.to_string(),
                entities,
                Vec::new(),
            ));
        }
        let mut expected = findings.clone();
        expected.sort_by(|x, y| x.order(&topo, y, &topo));
        sort(&mut findings, &topo);
        let shown = |fs: &[Finding]| -> Vec<String> {
            fs.iter()
                .map(|f| format!("{} {}", f.rule_id(), f.message))
                .collect()
        };
        assert_eq!(shown(&findings), shown(&expected));
        // One rule's findings: sorted by ranks of every entity, or comparing ids.
        let run: Vec<Finding> = findings
            .iter()
            .filter(|f| f.rule_id() == "R-B")
            .cloned()
            .rev()
            .collect();
        let mut expected = run.clone();
        expected.sort_by(|x, y| x.order(&topo, y, &topo));
        let ranks = id_ranks(&topo);
        for ranked in [Some(ranks.as_slice()), None] {
            let mut run = run.clone();
            sort_run(&mut run, &topo, ranked);
            assert_eq!(shown(&run), shown(&expected));
        }
    }

    #[test]
    fn permuting_follows_every_cycle() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        permute(&mut items, vec![2, 0, 1, 3, 5, 4]);
        assert_eq!(items, vec!['c', 'a', 'b', 'd', 'f', 'e']);
    }
}

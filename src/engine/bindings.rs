//! Findings of check rules that bind: one per distinct combination of the entities the
//! reported bindings (`report`) matched, naming the selected entity first and the bound ones
//! after it, with the paths walked to those reached over several hops.
//!
//! "A clashes with B" reached from A and from B is one finding: a rule keeps the first
//! finding for each set of entities (the one whose selected entity comes first in the
//! topology), whichever way round the relation matched.

use crate::finding::{Finding, Witness};
use crate::lang::Rule;
use crate::lang::binding::{self, Match};
use crate::lang::cond::Cond;
use crate::lang::env::{DerivedUse, Env};
use crate::topology::Idx;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The findings of `rule` on `env.current`, where selection and condition surely hold.
pub fn findings(
    rule: &Rule,
    cond: Option<&Cond>,
    env: &Env<'_>,
    uses: &std::cell::RefCell<Vec<DerivedUse>>,
    seen: &mut HashSet<BTreeSet<Idx>>,
    out: &mut Vec<Finding>,
) {
    let i = env.current;
    // Every way the selection and the condition hold together.
    let mut all: Vec<Match> = vec![Vec::new()];
    for c in [rule.select.cond.as_ref(), cond].into_iter().flatten() {
        all = binding::combine(&all, &binding::matches(c, env));
    }
    // Split by what the reported bindings matched, in the order first met.
    let mut groups: Vec<(Vec<Idx>, Vec<&Match>)> = Vec::new();
    for m in &all {
        let key: Vec<Idx> = rule
            .report
            .iter()
            .flat_map(|name| m.iter().filter(move |b| &b.name == name).map(|b| b.entity))
            .collect();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ms)) => ms.push(m),
            None => groups.push((key, vec![m])),
        }
    }
    for (key, ms) in groups {
        let mut entities = vec![i];
        for e in key {
            if !entities.contains(&e) {
                entities.push(e);
            }
        }
        if !seen.insert(entities.iter().copied().collect()) {
            continue;
        }
        let mut bound: BTreeMap<String, Vec<Idx>> = BTreeMap::new();
        let mut paths = Vec::new();
        for b in ms.iter().flat_map(|m| m.iter()) {
            let list = bound.entry(b.name.clone()).or_default();
            if !list.contains(&b.entity) {
                list.push(b.entity);
            }
            let w = Witness {
                binding: b.name.clone(),
                entity: b.entity,
                walked: b.path.clone(),
            };
            if !b.path.is_empty() && rule.report.contains(&b.name) && !paths.contains(&w) {
                paths.push(w);
            }
        }
        let severity = super::level(rule, &[i], env);
        let message = rule.message.render_bound(env, None, &bound);
        let mut f = Finding::new(rule, severity, message, entities, uses.borrow().clone());
        f.paths = paths.into_boxed_slice();
        out.push(f);
    }
}

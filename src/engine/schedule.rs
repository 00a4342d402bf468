//! Sharing rules out over threads: each thread takes the next work item when it is done
//! with its last one, so a thread that drew expensive rules does not leave the others idle.
//!
//! A work item is a run of group rules that form the same groups (the thread forms them
//! once for the whole run, see [`super::group::Components`]) or a single rule. Items are
//! handed out largest first by an estimate of their cost (the entities their rules select),
//! so the last items taken are small and the threads finish close together.

use crate::lang::Rule;
use crate::topology::Topology;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Work items in the order they are handed out, and how many were taken.
pub struct Work<'r> {
    items: Vec<Vec<&'r Rule>>,
    taken: AtomicUsize,
}

impl<'r> Work<'r> {
    /// Items from `rules`, sorted so that rules forming the same groups are next to each
    /// other ([`super::group::grouping_key`]).
    pub fn new(rules: &[&'r Rule], topo: &Topology) -> Work<'r> {
        let mut items: Vec<(Option<String>, Vec<&'r Rule>)> = Vec::new();
        for &rule in rules {
            let key = super::group::grouping_key(rule);
            match items.last_mut() {
                Some((last, run)) if key.is_some() && *last == key => run.push(rule),
                _ => items.push((key, vec![rule])),
            }
        }
        let mut items: Vec<(usize, Vec<&'r Rule>)> = items
            .into_iter()
            .map(|(_, run)| (run.iter().map(|r| estimate(r, topo)).sum(), run))
            .collect();
        // Stable: items of equal estimate keep the rules' order.
        items.sort_by_key(|(cost, _)| std::cmp::Reverse(*cost));
        Work {
            items: items.into_iter().map(|(_, run)| run).collect(),
            taken: AtomicUsize::new(0),
        }
    }

    /// The next item no thread has taken yet.
    pub fn next(&self) -> Option<&[&'r Rule]> {
        let k = self.taken.fetch_add(1, Ordering::Relaxed);
        self.items.get(k).map(Vec::as_slice)
    }
}

/// A rule's cost estimate: the number of entities it selects (at least one).
fn estimate(rule: &Rule, topo: &Topology) -> usize {
    let selected = if rule.select.kinds.is_empty() {
        match rule.select.class {
            crate::vocabulary::Class::Node => topo.node_count,
            crate::vocabulary::Class::Link => topo.len().saturating_sub(topo.node_count),
        }
    } else {
        rule.select
            .kinds
            .iter()
            .map(|k| topo.of_kind(rule.select.class, k).len())
            .sum()
    };
    selected.max(1)
}

#[cfg(test)]
mod tests {
    use super::Work;
    use crate::engine::tests::compiled_on;

    #[test]
    fn rules_forming_the_same_groups_are_one_item_and_every_rule_is_handed_out_once() {
        let topology = "version: 1
nodes:
  - {id: S1, kind: server, product: exchange, version: '5.5'}
  - {id: S2, kind: server, product: exchange, version: '5.5'}
  - {id: A, kind: postoffice, parent: S1, serial: '21-1', name: A, network: N}
";
        let group = |id: &str, min: u32| {
            format!(
                "{{id: {id}, title: t, select: {{kind: server}}, severity: error, message: m,
                   group: {{by: [version], size: {{min: {min}}}}}}}"
            )
        };
        let check = |id: &str, kind: &str| {
            format!("{{id: {id}, title: t, select: {{kind: {kind}}}, severity: error, message: m}}")
        };
        let texts = [
            check("C-PO", "postoffice"),
            check("C-S", "server"),
            group("G-2", 2),
            group("G-3", 3),
        ];
        let mut sets = Vec::new();
        let mut topo = None;
        for t in &texts {
            let (set, tp) = compiled_on(t, topology);
            sets.push(set);
            topo = Some(tp);
        }
        let topo = topo.unwrap();
        let mut rules: Vec<&crate::lang::Rule> = sets.iter().map(|s| &s.rules[0]).collect();
        rules.sort_by_cached_key(|r| crate::engine::group::grouping_key(r));
        let work = Work::new(&rules, &topo);
        let mut items = Vec::new();
        while let Some(item) = work.next() {
            items.push(item.iter().map(|r| r.id.as_str()).collect::<Vec<_>>());
        }
        // Largest estimate first: the two group rules over two servers, then the check on
        // the servers, then the one on the single postoffice.
        assert_eq!(items, vec![vec!["G-2", "G-3"], vec!["C-S"], vec!["C-PO"]]);
        assert!(work.next().is_none());
    }
}

//! The engine: applies derivations, then evaluates every rule over an indexed topology.
//!
//! Rules are dispatched by the kinds they select (the topology's kind index), group rules
//! hash their members by key within a scope (connected components by union-find), and
//! relations walk adjacency lists, so cost grows with the topology, not with its pairs.

pub mod cond;
pub mod group;
pub mod operators;
pub mod relation;

use crate::finding::Finding;
use crate::rules::template::GroupInfo;
use crate::rules::{Level, Logic, Rule, RuleSet};
use crate::topology::{Idx, Topology};
use crate::value::Value;
use cond::Env;
use std::cell::RefCell;
use std::collections::HashMap;

/// A value a derivation rule set on an entity.
#[derive(Debug, Clone)]
pub struct Derived {
    pub path: Vec<String>,
    pub value: Value,
    pub rule: String,
}

/// A derived value a finding rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedUse {
    pub entity: Idx,
    pub path: Vec<String>,
    pub value: Value,
    pub rule: String,
}

/// Derived values, by entity (only entities that have some).
#[derive(Debug, Default)]
pub struct DerivedStore {
    by_entity: HashMap<Idx, Vec<Derived>>,
}

impl DerivedStore {
    pub fn get(&self, i: Idx, path: &[String]) -> Option<&Derived> {
        self.by_entity.get(&i)?.iter().find(|d| d.path == path)
    }

    pub fn len(&self) -> usize {
        self.by_entity.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_entity.is_empty()
    }

    pub fn all(&self) -> impl Iterator<Item = (Idx, &Derived)> {
        self.by_entity
            .iter()
            .flat_map(|(i, ds)| ds.iter().map(move |d| (*i, d)))
    }
}

/// Whether a selected entity passes the rule's `select` (tags and `where`).
pub fn selected(rule: &Rule, env: &Env<'_>) -> bool {
    let tags = env.topo.tags(env.current);
    rule.select.tags.iter().all(|t| tags.contains(t))
        && rule.select.cond.as_ref().is_none_or(|c| c.eval(env))
}

/// Apply every derivation rule until nothing changes (derivations may build on each other).
pub fn derive(rules: &RuleSet, topo: &Topology) -> DerivedStore {
    let mut store = DerivedStore::default();
    let derivations: Vec<&Rule> = rules.rules.iter().filter(|r| r.is_derivation()).collect();
    for _round in 0..=derivations.len() {
        let mut added = Vec::new();
        for rule in &derivations {
            let Logic::Derive(spec) = &rule.logic else {
                continue;
            };
            for i in RuleSet::candidates(rule, topo) {
                let uses = RefCell::new(Vec::new());
                let env = Env {
                    topo,
                    derived: &store,
                    current: i,
                    subject: i,
                    uses: &uses,
                };
                if !selected(rule, &env) || !spec.when.as_ref().is_none_or(|c| c.eval(&env)) {
                    continue;
                }
                for (path, value) in &spec.set {
                    if topo.get(i, path).is_some() || store.get(i, path).is_some() {
                        continue;
                    }
                    added.push((
                        i,
                        Derived {
                            path: path.clone(),
                            value: value.clone(),
                            rule: rule.id.clone(),
                        },
                    ));
                }
            }
        }
        if added.is_empty() {
            break;
        }
        for (i, d) in added {
            let list = store.by_entity.entry(i).or_default();
            if !list.iter().any(|x| x.path == d.path) {
                list.push(d);
            }
        }
    }
    store
}

/// Evaluate every check and group rule; findings sorted by rule id then entities.
pub fn evaluate(rules: &RuleSet, topo: &Topology) -> Vec<Finding> {
    let derived = derive(rules, topo);
    let mut findings = Vec::new();
    let mut components = group::Components::default();
    for rule in &rules.rules {
        run_rule(rule, topo, &derived, &mut components, &mut findings);
    }
    crate::finding::sort(&mut findings, topo);
    findings
}

/// Evaluate one check or group rule (derivations are applied beforehand by [`derive`]).
pub fn run_rule(
    rule: &Rule,
    topo: &Topology,
    derived: &DerivedStore,
    components: &mut group::Components,
    out: &mut Vec<Finding>,
) {
    match &rule.logic {
        Logic::Check(cond) => check(rule, cond.as_ref(), topo, derived, out),
        Logic::Group(spec) => group::run(rule, spec, topo, derived, components, out),
        Logic::Derive(_) => {}
    }
}

fn check(
    rule: &Rule,
    cond: Option<&cond::Cond>,
    topo: &Topology,
    derived: &DerivedStore,
    out: &mut Vec<Finding>,
) {
    for i in RuleSet::candidates(rule, topo) {
        let uses = RefCell::new(Vec::new());
        let env = Env {
            topo,
            derived,
            current: i,
            subject: i,
            uses: &uses,
        };
        if !selected(rule, &env) || !cond.is_none_or(|c| c.eval(&env)) {
            continue;
        }
        let severity = level(rule, &[i], &env);
        let message = rule.message.render(&env, None);
        out.push(Finding::new(
            rule,
            severity,
            message,
            vec![i],
            uses.into_inner(),
        ));
    }
}

/// The rule's level for these entities: the first entry whose condition holds for any.
pub fn level(rule: &Rule, entities: &[Idx], env: &Env<'_>) -> Level {
    for (cond, level) in &rule.severity {
        match cond {
            None => return *level,
            Some(c) => {
                if entities.iter().any(|&i| {
                    c.eval(&Env {
                        current: i,
                        subject: i,
                        ..*env
                    })
                }) {
                    return *level;
                }
            }
        }
    }
    Level::Error
}

/// Render a group finding's message for its first member.
pub fn group_message(rule: &Rule, env: &Env<'_>, members: &[String], key: &str) -> String {
    rule.message.render(env, Some(&GroupInfo { members, key }))
}

//! The engine: applies derivations, then evaluates every rule over an indexed topology.
//!
//! Rules are dispatched by the kinds they select (the topology's kind index), group rules
//! hash their members by key within a scope (connected components by union-find), and
//! relations walk adjacency lists, so cost grows with the topology, not with its pairs.

pub mod bindings;
mod decide;
pub mod group;
mod index;
mod schedule;

use crate::date::Date;
use crate::finding::{Finding, Inconclusive};
use crate::lang::cond::{self as cond, Missing, Truth};
use crate::lang::env::{Derived, DerivedStore, Env};
use crate::lang::expr::Out;
use crate::lang::relation::Closures;
use crate::lang::template::GroupInfo;
use crate::lang::{Level, Logic, Rule, RuleSet};
use crate::topology::{Idx, Topology};
use std::cell::RefCell;

/// Whether a selected entity passes the rule's `select` (tags and `where`), definitely.
pub fn selected(rule: &Rule, env: &Env<'_>) -> bool {
    selection(rule, env).is_true()
}

/// Whether an entity passes the rule's `select`: true, false, or unknown when its `where`
/// needs a value that is not set.
pub fn selection(rule: &Rule, env: &Env<'_>) -> Truth {
    let tags = env.topo.tags(env.current);
    if !rule.select.tags.iter().all(|t| tags.contains(t)) {
        return Truth::False;
    }
    rule.select
        .cond
        .as_ref()
        .map_or(Truth::True, |c| c.eval(env))
}

/// What the rules gave on a topology: findings, and the rules that could not be decided on
/// an entity because a value they need is not set.
#[derive(Debug, Default)]
pub struct Results {
    pub findings: Vec<Finding>,
    pub inconclusive: Vec<Inconclusive>,
    /// Which entities inconclusive results are kept for.
    pub inconclusive_for: crate::lang::InconclusiveFor,
}

impl Results {
    fn report_unknown(&self, topo: &Topology, i: Idx) -> bool {
        self.inconclusive_for == crate::lang::InconclusiveFor::All
            || topo.tags(i).iter().any(|t| t == "planned")
    }
}

/// An inconclusive result of `rule` on `env.current`, naming the missing values of `conds`.
pub fn inconclusive(rule: &Rule, env: &Env<'_>, conds: &[Option<&cond::Cond>]) -> Inconclusive {
    let mut missing: Vec<Missing> = Vec::new();
    for c in conds.iter().flatten() {
        c.unknowns(env, &mut missing);
    }
    missing.sort();
    Inconclusive {
        rule: rule.id.clone(),
        kb: rule.meta.kb.clone(),
        entity: env.current,
        missing,
        group: None,
    }
}

/// Apply every derivation rule until nothing changes (derivations may build on each other).
pub fn derive(rules: &RuleSet, topo: &Topology) -> DerivedStore {
    derive_at(rules, topo, rules.today)
}

/// [`derive`] on a given "today" (a rule test case's own `today:`; `None`: the system date,
/// read once for the whole run).
pub fn derive_at(rules: &RuleSet, topo: &Topology, today: Option<Date>) -> DerivedStore {
    let mut store = DerivedStore::default();
    store.today = Some(today.unwrap_or_else(Date::system_today));
    let derivations: Vec<&Rule> = rules.rules.iter().filter(|r| r.is_derivation()).collect();
    for _round in 0..=derivations.len() {
        let mut added = Vec::new();
        for rule in &derivations {
            let Logic::Derive(spec) = &rule.logic else {
                continue;
            };
            for i in RuleSet::candidates(rule, topo) {
                let uses = RefCell::new(Vec::new());
                let env = Env::new(topo, &store, i, &uses);
                // A derivation adds a value only where the article's condition surely holds.
                if !derivation_holds(rule, spec, &env) {
                    continue;
                }
                for (path, value) in &spec.set {
                    if topo.get(i, path).is_some() || store.get(i, path).is_some() {
                        continue;
                    }
                    // A computed value that is unknown (or none) derives nothing.
                    let Out::Value(value) = value.eval(&env) else {
                        continue;
                    };
                    added.push((
                        i,
                        Derived {
                            path: path.clone(),
                            value,
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
            store.insert(i, d, topo.len());
        }
    }
    store
}

/// Evaluate every check and group rule; findings sorted by rule id then entities.
pub fn evaluate(rules: &RuleSet, topo: &Topology) -> Vec<Finding> {
    evaluate_all(rules, topo).findings
}

/// Evaluate every check and group rule: findings sorted by rule id then entities, and the
/// inconclusive results sorted the same way.
pub fn evaluate_all(rules: &RuleSet, topo: &Topology) -> Results {
    evaluate_all_with(rules, topo, &|| {})
}

/// [`evaluate_all`], calling `rule_done` (from any thread) after each check or group rule:
/// the hook for a progress indicator.
pub fn evaluate_all_with(
    rules: &RuleSet,
    topo: &Topology,
    rule_done: &(dyn Fn() + Sync),
) -> Results {
    evaluate_within(rules, topo, rule_done, &Budget::new(usize::MAX))
}

/// The most findings a run may hold (`--max-findings`), counted over every topology and
/// thread: evaluation stops at the first rule that takes the count past it, so a run that
/// would report too much fails closed instead of growing until the system kills it.
#[derive(Debug)]
pub struct Budget {
    max: usize,
    used: std::sync::atomic::AtomicUsize,
}

impl Budget {
    pub fn new(max: usize) -> Budget {
        Budget {
            max,
            used: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The most findings allowed.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Count `n` more findings.
    fn spend(&self, n: usize) {
        self.used.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether more findings than allowed were counted.
    pub fn exceeded(&self) -> bool {
        self.used.load(std::sync::atomic::Ordering::Relaxed) > self.max
    }
}

/// [`evaluate_all_with`] within a budget of findings: once it is exceeded the remaining
/// rules are skipped and the results are partial (the caller checks
/// [`Budget::exceeded`] and reports nothing from them).
pub fn evaluate_within(
    rules: &RuleSet,
    topo: &Topology,
    rule_done: &(dyn Fn() + Sync),
    budget: &Budget,
) -> Results {
    let derived = derive(rules, topo);
    let mut checks: Vec<&Rule> = rules.rules.iter().filter(|r| r.reports()).collect();
    // Group rules that form the same groups next to each other, so each thread forms them
    // once (findings are sorted at the end, so the order of rules does not show).
    checks.sort_by_cached_key(|r| group::grouping_key(r));
    // Rules are independent once derivations are applied: on a large topology, share them
    // out over the cores (each thread keeps its own component cache and results).
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(checks.len())
        .max(1);
    let ranks = Ranks::default();
    let serial = || {
        let mut worker = Worker::new(rules.inconclusive, &ranks);
        for rule in &checks {
            worker.run(rule, topo, &derived, rule_done, budget);
        }
        vec![worker.done()]
    };
    let results = if threads > 1 && topo.len() >= PARALLEL_FROM {
        let work = schedule::Work::new(&checks, topo);
        let parts: Vec<Done> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let (derived, work, ranks) = (&derived, &work, &ranks);
                    scope.spawn(move || {
                        let mut worker = Worker::new(rules.inconclusive, ranks);
                        while let Some(item) = work.next() {
                            for rule in item {
                                worker.run(rule, topo, derived, rule_done, budget);
                            }
                        }
                        worker.done()
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        if parts.len() != threads {
            // A thread that panicked would lose findings: fall back rather than pass.
            serial()
        } else {
            parts
        }
    } else {
        serial()
    };
    let mut results = merge(results, topo);
    if budget.exceeded() {
        return results;
    }
    crate::finding::sort_inconclusive(&mut results.inconclusive, topo);
    results
}

/// What a worker gives: each rule's findings (sorted by entities), and the rest of its
/// results.
struct Done {
    runs: Vec<Vec<Finding>>,
    results: Results,
}

/// The workers' results as one, findings in the contract's order: each rule's run (sorted by
/// its worker) in rule id order, every finding moved once into a list of its final size.
fn merge(parts: Vec<Done>, topo: &Topology) -> Results {
    let mut all = Results {
        inconclusive: Vec::with_capacity(parts.iter().map(|p| p.results.inconclusive.len()).sum()),
        ..Results::default()
    };
    let mut runs = Vec::new();
    for p in parts {
        all.inconclusive.extend(p.results.inconclusive);
        all.inconclusive_for = p.results.inconclusive_for;
        runs.extend(p.runs.into_iter().filter(|r| !r.is_empty()));
    }
    // Stable: a rule's runs keep their order.
    runs.sort_by(|a, b| run_id(a).cmp(run_id(b)));
    all.findings = Vec::with_capacity(runs.iter().map(Vec::len).sum());
    let shared_ids = runs
        .windows(2)
        .any(|w| w.first().map(|r| run_id(r)) == w.get(1).map(|r| run_id(r)));
    for run in runs {
        all.findings.extend(run);
    }
    // Two rules with one id: their findings interleave by entities.
    if shared_ids {
        crate::finding::sort(&mut all.findings, topo);
    }
    all
}

/// The rule id of a run of findings of one rule.
fn run_id(run: &[Finding]) -> &str {
    run.first().map_or("", |f| f.rule_id())
}

/// Topologies at least this large are evaluated on several threads.
const PARALLEL_FROM: usize = 20_000;

/// Entity ranks for sorting each rule's findings, shared by the workers: made once the
/// findings sorted so far outnumber the entities (sorting them comparing ids has then cost
/// about what ranking every entity costs), used by every later rule.
#[derive(Default)]
struct Ranks {
    sorted: std::sync::atomic::AtomicUsize,
    ranks: std::sync::OnceLock<Vec<u32>>,
}

impl Ranks {
    /// The ranks to sort a rule's `n` findings by, if they are made or worth making now.
    fn for_run(&self, n: usize, topo: &Topology) -> Option<&[u32]> {
        let sorted = self
            .sorted
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed)
            + n;
        if sorted > topo.len() {
            Some(self.ranks.get_or_init(|| crate::finding::id_ranks(topo)))
        } else {
            self.ranks.get().map(Vec::as_slice)
        }
    }
}

/// One thread's evaluation: its results, and the caches its rules share (components and
/// groupings, the value index).
struct Worker<'s> {
    results: Results,
    runs: Vec<Vec<Finding>>,
    components: group::Components,
    index: index::Index<'s>,
    ranks: &'s Ranks,
}

impl<'s> Worker<'s> {
    fn new(inconclusive_for: crate::lang::InconclusiveFor, ranks: &'s Ranks) -> Worker<'s> {
        Worker {
            results: Results {
                inconclusive_for,
                ..Results::default()
            },
            runs: Vec::new(),
            components: group::Components::default(),
            index: index::Index::default(),
            ranks,
        }
    }

    fn done(self) -> Done {
        Done {
            runs: self.runs,
            results: self.results,
        }
    }

    /// Evaluate `rule` unless the budget is already exceeded, and count its findings.
    fn run(
        &mut self,
        rule: &Rule,
        topo: &'s Topology,
        derived: &DerivedStore,
        rule_done: &(dyn Fn() + Sync),
        budget: &Budget,
    ) {
        if budget.exceeded() {
            return;
        }
        run_indexed(
            rule,
            topo,
            derived,
            &mut self.components,
            Some(&mut self.index),
            &mut self.results,
        );
        let mut run = std::mem::take(&mut self.results.findings);
        budget.spend(run.len());
        // Sorted here, on the worker's thread, while the findings are in its cache.
        let ranks = self.ranks.for_run(run.len(), topo);
        crate::finding::sort_run(&mut run, topo, ranks);
        self.runs.push(run);
        rule_done();
    }
}

/// Evaluate one check or group rule (derivations are applied beforehand by [`derive`]):
/// its findings and its inconclusive results.
pub fn run_rule(
    rule: &Rule,
    topo: &Topology,
    derived: &DerivedStore,
    components: &mut group::Components,
    out: &mut Results,
) {
    run_indexed(rule, topo, derived, components, None, out);
}

/// [`run_rule`], testing only the entities a shared value index gives, when there is one.
fn run_indexed<'t>(
    rule: &Rule,
    topo: &'t Topology,
    derived: &DerivedStore,
    components: &mut group::Components,
    index: Option<&mut index::Index<'t>>,
    out: &mut Results,
) {
    match &rule.logic {
        Logic::Check(cond) => match index {
            Some(x) => {
                let candidates = x
                    .candidates(rule, topo)
                    .unwrap_or_else(|| RuleSet::candidates(rule, topo));
                let decided = x.exact.decide(rule, topo, derived, candidates.len());
                let given = Given {
                    candidates,
                    decided: decided.as_ref(),
                };
                check(rule, cond.as_ref(), given, topo, derived, out);
            }
            None => {
                let given = Given {
                    candidates: RuleSet::candidates(rule, topo),
                    decided: None,
                };
                check(rule, cond.as_ref(), given, topo, derived, out);
            }
        },
        Logic::Group(spec) => {
            let mut undecided = Vec::new();
            group::run(
                rule,
                spec,
                topo,
                derived,
                components,
                &mut out.findings,
                &mut undecided,
            );
            let keep: Vec<Inconclusive> = undecided
                .into_iter()
                .filter(|u| out.report_unknown(topo, u.entity))
                .collect();
            out.inconclusive.extend(keep);
        }
        Logic::Derive(spec) => {
            if let Some(c) = &spec.conflict {
                conflicts(rule, spec, c, topo, derived, out);
            }
        }
    }
}

/// Whether a derivation's selection and condition surely hold on the current entity.
fn derivation_holds(rule: &Rule, spec: &crate::lang::DeriveSpec, env: &Env<'_>) -> bool {
    selected(rule, env) && spec.when.as_ref().is_none_or(|c| c.holds(env))
}

/// A derivation with `conflict`: report each entity where the article's condition holds but
/// the topology writes another value than the one the article implies.
fn conflicts(
    rule: &Rule,
    spec: &crate::lang::DeriveSpec,
    conflict: &crate::lang::Conflict,
    topo: &Topology,
    derived: &DerivedStore,
    out: &mut Results,
) {
    for i in RuleSet::candidates(rule, topo) {
        let uses = RefCell::new(Vec::new());
        let env = Env::new(topo, derived, i, &uses);
        if !derivation_holds(rule, spec, &env) {
            continue;
        }
        // A computed value that is unknown (or none) implies nothing to differ from.
        let differs = spec.set.iter().any(|(path, value)| {
            topo.get(i, path)
                .is_some_and(|written| match value.eval(&env) {
                    Out::Value(implied) => !crate::lang::operators::loose_eq(
                        &written,
                        &implied,
                        crate::lang::operators::CompareAs::Value,
                    ),
                    _ => false,
                })
        });
        if differs {
            let severity = level_of(&conflict.severity, &[i], &env);
            let message = conflict.message.render(&env, None);
            out.findings.push(Finding::new(
                rule,
                severity,
                message,
                vec![i],
                uses.into_inner(),
            ));
        }
    }
}

/// The entities a check rule tests, and what shared value groups already answer of its
/// condition.
struct Given<'d> {
    candidates: Vec<Idx>,
    decided: Option<&'d decide::Decided<'d>>,
}

fn check(
    rule: &Rule,
    cond: Option<&cond::Cond>,
    given: Given<'_>,
    topo: &Topology,
    derived: &DerivedStore,
    out: &mut Results,
) {
    // Entity sets already reported, for rules whose findings name bound entities.
    let mut seen = std::collections::HashSet::new();
    // Relations this rule asks of every entity the same way are answered once for all.
    let closures = Closures::default();
    for i in given.candidates {
        let uses = RefCell::new(Vec::new());
        let env = Env {
            closures: Some(&closures),
            ..Env::new(topo, derived, i, &uses)
        };
        // A check fires where selection and condition are both surely true; where neither is
        // false but one is unknown, the rule cannot be decided on the entity.
        let known = given.decided.and_then(|d| d.truth(i));
        let truth = selection(rule, &env)
            .and(known.unwrap_or_else(|| cond.map_or(Truth::True, |c| c.eval(&env))));
        match truth {
            Truth::False => continue,
            Truth::Unknown => {
                if out.report_unknown(topo, i) {
                    out.inconclusive.push(inconclusive(
                        rule,
                        &env,
                        &[rule.select.cond.as_ref(), cond],
                    ));
                }
                continue;
            }
            Truth::True => {}
        }
        if rule.binds {
            bindings::findings(rule, cond, &env, &uses, &mut seen, &mut out.findings);
            continue;
        }
        let severity = level(rule, &[i], &env);
        let message = rule.message.render(&env, None);
        out.findings.push(Finding::new(
            rule,
            severity,
            message,
            vec![i],
            uses.into_inner(),
        ));
    }
}

/// The rule's level for these entities: the first entry whose condition holds for any.
/// An entry whose condition is unknown (for every entity it does not surely hold for) might
/// apply, so failing closed, the level is the highest of those entries and the first that
/// surely holds.
pub fn level(rule: &Rule, entities: &[Idx], env: &Env<'_>) -> Level {
    level_of(&rule.severity, entities, env)
}

/// [`level`] over a list of conditional levels (a rule's, or a derivation's `conflict`).
pub fn level_of(
    severity: &[(Option<cond::Cond>, Level)],
    entities: &[Idx],
    env: &Env<'_>,
) -> Level {
    let mut possible: Option<Level> = None;
    for (cond, level) in severity {
        let truth = match cond {
            None => Truth::True,
            Some(c) => entities
                .iter()
                .map(|&i| {
                    c.eval(&Env {
                        current: i,
                        subject: i,
                        ..*env
                    })
                })
                .fold(Truth::False, Truth::or),
        };
        match truth {
            Truth::True => return possible.map_or(*level, |p| p.max(*level)),
            Truth::Unknown => possible = Some(possible.map_or(*level, |p| p.max(*level))),
            Truth::False => {}
        }
    }
    possible.unwrap_or(Level::Error)
}

/// Render a group finding's message for its first member.
pub fn group_message(rule: &Rule, env: &Env<'_>, members: &[String], key: &str) -> String {
    rule.message.render(env, Some(&GroupInfo { members, key }))
}

#[cfg(test)]
mod aggregate_tests;
#[cfg(test)]
mod date_tests;
#[cfg(test)]
mod expr_tests;
#[cfg(test)]
mod list_tests;
#[cfg(test)]
pub(crate) mod reference_tests;
#[cfg(test)]
mod relation_tests;
#[cfg(test)]
pub(crate) mod tests;

//! A differential oracle for the relational parts of the rule language.
//!
//! The engine indexes the topology, walks adjacency lists and unions components. This file
//! says the same thing again as plainly as it can be said — the rule language's definitions
//! written out with pairwise loops and a breadth-first search from scratch for every
//! question — and proptest generates random topologies (nodes of three kinds with a few
//! attribute values, some left out; random acyclic parents; random links of three kinds) and
//! random rules of the relational shapes (groups within the topology, a parent, a site or a
//! connected component; relations over one or several hops or `hops: any`, with kinds,
//! `where`, `link-where`, `through` and every quantifier, or over a `path` of steps each with
//! its own filters; counts of entities or of links walked (`count-links`); check rules whose
//! relations `bind` what they matched and `report` it, one finding per pair, each pair
//! once). The rules are YAML text compiled by the real
//! loader; the engine's findings and inconclusive results must equal the oracle's, entity
//! for entity.
//!
//! The oracle also spells out the three-valued semantics of docs/rules.md ("Missing
//! fields"): a test of a field that is not set is unknown, unless a part of the same
//! `all` / `any` group tests that field's presence; Kleene logic for `all` / `any` / `not`.
//! And computed values ("Computed values"): value tests, expression operands, `starts-with`
//! and computed group keys, with expressions over `length`, `upper`, `concat`, `add`, `sub`
//! and `number` evaluated here again — unknown over an unset field, no value (a false test)
//! for text where a number is needed, no value beating unknown.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails the test by panicking"
)]

mod engine;
mod generate;
mod logic;
mod model;
mod relations;
mod rules;

use engine::{engine, vocabulary};
use generate::{check_strategy, group_strategy, topo_strategy};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rules::{Rule, oracle};
use std::cell::RefCell;

// ------------------------------------------------------------------ the properties

/// Run `cases` random (topology, rules) cases; the engine must agree with the oracle.
fn agree(cases: u32, rules: impl Strategy<Value = Vec<Rule>>) {
    // The vocabulary moves into each case's rule set and back out, so it is parsed once.
    let vocab = RefCell::new(Some(vocabulary()));
    // How many rules gave a finding, an inconclusive result, or nothing: the generators must
    // not drift into cases where everything is trivially empty.
    let tally = RefCell::new([0u32; 3]);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&(topo_strategy(), rules), |(t, rules)| {
        let taken = vocab.borrow_mut().take();
        let (got, v) = engine(taken.unwrap_or_else(vocabulary), &t, &rules);
        *vocab.borrow_mut() = Some(v);
        for (rule, got) in rules.iter().zip(got) {
            let want = oracle(&t, rule);
            let slot = if !want.findings.is_empty() {
                0
            } else if !want.inconclusive.is_empty() {
                1
            } else {
                2
            };
            tally.borrow_mut()[slot] += 1;
            prop_assert_eq!(
                &got,
                &want,
                "engine (left) and oracle (right) disagree\n--- rule\n{}--- topology\n{}",
                rule.yaml("R"),
                t.yaml()
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let [fired, undecided, quiet] = *tally.borrow();
    eprintln!("{cases} cases: {fired} rules fired, {undecided} only inconclusive, {quiet} quiet");
    let rules = fired + undecided + quiet;
    assert!(fired * 5 > rules && undecided * 20 > rules && quiet * 10 > rules);
}

#[test]
fn groups_agree_with_the_oracle() {
    agree(1500, proptest::collection::vec(group_strategy(), 3));
}

#[test]
fn relations_agree_with_the_oracle() {
    agree(1500, proptest::collection::vec(check_strategy(), 3));
}

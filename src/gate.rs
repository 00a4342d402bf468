//! The gate: a checked topology with its findings, and what decides whether a run fails.
//!
//! Waivers and diffs set each finding's state on a [`Checked`]; the [`Gate`] (built from
//! `--fail-on` / [`FailOn`] and its companions) says which findings fail the run; reports
//! and the command line read both.

use crate::diagnostic::Diags;
use crate::finding::{Finding, Inconclusive, Status};
use crate::lang::{Level, RuleSet};
use crate::topology::Topology;

/// One checked topology file and what the rules found in it.
#[derive(Debug)]
pub struct Checked {
    pub topology: Topology,
    pub findings: Vec<Finding>,
    /// Rules that could not be decided on an entity (a value they need is not set).
    pub inconclusive: Vec<Inconclusive>,
    /// Warnings about the topology (unknown attributes).
    pub warnings: Diags,
}

/// Evaluate the rules over one topology and give each finding its fingerprint.
pub fn evaluate(set: &RuleSet, topology: Topology, warnings: Diags) -> Checked {
    evaluate_with(set, topology, warnings, &|| {})
}

/// [`evaluate`], calling `rule_done` as each rule finishes (for a progress indicator).
pub fn evaluate_with(
    set: &RuleSet,
    topology: Topology,
    warnings: Diags,
    rule_done: &(dyn Fn() + Sync),
) -> Checked {
    let results = crate::engine::evaluate_all_with(set, &topology, rule_done);
    checked(topology, results, warnings)
}

/// [`evaluate_with`] within a budget of findings shared by the run (`--max-findings`):
/// `None` once the budget is exceeded, when the findings are dropped unreported.
pub fn evaluate_within(
    set: &RuleSet,
    topology: Topology,
    warnings: Diags,
    rule_done: &(dyn Fn() + Sync),
    budget: &crate::engine::Budget,
) -> Option<Checked> {
    let results = crate::engine::evaluate_within(set, &topology, rule_done, budget);
    if budget.exceeded() {
        return None;
    }
    Some(checked(topology, results, warnings))
}

fn checked(topology: Topology, results: crate::engine::Results, warnings: Diags) -> Checked {
    let mut findings = results.findings;
    crate::finding::identify(&mut findings, &topology);
    Checked {
        topology,
        findings,
        inconclusive: results.inconclusive,
        warnings,
    }
}

/// What decides the exit code: the `--fail-on` threshold, and whether findings a change
/// left unchanged count (`--fail-on-existing`; only meaningful with `--base`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gate {
    pub threshold: Option<Level>,
    pub existing: bool,
    /// `--fail-on-inconclusive`: a rule that could not be decided fails the run too.
    pub inconclusive: bool,
}

impl Gate {
    /// Whether a finding counts toward `--fail-on`: at or above the threshold, not waived,
    /// and — when diffing without `--fail-on-existing` — introduced by the change.
    pub fn fails(&self, f: &Finding) -> bool {
        self.threshold.is_some_and(|t| f.severity >= t)
            && f.waiver.is_none()
            && (self.existing || !matches!(f.status, Some(Status::Unchanged | Status::Resolved)))
    }
}

/// The lowest severity that makes `check` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// The lowest level that fails the gate (`None`: nothing does).
    pub fn threshold(self) -> Option<Level> {
        match self {
            FailOn::Error => Some(Level::Error),
            FailOn::Warning => Some(Level::Warning),
            FailOn::Info => Some(Level::Info),
            FailOn::Never => None,
        }
    }
}

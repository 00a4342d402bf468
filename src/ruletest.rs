//! `kbcheck test`: runs the cases each rule carries and compares findings.
//!
//! A case is a small topology and the findings it must give (entity ids, optionally the
//! severity), or `expect: []` for none. A rule passes when every case gives exactly what
//! it expects; it fails if a finding is **missing** (a false negative) or **noisy** (a
//! false positive), or if it lacks a firing case or a non-firing case. A case may also list
//! the entities the rule must be unable to decide (`inconclusive: [ids]`, exactly, whether
//! or not they are planned). Cases marked `todo` are reported but do not fail.

use crate::engine;
use crate::lang::{Expected, Level, Logic, Rule, RuleSet};
use crate::topology::Topology;

/// What one case gave.
#[derive(Debug, Default)]
pub struct CaseResult {
    pub name: String,
    pub todo: bool,
    /// Expected but not found.
    pub missing: Vec<Expected>,
    /// Found but not expected: (entities, severity).
    pub noisy: Vec<(Vec<String>, Level)>,
    /// The case's topology did not load, or has words no vocabulary knows: each problem as
    /// `FILE:LINE:COL: message`, and its help.
    pub invalid: Vec<(String, Option<String>)>,
    /// `inconclusive:` said otherwise: (expected ids, the ids the rule could not decide).
    pub undecided: Option<(Vec<String>, Vec<String>)>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.missing.is_empty()
            && self.noisy.is_empty()
            && self.invalid.is_empty()
            && self.undecided.is_none()
    }
}

/// What one rule's cases gave.
#[derive(Debug, Default)]
pub struct RuleResult {
    pub rule: String,
    pub cases: Vec<CaseResult>,
    /// Structural problems: no firing case, no non-firing case.
    pub problems: Vec<String>,
}

impl RuleResult {
    pub fn passed(&self) -> bool {
        self.problems.is_empty() && self.cases.iter().all(|c| c.todo || c.passed())
    }
}

/// Run every case of every rule in the set.
pub fn run(set: &RuleSet) -> Vec<RuleResult> {
    set.rules.iter().map(|r| run_rule(set, r)).collect()
}

/// Run the cases of the rules of the set whose ids are `ids` (the others still derive).
pub fn run_only(set: &RuleSet, ids: &std::collections::BTreeSet<String>) -> Vec<RuleResult> {
    set.rules
        .iter()
        .filter(|r| ids.contains(&r.id))
        .map(|r| run_rule(set, r))
        .collect()
}

/// Run the cases of one rule (the rule need not be in `set`, whose derivations apply).
pub fn run_rule(set: &RuleSet, rule: &Rule) -> RuleResult {
    let mut result = RuleResult {
        rule: rule.id.clone(),
        ..RuleResult::default()
    };
    let firing = rule
        .tests
        .iter()
        .filter(|t| !t.todo && !t.expect.is_empty())
        .count();
    let quiet = rule
        .tests
        .iter()
        .filter(|t| !t.todo && t.expect.is_empty())
        .count();
    if firing == 0 {
        result
            .problems
            .push("has no case that must fire".to_owned());
    }
    if quiet == 0 {
        result
            .problems
            .push("has no case that must not fire".to_owned());
    }
    for case in &rule.tests {
        let mut cr = CaseResult {
            name: case.name.clone(),
            todo: case.todo,
            ..CaseResult::default()
        };
        let file = case.file.as_ref().unwrap_or(&rule.file);
        let (topo, diags) = Topology::load(file, case.topology.clone(), &set.vocab);
        // A case is data the author wrote: a word the vocabulary does not know (a kind,
        // an attribute, a value, a tag) fails it, as `check --strict` would, so a typo
        // cannot make a case pass for the wrong reason; `strict: false` allows them.
        cr.invalid = diags
            .iter()
            .filter(|d| case.strict || d.is_error())
            .map(|d| invalid_text(file, d))
            .collect();
        let Some(topo) = topo.filter(|_| cr.invalid.is_empty()) else {
            result.cases.push(cr);
            continue;
        };
        if let Some(want) = &case.inconclusive {
            let got = undecided_of(set, rule, &topo, case.today);
            if got != *want {
                cr.undecided = Some((want.clone(), got));
            }
        }
        let actual = findings_of(set, rule, &topo, case.today);
        let mut unmatched: Vec<(Vec<String>, Level)> = actual;
        // Exact expectations take their findings first, so an `at-least` one cannot take a
        // finding an exact one needs.
        let ordered = case
            .expect
            .iter()
            .filter(|e| !e.at_least)
            .chain(case.expect.iter().filter(|e| e.at_least));
        for want in ordered {
            let pos = unmatched.iter().position(|(got, l)| want.matches(got, *l));
            match pos {
                Some(p) => {
                    unmatched.remove(p);
                }
                None => cr.missing.push(want.clone()),
            }
        }
        cr.noisy = unmatched;
        result.cases.push(cr);
    }
    result
}

/// One problem of a case's topology: `FILE:LINE:COL: message`, and its help.
fn invalid_text(
    file: &crate::source::SourceFile,
    d: &crate::diagnostic::Diag,
) -> (String, Option<String>) {
    let (_, line, col) = d.location.clone().unwrap_or_default();
    (
        format!("{}:{line}:{col}: {}", file.name(), d.message),
        d.help.clone(),
    )
}

/// The rule's findings on a topology, as (sorted entity ids, level). For a derivation,
/// the entities it gave a value to (at level info), and its `conflict` findings.
///
/// `today` is the case's own date (`today:`), else the run's.
pub fn findings_of(
    set: &RuleSet,
    rule: &Rule,
    topo: &Topology,
    today: Option<crate::date::Date>,
) -> Vec<(Vec<String>, Level)> {
    let derived = engine::derive_at(set, topo, today.or(set.today));
    let mut found = Vec::new();
    if let Logic::Derive(_) = rule.logic {
        let mut ents: Vec<String> = derived
            .all()
            .filter(|(_, d)| d.rule == rule.id)
            .map(|(i, _)| topo.entity(i).id.clone())
            .collect();
        ents.sort();
        ents.dedup();
        found.extend(ents.into_iter().map(|e| (vec![e], Level::Info)));
    }
    let mut out = engine::Results::default();
    engine::run_rule(
        rule,
        topo,
        &derived,
        &mut engine::group::Components::default(),
        &mut out,
    );
    found.extend(out.findings.into_iter().map(|f| {
        let mut ids: Vec<String> = f
            .entities
            .iter()
            .map(|&i| topo.entity(i).id.clone())
            .collect();
        ids.sort();
        (ids, f.severity)
    }));
    found
}

/// The ids of the entities the rule cannot decide on a topology (every entity, planned or
/// not), sorted; none for a derivation.
pub fn undecided_of(
    set: &RuleSet,
    rule: &Rule,
    topo: &Topology,
    today: Option<crate::date::Date>,
) -> Vec<String> {
    let derived = engine::derive_at(set, topo, today.or(set.today));
    let mut out = engine::Results {
        inconclusive_for: crate::lang::InconclusiveFor::All,
        ..engine::Results::default()
    };
    engine::run_rule(
        rule,
        topo,
        &derived,
        &mut engine::group::Components::default(),
        &mut out,
    );
    let mut ids: Vec<String> = out
        .inconclusive
        .iter()
        .map(|u| topo.entity(u.entity).id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Text report of the results; the last line is `N passed, N failed`.
pub fn render(results: &[RuleResult]) -> String {
    let mut out = String::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    for r in results {
        let ok = r.passed();
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
        let todo = r.cases.iter().filter(|c| c.todo).count();
        let todo_note = if todo > 0 {
            format!(", {todo} todo")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{} {} ({} cases{todo_note})\n",
            if ok { "ok  " } else { "FAIL" },
            r.rule,
            r.cases.len()
        ));
        for p in &r.problems {
            out.push_str(&format!("     rule {p}\n"));
        }
        for c in &r.cases {
            if c.passed() {
                continue;
            }
            let tag = if c.todo { "todo" } else { "case" };
            out.push_str(&format!("     {tag} `{}`:\n", c.name));
            for (problem, help) in &c.invalid {
                out.push_str(&format!("       invalid topology: {problem}\n"));
                if let Some(help) = help {
                    out.push_str(&format!("         help: {help}\n"));
                }
            }
            for want in &c.missing {
                let l = want
                    .severity
                    .map(|l| format!(" ({})", l.word()))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "       missing: expected a finding on {}{l}, none came\n",
                    want.shown()
                ));
            }
            if let Some((want, got)) = &c.undecided {
                out.push_str(&format!(
                    "       inconclusive: expected on [{}], the rule could not decide [{}]\n",
                    want.join(", "),
                    got.join(", ")
                ));
            }
            for (ids, level) in &c.noisy {
                out.push_str(&format!(
                    "       noisy:   unexpected finding on [{}] ({})\n",
                    ids.join(", "),
                    level.word()
                ));
            }
        }
    }
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    out
}

//! `kbcheck explain ID --topology FILE`: why a rule did or did not fire.
//!
//! For each entity the rule considers, every condition is shown with the values actually
//! seen and its outcome, and the first condition that failed is marked. A group rule shows
//! each entity's key and scope, then every group with its members and whether it fired.

use crate::engine::cond::{Cond, Env, FieldRef, Target};
use crate::engine::{self, DerivedStore};
use crate::rules::{Logic, Rule, RuleSet, Within};
use crate::topology::{Idx, Topology};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Explain a rule over a topology, for every entity it selects (or just `only`).
pub fn why(rule: &Rule, set: &RuleSet, topo: &Topology, only: Option<Idx>) -> String {
    let derived = engine::derive(set, topo);
    let mut out = Vec::new();
    let candidates = RuleSet::candidates(rule, topo);
    let kinds = if rule.select.kinds.is_empty() {
        format!("every {}", rule.select.class.word())
    } else {
        rule.select.kinds.join(", ")
    };
    out.push(format!(
        "{} over {} ({} entities of kind {kinds}):",
        rule.id,
        topo.file.name(),
        candidates.len()
    ));
    if let Some(i) = only
        && !candidates.contains(&i)
    {
        let e = topo.entity(i);
        out.push(format!(
            "  `{}` is a {} {}; the rule selects {kinds}, so it does not look at it",
            e.id,
            e.kind,
            e.class.word()
        ));
        return finish(out);
    }
    let shown: Vec<Idx> = candidates
        .iter()
        .copied()
        .filter(|i| only.is_none_or(|o| o == *i))
        .collect();
    match &rule.logic {
        Logic::Check(cond) => {
            for i in shown {
                let fired = entity_header(rule, topo, &derived, i, &mut out);
                let Some(selected) = fired else { continue };
                if !selected {
                    continue;
                }
                let ok = match cond {
                    Some(c) => trace_root(c, topo, &derived, i, &mut out),
                    None => true,
                };
                out.push(format!(
                    "    => {}",
                    if ok { "FIRES" } else { "does not fire" }
                ));
            }
        }
        Logic::Derive(spec) => {
            for i in shown {
                let Some(true) = entity_header(rule, topo, &derived, i, &mut out) else {
                    continue;
                };
                let ok = spec
                    .when
                    .as_ref()
                    .is_none_or(|c| trace_root(c, topo, &derived, i, &mut out));
                for (path, value) in &spec.set {
                    let line = if topo.get(i, path).is_some() {
                        format!(
                            "    => `{}` is written in the topology; nothing derived",
                            path.join(".")
                        )
                    } else if ok {
                        format!(
                            "    => derives `{}` = `{}`",
                            path.join("."),
                            value.display()
                        )
                    } else {
                        format!("    => derives nothing for `{}`", path.join("."))
                    };
                    out.push(line);
                }
            }
        }
        Logic::Group(spec) => group(rule, spec, topo, &derived, &shown, &mut out),
    }
    finish(out)
}

fn finish(mut out: Vec<String>) -> String {
    out.push(String::new());
    out.join("\n")
}

/// Print the entity line and its selection; `Some(true)` if the rule goes on to test it.
fn entity_header(
    rule: &Rule,
    topo: &Topology,
    derived: &DerivedStore,
    i: Idx,
    out: &mut Vec<String>,
) -> Option<bool> {
    let e = topo.entity(i);
    out.push(format!("  {} `{}` (line {}):", e.kind, e.id, e.pos.line));
    let tags = topo.tags(i);
    let missing: Vec<&String> = rule
        .select
        .tags
        .iter()
        .filter(|t| !tags.contains(t))
        .collect();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|t| format!("`{t}`")).collect();
        out.push(format!(
            "    not selected: lacks tag {} (has: {})",
            list.join(", "),
            tags.join(", ")
        ));
        return Some(false);
    }
    if let Some(w) = &rule.select.cond {
        out.push("    select where:".to_owned());
        if !trace_root(w, topo, derived, i, out) {
            out.push("    => not selected".to_owned());
            return Some(false);
        }
    }
    Some(true)
}

fn trace_root(
    c: &Cond,
    topo: &Topology,
    derived: &DerivedStore,
    i: Idx,
    out: &mut Vec<String>,
) -> bool {
    let uses = RefCell::new(Vec::new());
    let env = Env {
        topo,
        derived,
        current: i,
        subject: i,
        uses: &uses,
    };
    let mut first_failure = None;
    let start = out.len();
    let ok = trace(c, &env, 3, out, &mut first_failure);
    if !ok && let Some(line) = first_failure.and_then(|l: usize| out.get_mut(l + start)) {
        line.push_str("   <- first failing condition");
    }
    for u in uses.into_inner() {
        out.push(format!(
            "      (`{}` of `{}` = `{}` is derived by {})",
            u.path.join("."),
            topo.entity(u.entity).id,
            u.value.display(),
            u.rule
        ));
    }
    ok
}

fn mark(ok: bool) -> &'static str {
    if ok { "[x]" } else { "[ ]" }
}

fn shown_value(env: &Env<'_>, f: &FieldRef) -> String {
    let whose = match f.target {
        Target::Itself => String::new(),
        t => match env.target(t) {
            Some(o) => format!(" of `{}`", env.topo.entity(o).id),
            None => format!(" (no {t:?})").to_lowercase(),
        },
    };
    match env.field(f) {
        Some(v) => format!("found `{}`{whose}", v.display()),
        None => format!("not set{whose}"),
    }
}

/// Evaluate `c` like the engine does, writing one line per condition. Lines are relative to
/// where this call started writing; `first_failure` records the first false leaf.
fn trace(
    c: &Cond,
    env: &Env<'_>,
    depth: usize,
    out: &mut Vec<String>,
    first_failure: &mut Option<usize>,
) -> bool {
    let pad = "  ".repeat(depth);
    let base = out.len();
    let here = out.len();
    match c {
        Cond::All(cs) | Cond::Any(cs) => {
            let is_all = matches!(c, Cond::All(_));
            out.push(String::new());
            let mut results = Vec::new();
            for sub in cs {
                results.push(trace(sub, env, depth + 1, out, first_failure));
            }
            let ok = if is_all {
                results.iter().all(|r| *r)
            } else {
                results.iter().any(|r| *r)
            };
            if let Some(line) = out.get_mut(here) {
                *line = format!(
                    "{pad}{} {} of:",
                    mark(ok),
                    if is_all { "all" } else { "any" }
                );
            }
            let _ = base;
            ok
        }
        Cond::Not(sub) => {
            out.push(String::new());
            let mut inner_first = None;
            let inner = trace(sub, env, depth + 1, out, &mut inner_first);
            if let Some(line) = out.get_mut(here) {
                *line = format!("{pad}{} not:", mark(!inner));
            }
            if inner && first_failure.is_none() {
                *first_failure = Some(here);
            }
            !inner
        }
        Cond::Field { field, op } => {
            let v = env.field(field);
            let ok = op.test(v.as_deref(), env);
            out.push(format!(
                "{pad}{} {} {}: {}",
                mark(ok),
                field.describe(),
                op.describe(),
                shown_value(env, field)
            ));
            if !ok && first_failure.is_none() {
                *first_failure = Some(here);
            }
            ok
        }
        Cond::Tag(t) => {
            let ok = c.eval(env);
            out.push(format!(
                "{pad}{} tagged `{t}`: tags are [{}]",
                mark(ok),
                env.topo.tags(env.current).join(", ")
            ));
            if !ok && first_failure.is_none() {
                *first_failure = Some(here);
            }
            ok
        }
        Cond::Kind(ks) => {
            let ok = c.eval(env);
            out.push(format!(
                "{pad}{} is a {}: it is a {}",
                mark(ok),
                ks.join(" or "),
                env.topo.entity(env.current).kind
            ));
            if !ok && first_failure.is_none() {
                *first_failure = Some(here);
            }
            ok
        }
        Cond::Related(r) => {
            let ok = r.eval(env);
            let reached = r.reach(env, env.current);
            let mut desc = Vec::new();
            r.describe(0, &mut desc);
            let head = desc.first().cloned().unwrap_or_default();
            out.push(format!("{pad}{} {head}", mark(ok)));
            let considered: Vec<Idx> = reached
                .iter()
                .copied()
                .filter(|&i| r.kinds.is_empty() || r.kinds.contains(&env.topo.entity(i).kind))
                .collect();
            if considered.is_empty() {
                out.push(format!("{pad}    reached nothing"));
            }
            for i in considered {
                let e = env.topo.entity(i);
                match &r.cond {
                    Some(sub) => {
                        let mut ignore = None;
                        let sub_env = env.at(i);
                        let start = out.len();
                        out.push(String::new());
                        let m = trace(sub, &sub_env, depth + 3, out, &mut ignore);
                        if let Some(line) = out.get_mut(start) {
                            *line = format!("{pad}    {} reached {} `{}`:", mark(m), e.kind, e.id);
                        }
                    }
                    None => out.push(format!("{pad}    [x] reached {} `{}`", e.kind, e.id)),
                }
            }
            if !ok && first_failure.is_none() {
                *first_failure = Some(here);
            }
            ok
        }
    }
}

fn group(
    rule: &Rule,
    spec: &crate::rules::GroupSpec,
    topo: &Topology,
    derived: &DerivedStore,
    shown: &[Idx],
    out: &mut Vec<String>,
) {
    let within = match &spec.within {
        Within::Topology => "the whole topology".to_owned(),
        Within::Parent => "the same parent".to_owned(),
        Within::Site => "the same site".to_owned(),
        Within::Component(w) => format!("the same component over {}", w.describe()),
    };
    let by: Vec<String> = spec.by.iter().map(|p| p.join(".")).collect();
    out.push(format!(
        "  grouped by {} within {within}; fires on groups of {}{}",
        by.join(" + "),
        spec.min,
        spec.max.map_or(" or more".to_owned(), |m| format!("..{m}"))
    ));
    let mut findings = Vec::new();
    engine::run_rule(
        rule,
        topo,
        derived,
        &mut engine::group::Components::default(),
        &mut findings,
    );
    for &i in shown {
        let Some(true) = entity_header(rule, topo, derived, i, out) else {
            continue;
        };
        let uses = RefCell::new(Vec::new());
        let env = Env {
            topo,
            derived,
            current: i,
            subject: i,
            uses: &uses,
        };
        let mut parts = Vec::new();
        for p in &spec.by {
            let f = FieldRef {
                target: Target::Itself,
                path: p.clone(),
            };
            parts.push(format!("`{}` {}", p.join("."), shown_value(&env, &f)));
        }
        out.push(format!("    key: {}", parts.join(", ")));
        for u in uses.into_inner() {
            out.push(format!("      (derived by {})", u.rule));
        }
        let in_finding = findings.iter().find(|f| f.entities.contains(&i));
        match in_finding {
            Some(f) => {
                let ids: Vec<&str> = f.entities.iter().map(|&m| topo.entity(m).id.as_str()).collect();
                out.push(format!("    => in a group that FIRES: {}", ids.join(", ")));
            }
            None => out.push("    => in no group that fires (alone in its scope with that key, or the key is not set)".to_owned()),
        }
    }
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for f in &findings {
        *sizes.entry(f.entities.len()).or_default() += 1;
    }
    out.push(format!("  {} group(s) fire", findings.len()));
}

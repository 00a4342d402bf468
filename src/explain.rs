//! `kbcheck explain ID --topology FILE`: why a rule did or did not fire.
//!
//! For each entity the rule considers, every condition is shown with the values actually
//! seen and its outcome — `[x]` true, `[ ]` false, `[?]` unknown because a value it needs is
//! not set — and the first condition that failed (or could not be decided) is marked. A group
//! rule shows each entity's key and scope, then every group with its members and whether it
//! fired.

use crate::engine;
use crate::lang::cond::{Cond, FieldRef, Missing, Target, Truth};
use crate::lang::env::DerivedStore;
use crate::lang::env::Env;
use crate::lang::expr::{Expr, Out};
use crate::lang::relation::{Bound, Quantifier};
use crate::lang::{Logic, Rule, RuleSet, Within};
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
                let selected = entity_header(rule, topo, &derived, i, &mut out);
                if selected == Truth::False {
                    continue;
                }
                let ok = match cond {
                    Some(c) => {
                        out.push("    when:".to_owned());
                        trace_root(c, topo, &derived, i, &mut out)
                    }
                    None => Truth::True,
                };
                out.push(match selected.and(ok) {
                    Truth::True => "    => FIRES".to_owned(),
                    Truth::False => "    => does not fire".to_owned(),
                    Truth::Unknown => {
                        let uses = RefCell::new(Vec::new());
                        let env = Env::new(topo, &derived, i, &uses);
                        let r = engine::inconclusive(
                            rule,
                            &env,
                            &[rule.select.cond.as_ref(), cond.as_ref()],
                        );
                        format!(
                            "    => INCONCLUSIVE: not set: {}",
                            missing_list(topo, i, &r.missing)
                        )
                    }
                });
            }
        }
        Logic::Derive(spec) => {
            for i in shown {
                if entity_header(rule, topo, &derived, i, &mut out) != Truth::True {
                    continue;
                }
                // A derivation adds a value only where its condition surely holds.
                let ok = spec.when.as_ref().is_none_or(|c| {
                    out.push("    when:".to_owned());
                    trace_root(c, topo, &derived, i, &mut out).is_true()
                });
                let uses = RefCell::new(Vec::new());
                let env = Env::new(topo, &derived, i, &uses);
                for (path, value) in &spec.set {
                    let line = if topo.get(i, path).is_some() {
                        format!(
                            "    => `{}` is written in the topology; nothing derived",
                            path.join(".")
                        )
                    } else if ok {
                        match (value, value.eval(&env)) {
                            (Expr::Literal(v), _) => {
                                format!("    => derives `{}` = `{}`", path.join("."), v.display())
                            }
                            (_, Out::Value(_)) => {
                                format!(
                                    "    => derives `{}` = {}",
                                    path.join("."),
                                    value.trace(&env)
                                )
                            }
                            (_, _) => format!(
                                "    => derives nothing for `{}`: {}",
                                path.join("."),
                                value.trace(&env)
                            ),
                        }
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

/// The missing values, as `field` (of the entity itself) or `field of ID`, comma-separated.
fn missing_list(topo: &Topology, entity: Idx, missing: &[Missing]) -> String {
    let list: Vec<String> = missing
        .iter()
        .map(|m| {
            let path = m.path.join(".");
            if m.entity == entity {
                format!("`{path}`")
            } else {
                format!("`{path}` of `{}`", topo.entity(m.entity).id)
            }
        })
        .collect();
    list.join(", ")
}

/// Print the entity line and its selection: whether the rule goes on to test it (unknown when
/// the selection's `where` needs a value that is not set).
fn entity_header(
    rule: &Rule,
    topo: &Topology,
    derived: &DerivedStore,
    i: Idx,
    out: &mut Vec<String>,
) -> Truth {
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
        return Truth::False;
    }
    if let Some(w) = &rule.select.cond {
        out.push("    select where:".to_owned());
        let t = trace_root(w, topo, derived, i, out);
        match t {
            Truth::False => out.push("    => not selected".to_owned()),
            Truth::Unknown => {
                out.push("    => selection unknown: a value it needs is not set".to_owned())
            }
            Truth::True => {}
        }
        return t;
    }
    Truth::True
}

fn trace_root(
    c: &Cond,
    topo: &Topology,
    derived: &DerivedStore,
    i: Idx,
    out: &mut Vec<String>,
) -> Truth {
    let uses = RefCell::new(Vec::new());
    let env = Env::new(topo, derived, i, &uses);
    let mut first = First::default();
    let ok = trace(c, &env, 3, out, &mut first);
    let (at, note) = match ok {
        Truth::False => (first.decided, "   <- this condition decided it"),
        Truth::Unknown => (
            first.decided,
            "   <- this condition left it undecided: a value it needs is not set",
        ),
        Truth::True => (None, ""),
    };
    if let Some(line) = at.and_then(|l: usize| out.get_mut(l)) {
        line.push_str(note);
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

/// The line (an index into the output) of the condition that decided a result that is not
/// true: for a false `all`, its first false member's; for a false `any`, the `any` itself
/// (none of its members holds); for an unknown one, its first unknown member's; a member of
/// an `any` that holds anyway is never it.
#[derive(Default)]
struct First {
    decided: Option<usize>,
}

impl First {
    fn note(&mut self, t: Truth, line: usize) {
        self.decided = (t != Truth::True).then_some(line);
    }
}

fn shown_value(env: &Env<'_>, f: &FieldRef) -> String {
    let whose = match f.target {
        Target::Itself => String::new(),
        t => match env.target(t) {
            Some(o) => format!(" of `{}`", env.topo.entity(o).id),
            None => format!(" (no {})", f.target_word()),
        },
    };
    // An inherited attribute the entity does not set says whose value it read.
    let from = env
        .target(f.target)
        .and_then(|i| env.topo.inherited_from(i, &f.path))
        .map(|a| format!(", inherited from `{}`", env.topo.entity(a).id))
        .unwrap_or_default();
    match env.field(f) {
        Some(v) => format!("found `{}`{whose}{from}", v.display()),
        None => format!("not set{whose}"),
    }
}

/// Evaluate `c` like the engine does, writing one line per condition; `first` records the
/// condition that decided a result that is not true.
fn trace(c: &Cond, env: &Env<'_>, depth: usize, out: &mut Vec<String>, first: &mut First) -> Truth {
    let pad = "  ".repeat(depth);
    let here = out.len();
    match c {
        Cond::All(_) | Cond::Any(_) => {
            let (is_all, cs) = match c {
                Cond::All(cs) => (true, cs),
                Cond::Any(cs) => (false, cs),
                _ => return c.eval(env),
            };
            out.push(String::new());
            let mut results = Vec::new();
            for sub in cs {
                let mut decided = First::default();
                let t = trace(sub, env, depth + 1, out, &mut decided);
                results.push((t, decided.decided));
            }
            let ok = if is_all {
                results.iter().map(|r| r.0).fold(Truth::True, Truth::and)
            } else {
                results.iter().map(|r| r.0).fold(Truth::False, Truth::or)
            };
            let member = |want: Truth| results.iter().find(|r| r.0 == want).and_then(|r| r.1);
            first.decided = match ok {
                Truth::True => None,
                Truth::False if is_all => member(Truth::False),
                Truth::False => Some(here),
                Truth::Unknown => member(Truth::Unknown),
            };
            if let Some(line) = out.get_mut(here) {
                *line = format!(
                    "{pad}{} {} of:",
                    ok.mark(),
                    if is_all { "all" } else { "any" }
                );
            }
            ok
        }
        Cond::Not(sub) => {
            out.push(String::new());
            // The inner condition's failures are this one's successes: mark `not` itself.
            let inner = trace(sub, env, depth + 1, out, &mut First::default());
            let ok = !inner;
            if let Some(line) = out.get_mut(here) {
                *line = format!("{pad}{} not:", ok.mark());
            }
            first.note(ok, here);
            ok
        }
        Cond::Field { field, op, .. } => {
            let ok = c.eval(env);
            let mut line = format!(
                "{pad}{} {} {}: {}",
                ok.mark(),
                field.describe(),
                op.describe(),
                shown_value(env, field)
            );
            if let Some(other) = op.operand_field() {
                line.push_str(&format!(
                    ", {} {}",
                    other.describe(),
                    shown_value(env, other)
                ));
            }
            out.push(line);
            first.note(ok, here);
            ok
        }
        Cond::Value { expr, op, .. } => {
            let ok = c.eval(env);
            out.push(format!(
                "{pad}{} {} {}",
                ok.mark(),
                expr.describe(),
                op.describe()
            ));
            out.push(format!("{pad}      {}", expr.trace(env)));
            if let Some(e) = op.operand_expr() {
                out.push(format!("{pad}      {}", e.trace(env)));
            }
            if let Some(other) = op.operand_field() {
                out.push(format!(
                    "{pad}      {} {}",
                    other.describe(),
                    shown_value(env, other)
                ));
            }
            first.note(ok, here);
            ok
        }
        Cond::Tag(t) => {
            let ok = c.eval(env);
            out.push(format!(
                "{pad}{} tagged `{t}`: tags are [{}]",
                ok.mark(),
                env.topo.tags(env.current).join(", ")
            ));
            first.note(ok, here);
            ok
        }
        Cond::Kind(ks) => {
            let ok = c.eval(env);
            out.push(format!(
                "{pad}{} is a {}: it is a {}",
                ok.mark(),
                ks.join(" or "),
                env.topo.entity(env.current).kind
            ));
            first.note(ok, here);
            ok
        }
        Cond::Each(q) => {
            let ok = c.eval(env);
            let mut desc = Vec::new();
            q.describe(0, &mut desc);
            let head = desc.first().cloned().unwrap_or_default();
            out.push(format!("{pad}{} {head}", ok.mark()));
            out.extend(q.trace(env).into_iter().map(|l| format!("{pad}    {l}")));
            first.note(ok, here);
            ok
        }
        Cond::Related(r) => {
            let ok = r.eval(env);
            let reached = r.reach(env, env.current);
            let mut desc = Vec::new();
            r.describe(0, &mut desc);
            let head = desc.first().cloned().unwrap_or_default();
            out.push(format!("{pad}{} {head}", ok.mark()));
            // A computed `count` bound: what it read and came to.
            if let Quantifier::Count { min, max } = &r.quantifier {
                for bound in std::iter::once(min).chain(max) {
                    if let Bound::Expr(e) = bound {
                        out.push(format!("{pad}    bound {}", e.trace(env)));
                    }
                }
            }
            let considered: Vec<(Idx, Truth)> = reached
                .iter()
                .copied()
                .filter(|&(i, _)| {
                    r.kinds.is_empty() || r.kinds.iter().any(|k| *k == env.topo.entity(i).kind)
                })
                .collect();
            if considered.is_empty() {
                out.push(format!("{pad}    reached nothing"));
            }
            for (i, member) in considered {
                let e = env.topo.entity(i);
                let how = if member == Truth::Unknown {
                    " (only over a link whose condition is unknown)"
                } else {
                    ""
                };
                match &r.cond {
                    Some(sub) => {
                        let sub_env = env.at(i);
                        let start = out.len();
                        out.push(String::new());
                        let m = trace(sub, &sub_env, depth + 3, out, &mut First::default());
                        if let Some(line) = out.get_mut(start) {
                            *line = format!(
                                "{pad}    {} reached {} `{}`{how}:",
                                member.and(m).mark(),
                                e.kind,
                                e.id
                            );
                        }
                    }
                    None => out.push(format!(
                        "{pad}    {} reached {} `{}`{how}",
                        member.mark(),
                        e.kind,
                        e.id
                    )),
                }
            }
            first.note(ok, here);
            ok
        }
    }
}

fn group(
    rule: &Rule,
    spec: &crate::lang::GroupSpec,
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
    let by: Vec<String> = spec.by.iter().map(|e| e.describe()).collect();
    out.push(format!(
        "  grouped by {} within {within}; fires on groups of {}{}",
        by.join(" + "),
        spec.min,
        spec.max.map_or(" or more".to_owned(), |m| format!("..{m}"))
    ));
    let mut results = engine::Results::default();
    engine::run_rule(
        rule,
        topo,
        derived,
        &mut engine::group::Components::default(),
        &mut results,
    );
    let findings = &results.findings;
    for &i in shown {
        match entity_header(rule, topo, derived, i, out) {
            Truth::True => {}
            Truth::False => continue,
            Truth::Unknown => {
                if let Some(r) = results.inconclusive.iter().find(|r| r.entity == i) {
                    out.push(format!(
                        "    => INCONCLUSIVE: left out of the groups, not set: {}",
                        missing_list(topo, i, &r.missing)
                    ));
                }
                continue;
            }
        }
        let uses = RefCell::new(Vec::new());
        let env = Env::new(topo, derived, i, &uses);
        let mut parts = Vec::new();
        for e in &spec.by {
            parts.push(match e.as_field() {
                Some(f) => format!("`{}` {}", f.text(), shown_value(&env, f)),
                None => e.trace(&env),
            });
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
    for f in findings {
        *sizes.entry(f.entities.len()).or_default() += 1;
    }
    out.push(format!("  {} group(s) fire", findings.len()));
}

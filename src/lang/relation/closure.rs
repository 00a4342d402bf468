//! Reachability answered for every subject at once.
//!
//! A relation over any number of hops (`hops: any`) whose conditions do not read the
//! subject asks the same question of every entity: "does something I can reach match?".
//! Walking from each subject costs nodes × reach — quadratic on a long chain. Instead the
//! walk's graph is split into strongly connected components (iterative Tarjan), and one
//! pass over their condensation, sinks first, gives each component what it reaches:
//! whether a matching, an unknown and a non-matching entity is among them. Every subject's
//! answer follows, for `any`, `none` and `all`, in time linear in nodes + followed links.
//!
//! The answers are kept per relation in a [`Closures`] cache, which the engine makes for
//! one rule over one topology (with its derived values fixed). Relations this cannot answer
//! — bounded hops, counts and sums, conditions reading the subject or derived values,
//! links whose `link-where` is unknown — return `None` and are walked as before.

use super::{Quantifier, Relation};
use crate::lang::cond::{Cond, Target, Truth};
use crate::lang::env::Env;
use crate::topology::Idx;
use std::cell::RefCell;
use std::collections::HashMap;

/// Walks from single subjects tried before the closure is built: a rule that tests few
/// entities never pays for the whole graph.
const WALKS_BEFORE_CLOSURE: u32 = 4;

/// Per-relation answers for one rule over one topology.
#[derive(Debug, Default)]
pub struct Closures {
    by_relation: RefCell<HashMap<usize, Entry>>,
}

#[derive(Debug)]
enum Entry {
    /// Evaluated this many times by walking; the closure is not built yet.
    Walked(u32),
    /// The answer for each entity as subject.
    Built(Vec<Truth>),
    /// The relation cannot be answered for all subjects at once.
    Unfit,
}

impl Closures {
    /// The relation's answer for `env.current`, if it is answered for all subjects at once.
    pub fn lookup(&self, rel: &Relation, env: &Env<'_>) -> Option<Truth> {
        let key = std::ptr::from_ref(rel) as usize;
        let mut map = self.by_relation.borrow_mut();
        let entry = map.entry(key).or_insert_with(|| {
            if fits(rel) {
                Entry::Walked(0)
            } else {
                Entry::Unfit
            }
        });
        if let Entry::Walked(n) = entry {
            if *n < WALKS_BEFORE_CLOSURE {
                *n += 1;
                return None;
            }
            // Conditions inside the relation may hold relations of their own: build without
            // holding the map, so they can use the cache too.
            drop(map);
            let built = build(rel, env).map_or(Entry::Unfit, Entry::Built);
            map = self.by_relation.borrow_mut();
            map.insert(key, built);
        }
        match map.get(&key) {
            Some(Entry::Built(answers)) => answers.get(env.current as usize).copied(),
            _ => None,
        }
    }
}

/// Whether the relation's shape is one the closure answers.
fn fits(rel: &Relation) -> bool {
    rel.max_hops.is_none()
        && rel.min_hops <= 1
        && rel.sum.is_none()
        // Paths of steps, `through` and link counts walk as before: the closure answers plain
        // reachability over one step set only. A binding does not stop it: the closure gives
        // the relation's truth, and the bound entities (with their paths) are found by walking
        // from the subjects where the rule surely fires only (`lang::binding`), so a subject
        // that reaches nothing matching no longer walks its whole reach.
        && rel.steps.is_empty()
        && rel.through.is_empty()
        && !rel.count_links
        && matches!(
            rel.quantifier,
            Quantifier::Any | Quantifier::All | Quantifier::None
        )
        && !rel.cond.as_ref().is_some_and(reads_subject)
        && !rel.link_cond.as_ref().is_some_and(reads_subject)
}

/// Whether a condition reads the rule's subject anywhere (then its answer differs per
/// subject and cannot be shared).
pub fn reads_subject(c: &Cond) -> bool {
    match c {
        Cond::All(cs) | Cond::Any(cs) => cs.iter().any(reads_subject),
        Cond::Not(c) => reads_subject(c),
        Cond::Field { field, op, .. } => {
            field.target == Target::Subject
                || op
                    .operand_field()
                    .is_some_and(|f| f.target == Target::Subject)
                // A computed operand may read any entity: assume it does.
                || op.operand_expr().is_some()
        }
        Cond::Tag(_) | Cond::Kind(_) => false,
        // A computed value may read any entity through its functions, and a list quantifier
        // any field: assume they do (the relation then walks from each subject).
        Cond::Value { .. } | Cond::Each(_) => true,
        Cond::Related(r) => {
            r.cond.as_ref().is_some_and(reads_subject)
                || r.link_cond.as_ref().is_some_and(reads_subject)
                || r.sum.as_ref().is_some_and(|f| f.target == Target::Subject)
                || match &r.quantifier {
                    Quantifier::Count { min, max } => {
                        // A computed bound may read the subject (`of: subject`, `{let: NAME}`).
                        [Some(min), max.as_ref()].into_iter().flatten().any(|b| {
                            matches!(b, super::Bound::Field(f) if f.target == Target::Subject)
                                || matches!(b, super::Bound::Expr(_))
                        })
                    }
                    _ => false,
                }
        }
    }
}

/// Which of matching / unknown / not matching entities a set holds.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    t: bool,
    u: bool,
    f: bool,
}

impl Seen {
    fn or(self, o: Seen) -> Seen {
        Seen {
            t: self.t || o.t,
            u: self.u || o.u,
            f: self.f || o.f,
        }
    }
}

/// Counts of matching / unknown / not matching members of one component.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    t: u32,
    u: u32,
    f: u32,
}

/// Every entity's answer, or `None` when a link's `link-where` or a reached entity's
/// `where` is not a plain function of that entity (unknown links, derived values read).
fn build(rel: &Relation, env: &Env<'_>) -> Option<Vec<Truth>> {
    let topo = env.topo;
    let n = topo.len();
    // Values read from derivations must be recorded on each finding that rests on them:
    // a shared answer cannot say which subject read what, so those relations are walked.
    let uses = RefCell::new(Vec::new());
    let probe = Env {
        uses: &uses,
        ..*env
    };
    // Links the walk may follow: `link-where` evaluated once per link of a followed kind.
    let mut link_ok = vec![true; n];
    if let Some(lc) = &rel.link_cond {
        for (l, ok) in link_ok.iter_mut().enumerate() {
            let e = topo.entity(idx(l));
            let followed = rel.walk.links.is_empty() || rel.walk.links.iter().any(|k| *k == e.kind);
            if (e.from.is_none() && e.to.is_none()) || !followed {
                continue;
            }
            match lc.eval(&probe.at(idx(l))) {
                Truth::True => {}
                Truth::False => *ok = false,
                Truth::Unknown => return None,
            }
        }
    }
    // What each entity contributes when reached: `None` if its kind is not considered.
    let mut member: Vec<Option<Truth>> = Vec::with_capacity(n);
    for i in 0..n {
        let i = idx(i);
        let kind_ok = rel.kinds.is_empty() || rel.kinds.iter().any(|k| *k == topo.entity(i).kind);
        member.push(kind_ok.then(|| {
            rel.cond
                .as_ref()
                .map_or(Truth::True, |c| c.eval(&probe.at(i)))
        }));
    }
    if !uses.borrow().is_empty() {
        return None;
    }
    // The walk's graph, in compressed rows.
    let mut starts = Vec::with_capacity(n + 1);
    let mut edges: Vec<Idx> = Vec::new();
    let keep = |l: Idx| link_ok.get(l as usize).copied().unwrap_or(false);
    for i in 0..n {
        starts.push(edges.len());
        rel.walk.neighbours_over(topo, idx(i), &mut edges, &keep);
    }
    starts.push(edges.len());
    let graph = Graph {
        starts: &starts,
        edges: &edges,
    };
    let (comp, order) = graph.components(n);
    // Sinks first (Tarjan's order): each component's reach is its successors' reach
    // and their members'.
    let mut counts = vec![Counts::default(); order.len()];
    for (i, m) in member.iter().enumerate() {
        if let (Some(m), Some(&c)) = (m, comp.get(i))
            && let Some(k) = counts.get_mut(c as usize)
        {
            match m {
                Truth::True => k.t += 1,
                Truth::Unknown => k.u += 1,
                Truth::False => k.f += 1,
            }
        }
    }
    let mut below = vec![Seen::default(); order.len()];
    let mut whole = vec![Seen::default(); order.len()];
    for (c, members) in order.iter().enumerate() {
        let mut reach = Seen::default();
        for &i in members {
            for &j in graph.row(i as usize) {
                let d = comp.get(j as usize).copied().unwrap_or(0) as usize;
                if d != c {
                    reach = reach.or(whole.get(d).copied().unwrap_or_default());
                }
            }
        }
        let k = counts.get(c).copied().unwrap_or_default();
        if let Some(b) = below.get_mut(c) {
            *b = reach;
        }
        if let Some(w) = whole.get_mut(c) {
            *w = reach.or(Seen {
                t: k.t > 0,
                u: k.u > 0,
                f: k.f > 0,
            });
        }
    }
    // A subject reaches its component's other members (if the component is a cycle) and
    // everything below it, but never itself.
    let answers = (0..n)
        .map(|i| {
            let c = comp.get(i).copied().unwrap_or(0) as usize;
            let mut k = counts.get(c).copied().unwrap_or_default();
            match member.get(i).copied().flatten() {
                Some(Truth::True) => k.t -= 1,
                Some(Truth::Unknown) => k.u -= 1,
                Some(Truth::False) => k.f -= 1,
                None => {}
            }
            let seen = below.get(c).copied().unwrap_or_default().or(Seen {
                t: k.t > 0,
                u: k.u > 0,
                f: k.f > 0,
            });
            answer(&rel.quantifier, seen)
        })
        .collect();
    Some(answers)
}

/// The quantifier over a reached set, as the walk computes it in Kleene logic.
fn answer(q: &Quantifier, s: Seen) -> Truth {
    let any = if s.t {
        Truth::True
    } else if s.u {
        Truth::Unknown
    } else {
        Truth::False
    };
    match q {
        Quantifier::None => !any,
        // `all` over nothing is false.
        Quantifier::All if s.f || (!s.t && !s.u) => Truth::False,
        Quantifier::All if s.u => Truth::Unknown,
        Quantifier::All => Truth::True,
        _ => any,
    }
}

fn idx(i: usize) -> Idx {
    Idx::try_from(i).unwrap_or(Idx::MAX)
}

struct Graph<'a> {
    starts: &'a [usize],
    edges: &'a [Idx],
}

impl Graph<'_> {
    fn row(&self, i: usize) -> &[Idx] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.edges.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Strongly connected components by iterative Tarjan: each node's component, and the
    /// components' members in the order found (every component after those it reaches).
    fn components(&self, n: usize) -> (Vec<u32>, Vec<Vec<Idx>>) {
        const UNSEEN: u32 = u32::MAX;
        let mut index = vec![UNSEEN; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut comp = vec![0u32; n];
        let mut order: Vec<Vec<Idx>> = Vec::new();
        let mut stack: Vec<Idx> = Vec::new();
        // (node, next edge to look at)
        let mut calls: Vec<(usize, usize)> = Vec::new();
        let mut next = 0u32;
        for root in 0..n {
            if index.get(root) != Some(&UNSEEN) {
                continue;
            }
            calls.push((root, 0));
            while let Some(&(v, e)) = calls.last() {
                if e == 0 && index.get(v) == Some(&UNSEEN) {
                    set(&mut index, v, next);
                    set(&mut low, v, next);
                    next += 1;
                    stack.push(idx(v));
                    set(&mut on_stack, v, true);
                }
                let row = self.row(v);
                if let Some(&w) = row.get(e) {
                    if let Some(top) = calls.last_mut() {
                        top.1 += 1;
                    }
                    let w = w as usize;
                    if index.get(w) == Some(&UNSEEN) {
                        calls.push((w, 0));
                    } else if on_stack.get(w) == Some(&true) {
                        let m = low.get(v).copied().unwrap_or(0).min(get(&index, w));
                        set(&mut low, v, m);
                    }
                    continue;
                }
                calls.pop();
                if let Some(&(parent, _)) = calls.last() {
                    let m = get(&low, parent).min(get(&low, v));
                    set(&mut low, parent, m);
                }
                if get(&low, v) == get(&index, v) {
                    let c = u32::try_from(order.len()).unwrap_or(u32::MAX);
                    let mut members = Vec::new();
                    while let Some(w) = stack.pop() {
                        set(&mut on_stack, w as usize, false);
                        set(&mut comp, w as usize, c);
                        members.push(w);
                        if w as usize == v {
                            break;
                        }
                    }
                    order.push(members);
                }
            }
        }
        (comp, order)
    }
}

fn get(v: &[u32], i: usize) -> u32 {
    v.get(i).copied().unwrap_or(0)
}

fn set<T>(v: &mut [T], i: usize, x: T) {
    if let Some(s) = v.get_mut(i) {
        *s = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tests::compile;
    use crate::lang::Logic;
    use crate::lang::env::DerivedStore;
    use crate::source::SourceFile;
    use crate::topology::Topology;

    /// A deterministic random topology: postoffices (some without a serial, so conditions
    /// on it are unknown), servers, and external-postoffice links with cycles and chains.
    fn topology(seed: u64, nodes: usize, links: usize, routes: bool) -> String {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let mut t = String::from("version: 1\nnodes:\n");
        let mut kinds = Vec::new();
        for i in 0..nodes {
            match next(4) {
                0 => t.push_str(&format!("  - {{id: N{i}, kind: server}}\n")),
                1 => t.push_str(&format!("  - {{id: N{i}, kind: postoffice}}\n")),
                r => t.push_str(&format!(
                    "  - {{id: N{i}, kind: postoffice, serial: \"21-{}\"}}\n",
                    r + next(2)
                )),
            }
            kinds.push(t.ends_with("server}\n"));
        }
        t.push_str("links:\n");
        for _ in 0..links {
            let (a, b) = (next(nodes), next(nodes));
            let route = if routes {
                ["direct", "indirect"][next(2)]
            } else {
                ["direct", "indirect", ""][next(3)]
            };
            // Servers are joined by the connector; postoffices by either.
            let (kind, route) = if kinds[a] || kinds[b] || next(4) == 0 {
                ("msmail-connector", String::new())
            } else if route.is_empty() {
                ("external-postoffice", String::new())
            } else {
                ("external-postoffice", format!(", route: {route}"))
            };
            t.push_str(&format!(
                "  - {{kind: {kind}, from: N{a}, to: N{b}{route}}}\n"
            ));
        }
        t
    }

    #[test]
    fn every_subject_answered_as_its_own_walk_answers() {
        let shapes = [
            "quantifier: any, where: {field: serial, equals: '21-3'}",
            "quantifier: all, where: {field: serial, equals: '21-3'}",
            "quantifier: none, where: {field: serial, equals: '21-2'}",
            "kind: postoffice, quantifier: all, where: {field: serial, in: ['21-2', '21-3']}",
            "kind: server",
            "direction: in, quantifier: none, kind: server",
            "direction: any, kind: postoffice, where: {field: serial, equals: '21-4'}",
            "links: [external-postoffice], direction: out, link-where: {field: route, equals: direct}, where: {field: serial, equals: '21-3'}",
            "direction: out, hops: {min: 1}, quantifier: all, kind: postoffice",
            // A binding leaves the truth to the closure (its entities are walked for later).
            "where: {field: serial, equals: '21-3'}, bind: far",
        ];
        let mut built = 0;
        for (n, shape) in shapes.iter().enumerate() {
            let hops = if shape.contains("hops:") {
                ""
            } else {
                "hops: any, "
            };
            let dir = if shape.contains("direction:") {
                ""
            } else {
                "direction: out, "
            };
            let links = if shape.contains("links:") {
                ""
            } else {
                "links: [external-postoffice, msmail-connector], "
            };
            let rule = format!(
                "{{id: R, title: t, select: {{kind: [postoffice, server]}}, severity: error, message: m,
                  when: {{related: {{{links}{dir}{hops}{shape}}}}}}}"
            );
            let set = compile(&rule).unwrap();
            let Logic::Check(Some(Cond::Related(rel))) = &set.rules[0].logic else {
                panic!("{rule}")
            };
            for seed in 0..12u64 {
                let (nodes, links) = [(1, 0), (6, 9), (30, 25), (40, 120)][seed as usize % 4];
                let text = topology(seed + 100 * n as u64, nodes, links, seed % 3 != 0);
                let file = SourceFile::new("t.yaml", text);
                let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
                let (topo, diags) = Topology::load(&file, tree, &set.vocab);
                assert!(!diags.has_errors(), "{diags:?}");
                let topo = topo.unwrap();
                let derived = DerivedStore::default();
                let uses = RefCell::new(Vec::new());
                let env = Env::new(&topo, &derived, 0, &uses);
                assert!(fits(rel), "{shape}");
                let Some(answers) = build(rel, &env) else {
                    // Only a `link-where` on links without a route is undecidable up front.
                    assert!(shape.contains("link-where"), "{shape}");
                    continue;
                };
                built += 1;
                for i in 0..topo.len() {
                    let i = idx(i);
                    let walked = rel.eval(&Env::new(&topo, &derived, i, &uses));
                    assert_eq!(
                        answers[i as usize], walked,
                        "{shape}, seed {seed}, entity {i}"
                    );
                }
            }
        }
        assert!(built > 90, "closures built: {built}");
    }

    #[test]
    fn relations_that_differ_per_subject_are_walked() {
        for shape in [
            "hops: any, where: {field: serial, equals: {field: serial, of: subject}}",
            "hops: {min: 1, max: 3}",
            "hops: any, count: {min: 2}",
            "hops: {min: 2}, kind: postoffice",
        ] {
            let rule = format!(
                "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m,
                  when: {{related: {{links: [external-postoffice], direction: out, {shape}}}}}}}"
            );
            let set = compile(&rule).unwrap();
            let Logic::Check(Some(Cond::Related(rel))) = &set.rules[0].logic else {
                panic!("{rule}")
            };
            assert!(!fits(rel), "{shape}");
        }
    }

    #[test]
    fn a_long_chain_through_the_engine() {
        // Each postoffice links to the next; only the last has the serial. Every one but the
        // last reaches it: found by the closure after the first few walks.
        let mut t = String::from("version: 1\nnodes:\n");
        for i in 0..50 {
            let serial = if i == 49 { ", serial: \"21-9\"" } else { "" };
            t.push_str(&format!("  - {{id: P{i:02}, kind: postoffice{serial}}}\n"));
        }
        t.push_str("links:\n");
        for i in 0..49 {
            t.push_str(&format!(
                "  - {{kind: external-postoffice, from: P{i:02}, to: P{:02}, route: direct}}\n",
                i + 1
            ));
        }
        let fired = crate::engine::tests::fire(
            "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
              when: {related: {links: [external-postoffice], direction: out, hops: any,
                               where: {field: serial, equals: \"21-9\"}}}}",
            &t,
        );
        let expected: Vec<Vec<String>> = (0..49).map(|i| vec![format!("P{i:02}")]).collect();
        assert_eq!(fired, expected);
    }
}

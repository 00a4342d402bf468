//! Relations, walked from scratch: adjacency by pairwise loops, breadth-first searches,
//! hop counts and paths of steps, and the quantifiers over what a walk reached.

use crate::lists::count_truth;
use crate::logic::*;
use crate::model::*;
use std::collections::{BTreeMap, VecDeque};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    Parent,
    Children,
    Links,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dir {
    Out,
    In,
    Any,
}

#[derive(Clone, Debug)]
pub enum Quant {
    Any,
    All,
    None,
    Count(u64, Option<u64>),
}

/// A relation: `related: {via, links, direction, hops, kind, where, link-where, quantifier}`.
#[derive(Clone, Debug)]
pub struct Rel {
    pub steps: Vec<Step>,
    pub links: Vec<&'static str>,
    pub dir: Dir,
    /// As written: `None` for the default (1), else the YAML and the range it means.
    pub hops: Option<(String, u32, Option<u32>)>,
    pub kinds: Vec<&'static str>,
    pub cond: Option<Cond>,
    pub link_cond: Option<Cond>,
    pub quant: Quant,
    /// Node kinds a walk of several hops may pass through (empty: any).
    pub through: Vec<&'static str>,
    /// A path of steps: when given, it replaces the walk above (steps, links, direction,
    /// hops, `link-where`, `through`).
    pub path: Option<Vec<PStep>>,
    /// With `count`: count the links walked instead of the nodes.
    pub count_links: bool,
    /// `bind: x`.
    pub bind: bool,
}

/// One step of a `path`.
#[derive(Clone, Debug)]
pub struct PStep {
    pub steps: Vec<Step>,
    pub links: Vec<&'static str>,
    pub dir: Dir,
    pub kinds: Vec<&'static str>,
    pub cond: Option<Cond>,
    pub link_cond: Option<Cond>,
}

impl PStep {
    pub fn yaml(&self) -> String {
        let mut parts = vec![format!("via: [{}]", step_words(&self.steps).join(", "))];
        if self.steps.contains(&Step::Links) {
            if !self.links.is_empty() {
                parts.push(format!("links: [{}]", self.links.join(", ")));
            }
            parts.push(dir_yaml(self.dir).to_owned());
            if let Some(lc) = &self.link_cond {
                parts.push(format!("link-where: {}", lc.yaml()));
            }
        }
        if !self.kinds.is_empty() {
            parts.push(format!("kind: [{}]", self.kinds.join(", ")));
        }
        if let Some(c) = &self.cond {
            parts.push(format!("where: {}", c.yaml()));
        }
        format!("{{{}}}", parts.join(", "))
    }
}

pub fn step_words(steps: &[Step]) -> Vec<&'static str> {
    steps
        .iter()
        .map(|s| match s {
            Step::Parent => "parent",
            Step::Children => "children",
            Step::Links => "links",
        })
        .collect()
}

pub fn dir_yaml(d: Dir) -> &'static str {
    match d {
        Dir::Out => "direction: out",
        Dir::In => "direction: in",
        Dir::Any => "direction: any",
    }
}

impl Rel {
    pub fn yaml(&self) -> String {
        let mut parts = Vec::new();
        if let Some(path) = &self.path {
            let steps: Vec<String> = path.iter().map(PStep::yaml).collect();
            parts.push(format!("path: [{}]", steps.join(", ")));
        } else {
            parts.extend(self.walk_yaml());
        }
        if !self.kinds.is_empty() {
            parts.push(format!("kind: [{}]", self.kinds.join(", ")));
        }
        if let Some(c) = &self.cond {
            parts.push(format!("where: {}", c.yaml()));
        }
        parts.push(match &self.quant {
            Quant::Any => "quantifier: any".to_owned(),
            Quant::All => "quantifier: all".to_owned(),
            Quant::None => "quantifier: none".to_owned(),
            Quant::Count(min, Some(max)) => format!("count: {{min: {min}, max: {max}}}"),
            Quant::Count(min, None) => format!("count: {{min: {min}}}"),
        });
        if self.count_links {
            parts.push("count-links: true".to_owned());
        }
        if self.bind {
            parts.push("bind: x".to_owned());
        }
        format!("{{{}}}", parts.join(", "))
    }

    pub fn walk_yaml(&self) -> Vec<String> {
        let mut parts = vec![format!("via: [{}]", step_words(&self.steps).join(", "))];
        if self.steps.contains(&Step::Links) {
            if !self.links.is_empty() {
                parts.push(format!("links: [{}]", self.links.join(", ")));
            }
            parts.push(
                match self.dir {
                    Dir::Out => "direction: out",
                    Dir::In => "direction: in",
                    Dir::Any => "direction: any",
                }
                .to_owned(),
            );
            if let Some(lc) = &self.link_cond {
                parts.push(format!("link-where: {}", lc.yaml()));
            }
        }
        if let Some((h, _, _)) = &self.hops {
            parts.push(format!("hops: {h}"));
            if !self.through.is_empty() && self.hop_range().1 != Some(1) {
                parts.push(format!("through: [{}]", self.through.join(", ")));
            }
        }
        parts
    }

    pub fn hop_range(&self) -> (u32, Option<u32>) {
        self.hops
            .as_ref()
            .map_or((1, Some(1)), |(_, a, b)| (*a, *b))
    }
}

/// The nodes one step from `i`, following only links `keep` accepts.
pub fn neighbours(t: &Topo, r: &Rel, i: usize, keep: &dyn Fn(usize) -> bool) -> Vec<usize> {
    edges(t, &r.steps, &r.links, r.dir, i, keep)
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

/// The edges one step from `i`: each node with the link followed to it (none for parent and
/// children); parallel links are edges apart.
pub fn edges(
    t: &Topo,
    steps: &[Step],
    kinds: &[&'static str],
    dir: Dir,
    i: usize,
    keep: &dyn Fn(usize) -> bool,
) -> Vec<(usize, Option<usize>)> {
    let mut out = Vec::new();
    for step in steps {
        match step {
            Step::Parent => out.extend(t.nodes[i].parent.map(|p| (p, None))),
            Step::Children => {
                for (j, n) in t.nodes.iter().enumerate() {
                    if n.parent == Some(i) {
                        out.push((j, None));
                    }
                }
            }
            Step::Links => {
                for (l, link) in t.links.iter().enumerate() {
                    let kind_ok = kinds.is_empty() || kinds.contains(&link.kind);
                    if !kind_ok || !keep(l) {
                        continue;
                    }
                    if matches!(dir, Dir::Out | Dir::Any) && link.from == i {
                        out.push((link.to, Some(l)));
                    }
                    if matches!(dir, Dir::In | Dir::Any) && link.to == i {
                        out.push((link.from, Some(l)));
                    }
                }
            }
        }
    }
    out
}

/// Whether a walk of several hops walks on from node `i` (`through`).
pub fn passes(t: &Topo, r: &Rel, i: usize, start: usize) -> bool {
    i == start || r.through.is_empty() || r.through.contains(&t.nodes[i].kind)
}

/// Every node's shortest hop distance from `start` (breadth-first, from scratch).
pub fn distances(
    t: &Topo,
    r: &Rel,
    start: usize,
    keep: &dyn Fn(usize) -> bool,
) -> Vec<Option<u32>> {
    let mut dist = vec![None; t.nodes.len()];
    dist[start] = Some(0);
    let mut queue = VecDeque::from([start]);
    while let Some(i) = queue.pop_front() {
        let d = dist[i].unwrap_or(0);
        if !passes(t, r, i, start) {
            continue;
        }
        for n in neighbours(t, r, i, keep) {
            if dist[n].is_none() {
                dist[n] = Some(d + 1);
                queue.push_back(n);
            }
        }
    }
    dist
}

/// The nodes the relation reaches from `start` and whether reaching each is certain: reached
/// at a shortest distance within the hop range over the links whose `link-where` is true
/// and over those where it is true or unknown: certain when both, unknown when only one.
pub fn reached(t: &Topo, r: &Rel, start: usize) -> Vec<(usize, T)> {
    if let Some(path) = &r.path {
        return path_walk(t, path, start).0;
    }
    let (min, max) = r.hop_range();
    let link_truth = |l: usize| {
        r.link_cond
            .as_ref()
            .map_or(T::Yes, |c| eval(t, c, At::Link(l), &[]))
    };
    let sure = distances(t, r, start, &|l| link_truth(l) == T::Yes);
    let maybe = distances(t, r, start, &|l| link_truth(l) != T::No);
    let within =
        |d: Option<u32>| d.is_some_and(|d| d >= min && d >= 1 && max.is_none_or(|m| d <= m));
    (0..t.nodes.len())
        .filter(|&n| n != start)
        .filter_map(|n| match (within(sure[n]), within(maybe[n])) {
            (true, true) => Some((n, T::Yes)),
            (false, false) => None,
            _ => Some((n, T::Unknown)),
        })
        .collect()
}

/// A path of steps from `start`, from scratch: each step keeps, per node, the best truth of
/// the edges into it (the truth it was reached with, the link's condition, the step's kinds
/// and `where`). The nodes the last step reaches (not `start`), and per node the links of the
/// last step that surely / maybe brought the walk there.
#[allow(clippy::type_complexity, reason = "test code")]
pub fn path_walk(
    t: &Topo,
    path: &[PStep],
    start: usize,
) -> (Vec<(usize, T)>, BTreeMap<usize, (u64, u64)>) {
    let n = t.nodes.len();
    let mut frontier: Vec<Option<T>> = vec![None; n];
    frontier[start] = Some(T::Yes);
    let mut weights: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
    for (k, step) in path.iter().enumerate() {
        let last = k + 1 == path.len();
        let mut next: Vec<Option<T>> = vec![None; n];
        for (a, ta) in frontier.iter().enumerate() {
            let Some(ta) = *ta else { continue };
            for (b, link) in edges(t, &step.steps, &step.links, step.dir, a, &|_| true) {
                let lt = match (&step.link_cond, link) {
                    (Some(c), Some(l)) => eval(t, c, At::Link(l), &[]),
                    _ => T::Yes,
                };
                if lt == T::No || !(step.kinds.is_empty() || step.kinds.contains(&t.nodes[b].kind))
                {
                    continue;
                }
                let nt = step
                    .cond
                    .as_ref()
                    .map_or(T::Yes, |c| eval(t, c, At::Node(b), &[]));
                let m = and(ta, and(lt, nt));
                if m == T::No {
                    continue;
                }
                next[b] = Some(next[b].map_or(m, |x| or(x, m)));
                if last && link.is_some() {
                    let w = weights.entry(b).or_default();
                    if m == T::Yes {
                        w.0 += 1;
                    } else {
                        w.1 += 1;
                    }
                }
            }
        }
        frontier = next;
    }
    let reached = (0..n)
        .filter(|&b| b != start)
        .filter_map(|b| frontier[b].map(|tb| (b, tb)))
        .collect();
    // (sure, sure + open)
    let weights = weights
        .into_iter()
        .map(|(b, (y, u))| (b, (y, y + u)))
        .collect();
    (reached, weights)
}

/// For `count-links` over hops: per node, the links from the nodes one hop nearer (that the
/// walk walks on from) that brought the walk there, over the links whose `link-where` is
/// true (sure) and over those where it is not false (maybe).
pub fn hop_weights(t: &Topo, r: &Rel, start: usize) -> BTreeMap<usize, (u64, u64)> {
    let link_truth = |l: usize| {
        r.link_cond
            .as_ref()
            .map_or(T::Yes, |c| eval(t, c, At::Link(l), &[]))
    };
    let count = |keep: &dyn Fn(usize) -> bool| {
        let dist = distances(t, r, start, keep);
        let mut w: BTreeMap<usize, u64> = BTreeMap::new();
        for a in 0..t.nodes.len() {
            let Some(da) = dist[a] else { continue };
            if !passes(t, r, a, start) {
                continue;
            }
            for (b, link) in edges(t, &r.steps, &r.links, r.dir, a, keep) {
                if link.is_some() && b != start && dist[b] == Some(da + 1) {
                    *w.entry(b).or_default() += 1;
                }
            }
        }
        w
    };
    let sure = count(&|l| link_truth(l) == T::Yes);
    let maybe = count(&|l| link_truth(l) != T::No);
    (0..t.nodes.len())
        .map(|b| {
            let lo = sure.get(&b).copied().unwrap_or(0);
            let hi = maybe.get(&b).copied().unwrap_or(0);
            (b, (lo, hi.max(lo)))
        })
        .collect()
}

/// The nodes the relation surely matched from `i` (reached for certain, `where` true).
pub fn matched(t: &Topo, r: &Rel, i: usize) -> Vec<usize> {
    reached(t, r, i)
        .into_iter()
        .filter(|&(n, m)| {
            m == T::Yes
                && (r.kinds.is_empty() || r.kinds.contains(&t.nodes[n].kind))
                && r.cond
                    .as_ref()
                    .is_none_or(|c| eval(t, c, At::Node(n), &[]) == T::Yes)
        })
        .map(|(n, _)| n)
        .collect()
}

/// The relation's truth on node `i`.
pub fn relate(t: &Topo, r: &Rel, i: usize) -> T {
    let candidates: Vec<(usize, T)> = reached(t, r, i)
        .into_iter()
        .filter(|(n, _)| r.kinds.is_empty() || r.kinds.contains(&t.nodes[*n].kind))
        .collect();
    let matches: Vec<(T, T)> = candidates
        .iter()
        .map(|&(n, member)| {
            let w = r
                .cond
                .as_ref()
                .map_or(T::Yes, |c| eval(t, c, At::Node(n), &[]));
            (member, w)
        })
        .collect();
    let matched: Vec<T> = matches.iter().map(|&(m, w)| and(m, w)).collect();
    let any = matched.iter().fold(T::No, |a, &b| or(a, b));
    match r.quant {
        Quant::Any => any,
        Quant::None => not(any),
        // Every reached node matches, and at least one is reached.
        Quant::All => {
            let some = matches.iter().fold(T::No, |a, &(m, _)| or(a, m));
            let every = matches
                .iter()
                .fold(T::Yes, |a, &(m, w)| and(a, or(not(m), w)));
            and(some, every)
        }
        Quant::Count(min, max) => {
            let (mut sure, mut maybe) = (0u64, 0u64);
            let weights = match (&r.path, r.count_links) {
                (_, false) => BTreeMap::new(),
                (Some(path), true) => path_walk(t, path, i).1,
                (None, true) => hop_weights(t, r, i),
            };
            for (&(n, _), &m) in candidates.iter().zip(&matched) {
                let (lo, hi) = if r.count_links {
                    weights.get(&n).copied().unwrap_or((0, 0))
                } else {
                    (1, 1)
                };
                match m {
                    T::Yes => {
                        sure += lo;
                        maybe += hi - lo;
                    }
                    T::Unknown => maybe += hi,
                    T::No => {}
                }
            }
            count_truth(sure, maybe, min, max)
        }
    }
}

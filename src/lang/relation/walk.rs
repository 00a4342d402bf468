//! Walking a relation's hops: the links and nodes one step away from an entity, and the
//! breadth-first walk over a hop range that stays inside the node kinds `through` allows,
//! optionally keeping a [`Trace`] of how each entity was first reached (for witness paths and
//! for counting the links walked).

use super::{Direction, Relation, Step, Walk};
use crate::lang::cond::Truth;
use crate::lang::env::Env;
use crate::topology::{Idx, Topology};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

impl Walk {
    /// The entities one step away from `i`, each with the link followed to it (none for
    /// `parent`, `children`, `from` and `to`), following only links that `keep` accepts.
    /// Parallel links give one edge each.
    pub fn edges_over(
        &self,
        topo: &Topology,
        i: Idx,
        out: &mut Vec<(Idx, Option<Idx>)>,
        keep: &dyn Fn(Idx) -> bool,
    ) {
        let e = topo.entity(i);
        let link_ok = |l: Idx| {
            (self.links.is_empty() || self.links.iter().any(|k| *k == topo.entity(l).kind))
                && keep(l)
        };
        for step in &self.steps {
            match step {
                Step::Parent => out.extend(e.parent.map(|p| (p, None))),
                Step::Children => {
                    if let Some(c) = topo.children.get(i as usize) {
                        out.extend(c.iter().map(|&c| (c, None)));
                    }
                }
                Step::From => out.extend(e.from.map(|n| (n, None))),
                Step::To => out.extend(e.to.map(|n| (n, None))),
                Step::Reference(attr) => {
                    out.extend(topo.references.targets(*attr, i).iter().map(|&n| (n, None)))
                }
                Step::ReferencedBy(attr) => out.extend(
                    topo.references
                        .sources(*attr, i)
                        .iter()
                        .filter(|&&n| (n as usize) < topo.node_count)
                        .map(|&n| (n, None)),
                ),
                Step::Links => {
                    if matches!(self.direction, Direction::Out | Direction::Any)
                        && let Some(ls) = topo.out_links.get(i as usize)
                    {
                        out.extend(
                            ls.iter()
                                .filter(|l| link_ok(**l))
                                .filter_map(|&l| topo.entity(l).to.map(|n| (n, Some(l)))),
                        );
                    }
                    if matches!(self.direction, Direction::In | Direction::Any)
                        && let Some(ls) = topo.in_links.get(i as usize)
                    {
                        out.extend(
                            ls.iter()
                                .filter(|l| link_ok(**l))
                                .filter_map(|&l| topo.entity(l).from.map(|n| (n, Some(l)))),
                        );
                    }
                }
            }
        }
    }
}

/// How a walk first reached each entity: the entity it came from and the link it followed,
/// per step of a path (one layer for a hop walk), and how many links brought it there.
#[derive(Debug, Default)]
pub struct Trace {
    /// For a hop walk, one layer; for a path of steps, one layer per step.
    pub layers: Vec<HashMap<Idx, (Idx, Option<Idx>)>>,
    /// Links that brought the walk to each entity at the step it was first reached.
    pub links: HashMap<Idx, u64>,
    /// For a path of steps: links of the last step that may have brought the walk to an
    /// entity (a filter on the way is unknown).
    pub open_links: HashMap<Idx, u64>,
}

impl Trace {
    /// Record that `to` was reached from `from` over `link` in `layer` (counting the link
    /// when `count`); true the first time `to` is reached in that layer.
    pub fn record(
        &mut self,
        layer: usize,
        from: Idx,
        to: Idx,
        link: Option<Idx>,
        count: bool,
    ) -> bool {
        while self.layers.len() <= layer {
            self.layers.push(HashMap::new());
        }
        let first = match self.layers.get_mut(layer) {
            Some(l) => match l.entry(to) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert((from, link));
                    true
                }
                std::collections::hash_map::Entry::Occupied(_) => false,
            },
            None => false,
        };
        if count && link.is_some() {
            *self.links.entry(to).or_default() += 1;
        }
        first
    }

    /// The entities and links walked from `start` to `end`, both included: for a path of
    /// steps, back through each step's layer; for a hop walk, back through the one layer.
    pub fn path_to(&self, start: Idx, end: Idx, layered: bool) -> Vec<Idx> {
        let mut back = vec![end];
        let mut at = end;
        if layered {
            for layer in self.layers.iter().rev() {
                let Some(&(from, link)) = layer.get(&at) else {
                    break;
                };
                back.extend(link);
                back.push(from);
                at = from;
            }
        } else if let Some(layer) = self.layers.first() {
            // Each entity is reached once, so the chain ends at the start; the bound keeps a
            // malformed trace from looping.
            for _ in 0..layer.len() {
                if at == start {
                    break;
                }
                let Some(&(from, link)) = layer.get(&at) else {
                    break;
                };
                back.extend(link);
                back.push(from);
                at = from;
            }
        }
        back.reverse();
        back
    }
}

impl Relation {
    /// For `count-links`: how many links surely brought the walk to each entity, and how
    /// many may have (over links or filters whose condition is unknown).
    pub(super) fn link_weights(
        &self,
        env: &Env<'_>,
        start: Idx,
    ) -> (HashMap<Idx, u64>, HashMap<Idx, u64>) {
        if !self.steps.is_empty() {
            let mut t = Trace::default();
            let _ = self.walk_path(env, start, None, Some(&mut t));
            let mut high = t.links.clone();
            for (i, n) in t.open_links {
                *high.entry(i).or_default() += n;
            }
            return (t.links, high);
        }
        let (mut sure, mut maybe) = (Trace::default(), Trace::default());
        let open = RefCell::new(Vec::new());
        let _ = self.walk_from(env, start, false, &open, Some(&mut sure));
        if open.borrow().is_empty() {
            let links = sure.links;
            return (links.clone(), links);
        }
        let _ = self.walk_from(
            env,
            start,
            true,
            &RefCell::new(Vec::new()),
            Some(&mut maybe),
        );
        (sure.links, maybe.links)
    }

    /// Breadth-first walk from `start` within the hop range, expanding past the first hop only
    /// entities of the kinds `through` allows. Links whose `link-where` is unknown are followed
    /// when `follow_open` is set, and collected in `open` either way. With a `trace`, how each
    /// entity was first reached is recorded.
    pub(super) fn walk_from(
        &self,
        env: &Env<'_>,
        start: Idx,
        follow_open: bool,
        open: &RefCell<Vec<Idx>>,
        mut trace: Option<&mut Trace>,
    ) -> Vec<Idx> {
        let topo = env.topo;
        let keep = |l: Idx| match self
            .link_cond
            .as_ref()
            .map_or(Truth::True, |c| c.eval(&env.at(l)))
        {
            Truth::True => true,
            Truth::False => false,
            Truth::Unknown => {
                open.borrow_mut().push(l);
                follow_open
            }
        };
        let passes = |n: Idx| {
            self.through.is_empty() || self.through.iter().any(|k| *k == topo.entity(n).kind)
        };
        let mut seen: HashSet<Idx> = HashSet::new();
        seen.insert(start);
        let mut frontier = vec![start];
        let mut reached = Vec::new();
        let mut next = Vec::new();
        let mut hop = 0u32;
        let mut step = Vec::new();
        // Entities first reached in the current hop: links into them count as walked.
        let mut fresh: HashSet<Idx> = HashSet::new();
        while !frontier.is_empty() && self.max_hops.is_none_or(|m| hop < m) {
            hop += 1;
            next.clear();
            fresh.clear();
            for &i in &frontier {
                step.clear();
                self.walk.edges_over(topo, i, &mut step, &keep);
                for &(n, link) in &step {
                    let new = seen.insert(n);
                    if new {
                        fresh.insert(n);
                        if passes(n) {
                            next.push(n);
                        }
                        if hop >= self.min_hops {
                            reached.push(n);
                        }
                    }
                    if let Some(t) = trace.as_deref_mut()
                        && fresh.contains(&n)
                    {
                        t.record(0, i, n, link, true);
                    }
                }
            }
            std::mem::swap(&mut frontier, &mut next);
        }
        reached
    }
}

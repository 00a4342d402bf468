//! Relations: the entities reached from the one being tested — its parent, children,
//! or nodes over links of given kinds — over one or several hops, with a quantifier
//! (`any`, `all`, `none`, or a count between min and max) over those that match.

use super::cond::{Cond, CondCx, Env, Scope};
use crate::diagnostic::{Diags, suggestion_help};
use crate::reader::{MapReader, string_list};
use crate::topology::{Idx, Topology};
use crate::value::{Node, Value};
use crate::vocabulary::Class;
use std::collections::HashSet;

/// One kind of step through the topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Parent,
    Children,
    Links,
    /// From a link to the node it starts at.
    From,
    /// From a link to the node it ends at.
    To,
}

impl Step {
    const NAMES: &'static [&'static str] = &["parent", "children", "links", "from", "to"];
}

/// Which way links are followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Out,
    In,
    Any,
}

/// How many of the reached entities must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    Any,
    All,
    None,
    Count { min: u64, max: Option<u64> },
}

/// How to walk: steps, link kinds and direction. Shared with group scopes.
#[derive(Debug, Clone)]
pub struct Walk {
    pub steps: Vec<Step>,
    /// Link kinds followed by the `links` step (empty: every kind).
    pub links: Vec<String>,
    pub direction: Direction,
}

impl Walk {
    /// The entities one step away from `i`.
    pub fn neighbours(&self, topo: &Topology, i: Idx, out: &mut Vec<Idx>) {
        let e = topo.entity(i);
        let link_ok = |l: Idx| self.links.is_empty() || self.links.contains(&topo.entity(l).kind);
        for step in &self.steps {
            match step {
                Step::Parent => out.extend(e.parent),
                Step::Children => {
                    if let Some(c) = topo.children.get(i as usize) {
                        out.extend(c);
                    }
                }
                Step::From => out.extend(e.from),
                Step::To => out.extend(e.to),
                Step::Links => {
                    if matches!(self.direction, Direction::Out | Direction::Any)
                        && let Some(ls) = topo.out_links.get(i as usize)
                    {
                        out.extend(ls.iter().filter(|l| link_ok(**l)).filter_map(|l| topo.entity(*l).to));
                    }
                    if matches!(self.direction, Direction::In | Direction::Any)
                        && let Some(ls) = topo.in_links.get(i as usize)
                    {
                        out.extend(ls.iter().filter(|l| link_ok(**l)).filter_map(|l| topo.entity(*l).from));
                    }
                }
            }
        }
    }

    /// Whether the walk goes both ways (so reachability is a connected component).
    pub fn is_symmetric(&self) -> bool {
        let has = |s| self.steps.contains(&s);
        has(Step::Parent) == has(Step::Children)
            && (!has(Step::Links) || self.direction == Direction::Any)
            && !has(Step::From)
            && !has(Step::To)
    }

    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for s in &self.steps {
            parts.push(match s {
                Step::Parent => "the parent".to_owned(),
                Step::Children => "the children".to_owned(),
                Step::From => "the link's start".to_owned(),
                Step::To => "the link's end".to_owned(),
                Step::Links => {
                    let kinds = if self.links.is_empty() { "any".to_owned() } else { self.links.join("/") };
                    let dir = match self.direction {
                        Direction::Out => "outgoing",
                        Direction::In => "incoming",
                        Direction::Any => "",
                    };
                    format!("{dir} {kinds} links").trim().to_owned()
                }
            });
        }
        parts.join(" and ")
    }

    /// Compile `via`, `links` and `direction` from a reader.
    pub fn compile(cx: &CondCx<'_>, r: &mut MapReader<'_>, from: Class, diags: &mut Diags) -> Option<Walk> {
        let file = cx.file;
        let mut steps = Vec::new();
        match r.take("via") {
            Some(via) => {
                for (s, pos) in string_list(file, via, "rule", "via", diags)? {
                    let step = match s {
                        "parent" => Step::Parent,
                        "children" => Step::Children,
                        "links" => Step::Links,
                        "from" => Step::From,
                        "to" => Step::To,
                        _ => {
                            cx.error(diags, pos, "unknown_step", format!("unknown step `{s}` in `via`"), suggestion_help(s, Step::NAMES, "steps"));
                            return None;
                        }
                    };
                    if matches!(step, Step::From | Step::To) && from != Class::Link {
                        cx.error(diags, pos, "unknown_step", format!("`via: {s}` only applies to links"), "use `parent`, `children` or `links` from a node".into());
                        return None;
                    }
                    steps.push(step);
                }
            }
            None => steps.push(Step::Links),
        }
        let mut links = Vec::new();
        if let Some(l) = r.take("links") {
            let known = cx.vocab.kind_names(Class::Link);
            for (k, pos) in string_list(file, l, "rule", "links", diags)? {
                if !known.contains(&k) {
                    cx.error(diags, pos, "unknown_link_kind", format!("unknown link kind `{k}`"), suggestion_help(k, &known, "link kinds"));
                    return None;
                }
                links.push(k.to_owned());
            }
            if !steps.contains(&Step::Links) {
                steps.push(Step::Links);
            }
        }
        let direction = match r.take("direction") {
            None => Direction::Any,
            Some(n) => match n.value.as_str() {
                Some("out") => Direction::Out,
                Some("in") => Direction::In,
                Some("any") => Direction::Any,
                _ => {
                    let w = n.value.display();
                    cx.error(diags, n.pos, "bad_argument", format!("unknown direction `{w}`"), suggestion_help(&w, &["out", "in", "any"], "directions"));
                    return None;
                }
            },
        };
        Some(Walk { steps, links, direction })
    }
}

/// A compiled relation condition.
#[derive(Debug)]
pub struct Relation {
    pub walk: Walk,
    pub min_hops: u32,
    /// `None`: any number of hops (reachability).
    pub max_hops: Option<u32>,
    /// Kinds of reached entity considered (empty: any).
    pub kinds: Vec<String>,
    pub cond: Option<Cond>,
    pub quantifier: Quantifier,
}

const KEYS: &[&str] = &["via", "links", "direction", "hops", "kind", "where", "quantifier", "count"];

impl Relation {
    pub fn compile(cx: &CondCx<'_>, node: &Node, scope: &Scope, diags: &mut Diags) -> Option<Relation> {
        let mut r = MapReader::new(cx.file, node, "rule", "`related`", diags)?;
        let walk = Walk::compile(cx, &mut r, scope.class, diags);
        let (min_hops, max_hops) = match r.take("hops") {
            None => (1, Some(1)),
            Some(n) => hops(cx, n, diags)?,
        };
        let mut kinds = Vec::new();
        if let Some(k) = r.take("kind") {
            let known = cx.vocab.kind_names(Class::Node);
            for (k, pos) in string_list(cx.file, k, "rule", "kind", diags)? {
                if !known.contains(&k) {
                    cx.error(diags, pos, "unknown_kind", format!("unknown node kind `{k}`"), suggestion_help(k, &known, "node kinds"));
                    return None;
                }
                kinds.push(k.to_owned());
            }
        }
        let reached = Scope { class: Class::Node, kinds: kinds.clone() };
        let cond = match r.take("where") {
            Some(w) => Some(cx.cond(w, &reached, diags)?),
            None => None,
        };
        let mut quantifier = match r.take("quantifier") {
            None => Quantifier::Any,
            Some(n) => match n.value.as_str() {
                Some("any") => Quantifier::Any,
                Some("all") => Quantifier::All,
                Some("none") => Quantifier::None,
                _ => {
                    let w = n.value.display();
                    cx.error(diags, n.pos, "bad_argument", format!("unknown quantifier `{w}`"), suggestion_help(&w, &["any", "all", "none"], "quantifiers"));
                    return None;
                }
            },
        };
        if let Some(c) = r.take("count") {
            if r.has("quantifier") {
                cx.error(diags, c.pos, "bad_argument", "`related` takes `quantifier` or `count`, not both".into(), "`count: {min: 1}` is `quantifier: any`; `count: {max: 0}` is `quantifier: none`".into());
                return None;
            }
            let (min, max) = range(cx, c, "count", diags)?;
            quantifier = Quantifier::Count { min, max };
        }
        r.finish(KEYS, "`related`", diags);
        Some(Relation { walk: walk?, min_hops, max_hops, kinds, cond, quantifier })
    }

    /// The entities reached from `start`, each once, in walk order.
    pub fn reach(&self, topo: &Topology, start: Idx) -> Vec<Idx> {
        let mut seen: HashSet<Idx> = HashSet::new();
        seen.insert(start);
        let mut frontier = vec![start];
        let mut reached = Vec::new();
        let mut next = Vec::new();
        let mut hop = 0u32;
        while !frontier.is_empty() && self.max_hops.is_none_or(|m| hop < m) {
            hop += 1;
            next.clear();
            let mut step = Vec::new();
            for &i in &frontier {
                step.clear();
                self.walk.neighbours(topo, i, &mut step);
                for &n in &step {
                    if seen.insert(n) {
                        next.push(n);
                        if hop >= self.min_hops {
                            reached.push(n);
                        }
                    }
                }
            }
            std::mem::swap(&mut frontier, &mut next);
        }
        reached
    }

    pub fn eval(&self, env: &Env<'_>) -> bool {
        let reached = self.reach(env.topo, env.current);
        let mut considered = 0u64;
        let mut matched = 0u64;
        for &i in &reached {
            if !self.kinds.is_empty() && !self.kinds.contains(&env.topo.entity(i).kind) {
                continue;
            }
            considered += 1;
            if self.cond.as_ref().is_none_or(|c| c.eval(&env.at(i))) {
                matched += 1;
            } else if self.quantifier == Quantifier::All {
                return false;
            }
        }
        match self.quantifier {
            Quantifier::Any => matched > 0,
            // `all` over nothing is false: a rule about "every connected server" must
            // not pass because nothing is connected.
            Quantifier::All => considered > 0 && matched == considered,
            Quantifier::None => matched == 0,
            Quantifier::Count { min, max } => matched >= min && max.is_none_or(|m| matched <= m),
        }
    }

    pub fn describe(&self, depth: usize, out: &mut Vec<String>) {
        let pad = "  ".repeat(depth);
        let q = match self.quantifier {
            Quantifier::Any => "at least one".to_owned(),
            Quantifier::All => "every (and at least one)".to_owned(),
            Quantifier::None => "no".to_owned(),
            Quantifier::Count { min, max: Some(m) } => format!("between {min} and {m}"),
            Quantifier::Count { min, max: None } => format!("at least {min}"),
        };
        let kinds = if self.kinds.is_empty() { "node".to_owned() } else { self.kinds.join("/") };
        let hops = match (self.min_hops, self.max_hops) {
            (1, Some(1)) => String::new(),
            (a, Some(b)) => format!(" within {a}..{b} hops"),
            (a, None) => format!(" any number (>= {a}) of hops"),
        };
        out.push(format!("{pad}{q} {kinds} reached over {}{hops}{}", self.walk.describe(), if self.cond.is_some() { " where:" } else { "" }));
        if let Some(c) = &self.cond {
            c.describe(depth + 1, out);
        }
    }
}

fn hops(cx: &CondCx<'_>, n: &Node, diags: &mut Diags) -> Option<(u32, Option<u32>)> {
    match &n.value {
        Value::Int(i) if *i >= 1 => Some((1, Some(u32::try_from(*i).unwrap_or(u32::MAX)))),
        Value::Str(s) if s == "any" => Some((1, None)),
        Value::Map(_) => {
            let (min, max) = range(cx, n, "hops", diags)?;
            Some((u32::try_from(min.max(1)).unwrap_or(u32::MAX), max.map(|m| u32::try_from(m).unwrap_or(u32::MAX))))
        }
        _ => {
            cx.error(diags, n.pos, "bad_argument", "`hops` takes a number of hops (>= 1), `any`, or `{min, max}`".into(), "write `hops: 1` (neighbours), `hops: {max: 3}` or `hops: any` (reachability)".into());
            None
        }
    }
}

/// Read `{min: N, max: M}` (either optional; min defaults to 0).
pub fn range(cx: &CondCx<'_>, n: &Node, what: &str, diags: &mut Diags) -> Option<(u64, Option<u64>)> {
    let mut r = MapReader::new(cx.file, n, "rule", &format!("`{what}`"), diags)?;
    let mut num = |key: &str, diags: &mut Diags| -> Option<Option<u64>> {
        match r.take(key) {
            None => Some(None),
            Some(v) => match v.value {
                Value::Int(i) if i >= 0 => Some(Some(i.unsigned_abs())),
                _ => {
                    cx.error(diags, v.pos, "bad_argument", format!("`{key}` of `{what}` takes a whole number >= 0"), format!("write `{what}: {{min: 2}}`"));
                    None
                }
            },
        }
    };
    let min = num("min", diags)?;
    let max = num("max", diags)?;
    r.finish(&["min", "max"], &format!("`{what}`"), diags);
    if min.is_none() && max.is_none() {
        cx.error(diags, n.pos, "bad_argument", format!("`{what}` needs `min`, `max` or both"), format!("write `{what}: {{min: 2}}`"));
        return None;
    }
    let min = min.unwrap_or(0);
    if let Some(m) = max
        && m < min
    {
        cx.error(diags, n.pos, "bad_argument", format!("`{what}` has max {m} below min {min}"), "make `max` at least `min`".into());
        return None;
    }
    Some((min, max))
}

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

use kbcheck::diagnostic::Diags;
use kbcheck::lang::RuleSet;
use kbcheck::limits::Limits;
use kbcheck::parse::parse_document;
use kbcheck::source::SourceFile;
use kbcheck::topology::Topology;
use kbcheck::vocabulary::Vocabulary;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

// ------------------------------------------------------------------ the model

const NODE_KINDS: [&str; 3] = ["a", "b", "c"];
const LINK_KINDS: [&str; 3] = ["red", "green", "blue"];
const COLORS: [&str; 3] = ["r", "g", "b"];
const SITES: [&str; 2] = ["x", "y"];

/// The vocabulary the generated topologies and rules use: nothing else is known.
const VOCABULARY: &str = "name: oracle
common:
  site: {type: string}
nodes:
  a: {attributes: {color: {type: string}, size: {type: integer}}}
  b: {attributes: {color: {type: string}, size: {type: integer}}}
  c: {attributes: {color: {type: string}, size: {type: integer}}}
links:
  red: {attributes: {weight: {type: integer}}}
  green: {attributes: {weight: {type: integer}}}
  blue: {attributes: {weight: {type: integer}}}
";

/// An attribute value: text or a whole number.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Text(&'static str),
    Int(i64),
}

impl Val {
    fn yaml(&self) -> String {
        match self {
            Val::Text(s) => (*s).to_owned(),
            Val::Int(n) => n.to_string(),
        }
    }
}

#[derive(Clone, Debug)]
struct TNode {
    kind: &'static str,
    color: Option<&'static str>,
    size: Option<i64>,
    site: Option<&'static str>,
    parent: Option<usize>,
}

#[derive(Clone, Debug)]
struct TLink {
    kind: &'static str,
    from: usize,
    to: usize,
    weight: Option<i64>,
}

#[derive(Clone, Debug)]
struct Topo {
    nodes: Vec<TNode>,
    links: Vec<TLink>,
}

/// Node `i`'s id.
fn nid(i: usize) -> String {
    format!("N{i}")
}

impl Topo {
    /// An attribute of node `i` (`None`: not set).
    fn node_attr(&self, i: usize, field: &str) -> Option<Val> {
        let n = &self.nodes[i];
        match field {
            "color" => n.color.map(Val::Text),
            "size" => n.size.map(Val::Int),
            "site" => n.site.map(Val::Text),
            _ => None,
        }
    }

    fn link_attr(&self, l: usize, field: &str) -> Option<Val> {
        match field {
            "weight" => self.links[l].weight.map(Val::Int),
            _ => None,
        }
    }

    /// The site of node `i`: its own, else its nearest ancestor's.
    fn site(&self, i: usize) -> Option<&'static str> {
        let mut cur = Some(i);
        while let Some(c) = cur {
            if let Some(s) = self.nodes[c].site {
                return Some(s);
            }
            cur = self.nodes[c].parent;
        }
        None
    }

    fn yaml(&self) -> String {
        let mut s = String::from("version: 1\nnodes:\n");
        for (i, n) in self.nodes.iter().enumerate() {
            s.push_str(&format!("  - {{id: {}, kind: {}", nid(i), n.kind));
            if let Some(c) = n.color {
                s.push_str(&format!(", color: {c}"));
            }
            if let Some(z) = n.size {
                s.push_str(&format!(", size: {z}"));
            }
            if let Some(site) = n.site {
                s.push_str(&format!(", site: {site}"));
            }
            if let Some(p) = n.parent {
                s.push_str(&format!(", parent: {}", nid(p)));
            }
            s.push_str("}\n");
        }
        s.push_str("links:\n");
        for (i, l) in self.links.iter().enumerate() {
            s.push_str(&format!(
                "  - {{id: L{i}, kind: {}, from: {}, to: {}",
                l.kind,
                nid(l.from),
                nid(l.to)
            ));
            if let Some(w) = l.weight {
                s.push_str(&format!(", weight: {w}"));
            }
            s.push_str("}\n");
        }
        s
    }
}

/// Three-valued truth, written out again rather than borrowed from the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum T {
    Yes,
    No,
    Unknown,
}

fn and(a: T, b: T) -> T {
    match (a, b) {
        (T::No, _) | (_, T::No) => T::No,
        (T::Unknown, _) | (_, T::Unknown) => T::Unknown,
        _ => T::Yes,
    }
}

fn or(a: T, b: T) -> T {
    match (a, b) {
        (T::Yes, _) | (_, T::Yes) => T::Yes,
        (T::Unknown, _) | (_, T::Unknown) => T::Unknown,
        _ => T::No,
    }
}

fn not(a: T) -> T {
    match a {
        T::Yes => T::No,
        T::No => T::Yes,
        T::Unknown => T::Unknown,
    }
}

fn truth(b: bool) -> T {
    if b { T::Yes } else { T::No }
}

/// An expression over a node's attributes, with its own evaluation below.
#[derive(Clone, Debug)]
enum Ex {
    Field(&'static str),
    Int(i64),
    Text(&'static str),
    Add(Vec<Ex>),
    Sub(Box<Ex>, Box<Ex>),
    Length(Box<Ex>),
    Upper(Box<Ex>),
    Concat(Vec<Ex>),
    Number(Box<Ex>),
}

/// What an expression gives: a number, text, unknown (an unset field), or no value.
#[derive(Clone, Debug, PartialEq)]
enum R {
    Num(i64),
    Text(String),
    Unknown,
    None,
}

impl R {
    fn text(&self) -> String {
        match self {
            R::Num(n) => n.to_string(),
            R::Text(t) => t.clone(),
            R::Unknown | R::None => String::new(),
        }
    }
}

impl Ex {
    fn yaml(&self) -> String {
        let list = |xs: &[Ex]| xs.iter().map(Ex::yaml).collect::<Vec<_>>().join(", ");
        match self {
            Ex::Field(f) => format!("{{field: {f}}}"),
            Ex::Int(n) => n.to_string(),
            Ex::Text(t) => format!("'{t}'"),
            Ex::Add(xs) => format!("{{add: [{}]}}", list(xs)),
            Ex::Sub(a, b) => format!("{{sub: [{}, {}]}}", a.yaml(), b.yaml()),
            Ex::Length(x) => format!("{{length: {}}}", x.yaml()),
            Ex::Upper(x) => format!("{{upper: {}}}", x.yaml()),
            Ex::Concat(xs) => format!("{{concat: [{}]}}", list(xs)),
            Ex::Number(x) => format!("{{number: {}}}", x.yaml()),
        }
    }

    /// Several arguments: no value if any has none, else unknown if any is unknown.
    fn all(xs: &[&Ex], value: &dyn Fn(&str) -> Option<Val>) -> Result<Vec<R>, R> {
        let rs: Vec<R> = xs.iter().map(|x| x.eval(value)).collect();
        if rs.contains(&R::None) {
            return Err(R::None);
        }
        if rs.contains(&R::Unknown) {
            return Err(R::Unknown);
        }
        Ok(rs)
    }

    fn eval(&self, value: &dyn Fn(&str) -> Option<Val>) -> R {
        let nums = |xs: &[&Ex]| -> Result<Vec<i64>, R> {
            Ex::all(xs, value)?
                .into_iter()
                .map(|r| match r {
                    R::Num(n) => Ok(n),
                    _ => Err(R::None),
                })
                .collect()
        };
        match self {
            Ex::Field(f) => match value(f) {
                None => R::Unknown,
                Some(Val::Int(n)) => R::Num(n),
                Some(Val::Text(t)) => R::Text(t.to_owned()),
            },
            Ex::Int(n) => R::Num(*n),
            Ex::Text(t) => R::Text((*t).to_owned()),
            Ex::Add(xs) => match nums(&xs.iter().collect::<Vec<_>>()) {
                Ok(ns) => R::Num(ns.iter().sum()),
                Err(r) => r,
            },
            Ex::Sub(a, b) => match nums(&[a, b]) {
                Ok(ns) => R::Num(ns[0] - ns[1]),
                Err(r) => r,
            },
            Ex::Length(x) => match x.eval(value) {
                R::Text(t) => R::Num(t.chars().count() as i64),
                R::Num(_) => R::None,
                other => other,
            },
            Ex::Upper(x) => match x.eval(value) {
                R::Text(t) => R::Text(t.to_uppercase()),
                R::Num(_) => R::None,
                other => other,
            },
            Ex::Concat(xs) => match Ex::all(&xs.iter().collect::<Vec<_>>(), value) {
                Ok(rs) => R::Text(rs.iter().map(R::text).collect()),
                Err(r) => r,
            },
            Ex::Number(x) => match x.eval(value) {
                R::Text(t) => t.trim().parse().map_or(R::None, R::Num),
                other => other,
            },
        }
    }

    /// The fields it reads that are not set.
    fn unset(&self, value: &dyn Fn(&str) -> Option<Val>, out: &mut Vec<&'static str>) {
        match self {
            Ex::Field(f) => {
                if value(f).is_none() {
                    out.push(f);
                }
            }
            Ex::Int(_) | Ex::Text(_) => {}
            Ex::Add(xs) | Ex::Concat(xs) => xs.iter().for_each(|x| x.unset(value, out)),
            Ex::Sub(a, b) => {
                a.unset(value, out);
                b.unset(value, out);
            }
            Ex::Length(x) | Ex::Upper(x) | Ex::Number(x) => x.unset(value, out),
        }
    }
}

/// A value test that is unknown is false when every unset field it reads has its absence
/// handled by an enclosing group (and at least one is unset).
fn decide(t: T, exprs: &[&Ex], value: &dyn Fn(&str) -> Option<Val>, handled: &[&'static str]) -> T {
    if t != T::Unknown {
        return t;
    }
    let mut unset = Vec::new();
    exprs.iter().for_each(|e| e.unset(value, &mut unset));
    if !unset.is_empty() && unset.iter().all(|f| handled.contains(f)) {
        T::No
    } else {
        T::Unknown
    }
}

/// A condition on the attributes of one entity (a node, or a link for `link-where`).
#[derive(Clone, Debug)]
enum Cond {
    Equals(&'static str, Val),
    NotEquals(&'static str, Val),
    In(&'static str, Vec<Val>),
    Gte(&'static str, i64),
    Missing(&'static str, bool),
    /// `{value: NUMBER-EXPRESSION, gte: N}`.
    ValueGte(Ex, i64),
    /// `{value: TEXT-EXPRESSION, equals: TEXT}`.
    ValueEquals(Ex, &'static str),
    /// `{field: F, starts-with: TEXT-EXPRESSION}`.
    StartsWith(&'static str, Ex),
    Kind(Vec<&'static str>),
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Related(Box<Rel>),
}

impl Cond {
    fn yaml(&self) -> String {
        match self {
            Cond::Equals(f, v) => format!("{{field: {f}, equals: {}}}", v.yaml()),
            Cond::NotEquals(f, v) => format!("{{field: {f}, not-equals: {}}}", v.yaml()),
            Cond::In(f, vs) => format!(
                "{{field: {f}, in: [{}]}}",
                vs.iter().map(Val::yaml).collect::<Vec<_>>().join(", ")
            ),
            Cond::Gte(f, n) => format!("{{field: {f}, gte: {n}}}"),
            Cond::Missing(f, b) => format!("{{field: {f}, missing: {b}}}"),
            Cond::ValueGte(e, n) => format!("{{value: {}, gte: {n}}}", e.yaml()),
            Cond::ValueEquals(e, v) => format!("{{value: {}, equals: {v}}}", e.yaml()),
            Cond::StartsWith(f, e) => format!("{{field: {f}, starts-with: {}}}", e.yaml()),
            Cond::Kind(ks) => format!("{{kind: [{}]}}", ks.join(", ")),
            Cond::All(cs) => format!(
                "{{all: [{}]}}",
                cs.iter().map(Cond::yaml).collect::<Vec<_>>().join(", ")
            ),
            Cond::Any(cs) => format!(
                "{{any: [{}]}}",
                cs.iter().map(Cond::yaml).collect::<Vec<_>>().join(", ")
            ),
            Cond::Not(c) => format!("{{not: {}}}", c.yaml()),
            Cond::Related(r) => format!("{{related: {}}}", r.yaml()),
        }
    }

    /// Fields this condition tests with `missing` (or `exists`), relations excluded.
    fn presence_tested(&self, out: &mut Vec<&'static str>) {
        match self {
            Cond::Missing(f, _) => out.push(f),
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| c.presence_tested(out)),
            Cond::Not(c) => c.presence_tested(out),
            _ => {}
        }
    }
}

/// Where a condition is evaluated: a node or a link of the topology.
#[derive(Clone, Copy)]
enum At {
    Node(usize),
    Link(usize),
}

/// Evaluate `c` on `at`. `handled` holds the fields whose presence an enclosing `all` / `any`
/// group tests: for those, a test of a missing value is false instead of unknown.
fn eval(t: &Topo, c: &Cond, at: At, handled: &[&'static str]) -> T {
    let value = |f: &str| match at {
        At::Node(i) => t.node_attr(i, f),
        At::Link(l) => t.link_attr(l, f),
    };
    let missing = |f: &str| {
        if handled.contains(&f) {
            T::No
        } else {
            T::Unknown
        }
    };
    match c {
        Cond::Equals(f, v) => value(f).map_or_else(|| missing(f), |x| truth(x == *v)),
        Cond::NotEquals(f, v) => value(f).map_or_else(|| missing(f), |x| truth(x != *v)),
        Cond::In(f, vs) => value(f).map_or_else(|| missing(f), |x| truth(vs.contains(&x))),
        Cond::Gte(f, n) => match value(f) {
            None => missing(f),
            Some(Val::Int(x)) => truth(x >= *n),
            Some(Val::Text(_)) => T::No,
        },
        Cond::Missing(f, b) => truth(value(f).is_none() == *b),
        Cond::ValueGte(e, n) => decide(
            match e.eval(&value) {
                R::Num(x) => truth(x >= *n),
                R::Text(_) | R::None => T::No,
                R::Unknown => T::Unknown,
            },
            &[e],
            &value,
            handled,
        ),
        Cond::ValueEquals(e, v) => decide(
            match e.eval(&value) {
                R::Text(x) => truth(x == *v),
                R::Num(x) => truth(x.to_string() == *v),
                R::None => T::No,
                R::Unknown => T::Unknown,
            },
            &[e],
            &value,
            handled,
        ),
        Cond::StartsWith(f, e) => {
            let field = Ex::Field(f);
            let r = match (field.eval(&value), e.eval(&value)) {
                (_, R::None) => T::No,
                (R::Unknown, _) | (_, R::Unknown) => T::Unknown,
                (a, b) => truth(a.text().starts_with(&b.text())),
            };
            decide(r, &[&field, e], &value, handled)
        }
        Cond::Kind(ks) => match at {
            At::Node(i) => truth(ks.contains(&t.nodes[i].kind)),
            At::Link(l) => truth(ks.contains(&t.links[l].kind)),
        },
        Cond::All(cs) | Cond::Any(cs) => {
            let mut inner = handled.to_vec();
            c.presence_tested(&mut inner);
            let is_all = matches!(c, Cond::All(_));
            let mut acc = truth(is_all);
            for sub in cs {
                let r = eval(t, sub, at, &inner);
                acc = if is_all { and(acc, r) } else { or(acc, r) };
            }
            acc
        }
        Cond::Not(sub) => not(eval(t, sub, at, handled)),
        Cond::Related(r) => match at {
            At::Node(i) => relate(t, r, i),
            At::Link(_) => unreachable!("relations are generated on nodes only"),
        },
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Step {
    Parent,
    Children,
    Links,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Dir {
    Out,
    In,
    Any,
}

#[derive(Clone, Debug)]
enum Quant {
    Any,
    All,
    None,
    Count(u64, Option<u64>),
}

/// A relation: `related: {via, links, direction, hops, kind, where, link-where, quantifier}`.
#[derive(Clone, Debug)]
struct Rel {
    steps: Vec<Step>,
    links: Vec<&'static str>,
    dir: Dir,
    /// As written: `None` for the default (1), else the YAML and the range it means.
    hops: Option<(String, u32, Option<u32>)>,
    kinds: Vec<&'static str>,
    cond: Option<Cond>,
    link_cond: Option<Cond>,
    quant: Quant,
    /// Node kinds a walk of several hops may pass through (empty: any).
    through: Vec<&'static str>,
    /// A path of steps: when given, it replaces the walk above (steps, links, direction,
    /// hops, `link-where`, `through`).
    path: Option<Vec<PStep>>,
    /// With `count`: count the links walked instead of the nodes.
    count_links: bool,
    /// `bind: x`.
    bind: bool,
}

/// One step of a `path`.
#[derive(Clone, Debug)]
struct PStep {
    steps: Vec<Step>,
    links: Vec<&'static str>,
    dir: Dir,
    kinds: Vec<&'static str>,
    cond: Option<Cond>,
    link_cond: Option<Cond>,
}

impl PStep {
    fn yaml(&self) -> String {
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

fn step_words(steps: &[Step]) -> Vec<&'static str> {
    steps
        .iter()
        .map(|s| match s {
            Step::Parent => "parent",
            Step::Children => "children",
            Step::Links => "links",
        })
        .collect()
}

fn dir_yaml(d: Dir) -> &'static str {
    match d {
        Dir::Out => "direction: out",
        Dir::In => "direction: in",
        Dir::Any => "direction: any",
    }
}

impl Rel {
    fn yaml(&self) -> String {
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

    fn walk_yaml(&self) -> Vec<String> {
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

    fn hop_range(&self) -> (u32, Option<u32>) {
        self.hops
            .as_ref()
            .map_or((1, Some(1)), |(_, a, b)| (*a, *b))
    }
}

/// The nodes one step from `i`, following only links `keep` accepts.
fn neighbours(t: &Topo, r: &Rel, i: usize, keep: &dyn Fn(usize) -> bool) -> Vec<usize> {
    edges(t, &r.steps, &r.links, r.dir, i, keep)
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

/// The edges one step from `i`: each node with the link followed to it (none for parent and
/// children); parallel links are edges apart.
fn edges(
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
fn passes(t: &Topo, r: &Rel, i: usize, start: usize) -> bool {
    i == start || r.through.is_empty() || r.through.contains(&t.nodes[i].kind)
}

/// Every node's shortest hop distance from `start` (breadth-first, from scratch).
fn distances(t: &Topo, r: &Rel, start: usize, keep: &dyn Fn(usize) -> bool) -> Vec<Option<u32>> {
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
fn reached(t: &Topo, r: &Rel, start: usize) -> Vec<(usize, T)> {
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
fn path_walk(
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
fn hop_weights(t: &Topo, r: &Rel, start: usize) -> BTreeMap<usize, (u64, u64)> {
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
fn matched(t: &Topo, r: &Rel, i: usize) -> Vec<usize> {
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
fn relate(t: &Topo, r: &Rel, i: usize) -> T {
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
            let ok = |n: u64| n >= min && max.is_none_or(|m| n <= m);
            // The true count is somewhere in sure..=sure+maybe.
            let outcomes: BTreeSet<bool> = (sure..=sure + maybe).map(ok).collect();
            match (outcomes.contains(&true), outcomes.contains(&false)) {
                (true, false) => T::Yes,
                (false, true) => T::No,
                _ => T::Unknown,
            }
        }
    }
}

/// Which nodes a rule selects, and the `where` that goes with it.
#[derive(Clone, Debug)]
struct Select {
    kinds: Vec<&'static str>,
    cond: Option<Cond>,
}

impl Select {
    fn yaml(&self) -> String {
        let mut s = format!("{{kind: [{}]", self.kinds.join(", "));
        if let Some(c) = &self.cond {
            s.push_str(&format!(", where: {}", c.yaml()));
        }
        s.push('}');
        s
    }

    fn truth(&self, t: &Topo, i: usize) -> T {
        if !self.kinds.contains(&t.nodes[i].kind) {
            return T::No;
        }
        self.cond
            .as_ref()
            .map_or(T::Yes, |c| eval(t, c, At::Node(i), &[]))
    }
}

#[derive(Clone, Debug)]
enum Within {
    Topology,
    Parent,
    Site,
    Component(Vec<Step>, Vec<&'static str>),
}

#[derive(Clone, Debug)]
enum Rule {
    Check {
        select: Select,
        when: Cond,
        /// `report: [x]`: the relations of `when` bind `x`.
        report: bool,
    },
    Group {
        select: Select,
        by: Vec<Ex>,
        within: Within,
        min: u64,
        max: Option<u64>,
    },
}

impl Rule {
    fn yaml(&self, id: &str) -> String {
        let head = format!("id: {id}\ntitle: t\nseverity: error\nmessage: m\n");
        match self {
            Rule::Check {
                select,
                when,
                report,
            } => {
                let report = if *report { "report: [x]\n" } else { "" };
                format!(
                    "{head}select: {}\nwhen: {}\n{report}",
                    select.yaml(),
                    when.yaml()
                )
            }
            Rule::Group {
                select,
                by,
                within,
                min,
                max,
            } => {
                let within = match within {
                    Within::Topology => "topology".to_owned(),
                    Within::Parent => "parent".to_owned(),
                    Within::Site => "site".to_owned(),
                    Within::Component(steps, links) => {
                        let steps: Vec<&str> = steps
                            .iter()
                            .map(|s| match s {
                                Step::Parent => "parent",
                                Step::Children => "children",
                                Step::Links => "links",
                            })
                            .collect();
                        let mut w = format!("{{component: {{via: [{}]", steps.join(", "));
                        // `links:` brings the `links` step along: only with it.
                        if !links.is_empty() && steps.contains(&"links") {
                            w.push_str(&format!(", links: [{}]", links.join(", ")));
                        }
                        w.push_str("}}");
                        w
                    }
                };
                let size = match max {
                    Some(m) => format!("{{min: {min}, max: {m}}}"),
                    None => format!("{{min: {min}}}"),
                };
                format!(
                    "{head}select: {}\ngroup: {{by: [{}], within: {within}, size: {size}}}\n",
                    select.yaml(),
                    by.iter()
                        .map(|k| match k {
                            Ex::Field(f) => (*f).to_owned(),
                            e => e.yaml(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
    }
}

/// What a rule gives on a topology: findings (each the sorted ids of its entities) and the
/// entities it could not be decided on. Both sorted.
#[derive(Debug, PartialEq, Default)]
struct Outcome {
    findings: Vec<Vec<String>>,
    inconclusive: Vec<String>,
}

/// The oracle: what the rule language's definitions say `rule` gives on `t`.
fn oracle(t: &Topo, rule: &Rule) -> Outcome {
    let mut out = Outcome::default();
    match rule {
        Rule::Check {
            select,
            when,
            report,
        } => {
            // With `report`, one finding per node a bound relation matched (the node alone
            // when a true part bound nothing), each set of nodes once.
            let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
            for i in 0..t.nodes.len() {
                match and(select.truth(t, i), eval(t, when, At::Node(i), &[])) {
                    T::Yes if *report => {
                        for partner in bound(t, when, i) {
                            let mut f = vec![nid(i)];
                            f.extend(partner.filter(|&p| p != i).map(nid));
                            f.sort();
                            if seen.insert(f.clone()) {
                                out.findings.push(f);
                            }
                        }
                    }
                    T::Yes => out.findings.push(vec![nid(i)]),
                    T::Unknown => out.inconclusive.push(nid(i)),
                    T::No => {}
                }
            }
        }
        Rule::Group {
            select,
            by,
            within,
            min,
            max,
        } => {
            // (scope, key) -> members, for every selected node that has every key field.
            let mut groups: BTreeMap<(String, Vec<String>), Vec<String>> = BTreeMap::new();
            let mut unkeyed: Vec<(String, String)> = Vec::new();
            for i in 0..t.nodes.len() {
                match select.truth(t, i) {
                    T::No => continue,
                    T::Unknown => {
                        out.inconclusive.push(nid(i));
                        continue;
                    }
                    T::Yes => {}
                }
                let scope = match within {
                    Within::Topology => String::new(),
                    Within::Parent => t.nodes[i].parent.map(nid).unwrap_or_default(),
                    Within::Site => match t.site(i) {
                        Some(s) => s.to_owned(),
                        None => continue,
                    },
                    Within::Component(steps, links) => component(t, steps, links, i),
                };
                // A key with no value (a color read as a number) is surely not shared; a key
                // over an unset field may be anything.
                let value = |f: &str| t.node_attr(i, f);
                let key: Vec<R> = by.iter().map(|e| e.eval(&value)).collect();
                if key.contains(&R::None) {
                    continue;
                }
                if key.contains(&R::Unknown) {
                    unkeyed.push((scope, nid(i)));
                    continue;
                }
                let key: Vec<String> = key.iter().map(R::text).collect();
                groups.entry((scope, key)).or_default().push(nid(i));
            }
            let fires = |n: u64| n >= *min && max.is_none_or(|m| n <= m);
            // A member without its key is undecided when one more member would change
            // whether some group of its scope fires.
            for (scope, id) in unkeyed {
                let decides = groups.iter().any(|((s, _), members)| {
                    let n = members.len() as u64;
                    *s == scope && fires(n) != fires(n + 1)
                });
                if decides {
                    out.inconclusive.push(id);
                }
            }
            for members in groups.into_values() {
                if fires(members.len() as u64) {
                    out.findings.push(members);
                }
            }
        }
    }
    for f in &mut out.findings {
        f.sort();
    }
    out.findings.sort();
    out.inconclusive.sort();
    out
}

/// What the bound relations of a true condition matched on `i`: each partner, or `None` for
/// a way the condition holds that binds nothing. The generated shapes: a bound relation, alone,
/// beside a node condition under `all`, or two under `any`.
fn bound(t: &Topo, when: &Cond, i: usize) -> Vec<Option<usize>> {
    let mut out: Vec<Option<usize>> = Vec::new();
    let add = |r: &Rel, out: &mut Vec<Option<usize>>| {
        let ms = matched(t, r, i);
        if ms.is_empty() {
            out.push(None);
        }
        out.extend(ms.into_iter().map(Some));
    };
    match when {
        Cond::Related(r) => add(r, &mut out),
        Cond::All(cs) => {
            for c in cs {
                if let Cond::Related(r) = c {
                    add(r, &mut out);
                }
            }
        }
        Cond::Any(cs) => {
            for c in cs {
                if let Cond::Related(r) = c
                    && relate(t, r, i) == T::Yes
                {
                    add(r, &mut out);
                }
            }
        }
        _ => out.push(None),
    }
    let mut uniq = Vec::new();
    for b in out {
        if !uniq.contains(&b) {
            uniq.push(b);
        }
    }
    uniq
}

/// Node `i`'s connected component over the steps and link kinds (links in either
/// direction), named by its smallest member: a breadth-first search from scratch.
fn component(t: &Topo, steps: &[Step], links: &[&'static str], i: usize) -> String {
    let links: &[&str] = if steps.contains(&Step::Links) {
        links
    } else {
        &[]
    };
    let connected = |a: usize, b: usize| -> bool {
        let contain = steps
            .iter()
            .any(|s| matches!(s, Step::Parent | Step::Children))
            && (t.nodes[a].parent == Some(b) || t.nodes[b].parent == Some(a));
        let linked = steps.contains(&Step::Links)
            && t.links.iter().any(|l| {
                (links.is_empty() || links.contains(&l.kind))
                    && ((l.from == a && l.to == b) || (l.from == b && l.to == a))
            });
        contain || linked
    };
    let mut seen = vec![false; t.nodes.len()];
    seen[i] = true;
    let mut queue = VecDeque::from([i]);
    while let Some(a) = queue.pop_front() {
        for (b, seen_b) in seen.iter_mut().enumerate() {
            if !*seen_b && connected(a, b) {
                *seen_b = true;
                queue.push_back(b);
            }
        }
    }
    let smallest = seen.iter().position(|&s| s).unwrap_or(i);
    nid(smallest)
}

// ------------------------------------------------------------------ the engine

fn vocabulary() -> Vocabulary {
    let file = SourceFile::new("oracle-vocabulary.yaml", VOCABULARY.to_owned());
    let tree = parse_document(&file, &Limits::default()).unwrap();
    let mut v = Vocabulary::default();
    let mut d = Diags::default();
    v.add_file(&file, &tree, &mut d);
    assert!(!d.has_errors(), "{d:?}");
    v
}

/// What the engine gives: each rule compiled from its YAML by the real loader, evaluated on
/// the topology loaded from its YAML.
fn engine(vocab: Vocabulary, t: &Topo, rules: &[Rule]) -> (Vec<Outcome>, Vocabulary) {
    let mut compiled = Vec::new();
    for (n, rule) in rules.iter().enumerate() {
        let text = rule.yaml(&format!("R{n}"));
        let file = SourceFile::new(format!("R{n}.yaml"), text.clone());
        let tree = parse_document(&file, &Limits::default())
            .unwrap_or_else(|d| panic!("{}\n{text}", d.message));
        let mut diags = Diags::default();
        let r = kbcheck::lang::compile::compile(&file, &tree, &vocab, &mut diags);
        assert!(
            !diags.has_errors(),
            "{:?}\n{text}",
            diags.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
        compiled.push(r.unwrap());
    }
    let set = RuleSet {
        vocab,
        rules: compiled,
        packs: Vec::new(),
        inconclusive: kbcheck::lang::InconclusiveFor::All,
        warnings: Default::default(),
        today: None,
    };
    let text = t.yaml();
    let file = SourceFile::new("t.yaml", text.clone());
    let tree = parse_document(&file, &Limits::default()).unwrap();
    let (topo, diags) = Topology::load(&file, tree, &set.vocab);
    let topo = topo.unwrap_or_else(|| {
        panic!(
            "{:?}\n{text}",
            diags.iter().map(|d| &d.message).collect::<Vec<_>>()
        )
    });
    let results = kbcheck::engine::evaluate_all(&set, &topo);
    let ids = |i: u32| topo.entity(i).id.clone();
    let outcomes = (0..rules.len())
        .map(|n| {
            let id = format!("R{n}");
            let mut o = Outcome {
                findings: results
                    .findings
                    .iter()
                    .filter(|f| f.rule.id == id)
                    .map(|f| {
                        let mut e: Vec<String> = f.entities.iter().map(|&i| ids(i)).collect();
                        e.sort();
                        e
                    })
                    .collect(),
                inconclusive: results
                    .inconclusive
                    .iter()
                    .filter(|r| r.rule == id)
                    .map(|r| ids(r.entity))
                    .collect(),
            };
            o.findings.sort();
            o.inconclusive.sort();
            o
        })
        .collect();
    (outcomes, set.vocab)
}

// ------------------------------------------------------------------ generators

fn topo_strategy() -> impl Strategy<Value = Topo> {
    let node = (
        0..NODE_KINDS.len(),
        0..=COLORS.len(),
        0..=2i64,
        0..=SITES.len() * 2,
        proptest::option::of(0usize..8),
    );
    let link = (0..LINK_KINDS.len(), 0usize..8, 0usize..8, 0..=2i64);
    (
        proptest::collection::vec(node, 1..=7),
        proptest::collection::vec(link, 0..=9),
    )
        .prop_map(|(nodes, links)| {
            let n = nodes.len();
            let nodes = nodes
                .into_iter()
                .enumerate()
                .map(|(i, (k, c, s, site, p))| TNode {
                    kind: NODE_KINDS[k],
                    color: COLORS.get(c).copied(),
                    size: (s > 0).then_some(s),
                    // Mostly no site of its own, so sites are inherited.
                    site: SITES.get(site).copied(),
                    // Parents come earlier in the list: no cycles.
                    parent: p.filter(|_| i > 0).map(|p| p % i.max(1)),
                })
                .collect();
            let links = links
                .into_iter()
                .map(|(k, f, t, w)| TLink {
                    kind: LINK_KINDS[k],
                    from: f % n,
                    to: t % n,
                    weight: (w > 0).then_some(w),
                })
                .collect();
            Topo { nodes, links }
        })
}

fn kinds_strategy() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(NODE_KINDS.to_vec(), 1..=3)
}

/// A leaf test of a node attribute (values sometimes absent from the topology).
fn node_leaf() -> impl Strategy<Value = Cond> {
    let color = proptest::sample::select(COLORS.to_vec());
    prop_oneof![
        color
            .clone()
            .prop_map(|c| Cond::Equals("color", Val::Text(c))),
        color
            .clone()
            .prop_map(|c| Cond::NotEquals("color", Val::Text(c))),
        (color.clone(), color)
            .prop_map(|(a, b)| Cond::In("color", vec![Val::Text(a), Val::Text(b)])),
        (1..=2i64).prop_map(|n| Cond::Equals("size", Val::Int(n))),
        (1..=2i64).prop_map(|n| Cond::Gte("size", n)),
        proptest::sample::select(vec!["color", "size"])
            .prop_flat_map(|f| any::<bool>().prop_map(move |b| Cond::Missing(f, b))),
        kinds_strategy().prop_map(Cond::Kind),
        (number_ex(), 0..=3i64).prop_map(|(e, n)| Cond::ValueGte(e, n)),
        (
            text_ex(),
            proptest::sample::select(vec!["R", "G1", "b", "1"])
        )
            .prop_map(|(e, v)| Cond::ValueEquals(e, v)),
        text_ex().prop_map(|e| Cond::StartsWith("color", e)),
    ]
}

/// A number-valued expression (well typed, so it loads): sizes, lengths, numbers read
/// from text (the colors are not numbers: no value).
fn number_ex() -> impl Strategy<Value = Ex> {
    let leaf = prop_oneof![
        Just(Ex::Field("size")),
        (0..=2i64).prop_map(Ex::Int),
        text_leaf().prop_map(|t| Ex::Length(Box::new(t))),
        text_leaf().prop_map(|t| Ex::Number(Box::new(t))),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..=3).prop_map(Ex::Add),
            (inner.clone(), inner).prop_map(|(a, b)| Ex::Sub(Box::new(a), Box::new(b))),
        ]
    })
}

fn text_leaf() -> impl Strategy<Value = Ex> {
    prop_oneof![
        3 => Just(Ex::Field("color")),
        1 => proptest::sample::select(vec!["r", "", "1"]).prop_map(Ex::Text),
        1 => Just(Ex::Concat(vec![Ex::Field("size")])),
    ]
}

/// A text-valued expression: colors, upper-cased, joined with sizes.
fn text_ex() -> impl Strategy<Value = Ex> {
    prop_oneof![
        text_leaf(),
        text_leaf().prop_map(|t| Ex::Upper(Box::new(t))),
        (
            text_leaf(),
            prop_oneof![Just(Ex::Field("size")), Just(Ex::Int(1))]
        )
            .prop_map(|(a, b)| Ex::Concat(vec![Ex::Upper(Box::new(a)), b])),
    ]
}

/// A condition on node attributes: leaves under `all` / `any` / `not`, two levels deep.
fn node_cond() -> impl Strategy<Value = Cond> {
    node_leaf().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..=3).prop_map(Cond::All),
            proptest::collection::vec(inner.clone(), 1..=3).prop_map(Cond::Any),
            inner.prop_map(|c| Cond::Not(Box::new(c))),
        ]
    })
}

fn link_cond() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        (1..=2i64).prop_map(|n| Cond::Gte("weight", n)),
        (1..=2i64).prop_map(|n| Cond::Equals("weight", Val::Int(n))),
        any::<bool>().prop_map(|b| Cond::Missing("weight", b)),
    ];
    leaf.prop_recursive(1, 4, 2, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..=2).prop_map(Cond::Any),
            inner.prop_map(|c| Cond::Not(Box::new(c))),
        ]
    })
}

fn steps_strategy() -> impl Strategy<Value = Vec<Step>> {
    proptest::sample::subsequence(vec![Step::Parent, Step::Children, Step::Links], 1..=3)
}

fn link_kinds_strategy() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(LINK_KINDS.to_vec(), 0..=2)
}

fn hops_strategy() -> impl Strategy<Value = Option<(String, u32, Option<u32>)>> {
    prop_oneof![
        Just(None),
        Just(Some(("2".to_owned(), 1, Some(2)))),
        Just(Some(("any".to_owned(), 1, None))),
        Just(Some(("{min: 2, max: 3}".to_owned(), 2, Some(3)))),
        Just(Some(("{min: 2}".to_owned(), 2, None))),
        Just(Some(("{max: 2}".to_owned(), 1, Some(2)))),
    ]
}

fn quant_strategy() -> impl Strategy<Value = Quant> {
    prop_oneof![
        Just(Quant::Any),
        Just(Quant::All),
        Just(Quant::None),
        (0..=2u64, proptest::option::of(0..=2u64))
            .prop_map(|(min, extra)| Quant::Count(min, extra.map(|e| min + e))),
    ]
}

fn pstep_strategy() -> impl Strategy<Value = PStep> {
    (
        steps_strategy(),
        link_kinds_strategy(),
        proptest::sample::select(vec![Dir::Out, Dir::In, Dir::Any]),
        proptest::option::weighted(0.3, kinds_strategy()),
        proptest::option::weighted(0.3, node_cond()),
        proptest::option::weighted(0.2, link_cond()),
    )
        .prop_map(|(steps, links, dir, kinds, cond, link_cond)| PStep {
            steps,
            links,
            dir,
            kinds: kinds.unwrap_or_default(),
            cond,
            link_cond,
        })
}

fn rel_strategy() -> impl Strategy<Value = Rel> {
    (
        (
            steps_strategy(),
            link_kinds_strategy(),
            proptest::sample::select(vec![Dir::Out, Dir::In, Dir::Any]),
            hops_strategy(),
            proptest::option::of(kinds_strategy()),
            proptest::option::of(node_cond()),
            proptest::option::weighted(0.3, link_cond()),
            quant_strategy(),
        ),
        (
            proptest::sample::subsequence(NODE_KINDS.to_vec(), 0..=2),
            proptest::option::weighted(0.3, proptest::collection::vec(pstep_strategy(), 1..=3)),
            any::<bool>(),
        ),
    )
        .prop_map(
            |((steps, links, dir, hops, kinds, cond, link_cond, quant), (through, path, cl))| {
                let count_links = cl && matches!(quant, Quant::Count(..));
                Rel {
                    steps,
                    links,
                    dir,
                    hops,
                    kinds: kinds.unwrap_or_default(),
                    cond,
                    link_cond,
                    quant,
                    through,
                    path,
                    count_links,
                    bind: false,
                }
            },
        )
}

fn select_strategy() -> impl Strategy<Value = Select> {
    (
        kinds_strategy(),
        proptest::option::weighted(0.4, node_cond()),
    )
        .prop_map(|(kinds, cond)| Select { kinds, cond })
}

/// A check rule whose condition is a relation, alone or combined with another condition;
/// sometimes its relations bind `x` and the rule reports it.
fn check_strategy() -> impl Strategy<Value = Rule> {
    let rel = || rel_strategy().prop_map(|r| Cond::Related(Box::new(r)));
    let when = prop_oneof![
        3 => rel(),
        1 => rel().prop_map(|r| Cond::Not(Box::new(r))),
        1 => (rel(), node_cond()).prop_map(|(r, c)| Cond::All(vec![r, c])),
        1 => (rel(), rel()).prop_map(|(a, b)| Cond::Any(vec![a, b])),
    ];
    (select_strategy(), when, any::<bool>()).prop_map(|(select, mut when, bind)| {
        // A relation under `not` or with `quantifier: none` has nothing to bind.
        let bindable = |r: &Rel| !matches!(r.quant, Quant::None);
        let report = bind
            && match &mut when {
                Cond::Related(r) => bindable(r),
                Cond::All(cs) | Cond::Any(cs) => cs
                    .iter()
                    .all(|c| !matches!(c, Cond::Related(r) if !bindable(r))),
                _ => false,
            };
        if report {
            match &mut when {
                Cond::Related(r) => r.bind = true,
                Cond::All(cs) | Cond::Any(cs) => {
                    for c in cs {
                        if let Cond::Related(r) = c {
                            r.bind = true;
                        }
                    }
                }
                _ => {}
            }
        }
        Rule::Check {
            select,
            when,
            report,
        }
    })
}

/// A computed group key: not a bare literal (a plain word in `by` is a field path).
fn key_ex(e: impl Strategy<Value = Ex>) -> impl Strategy<Value = Ex> {
    e.prop_filter("a key is not a literal", |e| {
        !matches!(e, Ex::Text(_) | Ex::Int(_))
    })
}

fn group_strategy() -> impl Strategy<Value = Rule> {
    let within = prop_oneof![
        1 => Just(Within::Topology),
        1 => Just(Within::Parent),
        1 => Just(Within::Site),
        3 => (steps_strategy(), link_kinds_strategy())
            .prop_map(|(s, l)| Within::Component(s, l)),
    ];
    let by = prop_oneof![
        Just(vec![Ex::Field("color")]),
        Just(vec![Ex::Field("size")]),
        Just(vec![Ex::Field("color"), Ex::Field("size")]),
        key_ex(text_ex()).prop_map(|e| vec![e]),
        (key_ex(number_ex()), key_ex(text_ex())).prop_map(|(a, b)| vec![a, b]),
    ];
    (
        select_strategy(),
        by,
        within,
        0..=3u64,
        proptest::option::of(0..=2u64),
    )
        .prop_map(|(select, by, within, min, extra)| Rule::Group {
            select,
            by,
            within,
            min,
            max: extra.map(|e| min + e),
        })
}

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

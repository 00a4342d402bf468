//! Relations: the entities reached from the one being tested — its parent, children,
//! or nodes over links of given kinds (and conditions on those links) — over one or
//! several hops, with a quantifier (`any`, `all`, `none`, or a count between min and max,
//! or a sum of a field between min and max) over those that match.

use super::cond::{Cond, FieldRef, Missing, Truth, push_missing};
use crate::lang::env::Env;
use crate::lang::expr::Out;
use crate::topology::{Idx, Topology};
use crate::value::Value;
use std::cell::RefCell;
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
    /// To the nodes a reference attribute (by the vocabulary's id) names.
    Reference(u16),
    /// Back to the nodes whose reference attribute names the one walked from.
    ReferencedBy(u16),
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
#[derive(Debug)]
pub enum Quantifier {
    Any,
    All,
    None,
    /// The number of matches (or the sum of `sum` over them) is in range.
    Count {
        min: Bound,
        max: Option<Bound>,
    },
}

/// A bound of `count`: a number, a field of the tested entity read at evaluation, or an
/// expression computed on it.
#[derive(Debug)]
pub enum Bound {
    Literal(u64),
    Field(FieldRef),
    Expr(crate::lang::expr::Expr),
}

/// A `count` bound read at evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bounded {
    Value(f64),
    /// The bound's field is set to something that is not a number: the bound cannot be met.
    NotANumber,
    /// The bound's field is not set: the count is undecided.
    Unset,
}

impl Bound {
    /// The bound's value on `env.current`; a missing field is recorded in `why`.
    fn resolve(&self, env: &Env<'_>, why: Option<&mut Vec<Missing>>) -> Bounded {
        match self {
            Bound::Literal(n) => Bounded::Value(*n as f64),
            Bound::Field(r) => match env.field(r) {
                Some(v) if !matches!(*v, Value::Null) => {
                    v.as_f64().map_or(Bounded::NotANumber, Bounded::Value)
                }
                _ => {
                    if let Some(out) = why {
                        push_missing(
                            out,
                            Missing {
                                entity: env.target(r.target).unwrap_or(env.current),
                                path: r.path.clone(),
                            },
                        );
                    }
                    Bounded::Unset
                }
            },
            Bound::Expr(e) => match e.eval(env) {
                Out::Value(v) => v.as_f64().map_or(Bounded::NotANumber, Bounded::Value),
                Out::Invalid(_) => Bounded::NotANumber,
                Out::Unknown => {
                    if let Some(out) = why {
                        e.missing(env, out);
                    }
                    Bounded::Unset
                }
            },
        }
    }

    fn describe(&self) -> String {
        match self {
            Bound::Literal(n) => n.to_string(),
            Bound::Field(r) => r.describe(),
            Bound::Expr(e) => e.describe(),
        }
    }
}

/// How to walk: steps, link kinds and direction. Shared with group scopes.
#[derive(Debug, Clone)]
pub struct Walk {
    pub steps: Vec<Step>,
    /// The reference attributes the steps follow: id and name (for descriptions).
    pub refs: Vec<(u16, String)>,
    /// Link kinds followed by the `links` step (empty: every kind).
    pub links: Vec<String>,
    pub direction: Direction,
    /// Components only (`child-where`): a containment edge joins a child to its parent only
    /// where this condition surely holds on the child.
    pub child_where: Option<std::sync::Arc<Cond>>,
}

impl Walk {
    /// The entities one step away from `i`.
    pub fn neighbours(&self, topo: &Topology, i: Idx, out: &mut Vec<Idx>) {
        self.neighbours_over(topo, i, out, &|_| true);
    }

    /// The entities one step away from `i`, following only links that `keep` accepts.
    pub fn neighbours_over(
        &self,
        topo: &Topology,
        i: Idx,
        out: &mut Vec<Idx>,
        keep: &dyn Fn(Idx) -> bool,
    ) {
        let mut edges = Vec::new();
        self.edges_over(topo, i, &mut edges, keep);
        out.extend(edges.into_iter().map(|(n, _)| n));
    }

    /// Whether the walk goes both ways (so reachability is a connected component).
    pub fn is_symmetric(&self) -> bool {
        let has = |s| self.steps.contains(&s);
        has(Step::Parent) == has(Step::Children)
            && (!has(Step::Links) || self.direction == Direction::Any)
            && !has(Step::From)
            && !has(Step::To)
            && self.refs.is_empty()
    }

    fn ref_name(&self, id: u16) -> &str {
        self.refs
            .iter()
            .find(|(i, _)| *i == id)
            .map_or("?", |(_, n)| n.as_str())
    }

    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for s in &self.steps {
            parts.push(match s {
                Step::Parent => "the parent".to_owned(),
                Step::Children => "the children".to_owned(),
                Step::From => "the link's start".to_owned(),
                Step::To => "the link's end".to_owned(),
                Step::Reference(id) => format!("the node its `{}` names", self.ref_name(*id)),
                Step::ReferencedBy(id) => {
                    format!("the nodes whose `{}` names it", self.ref_name(*id))
                }
                Step::Links => {
                    let kinds = if self.links.is_empty() {
                        "any".to_owned()
                    } else {
                        self.links.join("/")
                    };
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
    /// A condition on each link the `links` step follows (`link-where`).
    pub link_cond: Option<Cond>,
    /// With `count`: add up this field of the matching entities instead of counting them.
    pub sum: Option<FieldRef>,
    pub quantifier: Quantifier,
    /// A path of steps (`path`); when given, it replaces `walk` and the hop range.
    pub steps: Vec<PathStep>,
    /// Node kinds a walk of several hops may pass through (empty: any).
    pub through: Vec<String>,
    /// With `count`: count the links walked to matching entities (parallel links apart)
    /// instead of the entities.
    pub count_links: bool,
    /// The name what the relation matched is bound to (`bind`), and where it is written.
    pub bind: Option<(String, crate::value::Pos)>,
}

impl Relation {
    /// The entities reached from `start`, each once, in walk order, with whether reaching it
    /// is certain (`True`) or hangs on a link whose `link-where` is unknown (`Unknown`).
    pub fn reach(&self, env: &Env<'_>, start: Idx) -> Vec<(Idx, Truth)> {
        self.reach_traced(env, start, None)
    }

    /// [`Relation::reach`], recording in `trace` how each entity was first reached.
    pub fn reach_traced(
        &self,
        env: &Env<'_>,
        start: Idx,
        trace: Option<&mut Trace>,
    ) -> Vec<(Idx, Truth)> {
        if !self.steps.is_empty() {
            return self.walk_path(env, start, None, trace);
        }
        let open = RefCell::new(Vec::new());
        let sure = self.walk_from(env, start, false, &open, trace);
        if open.borrow().is_empty() {
            return sure.into_iter().map(|i| (i, Truth::True)).collect();
        }
        // Walking the open links too reaches more, and may reach some sooner (so under
        // `min` hops): an entity reached by one walk and not the other is unknown.
        let maybe = self.walk_from(env, start, true, &RefCell::new(Vec::new()), None);
        let sure_set: HashSet<Idx> = sure.iter().copied().collect();
        let maybe_set: HashSet<Idx> = maybe.iter().copied().collect();
        let mut out: Vec<(Idx, Truth)> = maybe
            .iter()
            .map(|&i| {
                let t = if sure_set.contains(&i) {
                    Truth::True
                } else {
                    Truth::Unknown
                };
                (i, t)
            })
            .collect();
        out.extend(
            sure.iter()
                .filter(|i| !maybe_set.contains(i))
                .map(|&i| (i, Truth::Unknown)),
        );
        out
    }

    /// Whether a finding should show how the relation reached what it matched: the walk
    /// takes more than one hop, or is a path of steps.
    pub fn is_reachability(&self) -> bool {
        !self.steps.is_empty() || self.max_hops != Some(1)
    }

    /// The kinds of entity the relation can match: its `kind`, else its last step's.
    pub fn matched_kinds(&self) -> Vec<String> {
        if self.kinds.is_empty()
            && let Some(last) = self.steps.last()
        {
            return last.kinds.clone();
        }
        self.kinds.clone()
    }

    /// Whether a reached entity is of a kind the relation considers.
    pub fn considers(&self, env: &Env<'_>, i: Idx) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| *k == env.topo.entity(i).kind)
    }

    /// Evaluate the relation on `env.current`: true, false or unknown.
    pub fn eval(&self, env: &Env<'_>) -> Truth {
        self.run(env, None)
    }

    /// The missing values that make the relation unknown: those of the reached entities whose
    /// `where` is unknown, of links whose `link-where` is unknown, of summed fields and bounds.
    pub fn unknowns(&self, env: &Env<'_>, out: &mut Vec<Missing>) {
        let _ = self.run(env, Some(out));
    }

    fn run(&self, env: &Env<'_>, mut why: Option<&mut Vec<Missing>>) -> Truth {
        if why.is_none()
            && let Some(t) = env.closures.and_then(|c| c.lookup(self, env))
        {
            return t;
        }
        let reached = self.reach(env, env.current);
        let weights = self
            .count_links
            .then(|| self.link_weights(env, env.current));
        if let Some(w) = why.as_deref_mut() {
            if let Some(lc) = &self.link_cond {
                let open = RefCell::new(Vec::new());
                let _ = self.walk_from(env, env.current, true, &open, None);
                for l in open.into_inner() {
                    lc.unknowns(&env.at(l), w);
                }
            }
            if !self.steps.is_empty() {
                let _ = self.walk_path(env, env.current, Some(w), None);
            }
        }
        // Kleene logic over the reached entities: `member` says whether one is reached at all,
        // `matched` whether it is reached and matches `where`.
        let mut some = Truth::False;
        let mut every = Truth::True;
        let mut any = Truth::False;
        let (mut sure, mut maybe) = (0u64, 0u64);
        let (mut low, mut high) = (0.0f64, 0.0f64);
        let mut sum_open = false;
        for (i, member) in reached {
            if !self.considers(env, i) {
                continue;
            }
            // Counting links, an entity weighs the links that surely brought the walk to it
            // (`low`), and those that may have (`high`).
            let (low_w, high_w) = weights.as_ref().map_or((1, 1), |(lo, hi)| {
                let lo = lo.get(&i).copied().unwrap_or(0);
                (lo, hi.get(&i).copied().unwrap_or(0).max(lo))
            });
            let at = env.at(i);
            let w = self.cond.as_ref().map_or(Truth::True, |c| c.eval(&at));
            if let (Some(out), Some(c)) = (why.as_deref_mut(), &self.cond)
                && w == Truth::Unknown
            {
                c.unknowns(&at, out);
            }
            let matched = member.and(w);
            some = some.or(member);
            every = every.and((!member).or(w));
            any = any.or(matched);
            match matched {
                Truth::True => {
                    sure += low_w;
                    maybe += high_w - low_w;
                }
                Truth::Unknown => maybe += high_w,
                Truth::False => {}
            }
            if let Some(f) = &self.sum
                && matched != Truth::False
            {
                match at.field(f) {
                    // A matching entity without the summed field leaves the total unknown.
                    None => {
                        sum_open = true;
                        if let Some(out) = why.as_deref_mut() {
                            push_missing(
                                out,
                                Missing {
                                    entity: i,
                                    path: f.path.clone(),
                                },
                            );
                        }
                    }
                    // A value that is not a number (nor null) adds nothing.
                    Some(v) => {
                        if matches!(*v, Value::Null) {
                            sum_open = true;
                        }
                        let n = v.as_f64().unwrap_or(0.0);
                        if matched == Truth::True {
                            low += n;
                            high += n;
                        } else {
                            low += n.min(0.0);
                            high += n.max(0.0);
                        }
                    }
                }
            }
            if why.is_none() {
                match (&self.quantifier, matched, every) {
                    (Quantifier::Any, Truth::True, _) => return Truth::True,
                    (Quantifier::None, Truth::True, _) => return Truth::False,
                    (Quantifier::All, _, Truth::False) => return Truth::False,
                    _ => {}
                }
            }
        }
        match &self.quantifier {
            Quantifier::Any => any,
            // `all` over nothing is false: a rule about "every connected server" must
            // not pass because nothing is connected.
            Quantifier::All => some.and(every),
            Quantifier::None => !any,
            Quantifier::Count { min, max } => {
                let (n_low, n_high) = if self.sum.is_some() {
                    (low, high)
                } else {
                    (sure as f64, (sure + maybe) as f64)
                };
                let lo = min.resolve(env, why.as_deref_mut());
                let hi = max.as_ref().map(|m| m.resolve(env, why));
                let bounds = [Some(lo), hi];
                // A bound set to something other than a number cannot be met; a bound naming
                // a field that is not set leaves the count undecided.
                if bounds.iter().flatten().any(|b| *b == Bounded::NotANumber) {
                    return Truth::False;
                }
                if bounds.iter().flatten().any(|b| *b == Bounded::Unset) {
                    return Truth::Unknown;
                }
                let lo = match lo {
                    Bounded::Value(v) => v,
                    _ => 0.0,
                };
                let hi = match hi {
                    Some(Bounded::Value(v)) => Some(v),
                    _ => None,
                };
                if sum_open {
                    return Truth::Unknown;
                }
                let within = |x: f64| x >= lo && hi.is_none_or(|h| x <= h);
                if within(n_low) && within(n_high) {
                    Truth::True
                } else if n_high < lo || hi.is_some_and(|h| n_low > h) {
                    Truth::False
                } else {
                    Truth::Unknown
                }
            }
        }
    }

    pub fn describe(&self, depth: usize, out: &mut Vec<String>) {
        let pad = "  ".repeat(depth);
        let range = |min: &Bound, max: &Option<Bound>| match (min, max) {
            (Bound::Literal(0), Some(m)) => format!("at most {}", m.describe()),
            (lo, Some(m)) => format!("between {} and {}", lo.describe(), m.describe()),
            (lo, None) => format!("at least {}", lo.describe()),
        };
        let kinds = if self.kinds.is_empty() {
            "node".to_owned()
        } else {
            self.kinds.join("/")
        };
        let q = match (&self.quantifier, &self.sum) {
            (Quantifier::Any, _) => format!("at least one {kinds}"),
            (Quantifier::All, _) => format!("every (and at least one) {kinds}"),
            (Quantifier::None, _) => format!("no {kinds}"),
            (Quantifier::Count { min, max }, None) => format!("{} {kinds}", range(min, max)),
            (Quantifier::Count { min, max }, Some(f)) => format!(
                "{} in total of {} over the {kinds}",
                range(min, max),
                f.describe()
            ),
        };
        let hops = match (self.min_hops, self.max_hops) {
            (1, Some(1)) => String::new(),
            (a, Some(b)) => format!(" within {a}..{b} hops"),
            (a, None) => format!(" any number (>= {a}) of hops"),
        };
        if let Some(lc) = &self.link_cond {
            out.push(format!(
                "{pad}{q} reached over {}{hops}, following only links where:",
                self.walk.describe()
            ));
            lc.describe(depth + 2, out);
            if let Some(c) = &self.cond {
                out.push(format!("{pad}  and matching:"));
                c.describe(depth + 2, out);
            }
            return;
        }
        out.push(format!(
            "{pad}{q} reached over {}{hops}{}",
            self.walk.describe(),
            if self.cond.is_some() { " where:" } else { "" }
        ));
        if let Some(c) = &self.cond {
            c.describe(depth + 1, out);
        }
    }
}

mod closure;
mod compile;
mod path;
mod reference;
mod walk;

pub use closure::Closures;
pub use compile::KEYS;
pub use compile::range;
pub use path::PathStep;
pub use walk::Trace;

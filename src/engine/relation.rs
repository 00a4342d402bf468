//! Relations: the entities reached from the one being tested — its parent, children,
//! or nodes over links of given kinds (and conditions on those links) — over one or
//! several hops, with a quantifier (`any`, `all`, `none`, or a count between min and max,
//! or a sum of a field between min and max) over those that match.

use super::cond::{Cond, CondCx, Env, FieldRef, Missing, Scope, Target, Truth, push_missing};
use crate::diagnostic::{Diags, suggestion_help};
use crate::reader::{MapReader, string_list};
use crate::topology::{Idx, Topology};
use crate::value::{Node, Value};
use crate::vocabulary::Class;
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
#[derive(Debug, Clone)]
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

/// A bound of `count`: a number, or a field of the tested entity read at evaluation.
#[derive(Debug, Clone)]
pub enum Bound {
    Literal(u64),
    Field(FieldRef),
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
        }
    }

    fn describe(&self) -> String {
        match self {
            Bound::Literal(n) => n.to_string(),
            Bound::Field(r) => r.describe(),
        }
    }
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
        let e = topo.entity(i);
        let link_ok = |l: Idx| {
            (self.links.is_empty() || self.links.contains(&topo.entity(l).kind)) && keep(l)
        };
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
                        out.extend(
                            ls.iter()
                                .filter(|l| link_ok(**l))
                                .filter_map(|l| topo.entity(*l).to),
                        );
                    }
                    if matches!(self.direction, Direction::In | Direction::Any)
                        && let Some(ls) = topo.in_links.get(i as usize)
                    {
                        out.extend(
                            ls.iter()
                                .filter(|l| link_ok(**l))
                                .filter_map(|l| topo.entity(*l).from),
                        );
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

    /// Compile `via`, `links` and `direction` from a reader.
    pub fn compile(
        cx: &CondCx<'_>,
        r: &mut MapReader<'_>,
        from: Class,
        diags: &mut Diags,
    ) -> Option<Walk> {
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
                            cx.error(
                                diags,
                                pos,
                                "unknown_step",
                                format!("unknown step `{s}` in `via`"),
                                suggestion_help(s, Step::NAMES, "steps"),
                            );
                            return None;
                        }
                    };
                    if matches!(step, Step::From | Step::To) && from != Class::Link {
                        cx.error(
                            diags,
                            pos,
                            "unknown_step",
                            format!("`via: {s}` only applies to links"),
                            "use `parent`, `children` or `links` from a node".into(),
                        );
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
                    cx.error(
                        diags,
                        pos,
                        "unknown_link_kind",
                        format!("unknown link kind `{k}`"),
                        suggestion_help(k, &known, "link kinds"),
                    );
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
                    cx.error(
                        diags,
                        n.pos,
                        "bad_argument",
                        format!("unknown direction `{w}`"),
                        suggestion_help(&w, &["out", "in", "any"], "directions"),
                    );
                    return None;
                }
            },
        };
        Some(Walk {
            steps,
            links,
            direction,
        })
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
}

const KEYS: &[&str] = &[
    "via",
    "links",
    "direction",
    "hops",
    "kind",
    "where",
    "link-where",
    "quantifier",
    "count",
    "sum",
];

impl Relation {
    pub fn compile(
        cx: &CondCx<'_>,
        node: &Node,
        scope: &Scope,
        diags: &mut Diags,
    ) -> Option<Relation> {
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
                    cx.error(
                        diags,
                        pos,
                        "unknown_kind",
                        format!("unknown node kind `{k}`"),
                        suggestion_help(k, &known, "node kinds"),
                    );
                    return None;
                }
                kinds.push(k.to_owned());
            }
        }
        let reached = Scope {
            class: Class::Node,
            kinds: kinds.clone(),
        };
        let cond = match r.take("where") {
            Some(w) => Some(cx.cond(w, &reached, diags)?),
            None => None,
        };
        let link_cond = match r.take("link-where") {
            Some(w) => {
                let followed = walk.as_ref().map(|w| w.links.clone()).unwrap_or_default();
                Some(cx.cond(
                    w,
                    &Scope {
                        class: Class::Link,
                        kinds: followed,
                    },
                    diags,
                )?)
            }
            None => None,
        };
        let sum = match r.take("sum") {
            Some(n) => {
                let Value::Str(text) = &n.value else {
                    cx.error(
                        diags,
                        n.pos,
                        "wrong_type",
                        "`sum` takes a field path".into(),
                        "write `sum: drive-letters`".into(),
                    );
                    return None;
                };
                Some(FieldRef {
                    target: Target::Itself,
                    path: cx.check_path(text, n.pos, &reached, diags)?,
                })
            }
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
                    cx.error(
                        diags,
                        n.pos,
                        "bad_argument",
                        format!("unknown quantifier `{w}`"),
                        suggestion_help(&w, &["any", "all", "none"], "quantifiers"),
                    );
                    return None;
                }
            },
        };
        if let Some(c) = r.take("count") {
            if r.has("quantifier") {
                cx.error(diags, c.pos, "bad_argument", "`related` takes `quantifier` or `count`, not both".into(), "`count: {min: 1}` is `quantifier: any`; `count: {max: 0}` is `quantifier: none`".into());
                return None;
            }
            let (min, max) = count_range(cx, c, scope, diags)?;
            quantifier = Quantifier::Count { min, max };
        } else if let Some(n) = sum.as_ref().and(node.value.get("sum")) {
            cx.error(
                diags,
                n.pos,
                "bad_argument",
                "`sum` goes with `count`".into(),
                "say the range the sum must be in: `sum: drive-letters, count: {max: 21}`".into(),
            );
            return None;
        }
        r.finish(KEYS, "`related`", diags);
        Some(Relation {
            walk: walk?,
            min_hops,
            max_hops,
            kinds,
            cond,
            link_cond,
            sum,
            quantifier,
        })
    }

    /// The entities reached from `start`, each once, in walk order, with whether reaching it
    /// is certain (`True`) or hangs on a link whose `link-where` is unknown (`Unknown`).
    pub fn reach(&self, env: &Env<'_>, start: Idx) -> Vec<(Idx, Truth)> {
        let open = RefCell::new(Vec::new());
        let sure = self.walk_from(env, start, false, &open);
        if open.borrow().is_empty() {
            return sure.into_iter().map(|i| (i, Truth::True)).collect();
        }
        // Walking the open links too reaches more, and may reach some sooner (so under
        // `min` hops): an entity reached by one walk and not the other is unknown.
        let maybe = self.walk_from(env, start, true, &RefCell::new(Vec::new()));
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

    /// Breadth-first walk from `start` within the hop range. Links whose `link-where` is
    /// unknown are followed when `follow_open` is set, and collected in `open` either way.
    fn walk_from(
        &self,
        env: &Env<'_>,
        start: Idx,
        follow_open: bool,
        open: &RefCell<Vec<Idx>>,
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
                self.walk.neighbours_over(topo, i, &mut step, &keep);
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
        let reached = self.reach(env, env.current);
        if let (Some(w), Some(lc)) = (why.as_deref_mut(), &self.link_cond) {
            let open = RefCell::new(Vec::new());
            let _ = self.walk_from(env, env.current, true, &open);
            for l in open.into_inner() {
                lc.unknowns(&env.at(l), w);
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
            if !self.kinds.is_empty() && !self.kinds.contains(&env.topo.entity(i).kind) {
                continue;
            }
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
                Truth::True => sure += 1,
                Truth::Unknown => maybe += 1,
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

fn hops(cx: &CondCx<'_>, n: &Node, diags: &mut Diags) -> Option<(u32, Option<u32>)> {
    match &n.value {
        Value::Int(i) if *i >= 1 => Some((1, Some(u32::try_from(*i).unwrap_or(u32::MAX)))),
        Value::Str(s) if s == "any" => Some((1, None)),
        Value::Map(_) => {
            let (min, max) = range(cx, n, "hops", diags)?;
            Some((
                u32::try_from(min.max(1)).unwrap_or(u32::MAX),
                max.map(|m| u32::try_from(m).unwrap_or(u32::MAX)),
            ))
        }
        _ => {
            cx.error(
                diags,
                n.pos,
                "bad_argument",
                "`hops` takes a number of hops (>= 1), `any`, or `{min, max}`".into(),
                "write `hops: 1` (neighbours), `hops: {max: 3}` or `hops: any` (reachability)"
                    .into(),
            );
            None
        }
    }
}

/// Read `count: {min, max}`: each a whole number or a field of the tested entity
/// (`{field: free-drive-letters}`, `of` as in conditions); min defaults to 0.
fn count_range(
    cx: &CondCx<'_>,
    n: &Node,
    scope: &Scope,
    diags: &mut Diags,
) -> Option<(Bound, Option<Bound>)> {
    let mut r = MapReader::new(cx.file, n, "rule", "`count`", diags)?;
    let mut bound = |key: &str, diags: &mut Diags| -> Option<Option<Bound>> {
        match r.take(key) {
            None => Some(None),
            Some(v) => match &v.value {
                Value::Int(i) if *i >= 0 => Some(Some(Bound::Literal(i.unsigned_abs()))),
                Value::Map(_) if v.value.get("field").is_some() => {
                    let mut fr =
                        MapReader::new(cx.file, v, "rule", &format!("`{key}` of `count`"), diags)?;
                    let _ = (fr.take("field"), fr.take("of"));
                    fr.finish(&["field", "of"], &format!("`{key}` of `count`"), diags);
                    cx.field_ref(v, scope, diags).map(|f| Some(Bound::Field(f)))
                }
                _ => {
                    cx.error(diags, v.pos, "bad_argument", format!("`{key}` of `count` takes a whole number >= 0 or `{{field: ...}}`"), format!("write `count: {{{key}: 2}}` or `count: {{{key}: {{field: free-drive-letters}}}}`"));
                    None
                }
            },
        }
    };
    let min = bound("min", diags)?;
    let max = bound("max", diags)?;
    r.finish(&["min", "max"], "`count`", diags);
    if min.is_none() && max.is_none() {
        cx.error(
            diags,
            n.pos,
            "bad_argument",
            "`count` needs `min`, `max` or both".into(),
            "write `count: {min: 2}`".into(),
        );
        return None;
    }
    if let (Some(Bound::Literal(lo)), Some(Bound::Literal(hi))) = (&min, &max)
        && hi < lo
    {
        cx.error(
            diags,
            n.pos,
            "bad_argument",
            format!("`count` has max {hi} below min {lo}"),
            "make `max` at least `min`".into(),
        );
        return None;
    }
    Some((min.unwrap_or(Bound::Literal(0)), max))
}

/// Read `{min: N, max: M}` (either optional; min defaults to 0).
pub fn range(
    cx: &CondCx<'_>,
    n: &Node,
    what: &str,
    diags: &mut Diags,
) -> Option<(u64, Option<u64>)> {
    let mut r = MapReader::new(cx.file, n, "rule", &format!("`{what}`"), diags)?;
    let mut num = |key: &str, diags: &mut Diags| -> Option<Option<u64>> {
        match r.take(key) {
            None => Some(None),
            Some(v) => match v.value {
                Value::Int(i) if i >= 0 => Some(Some(i.unsigned_abs())),
                _ => {
                    cx.error(
                        diags,
                        v.pos,
                        "bad_argument",
                        format!("`{key}` of `{what}` takes a whole number >= 0"),
                        format!("write `{what}: {{min: 2}}`"),
                    );
                    None
                }
            },
        }
    };
    let min = num("min", diags)?;
    let max = num("max", diags)?;
    r.finish(&["min", "max"], &format!("`{what}`"), diags);
    if min.is_none() && max.is_none() {
        cx.error(
            diags,
            n.pos,
            "bad_argument",
            format!("`{what}` needs `min`, `max` or both"),
            format!("write `{what}: {{min: 2}}`"),
        );
        return None;
    }
    let min = min.unwrap_or(0);
    if let Some(m) = max
        && m < min
    {
        cx.error(
            diags,
            n.pos,
            "bad_argument",
            format!("`{what}` has max {m} below min {min}"),
            "make `max` at least `min`".into(),
        );
        return None;
    }
    Some((min, max))
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::diagnostic::Diags;
    use crate::engine::operators::testing::vocab;
    use crate::rules::RuleSet;
    use crate::source::SourceFile;
    use crate::topology::Topology;

    /// Compile `rule` (YAML) with the bundled vocabulary; the diagnostic codes if it fails.
    pub(crate) fn compile(rule: &str) -> Result<RuleSet, Vec<String>> {
        let vocab = vocab();
        let file = SourceFile::new("rule.yaml", rule.to_owned());
        let tree =
            crate::parse::parse_document(&file, &Default::default()).map_err(|d| vec![d.code])?;
        let mut diags = Diags::default();
        match crate::rules::compile::compile(&file, &tree, &vocab, &mut diags) {
            Some(r) if !diags.has_errors() => Ok(RuleSet {
                vocab,
                rules: vec![r],
                packs: Vec::new(),
                inconclusive: crate::rules::InconclusiveFor::All,
            }),
            _ => Err(diags.0.iter().map(|d| d.code.clone()).collect()),
        }
    }

    /// The entity ids of each finding `rule` gives on `topology` (both YAML).
    pub(crate) fn fire(rule: &str, topology: &str) -> Vec<Vec<String>> {
        fire_or_not(rule, topology).0
    }

    /// Findings as entity ids; inconclusive results as (entity, missing fields).
    pub(crate) type Fired = (Vec<Vec<String>>, Vec<(String, Vec<String>)>);

    /// The entity ids of each finding, and `(entity, missing fields)` of each inconclusive
    /// result.
    pub(crate) fn fire_or_not(rule: &str, topology: &str) -> Fired {
        let set = compile(rule).unwrap();
        let file = SourceFile::new("t.yaml", topology.to_owned());
        let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
        let (topo, diags) = Topology::load(&file, tree, &set.vocab);
        assert!(!diags.has_errors(), "{diags:?}");
        let topo = topo.unwrap();
        let results = crate::engine::evaluate_all(&set, &topo);
        let findings = results
            .findings
            .iter()
            .map(|f| {
                f.entities
                    .iter()
                    .map(|&i| topo.entity(i).id.clone())
                    .collect()
            })
            .collect();
        let undecided = results
            .inconclusive
            .iter()
            .map(|r| (topo.entity(r.entity).id.clone(), r.missing_text(&topo)))
            .collect();
        (findings, undecided)
    }

    const ROUTES: &str = "version: 1
nodes:
  - {id: A, kind: postoffice}
  - {id: B, kind: postoffice}
  - {id: C, kind: postoffice}
links:
  - {kind: external-postoffice, from: A, to: B, route: direct}
  - {kind: external-postoffice, from: B, to: C, route: indirect}
";

    fn reaching(link_where: &str) -> Vec<Vec<String>> {
        let rule = format!(
            "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m,
              when: {{related: {{links: [external-postoffice], direction: out, hops: any, link-where: {link_where}, where: {{field: id, equals: C}}}}}}}}"
        );
        fire(&rule, ROUTES)
    }

    #[test]
    fn link_where_follows_only_matching_links() {
        // Over every link, A and B reach C; over direct links only, nobody does.
        assert_eq!(
            reaching("{field: route, in: [direct, indirect]}"),
            vec![vec!["A"], vec!["B"]]
        );
        assert_eq!(
            reaching("{field: route, equals: indirect}"),
            vec![vec!["B"]]
        );
        assert!(reaching("{field: route, equals: direct}").is_empty());
    }

    #[test]
    fn link_where_checks_link_fields() {
        let rule = "{id: R, title: t, select: {kind: postoffice}, severity: error, message: m,
          when: {related: {links: [external-postoffice], link-where: {field: rout, equals: direct}}}}";
        assert_eq!(
            compile(rule).unwrap_err(),
            vec!["kbcheck::rule::unknown_field"]
        );
    }

    const MACHINE: &str = "version: 1
nodes:
  - {id: S, kind: server, free-drive-letters: 7}
  - {id: E1, kind: external, parent: S, drive-letters: 3}
  - {id: E2, kind: external, parent: S, drive-letters: 3}
  - {id: E3, kind: external, parent: S, drive-letters: 1}
  - {id: E4, kind: external, parent: S}
  - {id: T, kind: server}
";

    fn sum_rule(count: &str) -> String {
        format!(
            "{{id: R, title: t, select: {{kind: server}}, severity: error, message: m,
              when: {{related: {{via: children, kind: external, sum: drive-letters, count: {count}}}}}}}"
        )
    }

    /// MACHINE with E4's drive letters written, so every sum is known.
    fn machine_known() -> String {
        MACHINE.replace(
            "{id: E4, kind: external, parent: S}",
            "{id: E4, kind: external, parent: S, drive-letters: 0}",
        )
    }

    #[test]
    fn sum_adds_up_a_field_and_bounds_may_be_fields() {
        let machine = machine_known();
        // S: 3 + 3 + 1 + 0 = 7; T has no instances, a sum of 0.
        assert_eq!(
            fire(&sum_rule("{min: 7, max: 7}"), &machine),
            vec![vec!["S"]]
        );
        assert!(fire(&sum_rule("{min: 8}"), &machine).is_empty());
        assert_eq!(fire(&sum_rule("{max: 0}"), &machine), vec![vec!["T"]]);
        // 7 <= S's 7 free letters; T has no `free-drive-letters`: its bound is unknown.
        let (fired, undecided) =
            fire_or_not(&sum_rule("{max: {field: free-drive-letters}}"), &machine);
        assert_eq!(fired, vec![vec!["S"]]);
        assert_eq!(
            undecided,
            vec![("T".to_owned(), vec!["free-drive-letters".to_owned()])]
        );
        assert!(
            fire(
                &sum_rule("{min: {field: free-drive-letters}, max: 6}"),
                &machine
            )
            .is_empty()
        );
    }

    #[test]
    fn a_summed_field_that_is_not_set_leaves_the_sum_unknown() {
        // E4 has no `drive-letters`: S's total is 7 plus an unknown, so undecided; T is decided.
        let (fired, undecided) = fire_or_not(&sum_rule("{min: 7, max: 7}"), MACHINE);
        assert!(fired.is_empty());
        assert_eq!(
            undecided,
            vec![("S".to_owned(), vec!["drive-letters of E4".to_owned()])]
        );
        assert_eq!(fire(&sum_rule("{max: 0}"), MACHINE), vec![vec!["T"]]);
    }

    #[test]
    fn count_bounds_may_be_fields_without_sum() {
        let rule = "{id: R, title: t, select: {kind: server}, severity: error, message: m,
          when: {related: {via: children, kind: external, count: {min: {field: free-drive-letters}}}}}";
        // S: 4 instances, at least 7 wanted: false. T: no bound, so unknown.
        let (fired, undecided) = fire_or_not(rule, MACHINE);
        assert!(fired.is_empty());
        assert_eq!(undecided.len(), 1);
        let rule = rule.replace("min:", "max:");
        assert_eq!(fire(&rule, MACHINE), vec![vec!["S"]]);
    }

    const PLANNED: &str = "version: 1
nodes:
  - {id: S1, kind: server, product: exchange, version: '5.5'}
  - {id: S2, kind: server, product: exchange}
  - {id: S3, kind: server, product: msmail}
  - {id: P1, kind: postoffice, parent: S1, serial: '1-1'}
  - {id: P2, kind: postoffice, parent: S2}
  - {id: P3, kind: postoffice}
";

    fn check(when: &str) -> String {
        format!(
            "{{id: R, title: t, select: {{kind: postoffice}}, severity: error, message: m, when: {when}}}"
        )
    }

    #[test]
    fn a_missing_field_makes_a_condition_unknown_not_false() {
        // Kleene logic: `all` is false if any part is, `any` true if any part is; `not` keeps
        // unknown; `exists` / `missing` are always definite.
        let (fired, undecided) = fire_or_not(&check("{field: serial, not-equals: '1-1'}"), PLANNED);
        assert!(fired.is_empty());
        assert_eq!(
            undecided,
            vec![
                ("P2".to_owned(), vec!["serial".to_owned()]),
                ("P3".to_owned(), vec!["serial".to_owned()])
            ]
        );
        let (fired, undecided) =
            fire_or_not(&check("{not: {field: serial, equals: '1-1'}}"), PLANNED);
        assert!(fired.is_empty());
        assert_eq!(undecided.len(), 2);
        let (fired, undecided) = fire_or_not(
            &check("{all: [{field: serial, equals: '2-2'}, {field: network, equals: N}]}"),
            PLANNED,
        );
        assert!(fired.is_empty());
        assert_eq!(
            undecided.len(),
            2,
            "P1 is definitely false: its serial is 1"
        );
        let (fired, undecided) = fire_or_not(
            &check("{any: [{field: serial, equals: '1-1'}, {field: network, equals: N}]}"),
            PLANNED,
        );
        assert_eq!(fired, vec![vec!["P1"]]);
        assert_eq!(
            undecided,
            vec![
                (
                    "P2".to_owned(),
                    vec!["network".to_owned(), "serial".to_owned()]
                ),
                (
                    "P3".to_owned(),
                    vec!["network".to_owned(), "serial".to_owned()]
                )
            ]
        );
        let (fired, undecided) = fire_or_not(&check("{field: serial, missing: true}"), PLANNED);
        assert_eq!(fired, vec![vec!["P2"], vec!["P3"]]);
        assert!(undecided.is_empty());
    }

    #[test]
    fn a_presence_test_in_the_same_group_decides_absence() {
        // The author says what a missing `serial` means, so the other test of it is false.
        let (fired, undecided) = fire_or_not(
            &check(
                "{any: [{field: serial, equals: '1-1'}, {all: [{field: serial, missing: true}, {field: version, of: parent, equals: '5.5'}]}]}",
            ),
            PLANNED,
        );
        assert_eq!(fired, vec![vec!["P1"]]);
        // P2: no serial, and its server's version is unknown; P3: no parent at all.
        assert_eq!(
            undecided,
            vec![
                ("P2".to_owned(), vec!["version of S2".to_owned()]),
                ("P3".to_owned(), vec!["parent".to_owned()])
            ]
        );
    }

    #[test]
    fn relations_propagate_unknown() {
        let rule = |q: &str| {
            format!(
                "{{id: R, title: t, select: {{kind: server}}, severity: error, message: m,
                  when: {{related: {{via: children, kind: postoffice, where: {{field: serial, equals: '1-1'}}, {q}}}}}}}"
            )
        };
        // S1: its one postoffice matches. S2: its one is unknown. S3: none at all.
        let (fired, undecided) = fire_or_not(&rule("quantifier: any"), PLANNED);
        assert_eq!(fired, vec![vec!["S1"]]);
        assert_eq!(
            undecided,
            vec![("S2".to_owned(), vec!["serial of P2".to_owned()])]
        );
        let (fired, undecided) = fire_or_not(&rule("quantifier: none"), PLANNED);
        assert_eq!(fired, vec![vec!["S3"]]);
        assert_eq!(undecided.len(), 1);
        let (fired, undecided) = fire_or_not(&rule("quantifier: all"), PLANNED);
        assert_eq!(fired, vec![vec!["S1"]], "`all` over nothing stays false");
        assert_eq!(undecided.len(), 1);
        let (fired, undecided) = fire_or_not(&rule("count: {min: 1, max: 1}"), PLANNED);
        assert_eq!(fired, vec![vec!["S1"]]);
        assert_eq!(undecided.len(), 1, "S2: 0 or 1 matches");
        let (fired, undecided) = fire_or_not(&rule("count: {max: 1}"), PLANNED);
        assert_eq!(
            fired.len(),
            3,
            "0 or 1 match is within at most 1 either way"
        );
        assert!(undecided.is_empty());
    }

    #[test]
    fn sum_and_bounds_are_checked_when_compiled() {
        let no_count = "{id: R, title: t, select: {kind: server}, severity: error, message: m,
          when: {related: {via: children, kind: external, sum: drive-letters}}}";
        assert_eq!(
            compile(no_count).unwrap_err(),
            vec!["kbcheck::rule::bad_argument"]
        );
        let unknown = sum_rule("{max: 3}").replace("sum: drive-letters", "sum: drive-letter");
        assert_eq!(
            compile(&unknown).unwrap_err(),
            vec!["kbcheck::rule::unknown_field"]
        );
        let bad_bound = sum_rule("{max: {field: free-drive-letter}}");
        assert_eq!(
            compile(&bad_bound).unwrap_err(),
            vec!["kbcheck::rule::unknown_field"]
        );
        let backwards = sum_rule("{min: 3, max: 2}");
        assert_eq!(
            compile(&backwards).unwrap_err(),
            vec!["kbcheck::rule::bad_argument"]
        );
    }
}

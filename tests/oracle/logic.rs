//! Conditions on one entity, spelled out again: three-valued truth, expressions, and
//! the evaluation of a condition with the "Missing fields" rule of docs/rules.md.

use crate::lists::{ElemOp, quantify};
use crate::model::*;
use crate::relations::*;

/// Three-valued truth, written out again rather than borrowed from the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum T {
    Yes,
    No,
    Unknown,
}

pub fn and(a: T, b: T) -> T {
    match (a, b) {
        (T::No, _) | (_, T::No) => T::No,
        (T::Unknown, _) | (_, T::Unknown) => T::Unknown,
        _ => T::Yes,
    }
}

pub fn or(a: T, b: T) -> T {
    match (a, b) {
        (T::Yes, _) | (_, T::Yes) => T::Yes,
        (T::Unknown, _) | (_, T::Unknown) => T::Unknown,
        _ => T::No,
    }
}

pub fn not(a: T) -> T {
    match a {
        T::Yes => T::No,
        T::No => T::Yes,
        T::Unknown => T::Unknown,
    }
}

pub fn truth(b: bool) -> T {
    if b { T::Yes } else { T::No }
}

/// An expression over a node's attributes, with its own evaluation below.
#[derive(Clone, Debug)]
pub enum Ex {
    Field(&'static str),
    /// `{element: true}`: the element a list quantifier is testing.
    Element,
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
pub enum R {
    Num(i64),
    Text(String),
    Unknown,
    None,
}

impl R {
    pub fn text(&self) -> String {
        match self {
            R::Num(n) => n.to_string(),
            R::Text(t) => t.clone(),
            R::Unknown | R::None => String::new(),
        }
    }
}

impl Ex {
    pub fn yaml(&self) -> String {
        let list = |xs: &[Ex]| xs.iter().map(Ex::yaml).collect::<Vec<_>>().join(", ");
        match self {
            Ex::Field(f) => format!("{{field: {f}}}"),
            Ex::Element => ELEMENT.to_owned(),
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

    /// A value read: unknown when it is not set.
    fn read(v: Option<Val>) -> R {
        match v {
            None => R::Unknown,
            Some(Val::Int(n)) => R::Num(n),
            Some(Val::Text(t)) => R::Text(t.to_owned()),
            Some(Val::List(_)) => unreachable!("lists are generated under quantifiers only"),
        }
    }

    /// Several arguments: no value if any has none, else unknown if any is unknown.
    pub fn all(xs: &[&Ex], value: &dyn Fn(&str) -> Option<Val>) -> Result<Vec<R>, R> {
        let rs: Vec<R> = xs.iter().map(|x| x.eval(value)).collect();
        if rs.contains(&R::None) {
            return Err(R::None);
        }
        if rs.contains(&R::Unknown) {
            return Err(R::Unknown);
        }
        Ok(rs)
    }

    pub fn eval(&self, value: &dyn Fn(&str) -> Option<Val>) -> R {
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
            Ex::Field(f) => Ex::read(value(f)),
            Ex::Element => Ex::read(value(ELEMENT)),
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
    pub fn unset(&self, value: &dyn Fn(&str) -> Option<Val>, out: &mut Vec<&'static str>) {
        match self {
            Ex::Field(f) => {
                if value(f).is_none() {
                    out.push(f);
                }
            }
            // Always there while a quantifier tests an element.
            Ex::Element => {}
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
pub fn decide(
    t: T,
    exprs: &[&Ex],
    value: &dyn Fn(&str) -> Option<Val>,
    handled: &[&'static str],
) -> T {
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
pub enum Cond {
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
    /// A list quantifier over `labels`: `{field: labels, any: c}`, ..., or
    /// `{field: labels, count: {min, max}, where: c}`.
    Each(Quant, Box<Cond>),
    /// A bare operator testing the element a quantifier is at (`{matches: '^p'}`).
    Elem(ElemOp),
}

impl Cond {
    pub fn yaml(&self) -> String {
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
            Cond::Each(q, c) => match q {
                Quant::Any => format!("{{field: labels, any: {}}}", c.yaml()),
                Quant::All => format!("{{field: labels, all: {}}}", c.yaml()),
                Quant::None => format!("{{field: labels, none: {}}}", c.yaml()),
                Quant::Count(min, max) => format!(
                    "{{field: labels, count: {{min: {min}{}}}, where: {}}}",
                    max.map(|m| format!(", max: {m}")).unwrap_or_default(),
                    c.yaml()
                ),
            },
            Cond::Elem(op) => op.yaml(),
        }
    }

    /// Fields this condition tests with `missing` (or `exists`), relations and quantifiers'
    /// element conditions excluded.
    pub fn presence_tested(&self, out: &mut Vec<&'static str>) {
        match self {
            Cond::Missing(f, _) => out.push(f),
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| c.presence_tested(out)),
            Cond::Not(c) => c.presence_tested(out),
            _ => {}
        }
    }
}

/// Where a condition is evaluated: a node or a link of the topology, or an element of node
/// `.0`'s list that a quantifier is testing (its fields are the node's).
#[derive(Clone, Copy)]
pub enum At {
    Node(usize),
    Link(usize),
    Element(usize, &'static str),
}

/// Evaluate `c` on `at`. `handled` holds the fields whose presence an enclosing `all` / `any`
/// group tests: for those, a test of a missing value is false instead of unknown.
pub fn eval(t: &Topo, c: &Cond, at: At, handled: &[&'static str]) -> T {
    let value = |f: &str| match at {
        At::Element(_, e) if f == ELEMENT => Some(Val::Text(e)),
        At::Node(i) | At::Element(i, _) => t.node_attr(i, f),
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
            Some(Val::Text(_) | Val::List(_)) => T::No,
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
            At::Node(i) | At::Element(i, _) => truth(ks.contains(&t.nodes[i].kind)),
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
            At::Link(_) | At::Element(..) => unreachable!("relations are generated on nodes only"),
        },
        // An unset list is unknown (unless its absence is handled), a value that is not a list
        // false; else each element is tested, in the group the quantifier is part of.
        Cond::Each(q, inner) => match at {
            At::Node(i) => match value("labels") {
                None => missing("labels"),
                Some(Val::List(xs)) => {
                    let each: Vec<T> = xs
                        .iter()
                        .map(|&e| eval(t, inner, At::Element(i, e), handled))
                        .collect();
                    quantify(q, &each)
                }
                Some(_) => T::No,
            },
            At::Link(_) | At::Element(..) => {
                unreachable!("quantifiers are generated on nodes only")
            }
        },
        Cond::Elem(op) => match at {
            At::Element(_, e) => truth(op.holds(e)),
            At::Node(_) | At::Link(_) => unreachable!("element tests are generated in quantifiers"),
        },
    }
}

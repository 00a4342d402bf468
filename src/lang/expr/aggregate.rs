//! Aggregates over a relation: `{count: true, over: REL}`, `{sum: F, over: REL}`,
//! `{min: F, over: REL}`, `{max: F, over: REL}` — the number of entities a relation reaches
//! (and its `where` keeps), or the total, smallest or largest of a value computed on each of
//! them. `REL` is a relation written as under `related:` (its walk, `kind`, `where`), without
//! a quantifier; `F` is a field path of the reached entities (`users`) or an expression
//! computed on each (`{mul: [{field: drive-letters}, 2]}`).
//!
//! What is unknown, precisely: the result is **unknown** when an entity is only possibly
//! reached or possibly matching (its `where`, or the `link-where` of a link to it, is
//! unknown), or when the value of a surely matching entity is unknown. Nothing is assumed
//! about the values that are missing (not even a vocabulary's `minimum`), so a sum is
//! unknown as soon as one matching entity lacks its field. A value that is set but not a
//! number gives **no value** (the test is false), and so do `min` / `max` over nothing; the
//! count and the sum over nothing are 0.
//!
//! Cost: one walk of the relation per entity evaluated, as for `related:`. One hop (`via:
//! children`) is linear over all subjects; a walk of many hops (`hops: any`) costs what
//! each subject reaches, so on a chain of N nodes every one of which is tested it is
//! quadratic (benches/README.md has the figure).

use super::{Cx, Expr, Function, Out, Ty};
use crate::diagnostic::Diags;
use crate::lang::cond::{Missing, Scope, Target, Truth};
use crate::lang::env::Env;
use crate::lang::relation::Relation;
use crate::topology::Idx;
use crate::value::{Node, Value};
use crate::vocabulary::Class;

/// Relation keys that say how many must match: an aggregate says it with its function.
const QUANTIFYING: &[&str] = &["quantifier", "count", "sum", "count-links", "bind"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Count,
    Sum,
    Min,
    Max,
}

#[derive(Debug)]
struct Aggregate {
    op: Op,
    name: &'static str,
    /// The value each reached entity gives (`None` for `count`).
    each: Option<Expr>,
    rel: Relation,
}

/// Compile `{NAME: ARG, over: RELATION}`.
pub fn compile(
    cx: &Cx<'_, '_>,
    name: &str,
    arg: &Node,
    over: &Node,
    diags: &mut Diags,
) -> Option<(Box<dyn Function>, Ty)> {
    let (op, name) = match name {
        "count" => (Op::Count, "count"),
        "sum" => (Op::Sum, "sum"),
        "min" => (Op::Min, "min"),
        _ => (Op::Max, "max"),
    };
    if let Value::Map(entries) = &over.value
        && let Some((k, _)) = entries
            .iter()
            .find(|(k, _)| QUANTIFYING.contains(&k.name.as_str()))
    {
        cx.error(
            diags,
            k.pos,
            "bad_expression",
            format!("`over` takes the walk of a relation, not `{}`", k.name),
            format!(
                "the aggregate says what it computes: `{{{name}: ..., over: {{via: children, kind: postoffice}}}}`, then compare it: `{{value: ..., gt: 500}}`"
            ),
        );
        return None;
    }
    // The relation is walked from the entity the expression is read on.
    let rel = Relation::compile(cx.cond, over, cx.scope, diags)?;
    let reached = Scope {
        class: Class::Node,
        kinds: rel.matched_kinds(),
    };
    let each = if op == Op::Count {
        if arg.value != Value::Bool(true) {
            cx.error(
                diags,
                arg.pos,
                "bad_expression",
                format!(
                    "`count` with `over` takes `true`, found `{}`",
                    arg.value.display()
                ),
                "write `{count: true, over: {via: children, kind: postoffice}}`; say which entities count in the relation's `where`".into(),
            );
            return None;
        }
        None
    } else {
        let inner = Cx {
            cond: cx.cond,
            scope: &reached,
        };
        Some(match &arg.value {
            Value::Str(text) => Expr::Field(crate::lang::cond::FieldRef {
                target: Target::Itself,
                path: cx.cond.check_path(text, arg.pos, &reached, diags)?,
            }),
            _ => inner.typed(arg, name, &[Ty::Number], diags)?,
        })
    };
    if let Some(Expr::Field(f)) = &each {
        let ty = Cx {
            cond: cx.cond,
            scope: &reached,
        }
        .field_type(f);
        if ty != Ty::Any && ty != Ty::Number {
            cx.error(
                diags,
                arg.pos,
                "expression_type",
                format!(
                    "`{name}` takes a number, but `{}` is {}",
                    f.text(),
                    ty.word()
                ),
                "aggregate a numeric field, or turn text into a number: `{number: {field: ...}}`"
                    .into(),
            );
            return None;
        }
    }
    Some((
        Box::new(Aggregate {
            op,
            name,
            each,
            rel,
        }),
        Ty::Number,
    ))
}

/// What the walk matched: the entities surely matching, and whether any possibly matches.
struct Matched {
    sure: Vec<Idx>,
    open: bool,
}

impl Aggregate {
    fn matched(&self, env: &Env<'_>) -> Matched {
        let mut out = Matched {
            sure: Vec::new(),
            open: false,
        };
        for (i, member) in self.rel.reach(env, env.current) {
            if !self.rel.considers(env, i) {
                continue;
            }
            let w = self
                .rel
                .cond
                .as_ref()
                .map_or(Truth::True, |c| c.eval(&env.at(i)));
            match member.and(w) {
                Truth::True => out.sure.push(i),
                Truth::Unknown => out.open = true,
                Truth::False => {}
            }
        }
        out
    }
}

impl Function for Aggregate {
    fn eval(&self, env: &Env<'_>) -> Out {
        let m = self.matched(env);
        let Some(each) = &self.each else {
            if m.open {
                return Out::Unknown;
            }
            return Out::Value(Value::Int(i64::try_from(m.sure.len()).unwrap_or(i64::MAX)));
        };
        let mut unknown = m.open;
        let mut values = Vec::with_capacity(m.sure.len());
        for &i in &m.sure {
            match each.eval(&env.at(i)) {
                Out::Value(v) => match v.as_f64() {
                    Some(n) => values.push((n, matches!(v, Value::Int(_)))),
                    None => {
                        return Out::Invalid(format!(
                            "`{}` of `{}` is not a number",
                            v.display(),
                            env.topo.entity(i).id
                        ));
                    }
                },
                Out::Unknown => unknown = true,
                invalid @ Out::Invalid(_) => return invalid,
            }
        }
        if unknown {
            return Out::Unknown;
        }
        let all_int = values.iter().all(|(_, int)| *int);
        let nums = values.iter().map(|(n, _)| *n);
        let total = match self.op {
            Op::Sum => nums.sum::<f64>(),
            Op::Min => match nums.reduce(f64::min) {
                Some(n) => n,
                None => return Out::Invalid("the relation reaches nothing".into()),
            },
            _ => match nums.reduce(f64::max) {
                Some(n) => n,
                None => return Out::Invalid("the relation reaches nothing".into()),
            },
        };
        if !total.is_finite() {
            return Out::Invalid("the result is too large".into());
        }
        Out::Value(if all_int {
            super::arith::whole(total)
        } else {
            Value::Float(total)
        })
    }

    fn args(&self) -> Vec<&Expr> {
        // The value is read on the reached entities, not on the one tested: what is missing
        // there is said by `missing_elsewhere`.
        Vec::new()
    }

    fn missing_elsewhere(&self, env: &Env<'_>, out: &mut Vec<Missing>) {
        self.rel.unknowns(env, out);
        if let Some(each) = &self.each {
            for i in self.matched(env).sure {
                each.missing(&env.at(i), out);
            }
        }
    }

    fn describe(&self) -> String {
        let kinds = match self.rel.matched_kinds() {
            k if k.is_empty() => "nodes".to_owned(),
            k => k.join("/"),
        };
        let walk = if self.rel.steps.is_empty() {
            self.rel.walk.describe()
        } else {
            format!("a path of {} steps", self.rel.steps.len())
        };
        let filtered = if self.rel.cond.is_some() {
            " that match"
        } else {
            ""
        };
        let over = format!("the {kinds}{filtered} reached over {walk}");
        match &self.each {
            None => format!("count({over})"),
            Some(e) => format!("{}({} over {over})", self.name, e.describe()),
        }
    }
}

//! Conditions: `all` / `any` / `not`, field tests, tags, kinds and relations.
//!
//! A condition is compiled once from its YAML form (checking every field name against
//! the vocabulary) and evaluated against one entity at a time through an [`Env`].
//!
//! Evaluation is three-valued ([`Truth`]): a field test is **unknown** when a value it needs
//! is neither written nor derived, and unknown propagates by Kleene's rules (`all` is false if
//! any part is false, else unknown if any is; `any` is true if any part is true, else unknown
//! if any is; `not` keeps unknown). [`Cond::unknowns`] says which missing values made a
//! condition unknown, for the inconclusive results a check reports.
//!
//! One concern per file: [`truth`] (the three values and what is missing), [`field`] (which
//! entity's field a test reads, and checking its path), [`handled`] (absence the rule handles
//! itself), [`compile`] (from YAML), and here the compiled condition and its evaluation.

mod compile;
mod field;
mod handled;
mod truth;

pub use compile::{CondCx, SHAPES, Scope};
pub use field::{FieldRef, Target};
pub use truth::{Missing, Truth, missing_of, push_missing};

use super::env::Env;
use super::expr::{Expr, Out};
use super::operators::Operator;
use super::quantifier::Quantified;
use super::relation::Relation;
use crate::value::Value;
use handled::is_in;

/// A compiled condition.
#[derive(Debug)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Field {
        field: FieldRef,
        op: Box<dyn Operator>,
        /// Which of the values the test reads (the field, then a field operand) have their
        /// absence handled by the rule: see [`Cond::mark_handled`].
        handled: [bool; 2],
    },
    /// `{value: EXPR, OPERATOR: ARG}`: test a computed value.
    Value {
        expr: Expr,
        op: Box<dyn Operator>,
        /// Fields whose absence an enclosing group handles (see [`Cond::mark_handled`]).
        handled: Vec<FieldRef>,
    },
    Tag(String),
    Kind(Vec<String>),
    Related(Box<Relation>),
    /// `{field: PATH, any: c}`: a quantifier over the elements of a list.
    Each(Box<Quantified>),
}

impl Cond {
    /// Evaluate on `env.current`: true, false, or unknown (a value it needs is not set).
    pub fn eval(&self, env: &Env<'_>) -> Truth {
        match self {
            Cond::All(cs) => {
                let mut out = Truth::True;
                for c in cs {
                    match c.eval(env) {
                        Truth::False => return Truth::False,
                        t => out = out.and(t),
                    }
                }
                out
            }
            Cond::Any(cs) => {
                let mut out = Truth::False;
                for c in cs {
                    match c.eval(env) {
                        Truth::True => return Truth::True,
                        t => out = out.or(t),
                    }
                }
                out
            }
            Cond::Not(c) => !c.eval(env),
            Cond::Field { field, op, handled } => {
                let v = env.field(field);
                match op.test(v.as_deref(), env) {
                    // Unknown only for a missing value whose absence the rule leaves open.
                    Truth::Unknown
                        if Cond::missing_refs(field, op.as_ref(), env, handled).is_empty() =>
                    {
                        Truth::False
                    }
                    t => t,
                }
            }
            Cond::Value { expr, op, handled } => {
                if operand_has_no_value(op.as_ref(), env) {
                    return Truth::False;
                }
                let t = match expr.eval(env) {
                    Out::Value(v) => op.test(Some(&v), env),
                    Out::Unknown => op.test(None, env),
                    // Set values that make no value: only a presence test is not false.
                    Out::Invalid(_) if op.is_presence_test() => op.test(None, env),
                    Out::Invalid(_) => Truth::False,
                };
                if t != Truth::Unknown {
                    return t;
                }
                // As for a field: unknown unless every unset value it reads is handled.
                let refs = Cond::value_refs(expr, op.as_ref(), env);
                if !refs.is_empty() && refs.iter().all(|r| is_in(handled, r)) {
                    Truth::False
                } else {
                    Truth::Unknown
                }
            }
            Cond::Tag(t) => Truth::from(env.topo.tags(env.current).iter().any(|x| x == t)),
            Cond::Kind(ks) => {
                Truth::from(ks.iter().any(|k| *k == env.topo.entity(env.current).kind))
            }
            Cond::Related(r) => r.eval(env),
            Cond::Each(q) => q.eval(env),
        }
    }

    /// Whether the condition holds (definitely).
    pub fn holds(&self, env: &Env<'_>) -> bool {
        self.eval(env).is_true()
    }

    /// The missing values that make this condition unknown on `env.current` (nothing when
    /// it is true or false): for `all` / `any`, those of the parts that are unknown.
    pub fn unknowns(&self, env: &Env<'_>, out: &mut Vec<Missing>) {
        if self.eval(env) != Truth::Unknown {
            return;
        }
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| c.unknowns(env, out)),
            Cond::Not(c) => c.unknowns(env, out),
            Cond::Value { expr, op, handled } => {
                let refs: Vec<&FieldRef> = Cond::value_refs(expr, op.as_ref(), env)
                    .into_iter()
                    .filter(|r| !is_in(handled, r))
                    .collect();
                missing_of(env, &refs, out);
                // Values read on other entities: an aggregate's, a `let` name's.
                expr.missing_elsewhere(env, out);
                if let Some(e) = op.operand_expr() {
                    e.missing_elsewhere(env, out);
                }
            }
            Cond::Field { field, op, handled } => {
                missing_of(
                    env,
                    &Cond::missing_refs(field, op.as_ref(), env, handled),
                    out,
                );
            }
            Cond::Tag(_) | Cond::Kind(_) => {}
            Cond::Related(r) => r.unknowns(env, out),
            Cond::Each(q) => q.unknowns(env, out),
        }
    }

    /// The fields a value test reads (its expression, then its operand's) that are not set.
    fn value_refs<'f>(expr: &'f Expr, op: &'f dyn Operator, env: &Env<'_>) -> Vec<&'f FieldRef> {
        let mut refs = unset(expr, env);
        if let Some(e) = op.operand_expr() {
            e.unset_fields(env, &mut refs);
        }
        if let Some(r) = op.operand_field()
            && env.field(r).is_none_or(|v| matches!(*v, Value::Null))
        {
            refs.push(r);
        }
        refs
    }

    /// The values a field test reads that are not set and whose absence the rule does not
    /// handle itself.
    fn missing_refs<'f>(
        field: &'f FieldRef,
        op: &'f dyn Operator,
        env: &Env<'_>,
        handled: &[bool; 2],
    ) -> Vec<&'f FieldRef> {
        std::iter::once(field)
            .chain(op.operand_field())
            .zip(handled)
            .filter(|(r, handled)| {
                !**handled && env.field(r).is_none_or(|v| matches!(*v, Value::Null))
            })
            .map(|(r, _)| r)
            .collect()
    }

    /// The condition in plain words, one clause per line, indented by depth.
    pub fn describe(&self, depth: usize, out: &mut Vec<String>) {
        let pad = "  ".repeat(depth);
        match self {
            Cond::All(cs) => {
                out.push(format!("{pad}all of:"));
                cs.iter().for_each(|c| c.describe(depth + 1, out));
            }
            Cond::Any(cs) => {
                out.push(format!("{pad}any of:"));
                cs.iter().for_each(|c| c.describe(depth + 1, out));
            }
            Cond::Not(c) => {
                out.push(format!("{pad}not:"));
                c.describe(depth + 1, out);
            }
            Cond::Field { field, op, .. } => {
                out.push(format!("{pad}{} {}", field.describe(), op.describe()))
            }
            Cond::Value { expr, op, .. } => {
                out.push(format!("{pad}{} {}", expr.describe(), op.describe()))
            }
            Cond::Tag(t) => out.push(format!("{pad}is tagged `{t}`")),
            Cond::Kind(ks) => out.push(format!("{pad}is a {}", ks.join(" or "))),
            Cond::Related(r) => r.describe(depth, out),
            Cond::Each(q) => q.describe(depth, out),
        }
    }
}

/// The unset fields an expression reads.
fn unset<'e>(e: &'e Expr, env: &Env<'_>) -> Vec<&'e FieldRef> {
    let mut out = Vec::new();
    e.unset_fields(env, &mut out);
    out
}

/// Whether the operator's operand is an expression that has no value (text where a number is
/// needed): the test is then definitely false, as for a field set to such a value.
fn operand_has_no_value(op: &dyn Operator, env: &Env<'_>) -> bool {
    op.operand_expr()
        .is_some_and(|e| matches!(e.eval(env), Out::Invalid(_)))
}

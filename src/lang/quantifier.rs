//! List quantifiers: a condition on the elements of a list attribute.
//!
//! `{field: address-spaces, any: {matches: '^X400:'}}` holds when some element matches;
//! `all`, `none`, and `count: {min, max}` with `where: c` say how many must. The inner
//! condition is any condition, tested once per element: a bare operator (`{matches: ...}`,
//! `{as: caseless, equals: ...}`) tests the element itself, and `{element: true}` reads it
//! inside expressions (`{value: {capture: {element: true}, extract: ...}, in: [...]}`).
//!
//! Three-valued as everywhere: an unset list makes the quantifier unknown (unless an enclosing
//! group handles its absence), a set value that is not a list makes it false, and unknown
//! element tests combine by Kleene's rules (`any` is true if one element is true, else
//! unknown if one is unknown). Over an empty list `any` is false, `all` and `none` are true.
//!
//! A text or ordering operator applied to a list-typed attribute without a quantifier would
//! be silently false; [`check_list_operator`] makes it a load error that suggests one.

use super::cond::{Cond, CondCx, FieldRef, SHAPES, Scope, Truth, missing_of};
use super::env::Env;
use super::expr::{self, Expr, Out, Ty};
use super::operators;
use crate::diagnostic::{Diag, Diags};
use crate::value::{Key, Node, Value};

/// The keys that make a field or value condition a quantifier.
pub const QUANTIFIERS: &[&str] = &["any", "all", "none", "count"];

/// Operators that test text or order, never a list as a whole (a list makes them false).
const SCALAR_OPERATORS: &[&str] = &[
    "matches",
    "starts-with",
    "ends-with",
    "gt",
    "gte",
    "lt",
    "lte",
    "version",
];

/// How many elements must satisfy the inner condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quant {
    Any,
    All,
    None,
    Count { min: u64, max: Option<u64> },
}

/// A compiled quantifier over the elements of a list value.
#[derive(Debug)]
pub struct Quantified {
    list: Expr,
    quant: Quant,
    inner: Cond,
    /// Fields whose absence an enclosing group handles (see [`Cond::mark_handled`]).
    pub handled: Vec<FieldRef>,
}

/// Whether a condition map is a quantifier: a `field` or `value` with `any`, `all`, `none`,
/// `count` or `where`.
pub fn is_quantified(entries: &[(Key, Node)]) -> bool {
    let has = |names: &[&str]| {
        entries
            .iter()
            .any(|(k, _)| names.contains(&k.name.as_str()))
    };
    has(&["field", "value"]) && has(&["any", "all", "none", "count", "where"])
}

/// Whether a condition map, inside a quantifier, tests the element itself: an operator
/// without `field`, `value` or another condition shape.
pub fn is_element_test(entries: &[(Key, Node)]) -> bool {
    !entries
        .iter()
        .any(|(k, _)| SHAPES.contains(&k.name.as_str()))
        && entries
            .iter()
            .any(|(k, _)| operators::NAMES.contains(&k.name.as_str()))
}

/// `{OP: ARG, ...}` as `{value: {element: true}, OP: ARG, ...}`.
pub fn on_element(node: &Node) -> Node {
    let at = |value: Value| Node {
        value,
        pos: node.pos,
    };
    let key = |name: &str| Key {
        name: name.into(),
        pos: node.pos,
    };
    let element = at(Value::Map(vec![(key("element"), at(Value::Bool(true)))]));
    let mut entries = vec![(key("value"), element)];
    if let Value::Map(rest) = &node.value {
        entries.extend(rest.iter().cloned());
    }
    at(Value::Map(entries))
}

/// A text or ordering operator on a value of list type is a load error naming the
/// quantifiers (`ty` is the value's type as the vocabulary or the expression says it).
pub fn check_list_operator(
    cx: &CondCx<'_>,
    ty: Ty,
    entries: &[(Key, Node)],
    what: &str,
    diags: &mut Diags,
) -> Option<()> {
    if ty != Ty::List {
        return Some(());
    }
    let Some((key, _)) = entries
        .iter()
        .find(|(k, _)| SCALAR_OPERATORS.contains(&k.name.as_str()))
    else {
        return Some(());
    };
    let subject = match entries.iter().find(|(k, _)| k.name == "field") {
        Some((
            _,
            Node {
                value: Value::Str(f),
                ..
            },
        )) => format!("field: {f}"),
        _ => "value: ...".to_owned(),
    };
    diags.push(
        Diag::error(
            "rule::list_needs_quantifier",
            format!("{what} is a list; `{}` tests one value", key.name),
        )
        .at(cx.file, key.pos, "applied to the whole list")
        .help(format!(
            "say which elements must pass: `{{{subject}, any: {{{}: ...}}}}` (or `all`, `none`, `count` with `where`); `contains` tests for a whole element",
            key.name
        )),
    );
    None
}

/// Compile `{field | value, any | all | none: c}` or `{..., count: {min, max}, where: c}`.
pub fn compile(
    cx: &CondCx<'_>,
    node: &Node,
    entries: &[(Key, Node)],
    scope: &Scope,
    diags: &mut Diags,
) -> Option<Cond> {
    const KEYS: &[&str] = &[
        "field", "of", "value", "any", "all", "none", "count", "where",
    ];
    if let Some((k, _)) = entries
        .iter()
        .find(|(k, _)| !KEYS.contains(&k.name.as_str()))
    {
        diags.push(
            Diag::error(
                "rule::unknown_key",
                format!("unexpected key `{}` in a list quantifier", k.name),
            )
            .at(cx.file, k.pos, "does not belong here")
            .help("operators and `as` go inside the element condition: `{field: address-spaces, any: {as: caseless, starts-with: 'x400:'}}`".to_owned()),
        );
        return None;
    }
    let quants: Vec<&(Key, Node)> = entries
        .iter()
        .filter(|(k, _)| QUANTIFIERS.contains(&k.name.as_str()))
        .collect();
    let [(qkey, qarg)] = quants.as_slice() else {
        let names: Vec<&str> = quants.iter().map(|(k, _)| k.name.as_str()).collect();
        cx.error(
            diags,
            expr::whole(cx.file, node),
            "bad_condition",
            if names.is_empty() {
                "`where` goes with `count` in a list quantifier".to_owned()
            } else {
                format!(
                    "a list quantifier takes one of `any`, `all`, `none`, `count`; this one has {}",
                    names.join(", ")
                )
            },
            "write `{field: address-spaces, any: {matches: '^X400:'}}` or `{field: address-spaces, count: {min: 2}, where: {matches: '^X400:'}}`".into(),
        );
        return None;
    };
    let (list, ty, what) = if node.value.get("field").is_some() {
        if let Some(v) = entries.iter().find(|(k, _)| k.name == "value") {
            cx.error(
                diags,
                v.0.pos,
                "bad_condition",
                "a list quantifier tests `field` or `value`, not both".into(),
                "keep one of them".into(),
            );
            return None;
        }
        let field = cx.field_ref(node, scope, diags)?;
        let ty = expr::Cx { cond: cx, scope }.field_type(&field);
        let what = format!("`{}`", field.text());
        (Expr::Field(field), ty, what)
    } else {
        if let Some((k, _)) = entries.iter().find(|(k, _)| k.name == "of") {
            cx.error(
                diags,
                k.pos,
                "unknown_key",
                "`of` goes inside the expression of `value`".into(),
                "write `{value: {field: address-spaces, of: parent}, any: {...}}`".into(),
            );
            return None;
        }
        let arg = node.value.get("value")?;
        let (e, ty) = expr::compile_typed(cx, arg, scope, diags)?;
        let what = format!("`{}`", e.describe());
        (e, ty, what)
    };
    if ty != Ty::List && ty != Ty::Any {
        cx.error(
            diags,
            qkey.pos,
            "not_a_list",
            format!("{what} is {}, not a list", ty.word()),
            format!(
                "`{}` tests the elements of a list; test the value itself with an operator",
                qkey.name
            ),
        );
        return None;
    }
    let where_node = node.value.get("where");
    let (quant, inner_node) = match qkey.name.as_str() {
        "count" => {
            let (min, max) = super::relation::range(cx, qarg, "count", diags)?;
            let Some(w) = where_node else {
                cx.error(
                    diags,
                    expr::whole(cx.file, node),
                    "bad_condition",
                    "a list `count` needs `where`, the condition its elements are counted by"
                        .into(),
                    "write `{field: address-spaces, count: {min: 2}, where: {matches: '^X400:'}}`; to bound the number of all its elements, compare the list's length: `{value: {count: {field: address-spaces}}, gte: 2}`"
                        .into(),
                );
                return None;
            };
            (Quant::Count { min, max }, w)
        }
        name => {
            if let Some((k, _)) = entries.iter().find(|(k, _)| k.name == "where") {
                cx.error(
                    diags,
                    k.pos,
                    "bad_condition",
                    format!(
                        "`where` goes with `count`; `{name}` takes the element condition itself"
                    ),
                    format!("write `{{field: address-spaces, {name}: {{matches: '^X400:'}}}}`"),
                );
                return None;
            }
            let quant = match name {
                "any" => Quant::Any,
                "all" => Quant::All,
                _ => Quant::None,
            };
            (quant, qarg)
        }
    };
    let element_cx = cx.with_element(true);
    let inner = element_cx.cond(inner_node, scope, diags)?;
    Some(Cond::Each(Box::new(Quantified {
        list,
        quant,
        inner,
        handled: Vec::new(),
    })))
}

impl Quantified {
    /// The list's elements, or the truth of the quantifier when there is no list to test.
    fn elements(&self, env: &Env<'_>) -> Result<Vec<Node>, Truth> {
        match self.list.eval(env) {
            Out::Value(Value::List(items)) => Ok(items),
            // A value that is not a list has no elements to test: no value, false.
            Out::Value(_) | Out::Invalid(_) => Err(Truth::False),
            Out::Unknown => {
                // Unknown unless every unset field it reads has its absence handled.
                let mut all = Vec::new();
                self.list.unset_fields(env, &mut all);
                Err(if !all.is_empty() && self.unset(env).is_empty() {
                    Truth::False
                } else {
                    Truth::Unknown
                })
            }
        }
    }

    /// The unset fields the list reads whose absence the rule leaves open.
    fn unset<'s>(&'s self, env: &Env<'_>) -> Vec<&'s FieldRef> {
        let mut refs = Vec::new();
        self.list.unset_fields(env, &mut refs);
        refs.retain(|r| {
            !self
                .handled
                .iter()
                .any(|h| h.target == r.target && h.path == r.path)
        });
        refs
    }

    /// Mark the element condition's tests of `tested` fields as handled (see
    /// [`Cond::mark_handled`]): an enclosing group tests their presence.
    pub fn mark_inner(&mut self, tested: &[FieldRef]) {
        self.inner.mark(tested);
    }

    pub fn eval(&self, env: &Env<'_>) -> Truth {
        let items = match self.elements(env) {
            Ok(items) => items,
            Err(t) => return t,
        };
        let (mut yes, mut maybe, mut no) = (0u64, 0u64, 0u64);
        for item in &items {
            match self.inner.eval(&on(env, &item.value)) {
                Truth::True => yes += 1,
                Truth::Unknown => maybe += 1,
                Truth::False => no += 1,
            }
            // `any` and `none` are settled by one true element, `all` by one false one.
            match self.quant {
                Quant::Any | Quant::None if yes > 0 => break,
                Quant::All if no > 0 => break,
                _ => {}
            }
        }
        let some = if yes > 0 {
            Truth::True
        } else if maybe > 0 {
            Truth::Unknown
        } else {
            Truth::False
        };
        match self.quant {
            Quant::Any => some,
            Quant::None => !some,
            Quant::All if no > 0 => Truth::False,
            Quant::All if maybe > 0 => Truth::Unknown,
            Quant::All => Truth::True,
            Quant::Count { min, max } => {
                // Between `yes` and `yes + maybe` elements satisfy the condition.
                let (lo, hi) = (yes, yes + maybe);
                if hi < min || max.is_some_and(|m| lo > m) {
                    Truth::False
                } else if lo >= min && max.is_none_or(|m| hi <= m) {
                    Truth::True
                } else {
                    Truth::Unknown
                }
            }
        }
    }

    /// The missing values that make it unknown: the list's, or those of undecided elements.
    pub fn unknowns(&self, env: &Env<'_>, out: &mut Vec<super::cond::Missing>) {
        match self.elements(env) {
            Err(_) => missing_of(env, &self.unset(env), out),
            Ok(items) => {
                for item in &items {
                    self.inner.unknowns(&on(env, &item.value), out);
                }
            }
        }
    }

    /// For `kbcheck explain`: the list's value, then each element with its result.
    pub fn trace(&self, env: &Env<'_>) -> Vec<String> {
        let mut out = vec![self.list.trace(env)];
        if let Ok(items) = self.elements(env) {
            for item in &items {
                let t = self.inner.eval(&on(env, &item.value));
                out.push(format!("{} element `{}`", t.mark(), item.value.display()));
            }
        }
        out
    }

    pub fn describe(&self, depth: usize, out: &mut Vec<String>) {
        let pad = "  ".repeat(depth);
        let how = match self.quant {
            Quant::Any => "some element".to_owned(),
            Quant::All => "every element".to_owned(),
            Quant::None => "no element".to_owned(),
            Quant::Count { min, max: None } => format!("at least {min} elements"),
            Quant::Count { min, max: Some(m) } if m == min => format!("exactly {min} elements"),
            Quant::Count { min, max: Some(m) } => format!("{min} to {m} elements"),
        };
        out.push(format!("{pad}{} has {how} where:", self.list.describe()));
        self.inner.describe(depth + 1, out);
    }
}

/// The environment testing one element.
fn on<'e>(env: &Env<'e>, element: &'e Value) -> Env<'e> {
    Env {
        element: Some(element),
        ..*env
    }
}

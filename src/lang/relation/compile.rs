//! Compiling relations: `via`, `links`, `direction`, `hops`, quantifiers, counts and sums,
//! read from a rule file and checked against the vocabulary.

use super::reference::ViaEntry;
use super::{Bound, Direction, PathStep, Quantifier, Relation, Step, Walk};
use crate::diagnostic::{Diags, suggestion_help};
use crate::lang::cond::{CondCx, FieldRef, Scope, Target};
use crate::reader::{MapReader, string_list};
use crate::value::{Node, Value};
use crate::vocabulary::Class;

pub const KEYS: &[&str] = &[
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
    "path",
    "through",
    "count-links",
    "bind",
];

/// Keys a relation with a `path` says in its steps instead.
const WALK_KEYS: &[&str] = &["via", "links", "direction", "hops", "link-where"];

impl Walk {
    /// Compile `via`, `links` and `direction` from a reader.
    pub fn compile(
        cx: &CondCx<'_>,
        r: &mut MapReader<'_>,
        from: Class,
        diags: &mut Diags,
    ) -> Option<Walk> {
        let file = cx.file;
        let mut steps = Vec::new();
        let mut refs = Vec::new();
        match r.take("via") {
            Some(via) => {
                for (entry, pos) in super::reference::entries(cx, via, diags)? {
                    let s = match entry {
                        ViaEntry::Word(s) => s,
                        ViaEntry::ReferencedBy(name) => {
                            let step = super::reference::step(
                                cx, name, pos, from, true, &mut refs, diags,
                            )?;
                            steps.push(step);
                            continue;
                        }
                    };
                    let step = match s {
                        "parent" => Step::Parent,
                        "children" => Step::Children,
                        "links" => Step::Links,
                        "from" => Step::From,
                        "to" => Step::To,
                        _ => super::reference::step(cx, s, pos, from, false, &mut refs, diags)?,
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
        let direction = word(
            cx,
            r.take("direction"),
            vec![
                ("out", Direction::Out),
                ("in", Direction::In),
                ("any", Direction::Any),
            ],
            ("direction", "directions"),
            diags,
        )?
        .unwrap_or(Direction::Any);
        Some(Walk {
            steps,
            refs,
            links,
            direction,
            child_where: None,
        })
    }
}

impl Relation {
    pub fn compile(
        cx: &CondCx<'_>,
        node: &Node,
        scope: &Scope,
        diags: &mut Diags,
    ) -> Option<Relation> {
        let mut r = MapReader::new(cx.file, node, "rule", "`related`", diags)?;
        let steps = match r.take("path") {
            Some(p) => {
                if let Some(k) = WALK_KEYS.iter().find(|k| r.has(k)) {
                    cx.error(
                        diags,
                        p.pos,
                        "bad_argument",
                        format!("`related` takes `path` or `{k}`, not both"),
                        format!("a path says its walk in its steps: move `{k}` into a step, e.g. `path: [{{via: links, links: [...], direction: out}}]`"),
                    );
                    return None;
                }
                PathStep::compile_all(cx, p, scope.class, diags)?
            }
            None => Vec::new(),
        };
        let walk = Walk::compile(cx, &mut r, scope.class, diags);
        let (min_hops, max_hops) = match r.take("hops") {
            None => (1, Some(1)),
            Some(n) => hops(cx, n, diags)?,
        };
        let through = match r.take("through") {
            Some(t) => {
                if max_hops == Some(1) || !steps.is_empty() {
                    cx.error(
                        diags,
                        t.pos,
                        "bad_argument",
                        "`through` goes with a walk of several hops".into(),
                        "add `hops: any` (or `hops: {max: 3}`); a path of steps filters each step with `kind`".into(),
                    );
                    return None;
                }
                node_kinds(cx, t, diags)?
            }
            None => Vec::new(),
        };
        let kinds = match r.take("kind") {
            Some(k) => node_kinds(cx, k, diags)?,
            None => Vec::new(),
        };
        // With a path, what the last step allows is what `where` reads.
        let reached = Scope {
            class: Class::Node,
            kinds: match steps.last() {
                Some(last) if kinds.is_empty() => last.kinds.clone(),
                _ => kinds.clone(),
            },
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
        let mut quantifier = word(
            cx,
            r.take("quantifier"),
            vec![
                ("any", Quantifier::Any),
                ("all", Quantifier::All),
                ("none", Quantifier::None),
            ],
            ("quantifier", "quantifiers"),
            diags,
        )?
        .unwrap_or(Quantifier::Any);
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
        let count_links = match r.take("count-links") {
            None => false,
            Some(n) => match n.value {
                Value::Bool(b) => {
                    if b && (!matches!(quantifier, Quantifier::Count { .. }) || sum.is_some()) {
                        cx.error(
                            diags,
                            n.pos,
                            "bad_argument",
                            "`count-links` goes with `count` (and not with `sum`)".into(),
                            "say how many links: `count-links: true, count: {min: 2}`".into(),
                        );
                        return None;
                    }
                    b
                }
                _ => {
                    cx.error(
                        diags,
                        n.pos,
                        "wrong_type",
                        "`count-links` takes true or false".into(),
                        "write `count-links: true`".into(),
                    );
                    return None;
                }
            },
        };
        let bind = match r.take("bind") {
            None => None,
            Some(n) => Some(crate::lang::binding::compile_name(
                cx,
                n,
                matches!(quantifier, Quantifier::None),
                diags,
            )?),
        };
        r.finish(KEYS, "`related`", diags);
        Some(Relation {
            steps,
            through,
            count_links,
            bind,
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
}

/// Read a list of node kinds, each checked against the vocabulary.
pub(super) fn node_kinds(cx: &CondCx<'_>, n: &Node, diags: &mut Diags) -> Option<Vec<String>> {
    let known = cx.vocab.kind_names(Class::Node);
    let mut kinds = Vec::new();
    for (k, pos) in string_list(cx.file, n, "rule", "kind", diags)? {
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
    Some(kinds)
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
    // Strict and decimal bounds are comparisons of a value: the aggregate expression.
    if let Value::Map(entries) = &n.value
        && let Some((k, _)) = entries
            .iter()
            .find(|(k, _)| ["gt", "gte", "lt", "lte"].contains(&k.name.as_str()))
    {
        cx.error(
            diags,
            k.pos,
            "bad_argument",
            format!("`count` takes `min` and `max` (whole numbers, inclusive), not `{}`", k.name),
            format!(
                "compare the count or sum as a value: `{{value: {{count: true, over: {{via: children, kind: postoffice}}}}, {}: 500}}` (or `{{sum: FIELD, over: ...}}`)",
                k.name
            ),
        );
        return None;
    }
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
                Value::Map(_) if crate::lang::expr::is_function(v) => {
                    crate::lang::expr::compile(cx, v, scope, diags).map(|e| Some(Bound::Expr(e)))
                }
                _ => {
                    cx.error(diags, v.pos, "bad_argument", format!("`{key}` of `count` takes a whole number >= 0, `{{field: ...}}` or an expression"), format!("write `count: {{{key}: 2}}` or `count: {{{key}: {{field: free-drive-letters}}}}`; to compare with a decimal, test the aggregate as a value: `{{value: {{sum: FIELD, over: {{via: children}}}}, gt: 2.5}}`"));
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

/// One of a fixed set of words (`direction: out`): `Some(None)` when the key is absent, the
/// value of the word written, or `None` (an error with a suggestion) for any other word.
fn word<T>(
    cx: &CondCx<'_>,
    node: Option<&Node>,
    words: Vec<(&str, T)>,
    (what, plural): (&str, &str),
    diags: &mut Diags,
) -> Option<Option<T>> {
    let Some(n) = node else {
        return Some(None);
    };
    let names: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
    if let Some((_, v)) = words
        .into_iter()
        .find(|(w, _)| n.value.as_str() == Some(*w))
    {
        return Some(Some(v));
    }
    let w = n.value.display();
    cx.error(
        diags,
        n.pos,
        "bad_argument",
        format!("unknown {what} `{w}`"),
        suggestion_help(&w, &names, plural),
    );
    None
}

//! The generators: random topologies and random rules of the shapes the oracle knows.

use crate::lists::{ElemOp, Pattern};
use crate::logic::*;
use crate::model::*;
use crate::relations::*;
use crate::rules::*;
use proptest::prelude::*;

pub fn topo_strategy() -> impl Strategy<Value = Topo> {
    let node = (
        0..NODE_KINDS.len(),
        0..=COLORS.len(),
        0..=2i64,
        0..=SITES.len() * 2,
        proptest::option::of(0usize..8),
        proptest::option::weighted(
            0.75,
            proptest::collection::vec(proptest::sample::select(ELEMS.to_vec()), 0..=3),
        ),
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
                .map(|(i, (k, c, s, site, p, labels))| TNode {
                    kind: NODE_KINDS[k],
                    color: COLORS.get(c).copied(),
                    size: (s > 0).then_some(s),
                    // Mostly no site of its own, so sites are inherited.
                    site: SITES.get(site).copied(),
                    // Parents come earlier in the list: no cycles.
                    parent: p.filter(|_| i > 0).map(|p| p % i.max(1)),
                    labels,
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

pub fn kinds_strategy() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(NODE_KINDS.to_vec(), 1..=3)
}

/// A leaf test of a node attribute (values sometimes absent from the topology).
pub fn node_leaf() -> impl Strategy<Value = Cond> {
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
        proptest::sample::select(vec!["color", "size", "labels"])
            .prop_flat_map(|f| any::<bool>().prop_map(move |b| Cond::Missing(f, b))),
        kinds_strategy().prop_map(Cond::Kind),
        (number_ex(), 0..=3i64).prop_map(|(e, n)| Cond::ValueGte(e, n)),
        (
            text_ex(),
            proptest::sample::select(vec!["R", "G1", "b", "1"])
        )
            .prop_map(|(e, v)| Cond::ValueEquals(e, v)),
        text_ex().prop_map(|e| Cond::StartsWith("color", e)),
        each_cond(),
    ]
}

/// A list quantifier over `labels`, with an element condition.
pub fn each_cond() -> impl Strategy<Value = Cond> {
    (quant_strategy(), elem_cond()).prop_map(|(q, c)| Cond::Each(q, Box::new(c)))
}

/// An element condition: bare operators on the element, expressions over `{element: true}`
/// (some also reading the node's `size`, which may be unset), and tests of the node itself,
/// under `all` / `any` / `not`.
fn elem_cond() -> impl Strategy<Value = Cond> {
    let elem = proptest::sample::select(ELEMS.to_vec());
    let leaf = prop_oneof![
        elem.clone().prop_map(|e| Cond::Elem(ElemOp::Equals(e))),
        proptest::sample::select(vec!["p", "PQ", "Q1"])
            .prop_map(|e| Cond::Elem(ElemOp::Caseless(e))),
        proptest::sample::select(vec!["p", "q", "1"])
            .prop_map(|e| Cond::Elem(ElemOp::StartsWith(e))),
        proptest::sample::subsequence(ELEMS.to_vec(), 1..=2)
            .prop_map(|es| Cond::Elem(ElemOp::In(es))),
        proptest::sample::select(vec![
            Pattern::StartsWithP,
            Pattern::HasDigit,
            Pattern::Lowercase
        ])
        .prop_map(|p| Cond::Elem(ElemOp::Matches(p))),
        (1..=2i64).prop_map(|n| Cond::ValueGte(Ex::Length(Box::new(Ex::Element)), n)),
        (0..=10i64).prop_map(|n| Cond::ValueGte(Ex::Number(Box::new(Ex::Element)), n)),
        proptest::sample::select(vec!["P", "PQ", "Q1"])
            .prop_map(|v| Cond::ValueEquals(Ex::Upper(Box::new(Ex::Element)), v)),
        proptest::sample::select(vec!["p1", "P2", "q11"])
            .prop_map(|v| Cond::ValueEquals(Ex::Concat(vec![Ex::Element, Ex::Field("size")]), v)),
        (1..=2i64).prop_map(|n| Cond::Gte("size", n)),
        any::<bool>().prop_map(|b| Cond::Missing("size", b)),
        kinds_strategy().prop_map(Cond::Kind),
    ];
    leaf.prop_recursive(2, 6, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..=3).prop_map(Cond::All),
            proptest::collection::vec(inner.clone(), 1..=3).prop_map(Cond::Any),
            inner.prop_map(|c| Cond::Not(Box::new(c))),
        ]
    })
}

/// A number-valued expression (well typed, so it loads): sizes, lengths, numbers read
/// from text (the colors are not numbers: no value).
pub fn number_ex() -> impl Strategy<Value = Ex> {
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

pub fn text_leaf() -> impl Strategy<Value = Ex> {
    prop_oneof![
        3 => Just(Ex::Field("color")),
        1 => proptest::sample::select(vec!["r", "", "1"]).prop_map(Ex::Text),
        1 => Just(Ex::Concat(vec![Ex::Field("size")])),
    ]
}

/// A text-valued expression: colors, upper-cased, joined with sizes.
pub fn text_ex() -> impl Strategy<Value = Ex> {
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
pub fn node_cond() -> impl Strategy<Value = Cond> {
    node_leaf().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..=3).prop_map(Cond::All),
            proptest::collection::vec(inner.clone(), 1..=3).prop_map(Cond::Any),
            inner.prop_map(|c| Cond::Not(Box::new(c))),
        ]
    })
}

pub fn link_cond() -> impl Strategy<Value = Cond> {
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

pub fn steps_strategy() -> impl Strategy<Value = Vec<Step>> {
    proptest::sample::subsequence(vec![Step::Parent, Step::Children, Step::Links], 1..=3)
}

pub fn link_kinds_strategy() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(LINK_KINDS.to_vec(), 0..=2)
}

pub fn hops_strategy() -> impl Strategy<Value = Option<(String, u32, Option<u32>)>> {
    prop_oneof![
        Just(None),
        Just(Some(("2".to_owned(), 1, Some(2)))),
        Just(Some(("any".to_owned(), 1, None))),
        Just(Some(("{min: 2, max: 3}".to_owned(), 2, Some(3)))),
        Just(Some(("{min: 2}".to_owned(), 2, None))),
        Just(Some(("{max: 2}".to_owned(), 1, Some(2)))),
    ]
}

pub fn quant_strategy() -> impl Strategy<Value = Quant> {
    prop_oneof![
        Just(Quant::Any),
        Just(Quant::All),
        Just(Quant::None),
        (0..=2u64, proptest::option::of(0..=2u64))
            .prop_map(|(min, extra)| Quant::Count(min, extra.map(|e| min + e))),
    ]
}

pub fn pstep_strategy() -> impl Strategy<Value = PStep> {
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

pub fn rel_strategy() -> impl Strategy<Value = Rel> {
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

pub fn select_strategy() -> impl Strategy<Value = Select> {
    (
        kinds_strategy(),
        proptest::option::weighted(0.4, node_cond()),
    )
        .prop_map(|(kinds, cond)| Select { kinds, cond })
}

/// A check rule whose condition is a relation, alone or combined with another condition;
/// sometimes its relations bind `x` and the rule reports it.
pub fn check_strategy() -> impl Strategy<Value = Rule> {
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
pub fn key_ex(e: impl Strategy<Value = Ex>) -> impl Strategy<Value = Ex> {
    e.prop_filter("a key is not a literal", |e| {
        !matches!(e, Ex::Text(_) | Ex::Int(_))
    })
}

pub fn group_strategy() -> impl Strategy<Value = Rule> {
    let within = prop_oneof![
        1 => Just(Within::Topology),
        1 => Just(Within::Parent),
        1 => Just(Within::Site),
        3 => (
            steps_strategy(),
            link_kinds_strategy(),
            proptest::option::weighted(0.4, node_cond())
        )
            .prop_map(|(s, l, w)| Within::Component(s, l, w)),
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

/// A check rule whose condition is about the node alone, a list quantifier half of the time.
pub fn condition_strategy() -> impl Strategy<Value = Rule> {
    let when = prop_oneof![
        2 => each_cond(),
        1 => (each_cond(), node_cond()).prop_map(|(q, c)| Cond::Any(vec![q, c])),
        1 => (each_cond(), node_cond()).prop_map(|(q, c)| Cond::All(vec![c, q])),
        2 => node_cond(),
    ];
    (select_strategy(), when).prop_map(|(select, when)| Rule::Check {
        select,
        when,
        report: false,
    })
}

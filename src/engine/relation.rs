//! Relations: the entities reached from the one being tested — its parent, children,
//! or nodes over links of given kinds (and conditions on those links) — over one or
//! several hops, with a quantifier (`any`, `all`, `none`, or a count between min and max,
//! or a sum of a field between min and max) over those that match.

use super::cond::{Cond, CondCx, Env, FieldRef, Scope, Target};
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

impl Bound {
    /// The bound's value; `None` when it names a field the entity does not have as a number.
    fn resolve(&self, env: &Env<'_>) -> Option<f64> {
        match self {
            Bound::Literal(n) => Some(*n as f64),
            Bound::Field(r) => env.field(r)?.as_f64(),
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

    /// The entities reached from `start`, each once, in walk order.
    pub fn reach(&self, env: &Env<'_>, start: Idx) -> Vec<Idx> {
        let topo = env.topo;
        let keep = |l: Idx| self.link_cond.as_ref().is_none_or(|c| c.eval(&env.at(l)));
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

    pub fn eval(&self, env: &Env<'_>) -> bool {
        let reached = self.reach(env, env.current);
        let mut considered = 0u64;
        let mut matched = 0u64;
        let mut total = 0.0f64;
        for &i in &reached {
            if !self.kinds.is_empty() && !self.kinds.contains(&env.topo.entity(i).kind) {
                continue;
            }
            considered += 1;
            let at = env.at(i);
            if self.cond.as_ref().is_none_or(|c| c.eval(&at)) {
                matched += 1;
                // An entity without the summed field (or with a non-number) adds nothing.
                if let Some(f) = &self.sum {
                    total += at.field(f).and_then(|v| v.as_f64()).unwrap_or(0.0);
                }
            } else if matches!(self.quantifier, Quantifier::All) {
                return false;
            }
        }
        match &self.quantifier {
            Quantifier::Any => matched > 0,
            // `all` over nothing is false: a rule about "every connected server" must
            // not pass because nothing is connected.
            Quantifier::All => considered > 0 && matched == considered,
            Quantifier::None => matched == 0,
            Quantifier::Count { min, max } => {
                let n = if self.sum.is_some() {
                    total
                } else {
                    matched as f64
                };
                // A bound naming a field the entity does not have cannot be met.
                let Some(lo) = min.resolve(env) else {
                    return false;
                };
                let hi = match max {
                    Some(m) => match m.resolve(env) {
                        Some(v) => Some(v),
                        None => return false,
                    },
                    None => None,
                };
                n >= lo && hi.is_none_or(|h| n <= h)
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
            }),
            _ => Err(diags.0.iter().map(|d| d.code.clone()).collect()),
        }
    }

    /// The entity ids of each finding `rule` gives on `topology` (both YAML).
    pub(crate) fn fire(rule: &str, topology: &str) -> Vec<Vec<String>> {
        let set = compile(rule).unwrap();
        let file = SourceFile::new("t.yaml", topology.to_owned());
        let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
        let (topo, diags) = Topology::load(&file, tree, &set.vocab);
        assert!(!diags.has_errors(), "{diags:?}");
        let topo = topo.unwrap();
        crate::engine::evaluate(&set, &topo)
            .iter()
            .map(|f| {
                f.entities
                    .iter()
                    .map(|&i| topo.entity(i).id.clone())
                    .collect()
            })
            .collect()
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

    #[test]
    fn sum_adds_up_a_field_and_bounds_may_be_fields() {
        // S: 3 + 3 + 1 (+ nothing for E4) = 7; T has no instances, a sum of 0.
        assert_eq!(
            fire(&sum_rule("{min: 7, max: 7}"), MACHINE),
            vec![vec!["S"]]
        );
        assert!(fire(&sum_rule("{min: 8}"), MACHINE).is_empty());
        assert_eq!(fire(&sum_rule("{max: 0}"), MACHINE), vec![vec!["T"]]);
        // 7 <= S's 7 free letters; T has no `free-drive-letters`, so its bound cannot be met.
        assert_eq!(
            fire(&sum_rule("{max: {field: free-drive-letters}}"), MACHINE),
            vec![vec!["S"]]
        );
        assert!(
            fire(
                &sum_rule("{min: {field: free-drive-letters}, max: 6}"),
                MACHINE
            )
            .is_empty()
        );
    }

    #[test]
    fn count_bounds_may_be_fields_without_sum() {
        let rule = "{id: R, title: t, select: {kind: server}, severity: error, message: m,
          when: {related: {via: children, kind: external, count: {min: {field: free-drive-letters}}}}}";
        assert!(fire(rule, MACHINE).is_empty());
        let rule = rule.replace("min:", "max:");
        assert_eq!(fire(&rule, MACHINE), vec![vec!["S"]]);
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

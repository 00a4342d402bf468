//! Rules and what they give: check rules (with `bind` and `report`) and groups within the
//! topology, a parent, a site or a connected component.

use crate::logic::*;
use crate::model::*;
use crate::relations::*;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Which nodes a rule selects, and the `where` that goes with it.
#[derive(Clone, Debug)]
pub struct Select {
    pub kinds: Vec<&'static str>,
    pub cond: Option<Cond>,
}

impl Select {
    pub fn yaml(&self) -> String {
        let mut s = format!("{{kind: [{}]", self.kinds.join(", "));
        if let Some(c) = &self.cond {
            s.push_str(&format!(", where: {}", c.yaml()));
        }
        s.push('}');
        s
    }

    pub fn truth(&self, t: &Topo, i: usize) -> T {
        if !self.kinds.contains(&t.nodes[i].kind) {
            return T::No;
        }
        self.cond
            .as_ref()
            .map_or(T::Yes, |c| eval(t, c, At::Node(i), &[]))
    }
}

#[derive(Clone, Debug)]
pub enum Within {
    Topology,
    Parent,
    Site,
    /// `{component: {via, links, child-where}}`.
    Component(Vec<Step>, Vec<&'static str>, Option<Cond>),
}

#[derive(Clone, Debug)]
pub enum Rule {
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
    pub fn yaml(&self, id: &str) -> String {
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
                    Within::Component(steps, links, child_where) => {
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
                        if let Some(c) = child_where {
                            w.push_str(&format!(", child-where: {}", c.yaml()));
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
pub struct Outcome {
    pub findings: Vec<Vec<String>>,
    pub inconclusive: Vec<String>,
}

/// The oracle: what the rule language's definitions say `rule` gives on `t`.
pub fn oracle(t: &Topo, rule: &Rule) -> Outcome {
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
                    Within::Component(steps, links, child_where) => {
                        component(t, steps, links, child_where.as_ref(), i)
                    }
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
pub fn bound(t: &Topo, when: &Cond, i: usize) -> Vec<Option<usize>> {
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
/// direction), named by its smallest member: a breadth-first search from scratch. With
/// `child-where`, a child and its parent are joined by containment only where the condition
/// surely holds on the child; links join them regardless.
pub fn component(
    t: &Topo,
    steps: &[Step],
    links: &[&'static str],
    child_where: Option<&Cond>,
    i: usize,
) -> String {
    let joins =
        |child: usize| child_where.is_none_or(|c| eval(t, c, At::Node(child), &[]) == T::Yes);
    let links: &[&str] = if steps.contains(&Step::Links) {
        links
    } else {
        &[]
    };
    let connected = |a: usize, b: usize| -> bool {
        let contain = steps
            .iter()
            .any(|s| matches!(s, Step::Parent | Step::Children))
            && ((t.nodes[a].parent == Some(b) && joins(a))
                || (t.nodes[b].parent == Some(a) && joins(b)));
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

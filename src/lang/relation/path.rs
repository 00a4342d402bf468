//! Paths of steps: a relation that walks an ordered list of steps (`path: [...]`), each with
//! its own step kind (`via`, `links`, `direction`), the node kinds allowed where it ends
//! (`kind`), a condition on what it reaches (`where`) and on the links it follows
//! (`link-where`). What the last step reaches (never the entity the walk started from) is
//! what the relation's quantifier counts.
//!
//! Each step keeps the entities it reached with a truth: `true` when every filter on the way
//! surely held, `unknown` when one needed a value that is not set. An entity reached both ways
//! keeps the better truth. The cost is the sum of the edges each step's frontier has.

use super::walk::Trace;
use super::{Relation, Walk};
use crate::diagnostic::Diags;
use crate::lang::cond::{Cond, CondCx, Missing, Scope, Truth};
use crate::lang::env::Env;
use crate::reader::MapReader;
use crate::topology::Idx;
use crate::value::{Node, Value};
use crate::vocabulary::Class;
use std::collections::HashMap;

/// One step of a path.
#[derive(Debug)]
pub struct PathStep {
    pub walk: Walk,
    /// Node kinds the step may end on (empty: any).
    pub kinds: Vec<String>,
    /// A condition on each entity the step reaches.
    pub cond: Option<Cond>,
    /// A condition on each link the step follows.
    pub link_cond: Option<Cond>,
}

const STEP_KEYS: &[&str] = &["via", "links", "direction", "kind", "where", "link-where"];

impl PathStep {
    /// Compile `path: [...]`: each step a map, or a bare step name (`parent`).
    pub fn compile_all(
        cx: &CondCx<'_>,
        node: &Node,
        from: Class,
        diags: &mut Diags,
    ) -> Option<Vec<PathStep>> {
        let Value::List(items) = &node.value else {
            cx.error(
                diags,
                node.pos,
                "wrong_type",
                format!(
                    "`path` takes a list of steps, found a {}",
                    node.value.type_name()
                ),
                "write `path: [parent, {via: links, links: [msmail-connector]}, children]`".into(),
            );
            return None;
        };
        if items.is_empty() {
            cx.error(
                diags,
                node.pos,
                "bad_argument",
                "`path` needs at least one step".into(),
                "write `path: [parent, children]`".into(),
            );
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        let mut class = from;
        for item in items {
            out.push(PathStep::compile(cx, item, class, diags)?);
            class = Class::Node;
        }
        Some(out)
    }

    fn compile(cx: &CondCx<'_>, item: &Node, from: Class, diags: &mut Diags) -> Option<PathStep> {
        // `parent` is short for `{via: parent}`.
        let wrapped;
        let item = if let Value::Str(s) = &item.value {
            wrapped = Node {
                value: Value::Map(vec![(
                    crate::value::Key {
                        name: "via".into(),
                        pos: item.pos,
                    },
                    Node {
                        value: Value::Str(s.clone()),
                        pos: item.pos,
                    },
                )]),
                pos: item.pos,
            };
            &wrapped
        } else {
            item
        };
        let mut r = MapReader::new(cx.file, item, "rule", "a path step", diags)?;
        let walk = Walk::compile(cx, &mut r, from, diags)?;
        let kinds = match r.take("kind") {
            Some(k) => super::compile::node_kinds(cx, k, diags)?,
            None => Vec::new(),
        };
        let reached = Scope {
            class: Class::Node,
            kinds: kinds.clone(),
        };
        let cond = match r.take("where") {
            Some(w) => Some(cx.cond(w, &reached, diags)?),
            None => None,
        };
        let link_cond = match r.take("link-where") {
            Some(w) => Some(cx.cond(
                w,
                &Scope {
                    class: Class::Link,
                    kinds: walk.links.clone(),
                },
                diags,
            )?),
            None => None,
        };
        r.finish(STEP_KEYS, "a path step", diags);
        Some(PathStep {
            walk,
            kinds,
            cond,
            link_cond,
        })
    }

    pub fn describe(&self) -> String {
        let mut s = self.walk.describe();
        if !self.kinds.is_empty() {
            s.push_str(&format!(" to a {}", self.kinds.join("/")));
        }
        if self.cond.is_some() {
            s.push_str(" (with a condition)");
        }
        if self.link_cond.is_some() {
            s.push_str(" (over links with a condition)");
        }
        s
    }
}

impl Relation {
    /// Walk the relation's path of steps from `start`: the entities the last step reaches
    /// (not `start`), each once, in walk order, with whether reaching it is certain. With
    /// `why`, the values whose absence left a step's filter unknown; with `trace`, how each
    /// step first reached each entity.
    pub(super) fn walk_path(
        &self,
        env: &Env<'_>,
        start: Idx,
        mut why: Option<&mut Vec<Missing>>,
        mut trace: Option<&mut Trace>,
    ) -> Vec<(Idx, Truth)> {
        let topo = env.topo;
        let mut frontier: Vec<(Idx, Truth)> = vec![(start, Truth::True)];
        let mut edges = Vec::new();
        for (layer, step) in self.steps.iter().enumerate() {
            let mut next: Vec<(Idx, Truth)> = Vec::new();
            let mut at: HashMap<Idx, usize> = HashMap::new();
            for &(i, t) in &frontier {
                edges.clear();
                step.walk.edges_over(topo, i, &mut edges, &|_| true);
                for &(n, link) in &edges {
                    let lt = match (&step.link_cond, link) {
                        (Some(c), Some(l)) => {
                            let le = env.at(l);
                            let lt = c.eval(&le);
                            if lt == Truth::Unknown
                                && let Some(out) = why.as_deref_mut()
                            {
                                c.unknowns(&le, out);
                            }
                            lt
                        }
                        _ => Truth::True,
                    };
                    if lt == Truth::False
                        || (!step.kinds.is_empty()
                            && !step.kinds.iter().any(|k| *k == topo.entity(n).kind))
                    {
                        continue;
                    }
                    let ne = env.at(n);
                    let nt = step.cond.as_ref().map_or(Truth::True, |c| c.eval(&ne));
                    if nt == Truth::Unknown
                        && let (Some(out), Some(c)) = (why.as_deref_mut(), &step.cond)
                    {
                        c.unknowns(&ne, out);
                    }
                    let m = t.and(lt).and(nt);
                    if m == Truth::False {
                        continue;
                    }
                    match at.get(&n).and_then(|&k| next.get_mut(k)) {
                        Some(slot) => slot.1 = slot.1.or(m),
                        None => {
                            at.insert(n, next.len());
                            next.push((n, m));
                        }
                    }
                    if let Some(tr) = trace.as_deref_mut() {
                        let last = layer + 1 == self.steps.len();
                        tr.record(layer, i, n, link, last && m == Truth::True);
                        if last && m == Truth::Unknown && link.is_some() {
                            *tr.open_links.entry(n).or_default() += 1;
                        }
                    }
                }
            }
            frontier = next;
        }
        frontier.retain(|&(i, _)| i != start);
        frontier
    }
}

//! Reference attributes in a topology: each value the vocabulary declares a reference
//! (`type: reference`) resolved to the node it names, both ways, so relations and `of` follow
//! it like `parent` and `graph` draws it. A value that names no node, or a node of a kind the
//! attribute does not allow, is an error like a dangling `parent`.

use super::{Idx, Topology};
use crate::diagnostic::{Diag, Diags, Suggester};
use crate::value::{Key, Node, Pos, Value};
use crate::vocabulary::{Class, Vocabulary};
use std::collections::{HashMap, HashSet};

/// The resolved references of a topology, by the vocabulary's reference id.
#[derive(Debug, Default)]
pub struct References {
    /// Per reference attribute: the nodes each entity names.
    out: Vec<HashMap<Idx, Vec<Idx>>>,
    /// Per reference attribute: the entities that name each node.
    into: Vec<HashMap<Idx, Vec<Idx>>>,
}

impl References {
    /// The nodes entity `i` names in reference attribute `attr` (in the order written).
    pub fn targets(&self, attr: u16, i: Idx) -> &[Idx] {
        Self::slot(&self.out, attr, i)
    }

    /// The entities whose reference attribute `attr` names node `i` (ascending).
    pub fn sources(&self, attr: u16, i: Idx) -> &[Idx] {
        Self::slot(&self.into, attr, i)
    }

    fn slot(maps: &[HashMap<Idx, Vec<Idx>>], attr: u16, i: Idx) -> &[Idx] {
        maps.get(usize::from(attr))
            .and_then(|m| m.get(&i))
            .map_or(&[], Vec::as_slice)
    }

    /// Every reference as (entity, attribute id, node named), sorted: for drawing.
    pub fn edges(&self) -> Vec<(Idx, u16, Idx)> {
        let mut out = Vec::new();
        for (attr, map) in self.out.iter().enumerate() {
            let Ok(attr) = u16::try_from(attr) else {
                continue;
            };
            for (&from, targets) in map {
                out.extend(targets.iter().map(|&t| (from, attr, t)));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Resolve every reference attribute value of `topo`, reporting those that name no node or a
/// node of a kind the attribute does not allow (a value from `defaults` once).
pub(super) fn resolve(
    topo: &Topology,
    vocab: &Vocabulary,
    suggest: &mut Suggester,
    diags: &mut Diags,
) -> References {
    let names = vocab.reference_names();
    let mut refs = References {
        out: vec![HashMap::new(); names.len()],
        into: vec![HashMap::new(); names.len()],
    };
    if names.is_empty() {
        return refs;
    }
    let mut reported: HashSet<Pos> = HashSet::new();
    for (i, e) in topo.entities.iter().enumerate() {
        let Ok(i) = Idx::try_from(i) else { continue };
        for (attr, name) in names.iter().enumerate() {
            let Some(spec) = vocab.reference(e.class, &e.kind, name) else {
                continue;
            };
            let Some(node) = value_node(topo, i, name) else {
                continue;
            };
            let ids: Vec<(&str, Pos)> = match &node.value {
                Value::Str(s) => vec![(s.as_str(), node.pos)],
                Value::List(items) => items
                    .iter()
                    .filter_map(|n| n.value.as_str().map(|s| (s, n.pos)))
                    .collect(),
                // Another type was reported by the attribute's schema.
                _ => continue,
            };
            for (id, pos) in ids {
                let target = topo.find(id).filter(|&t| (t as usize) < topo.node_count);
                let Some(target) = target else {
                    if reported.insert(pos) {
                        diags.push(dangling(topo, suggest, name, id, pos));
                    }
                    continue;
                };
                let kind = &topo.entity(target).kind;
                if !spec.kinds.is_empty() && !spec.kinds.iter().any(|k| k == kind) {
                    if reported.insert(pos) {
                        diags.push(
                            Diag::error(
                                "topology::wrong_reference_kind",
                                format!(
                                    "`{name}` names `{id}`, a `{kind}`, where a {} is expected",
                                    spec.kinds
                                        .iter()
                                        .map(|k| format!("`{k}`"))
                                        .collect::<Vec<_>>()
                                        .join(" or ")
                                ),
                            )
                            .at(&topo.file, pos, format!("a `{kind}`"))
                            .help(kind_help(
                                topo,
                                suggest,
                                name,
                                id,
                                &spec.kinds,
                            )),
                        );
                    }
                    continue;
                }
                let attr = u16::try_from(attr).unwrap_or(u16::MAX);
                if let Some(m) = refs.out.get_mut(usize::from(attr)) {
                    m.entry(i).or_default().push(target);
                }
                if let Some(m) = refs.into.get_mut(usize::from(attr)) {
                    let list = m.entry(target).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
        }
    }
    refs
}

/// The written node holding attribute `name` of entity `i`: its own, an ancestor's (for an
/// inherited attribute), or the topology's `defaults` (nodes), as [`Topology::get`] reads.
fn value_node<'t>(topo: &'t Topology, i: Idx, name: &str) -> Option<&'t Node> {
    let find =
        |attrs: &'t [(Key, Node)]| attrs.iter().find(|(k, _)| k.name == name).map(|(_, v)| v);
    let e = topo.entity(i);
    if let Some(v) = find(&e.attrs) {
        return Some(v);
    }
    if e.class == Class::Link {
        return None;
    }
    let path = [name.to_owned()];
    if let Some(a) = topo.inherited_from(i, &path) {
        return find(&topo.entity(a).attrs);
    }
    find(&topo.default_attrs)
}

/// A reference naming no node, with the closest id.
fn dangling(topo: &Topology, suggest: &mut Suggester, name: &str, id: &str, pos: Pos) -> Diag {
    let nodes = topo
        .entities
        .iter()
        .take(topo.node_count)
        .map(|e| e.id.as_str());
    let help = match suggest.did_you_mean("nodes", id, topo.node_count, nodes) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("`{name}` must be the id of a node in `nodes`"),
    };
    Diag::error(
        "topology::unknown_reference",
        format!("`{name}` names `{id}`, which is not a node"),
    )
    .at(&topo.file, pos, "no node has this id")
    .help(help)
}

/// Help for a reference to a node of the wrong kind: the closest id of an allowed kind.
fn kind_help(
    topo: &Topology,
    suggest: &mut Suggester,
    name: &str,
    id: &str,
    kinds: &[String],
) -> String {
    let allowed = topo
        .entities
        .iter()
        .take(topo.node_count)
        .filter(|e| kinds.iter().any(|k| *k == e.kind))
        .map(|e| e.id.as_str());
    match suggest.did_you_mean(&kinds.join(","), id, topo.node_count, allowed) {
        Some(s) => format!(
            "did you mean `{s}`? `{name}` names a {}",
            kinds.join(" or ")
        ),
        None => format!("`{name}` must be the id of a {} node", kinds.join(" or ")),
    }
}

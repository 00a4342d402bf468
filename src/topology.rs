//! The topology: nodes and links read from a file, validated, and indexed.
//!
//! Loading checks everything DESIGN.md lists (ids, references, kinds, attribute types)
//! and collects every problem; only a topology without errors is returned. The indexes
//! (by id, by kind, children, links in and out of each node) are built in the same pass
//! so the engine never scans for pairs.

use crate::diagnostic::{Diag, Diags, Suggester, suggestion_help};
use crate::limits::Limits;
use crate::reader::{MapReader, string_list};
use crate::source::SourceFile;
use crate::value::{Key, Name, Node, Pos, TopList, Value};
use crate::vocabulary::{Class, Vocabulary};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

mod adjacency;
mod entity;
mod ids;
pub use adjacency::Adjacency;
mod references;
pub use ids::Ids;
pub use references::References;

/// Index of an entity (node or link) in [`Topology::entities`].
pub type Idx = u32;

/// A node or a link.
#[derive(Debug, Clone)]
pub struct Entity {
    pub class: Class,
    pub id: String,
    pub kind: Name,
    /// For nodes: the containing node.
    pub parent: Option<Idx>,
    /// For links: the nodes at each end.
    pub from: Option<Idx>,
    pub to: Option<Idx>,
    /// Own tags; `None` means the topology's default tags apply. Entities with the same tags
    /// share one list.
    pub tags: Option<Arc<[String]>>,
    /// Attributes written on the entity (reserved keys excluded).
    pub attrs: Vec<(Key, Node)>,
    /// Where the entity starts in the file.
    pub pos: Pos,
    /// The text to underline for the entity: its id (or, for a link without one, its kind).
    pub label_pos: Pos,
}

/// A loaded, validated and indexed topology.
#[derive(Debug)]
pub struct Topology {
    pub file: SourceFile,
    pub name: Option<String>,
    /// Nodes first, then links.
    pub entities: Vec<Entity>,
    pub node_count: usize,
    /// Entities by the id written in the file ([`Topology::find`]).
    pub ids: Ids,
    pub by_kind: HashMap<String, Vec<Idx>>,
    /// For each node, its children.
    pub children: Adjacency,
    /// For each node, the links that start (out) and end (in) at it.
    pub out_links: Adjacency,
    pub in_links: Adjacency,
    /// Attributes from `defaults` that nodes get unless they set them.
    pub default_attrs: Vec<(Key, Node)>,
    pub default_tags: Vec<String>,
    /// Attributes the vocabulary marks `inherited`: a node that does not set one reads its
    /// nearest ancestor's value (before `defaults`).
    pub inherited: Vec<String>,
    /// Values of reference attributes (`type: reference`), resolved to nodes.
    pub references: References,
}

/// A dotted attribute path, parsed once (`install.source` → `["install", "source"]`).
pub type Path = [String];

impl Topology {
    /// The entity with this id (as written in the file).
    pub fn find(&self, id: &str) -> Option<Idx> {
        self.ids.get(&self.entities, id)
    }

    pub fn entity(&self, i: Idx) -> &Entity {
        // Indexes come from this topology; an out-of-range index is a bug, not input.
        #[expect(
            clippy::indexing_slicing,
            reason = "indexes are created by this topology"
        )]
        &self.entities[i as usize]
    }

    pub fn len(&self) -> usize {
        self.entities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// The tags of an entity (its own, or the defaults).
    pub fn tags(&self, i: Idx) -> &[String] {
        self.entity(i).tags.as_deref().unwrap_or(&self.default_tags)
    }

    /// Read a field of an entity: a reserved key (`id`, `kind`, `parent`, `from`, `to`,
    /// `tags`) or an attribute path. Defaults apply to nodes.
    pub fn get(&self, i: Idx, path: &Path) -> Option<Cow<'_, Value>> {
        let e = self.entity(i);
        let (first, rest) = path.split_first()?;
        let reserved = |v: Option<Value>| -> Option<Cow<'_, Value>> {
            if rest.is_empty() {
                v.map(Cow::Owned)
            } else {
                None
            }
        };
        match first.as_str() {
            "id" => return reserved(Some(Value::Str(e.id.clone()))),
            "kind" => return reserved(Some(Value::Str(e.kind.to_string()))),
            "tags" => {
                let tags = self.tags(i);
                let list = tags
                    .iter()
                    .map(|t| Node {
                        value: Value::Str(t.clone()),
                        pos: e.pos,
                    })
                    .collect();
                return reserved(Some(Value::List(list)));
            }
            "parent" if e.class == Class::Node => {
                return reserved(e.parent.map(|p| Value::Str(self.entity(p).id.clone())));
            }
            "from" if e.class == Class::Link => {
                return reserved(e.from.map(|p| Value::Str(self.entity(p).id.clone())));
            }
            "to" if e.class == Class::Link => {
                return reserved(e.to.map(|p| Value::Str(self.entity(p).id.clone())));
            }
            _ => {}
        }
        let own = lookup(&e.attrs, path);
        if own.is_some() || e.class == Class::Link {
            return own.map(Cow::Borrowed);
        }
        if let Some(a) = self.inherited_from(i, path) {
            return lookup(&self.entity(a).attrs, path).map(Cow::Borrowed);
        }
        lookup(&self.default_attrs, path).map(Cow::Borrowed)
    }

    /// For an inherited attribute a node does not set: the nearest ancestor that writes it.
    pub fn inherited_from(&self, i: Idx, path: &Path) -> Option<Idx> {
        let first = path.first()?;
        if !self.inherited.iter().any(|a| a == first)
            || lookup(&self.entity(i).attrs, path).is_some()
        {
            return None;
        }
        let mut cur = self.entity(i).parent;
        // Containment has no cycles once loaded; the bound keeps a bug from looping.
        for _ in 0..self.node_count {
            let c = cur?;
            if lookup(&self.entity(c).attrs, path).is_some() {
                return Some(c);
            }
            cur = self.entity(c).parent;
        }
        None
    }

    /// The position of an attribute value of an entity, if written.
    pub fn attr_pos(&self, i: Idx, path: &Path) -> Option<Pos> {
        let e = self.entity(i);
        let (first, rest) = path.split_first()?;
        let mut node = e
            .attrs
            .iter()
            .find(|(k, _)| &k.name == first)
            .map(|(_, v)| v)?;
        for seg in rest {
            node = node.value.get(seg)?;
        }
        Some(node.pos)
    }

    /// The site of a node: its own `site`, else its nearest ancestor's.
    pub fn site(&self, i: Idx) -> Option<Cow<'_, Value>> {
        let path = ["site".to_owned()];
        let mut cur = Some(i);
        let mut steps = 0usize;
        while let Some(c) = cur {
            if let Some(v) = self.get(c, &path) {
                return Some(v);
            }
            cur = self.entity(c).parent;
            steps += 1;
            if steps > self.node_count {
                break;
            }
        }
        None
    }

    /// Entities of a kind of one class (empty slice if none): a word may name a node kind
    /// and a link kind, and nodes come before links in each list.
    pub fn of_kind(&self, class: Class, kind: &str) -> &[Idx] {
        let all = self.by_kind.get(kind).map_or(&[][..], Vec::as_slice);
        let links_from = all.partition_point(|&i| (i as usize) < self.node_count);
        let (nodes, links) = all.split_at(links_from);
        match class {
            Class::Node => nodes,
            Class::Link => links,
        }
    }

    /// Load a topology from a parsed document (its `nodes` and `links` lists whole). Warnings
    /// come back with the topology; any error means no topology.
    pub fn load(
        file: &SourceFile,
        mut root: Node,
        vocab: &Vocabulary,
    ) -> (Option<Topology>, Diags) {
        let limits = Limits::default();
        let mut builder = Builder::new(file, vocab, &limits);
        if let Value::Map(entries) = &mut root.value {
            for (k, v) in entries.iter_mut() {
                if let (Some(list), Value::List(items)) = (TopList::of_key(&k.name), &mut v.value) {
                    for item in std::mem::take(items) {
                        builder.item(list, item);
                    }
                }
            }
        }
        match builder.finish(root) {
            Ok((topo, warnings)) => (Some(topo), warnings),
            Err(diags) => (None, diags),
        }
    }
}

/// Builds a topology's entities one at a time, as the reader hands over each item of `nodes`
/// and `links` ([`crate::parse::parse_topology`]), then checks and indexes them with the rest
/// of the document ([`Builder::finish`]). Nodes come first whatever the file's order, and
/// diagnostics keep the order of a whole-tree reading: the top-level keys, the nodes, the
/// links, then references.
pub struct Builder<'a> {
    file: &'a SourceFile,
    vocab: &'a Vocabulary,
    limits: &'a Limits,
    nodes: Built,
    links: Built,
    /// Each distinct list of tags, once.
    tag_lists: entity::TagLists,
}

/// The entities built from one of the two lists.
#[derive(Default)]
struct Built {
    /// Items read, counted past the limit (where building stops).
    count: usize,
    entities: Vec<Entity>,
    pending: Vec<PendingRef>,
    diags: Diags,
}

impl<'a> Builder<'a> {
    pub fn new(file: &'a SourceFile, vocab: &'a Vocabulary, limits: &'a Limits) -> Builder<'a> {
        Builder {
            file,
            vocab,
            limits,
            nodes: Built::default(),
            links: Built::default(),
            tag_lists: HashMap::new(),
        }
    }

    /// Build the entity of one item of `nodes` or `links` (moving its texts out of it).
    pub fn item(&mut self, list: TopList, item: Node) {
        let (built, class, limit) = match list {
            TopList::Nodes => (&mut self.nodes, Class::Node, self.limits.max_nodes),
            TopList::Links => (&mut self.links, Class::Link, self.limits.max_links),
        };
        built.count += 1;
        // Past the limit the topology is refused: only the count goes on.
        if built.count > limit {
            return;
        }
        let mut loader = Loader {
            file: self.file,
            vocab: self.vocab,
            diags: &mut built.diags,
        };
        let at = built.entities.len();
        let tag_lists = &mut self.tag_lists;
        if let Some(e) = loader.entity(item, class, at, &mut built.pending, tag_lists) {
            built.entities.push(e);
        }
    }

    /// Check the document's other keys, resolve references and index: the topology with its
    /// warnings, or every error found. A topology over the node or link limit is refused
    /// with that one error.
    pub fn finish(self, root: Node) -> Result<(Topology, Diags), Diags> {
        crate::limits::check_topology(
            self.file,
            &root,
            [self.nodes.count, self.links.count],
            self.limits,
        )?;
        let mut diags = Diags::default();
        let topo = Loader {
            file: self.file,
            vocab: self.vocab,
            diags: &mut diags,
        }
        .load(root, self.nodes, self.links);
        match topo {
            Some(t) if !diags.has_errors() => Ok((t, diags)),
            _ => Err(diags),
        }
    }
}

fn lookup<'a>(attrs: &'a [(Key, Node)], path: &Path) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut v = &attrs.iter().find(|(k, _)| &k.name == first)?.1.value;
    for seg in rest {
        v = &v.get(seg)?.value;
    }
    Some(v)
}

struct Loader<'a> {
    file: &'a SourceFile,
    vocab: &'a Vocabulary,
    diags: &'a mut Diags,
}

/// A reference to a node by id, resolved after every id is known (one per `parent`, `from`
/// and `to` of the file: kept small).
struct PendingRef {
    entity: Idx,
    /// `parent`, `from` or `to`, by its place in [`ROLES`].
    role: u8,
    id: Box<str>,
    pos: Pos,
}

/// The keys that reference a node by id.
const ROLES: [&str; 3] = ["parent", "from", "to"];

impl PendingRef {
    fn role(&self) -> &'static str {
        ROLES.get(usize::from(self.role)).copied().unwrap_or("to")
    }
}

const TOP_KEYS: &[&str] = &["version", "name", "defaults", "nodes", "links", "$schema"];

impl Loader<'_> {
    fn load(&mut self, root: Node, nodes: Built, links: Built) -> Option<Topology> {
        let file = self.file;
        let mut top = MapReader::new(file, &root, "topology", "a topology", self.diags)?;
        self.check_version(&mut top);
        let name = top.string("name", self.diags).map(|s| s.0.to_owned());
        let (default_attrs, default_tags) = match top.take("defaults") {
            Some(d) => self.defaults(d),
            None => (Vec::new(), Vec::new()),
        };
        let has_nodes = top.take("nodes").is_some();
        let _ = top.take("links");
        if !has_nodes {
            self.diags.push(top.missing("nodes", "the topology"));
        }
        let _ = top.take("$schema");
        top.finish(TOP_KEYS, "the topology", self.diags);

        // The lists' items were built as they were read; what is left here is their type.
        if let Value::Map(entries) = &root.value {
            for (k, v) in entries {
                if TopList::of_key(&k.name).is_some() {
                    self.list_type(v, &k.name);
                }
            }
        }
        self.diags.extend(nodes.diags);
        self.diags.extend(links.diags);
        let node_count = nodes.entities.len();
        // Exactly as many as there are: the lists grew by doubling as they were read.
        let mut entities = nodes.entities;
        entities.reserve_exact(links.entities.len());
        entities.extend(links.entities);
        entities.shrink_to_fit();
        let mut pending = nodes.pending;
        pending.extend(links.pending.into_iter().map(|p| PendingRef {
            entity: p.entity + idx(node_count),
            ..p
        }));
        let ids = self.index_ids(&entities);
        let mut suggest = Suggester::default();
        self.resolve(&mut entities, &ids, &mut suggest, node_count, pending);
        self.check_cycles(&entities, node_count);
        self.check_endpoints(&entities, node_count);
        if self.diags.has_errors() {
            return None;
        }
        let mut by_kind: HashMap<String, Vec<Idx>> = HashMap::new();
        for (i, e) in entities.iter().enumerate() {
            let i = idx(i);
            match by_kind.get_mut(e.kind.as_str()) {
                Some(list) => list.push(i),
                None => {
                    by_kind.insert(e.kind.to_string(), vec![i]);
                }
            }
        }
        let pairs = |end: fn(&Entity) -> Option<Idx>| {
            let entities = &entities;
            move || {
                entities
                    .iter()
                    .enumerate()
                    .filter_map(move |(i, e)| end(e).map(|n| (n, idx(i))))
            }
        };
        let children = Adjacency::build(node_count, pairs(|e| e.parent));
        let out_links = Adjacency::build(node_count, pairs(|e| e.from));
        let in_links = Adjacency::build(node_count, pairs(|e| e.to));
        let mut topo = Topology {
            file: file.clone(),
            name,
            entities,
            node_count,
            ids,
            by_kind,
            children,
            out_links,
            in_links,
            default_attrs,
            default_tags,
            inherited: self.vocab.inherited_attributes(),
            references: References::default(),
        };
        topo.references = references::resolve(&topo, self.vocab, &mut suggest, self.diags);
        Some(topo)
    }

    fn check_version(&mut self, top: &mut MapReader<'_>) {
        let file = self.file;
        match top.take("version") {
            None => self.diags.push(
                top.missing("version", "the topology")
                    .help("start the file with `version: 1`, the topology format version"),
            ),
            Some(v) if v.value == Value::Int(1) => {}
            Some(v) => self.diags.push(
                Diag::error(
                    "topology::unsupported_version",
                    format!(
                        "unsupported topology format version `{}`",
                        v.value.display()
                    ),
                )
                .at(file, v.pos, "this kbcheck reads version 1")
                .help("write `version: 1`; it is the only topology format version so far"),
            ),
        }
    }

    /// Refuse a `nodes` or `links` value that is not a list (an empty one is fine).
    fn list_type(&mut self, node: &Node, key: &str) {
        match &node.value {
            Value::List(_) | Value::Null => {}
            other => {
                self.diags.push(
                    Diag::error(
                        "topology::wrong_type",
                        format!("`{key}` must be a list, found a {}", other.type_name()),
                    )
                    .at(
                        self.file,
                        node.pos,
                        "expected a list of `- id: ...` entries",
                    )
                    .help(format!(
                        "write `{key}:` followed by `- ` entries, one per item"
                    )),
                );
            }
        }
    }

    fn defaults(&mut self, node: &Node) -> (Vec<(Key, Node)>, Vec<String>) {
        let file = self.file;
        let Some(mut r) = MapReader::new(file, node, "topology", "`defaults`", self.diags) else {
            return (Vec::new(), Vec::new());
        };
        let tags = r
            .take("tags")
            .and_then(|t| string_list(file, t, "topology", "tags", self.diags))
            .map(|t| self.checked_tags(t))
            .unwrap_or_default();
        let mut attrs = Vec::new();
        for (k, v) in r.rest() {
            let declaring: Vec<String> = self
                .vocab
                .nodes
                .iter()
                .filter(|(_, d)| d.attributes.contains_key(k.name.as_str()))
                .map(|(n, _)| n.clone())
                .collect();
            if declaring.is_empty() && !self.vocab.common.contains_key(k.name.as_str()) {
                let kind = self
                    .vocab
                    .kind_names(Class::Node)
                    .first()
                    .map(|s| (*s).to_owned());
                self.vocab.check_attribute(
                    file,
                    Class::Node,
                    kind.as_deref().unwrap_or("node"),
                    k,
                    v,
                    self.diags,
                );
            }
            for kind in declaring {
                self.vocab
                    .check_attribute(file, Class::Node, &kind, k, v, self.diags);
            }
            attrs.push((k.clone(), v.clone()));
        }
        (attrs, tags)
    }

    /// Tags as written, each one the vocabulary does not declare reported.
    fn checked_tags(&mut self, tags: Vec<(&str, Pos)>) -> Vec<String> {
        tags.into_iter()
            .map(|(t, pos)| {
                if !self.vocab.tag_known(t) {
                    self.diags.push(self.vocab.unknown_tag(self.file, t, pos));
                }
                t.to_owned()
            })
            .collect()
    }

    fn check_kind(&mut self, kind: &str, pos: Pos, class: Class) -> bool {
        let other_class = match class {
            Class::Node => Class::Link,
            Class::Link => Class::Node,
        };
        match (
            self.vocab.kind(class, kind),
            self.vocab.kind(other_class, kind),
        ) {
            (Some(_), _) => true,
            (None, Some(_)) => {
                let (list, other) = match class {
                    Class::Node => ("nodes", "links"),
                    Class::Link => ("links", "nodes"),
                };
                self.diags.push(
                    Diag::error(
                        "topology::kind_misplaced",
                        format!(
                            "`{kind}` is a {} kind, but it is listed under `{list}`",
                            match class {
                                Class::Node => "link",
                                Class::Link => "node",
                            }
                        ),
                    )
                    .at(
                        self.file,
                        pos,
                        format!(
                            "a {} kind",
                            match class {
                                Class::Node => "link",
                                Class::Link => "node",
                            }
                        ),
                    )
                    .help(format!("move this entry to `{other}`")),
                );
                false
            }
            (None, None) => {
                let names = self.vocab.kind_names(class);
                self.diags.push(
                    self.vocab
                        .unknown_word(
                            "topology::unknown_kind",
                            format!("unknown {} kind `{kind}`", class.word()),
                        )
                        .at(self.file, pos, "no vocabulary declares this kind")
                        .help(suggestion_help(
                            kind,
                            &names,
                            &format!("{} kinds", class.word()),
                        )),
                );
                false
            }
        }
    }

    /// Index the ids written in the file, reporting each one reused.
    fn index_ids(&mut self, entities: &[Entity]) -> Ids {
        let (ids, duplicates) = Ids::build(entities);
        for (again, first) in duplicates {
            let (Some(e), Some(f)) = (entities.get(again as usize), entities.get(first as usize))
            else {
                continue;
            };
            self.diags.push(
                Diag::error("topology::duplicate_id", format!("duplicate id `{}`", e.id))
                    .at(self.file, e.label_pos, "this entity reuses the id")
                    .at(self.file, f.label_pos, "first used here")
                    .help("ids must be unique across nodes and links; rename one of them"),
            );
        }
        ids
    }

    /// Resolve `parent`, `from` and `to`; give links without an id a stable one.
    fn resolve(
        &mut self,
        entities: &mut [Entity],
        ids: &Ids,
        suggest: &mut Suggester,
        node_count: usize,
        pending: Vec<PendingRef>,
    ) {
        for p in pending {
            match ids
                .get(entities, &p.id)
                .filter(|&t| (t as usize) < node_count)
            {
                Some(target) => {
                    if let Some(e) = entities.get_mut(p.entity as usize) {
                        match p.role() {
                            "parent" => e.parent = Some(target),
                            "from" => e.from = Some(target),
                            _ => e.to = Some(target),
                        }
                    }
                }
                None => {
                    let all = entities.iter().map(|e| e.id.as_str());
                    let help = match suggest.did_you_mean("ids", &p.id, entities.len(), all) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("`{}` must be the id of a node in `nodes`", p.role()),
                    };
                    self.diags.push(
                        Diag::error(
                            "topology::unknown_reference",
                            format!("`{}` names `{}`, which is not a node", p.role(), p.id),
                        )
                        .at(self.file, p.pos, "no node has this id")
                        .help(help),
                    );
                }
            }
        }
        // Name links that have no id after their ends: `kind:from->to`, then `#2`, `#3`.
        let mut used: HashMap<String, usize> = HashMap::new();
        for i in node_count..entities.len() {
            let Some(e) = entities.get(i) else { continue };
            if !e.id.is_empty() {
                continue;
            }
            let end = |x: Option<Idx>| {
                x.and_then(|t| entities.get(t as usize))
                    .map_or("?", |n| n.id.as_str())
            };
            let base = format!("{}:{}->{}", e.kind, end(e.from), end(e.to));
            let n = used.entry(base.clone()).or_insert(0);
            *n += 1;
            let mut name = if *n == 1 {
                base.clone()
            } else {
                format!("{base}#{n}")
            };
            while ids.get(entities, &name).is_some() {
                *n += 1;
                name = format!("{base}#{n}");
            }
            if let Some(e) = entities.get_mut(i) {
                e.id = name;
            }
        }
    }

    fn check_cycles(&mut self, entities: &[Entity], node_count: usize) {
        // 0 = unvisited, 1 = on the current path, 2 = done.
        let mut state = vec![0u8; node_count];
        for start in 0..node_count {
            let mut path = Vec::new();
            let mut cur = Some(idx(start));
            while let Some(c) = cur {
                match state.get(c as usize).copied().unwrap_or(2) {
                    0 => {
                        if let Some(s) = state.get_mut(c as usize) {
                            *s = 1;
                        }
                        path.push(c);
                        cur = entities.get(c as usize).and_then(|e| e.parent);
                    }
                    1 => {
                        let e = entities.get(c as usize);
                        let ids: Vec<&str> = path
                            .iter()
                            .skip_while(|&&p| p != c)
                            .filter_map(|&p| entities.get(p as usize).map(|e| e.id.as_str()))
                            .collect();
                        if let Some(e) = e {
                            self.diags.push(
                                Diag::error(
                                    "topology::parent_cycle",
                                    format!("`parent` forms a cycle: {} -> {}", ids.join(" -> "), e.id),
                                )
                                .at(self.file, e.label_pos, "this node is its own ancestor")
                                .help("containment must be a tree: a node cannot live on itself or on one of its children"),
                            );
                        }
                        break;
                    }
                    _ => break,
                }
            }
            for p in path {
                if let Some(s) = state.get_mut(p as usize) {
                    *s = 2;
                }
            }
        }
    }

    fn check_endpoints(&mut self, entities: &[Entity], node_count: usize) {
        for e in entities.iter().skip(node_count) {
            let Some(def) = self.vocab.kind(Class::Link, &e.kind) else {
                continue;
            };
            for (end, allowed, role) in [(e.from, &def.from, "from"), (e.to, &def.to, "to")] {
                let Some(node) = end.and_then(|n| entities.get(n as usize)) else {
                    continue;
                };
                // A node of an unknown kind was reported as such; its links are kept.
                if self.vocab.kind(Class::Node, &node.kind).is_none() {
                    continue;
                }
                if !allowed.is_empty() && !allowed.iter().any(|k| *k == node.kind) {
                    self.diags.push(
                        Diag::error(
                            "topology::bad_link_end",
                            format!(
                                "a `{}` link cannot have a `{}` at its `{role}` end",
                                e.kind, node.kind
                            ),
                        )
                        .at(
                            self.file,
                            e.label_pos,
                            format!("`{role}` is `{}`, a `{}`", node.id, node.kind),
                        )
                        .help(format!(
                            "`{}` links go {role} {}",
                            e.kind,
                            allowed.join(" or ")
                        )),
                    );
                }
            }
        }
    }
}

fn idx(i: usize) -> Idx {
    Idx::try_from(i).unwrap_or(Idx::MAX)
}

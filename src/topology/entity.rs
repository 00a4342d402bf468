//! One node or link of a topology: its keys checked, its strings moved out of the parsed
//! map (never copied), its attributes kept in a list of their exact size.

use super::{Entity, Loader, PendingRef, idx};
use crate::diagnostic::Diag;
use crate::reader::{MapReader, string_list};
use crate::value::{Node, Pos, Value};
use crate::vocabulary::Class;
use std::collections::HashMap;
use std::sync::Arc;

impl Loader<'_> {
    pub(super) fn entity(
        &mut self,
        node: Node,
        class: Class,
        index: usize,
        pending: &mut Vec<PendingRef>,
        tag_lists: &mut TagLists,
    ) -> Option<Entity> {
        let file = self.file;
        let what = match class {
            Class::Node => "a node",
            Class::Link => "a link",
        };
        let mut r = MapReader::new(file, &node, "topology", what, self.diags)?;
        let i = idx(index);
        let id = match class {
            Class::Node => r.required_string("id", what, self.diags),
            Class::Link => r.string("id", self.diags),
        };
        if let Some((id, pos)) = id
            && id.trim().is_empty()
        {
            self.diags.push(
                Diag::error("topology::empty_id", "an id must not be empty")
                    .at(file, pos, "empty id")
                    .help("give every node (and named link) a unique, non-empty id"),
            );
        }
        let kind = r.required_string("kind", what, self.diags);
        let has_tags = r
            .take("tags")
            .and_then(|t| string_list(file, t, "topology", "tags", self.diags))
            .map(|t| self.check_tags(&t))
            .is_some();
        let refs: &[&'static str] = match class {
            Class::Node => &["parent"],
            Class::Link => &["from", "to"],
        };
        // Which references hold a string (the others were reported): their text is moved
        // out of the tree below.
        let mut has_ref = [false; 2];
        for (slot, role) in has_ref.iter_mut().zip(refs) {
            let required = class == Class::Link;
            let value = if required {
                r.required_string(role, what, self.diags)
            } else {
                r.string(role, self.diags)
            };
            *slot = value.is_some();
        }
        let kind_ok = kind.is_some_and(|(k, pos)| self.check_kind(k, pos, class));
        // An entity of an unknown kind stays (rules may select it, `graph` draws it); its
        // attributes have no vocabulary to be checked against.
        if kind_ok && let Some((kind_name, _)) = kind {
            for (k, v) in r.rest() {
                self.vocab
                    .check_attribute(file, class, kind_name, k, v, self.diags);
            }
        }
        let label_pos = id.or(kind).map_or(node.pos, |(_, p)| p);
        let (has_id, has_kind) = (id.is_some(), kind.is_some());
        let pos = node.pos;
        drop(r);
        // Every string the entity keeps is moved out of the tree, never copied; the map's
        // other entries become the attributes, in a list cut to their number.
        let entries = match node.value {
            Value::Map(entries) => entries,
            _ => Vec::new(),
        };
        let mut taken = Taken::default();
        let mut refs_found: [Option<(String, Pos)>; 2] = [None, None];
        let mut attrs = entries;
        attrs.retain_mut(|(k, v)| {
            let text = |v: &mut Node| match &mut v.value {
                Value::Str(s) => Some(std::mem::take(s)),
                _ => None,
            };
            match k.name.as_str() {
                "id" if has_id => taken.id = text(v),
                "kind" if has_kind => taken.kind = text(v),
                "tags" if has_tags => taken.tags = Some(tag_texts(v)),
                name => match refs.iter().position(|r| *r == name) {
                    Some(at) => {
                        if let Some(slot) = refs_found.get_mut(at)
                            && has_ref.get(at) == Some(&true)
                        {
                            *slot = text(v).map(|s| (s, v.pos));
                        }
                    }
                    None => return !is_reserved(class, name),
                },
            }
            false
        });
        attrs.shrink_to_fit();
        for (role, found) in refs.iter().zip(refs_found) {
            if let Some((id, pos)) = found {
                pending.push(PendingRef {
                    entity: i,
                    role: super::ROLES
                        .iter()
                        .position(|r| r == role)
                        .and_then(|r| u8::try_from(r).ok())
                        .unwrap_or(2),
                    id: id.into_boxed_str(),
                    pos,
                });
            }
        }
        Some(Entity {
            class,
            id: taken.id.unwrap_or_default(),
            kind: taken.kind.as_deref().unwrap_or_default().into(),
            parent: None,
            from: None,
            to: None,
            tags: taken.tags.map(|t| shared(tag_lists, t)),
            attrs,
            pos,
            label_pos,
        })
    }

    /// Report each tag the vocabulary does not declare.
    fn check_tags(&mut self, tags: &[(&str, Pos)]) {
        for (t, pos) in tags {
            if !self.vocab.tag_known(t) {
                self.diags.push(self.vocab.unknown_tag(self.file, t, *pos));
            }
        }
    }
}

/// The texts an entity keeps, moved out of its map.
#[derive(Default)]
struct Taken {
    id: Option<String>,
    kind: Option<String>,
    tags: Option<Vec<String>>,
}

/// Each distinct list of tags a topology's entities carry, once.
pub(super) type TagLists = HashMap<Vec<String>, Arc<[String]>>;

/// The shared copy of a list of tags (most entities of a topology carry one of a few lists).
fn shared(lists: &mut TagLists, tags: Vec<String>) -> Arc<[String]> {
    if let Some(same) = lists.get(&tags) {
        return same.clone();
    }
    let list: Arc<[String]> = Arc::from(tags.clone());
    lists.insert(tags, list.clone());
    list
}

/// The strings of a `tags` value (one string or a list; other items were reported).
fn tag_texts(v: &mut Node) -> Vec<String> {
    match &mut v.value {
        Value::Str(s) => vec![std::mem::take(s)],
        Value::List(items) => items
            .iter_mut()
            .filter_map(|item| match &mut item.value {
                Value::Str(s) => Some(std::mem::take(s)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_reserved(class: Class, key: &str) -> bool {
    let reserved = match class {
        Class::Node => crate::vocabulary::NODE_RESERVED,
        Class::Link => crate::vocabulary::LINK_RESERVED,
    };
    reserved.contains(&key)
}

#[cfg(test)]
mod tests {
    use crate::lang::operators::testing::vocab;
    use crate::source::SourceFile;
    use crate::topology::Topology;
    use crate::vocabulary::Class;

    fn load(name: &str, text: &str) -> Topology {
        let file = SourceFile::new(name, text.to_owned());
        let tree = crate::parse::parse_document(&file, &Default::default()).unwrap();
        let (topo, diags) = Topology::load(&file, tree, &vocab());
        assert!(!diags.has_errors(), "{diags:?}");
        topo.unwrap()
    }

    /// What an entity keeps is the same whichever format it comes from: its texts moved out
    /// of the map, its attributes without the reserved keys and without spare capacity.
    #[test]
    fn entities_keep_their_texts_and_only_their_attributes() {
        let yaml = "version: 1\nnodes:\n  - {id: S1, kind: server, product: exchange, version: \"4.0\", tags: production}\n  - {id: P1, kind: postoffice, parent: S1, serial: 12-34567, tags: [test, production], install: {source: retail, disk: 1}}\nlinks:\n  - {to: P1, from: S1, kind: msmail-connector}\n";
        let json = r#"{"version": 1, "nodes": [{"id": "S1", "kind": "server", "product": "exchange", "version": "4.0", "tags": "production"}, {"id": "P1", "kind": "postoffice", "parent": "S1", "serial": "12-34567", "tags": ["test", "production"], "install": {"source": "retail", "disk": 1}}], "links": [{"to": "P1", "from": "S1", "kind": "msmail-connector"}]}"#;
        for topo in [load("t.yaml", yaml), load("t.json", json)] {
            let names = |i: u32| -> Vec<&str> {
                topo.entity(i)
                    .attrs
                    .iter()
                    .map(|(k, _)| k.name.as_str())
                    .collect()
            };
            let s = topo.entity(0);
            assert_eq!((s.id.as_str(), s.kind.as_str()), ("S1", "server"));
            assert_eq!(s.tags.as_deref(), Some(&["production".to_owned()][..]));
            assert_eq!(names(0), ["product", "version"]);
            let p = topo.entity(1);
            assert_eq!((p.id.as_str(), p.parent), ("P1", Some(0)));
            assert_eq!(
                p.tags.as_deref(),
                Some(&["test".to_owned(), "production".to_owned()][..])
            );
            assert_eq!(names(1), ["serial", "install"]);
            let l = topo.entity(2);
            assert_eq!(l.class, Class::Link);
            assert_eq!((l.from, l.to), (Some(0), Some(1)));
            assert_eq!(l.id, "msmail-connector:S1->P1");
            assert!(names(2).is_empty());
            for e in &topo.entities {
                assert_eq!(e.attrs.capacity(), e.attrs.len(), "{}", e.id);
            }
        }
    }
}

//! The vocabulary: which kinds of node and link exist, and which attributes each has.
//!
//! Kinds and attributes are data, not code. A vocabulary file (YAML) declares node kinds,
//! link kinds, tags and their attributes as JSON Schema fragments; the bundled one lives in
//! `schemas/vocabulary/`, and a rules folder may bring its own `vocabulary.yaml`.
//! Topology values are validated against the fragments; rules may only read attributes
//! some vocabulary declares.
//!
//! Vocabularies merge (docs/rules.md, "Vocabulary"): a later file may add kinds, link ends,
//! attributes, keys inside an object attribute, values of an enumeration (`enum`, closed) or
//! of a list of known values (`known`, open), and tags. Re-declaring an attribute merges its
//! schema when the two agree (same `type`, same `pattern`, ...); when they do not, the error
//! names both declarations. Node kinds and link kinds are separate namespaces: one word may
//! name a node kind and a link kind, and every query says which class it means.
//!
//! A word the vocabulary does not know in a topology (an attribute, a kind, a value outside
//! `enum` or `known`, a tag) is a warning with a suggestion; with `strict` it is an error.
//! A value of the wrong JSON type is always an error.
//!
//! Files: `load` reads vocabulary files, `merge` joins two declarations of an attribute,
//! `reference` reads reference attributes (`type: reference`), `types` the value types
//! `date`, `time` and `time-window`, `check` validates topology values, `schema` writes the
//! topology JSON Schema; this file holds the types and the queries rules and the LSP ask.

mod check;
mod load;
mod merge;
mod reference;
mod schema;
mod types;

pub use types::value_type;

pub use reference::{RefSpec, spec as reference_spec};

use crate::source::SourceFile;
use crate::value::Pos;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// Whether a kind names nodes or links.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Node,
    Link,
}

impl Class {
    pub fn word(self) -> &'static str {
        match self {
            Class::Node => "node",
            Class::Link => "link",
        }
    }
}

/// One attribute: its JSON Schema and the compiled validator.
pub struct Attribute {
    pub schema: Json,
    validator: jsonschema::Validator,
    /// Where the attribute was first declared: the file and its name there.
    pub origin: Option<(SourceFile, Pos)>,
}

impl std::fmt::Debug for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attribute")
            .field("schema", &self.schema)
            .finish()
    }
}

/// A node or link kind.
#[derive(Debug)]
pub struct KindDef {
    pub class: Class,
    pub description: String,
    pub attributes: BTreeMap<String, Attribute>,
    /// For links: the node kinds allowed at each end (empty means any).
    pub from: Vec<String>,
    pub to: Vec<String>,
    /// The vocabulary file that declared the kind.
    pub declared_in: String,
}

/// All kinds known to a run: the bundled vocabulary plus those rule packs bring.
#[derive(Debug, Default)]
pub struct Vocabulary {
    /// Node kinds and link kinds: two namespaces, so one word may name a node kind and a
    /// link kind (a pack's link `dirsync-requestor` beside the bundled node kind).
    pub nodes: BTreeMap<String, KindDef>,
    pub links: BTreeMap<String, KindDef>,
    /// Attributes every node and link may carry.
    pub common: BTreeMap<String, Attribute>,
    /// Declared tags and their descriptions (`production`, `test`, `planned`, ...).
    pub tags: BTreeMap<String, String>,
    /// A closed world (`--strict`): words the vocabulary does not know are errors.
    pub strict: bool,
}

/// The codes of diagnostics about words the vocabulary does not know: warnings, or errors in
/// a closed world (`--strict`).
pub const UNKNOWN_WORD_CODES: &[&str] = &[
    "kbcheck::topology::unknown_attribute",
    "kbcheck::topology::unknown_kind",
    "kbcheck::topology::unknown_value",
    "kbcheck::topology::unknown_tag",
];

/// Keys of a node or link that are structure, not attributes.
pub const NODE_RESERVED: &[&str] = &["id", "kind", "parent", "tags"];
pub const LINK_RESERVED: &[&str] = &["id", "kind", "from", "to", "tags"];

impl Vocabulary {
    /// The kinds of one class.
    pub fn kinds(&self, class: Class) -> &BTreeMap<String, KindDef> {
        match class {
            Class::Node => &self.nodes,
            Class::Link => &self.links,
        }
    }

    pub fn kind(&self, class: Class, name: &str) -> Option<&KindDef> {
        self.kinds(class).get(name)
    }

    /// Every kind of both classes, nodes first.
    pub fn all_kinds(&self) -> impl Iterator<Item = (&String, &KindDef)> {
        self.nodes.iter().chain(&self.links)
    }

    /// Names of the kinds of one class, for suggestions.
    /// Attributes marked `inherited: true` (in `common` or on any kind), sorted.
    pub fn inherited_attributes(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .common
            .iter()
            .chain(self.all_kinds().flat_map(|(_, k)| k.attributes.iter()))
            .filter(|(_, a)| a.schema.get("inherited") == Some(&Json::Bool(true)))
            .map(|(n, _)| n.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub fn kind_names(&self, class: Class) -> Vec<&str> {
        self.kinds(class).keys().map(String::as_str).collect()
    }

    /// The schema of an attribute of `kind` (or a common one), if declared.
    pub fn attribute(&self, class: Class, kind: &str, name: &str) -> Option<&Attribute> {
        self.kind(class, kind)
            .and_then(|k| k.attributes.get(name))
            .or_else(|| self.common.get(name))
    }

    /// Attribute names valid on `kind`, for suggestions.
    pub fn attribute_names(&self, class: Class, kind: &str) -> Vec<&str> {
        let mut names: Vec<&str> = self.common.keys().map(String::as_str).collect();
        if let Some(k) = self.kind(class, kind) {
            names.extend(k.attributes.keys().map(String::as_str));
        }
        names
    }

    /// Whether a dotted attribute path exists on any of `kinds` (all kinds of `class` if empty).
    /// Returns the first kind that declares it.
    pub fn path_known(&self, class: Class, kinds: &[String], path: &[String]) -> bool {
        let Some((first, rest)) = path.split_first() else {
            return false;
        };
        let candidates: Vec<&str> = if kinds.is_empty() {
            self.kind_names(class)
        } else {
            kinds.iter().map(String::as_str).collect()
        };
        let check = |attr: &Attribute| schema_has_path(&attr.schema, rest);
        if self.common.get(first).is_some_and(check) {
            return true;
        }
        candidates.iter().any(|k| {
            self.kind(class, k)
                .and_then(|def| def.attributes.get(first))
                .is_some_and(check)
        })
    }

    /// The schema of an attribute path on `kind`, or on the first kind of `class` that
    /// declares it when no kind is given, with the kind declaring it (`*` for a common one).
    pub fn path_schema(
        &self,
        class: Class,
        kind: Option<&str>,
        path: &[String],
    ) -> Option<(&str, &Json)> {
        let (first, rest) = path.split_first()?;
        if let Some(a) = self.common.get(first) {
            return Some(("*", descend(&a.schema, rest)?));
        }
        self.kinds(class)
            .iter()
            .filter(|(n, _)| kind.is_none_or(|want| want == n.as_str()))
            .find_map(|(n, k)| Some((n.as_str(), descend(&k.attributes.get(first)?.schema, rest)?)))
    }

    /// Every attribute path (dotted) declared for `kinds`, for suggestions.
    pub fn known_paths(&self, class: Class, kinds: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        let kind_list: Vec<&str> = if kinds.is_empty() {
            self.kind_names(class)
        } else {
            kinds.iter().map(String::as_str).collect()
        };
        let mut attrs: Vec<(&String, &Attribute)> = self.common.iter().collect();
        for k in kind_list {
            if let Some(def) = self.kind(class, k) {
                attrs.extend(def.attributes.iter());
            }
        }
        for (name, attr) in attrs {
            collect_paths(name, &attr.schema, &mut out);
        }
        out.sort();
        out.dedup();
        out
    }

    /// Whether a tag is declared (any tag is, when no vocabulary declares tags).
    pub fn tag_known(&self, tag: &str) -> bool {
        self.tags.is_empty() || self.tags.contains_key(tag)
    }

    /// The values a rule may compare the attribute at `path` with, on entities of `kinds`
    /// (all kinds of `class` if empty): the union of its `enum` and `known` lists (for a
    /// list attribute, of its items'). `None` when some kind leaves the value open.
    pub fn known_values(
        &self,
        class: Class,
        kinds: &[String],
        path: &[String],
    ) -> Option<Vec<Json>> {
        let (first, rest) = path.split_first()?;
        let candidates: Vec<&str> = if kinds.is_empty() {
            self.kind_names(class)
        } else {
            kinds.iter().map(String::as_str).collect()
        };
        let mut out = Vec::new();
        let mut any = false;
        let schemas = candidates
            .iter()
            .filter_map(|k| self.kind(class, k).and_then(|d| d.attributes.get(first)))
            .chain(self.common.get(first));
        for attr in schemas {
            let mut s = &attr.schema;
            for seg in rest {
                s = s.get("properties").and_then(|p| p.get(seg))?;
            }
            let s = if s.get("type").and_then(Json::as_str) == Some("array") {
                s.get("items")?
            } else {
                s
            };
            let mut found = false;
            for key in ["enum", "known"] {
                if let Some(list) = s.get(key).and_then(Json::as_array) {
                    found = true;
                    out.extend(list.iter().cloned());
                }
            }
            if !found {
                return None;
            }
            any = true;
        }
        any.then_some(out)
    }
}

/// The schema of the nested property path `rest` inside an attribute's schema.
fn descend<'a>(schema: &'a Json, rest: &[String]) -> Option<&'a Json> {
    rest.iter()
        .try_fold(schema, |s, seg| s.get("properties")?.get(seg))
}

/// Whether `schema` (an attribute's) has the nested property path `rest`.
fn schema_has_path(schema: &Json, rest: &[String]) -> bool {
    let Some((first, tail)) = rest.split_first() else {
        return true;
    };
    schema
        .get("properties")
        .and_then(|p| p.get(first))
        .is_some_and(|s| schema_has_path(s, tail))
}

fn collect_paths(prefix: &str, schema: &Json, out: &mut Vec<String>) {
    out.push(prefix.to_owned());
    if let Some(props) = schema.get("properties").and_then(Json::as_object) {
        for (k, s) in props {
            collect_paths(&format!("{prefix}.{k}"), s, out);
        }
    }
}

//! The vocabulary: which kinds of node and link exist, and which attributes each has.
//!
//! Kinds and attributes are data, not code. A vocabulary file (YAML) declares node kinds,
//! link kinds and their attributes as JSON Schema fragments; the bundled one lives in
//! `schemas/vocabulary/`, and a rules folder may bring its own `vocabulary.yaml`.
//! Topology values are validated against the fragments; rules may only read attributes
//! some vocabulary declares.

use crate::diagnostic::{Diag, Diags, suggestion_help};
use crate::reader::MapReader;
use crate::source::SourceFile;
use crate::value::{Node, Pos, Value};
use serde_json::{Map, Value as Json, json};
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
    pub kinds: BTreeMap<String, KindDef>,
    /// Attributes every node and link may carry.
    pub common: BTreeMap<String, Attribute>,
}

/// Keys of a node or link that are structure, not attributes.
pub const NODE_RESERVED: &[&str] = &["id", "kind", "parent", "tags"];
pub const LINK_RESERVED: &[&str] = &["id", "kind", "from", "to", "tags"];

impl Vocabulary {
    /// Add the kinds and attributes of one vocabulary file.
    pub fn add_file(&mut self, file: &SourceFile, root: &Node, diags: &mut Diags) {
        let Some(mut top) = MapReader::new(file, root, "vocabulary", "a vocabulary", diags) else {
            return;
        };
        let _ = top.string("name", diags);
        let _ = top.string("description", diags);
        let _ = top.take("$schema");
        if let Some(common) = top.take("common") {
            let attrs = self.read_attributes(file, common, diags);
            for (name, (attr, pos)) in attrs {
                match self.common.entry(name) {
                    std::collections::btree_map::Entry::Occupied(e) => {
                        diags.push(duplicate_attr(file, pos, e.key(), "every kind"));
                    }
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(attr);
                    }
                }
            }
        }
        for (key, class) in [("nodes", Class::Node), ("links", Class::Link)] {
            let Some(kinds) = top.take(key) else { continue };
            let Some(reader) =
                MapReader::new(file, kinds, "vocabulary", &format!("`{key}`"), diags)
            else {
                continue;
            };
            for (name, def) in reader.rest() {
                self.add_kind(file, class, &name.name, name.pos, def, diags);
            }
        }
        top.finish(
            &["name", "description", "common", "nodes", "links", "$schema"],
            "a vocabulary",
            diags,
        );
    }

    fn add_kind(
        &mut self,
        file: &SourceFile,
        class: Class,
        name: &str,
        name_pos: Pos,
        def: &Node,
        diags: &mut Diags,
    ) {
        let what = format!("{} kind `{name}`", class.word());
        let Some(mut r) = MapReader::new(file, def, "vocabulary", &what, diags) else {
            return;
        };
        let description = r
            .string("description", diags)
            .map(|s| s.0.to_owned())
            .unwrap_or_default();
        let mut from = Vec::new();
        let mut to = Vec::new();
        let mut known = vec!["description", "attributes"];
        if class == Class::Link {
            from = r
                .strings("from", diags)
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.0.to_owned())
                .collect();
            to = r
                .strings("to", diags)
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.0.to_owned())
                .collect();
            known.extend(["from", "to"]);
        }
        let attributes = r
            .take("attributes")
            .map(|a| self.read_attributes(file, a, diags))
            .unwrap_or_default();
        r.finish(&known, &what, diags);
        let kind = self
            .kinds
            .entry(name.to_owned())
            .or_insert_with(|| KindDef {
                class,
                description: description.clone(),
                attributes: BTreeMap::new(),
                from: Vec::new(),
                to: Vec::new(),
                declared_in: file.name().to_owned(),
            });
        if kind.class != class {
            diags.push(
                Diag::error(
                    "vocabulary::kind_class_conflict",
                    format!(
                        "`{name}` is declared as a {} kind and as a {} kind",
                        kind.class.word(),
                        class.word()
                    ),
                )
                .at(file, name_pos, "declared again here")
                .help(format!(
                    "`{name}` was first declared in `{}`; rename one of them",
                    kind.declared_in
                )),
            );
            return;
        }
        if kind.description.is_empty() {
            kind.description = description;
        }
        kind.from.extend(from);
        kind.to.extend(to);
        for (attr, (a, pos)) in attributes {
            match kind.attributes.entry(attr) {
                std::collections::btree_map::Entry::Occupied(e) => {
                    diags.push(duplicate_attr(
                        file,
                        pos,
                        e.key(),
                        &format!("kind `{name}`"),
                    ));
                }
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(a);
                }
            }
        }
    }

    fn read_attributes(
        &self,
        file: &SourceFile,
        node: &Node,
        diags: &mut Diags,
    ) -> Vec<(String, (Attribute, Pos))> {
        let Some(reader) = MapReader::new(file, node, "vocabulary", "`attributes`", diags) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, schema_node) in reader.rest() {
            let schema = schema_node.value.to_json();
            if !schema.is_object() {
                diags.push(
                    Diag::error(
                        "vocabulary::bad_schema",
                        format!("attribute `{}` must be described by a JSON Schema map", name.name),
                    )
                    .at(file, schema_node.pos, "expected a map such as `{type: string}`")
                    .help("write the attribute as a JSON Schema fragment, e.g. `{type: string, description: ...}`"),
                );
                continue;
            }
            match jsonschema::validator_for(&schema) {
                Ok(validator) => out.push((
                    name.name.clone(),
                    (Attribute { schema, validator }, name.pos),
                )),
                Err(e) => diags.push(
                    Diag::error(
                        "vocabulary::bad_schema",
                        format!("attribute `{}` has an invalid JSON Schema: {e}", name.name),
                    )
                    .at(file, schema_node.pos, "this schema does not compile")
                    .help("fix the JSON Schema fragment (draft 2020-12)"),
                ),
            }
        }
        out
    }

    pub fn kind(&self, name: &str) -> Option<&KindDef> {
        self.kinds.get(name)
    }

    /// Names of the kinds of one class, for suggestions.
    pub fn kind_names(&self, class: Class) -> Vec<&str> {
        self.kinds
            .iter()
            .filter(|(_, k)| k.class == class)
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// The schema of an attribute of `kind` (or a common one), if declared.
    pub fn attribute(&self, kind: &str, name: &str) -> Option<&Attribute> {
        self.kinds
            .get(kind)
            .and_then(|k| k.attributes.get(name))
            .or_else(|| self.common.get(name))
    }

    /// Attribute names valid on `kind`, for suggestions.
    pub fn attribute_names(&self, kind: &str) -> Vec<&str> {
        let mut names: Vec<&str> = self.common.keys().map(String::as_str).collect();
        if let Some(k) = self.kinds.get(kind) {
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
            self.kinds
                .get(*k)
                .and_then(|def| def.attributes.get(first))
                .is_some_and(check)
        })
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
            if let Some(def) = self.kinds.get(k) {
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

    /// Validate one attribute value of a topology entity. Unknown attributes give a
    /// warning with a suggestion; values of the wrong type give errors.
    pub fn check_attribute(
        &self,
        file: &SourceFile,
        kind: &str,
        key: &crate::value::Key,
        value: &Node,
        diags: &mut Diags,
    ) {
        match self.attribute(kind, &key.name) {
            Some(attr) => {
                let json = value.value.to_json();
                if attr.validator.is_valid(&json) {
                    check_nested_keys(file, kind, &key.name, &attr.schema, value, diags);
                    return;
                }
                for err in attr.validator.iter_errors(&json) {
                    let pointer = err.instance_path().to_string();
                    let at = node_at_pointer(value, &pointer).unwrap_or(value);
                    let field = if pointer.is_empty() {
                        key.name.clone()
                    } else {
                        format!("{}{}", key.name, pointer.replace('/', "."))
                    };
                    diags.push(
                        Diag::error(
                            "topology::wrong_type",
                            format!("`{field}` of a `{kind}` has a wrong value: {err}"),
                        )
                        .at(file, at.pos, "this value does not fit the vocabulary")
                        .help(describe_schema(&field, schema_at(&attr.schema, &pointer))),
                    );
                }
            }
            None => {
                let names = self.attribute_names(kind);
                let help = match crate::diagnostic::did_you_mean(&key.name, names.iter().copied()) {
                    Some(s) => format!(
                        "did you mean `{s}`? An attribute no vocabulary declares is read by no rule"
                    ),
                    None => format!(
                        "no vocabulary declares `{}` for `{kind}`; rules will not read it. {}",
                        key.name,
                        suggestion_help(&key.name, &names, "attributes")
                    ),
                };
                diags.push(
                    Diag::warning(
                        "topology::unknown_attribute",
                        format!("unknown attribute `{}` on a `{kind}`", key.name),
                    )
                    .at(file, key.pos, "no vocabulary declares this attribute")
                    .help(help),
                );
            }
        }
    }

    /// The JSON Schema of a topology file under this vocabulary (for editors).
    pub fn topology_schema(&self) -> Json {
        let tags = json!({
            "description": "Labels such as `production`, `test` or `planned` that rules may select on (one tag, or a list).",
            "type": ["array", "string"], "items": {"type": "string"}
        });
        let mut node_variants = Vec::new();
        let mut link_variants = Vec::new();
        let common = attribute_properties(&self.common);
        for (name, def) in &self.kinds {
            let mut props = common.clone();
            props.extend(attribute_properties(&def.attributes));
            let mut desc = def.description.clone();
            if def.class == Class::Link && (!def.from.is_empty() || !def.to.is_empty()) {
                desc.push_str(&format!(
                    " From: {}. To: {}.",
                    or_any(&def.from),
                    or_any(&def.to)
                ));
            }
            let variant = json!({
                "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
                "then": {"description": desc, "properties": props}
            });
            match def.class {
                Class::Node => node_variants.push(variant),
                Class::Link => link_variants.push(variant),
            }
        }
        let node_kinds: Vec<&str> = self.kind_names(Class::Node);
        let link_kinds: Vec<&str> = self.kind_names(Class::Link);
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://kbcheck.dev/schemas/topology.schema.json",
            "title": "kbcheck topology",
            "description": "A described mail topology: nodes (servers, postoffices, services) and the links between them. Keys other than the reserved ones are attributes that rules read.",
            "type": "object",
            "required": ["version", "nodes"],
            "additionalProperties": false,
            "properties": {
                "$schema": {"description": "The JSON Schema an editor checks this file against.", "type": "string"},
                "version": {"description": "Format version of the topology file; must be 1.", "const": 1},
                "name": {"description": "Name of the topology, shown in reports.", "type": "string"},
                "defaults": {
                    "description": "Attributes every node gets unless it sets them; `tags` also apply to links.",
                    "type": "object"
                },
                "nodes": {
                    "description": "The nodes of the topology.",
                    "type": ["array", "null"],
                    "items": {
                        "type": "object",
                        "required": ["id", "kind"],
                        "properties": {
                            "id": {"description": "Unique id across nodes and links.", "type": "string", "pattern": "\\S"},
                            "kind": {"description": "The node kind, a vocabulary word.", "enum": node_kinds},
                            "parent": {"description": "The id of the node this one lives on (containment).", "type": "string"},
                            "tags": tags
                        },
                        "allOf": node_variants
                    }
                },
                "links": {
                    "description": "The links between nodes.",
                    "type": ["array", "null"],
                    "items": {
                        "type": "object",
                        "required": ["kind", "from", "to"],
                        "properties": {
                            "id": {"description": "Optional unique id; links without one are named `kind:from->to`.", "type": "string", "pattern": "\\S"},
                            "kind": {"description": "The link kind, a vocabulary word.", "enum": link_kinds},
                            "from": {"description": "Id of the node the link starts at.", "type": "string"},
                            "to": {"description": "Id of the node the link ends at.", "type": "string"},
                            "tags": tags
                        },
                        "allOf": link_variants
                    }
                }
            }
        })
    }
}

fn or_any(list: &[String]) -> String {
    if list.is_empty() {
        "any node".to_owned()
    } else {
        list.join(", ")
    }
}

fn attribute_properties(attrs: &BTreeMap<String, Attribute>) -> Map<String, Json> {
    attrs
        .iter()
        .map(|(k, a)| (k.clone(), a.schema.clone()))
        .collect()
}

fn duplicate_attr(file: &SourceFile, pos: Pos, name: &str, owner: &str) -> Diag {
    Diag::error(
        "vocabulary::duplicate_attribute",
        format!("attribute `{name}` of {owner} is declared twice"),
    )
    .at(file, pos, "declared again here")
    .help("keep one declaration; vocabularies of different packs must not redefine an attribute")
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

/// Warn about keys of a nested map attribute that its schema does not list.
fn check_nested_keys(
    file: &SourceFile,
    kind: &str,
    path: &str,
    schema: &Json,
    value: &Node,
    diags: &mut Diags,
) {
    let (Value::Map(entries), Some(props)) = (
        &value.value,
        schema.get("properties").and_then(Json::as_object),
    ) else {
        return;
    };
    for (k, v) in entries {
        let full = format!("{path}.{}", k.name);
        match props.get(&k.name) {
            Some(sub) => check_nested_keys(file, kind, &full, sub, v, diags),
            None => {
                let names: Vec<&str> = props.keys().map(String::as_str).collect();
                diags.push(
                    Diag::warning(
                        "topology::unknown_attribute",
                        format!("unknown attribute `{full}` on a `{kind}`"),
                    )
                    .at(file, k.pos, "no vocabulary declares this attribute")
                    .help(suggestion_help(
                        &k.name,
                        &names,
                        &format!("keys of `{path}`"),
                    )),
                );
            }
        }
    }
}

/// The node a JSON pointer (`/a/0/b`) names inside `node`.
fn node_at_pointer<'a>(node: &'a Node, pointer: &str) -> Option<&'a Node> {
    let mut cur = node;
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        cur = match &cur.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == seg)
                .map(|(_, v)| v)?,
            Value::List(items) => items.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The part of an attribute's schema that describes the value at a JSON pointer
/// (`/disk` of `install` → `install.properties.disk`), so help talks about the wrong value.
fn schema_at<'a>(schema: &'a Json, pointer: &str) -> &'a Json {
    let mut cur = schema;
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        match cur
            .get("properties")
            .and_then(|p| p.get(&seg))
            .or_else(|| cur.get("items"))
        {
            Some(next) => cur = next,
            None => return cur,
        }
    }
    cur
}

/// A sentence saying what an attribute accepts.
fn describe_schema(field: &str, schema: &Json) -> String {
    if let Some(values) = schema.get("enum").and_then(Json::as_array) {
        let vals: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        return format!("`{field}` takes one of {}", vals.join(", "));
    }
    let ty = schema.get("type").map_or_else(
        || "a value".to_owned(),
        |t| match t.as_str() {
            Some(t @ ("object" | "integer" | "array")) => format!("an {t}"),
            Some(t) => format!("a {t}"),
            None => t.to_string(),
        },
    );
    let mut s = format!("`{field}` takes {ty}");
    if let Some(d) = schema.get("description").and_then(Json::as_str) {
        s.push_str(": ");
        s.push_str(d);
    }
    s
}

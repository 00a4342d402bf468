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
//! names both declarations.
//!
//! A word the vocabulary does not know in a topology (an attribute, a kind, a value outside
//! `enum` or `known`, a tag) is a warning with a suggestion; with `strict` it is an error.
//! A value of the wrong JSON type is always an error.

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
    pub kinds: BTreeMap<String, KindDef>,
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
                merge_attribute(&mut self.common, name, attr, file, pos, "every kind", diags);
            }
        }
        if let Some(tags) = top.take("tags") {
            self.add_tags(file, tags, diags);
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
            &[
                "name",
                "description",
                "common",
                "tags",
                "nodes",
                "links",
                "$schema",
            ],
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
        let description = description(&mut r, diags);
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
        for end in from {
            if !kind.from.contains(&end) {
                kind.from.push(end);
            }
        }
        for end in to {
            if !kind.to.contains(&end) {
                kind.to.push(end);
            }
        }
        let owner = format!("{} kind `{name}`", class.word());
        for (attr, (a, pos)) in attributes {
            merge_attribute(&mut kind.attributes, attr, a, file, pos, &owner, diags);
        }
    }

    /// Read `tags:`, a map of tag name → description (a string, or `{description: ...}`).
    fn add_tags(&mut self, file: &SourceFile, node: &Node, diags: &mut Diags) {
        let Some(reader) = MapReader::new(file, node, "vocabulary", "`tags`", diags) else {
            return;
        };
        for (name, def) in reader.rest() {
            let description = match &def.value {
                Value::Str(s) => s.clone(),
                Value::Null => String::new(),
                _ => {
                    let what = format!("tag `{}`", name.name);
                    let Some(mut r) = MapReader::new(file, def, "vocabulary", &what, diags) else {
                        continue;
                    };
                    let d = description(&mut r, diags);
                    r.finish(&["description"], &what, diags);
                    d
                }
            };
            let slot = self.tags.entry(name.name.clone()).or_default();
            if slot.is_empty() {
                *slot = description;
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
            if let Some((head, tail)) = name.name.split_once('.') {
                diags.push(
                    Diag::error(
                        "vocabulary::dotted_attribute",
                        format!("attribute `{}` has a dot in its name", name.name),
                    )
                    .at(file, name.pos, "a dotted name is a path, not an attribute")
                    .help(format!(
                        "nest it: declare `{head}` with `type: object` and `{tail}` under its `properties` (rules then read `{}`)",
                        name.name
                    )),
                );
                continue;
            }
            let schema = schema_node.value.to_json();
            // `inherited` is kbcheck's key (kept in the schema like `known`): true or false.
            if let Some(v) = schema.get("inherited")
                && !v.is_boolean()
            {
                diags.push(
                    Diag::error(
                        "vocabulary::bad_schema",
                        format!(
                            "`inherited` of attribute `{}` takes true or false",
                            name.name
                        ),
                    )
                    .at(file, schema_node.pos, "here")
                    .help(
                        "write `inherited: true` for an attribute nodes take from their ancestors",
                    ),
                );
                continue;
            }
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
                    (
                        Attribute {
                            schema,
                            validator,
                            origin: Some((file.clone(), name.pos)),
                        },
                        name.pos,
                    ),
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
    /// Attributes marked `inherited: true` (in `common` or on any kind), sorted.
    pub fn inherited_attributes(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .common
            .iter()
            .chain(self.kinds.values().flat_map(|k| k.attributes.iter()))
            .filter(|(_, a)| a.schema.get("inherited") == Some(&Json::Bool(true)))
            .map(|(n, _)| n.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

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
        self.kinds
            .iter()
            .filter(|(n, k)| k.class == class && kind.is_none_or(|want| want == n.as_str()))
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
                if !attr.validator.is_valid(&json) {
                    self.wrong_values(file, kind, key, attr, value, &json, diags);
                }
                check_nested_keys(self, file, kind, &key.name, &attr.schema, value, diags);
                self.check_known(file, kind, &key.name, &attr.schema, value, diags);
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
                    self.unknown_word(
                        "topology::unknown_attribute",
                        format!("unknown attribute `{}` on a `{kind}`", key.name),
                    )
                    .at(file, key.pos, "no vocabulary declares this attribute")
                    .help(help),
                );
            }
        }
    }

    /// A diagnostic about a word the vocabulary does not know: a warning, or an error in a
    /// closed world (`--strict`).
    pub fn unknown_word(&self, code: &str, message: String) -> Diag {
        if self.strict {
            Diag::error(code, message)
        } else {
            Diag::warning(code, message)
        }
    }

    /// Report the schema violations of a value: a value outside an enumeration (of a JSON
    /// type the enumeration has) is an unknown word; anything else is a wrong value. Keys
    /// an object does not declare are left to [`check_nested_keys`] (unknown attributes).
    #[expect(clippy::too_many_arguments, reason = "one call site, all context")]
    fn wrong_values(
        &self,
        file: &SourceFile,
        kind: &str,
        key: &crate::value::Key,
        attr: &Attribute,
        value: &Node,
        json: &Json,
        diags: &mut Diags,
    ) {
        use jsonschema::error::ValidationErrorKind as K;
        for err in attr.validator.iter_errors(json) {
            let pointer = err.instance_path().to_string();
            let at = node_at_pointer(value, &pointer).unwrap_or(value);
            let field = if pointer.is_empty() {
                key.name.clone()
            } else {
                format!("{}{}", key.name, pointer.replace('/', "."))
            };
            match err.kind() {
                K::AdditionalProperties { .. } => continue,
                K::Enum { options } if same_type(options, err.instance()) => {
                    let values: Vec<&Json> = options.as_array().into_iter().flatten().collect();
                    diags.push(self.unknown_value(file, kind, &field, at, &values));
                    continue;
                }
                _ => {}
            }
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

    /// Check values against the `known` lists of an attribute's schema (and its keys' and
    /// items'): an open enumeration, the values rules compare with.
    fn check_known(
        &self,
        file: &SourceFile,
        kind: &str,
        path: &str,
        schema: &Json,
        value: &Node,
        diags: &mut Diags,
    ) {
        match &value.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    if let Some(sub) = schema.get("properties").and_then(|p| p.get(&k.name)) {
                        let p = format!("{path}.{}", k.name);
                        self.check_known(file, kind, &p, sub, v, diags);
                    }
                }
            }
            Value::List(items) => {
                if let Some(sub) = schema.get("items") {
                    for item in items {
                        self.check_known(file, kind, path, sub, item, diags);
                    }
                }
            }
            Value::Null => {}
            scalar => {
                let Some(known) = schema.get("known").and_then(Json::as_array) else {
                    return;
                };
                let json = scalar.to_json();
                if !known.contains(&json) {
                    let values: Vec<&Json> = known.iter().collect();
                    diags.push(self.unknown_value(file, kind, path, value, &values));
                }
            }
        }
    }

    /// A value outside an enumeration or the known values: a suggestion (a caseless match
    /// first, then the nearest by edit distance), else the list of values.
    fn unknown_value(
        &self,
        file: &SourceFile,
        kind: &str,
        field: &str,
        at: &Node,
        values: &[&Json],
    ) -> Diag {
        let shown = at.value.display();
        let texts: Vec<String> = values.iter().map(|v| json_text(v)).collect();
        let names: Vec<&str> = texts.iter().map(String::as_str).collect();
        let caseless = names
            .iter()
            .find(|n| **n != shown && n.eq_ignore_ascii_case(&shown));
        let what = format!("values of `{field}`");
        let help = match caseless {
            Some(n) => format!("did you mean `{n}`? Values are compared with their case"),
            // `3` is not a typo of `1`: numbers get the list.
            None if !matches!(at.value, Value::Str(_)) => {
                format!("known {what}: {}", names.join(", "))
            }
            None => suggestion_help(&shown, &names, &what),
        };
        self.unknown_word(
            "topology::unknown_value",
            format!("`{field}` of a `{kind}` is `{shown}`, a value no vocabulary knows"),
        )
        .at(file, at.pos, "not a known value")
        .help(format!(
            "{help} (rules that compare `{field}` with the values they know will not match it)"
        ))
    }

    /// Whether a tag is declared (any tag is, when no vocabulary declares tags).
    pub fn tag_known(&self, tag: &str) -> bool {
        self.tags.is_empty() || self.tags.contains_key(tag)
    }

    /// An undeclared tag, with a suggestion.
    pub fn unknown_tag(&self, file: &SourceFile, tag: &str, pos: Pos) -> Diag {
        let names: Vec<&str> = self.tags.keys().map(String::as_str).collect();
        self.unknown_word("topology::unknown_tag", format!("unknown tag `{tag}`"))
            .at(file, pos, "no vocabulary declares this tag")
            .help(format!(
                "{}; rules that select or grade by tag will not see it",
                suggestion_help(tag, &names, "tags")
            ))
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
            .filter_map(|k| self.kinds.get(*k).and_then(|d| d.attributes.get(first)))
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

    /// The JSON Schema of a topology file under this vocabulary (for editors).
    pub fn topology_schema(&self) -> Json {
        let declared: Vec<String> = self
            .tags
            .iter()
            .map(|(t, d)| {
                if d.is_empty() {
                    format!("`{t}`")
                } else {
                    format!("`{t}` ({d})")
                }
            })
            .collect();
        let tags = json!({
            "description": format!(
                "Labels that rules may select on (one tag, or a list). Declared tags: {}. Another tag is a warning (an error with `--strict`).",
                declared.join("; ")
            ),
            "type": ["array", "string"],
            "items": {"type": "string", "examples": self.tags.keys().collect::<Vec<_>>()}
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

/// A definition's `description` (empty when not written).
fn description(r: &mut MapReader<'_>, diags: &mut Diags) -> String {
    r.string("description", diags)
        .map(|s| s.0.to_owned())
        .unwrap_or_default()
}

/// Whether `value` has the JSON type of one of `options` (an integer is not a string).
fn same_type(options: &Json, value: &Json) -> bool {
    let ty = |v: &Json| match v {
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Bool(_) => "boolean",
        Json::Null => "null",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    };
    options
        .as_array()
        .is_some_and(|o| o.iter().any(|x| ty(x) == ty(value)))
}

/// A JSON scalar as a user writes it (`exchange`, not `"exchange"`).
fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
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

/// Add an attribute declaration, merging it with an earlier one of the same name.
fn merge_attribute(
    map: &mut BTreeMap<String, Attribute>,
    name: String,
    new: Attribute,
    file: &SourceFile,
    pos: Pos,
    owner: &str,
    diags: &mut Diags,
) {
    let key = name.clone();
    let old = match map.entry(name) {
        std::collections::btree_map::Entry::Vacant(e) => {
            e.insert(new);
            return;
        }
        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
    };
    let merged = match merge_schema(&old.schema, &new.schema, &[]) {
        Ok(m) => m,
        Err((path, why)) => {
            let field = std::iter::once(key)
                .chain(path)
                .collect::<Vec<_>>()
                .join(".");
            let mut d = Diag::error(
                "vocabulary::conflicting_attribute",
                format!("attribute `{field}` of {owner} is declared twice, incompatibly: {why}"),
            )
            .at(file, pos, "declared again here");
            if let Some((first_file, first_pos)) = &old.origin {
                d = d.also_at(first_file, *first_pos, "first declared here");
            }
            diags.push(d.help(
                "a later vocabulary may add keys, `enum` and `known` values and descriptions to an attribute, but not change its `type`, `pattern` or bounds; make the declarations agree or rename one",
            ));
            return;
        }
    };
    match jsonschema::validator_for(&merged) {
        Ok(v) => {
            old.schema = merged;
            old.validator = v;
        }
        Err(e) => diags.push(
            Diag::error(
                "vocabulary::bad_schema",
                format!("the merged schema of an attribute of {owner} does not compile: {e}"),
            )
            .at(file, pos, "merged with an earlier declaration here")
            .help("fix the JSON Schema fragment (draft 2020-12)"),
        ),
    }
}

/// Keywords that describe an attribute for people: the first declaration's are kept.
const DESCRIPTIVE: &[&str] = &["description", "title", "examples", "$comment", "default"];

/// Merge two declarations of one attribute: `properties` are joined (recursively), `enum`
/// and `known` values are joined, `items` merge; descriptions keep the first; any other
/// keyword must be equal (`type` compared as a set). Err gives the nested path and why.
fn merge_schema(a: &Json, b: &Json, at: &[String]) -> Result<Json, (Vec<String>, String)> {
    let (Some(ma), Some(mb)) = (a.as_object(), b.as_object()) else {
        return if a == b {
            Ok(a.clone())
        } else {
            Err((at.to_vec(), format!("`{a}` and `{b}` differ")))
        };
    };
    let mut out = ma.clone();
    for (k, vb) in mb {
        let Some(va) = out.get(k).cloned() else {
            out.insert(k.clone(), vb.clone());
            continue;
        };
        let merged = match k.as_str() {
            d if DESCRIPTIVE.contains(&d) => va,
            "enum" | "known" => {
                let mut list = va.as_array().cloned().unwrap_or_default();
                for v in vb.as_array().into_iter().flatten() {
                    if !list.contains(v) {
                        list.push(v.clone());
                    }
                }
                Json::Array(list)
            }
            "properties" => {
                let mut props = va.as_object().cloned().unwrap_or_default();
                for (name, sb) in vb.as_object().into_iter().flatten() {
                    let m = match props.get(name) {
                        Some(sa) => {
                            let mut path = at.to_vec();
                            path.push(name.clone());
                            merge_schema(sa, sb, &path)?
                        }
                        None => sb.clone(),
                    };
                    props.insert(name.clone(), m);
                }
                Json::Object(props)
            }
            "items" => merge_schema(&va, vb, at)?,
            "type" => {
                let set = |t: &Json| -> Vec<String> {
                    let mut v: Vec<String> = match t {
                        Json::Array(items) => items.iter().map(Json::to_string).collect(),
                        other => vec![other.to_string()],
                    };
                    v.sort();
                    v
                };
                if set(&va) != set(vb) {
                    return Err((
                        at.to_vec(),
                        format!("its type is {va} in one and {vb} in the other"),
                    ));
                }
                va
            }
            _ => {
                if va != *vb {
                    return Err((
                        at.to_vec(),
                        format!("its `{k}` is {va} in one and {vb} in the other"),
                    ));
                }
                va
            }
        };
        out.insert(k.clone(), merged);
    }
    // `{enum: [1, 2]}` and `{type: string}` each pass alone; together no value would.
    if let (Some(ty), Some(values)) = (out.get("type"), out.get("enum").and_then(Json::as_array))
        && let Some(bad) = values.iter().find(|v| !json_has_type(v, ty))
    {
        return Err((
            at.to_vec(),
            format!("its type is {ty} in one, but its values include {bad} in the other"),
        ));
    }
    Ok(Json::Object(out))
}

/// Whether a JSON value is of a JSON Schema `type` (a name or a list of names).
fn json_has_type(v: &Json, ty: &Json) -> bool {
    let fits = |t: &str| match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    };
    match ty {
        Json::String(t) => fits(t),
        Json::Array(ts) => ts.iter().filter_map(Json::as_str).any(fits),
        _ => true,
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

/// Warn about keys of a nested map attribute that its schema does not list.
fn check_nested_keys(
    vocab: &Vocabulary,
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
            Some(sub) => check_nested_keys(vocab, file, kind, &full, sub, v, diags),
            None => {
                let names: Vec<&str> = props.keys().map(String::as_str).collect();
                diags.push(
                    vocab
                        .unknown_word(
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

//! The JSON Schema of a topology file under a vocabulary (for editors).

use super::{Attribute, Class, Vocabulary};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

impl Vocabulary {
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
        for (name, def) in self.all_kinds() {
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

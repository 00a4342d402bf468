//! Reading vocabulary files: kinds, link ends, attributes and tags.

use super::merge::merge_attribute;
use super::{Attribute, Class, KindDef, Vocabulary};
use crate::diagnostic::{Diag, Diags};
use crate::reader::MapReader;
use crate::source::SourceFile;
use crate::value::{Node, Pos, Value};
use std::collections::BTreeMap;

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
                self.add_kind(file, class, &name.name, def, diags);
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
        let kinds = match class {
            Class::Node => &mut self.nodes,
            Class::Link => &mut self.links,
        };
        let kind = kinds.entry(name.to_owned()).or_insert_with(|| KindDef {
            class,
            description: description.clone(),
            attributes: BTreeMap::new(),
            from: Vec::new(),
            to: Vec::new(),
            declared_in: file.name().to_owned(),
        });
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
            let slot = self.tags.entry(name.name.to_string()).or_default();
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
            let mut schema = schema_node.value.to_json();
            super::types::value_types(&mut schema);
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
            if let Err((message, help)) = super::reference::normalize(&mut schema) {
                diags.push(
                    Diag::error(
                        "vocabulary::bad_reference",
                        format!("attribute `{}`: {message}", name.name),
                    )
                    .at(file, schema_node.pos, "here")
                    .help(help),
                );
                continue;
            }
            match jsonschema::validator_for(&schema) {
                Ok(validator) => out.push((
                    name.name.to_string(),
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
}

/// A definition's `description` (empty when not written).
fn description(r: &mut MapReader<'_>, diags: &mut Diags) -> String {
    r.string("description", diags)
        .map(|s| s.0.to_owned())
        .unwrap_or_default()
}

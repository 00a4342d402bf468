//! Reference attributes: an attribute whose value is the id of a node, as `parent` is.
//!
//! A vocabulary writes `{type: reference}` (optionally `kinds: [postoffice]`, the node kinds
//! it may name), or a list of them (`{type: array, items: {type: reference}}`). The stored
//! schema says `type: string` with kbcheck's keyword `reference: {kinds: [...]}`, so editors
//! and the validator see a text; the topology resolves each value to a node
//! (`topology::references`), and rules follow it in relations and in `of`.

use super::{Class, Vocabulary};
use crate::diagnostic::{Diag, Diags, suggestion_help};
use serde_json::{Value as Json, json};

/// What a reference attribute may name, and whether it holds a list of ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefSpec {
    /// Node kinds it may name (empty: any).
    pub kinds: Vec<String>,
    pub list: bool,
}

/// Rewrite `type: reference` (at the top of an attribute, or as its list's `items`) into the
/// stored form. Err gives the message and the help.
pub(super) fn normalize(schema: &mut Json) -> Result<(), (String, String)> {
    if schema.get("reference").is_some() {
        return Err((
            "`reference` is kbcheck's own keyword here".into(),
            "declare a reference as `{type: reference, kinds: [postoffice]}`".into(),
        ));
    }
    if schema.get("type").and_then(Json::as_str) == Some("array")
        && let Some(items) = schema.get_mut("items")
        && items.get("type").and_then(Json::as_str) == Some("reference")
    {
        return one(items);
    }
    if schema.get("type").and_then(Json::as_str) == Some("reference") {
        return one(schema);
    }
    if schema.get("kinds").is_some() {
        return Err((
            "`kinds` only applies to a reference".into(),
            "write `type: reference` beside `kinds`, or remove `kinds`".into(),
        ));
    }
    nested(schema)
}

/// One `{type: reference, kinds: [...]}`.
fn one(schema: &mut Json) -> Result<(), (String, String)> {
    let Some(map) = schema.as_object_mut() else {
        return Ok(());
    };
    let kinds = match map.remove("kinds") {
        None => Vec::new(),
        Some(Json::Array(items)) if items.iter().all(Json::is_string) => items,
        Some(Json::String(one)) => vec![Json::String(one)],
        Some(other) => {
            return Err((
                format!("`kinds` of a reference takes a list of node kinds, found `{other}`"),
                "write `kinds: [postoffice]`".into(),
            ));
        }
    };
    map.insert("type".into(), json!("string"));
    map.insert("reference".into(), json!({ "kinds": kinds }));
    let what = if kinds.is_empty() {
        "a node".to_owned()
    } else {
        let names: Vec<&str> = kinds.iter().filter_map(Json::as_str).collect();
        format!("a node of kind {}", names.join(" or "))
    };
    let note = format!("The id of {what}.");
    match map.get_mut("description") {
        Some(Json::String(d)) => {
            d.push(' ');
            d.push_str(&note);
        }
        _ => {
            map.insert("description".into(), Json::String(note));
        }
    }
    Ok(())
}

/// A reference inside an object attribute is refused: it would have no name to follow.
fn nested(schema: &Json) -> Result<(), (String, String)> {
    let Some(props) = schema.get("properties").and_then(Json::as_object) else {
        return Ok(());
    };
    for (k, s) in props {
        if s.get("type").and_then(Json::as_str) == Some("reference") {
            return Err((
                format!("key `{k}` is a reference inside an object"),
                "declare a reference as an attribute of its own (or a list of them), so rules can follow it by name".into(),
            ));
        }
        nested(s)?;
    }
    Ok(())
}

/// The reference a stored attribute schema declares, if any.
pub fn spec(schema: &Json) -> Option<RefSpec> {
    let (r, list) = match schema.get("reference") {
        Some(r) => (r, false),
        None => (schema.get("items")?.get("reference")?, true),
    };
    let kinds = r
        .get("kinds")
        .and_then(Json::as_array)
        .map(|k| {
            k.iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Some(RefSpec { kinds, list })
}

impl Vocabulary {
    /// The names of every reference attribute (on any kind or common), sorted: a name's
    /// position is its id ([`Vocabulary::reference_id`]).
    pub fn reference_names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .common
            .iter()
            .chain(self.all_kinds().flat_map(|(_, k)| k.attributes.iter()))
            .filter(|(_, a)| spec(&a.schema).is_some())
            .map(|(n, _)| n.as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The id of a reference attribute: the number relations and the topology's index use.
    pub fn reference_id(&self, name: &str) -> Option<u16> {
        let names = self.reference_names();
        let at = names.binary_search(&name).ok()?;
        u16::try_from(at).ok()
    }

    /// The reference attribute `name` declares on entities of `kind`, if it is one there.
    pub fn reference(&self, class: Class, kind: &str, name: &str) -> Option<RefSpec> {
        spec(&self.attribute(class, kind, name)?.schema)
    }

    /// Report each node kind a reference's `kinds` names that no vocabulary declares (once
    /// every vocabulary is loaded, since a later one may declare it).
    pub fn check_reference_kinds(&self, diags: &mut Diags) {
        let known = self.kind_names(Class::Node);
        let attrs = self
            .common
            .iter()
            .chain(self.all_kinds().flat_map(|(_, k)| k.attributes.iter()));
        for (name, attr) in attrs {
            let Some(spec) = spec(&attr.schema) else {
                continue;
            };
            for kind in spec.kinds.iter().filter(|k| !known.contains(&k.as_str())) {
                let mut d = Diag::error(
                    "vocabulary::bad_reference",
                    format!("attribute `{name}`: `kinds` names `{kind}`, which is not a node kind"),
                )
                .help(suggestion_help(kind, &known, "node kinds"));
                if let Some((file, pos)) = &attr.origin {
                    d = d.at(file, *pos, "declared here");
                }
                diags.push(d);
            }
        }
    }

    /// The reference `name` declares on any of `kinds` (all kinds of `class` if empty).
    pub fn reference_on(&self, class: Class, kinds: &[String], name: &str) -> Option<RefSpec> {
        if kinds.is_empty() {
            return self
                .common
                .get(name)
                .into_iter()
                .chain(
                    self.kinds(class)
                        .values()
                        .filter_map(|k| k.attributes.get(name)),
                )
                .find_map(|a| spec(&a.schema));
        }
        kinds.iter().find_map(|k| self.reference(class, k, name))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
    use super::*;

    #[test]
    fn a_reference_is_stored_as_text_with_its_kinds() {
        let mut s =
            json!({"type": "reference", "kinds": ["postoffice"], "description": "The route."});
        normalize(&mut s).unwrap();
        assert_eq!(s["type"], "string");
        assert_eq!(s["reference"], json!({"kinds": ["postoffice"]}));
        assert_eq!(
            s["description"],
            "The route. The id of a node of kind postoffice."
        );
        assert_eq!(
            spec(&s),
            Some(RefSpec {
                kinds: vec!["postoffice".into()],
                list: false
            })
        );
    }

    #[test]
    fn a_list_of_references_is_a_list_spec() {
        let mut s = json!({"type": "array", "items": {"type": "reference"}});
        normalize(&mut s).unwrap();
        assert_eq!(s["items"]["type"], "string");
        assert_eq!(
            spec(&s),
            Some(RefSpec {
                kinds: vec![],
                list: true
            })
        );
    }

    #[test]
    fn misplaced_reference_words_are_refused() {
        let cases = [
            (
                json!({"type": "string", "kinds": ["server"]}),
                "`kinds` only applies",
            ),
            (json!({"reference": {"kinds": []}}), "kbcheck's own keyword"),
            (
                json!({"type": "reference", "kinds": 3}),
                "takes a list of node kinds",
            ),
            (
                json!({"type": "object", "properties": {"via": {"type": "reference"}}}),
                "key `via` is a reference inside an object",
            ),
        ];
        for (mut s, want) in cases {
            let (msg, _) = normalize(&mut s).unwrap_err();
            assert!(msg.contains(want), "{msg}");
        }
    }

    #[test]
    fn a_plain_attribute_is_not_a_reference() {
        let mut s = json!({"type": "string"});
        normalize(&mut s).unwrap();
        assert_eq!(spec(&s), None);
    }
}

//! Completion from the loaded vocabulary (bundled plus packs) and the rule language.
//!
//! In a topology: top-level keys; in a node or link, its reserved keys and the attributes of
//! its `kind`; after `kind:` the kinds, after `parent:` / `from:` / `to:` (or a reference
//! attribute) the node ids, after an
//! attribute its enumeration values (and examples); inside a map attribute its keys. In a
//! rule: the rule's keys, the keys of `select`, `group`, `derive`, `related`, conditions and
//! operators, and values after `field:` (attribute paths), `kind:`, `link:`, `of:`, `as:`,
//! `via:` and so on; an operator's value from the enumeration of its field. A test case's
//! `topology` completes as a topology. Where the cursor is comes from [`super::yaml`].

use super::diagnostics::DocKind;
use super::yaml::Context;
use super::{At, State};
use crate::lang::Level;
use crate::lang::operators::{CompareAs, NAMES as OPERATORS};
use crate::vocabulary::{Class, LINK_RESERVED, NODE_RESERVED, Vocabulary};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, Documentation,
    MarkupContent, MarkupKind,
};
use serde_json::Value as Json;

/// Keys at the top of a topology file.
const TOPOLOGY_KEYS: &[&str] = &["version", "name", "defaults", "nodes", "links"];

/// Where in a topology (or a rule's test-case topology) the cursor is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopologyPlace {
    /// The top level (`version`, `nodes`, …).
    Top,
    /// `defaults`.
    Defaults,
    /// A node or link map, or a map attribute inside one (`nested` keys deep).
    Entity {
        class: Class,
        /// The entity's `kind`, when it is written beside the cursor.
        kind: Option<String>,
        nested: Vec<String>,
    },
}

/// The topology place of a context, if the cursor is in a topology.
pub fn topology_place(ctx: &Context, doc: DocKind) -> Option<TopologyPlace> {
    let rel: &[String] = match doc {
        DocKind::Topology => &ctx.path,
        DocKind::Rule => {
            let t = ctx.path.iter().position(|k| k == "topology")?;
            if ctx.path.first().is_none_or(|k| k != "tests") {
                return None;
            }
            ctx.path.get(t + 1..)?
        }
        DocKind::Other => return None,
    };
    let Some((first, nested)) = rel.split_first() else {
        return Some(TopologyPlace::Top);
    };
    let class = match first.as_str() {
        "nodes" => Class::Node,
        "links" => Class::Link,
        "defaults" => return Some(TopologyPlace::Defaults),
        _ => return None,
    };
    let kind = if nested.is_empty() {
        ctx.sibling("kind").map(str::to_owned)
    } else {
        None
    };
    Some(TopologyPlace::Entity {
        class,
        kind,
        nested: nested.to_vec(),
    })
}

pub fn complete(state: &State, p: &CompletionParams) -> Option<CompletionResponse> {
    let at = At::new(state, &p.text_document_position)?;
    let ctx = super::yaml::context(&at.doc.text, at.offset);
    let vocab = &at.ws.set.vocab;
    let mut items = match topology_place(&ctx, at.kind) {
        Some(place) => topology_items(vocab, &ctx, &place, &at),
        None if at.kind == DocKind::Rule => rule_items(vocab, &ctx),
        None => Vec::new(),
    };
    items.retain(|i| !ctx.siblings.iter().any(|(k, _)| *k == i.label) || ctx.key.is_some());
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items.dedup_by(|a, b| a.label == b.label);
    Some(CompletionResponse::Array(items))
}

fn item(
    label: &str,
    kind: CompletionItemKind,
    detail: Option<String>,
    doc: Option<String>,
) -> CompletionItem {
    CompletionItem {
        label: label.to_owned(),
        kind: Some(kind),
        detail,
        documentation: doc.map(|value| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            })
        }),
        ..CompletionItem::default()
    }
}

fn words(list: &[&str], kind: CompletionItemKind) -> Vec<CompletionItem> {
    list.iter().map(|w| item(w, kind, None, None)).collect()
}

fn description(schema: &Json) -> Option<String> {
    schema
        .get("description")
        .and_then(Json::as_str)
        .map(str::to_owned)
}

fn type_word(schema: &Json) -> Option<String> {
    match schema.get("type") {
        Some(Json::String(t)) => Some(t.clone()),
        Some(other) => Some(other.to_string()),
        None if schema.get("enum").is_some() => Some("one of a list".to_owned()),
        None => None,
    }
}

/// Kinds of a class, with their descriptions.
fn kinds(vocab: &Vocabulary, class: Class) -> Vec<CompletionItem> {
    vocab
        .kinds(class)
        .iter()
        .map(|(name, k)| {
            item(
                name,
                CompletionItemKind::CLASS,
                Some(format!("{} kind", class.word())),
                Some(k.description.clone()),
            )
        })
        .collect()
}

/// Attribute names of a kind (of every kind of the class when the kind is not known).
fn attributes(vocab: &Vocabulary, class: Class, kind: Option<&str>) -> Vec<CompletionItem> {
    let mut out = Vec::new();
    let mut add = |name: &str, schema: &Json, owner: &str| {
        out.push(item(
            name,
            CompletionItemKind::FIELD,
            Some(match type_word(schema) {
                Some(t) => format!("{t} · {owner}"),
                None => owner.to_owned(),
            }),
            description(schema),
        ));
    };
    for (name, a) in &vocab.common {
        add(name, &a.schema, "every kind");
    }
    for (kname, k) in vocab.kinds(class) {
        if kind.is_some_and(|want| want != kname) {
            continue;
        }
        for (name, a) in &k.attributes {
            add(name, &a.schema, kname);
        }
    }
    out
}

/// The values a schema lists: its enumeration (also of list items), then its examples.
fn schema_values(schema: &Json) -> Vec<CompletionItem> {
    let mut out = Vec::new();
    let items = schema.get("items");
    for (list, what) in [
        (schema.get("enum"), "value"),
        (items.and_then(|i| i.get("enum")), "value"),
        (schema.get("examples"), "example"),
        (items.and_then(|i| i.get("examples")), "example"),
    ] {
        for v in list.and_then(Json::as_array).into_iter().flatten() {
            let label = match v {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push(item(
                &label,
                if what == "value" {
                    CompletionItemKind::ENUM_MEMBER
                } else {
                    CompletionItemKind::VALUE
                },
                Some(what.to_owned()),
                None,
            ));
        }
    }
    if schema.get("type").and_then(Json::as_str) == Some("boolean") {
        out.extend(words(&["true", "false"], CompletionItemKind::VALUE));
    }
    out
}

fn topology_items(
    vocab: &Vocabulary,
    ctx: &Context,
    place: &TopologyPlace,
    at: &At,
) -> Vec<CompletionItem> {
    match (place, ctx.key.as_deref()) {
        (TopologyPlace::Top, None) => words(TOPOLOGY_KEYS, CompletionItemKind::PROPERTY),
        (TopologyPlace::Top, Some(_)) => Vec::new(),
        (TopologyPlace::Defaults, None) => {
            let mut out = attributes(vocab, Class::Node, None);
            out.push(item("tags", CompletionItemKind::PROPERTY, None, None));
            out
        }
        (TopologyPlace::Defaults, Some(key)) => vocab
            .path_schema(Class::Node, None, &[key.to_owned()])
            .map(|(_, s)| schema_values(s))
            .unwrap_or_default(),
        (
            TopologyPlace::Entity {
                class,
                kind,
                nested,
            },
            key,
        ) if nested.is_empty() => {
            let key = key.or(if ctx.list_item { Some("") } else { None });
            match key {
                None | Some("") => {
                    let reserved = match class {
                        Class::Node => NODE_RESERVED,
                        Class::Link => LINK_RESERVED,
                    };
                    let mut out = words(reserved, CompletionItemKind::PROPERTY);
                    out.extend(attributes(vocab, *class, kind.as_deref()));
                    out
                }
                Some("kind") => kinds(vocab, *class),
                Some("parent" | "from" | "to") => node_ids(at, ctx),
                Some("id" | "tags") => Vec::new(),
                Some(attr)
                    if kind
                        .as_deref()
                        .and_then(|k| vocab.reference(*class, k, attr))
                        .is_some() =>
                {
                    node_ids(at, ctx)
                }
                Some(attr) => vocab
                    .path_schema(*class, kind.as_deref(), &[attr.to_owned()])
                    .map(|(_, s)| schema_values(s))
                    .unwrap_or_default(),
            }
        }
        (TopologyPlace::Entity { class, nested, .. }, key) => {
            let Some((_, schema)) = vocab.path_schema(*class, None, nested) else {
                return Vec::new();
            };
            match key {
                None => schema
                    .get("properties")
                    .and_then(Json::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(k, s)| item(k, CompletionItemKind::FIELD, type_word(s), description(s)))
                    .collect(),
                Some(k) => schema
                    .get("properties")
                    .and_then(|p| p.get(k))
                    .map(schema_values)
                    .unwrap_or_default(),
            }
        }
    }
}

/// Node ids: from the last check, else read from `id:` in the text.
fn node_ids(at: &At, ctx: &Context) -> Vec<CompletionItem> {
    let own = ctx.sibling("id");
    let mut ids: Vec<String> = at
        .analysis
        .as_ref()
        .map(|a| a.nodes.keys().cloned().collect())
        .unwrap_or_default();
    if ids.is_empty() {
        ids = ids_in_text(&at.doc.text);
    }
    ids.into_iter()
        .filter(|id| Some(id.as_str()) != own)
        .map(|id| {
            item(
                &id,
                CompletionItemKind::REFERENCE,
                Some("node".into()),
                None,
            )
        })
        .collect()
}

/// Every value written after an `id:` key in a text's `nodes:` section (in all of it when
/// there is no block `nodes:` key).
pub fn ids_in_text(text: &str) -> Vec<String> {
    let text = nodes_section(text);
    let mut out = Vec::new();
    for (i, _) in text.match_indices("id:") {
        let before = text.get(..i).and_then(|t| t.chars().last());
        if before.is_some_and(|c| !matches!(c, ' ' | '{' | ',' | '\n' | '-' | '"')) {
            continue;
        }
        let rest = text.get(i + 3..).unwrap_or("").trim_start_matches(' ');
        let value: String = rest
            .chars()
            .take_while(|c| !matches!(c, ',' | '}' | '\n' | '#' | '\r'))
            .collect();
        let value = super::yaml::unquote(value.trim()).to_owned();
        if !value.is_empty() {
            out.push(value);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The lines of a top-level block `nodes:` up to the next top-level key.
fn nodes_section(text: &str) -> &str {
    let Some(start) = text
        .match_indices("nodes:")
        .map(|(i, _)| i)
        .find(|&i| i == 0 || text.get(i - 1..i) == Some("\n"))
    else {
        return text;
    };
    let rest = text.get(start..).unwrap_or("");
    let end = rest
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| {
            rest.get(i..)
                .is_some_and(|l| l.starts_with(|c: char| c.is_alphanumeric() || c == '"'))
        })
        .unwrap_or(rest.len());
    rest.get(..end).unwrap_or(rest)
}

fn rule_items(vocab: &Vocabulary, ctx: &Context) -> Vec<CompletionItem> {
    let last = ctx.path.last().map(String::as_str);
    if let Some(key) = ctx.key.as_deref() {
        return rule_values(vocab, ctx, key);
    }
    if ctx.list_item
        && let Some(list_key) = last
    {
        let values = rule_values(vocab, ctx, list_key);
        if !values.is_empty() {
            return values;
        }
    }
    let keys: &[&str] = match last {
        None => crate::lang::compile::RULE_KEYS,
        Some("select") => &["kind", "link", "tags", "where"],
        Some("group") => &["by", "within", "size"],
        Some("size") | Some("count") => &["min", "max"],
        Some("derive") => &["set"],
        Some("set") => return paths(vocab),
        Some("related") => crate::lang::relation::KEYS,
        Some("component") => &["via", "links", "direction"],
        Some("within") => &["component"],
        Some("severity") => &["when", "level"],
        Some("tests") => &["name", "topology", "expect", "todo", "strict"],
        Some("expect") => &["entities", "severity", "at-least"],
        Some("by") => &["each"],
        _ => {
            let mut out = words(crate::lang::cond::SHAPES, CompletionItemKind::KEYWORD);
            out.extend(words(OPERATORS, CompletionItemKind::OPERATOR));
            out.extend(words(&["of", "as"], CompletionItemKind::KEYWORD));
            return out;
        }
    };
    words(keys, CompletionItemKind::PROPERTY)
}

/// Attribute paths of every kind, and the reserved keys a field may name.
fn paths(vocab: &Vocabulary) -> Vec<CompletionItem> {
    let mut out = words(
        &["id", "kind", "tags", "parent", "from", "to"],
        CompletionItemKind::KEYWORD,
    );
    for class in [Class::Node, Class::Link] {
        for p in vocab.known_paths(class, &[]) {
            let path: Vec<String> = p.split('.').map(str::to_owned).collect();
            let schema = vocab.path_schema(class, None, &path).map(|(_, s)| s);
            out.push(item(
                &p,
                CompletionItemKind::FIELD,
                schema.and_then(type_word),
                schema.and_then(description),
            ));
        }
    }
    out
}

fn rule_values(vocab: &Vocabulary, ctx: &Context, key: &str) -> Vec<CompletionItem> {
    let w = |list: &[&str]| words(list, CompletionItemKind::ENUM_MEMBER);
    match key {
        "field" | "by" | "each" | "sum" => paths(vocab),
        "kind" => {
            let mut out = kinds(vocab, Class::Node);
            if ctx.path.iter().any(|k| k == "related") {
                out.extend(kinds(vocab, Class::Link));
            }
            out
        }
        "link" | "links" => kinds(vocab, Class::Link),
        // Reference attributes (`type: reference`) are steps too.
        "via" | "of" => {
            let mut list: Vec<&str> = if key == "via" {
                vec!["parent", "children", "links", "from", "to"]
            } else {
                vec!["self", "parent", "subject", "from", "to"]
            };
            list.extend(vocab.reference_names());
            w(&list)
        }
        "as" => w(CompareAs::NAMES),
        "level" | "severity" => w(Level::NAMES),
        "direction" => w(&["out", "in", "any"]),
        "quantifier" => w(&["any", "all", "none"]),
        "within" => w(&["topology", "parent", "site"]),
        "exists" | "missing" | "todo" | "strict" => w(&["true", "false"]),
        op if OPERATORS.contains(&op) => {
            // The values the condition's field takes.
            let Some(field) = ctx.sibling("field") else {
                return Vec::new();
            };
            let path: Vec<String> = field.split('.').map(str::to_owned).collect();
            [Class::Node, Class::Link]
                .iter()
                .find_map(|c| vocab.path_schema(*c, None, &path))
                .map(|(_, s)| schema_values(s))
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_from_block_and_flow_maps() {
        let text = "nodes:\n  - id: A\n  - {id: \"B-1\", kind: server}\nlinks:\n  - {id: L, kind: x, from: A, to: B-1}\n";
        assert_eq!(ids_in_text(text), ["A", "B-1"]);
    }

    #[test]
    fn places_in_topologies_and_rule_cases() {
        let text = "nodes:\n  - id: A\n    kind: server\n    \n";
        let ctx = super::super::yaml::context(text, text.len() - 1);
        assert_eq!(
            topology_place(&ctx, DocKind::Topology),
            Some(TopologyPlace::Entity {
                class: Class::Node,
                kind: Some("server".into()),
                nested: vec![]
            })
        );
        let text = "tests:\n  - name: x\n    topology:\n      links:\n        - {kind: serves, from: A, to: }\n";
        let ctx = super::super::yaml::context(text, text.find("to: ").unwrap() + 4);
        assert!(matches!(
            topology_place(&ctx, DocKind::Rule),
            Some(TopologyPlace::Entity {
                class: Class::Link,
                ..
            })
        ));
        assert_eq!(ctx.key.as_deref(), Some("to"));
    }
}

//! Hover: a rule's KB article, an attribute's or kind's vocabulary description, and the
//! values derivation rules gave an entity.
//!
//! On a rule id (written in a rule file, or anywhere a finding is shown) the article's
//! title, KB numbers, symptoms, cause and resolution; on an attribute name its description
//! and what it accepts; on a kind its description; on a node or link (its id, or any line of
//! it) the findings on it and its derived values, each with the rule that derived it.

use super::completion::{TopologyPlace, topology_place};
use super::{At, State};
use crate::lang::Rule;
use crate::vocabulary::Class;
use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind, Range};

pub fn hover(state: &State, p: &HoverParams) -> Option<Hover> {
    let at = At::new(state, &p.text_document_position_params)?;
    let text = &at.doc.text;
    let word = super::yaml::word_at(text, at.offset);
    let ctx = super::yaml::context(text, at.offset);
    let mut sections: Vec<String> = Vec::new();
    let mut range: Option<Range> = None;

    // A rule id under the cursor.
    if let Some((start, end, w)) = word
        && let Some(rule) = at.ws.set.get(w)
    {
        sections.push(article(rule));
        range = Some(at.range(start, end));
    }
    // Findings shown where the cursor is.
    let pos = p.text_document_position_params.position;
    if let Some(a) = &at.analysis {
        let mut rules: Vec<&str> = a
            .findings
            .iter()
            .filter(|(r, _)| r.start <= pos && pos <= r.end)
            .map(|(_, id)| id.as_str())
            .collect();
        rules.dedup();
        for id in rules {
            if let Some(rule) = at.ws.set.get(id)
                && !sections.iter().any(|s| s.starts_with(&format!("**{id}**")))
            {
                sections.push(article(rule));
            }
        }
    }
    let place = topology_place(&ctx, at.kind);
    // An attribute or a kind.
    if let Some((start, end, w)) = word
        && let Some(TopologyPlace::Entity {
            class,
            kind,
            nested,
        }) = &place
    {
        let vocab = &at.ws.set.vocab;
        if super::yaml::is_key(text, end) {
            let mut path = nested.clone();
            path.push(w.to_owned());
            if let Some((owner, schema)) = vocab.path_schema(*class, kind.as_deref(), &path) {
                let owner = if owner == "*" {
                    "every kind".to_owned()
                } else {
                    format!("`{owner}`")
                };
                sections.push(attribute(&path.join("."), &owner, schema));
                range = range.or(Some(at.range(start, end)));
            }
        } else if ctx.key.as_deref() == Some("kind")
            && let Some(k) = vocab.kind(*class, w)
        {
            sections.push(format!(
                "**`{w}`** ({} kind)\n\n{}",
                k.class.word(),
                k.description
            ));
            range = range.or(Some(at.range(start, end)));
        }
    }
    // In a rule: an attribute path after `field:`.
    if let Some((start, end, w)) = word
        && at.kind == super::DocKind::Rule
        && place.is_none()
        && ctx.key.as_deref() == Some("field")
    {
        let path: Vec<String> = w.split('.').map(str::to_owned).collect();
        let vocab = &at.ws.set.vocab;
        if let Some((owner, schema)) = [Class::Node, Class::Link]
            .iter()
            .find_map(|c| vocab.path_schema(*c, None, &path))
        {
            let owner = if owner == "*" {
                "every kind".to_owned()
            } else {
                format!("`{owner}`")
            };
            sections.push(attribute(w, &owner, schema));
            range = range.or(Some(at.range(start, end)));
        }
    }
    // Derived values of the entity the cursor is in.
    if let (Some(a), Some(TopologyPlace::Entity { nested, .. })) = (&at.analysis, &place)
        && nested.is_empty()
    {
        let id = ctx.sibling("id").map(str::to_owned).or_else(|| {
            // On the `id:` line itself the id is the cursor's own value.
            (ctx.key.as_deref() == Some("id"))
                .then(|| word.map(|w| w.2.to_owned()))
                .flatten()
        });
        if let Some(id) = id
            && let Some(values) = a.derived.get(&id)
        {
            let lines: Vec<String> = values
                .iter()
                .map(|(path, value, rule)| {
                    let title = at
                        .ws
                        .set
                        .get(rule)
                        .map(|r| format!(" ({})", r.meta.title))
                        .unwrap_or_default();
                    format!("- `{path}` = `{value}`, derived by `{rule}`{title}")
                })
                .collect();
            sections.push(format!(
                "**Derived values of `{id}`** (not written in the file; a KB article implies them)\n\n{}",
                lines.join("\n")
            ));
        }
    }
    if sections.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: sections.join("\n\n---\n\n"),
        }),
        range,
    })
}

/// An attribute in Markdown: its description, type, values and examples.
fn attribute(path: &str, owner: &str, schema: &serde_json::Value) -> String {
    let mut s = format!("**`{path}`** (attribute of {owner})");
    if let Some(d) = schema
        .get("description")
        .and_then(serde_json::Value::as_str)
    {
        s.push_str(&format!("\n\n{}", d.trim()));
    }
    let list = |key: &str| -> Option<String> {
        let values = schema.get(key)?.as_array()?;
        let words: Vec<String> = values
            .iter()
            .map(|v| match v {
                serde_json::Value::String(t) => format!("`{t}`"),
                other => format!("`{other}`"),
            })
            .collect();
        Some(words.join(", "))
    };
    let mut facts = Vec::new();
    if let Some(t) = schema.get("type") {
        facts.push(format!(
            "type: `{}`",
            t.as_str().map_or_else(|| t.to_string(), str::to_owned)
        ));
    }
    if let Some(v) = list("enum") {
        facts.push(format!("one of {v}"));
    }
    if let Some(v) = list("examples") {
        facts.push(format!("e.g. {v}"));
    }
    if !facts.is_empty() {
        s.push_str(&format!("\n\n{}", facts.join(" · ")));
    }
    s
}

/// A rule's KB article in Markdown: title, articles, symptoms, cause, resolution.
pub fn article(rule: &Rule) -> String {
    let m = &rule.meta;
    let mut s = format!("**{}**: {}", rule.id, m.title.trim());
    if !m.kb.is_empty() {
        let kb = m.kb.join(", ");
        match rule.url() {
            Some(url) => s.push_str(&format!("\n\nKB article: [{kb}]({url})")),
            None => s.push_str(&format!("\n\nKB article: {kb}")),
        }
    }
    if !m.products.is_empty() {
        s.push_str(&format!("\n\n**Products**: {}", m.products.join("; ")));
    }
    if !m.symptoms.is_empty() {
        s.push_str("\n\n**Symptoms**\n");
        for sym in &m.symptoms {
            s.push_str(&format!("\n- {}", sym.trim()));
        }
    }
    for (name, text) in [("Cause", &m.cause), ("Resolution", &m.resolution)] {
        if !text.trim().is_empty() {
            s.push_str(&format!("\n\n**{name}**\n\n{}", text.trim()));
        }
    }
    s.push_str(&format!("\n\n*Rule file: `{}`*", rule.file.name()));
    s
}

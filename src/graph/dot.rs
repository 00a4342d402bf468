//! Graphviz DOT text: sites and containers as clusters, links labelled by kind, marked
//! entities coloured by severity and labelled with their rule ids.
//!
//! A container is a cluster holding a node for itself (links to the container attach there)
//! and its children. Ids are double-quoted strings: `"` and `\` are escaped (`\"`, `\\`), so
//! an id with quotes or a UNC path in a label reaches Graphviz as written; newlines become
//! `\n`, Graphviz's own line break in labels.

use super::{Diagram, Visit, colours, highlight, omitted_note};
use std::fmt::Write;

pub fn render(d: &Diagram) -> String {
    let mut out = String::new();
    // The title and the findings, one per line, left-justified (`\l`) above the picture.
    let mut title = format!("{}\\l{}\\l", escape(&d.title), escape(&d.file));
    for f in &d.findings {
        let waived = if f.waived { " (waived)" } else { "" };
        title.push_str(&escape(&format!(
            "{} {}{waived}: {}",
            f.level.word(),
            f.rule,
            f.entities.join(", ")
        )));
        title.push_str("\\l");
    }
    if d.omitted > 0 {
        title.push_str(&escape(&omitted_note(d)));
        title.push_str("\\l");
    }
    let _ = writeln!(out, "digraph \"kbcheck\" {{");
    let _ = writeln!(
        out,
        "  graph [rankdir=LR, compound=true, newrank=true, fontname=\"Helvetica\", fontsize=12, labelloc=t, labeljust=l, label=\"{title}\"];"
    );
    let _ = writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", color=\"{}\", fontname=\"Helvetica\", fontsize=11];",
        super::INK
    );
    let _ = writeln!(
        out,
        "  edge [color=\"{}\", fontname=\"Helvetica\", fontsize=10];",
        super::LINK
    );
    for (g, group) in d.groups.iter().enumerate() {
        let mut depth = 1;
        if let Some(site) = &group.site {
            let _ = writeln!(out, "  subgraph \"cluster_s{g}\" {{");
            let _ = writeln!(
                out,
                "    label={}; style=\"dashed,rounded\"; color=\"#9aa5b1\"; fontcolor=\"{}\";",
                quote(&super::site_label(site)),
                super::MUTED
            );
            depth = 2;
        }
        for v in d.visits(&group.members) {
            let pad = "  ".repeat(depth);
            match v {
                Visit::Open(n) => {
                    let _ = writeln!(out, "{pad}subgraph \"cluster_n{n}\" {{");
                    let _ = writeln!(out, "{pad}  {};", cluster_attrs(d, n));
                    let _ = writeln!(out, "{pad}  {}", node_stmt(d, n, true));
                    depth += 1;
                }
                Visit::Leaf(n) => {
                    let _ = writeln!(out, "{pad}{}", node_stmt(d, n, false));
                }
                Visit::Close(_) => {
                    depth = depth.saturating_sub(1);
                    let _ = writeln!(out, "{}}}", "  ".repeat(depth));
                }
            }
        }
        if group.site.is_some() {
            let _ = writeln!(out, "  }}");
        }
    }
    for e in &d.edges {
        let (Some(from), Some(to)) = (d.nodes.get(e.from), d.nodes.get(e.to)) else {
            continue;
        };
        let mut lines = vec![e.label()];
        lines.extend(e.marks.iter().map(super::Mark::text));
        let mut attrs = vec![format!("label={}", quote(&lines.join("\n")))];
        attrs.push(format!("tooltip={}", quote(&e.id)));
        if e.reference {
            attrs.push("style=dotted, arrowhead=vee".to_owned());
        }
        if let Some(h) = highlight(&e.marks) {
            let (stroke, _) = colours(h.level);
            attrs.push(format!("color=\"{stroke}\", fontcolor=\"{stroke}\""));
            attrs.push(format!("penwidth={}", if h.member { 3 } else { 2 }));
            if h.waived {
                attrs.push("style=dashed".to_owned());
            }
        }
        let _ = writeln!(
            out,
            "  {} -> {} [{}];",
            quote(&from.id),
            quote(&to.id),
            attrs.join(", ")
        );
    }
    out.push_str("}\n");
    out
}

/// A node statement; a container's own node is drawn bold inside its cluster.
fn node_stmt(d: &Diagram, n: usize, container: bool) -> String {
    let Some(node) = d.nodes.get(n) else {
        return String::new();
    };
    let mut lines = vec![node.id.clone(), node.detail.clone()];
    lines.extend(node.marks.iter().map(super::Mark::text));
    let mut attrs = vec![format!("label={}", quote(&lines.join("\n")))];
    let mut style = vec!["rounded", "filled"];
    if container {
        style.push("bold");
    }
    if let Some(h) = highlight(&node.marks) {
        let (stroke, tint) = colours(h.level);
        attrs.push(format!("color=\"{stroke}\""));
        attrs.push(format!("penwidth={}", if h.member { 3 } else { 2 }));
        if h.member {
            attrs.push(format!("fillcolor=\"{tint}\""));
        }
        if h.waived {
            style.push("dashed");
        }
    }
    attrs.push(format!("style=\"{}\"", style.join(",")));
    format!("{} [{}];", quote(&node.id), attrs.join(", "))
}

fn cluster_attrs(d: &Diagram, n: usize) -> String {
    let marks = d.nodes.get(n).map_or(&[][..], |x| &x.marks);
    let mut attrs = vec![
        "label=\"\"".to_owned(),
        "style=\"rounded,filled\"".to_owned(),
        format!("fillcolor=\"{}\"", super::CONTAINER_FILL),
    ];
    match highlight(marks) {
        Some(h) => {
            attrs.push(format!("color=\"{}\"", colours(h.level).0));
            attrs.push(format!("penwidth={}", if h.member { 3 } else { 2 }));
        }
        None => attrs.push(format!("color=\"{}\"", super::INK)),
    }
    attrs.join("; ")
}

/// A DOT double-quoted string.
pub fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// Escape text for inside a DOT double-quoted string: `\` and `"` escaped, newlines as `\n`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_ids_with_quotes_and_backslashes() {
        assert_eq!(quote(r#"PO "A""#), r#""PO \"A\"""#);
        assert_eq!(quote(r"\\EXCH\MAILDAT$"), r#""\\\\EXCH\\MAILDAT$""#);
        assert_eq!(quote("a\nb"), r#""a\nb""#);
    }
}

//! Mermaid flowchart text: sites and containers as subgraphs, links labelled by kind, marked
//! entities styled by severity and labelled with their rule ids.
//!
//! Mermaid ids are generated (`n0`, `s0`), so no topology id needs to be a Mermaid name; the
//! ids are shown in the quoted labels, which Mermaid renders as HTML. Label text is escaped
//! with HTML *named* entities only (`"` → `&quot;`, `<` → `&lt;`, `#` → `&num;`, `` ` `` →
//! `&grave;` …): Mermaid 11 rewrites anything shaped `#word;` — its own `#quot;` codes and
//! numeric `&#35;` alike — into placeholders it does not always turn back, and a label
//! starting with a backtick would be read as Markdown. Backslashes (UNC paths) are literal in
//! Mermaid labels and stay as written.

use super::{Diagram, Highlight, Mark, Visit, colours, highlight};
use std::fmt::Write;

pub fn render(d: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "flowchart LR");
    let mut styles = Vec::new();
    for (g, group) in d.groups.iter().enumerate() {
        let indent = match &group.site {
            Some(site) => {
                let _ = writeln!(
                    out,
                    "  subgraph s{g} [\"{}\"]",
                    escape(&super::site_label(site))
                );
                styles.push(format!(
                    "  style s{g} fill:none,stroke:#9aa5b1,stroke-dasharray:4 3"
                ));
                2
            }
            None => 1,
        };
        let mut depth = indent;
        for v in d.visits(&group.members) {
            let pad = "  ".repeat(depth);
            match v {
                Visit::Open(n) => {
                    let _ = writeln!(out, "{pad}subgraph n{n} [\"{}\"]", node_label(d, n));
                    styles.push(node_style(d, n, true));
                    depth += 1;
                }
                Visit::Leaf(n) => {
                    let _ = writeln!(out, "{pad}n{n}[\"{}\"]", node_label(d, n));
                    styles.push(node_style(d, n, false));
                }
                Visit::Close(_) => {
                    depth = depth.saturating_sub(1);
                    let _ = writeln!(out, "{}end", "  ".repeat(depth));
                }
            }
        }
        if group.site.is_some() {
            let _ = writeln!(out, "  end");
        }
    }
    for (k, e) in d.edges.iter().enumerate() {
        let mut lines = vec![escape(&e.label())];
        lines.extend(e.marks.iter().map(|m| escape(&m.text())));
        let _ = writeln!(
            out,
            "  n{} {}|\"{}\"| n{}",
            e.from,
            if e.reference { "-.->" } else { "-->" },
            lines.join("<br/>"),
            e.to
        );
        if let Some(h) = highlight(&e.marks) {
            let (stroke, _) = colours(h.level);
            let width = if h.member { 3 } else { 2 };
            let dash = if h.waived {
                ",stroke-dasharray:6 4"
            } else {
                ""
            };
            styles.push(format!(
                "  linkStyle {k} stroke:{stroke},stroke-width:{width}px,color:{stroke}{dash}"
            ));
        }
    }
    styles.retain(|s| !s.is_empty());
    for s in styles {
        let _ = writeln!(out, "{s}");
    }
    out
}

fn node_label(d: &Diagram, n: usize) -> String {
    let Some(node) = d.nodes.get(n) else {
        return String::new();
    };
    let mut lines = vec![escape(&node.id), escape(&node.detail)];
    lines.extend(node.marks.iter().map(|m: &Mark| escape(&m.text())));
    lines.join("<br/>")
}

fn node_style(d: &Diagram, n: usize, container: bool) -> String {
    let marks = d.nodes.get(n).map_or(&[][..], |x| &x.marks);
    match highlight(marks) {
        Some(Highlight {
            level,
            waived,
            member,
        }) => {
            let (stroke, tint) = colours(level);
            let fill = if member {
                tint
            } else if container {
                super::CONTAINER_FILL
            } else {
                "#ffffff"
            };
            let width = if member { 3 } else { 2 };
            let dash = if waived { ",stroke-dasharray:6 4" } else { "" };
            format!("  style n{n} fill:{fill},stroke:{stroke},stroke-width:{width}px{dash}")
        }
        None if container => format!(
            "  style n{n} fill:{},stroke:{}",
            super::CONTAINER_FILL,
            super::INK
        ),
        None => String::new(),
    }
}

/// Escape text for a quoted Mermaid label, with HTML named entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '#' => out.push_str("&num;"),
            '`' => out.push_str("&grave;"),
            '|' => out.push_str("&vert;"),
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
    fn escapes_what_would_end_or_change_a_label() {
        assert_eq!(
            escape(r#"PO "A" #1 <x> & \\SRV\SHARE$ `a|b` x#quot;y"#),
            r"PO &quot;A&quot; &num;1 &lt;x&gt; &amp; \\SRV\SHARE$ &grave;a&vert;b&grave; x&num;quot;y"
        );
    }
}

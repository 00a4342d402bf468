//! SVG drawing of a laid-out diagram ([`super::layout`]): sites as dashed frames, nodes as
//! boxes with their children inside, links as orthogonal arrows with labels, findings in
//! their level's colour (error red, warning amber, info blue; waived ones dashed and faded),
//! and a legend listing the findings.
//!
//! Every node and link is a `<g>` with `data-id` (the entity id), `data-rules` (the rule ids
//! marking it) and a `<title>` (a tooltip), so a page embedding the picture can find them.
//! Styling is in attributes only, so an embedding page's CSS is not touched; all text is
//! escaped; `prefix` keeps the arrow markers' ids unique on a page with several pictures.

use super::layout::{self, CHAR_W, Line, MARGIN, PAD_X, PAD_Y, Rect, SITE_HEAD, SMALL_H, layout};
use super::{Diagram, Highlight, Mark, Visit, colours, escape_xml as esc, highlight};
use crate::lang::Level;
use std::fmt::Write;

const FONT: &str = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";

pub fn render(d: &Diagram, prefix: &str) -> String {
    let geo = layout(d);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\" role=\"img\" aria-label=\"{}\">",
        esc(&format!("topology diagram of {}", d.title)),
        w = geo.width,
        h = geo.height,
    );
    let _ = writeln!(out, "<title>{}</title>", esc(&d.title));
    out.push_str("<defs>\n");
    for (name, colour) in markers() {
        let _ = writeln!(
            out,
            "<marker id=\"{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"10\" markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{colour}\"/></marker>",
            marker_id(prefix, name)
        );
    }
    out.push_str("</defs>\n");
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        geo.width, geo.height
    );
    let _ = writeln!(
        out,
        "<text x=\"{MARGIN}\" y=\"{}\" font-size=\"16\" font-weight=\"bold\" fill=\"#1f2933\">{}</text>",
        MARGIN + 14.0,
        esc(&d.title)
    );
    let _ = writeln!(
        out,
        "<text x=\"{MARGIN}\" y=\"{}\" font-size=\"11\" fill=\"{}\">{}</text>",
        MARGIN + 32.0,
        super::MUTED,
        esc(&d.file)
    );
    for s in &geo.sites {
        let r = s.rect;
        let _ = writeln!(
            out,
            "<g class=\"site\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"10\" fill=\"none\" stroke=\"#9aa5b1\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" font-style=\"italic\" fill=\"{}\">{}</text></g>",
            f(r.x),
            f(r.y),
            f(r.w),
            f(r.h),
            f(r.x + PAD_X),
            f(r.y + SITE_HEAD - 9.0),
            super::MUTED,
            esc(&s.caption)
        );
    }
    // Containers before what they contain, so children are drawn on top.
    let roots: Vec<usize> = d.groups.iter().flat_map(|g| g.members.clone()).collect();
    for v in d.visits(&roots) {
        if let Visit::Open(n) | Visit::Leaf(n) = v {
            node(&mut out, d, &geo, n);
        }
    }
    for (k, e) in d.edges.iter().enumerate() {
        let Some(path) = geo.edges.get(k) else {
            continue;
        };
        let hl = highlight(&e.marks);
        let (stroke, width, marker) = match hl {
            Some(h) => (
                colours(h.level).0,
                if h.member { 3.0 } else { 2.6 },
                h.level.word(),
            ),
            None => (super::LINK, 1.4, "link"),
        };
        let _ = writeln!(
            out,
            "<g class=\"edge\" data-id=\"{}\" data-rules=\"{}\"{}><title>{}</title>",
            esc(&e.id),
            esc(&rules(&e.marks)),
            faded(hl),
            esc(&format!(
                "{} ({}) from {} to {}",
                e.id,
                e.kind,
                d.nodes.get(e.from).map_or("", |x| x.id.as_str()),
                d.nodes.get(e.to).map_or("", |x| x.id.as_str())
            ))
        );
        let _ = writeln!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\"{} marker-end=\"url(#{})\"/>",
            rounded(&path.points),
            if e.reference && hl.is_none() {
                " stroke-dasharray=\"2 3\""
            } else {
                dashed(hl)
            },
            marker_id(prefix, marker)
        );
        out.push_str("</g>\n");
    }
    // Labels last, over every line.
    for (k, e) in d.edges.iter().enumerate() {
        let Some(path) = geo.edges.get(k) else {
            continue;
        };
        let hl = highlight(&e.marks);
        let r = path.label.rect;
        let border = hl.map_or("#d5dbe1", |h| colours(h.level).0);
        let _ = write!(
            out,
            "<g class=\"edge-label\" data-id=\"{}\"{}>",
            esc(&e.id),
            faded(hl)
        );
        if let Some(((x1, y1), (x2, y2))) = path.label.leader {
            let _ = write!(
                out,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{border}\" stroke-width=\"1\" stroke-dasharray=\"2 2\"/>",
                f(x1),
                f(y1),
                f(x2),
                f(y2)
            );
        }
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"{border}\" stroke-width=\"0.8\"/>",
            f(r.x),
            f(r.y),
            f(r.w),
            f(r.h)
        );
        text_lines(&mut out, &layout::edge_lines(e), r.x + 4.0, r.y + 2.0);
        out.push_str("</g>\n");
    }
    legend(&mut out, d, geo.legend_y);
    out.push_str("</svg>\n");
    out
}

fn node(out: &mut String, d: &Diagram, geo: &layout::Layout, n: usize) {
    let (Some(node), Some(b)) = (d.nodes.get(n), geo.nodes.get(n)) else {
        return;
    };
    let hl = highlight(&node.marks);
    let plain_fill = if b.container {
        super::CONTAINER_FILL
    } else {
        "#ffffff"
    };
    let (fill, stroke, width) = match hl {
        Some(Highlight {
            level,
            member: true,
            ..
        }) => (colours(level).1, colours(level).0, 3.0),
        Some(Highlight { level, .. }) => (plain_fill, colours(level).0, 2.4),
        None => (plain_fill, super::INK, 1.2),
    };
    let _ = writeln!(
        out,
        "<g class=\"node\" data-id=\"{}\" data-kind=\"{}\" data-rules=\"{}\"><title>{}</title>",
        esc(&node.id),
        esc(&node.kind),
        esc(&rules(&node.marks)),
        esc(&format!("{} ({})", node.id, node.detail))
    );
    let r: Rect = b.rect;
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{}{}/>",
        f(r.x),
        f(r.y),
        f(r.w),
        f(r.h),
        dashed(hl),
        if hl.is_some_and(|h| h.waived) {
            format!(" stroke-opacity=\"{}\"", super::WAIVED_OPACITY)
        } else {
            String::new()
        }
    );
    if b.container {
        // A rule under the header separates the container's own text from its children.
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{stroke}\" stroke-opacity=\"0.35\" stroke-width=\"1\"/>",
            f(r.x),
            f(r.right()),
            y = f(r.y + b.header - 2.0)
        );
    }
    text_lines(out, &layout::node_lines(d, n), r.x + PAD_X, r.y + PAD_Y);
    out.push_str("</g>\n");
}

/// Lines of text from a top-left corner.
fn text_lines(out: &mut String, lines: &[Line], x: f64, top: f64) {
    let mut y = top;
    for line in lines {
        let h = line.height();
        // The baseline sits about three quarters down the line box.
        let base = y + h * 0.78;
        let (text, attrs) = match line {
            Line::Id(t) => (
                t.clone(),
                "font-size=\"12\" font-weight=\"bold\" fill=\"#1f2933\"".to_owned(),
            ),
            Line::Detail(t) => (
                t.clone(),
                format!("font-size=\"11\" fill=\"{}\"", super::MUTED),
            ),
            Line::Mark(m) => (
                m.text(),
                format!(
                    "font-size=\"11\" font-weight=\"bold\" fill=\"{}\"",
                    colours(m.level).0
                ),
            ),
        };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" {attrs}>{}</text>",
            f(x),
            f(base),
            esc(&text)
        );
        y += h;
    }
}

fn legend(out: &mut String, d: &Diagram, top: f64) {
    out.push_str("<g class=\"legend\">\n");
    let mut x = MARGIN;
    for level in [Level::Error, Level::Warning, Level::Info] {
        let (stroke, tint) = colours(level);
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"12\" rx=\"2\" fill=\"{tint}\" stroke=\"{stroke}\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#1f2933\">{}</text>",
            f(x),
            f(top),
            f(x + 20.0),
            f(top + 10.5),
            level.word()
        );
        x += 20.0 + CHAR_W * level.word().len() as f64 + 18.0;
    }
    let mut y = top + 18.0;
    for (i, line) in layout::legend_lines(d).iter().enumerate() {
        let (colour, weight) = match layout::legend_level(d, i) {
            Some((level, _)) => (colours(level).0, "bold"),
            None => (super::MUTED, "normal"),
        };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" font-weight=\"{weight}\" fill=\"{colour}\">{}</text>",
            f(MARGIN),
            f(y + SMALL_H * 0.78),
            esc(line)
        );
        y += SMALL_H;
    }
    out.push_str("</g>\n");
}

/// The rule ids of marks, space-separated.
fn rules(marks: &[Mark]) -> String {
    let mut ids: Vec<&str> = marks.iter().map(|m| m.rule.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.join(" ")
}

fn dashed(h: Option<Highlight>) -> &'static str {
    if h.is_some_and(|h| h.waived) {
        " stroke-dasharray=\"7 4\""
    } else {
        ""
    }
}

fn faded(h: Option<Highlight>) -> String {
    if h.is_some_and(|h| h.waived) {
        format!(" opacity=\"{}\"", super::WAIVED_OPACITY)
    } else {
        String::new()
    }
}

fn markers() -> [(&'static str, &'static str); 4] {
    [
        ("link", super::LINK),
        ("error", colours(Level::Error).0),
        ("warning", colours(Level::Warning).0),
        ("info", colours(Level::Info).0),
    ]
}

fn marker_id(prefix: &str, name: &str) -> String {
    let clean: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("{clean}arrow-{name}")
}

/// A polyline with rounded corners, as path data.
fn rounded(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    let Some(&(x0, y0)) = points.first() else {
        return d;
    };
    let _ = write!(d, "M{} {}", f(x0), f(y0));
    for w in points.windows(3) {
        let [(ax, ay), (bx, by), (cx, cy)] =
            [w.first(), w.get(1), w.get(2)].map(|p| p.copied().unwrap_or_default());
        let len_in = (bx - ax).hypot(by - ay);
        let len_out = (cx - bx).hypot(cy - by);
        let r = 6.0_f64.min(len_in / 2.0).min(len_out / 2.0);
        if r < 0.5 {
            let _ = write!(d, " L{} {}", f(bx), f(by));
            continue;
        }
        let (sx, sy) = (bx - (bx - ax) / len_in * r, by - (by - ay) / len_in * r);
        let (ex, ey) = (bx + (cx - bx) / len_out * r, by + (cy - by) / len_out * r);
        let _ = write!(
            d,
            " L{} {} Q{} {} {} {}",
            f(sx),
            f(sy),
            f(bx),
            f(by),
            f(ex),
            f(ey)
        );
    }
    if let Some(&(xn, yn)) = points.last().filter(|_| points.len() > 1) {
        let _ = write!(d, " L{} {}", f(xn), f(yn));
    }
    d
}

/// A coordinate with one decimal, without a trailing `.0`.
fn f(v: f64) -> String {
    let s = format!("{v:.1}");
    match s.strip_suffix(".0") {
        Some(t) => t.to_owned(),
        None => s,
    }
}

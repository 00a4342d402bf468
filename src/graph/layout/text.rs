//! The text a picture shows, measured: the lines of a node and of a link's label, and the
//! legend's lines.

use super::{CHAR_W, LINE_H, SMALL_H, SMALL_W};
use crate::graph::{DEdge, Diagram, Mark};
use crate::lang::Level;

/// How a line of text is drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// An entity id (12px, bold).
    Id(String),
    /// A description (11px, muted).
    Detail(String),
    /// A finding's mark (11px, bold, in the level's colour).
    Mark(Mark),
}

impl Line {
    pub fn width(&self) -> f64 {
        match self {
            Line::Id(t) => chars(t) * CHAR_W,
            Line::Detail(t) => chars(t) * SMALL_W,
            Line::Mark(m) => chars(&m.text()) * SMALL_W,
        }
    }
    pub fn height(&self) -> f64 {
        match self {
            Line::Id(_) => LINE_H,
            Line::Detail(_) | Line::Mark(_) => SMALL_H,
        }
    }
}

pub(super) fn chars(t: &str) -> f64 {
    // Counts stay far below 2^52, so the conversion is exact.
    t.chars().count() as f64
}

/// The text lines of a node: id, description, marks.
pub fn node_lines(d: &Diagram, n: usize) -> Vec<Line> {
    let Some(node) = d.nodes.get(n) else {
        return Vec::new();
    };
    let mut lines = vec![Line::Id(node.id.clone()), Line::Detail(node.detail.clone())];
    lines.extend(node.marks.iter().cloned().map(Line::Mark));
    lines
}

/// The text lines of a link's label: kind (and id), marks.
pub fn edge_lines(e: &DEdge) -> Vec<Line> {
    let mut lines = vec![Line::Detail(e.label())];
    lines.extend(e.marks.iter().cloned().map(Line::Mark));
    lines
}

pub(super) fn text_size(lines: &[Line]) -> (f64, f64) {
    let w = lines.iter().map(Line::width).fold(0.0, f64::max);
    let h = lines.iter().map(Line::height).sum();
    (w, h)
}

/// The legend's lines: what the colours mean, each finding, and what was left out.
pub fn legend_lines(d: &Diagram) -> Vec<String> {
    let mut lines = Vec::new();
    if d.findings.is_empty() {
        lines.push("no findings".to_owned());
    } else {
        lines.push(format!(
            "{} finding{}: thick border = named by the finding; coloured link or thin border = path joining a group's members",
            d.findings.len(),
            if d.findings.len() == 1 { "" } else { "s" }
        ));
        for f in &d.findings {
            let waived = if f.waived { " (waived)" } else { "" };
            lines.push(format!(
                "{} {}{waived}: {}",
                f.level.word(),
                f.rule,
                f.entities.join(", ")
            ));
        }
    }
    if d.omitted > 0 {
        lines.push(crate::graph::omitted_note(d));
    }
    lines
}

/// The level of a legend line's finding (index into [`Diagram::findings`] + 1), for colour.
pub fn legend_level(d: &Diagram, line: usize) -> Option<(Level, bool)> {
    let f = d.findings.get(line.checked_sub(1)?)?;
    Some((f.level, f.waived))
}

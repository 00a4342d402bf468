//! Boxes: every node's natural size (children before their containers), then the columns,
//! one width for every top-level box of a column and its children stretched to fit.

use super::text::{chars, node_lines, text_size};
use super::{GAP, NEST, NodeBox, PAD_X, PAD_Y, Rect, SITE_HEAD, SITE_PAD, SMALL_W, TOP_GAP, gaps};
use crate::graph::{Diagram, Visit, site_label};

/// The boxes, before the columns are placed side by side: each column's boxes start at x 0.
pub(super) struct Columns {
    pub boxes: Vec<NodeBox>,
    /// The column of each node.
    pub col_of: Vec<usize>,
    pub col_w: Vec<f64>,
    pub col_h: Vec<f64>,
}

/// Size every node and stack the columns.
pub(super) fn columns(d: &Diagram) -> Columns {
    let n = d.nodes.len();
    let ncols = d.groups.len();
    let mut boxes = vec![NodeBox::default(); n];
    let mut col_of = vec![0usize; n];
    let mut pre: Vec<usize> = Vec::with_capacity(n);
    for (c, g) in d.groups.iter().enumerate() {
        for v in d.visits(&g.members) {
            if let Visit::Open(x) | Visit::Leaf(x) = v {
                pre.push(x);
                if let Some(slot) = col_of.get_mut(x) {
                    *slot = c;
                }
            }
        }
    }
    let children = |x: usize| d.nodes.get(x).map_or(&[][..], |node| &node.children);

    // Natural sizes, children before their containers.
    for &x in pre.iter().rev() {
        let (tw, th) = text_size(&node_lines(d, x));
        let header = th + 2.0 * PAD_Y;
        let kids = children(x);
        let (mut w, mut h) = (tw + 2.0 * PAD_X, header);
        if !kids.is_empty() {
            let sizes: Vec<Rect> = kids
                .iter()
                .map(|&k| boxes.get(k).map(|b| b.rect).unwrap_or_default())
                .collect();
            let inner = sizes.iter().map(|r| r.w).fold(0.0, f64::max);
            w = w.max(inner + 2.0 * NEST);
            h = header + sizes.iter().map(|r| r.h).sum::<f64>() + GAP * gaps(kids.len()) + NEST;
        }
        if let Some(b) = boxes.get_mut(x) {
            *b = NodeBox {
                rect: Rect {
                    x: 0.0,
                    y: 0.0,
                    w,
                    h,
                },
                header,
                container: !kids.is_empty(),
            };
        }
    }

    // Columns: one width for every top-level box, and its children stretched to fit.
    let mut col_w = vec![0.0; ncols];
    let mut col_h = vec![0.0; ncols];
    for (c, g) in d.groups.iter().enumerate() {
        let inner = g
            .members
            .iter()
            .filter_map(|&m| boxes.get(m))
            .map(|b| b.rect.w)
            .fold(0.0, f64::max);
        let sited = g.site.is_some();
        let caption = g
            .site
            .as_deref()
            .map_or(0.0, |s| chars(&site_label(s)) * SMALL_W + 2.0 * PAD_X);
        let inner = inner.max(caption - if sited { 2.0 * SITE_PAD } else { 0.0 });
        let (off_x, mut y) = if sited {
            (SITE_PAD, SITE_HEAD)
        } else {
            (0.0, 0.0)
        };
        for &m in &g.members {
            if let Some(b) = boxes.get_mut(m) {
                b.rect.w = inner;
                b.rect.x = off_x;
                b.rect.y = y;
                y += b.rect.h + TOP_GAP;
            }
        }
        if let Some(slot) = col_w.get_mut(c) {
            *slot = inner + 2.0 * off_x;
        }
        if let Some(slot) = col_h.get_mut(c) {
            *slot = (y - TOP_GAP).max(0.0) + if sited { SITE_PAD } else { 0.0 };
        }
    }
    for &x in &pre {
        let Some(parent) = boxes.get(x).copied() else {
            continue;
        };
        let mut y = parent.rect.y + parent.header;
        for &k in children(x) {
            if let Some(b) = boxes.get_mut(k) {
                b.rect.w = parent.rect.w - 2.0 * NEST;
                b.rect.x = parent.rect.x + NEST;
                b.rect.y = y;
                y += b.rect.h + GAP;
            }
        }
    }
    Columns {
        boxes,
        col_of,
        col_w,
        col_h,
    }
}

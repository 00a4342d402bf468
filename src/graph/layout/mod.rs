//! Geometry of the SVG picture, computed by kbcheck (no external program).
//!
//! Graph layout crates lay out flat graphs (layout-rs flattens DOT subgraphs), so the nesting
//! is laid out here, in a fixed, readable scheme:
//! - each group (a site, then the nodes without one) is a **column**, in order of first
//!   appearance; its top-level nodes are stacked in file order, and every node's children
//!   are stacked inside it under its header, all of one column made the same width;
//! - links are routed **orthogonally through the gutters** between columns: out of the side
//!   of the source box that faces the target, along a vertical lane of their own in the
//!   gutter, and into the target box (a link within a column loops through the gutter on its
//!   right; one that skips columns runs along a track above them). As every box of a column
//!   spans the same horizontal band, a horizontal segment only ever crosses the borders of
//!   the box's own containers, never another box;
//! - each link's label sits beside the target's column, just above where the link enters; if
//!   that place is taken (by another label or a link passing through), it moves to the
//!   nearest free place and a dotted leader joins it to its link. In a gutter every line runs
//!   across the whole label area, so placement is one-dimensional and exact.
//!
//! Text is measured as monospace (the SVG asks for a monospace font), so boxes fit their text.
//!
//! The steps have a file each: `columns` (sizes and columns), `route` (how links cross the
//! columns, and their ports), `lanes` (vertical segments in the gutters), `labels` (label
//! places) and `text` (what is written, measured); `layout` here runs them in order and
//! places the columns side by side.

mod columns;
mod labels;
mod lanes;
mod route;
mod text;

pub use text::{Line, edge_lines, legend_level, legend_lines, node_lines};

use super::Diagram;
use columns::{Columns, columns};
use labels::labels;
use lanes::lanes;
use route::{Route, Side, ports, route};
use text::{chars, text_size};

/// Advance of one character of 12px and 11px monospace text (0.6 em, with a little slack).
pub const CHAR_W: f64 = 7.3;
pub const SMALL_W: f64 = 6.7;
/// Line heights of 12px and 11px text.
pub const LINE_H: f64 = 16.0;
pub const SMALL_H: f64 = 14.0;
pub const PAD_X: f64 = 10.0;
pub const PAD_Y: f64 = 7.0;
/// Inset of children in their container, and the space between siblings.
const NEST: f64 = 12.0;
const GAP: f64 = 10.0;
/// A site's padding, caption height, and the space between its top-level nodes.
const SITE_PAD: f64 = 14.0;
pub const SITE_HEAD: f64 = 26.0;
const TOP_GAP: f64 = 26.0;
/// Distance between parallel lanes (vertical) and tracks (horizontal, above the columns).
const LANE: f64 = 10.0;
pub const MARGIN: f64 = 24.0;
/// Title block height (title and file name).
pub const TITLE_H: f64 = 48.0;
/// Narrowest gutter between two columns.
const MIN_GUTTER: f64 = 64.0;
/// Clearance between a label and a line or another label.
const CLEAR: f64 = 3.0;

/// An axis-aligned rectangle.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

/// Where one node is drawn.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeBox {
    pub rect: Rect,
    /// Height of the header (the node's own text) of a container; the whole box of a leaf.
    pub header: f64,
    pub container: bool,
}

/// Where a link's label is drawn.
#[derive(Clone, Debug)]
pub struct LabelBox {
    pub rect: Rect,
    /// A dotted line from the label to its link, when the label had to move away from it.
    pub leader: Option<((f64, f64), (f64, f64))>,
}

/// Where one link is drawn: its polyline (source port first) and label.
#[derive(Clone, Debug)]
pub struct EdgePath {
    pub points: Vec<(f64, f64)>,
    pub label: LabelBox,
}

/// A site's frame and caption.
#[derive(Clone, Debug)]
pub struct SiteBox {
    pub rect: Rect,
    pub caption: String,
}

/// The whole picture.
#[derive(Clone, Debug)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<NodeBox>,
    pub sites: Vec<SiteBox>,
    pub edges: Vec<EdgePath>,
    /// Top of the legend (under the columns).
    pub legend_y: f64,
}

/// Lay a diagram out.
pub fn layout(d: &Diagram) -> Layout {
    let ncols = d.groups.len();
    let Columns {
        mut boxes,
        col_of,
        col_w,
        col_h,
    } = columns(d);

    // Routes and ports. A side's ports are spread over the box (a container: its header),
    // in the order of the other ends, so links leave and arrive without crossing needlessly.
    let routes: Vec<Route> = d
        .edges
        .iter()
        .map(|e| {
            let c = |x: usize| col_of.get(x).copied().unwrap_or(0);
            route(c(e.from), c(e.to))
        })
        .collect();
    let far: Vec<usize> = (0..d.edges.len())
        .filter(|&k| routes.get(k).is_some_and(|r| r.far))
        .collect();
    let channel = if far.is_empty() {
        0.0
    } else {
        LANE * gaps(far.len() + 1) + 2.0 * LANE
    };
    let top = MARGIN + TITLE_H + channel;
    for b in &mut boxes {
        b.rect.y += top;
    }
    let (y_from, y_to) = ports(d, &routes, &col_of, &boxes);
    let track_y = |t: usize| MARGIN + TITLE_H + LANE * (t as f64 + 1.0);
    let mut track_of = vec![0.0; d.edges.len()];
    for (t, &k) in far.iter().enumerate() {
        if let Some(s) = track_of.get_mut(k) {
            *s = track_y(t);
        }
    }

    let lanes = lanes(&routes, &y_from, &y_to, &track_of);
    let labels = labels(d, &routes, &col_of, &y_from, &y_to, top);

    // Gutter widths, then the columns' places.
    let gutter_parts = |g: usize| {
        let rl = labels.area_w.get(&(g, false)).copied().unwrap_or(0.0);
        let ll = labels.area_w.get(&(g, true)).copied().unwrap_or(0.0);
        let rn = lanes.count.get(&(g, false)).copied().unwrap_or(0) as f64;
        let ln = lanes.count.get(&(g, true)).copied().unwrap_or(0) as f64;
        (rl, rn, ln, ll)
    };
    let gutter_w = |g: usize| {
        let (rl, rn, ln, ll) = gutter_parts(g);
        let used = rl + ll + (rn + ln) * LANE;
        let inner = used + 24.0;
        if g == 0 || g == ncols {
            if used > 0.0 {
                inner.max(MARGIN)
            } else {
                MARGIN
            }
        } else {
            inner.max(MIN_GUTTER)
        }
    };
    let mut gutter_x = vec![0.0; ncols + 1];
    let mut col_x = vec![0.0; ncols];
    let mut x = 0.0;
    for g in 0..=ncols {
        if let Some(s) = gutter_x.get_mut(g) {
            *s = x;
        }
        x += gutter_w(g);
        if g < ncols {
            if let Some(s) = col_x.get_mut(g) {
                *s = x;
            }
            x += col_w.get(g).copied().unwrap_or(0.0);
        }
    }
    let content_w = x;
    for (b, &c) in boxes.iter_mut().zip(&col_of) {
        b.rect.x += col_x.get(c).copied().unwrap_or(0.0);
    }
    let lane_x = |g: usize, l: bool, i: usize| {
        let gx = gutter_x.get(g).copied().unwrap_or(0.0);
        let (rl, rn, _, _) = gutter_parts(g);
        let base = gx + 12.0 + rl;
        if l {
            base + (rn + i as f64 + 0.5) * LANE
        } else {
            base + (i as f64 + 0.5) * LANE
        }
    };

    let mut edges = Vec::with_capacity(d.edges.len());
    for (k, (e, r)) in d.edges.iter().zip(&routes).enumerate() {
        let side_x = |x: usize, s: Side| {
            boxes.get(x).map_or(0.0, |b| match s {
                Side::Left => b.rect.x,
                Side::Right => b.rect.right(),
            })
        };
        let (xa, ya) = (side_x(e.from, r.from_side), at(&y_from, k));
        let (xb, yb) = (side_x(e.to, r.to_side), at(&y_to, k));
        let lanes = lanes.of.get(k).copied().unwrap_or_default();
        let [(g0, l0, i0), (g1, l1, i1)] = lanes;
        let up = lane_x(g0, l0, i0);
        let points = if r.far {
            let t = at(&track_of, k);
            let down = lane_x(g1, l1, i1);
            vec![(xa, ya), (up, ya), (up, t), (down, t), (down, yb), (xb, yb)]
        } else {
            vec![(xa, ya), (up, ya), (up, yb), (xb, yb)]
        };
        let (w, h) = text_size(&edge_lines(e));
        let (w, h) = (w + 8.0, h + 4.0);
        let cb = col_of.get(e.to).copied().unwrap_or(0);
        let col_left = col_x.get(cb).copied().unwrap_or(0.0);
        let lx = match r.to_side {
            Side::Left => col_left - 6.0 - w,
            Side::Right => col_left + col_w.get(cb).copied().unwrap_or(0.0) + 6.0,
        };
        let (ly, moved) = labels.y.get(k).copied().unwrap_or((0.0, false));
        let rect = Rect { x: lx, y: ly, w, h };
        let leader = moved.then(|| {
            let mid = lx + w / 2.0;
            let from_y = if ly > yb { ly } else { ly + h };
            ((mid, from_y), (mid, yb))
        });
        edges.push(EdgePath {
            points,
            label: LabelBox { rect, leader },
        });
    }

    let sites = d
        .groups
        .iter()
        .enumerate()
        .filter_map(|(c, g)| {
            let site = g.site.as_ref()?;
            Some(SiteBox {
                rect: Rect {
                    x: col_x.get(c).copied().unwrap_or(0.0),
                    y: top,
                    w: col_w.get(c).copied().unwrap_or(0.0),
                    h: col_h.get(c).copied().unwrap_or(0.0),
                },
                caption: super::site_label(site),
            })
        })
        .collect();
    let columns_bottom = col_h.iter().fold(top, |m, h| m.max(top + h));
    let labels_bottom = edges
        .iter()
        .map(|e| e.label.rect.bottom())
        .fold(columns_bottom, f64::max);
    let legend_y = labels_bottom + 28.0;
    let legend = legend_lines(d);
    let legend_w = legend
        .iter()
        .map(|l| chars(l) * SMALL_W + 24.0)
        .fold(0.0, f64::max);
    let title_w = chars(&d.title).max(chars(&d.file)) * CHAR_W * 1.2;
    let width = (content_w
        .max(legend_w + 2.0 * MARGIN)
        .max(title_w + 2.0 * MARGIN))
    .ceil();
    let height = (legend_y + SMALL_H * legend.len() as f64 + 24.0 + MARGIN).ceil();
    Layout {
        width,
        height,
        nodes: boxes,
        sites,
        edges,
        legend_y,
    }
}

/// Number of gaps between `n` stacked items.
fn gaps(n: usize) -> f64 {
    n.saturating_sub(1) as f64
}

/// The `k`th value of a per-link list (0 past its end).
fn at(v: &[f64], k: usize) -> f64 {
    v.get(k).copied().unwrap_or(0.0)
}

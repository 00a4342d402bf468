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

use super::{DEdge, Diagram, Mark, Visit};
use crate::lang::Level;
use std::collections::BTreeMap;

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

fn chars(t: &str) -> f64 {
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

fn text_size(lines: &[Line]) -> (f64, f64) {
    let w = lines.iter().map(Line::width).fold(0.0, f64::max);
    let h = lines.iter().map(Line::height).sum();
    (w, h)
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

/// The lane sets of a gutter: R lanes lead into the column on the gutter's left (entered from
/// its right side), L lanes into the column on its right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Set {
    R,
    L,
}

/// How a link crosses the columns.
#[derive(Clone, Copy, Debug)]
struct Route {
    from_side: Side,
    to_side: Side,
    /// Gutter and lane set of the vertical segment next to the source.
    up: (usize, Set),
    /// Gutter and lane set of the vertical segment next to the target (the same as `up`
    /// unless the link skips columns and runs along a track).
    down: (usize, Set),
    far: bool,
}

fn route(ca: usize, cb: usize) -> Route {
    let near = |from_side, to_side, gutter, set| Route {
        from_side,
        to_side,
        up: (gutter, set),
        down: (gutter, set),
        far: false,
    };
    if cb == ca {
        near(Side::Right, Side::Right, ca + 1, Set::R)
    } else if cb == ca + 1 {
        near(Side::Right, Side::Left, cb, Set::L)
    } else if cb + 1 == ca {
        near(Side::Left, Side::Right, ca, Set::R)
    } else if cb > ca {
        // Up next to the source's column, down next to the target's: no segment runs
        // across a gutter beside a column it does not belong to.
        Route {
            from_side: Side::Right,
            to_side: Side::Left,
            up: (ca + 1, Set::R),
            down: (cb, Set::L),
            far: true,
        }
    } else {
        Route {
            from_side: Side::Left,
            to_side: Side::Right,
            up: (ca, Set::L),
            down: (cb + 1, Set::R),
            far: true,
        }
    }
}

/// One end of a link on a side of a box.
#[derive(Clone, Copy, Debug)]
struct End {
    /// The height of the other end's box, to order the ends along the side.
    other: f64,
    edge: usize,
    /// The link's source end (else its target end).
    from: bool,
}

/// A vertical segment waiting for a lane.
struct Vertical {
    edge: usize,
    /// 0: next to the source, 1: next to the target.
    which: usize,
    lo: f64,
    hi: f64,
}

/// A label waiting for a place in a gutter's label area.
struct Pending {
    edge: usize,
    w: f64,
    h: f64,
    /// The y where the link enters its target.
    at: f64,
}

/// Lay a diagram out.
pub fn layout(d: &Diagram) -> Layout {
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
        let caption = g.site.as_deref().map_or(0.0, |s| {
            chars(&super::site_label(s)) * SMALL_W + 2.0 * PAD_X
        });
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
    let centre = |x: usize| boxes.get(x).map_or(0.0, |b| b.rect.y + b.header / 2.0);
    let mut ends: BTreeMap<(usize, bool), Vec<End>> = BTreeMap::new();
    for (k, (e, r)) in d.edges.iter().zip(&routes).enumerate() {
        let right = |s: Side| s == Side::Right;
        ends.entry((e.from, right(r.from_side)))
            .or_default()
            .push(End {
                other: centre(e.to),
                edge: k,
                from: true,
            });
        ends.entry((e.to, right(r.to_side))).or_default().push(End {
            other: centre(e.from),
            edge: k,
            from: false,
        });
    }
    let at = |v: &[f64], k: usize| v.get(k).copied().unwrap_or(0.0);
    let mut y_from = vec![0.0; d.edges.len()];
    let mut y_to = vec![0.0; d.edges.len()];
    for ((x, _), list) in &mut ends {
        let x = *x;
        list.sort_by(|a, b| {
            a.other
                .total_cmp(&b.other)
                .then(a.edge.cmp(&b.edge))
                .then(b.from.cmp(&a.from))
        });
        let Some(b) = boxes.get(x) else { continue };
        let slots = list.len() as f64 + 1.0;
        for (i, end) in list.iter().enumerate() {
            let y = b.rect.y + b.header * (i as f64 + 1.0) / slots;
            let slot = if end.from {
                y_from.get_mut(end.edge)
            } else {
                y_to.get_mut(end.edge)
            };
            if let Some(s) = slot {
                *s = y;
            }
        }
    }
    // A link between two columns runs straight when one of its ends is the only port on its
    // side and the other end's height is inside that box's port band.
    for (k, (e, r)) in d.edges.iter().zip(&routes).enumerate() {
        let across = r.from_side != r.to_side && !r.far;
        if !across {
            continue;
        }
        let alone = |x: usize, side: Side| {
            ends.get(&(x, side == Side::Right))
                .is_some_and(|l| l.len() == 1)
        };
        let band = |x: usize| {
            boxes
                .get(x)
                .map_or((0.0, 0.0), |b| (b.rect.y + 4.0, b.rect.y + b.header - 4.0))
        };
        let (ya, yb) = (at(&y_from, k), at(&y_to, k));
        let inside = |y: f64, (lo, hi): (f64, f64)| y >= lo && y <= hi;
        if alone(e.to, r.to_side) && inside(ya, band(e.to)) {
            if let Some(s) = y_to.get_mut(k) {
                *s = ya;
            }
        } else if alone(e.from, r.from_side)
            && inside(yb, band(e.from))
            && let Some(s) = y_from.get_mut(k)
        {
            *s = yb;
        }
    }
    nudge(d, &routes, &col_of, &boxes, &mut y_from, &mut y_to);
    let track_y = |t: usize| MARGIN + TITLE_H + LANE * (t as f64 + 1.0);
    let mut track_of = vec![0.0; d.edges.len()];
    for (t, &k) in far.iter().enumerate() {
        if let Some(s) = track_of.get_mut(k) {
            *s = track_y(t);
        }
    }

    // Lanes: vertical segments of one gutter and set share a lane when they do not overlap.
    let mut verticals: BTreeMap<(usize, bool), Vec<Vertical>> = BTreeMap::new();
    for (k, r) in routes.iter().enumerate() {
        let (ya, yb) = (at(&y_from, k), at(&y_to, k));
        let segs = if r.far {
            let t = at(&track_of, k);
            vec![
                (r.up, 0, t.min(ya), t.max(ya)),
                (r.down, 1, t.min(yb), t.max(yb)),
            ]
        } else {
            vec![(r.up, 0, ya.min(yb), ya.max(yb))]
        };
        for ((g, set), which, lo, hi) in segs {
            verticals
                .entry((g, set == Set::L))
                .or_default()
                .push(Vertical {
                    edge: k,
                    which,
                    lo,
                    hi,
                });
        }
    }
    // lane_of[edge][which] = (gutter, set is L, lane index)
    let mut lane_of = vec![[(0usize, false, 0usize); 2]; d.edges.len()];
    let mut lanes_in: BTreeMap<(usize, bool), usize> = BTreeMap::new();
    for (&(g, l), list) in &mut verticals {
        list.sort_by(|a, b| a.lo.total_cmp(&b.lo).then(a.edge.cmp(&b.edge)));
        let mut ends: Vec<f64> = Vec::new();
        for v in list.iter() {
            let free = ends.iter().position(|&e| e + 2.0 * LANE < v.lo);
            let lane = match free {
                Some(i) => i,
                None => {
                    ends.push(f64::NEG_INFINITY);
                    ends.len() - 1
                }
            };
            if let Some(e) = ends.get_mut(lane) {
                *e = v.hi;
            }
            if let Some(slot) = lane_of.get_mut(v.edge).and_then(|s| s.get_mut(v.which)) {
                *slot = (g, l, lane);
            }
        }
        lanes_in.insert((g, l), ends.len());
    }

    // Labels: one-dimensional placement per gutter label area.
    let mut pending: BTreeMap<(usize, bool), Vec<Pending>> = BTreeMap::new();
    let mut blocked: BTreeMap<(usize, bool), Vec<f64>> = BTreeMap::new();
    for (k, (e, r)) in d.edges.iter().zip(&routes).enumerate() {
        let ca = col_of.get(e.from).copied().unwrap_or(0);
        let cb = col_of.get(e.to).copied().unwrap_or(0);
        // The label area a horizontal segment at a column's side crosses.
        let area = |c: usize, side: Side| match side {
            Side::Left => (c, true),
            Side::Right => (c + 1, false),
        };
        let target = area(cb, r.to_side);
        blocked
            .entry(area(ca, r.from_side))
            .or_default()
            .push(at(&y_from, k));
        blocked.entry(target).or_default().push(at(&y_to, k));
        let (w, h) = text_size(&edge_lines(e));
        pending.entry(target).or_default().push(Pending {
            edge: k,
            w: w + 8.0,
            h: h + 4.0,
            at: at(&y_to, k),
        });
    }
    let mut label_y = vec![(0.0, false); d.edges.len()];
    let mut area_w: BTreeMap<(usize, bool), f64> = BTreeMap::new();
    for (key, mut list) in pending {
        list.sort_by(|a, b| a.at.total_cmp(&b.at).then(a.edge.cmp(&b.edge)));
        let mut lines = blocked.get(&key).cloned().unwrap_or_default();
        lines.sort_by(f64::total_cmp);
        let mut taken: Vec<(f64, f64)> = Vec::new();
        for p in &list {
            let (y, moved) = place(p, &lines, &taken, top);
            let at = taken.partition_point(|&(a, _)| a < y);
            taken.insert(at, (y, y + p.h));
            if let Some(s) = label_y.get_mut(p.edge) {
                *s = (y, moved);
            }
            let w = area_w.entry(key).or_insert(0.0);
            *w = w.max(p.w);
        }
    }

    // Gutter widths, then the columns' places.
    let gutter_parts = |g: usize| {
        let rl = area_w.get(&(g, false)).copied().unwrap_or(0.0);
        let ll = area_w.get(&(g, true)).copied().unwrap_or(0.0);
        let rn = lanes_in.get(&(g, false)).copied().unwrap_or(0) as f64;
        let ln = lanes_in.get(&(g, true)).copied().unwrap_or(0) as f64;
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
        let lanes = lane_of.get(k).copied().unwrap_or_default();
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
        let (ly, moved) = label_y.get(k).copied().unwrap_or((0.0, false));
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

/// Move ports apart where two links' horizontal segments in one gutter would run at almost
/// the same height (say, a link leaving one column and another leaving the facing column):
/// they would read as one line. A port only moves within its box's port band.
fn nudge(
    d: &Diagram,
    routes: &[Route],
    col_of: &[usize],
    boxes: &[NodeBox],
    y_from: &mut [f64],
    y_to: &mut [f64],
) {
    const APART: f64 = 7.0;
    // (gutter, y, edge, is the source end, band bottom)
    let mut segs: Vec<(usize, f64, usize, bool, f64)> = Vec::new();
    for (k, (e, r)) in d.edges.iter().zip(routes).enumerate() {
        let gutter = |x: usize, side: Side| {
            let c = col_of.get(x).copied().unwrap_or(0);
            match side {
                Side::Left => c,
                Side::Right => c + 1,
            }
        };
        let band = |x: usize| boxes.get(x).map_or(0.0, |b| b.rect.y + b.header - 3.0);
        let at = |v: &[f64]| v.get(k).copied().unwrap_or(0.0);
        segs.push((
            gutter(e.from, r.from_side),
            at(y_from),
            k,
            true,
            band(e.from),
        ));
        segs.push((gutter(e.to, r.to_side), at(y_to), k, false, band(e.to)));
    }
    segs.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut last: Option<(usize, f64, usize)> = None;
    for (g, y, k, is_from, bottom) in segs {
        let mut y = y;
        if let Some((lg, ly, lk)) = last
            && lg == g
            && lk != k
            && y - ly < APART
            && ly + APART <= bottom
        {
            y = ly + APART;
            let slot = if is_from {
                y_from.get_mut(k)
            } else {
                y_to.get_mut(k)
            };
            if let Some(s) = slot {
                *s = y;
            }
        }
        last = Some((g, y, k));
    }
}

/// Number of gaps between `n` stacked items.
fn gaps(n: usize) -> f64 {
    n.saturating_sub(1) as f64
}

/// The place of a label: above where its link enters, else below, else the nearest free
/// place (up or down); `true` when it had to move away from its link.
fn place(p: &Pending, lines: &[f64], taken: &[(f64, f64)], top: f64) -> (f64, bool) {
    // `lines` is sorted, and `taken` is sorted by start and (but for the rare label that found
    // no free place) disjoint, so each test is a binary search: large pictures stay fast.
    let free = |y: f64| {
        let (lo, hi) = (y - CLEAR, y + p.h + CLEAR);
        let line = lines.partition_point(|&l| l <= lo);
        let next = taken.partition_point(|&(a, _)| a < hi);
        y >= top - 4.0
            && lines.get(line).is_none_or(|&l| l >= hi)
            && taken
                .get(next.saturating_sub(3)..next)
                .is_none_or(|before| before.iter().all(|&(_, b)| b <= lo))
    };
    let above = p.at - CLEAR - p.h;
    let below = p.at + CLEAR;
    if free(above) {
        return (above, false);
    }
    if free(below) {
        return (below, false);
    }
    for step in 1..400 {
        let d = f64::from(step) * 4.0;
        if free(above - d) {
            return (above - d, true);
        }
        if free(below + d) {
            return (below + d, true);
        }
    }
    (below, false)
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
        lines.push(super::omitted_note(d));
    }
    lines
}

/// The level of a legend line's finding (index into [`Diagram::findings`] + 1), for colour.
pub fn legend_level(d: &Diagram, line: usize) -> Option<(Level, bool)> {
    let f = d.findings.get(line.checked_sub(1)?)?;
    Some((f.level, f.waived))
}

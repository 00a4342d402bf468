//! How each link crosses the columns, and its ports: where it leaves its source box and
//! enters its target box.

use super::{NodeBox, at};
use crate::graph::Diagram;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Side {
    Left,
    Right,
}

/// The lane sets of a gutter: R lanes lead into the column on the gutter's left (entered from
/// its right side), L lanes into the column on its right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Set {
    R,
    L,
}

/// How a link crosses the columns.
#[derive(Clone, Copy, Debug)]
pub(super) struct Route {
    pub from_side: Side,
    pub to_side: Side,
    /// Gutter and lane set of the vertical segment next to the source.
    pub up: (usize, Set),
    /// Gutter and lane set of the vertical segment next to the target (the same as `up`
    /// unless the link skips columns and runs along a track).
    pub down: (usize, Set),
    pub far: bool,
}

/// The route of a link from column `ca` to column `cb`.
pub(super) fn route(ca: usize, cb: usize) -> Route {
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

/// The ports of every link: the height where it leaves its source (`y_from`) and enters
/// its target (`y_to`).
pub(super) fn ports(
    d: &Diagram,
    routes: &[Route],
    col_of: &[usize],
    boxes: &[NodeBox],
) -> (Vec<f64>, Vec<f64>) {
    let centre = |x: usize| boxes.get(x).map_or(0.0, |b| b.rect.y + b.header / 2.0);
    let mut ends: BTreeMap<(usize, bool), Vec<End>> = BTreeMap::new();
    for (k, (e, r)) in d.edges.iter().zip(routes).enumerate() {
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
    for (k, (e, r)) in d.edges.iter().zip(routes).enumerate() {
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
    nudge(d, routes, col_of, boxes, &mut y_from, &mut y_to);
    (y_from, y_to)
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

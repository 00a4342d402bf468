//! Labels: one-dimensional placement in each gutter's label area, beside the target's
//! column, just above where the link enters, else the nearest free place.

use super::route::{Route, Side};
use super::text::{edge_lines, text_size};
use super::{CLEAR, at};
use crate::graph::Diagram;
use std::collections::BTreeMap;

/// A label waiting for a place in a gutter's label area.
struct Pending {
    edge: usize,
    w: f64,
    h: f64,
    /// The y where the link enters its target.
    at: f64,
}

/// Where the labels go.
pub(super) struct Labels {
    /// Each link's label top, and whether it had to move away from its link.
    pub y: Vec<(f64, bool)>,
    /// The width of each label area: (gutter, on the gutter's right side).
    pub area_w: BTreeMap<(usize, bool), f64>,
}

/// Place every link's label in the label area beside its target's column, clear of the
/// horizontal segments that cross the area and of the labels placed before it.
pub(super) fn labels(
    d: &Diagram,
    routes: &[Route],
    col_of: &[usize],
    y_from: &[f64],
    y_to: &[f64],
    top: f64,
) -> Labels {
    let mut pending: BTreeMap<(usize, bool), Vec<Pending>> = BTreeMap::new();
    let mut blocked: BTreeMap<(usize, bool), Vec<f64>> = BTreeMap::new();
    for (k, (e, r)) in d.edges.iter().zip(routes).enumerate() {
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
            .push(at(y_from, k));
        blocked.entry(target).or_default().push(at(y_to, k));
        let (w, h) = text_size(&edge_lines(e));
        pending.entry(target).or_default().push(Pending {
            edge: k,
            w: w + 8.0,
            h: h + 4.0,
            at: at(y_to, k),
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

    Labels { y: label_y, area_w }
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

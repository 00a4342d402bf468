//! Lanes: the vertical segments of one gutter and lane set share a lane when they do not
//! overlap.

use super::route::{Route, Set};
use super::{LANE, at};
use std::collections::BTreeMap;

/// A vertical segment waiting for a lane.
struct Vertical {
    edge: usize,
    /// 0: next to the source, 1: next to the target.
    which: usize,
    lo: f64,
    hi: f64,
}

/// The lanes of the links' vertical segments.
pub(super) struct Lanes {
    /// `of[edge][which]` = (gutter, set is L, lane index) of a link's vertical segment next
    /// to its source (0) and next to its target (1).
    pub of: Vec<[(usize, bool, usize); 2]>,
    /// How many lanes each (gutter, set is L) has.
    pub count: BTreeMap<(usize, bool), usize>,
}

/// Give every vertical segment a lane; `track_of` is the height of a far link's track.
pub(super) fn lanes(routes: &[Route], y_from: &[f64], y_to: &[f64], track_of: &[f64]) -> Lanes {
    let mut verticals: BTreeMap<(usize, bool), Vec<Vertical>> = BTreeMap::new();
    for (k, r) in routes.iter().enumerate() {
        let (ya, yb) = (at(y_from, k), at(y_to, k));
        let segs = if r.far {
            let t = at(track_of, k);
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
    let mut lane_of = vec![[(0usize, false, 0usize); 2]; routes.len()];
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
    Lanes {
        of: lane_of,
        count: lanes_in,
    }
}

//! Lists of entities per node (children, links out, links in), stored as one flat list with
//! each node's start: two allocations for the whole topology instead of one per node.

use super::Idx;

/// For each node, the entities related to it, in the order they were given.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Adjacency {
    /// Where each node's entities start in `items`; one more entry than nodes.
    starts: Vec<u32>,
    items: Vec<Idx>,
}

impl Adjacency {
    /// The lists of `nodes` nodes from `(node, entity)` pairs (given twice: once to count,
    /// once to place); pairs naming no node are left out.
    pub fn build<I>(nodes: usize, pairs: impl Fn() -> I) -> Adjacency
    where
        I: Iterator<Item = (Idx, Idx)>,
    {
        let mut starts = vec![0u32; nodes + 1];
        for (n, _) in pairs() {
            if let Some(s) = starts.get_mut(n as usize + 1) {
                *s += 1;
            }
        }
        for i in 1..starts.len() {
            let before = starts.get(i - 1).copied().unwrap_or(0);
            if let Some(s) = starts.get_mut(i) {
                *s += before;
            }
        }
        let total = starts.last().copied().unwrap_or(0) as usize;
        let mut items = vec![0; total];
        let mut next: Vec<u32> = starts.clone();
        for (n, e) in pairs() {
            if let Some(at) = next.get_mut(n as usize).filter(|_| (n as usize) < nodes) {
                if let Some(slot) = items.get_mut(*at as usize) {
                    *slot = e;
                }
                *at += 1;
            }
        }
        Adjacency { starts, items }
    }

    /// The entities of node `n` (`None` past the last node).
    pub fn get(&self, n: usize) -> Option<&[Idx]> {
        let from = *self.starts.get(n)? as usize;
        let to = *self.starts.get(n + 1)? as usize;
        self.items.get(from..to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each node gets its entities in the order given; nodes without any get an empty list;
    /// pairs naming no node are dropped.
    #[test]
    fn lists_keep_their_order() {
        let pairs = [(2, 10), (0, 11), (2, 12), (9, 13), (0, 14)];
        let a = Adjacency::build(4, || pairs.iter().copied());
        assert_eq!(a.get(0), Some(&[11, 14][..]));
        assert_eq!(a.get(1), Some(&[][..]));
        assert_eq!(a.get(2), Some(&[10, 12][..]));
        assert_eq!(a.get(3), Some(&[][..]));
        assert_eq!(a.get(4), None);
        assert_eq!(Adjacency::build(0, || pairs.iter().copied()).get(0), None);
    }
}
